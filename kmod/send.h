/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending one transfer's bytes into its socket, without waiting (send.c).
 */
#ifndef ZCOPY_SEND_H
#define ZCOPY_SEND_H

#include <linux/types.h>

struct file;
struct zcopy_sock;
struct zcopy_xfer;

/*
 * What zcopy_send_xfer() returns, besides 0 (the transfer is over: all
 * of it sent, or its file ended early) and an error that ended it.
 */
/* The send buffer is full; the socket's wake-up resumes the pass. */
#define ZCOPY_SEND_PARKED	1
/* The rest must wait: inline, for a deferred pass; there, for the file. */
#define ZCOPY_SEND_DEFER	2
/* The disk is reading the next folio; its unlock resumes the pass. */
#define ZCOPY_SEND_WAIT		3

/* Whether, and where, a deferred pass may sleep in the file's own read. */
enum zcopy_block {
	ZCOPY_NO_BLOCK,		/* no: another pass must go on */
	ZCOPY_BLOCK_LENT,	/* in a lent thread: a signal ends the read */
	ZCOPY_BLOCK_TASK_WORK,	/* in task work, in the submitter's thread */
};

int zcopy_send_xfer(struct zcopy_xfer *x, struct zcopy_sock *zs, u64 *budget,
		    enum zcopy_block block);
void zcopy_send_uncork(struct zcopy_sock *zs);
void zcopy_read_behind(struct file *file, u64 pos, u64 end);
u64 zcopy_read_window(const struct zcopy_xfer *x);

#endif /* ZCOPY_SEND_H */
