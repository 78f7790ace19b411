// SPDX-License-Identifier: GPL-2.0
/*
 * zcctl: inspect and configure the zcopy module over generic netlink.
 *
 * Every command is one line of the table below; help is generated
 * from it.  No command means "stats".
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "out.h"
#include "zcctl.h"

#ifndef ZCCTL_VERSION
#define ZCCTL_VERSION "unknown"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "stats", NULL, "", 0,
	  "show the module's counters (the default command)", cmd_stats },
	{ "config", NULL, "[set KEY VALUE...]", -1,
	  "show the limits, or set them (needs CAP_NET_ADMIN); keys:\n"
	  "max-inflight COUNT, max-pinned BYTES (suffix K, M, G or T),\n"
	  "max-user-sockets COUNT, submit-budget BYTES,\n"
	  "deferred-timeout-ms MS, copy-mode on|off",
	  cmd_config },
	{ "contexts", "list", "", 0,
	  "list the open contexts of this network namespace (without\n"
	  "CAP_NET_ADMIN, only the caller's own)", cmd_contexts },
	{ "transfers", NULL, "[CONTEXT]", 1,
	  "list live transfers, of every context or of one", cmd_transfers },
	{ "monitor", NULL, "[count N]", -1,
	  "print events (transfer failures, configuration changes) as they\n"
	  "happen; stop after N of them", cmd_monitor },
	{ "help", NULL, "[COMMAND]", 1, "show this help, or a command's",
	  cmd_help },
	{ "version", NULL, "", 0, "show zcctl's and the module's versions",
	  cmd_version },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i].name) ||
		    (commands[i].alias && !strcmp(name, commands[i].alias)))
			return &commands[i];
	return NULL;
}

/* The help text of @c, each line indented. */
static void print_help_text(FILE *f, const struct command *c)
{
	const char *p = c->help;
	const char *nl;

	while (*p) {
		nl = strchr(p, '\n');
		fprintf(f, "      %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static void print_synopsis(FILE *f, const struct command *c)
{
	fprintf(f, "  zcctl [-j [-p]] %s%s%s", c->name, *c->args ? " " : "",
		c->args);
	if (c->alias)
		fprintf(f, "    (alias: %s)", c->alias);
	fputc('\n', f);
}

static void usage(FILE *f, const struct command *only)
{
	unsigned int i;

	fprintf(f, "usage:\n");
	for (i = 0; i < NR_COMMANDS; i++) {
		if (only && only != &commands[i])
			continue;
		print_synopsis(f, &commands[i]);
		if (only || f == stdout)
			print_help_text(f, &commands[i]);
	}
	if (!only)
		fprintf(f, "options:\n"
			"  -j, --json     JSON output\n"
			"  -p, --pretty   indented JSON (with -j)\n"
			"  -h, --help     this help\n"
			"  -V, --version  zcctl's version\n");
}

int usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zcctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr, name ? find_command(name) : NULL);
	return EXIT_USAGE;
}

int report_error(const char *what, int err, const struct zc_nl *nl)
{
	if (err == -EPERM) {
		fprintf(stderr,
			"zcctl: %s: permission denied (CAP_NET_ADMIN is required)\n",
			what);
		return 1;
	}
	fprintf(stderr, "zcctl: %s: %s", what, strerror(-err));
	if (nl->extack[0])
		fprintf(stderr, " (kernel reports: %s)", nl->extack);
	fputc('\n', stderr);
	return 1;
}

int parse_u64(const char *s, unsigned long long *v, int allow_suffix)
{
	static const char suffixes[] = "KMGT";
	const char *p;
	char *end;
	int shift;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	if (!*end)
		return 0;
	p = allow_suffix && end[1] == '\0' ? strchr(suffixes, *end) : NULL;
	if (!p)
		return -1;
	shift = 10 * (int)(p - suffixes + 1);
	if (*v > (~0ULL >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c = NULL;

	if (argc == 2) {
		c = find_command(argv[1]);
		if (!c)
			return usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	usage(stdout, c);
	return 0;
}

/* The loaded module's version, from sysfs; NULL if not loaded. */
static char *module_version(char *buf, int size)
{
	FILE *f = fopen("/sys/module/zcopy/version", "r");
	char *ret = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = buf;
	}
	fclose(f);
	return ret;
}

static int cmd_version(int argc, char **argv)
{
	char buf[64];
	const char *mod;

	(void)argc;
	(void)argv;
	mod = module_version(buf, sizeof(buf));
	out_object_begin(NULL);
	out_str("zcctl", ZCCTL_VERSION);
	out_str("module", mod ? mod : "not loaded");
	out_object_end();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char *default_argv[] = { "stats", NULL };
	const struct command *c;
	int json = 0, pretty = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "+jphV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'p':
			pretty = 1;
			break;
		case 'h':
			usage(stdout, NULL);
			return 0;
		case 'V':
			printf("zcctl %s\n", ZCCTL_VERSION);
			return 0;
		default:
			usage(stderr, NULL);
			return EXIT_USAGE;
		}
	}
	out_init(!json ? OUT_TEXT : pretty ? OUT_JSON_PRETTY : OUT_JSON);
	argc -= optind;
	argv += optind;
	if (!argc) {
		argc = 1;
		argv = default_argv;
	}
	c = find_command(argv[0]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[0]);
	if (c->max_args >= 0 && argc - 1 > c->max_args)
		return usage_error(argv[0], "unexpected argument '%s'",
				   argv[c->max_args + 1]);
	return c->handler(argc, argv);
}
