/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threads an application lends to its context (ZCOPY_IOC_LEND), and the
 * registrations whose next step waits for one.
 */
#ifndef ZCOPY_LEND_H
#define ZCOPY_LEND_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct zcopy_sock;

struct zcopy_lent {
	spinlock_t lock;		/* leaf; process context */
	unsigned int threads;		/* in ZCOPY_IOC_LEND now */
	unsigned int file_refs;		/* of them, those holding a file ref */
	bool stopped;			/* taken back, for good */
	struct list_head queue;		/* registrations waiting for a thread */
	wait_queue_head_t wait;		/* the threads, waiting for work */
};

void zcopy_lent_init(struct zcopy_lent *lent);
int zcopy_lent_serve(struct zcopy_lent *lent, bool file_ref);
void zcopy_lent_stop(struct zcopy_lent *lent);
unsigned int zcopy_lent_file_refs(struct zcopy_lent *lent);
bool zcopy_lent_queue(struct zcopy_lent *lent, struct zcopy_sock *zs);
void zcopy_lent_give_back(struct zcopy_lent *lent);

#endif /* ZCOPY_LEND_H */
