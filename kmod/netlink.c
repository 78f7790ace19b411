// SPDX-License-Identifier: GPL-2.0
/*
 * The "zcopy" generic netlink family: counters, configuration, listings
 * of contexts and transfers, and events.
 *
 * The policies, the op table, the events group and the family itself
 * are generated from Documentation/netlink/specs/zcopy.yaml into
 * generated/genl.[ch] (make regen); this file holds the handlers the op
 * table names.  Validation is strict (the genetlink default for a new
 * family): unknown attributes, wrong types and sizes are refused by the
 * core with an extack message, and the range checks live in the
 * policies, so the handlers only see well-formed values.  A command
 * whose request the spec gives no attributes has no policy: since 6.2
 * the core then does not parse the message, and zcopy_nl_no_attrs()
 * refuses attributes itself; before, the core refused them.
 *
 * Listings carry pids, command names, descriptors, inode numbers and
 * user_data (often a pointer): no business of other users.  A caller
 * with CAP_NET_ADMIN over the namespace sees every context in it; any
 * other caller only the contexts opened under its own uid.  The events
 * group, which carries the same, is for CAP_NET_ADMIN alone.
 *
 * Listings hold zcopy_contexts' xa_lock while they read a context (and
 * ctx->xfers_lock inside it while they read its transfers), so nothing
 * they look at can be freed under them; they never sleep there (LOCKING,
 * ctx.c).  A dump resumes from ids, not pointers (struct
 * zcopy_nl_dump).
 */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <linux/zcopy.h>

#include "compat.h"
#include "ctx.h"
#include "generated/genl.h"
#include "limits.h"
#include "netlink.h"
#include "stats.h"
#include "xfer.h"

/* Serializes configuration changes and their notifications. */
static DEFINE_MUTEX(zcopy_config_lock);

/* For the commands whose request carries no attributes at all. */
static int zcopy_nl_no_attrs(const struct nlmsghdr *nlh,
			     struct netlink_ext_ack *extack)
{
	if (nlmsg_len(nlh) <= GENL_HDRLEN)
		return 0;
	NL_SET_ERR_MSG(extack, "this command takes no attributes");
	return -EINVAL;
}

/*
 * The reply to a "get" command that takes no attributes: one message
 * filled by @put, for the sender's network namespace.
 */
static int zcopy_nl_reply(struct genl_info *info,
			  int (*put)(struct sk_buff *msg, struct net *net))
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = zcopy_nl_no_attrs(info->nlhdr, info->extack);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &zcopy_nl_family, 0, info->genlhdr->cmd);
	if (!hdr || put(msg, genl_info_net(info))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * @net's counters (stats.h): every attribute of the set is one, but the
 * padding.
 */
static int zcopy_nl_put_stats(struct sk_buff *msg, struct net *net)
{
	struct zcopy_net *zn = zcopy_net(net);
	unsigned int i;

	for (i = 1; i <= ZCOPY_A_STATS_MAX; i++)
		if (i != ZCOPY_A_STATS_PAD &&
		    nla_put_u64_64bit(msg, i, zcopy_stat_read(zn, i),
				      ZCOPY_A_STATS_PAD))
			return -EMSGSIZE;
	return 0;
}

int zcopy_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return zcopy_nl_reply(info, zcopy_nl_put_stats);
}

/* The configuration is global: @net does not matter. */
static int zcopy_nl_put_config(struct sk_buff *msg, struct net *net)
{
	if (nla_put_u32(msg, ZCOPY_A_CONFIG_MAX_INFLIGHT,
			READ_ONCE(zcopy_limits.max_inflight)) ||
	    nla_put_u64_64bit(msg, ZCOPY_A_CONFIG_MAX_PINNED,
			      READ_ONCE(zcopy_limits.max_pinned),
			      ZCOPY_A_CONFIG_PAD) ||
	    nla_put_u32(msg, ZCOPY_A_CONFIG_MAX_USER_SOCKETS,
			READ_ONCE(zcopy_limits.max_user_sockets)) ||
	    nla_put_u64_64bit(msg, ZCOPY_A_CONFIG_SUBMIT_BUDGET,
			      READ_ONCE(zcopy_limits.submit_budget),
			      ZCOPY_A_CONFIG_PAD) ||
	    nla_put_u32(msg, ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS,
			READ_ONCE(zcopy_limits.deferred_timeout_ms)) ||
	    nla_put_u8(msg, ZCOPY_A_CONFIG_COPY_MODE,
		       READ_ONCE(zcopy_limits.copy_mode)))
		return -EMSGSIZE;
	return 0;
}

int zcopy_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return zcopy_nl_reply(info, zcopy_nl_put_config);
}

/*
 * The configuration is global, so every namespace hears of a change, in
 * the order of the changes: under zcopy_config_lock.
 */
static void zcopy_nl_config_notify(void)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&zcopy_config_lock);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &zcopy_nl_family, 0, ZCOPY_CMD_CONFIG_NTF);
	if (!hdr || zcopy_nl_put_config(msg, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_allns(&zcopy_nl_family, msg, 0, ZCOPY_NLGRP_EVENTS);
}

int zcopy_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *inflight = info->attrs[ZCOPY_A_CONFIG_MAX_INFLIGHT];
	struct nlattr *pinned = info->attrs[ZCOPY_A_CONFIG_MAX_PINNED];
	struct nlattr *sockets = info->attrs[ZCOPY_A_CONFIG_MAX_USER_SOCKETS];
	struct nlattr *budget = info->attrs[ZCOPY_A_CONFIG_SUBMIT_BUDGET];
	struct nlattr *timeout = info->attrs[ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS];
	struct nlattr *copy = info->attrs[ZCOPY_A_CONFIG_COPY_MODE];

	if (!inflight && !pinned && !sockets && !budget && !timeout && !copy) {
		NL_SET_ERR_MSG(info->extack,
			       "no configuration attribute given");
		return -EINVAL;
	}
	mutex_lock(&zcopy_config_lock);
	if (inflight)
		WRITE_ONCE(zcopy_limits.max_inflight, nla_get_u32(inflight));
	if (pinned)
		WRITE_ONCE(zcopy_limits.max_pinned, nla_get_u64(pinned));
	if (sockets)
		WRITE_ONCE(zcopy_limits.max_user_sockets, nla_get_u32(sockets));
	if (budget)
		WRITE_ONCE(zcopy_limits.submit_budget, nla_get_u64(budget));
	if (timeout)
		WRITE_ONCE(zcopy_limits.deferred_timeout_ms,
			   nla_get_u32(timeout));
	if (copy)
		WRITE_ONCE(zcopy_limits.copy_mode, nla_get_u8(copy));
	zcopy_nl_config_notify();
	mutex_unlock(&zcopy_config_lock);
	return 0;
}

/*
 * A dump's state, over cb->ctx.  Whose contexts it may show (see the top
 * of this file) is fixed when the request arrives, in the sender's task:
 * the later parts of a dump are made in whichever task reads them, and
 * that may be another user's.  It resumes from ids, never pointers.
 */
struct zcopy_nl_dump {
	kuid_t uid;			/* the sender's real uid */
	bool all;			/* CAP_NET_ADMIN over the namespace */
	unsigned long next_ctx;		/* the next context id; 0: not begun */
	u64 next_xfer;			/* the next transfer id within it */
};

static_assert(sizeof(struct zcopy_nl_dump) <=
	      sizeof_field(struct netlink_callback, ctx));

static struct zcopy_nl_dump *zcopy_nl_dump(struct netlink_callback *cb)
{
	return (struct zcopy_nl_dump *)cb->ctx;
}

/* The .start of both dumps: the core runs it as the request arrives. */
int zcopy_nl_dump_start(struct netlink_callback *cb)
{
	struct zcopy_nl_dump *d = zcopy_nl_dump(cb);

	d->uid = current_uid();
	d->all = netlink_net_capable(cb->skb, CAP_NET_ADMIN);
	return 0;
}

static bool zcopy_nl_may_see(const struct zcopy_nl_dump *d,
			     const struct sk_buff *skb,
			     const struct zcopy_ctx *ctx)
{
	return net_eq(ctx->net, sock_net(skb->sk)) &&
	       (d->all || uid_eq(ctx->uid, d->uid));
}

static int zcopy_nl_put_context(struct sk_buff *skb, struct zcopy_ctx *ctx,
				struct netlink_callback *cb)
{
	void *hdr;

	lockdep_assert_held(&zcopy_contexts.xa_lock);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &zcopy_nl_family, NLM_F_MULTI, ZCOPY_CMD_CONTEXT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ZCOPY_A_CONTEXT_ID, ctx->id) ||
	    nla_put_u32(skb, ZCOPY_A_CONTEXT_PID, pid_vnr(ctx->pid)) ||
	    nla_put_string(skb, ZCOPY_A_CONTEXT_COMM, ctx->comm) ||
	    nla_put_u32(skb, ZCOPY_A_CONTEXT_SOCKETS,
			READ_ONCE(ctx->ev.nr_items)) ||
	    nla_put_u32(skb, ZCOPY_A_CONTEXT_INFLIGHT,
			atomic_read(&ctx->inflight)) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_CONTEXT_PINNED,
			      atomic64_read(&ctx->pinned),
			      ZCOPY_A_CONTEXT_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_CONTEXT_SUBMITTED,
			      atomic64_read(&ctx->submitted),
			      ZCOPY_A_CONTEXT_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_CONTEXT_COMPLETED,
			      atomic64_read(&ctx->completed),
			      ZCOPY_A_CONTEXT_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_CONTEXT_FAILED,
			      atomic64_read(&ctx->failed),
			      ZCOPY_A_CONTEXT_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_CONTEXT_BYTES,
			      atomic64_read(&ctx->bytes),
			      ZCOPY_A_CONTEXT_PAD) ||
	    (READ_ONCE(ctx->ev.closed) &&
	     nla_put_flag(skb, ZCOPY_A_CONTEXT_CLOSED))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int zcopy_nl_context_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct zcopy_nl_dump *d = zcopy_nl_dump(cb);
	unsigned long id;
	struct zcopy_ctx *ctx;
	int ret = 0;

	if (!d->next_ctx) {
		ret = zcopy_nl_no_attrs(cb->nlh, cb->extack);
		if (ret)
			return ret;
		d->next_ctx = 1;
	}
	xa_lock(&zcopy_contexts);
	xa_for_each_start(&zcopy_contexts, id, ctx, d->next_ctx) {
		if (!zcopy_nl_may_see(d, skb, ctx))
			continue;
		ret = zcopy_nl_put_context(skb, ctx, cb);
		if (ret)
			break;
		d->next_ctx = id + 1;
	}
	xa_unlock(&zcopy_contexts);
	return ret && !skb->len ? ret : skb->len;
}

static int zcopy_nl_put_transfer(struct sk_buff *skb,
				 const struct zcopy_xfer *x, s32 err,
				 u32 portid, u32 seq, int flags, u8 cmd)
{
	struct inode *inode = x->file ? file_inode(x->file) : NULL;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &zcopy_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ZCOPY_A_TRANSFER_CONTEXT_ID, x->ctx->id) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_ID, x->id,
			      ZCOPY_A_TRANSFER_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_USER_DATA,
			      x->event.cqe.user_data, ZCOPY_A_TRANSFER_PAD) ||
	    nla_put_u32(skb, ZCOPY_A_TRANSFER_FLAGS, x->flags) ||
	    nla_put_s32(skb, ZCOPY_A_TRANSFER_SOCK_FD, x->sock_fd) ||
	    /* No file for a ZCOPY_F_BUFFER entry's bytes. */
	    (inode &&
	     (nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_FILE_INO, inode->i_ino,
				ZCOPY_A_TRANSFER_PAD) ||
	      nla_put_u32(skb, ZCOPY_A_TRANSFER_FILE_DEV,
			  new_encode_dev(inode->i_sb->s_dev)))) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_OFFSET, x->range.start,
			      ZCOPY_A_TRANSFER_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_LENGTH,
			      x->range.end - x->range.start,
			      ZCOPY_A_TRANSFER_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_TRANSFER_DONE,
			      READ_ONCE(x->pos) - x->range.start,
			      ZCOPY_A_TRANSFER_PAD) ||
	    nla_put_u32(skb, ZCOPY_A_TRANSFER_STATE, zcopy_xfer_state(x)) ||
	    (err && nla_put_s32(skb, ZCOPY_A_TRANSFER_ERROR, err))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* @ctx's transfers from id *@next on; *@next says where to resume. */
static int zcopy_nl_put_transfers(struct sk_buff *skb, struct zcopy_ctx *ctx,
				  struct netlink_callback *cb, u64 *next)
{
	struct zcopy_xfer *x;
	int ret = 0;

	lockdep_assert_held(&zcopy_contexts.xa_lock);
	spin_lock(&ctx->xfers_lock);
	list_for_each_entry(x, &ctx->xfers, ctx_link) {
		if (x->id < *next)
			continue;
		ret = zcopy_nl_put_transfer(skb, x, 0,
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    ZCOPY_CMD_TRANSFER_GET);
		if (ret)
			break;
		*next = x->id + 1;
	}
	spin_unlock(&ctx->xfers_lock);
	return ret;
}

/* Is there a context @id the dump may show?  (For the filter.) */
static bool zcopy_nl_context_exists(const struct zcopy_nl_dump *d,
				    const struct sk_buff *skb, u32 id)
{
	struct zcopy_ctx *ctx;
	bool ret;

	xa_lock(&zcopy_contexts);
	ctx = xa_load(&zcopy_contexts, id);
	ret = ctx && zcopy_nl_may_see(d, skb, ctx);
	xa_unlock(&zcopy_contexts);
	return ret;
}

int zcopy_nl_transfer_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct nlattr *only = zcopy_genl_dump_attrs(cb)[ZCOPY_A_TRANSFER_CONTEXT_ID];
	unsigned long first = 1, last = ULONG_MAX, id;
	struct zcopy_nl_dump *d = zcopy_nl_dump(cb);
	u64 next = d->next_xfer;
	struct zcopy_ctx *ctx;
	int ret = 0;

	if (only) {
		first = nla_get_u32(only);
		last = first;
		if (!d->next_ctx && !zcopy_nl_context_exists(d, skb, first)) {
			NL_SET_ERR_MSG_ATTR(cb->extack, only, "no such context");
			return -ENOENT;
		}
	}
	if (d->next_ctx)
		first = d->next_ctx;
	xa_lock(&zcopy_contexts);
	xa_for_each_range(&zcopy_contexts, id, ctx, first, last) {
		if (!zcopy_nl_may_see(d, skb, ctx))
			continue;
		/*
		 * Transfer ids are per context: if the one we stopped in
		 * has gone, its resume point means nothing here.
		 */
		if (id != d->next_ctx)
			next = 0;
		ret = zcopy_nl_put_transfers(skb, ctx, cb, &next);
		if (ret)
			break;
		next = 0;
		first = id + 1;
	}
	xa_unlock(&zcopy_contexts);
	/* Resume in the context that did not fit, or after the last one. */
	d->next_ctx = ret ? id : first;
	d->next_xfer = next;
	return ret && !skb->len ? ret : skb->len;
}

/* Tell the context's namespace that @x ended with error @err. */
void zcopy_nl_transfer_failed(const struct zcopy_xfer *x, s64 err)
{
	struct net *net = x->ctx->net;
	struct sk_buff *msg;

	if (!genl_has_listeners(&zcopy_nl_family, net, ZCOPY_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (zcopy_nl_put_transfer(msg, x, (s32)err, 0, 0, 0,
				  ZCOPY_CMD_TRANSFER_FAILED)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&zcopy_nl_family, net, msg, 0,
				ZCOPY_NLGRP_EVENTS, GFP_KERNEL);
}

int __init zcopy_nl_init(void)
{
	return genl_register_family(&zcopy_nl_family);
}

void zcopy_nl_exit(void)
{
	genl_unregister_family(&zcopy_nl_family);
}

MODULE_ALIAS_GENL_FAMILY(ZCOPY_FAMILY_NAME);
