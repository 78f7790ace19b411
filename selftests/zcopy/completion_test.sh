#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# zcctl's bash completion offers what zcctl accepts: the commands its
# help lists, the config keys, and the ids of the live contexts.
#
# Runs in the test VM with the module loaded; needs bash-completion.
set -u
cd "$(dirname "$0")" || exit 1
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile).
# shellcheck source=/dev/null
. ./ktap_helpers.sh

PROJECT=${ZCOPY_PROJECT:-$(cd ../.. && pwd)}
ZCCTL=$PROJECT/tools/zcctl/zcctl
COMPLETION=$PROJECT/tools/zcctl/zcctl.bash-completion
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

ktap_print_header
ktap_set_plan 5
if [ ! -r "$BASH_COMPLETION" ]; then
	ktap_exit_fail_msg "$BASH_COMPLETION missing (package bash-completion)"
fi
# shellcheck source=/dev/null
. "$BASH_COMPLETION"
# shellcheck source=/dev/null
. "$COMPLETION"

# complete LINE: the words bash would offer at the end of LINE.
complete_line() {
	local line=$ZCCTL${1#zcctl}	# the completion runs this zcctl

	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	[ "${line: -1}" = " " ] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_zcctl zcctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}

# expect_completion NAME LINE WANT: LINE completes to WANT (sorted).
expect_completion() {
	local got
	got=$(complete_line "$2")
	if [ "$got" = "$3" ]; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "'$2' completed to '$got', not '$3'"
		ktap_test_fail "$1"
	fi
}

# The commands zcctl's own help lists, plus the alias it documents.
commands=$("$ZCCTL" help | sed -n 's/^  zcctl \[-j \[-p\]\] \([a-z]*\).*/\1/p')
commands=$(printf '%s\nlist\n' "$commands" | sort | xargs)
expect_completion commands "zcctl " "$commands"
expect_completion commands_after_options "zcctl -j -p " "$commands"
expect_completion config_keys "zcctl config set max-inflight 3 " \
	"copy-mode deferred-timeout-ms max-inflight max-pinned max-user-sockets submit-budget"
expect_completion config_switch "zcctl config set copy-mode " "off on"
expect_completion help_topics "zcctl help " "$commands"

# A context opened for the test is offered after "transfers".
exec 3</dev/zcopy
ids=$("$ZCCTL" -j contexts |
	python3 -c 'import json, sys; print(*sorted(str(c["id"]) for c in json.load(sys.stdin)))')
expect_completion context_ids "zcctl transfers " "$(printf '%s\n' $ids | sort | xargs)"
exec 3<&-
ktap_finished
