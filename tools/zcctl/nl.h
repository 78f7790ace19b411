/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the "zcopy" generic netlink family with libnl-genl-3.
 */
#ifndef ZCCTL_NL_H
#define ZCCTL_NL_H

#include <netlink/attr.h>
#include <netlink/msg.h>

struct zc_nl {
	struct nl_sock *sk;
	int family;
	char extack[256];	/* the kernel's message on the last error */
};

/*
 * Called with the attributes of each reply message, indexed by type.
 * Returns 0 to go on, > 0 to stop there, or a negative errno.
 */
typedef int (*zc_nl_handler)(struct nlattr **tb, uint8_t cmd, void *arg);

/*
 * Connect and resolve the family.  Prints why not (module not loaded,
 * no netlink) and returns -1 on failure.
 */
int zc_nl_open(struct zc_nl *nl);
void zc_nl_close(struct zc_nl *nl);

/* A request for @cmd; NLM_F_DUMP in @flags for a listing. */
struct nl_msg *zc_nl_msg(struct zc_nl *nl, uint8_t cmd, int flags);

/*
 * Send @msg (freed), pass each reply to @handler and wait for the
 * acknowledgement or the end of the dump.  Returns 0 or a negative
 * errno; nl->extack then holds the kernel's explanation, if it gave one.
 */
int zc_nl_call(struct zc_nl *nl, struct nl_msg *msg, int maxattr,
	       zc_nl_handler handler, void *arg);

/* Join the "events" group and pass each event to @handler until it stops. */
int zc_nl_listen(struct zc_nl *nl, int maxattr, zc_nl_handler handler,
		 void *arg);

#endif /* ZCCTL_NL_H */
