/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcctl: the command-line client of the zcopy generic netlink family.
 */
#ifndef ZCCTL_H
#define ZCCTL_H

struct command {
	const char *name;
	const char *alias;
	const char *args;	/* synopsis of the arguments */
	int max_args;		/* how many main() lets through; -1: any */
	const char *help;
	int (*handler)(int argc, char **argv);	/* argv[0] is the name */
};

/* Exit statuses: 0 done, 1 usage or runtime error. */
#define EXIT_USAGE	1

int cmd_stats(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_contexts(int argc, char **argv);
int cmd_transfers(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* One line on stderr, then the command's usage; returns EXIT_USAGE. */
int usage_error(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Say why a request failed ("zcctl: WHAT: reason"), adding the kernel's
 * extended-ack text; returns 1.
 */
struct zc_nl;
int report_error(const char *what, int err, const struct zc_nl *nl);

/* Parse a count or a size with an optional K/M/G/T (binary) suffix. */
int parse_u64(const char *s, unsigned long long *v, int allow_suffix);

#endif /* ZCCTL_H */
