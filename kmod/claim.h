/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide bookkeeping of registrations: a socket belongs to at most
 * one registration, and each user holds a bounded number of them.
 */
#ifndef ZCOPY_CLAIM_H
#define ZCOPY_CLAIM_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct socket;
struct zcopy_user;

/* Embedded in a registration; zeroed until claimed. */
struct zcopy_claim {
	struct hlist_node node;		/* in zcopy_claims, by socket */
	struct socket *sock;		/* until unclaimed */
	struct zcopy_user *user;	/* whose registration count holds it */
};

int zcopy_claim_socket(struct zcopy_claim *c, struct socket *sock);
bool zcopy_claim_charge_buffer(struct zcopy_claim *c, size_t bytes);
void zcopy_user_uncharge_buffer(struct zcopy_user *user, size_t bytes);
void zcopy_unclaim_socket(struct zcopy_claim *c);
void zcopy_release_socket(struct zcopy_claim *c);

#endif /* ZCOPY_CLAIM_H */
