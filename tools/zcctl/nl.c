// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink plumbing of zcctl: one request, its replies, and the
 * kernel's extended acknowledgement when it refuses.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/zcopy.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct zc_call {
	struct zc_nl *nl;
	int maxattr;
	zc_nl_handler handler;
	void *arg;
	int err;
	int done;
};

int zc_nl_open(struct zc_nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk || genl_connect(nl->sk)) {
		fprintf(stderr, "zcctl: cannot open a generic netlink socket\n");
		return -1;
	}
	/* Best effort: without it, errors come without the kernel's text. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, ZCOPY_FAMILY_NAME);
	if (nl->family < 0) {
		fprintf(stderr,
			"zcctl: the zcopy kernel module is not loaded (run: modprobe zcopy)\n");
		zc_nl_close(nl);
		return -1;
	}
	return 0;
}

void zc_nl_close(struct zc_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *zc_nl_msg(struct zc_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, ZCOPY_FAMILY_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* With a range error, the kernel says what the range is: add it. */
static void zc_nl_append_range(struct zc_nl *nl, struct nlattr *policy)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];
	size_t len = strlen(nl->extack);
	unsigned long long min, max;

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, policy, NULL) ||
	    !tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] ||
	    !tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
		return;
	min = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
	max = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
	snprintf(nl->extack + len, sizeof(nl->extack) - len,
		 "%svalid: %llu..%llu", len ? "; " : "", min, max);
}

/* The kernel's message in the TLVs at @tlvs (NLMSGERR_ATTR_*). */
static void zc_nl_save_extack(struct zc_nl *nl, void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->extack, sizeof(nl->extack), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_POLICY])
		zc_nl_append_range(nl, tb[NLMSGERR_ATTR_POLICY]);
}

static int zc_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e,
			  void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct zc_call *call = arg;
	int skip = sizeof(*e);

	(void)who;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		zc_nl_save_extack(call->nl, (char *)e + skip,
				  (int)nlh->nlmsg_len - NLMSG_HDRLEN - skip);
	call->err = e->error;
	call->done = 1;
	return NL_STOP;
}

static int zc_nl_on_ack(struct nl_msg *msg, void *arg)
{
	struct zc_call *call = arg;

	(void)msg;
	call->done = 1;
	return NL_STOP;
}

/* The end of a dump; it carries the error if the dump failed. */
static int zc_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct zc_call *call = arg;
	int err;

	call->done = 1;
	if (nlmsg_datalen(nlh) < (int)sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	call->err = err;
	if (err && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		zc_nl_save_extack(call->nl, (char *)nlmsg_data(nlh) + sizeof(err),
				  nlmsg_datalen(nlh) - (int)sizeof(err));
	return NL_STOP;
}

static int zc_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct zc_call *call = arg;
	struct nlattr *tb[call->maxattr + 1];

	if (genlmsg_parse(nlh, 0, tb, call->maxattr, NULL))
		return NL_SKIP;		/* not ours to understand */
	/* < 0: failed; > 0: seen enough. */
	call->err = call->handler(tb, gnlh->cmd, call->arg);
	return call->err ? NL_STOP : NL_OK;
}

static struct nl_cb *zc_nl_callbacks(struct zc_call *call)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, zc_nl_on_valid, call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, zc_nl_on_ack, call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, zc_nl_on_finish, call);
	nl_cb_err(cb, NL_CB_CUSTOM, zc_nl_on_error, call);
	return cb;
}

/*
 * How a call ended: a handler's or the kernel's error, else a failure of
 * the last receive (@ret), else success (a handler's "seen enough").
 */
static int zc_call_result(const struct zc_call *call, int ret)
{
	if (call->err)
		return call->err < 0 ? call->err : 0;
	return ret < 0 ? -EIO : 0;
}

int zc_nl_call(struct zc_nl *nl, struct nl_msg *msg, int maxattr,
	       zc_nl_handler handler, void *arg)
{
	struct zc_call call = {
		.nl = nl, .maxattr = maxattr, .handler = handler, .arg = arg,
	};
	struct nl_cb *cb;
	int ret;

	nl->extack[0] = '\0';
	if (!msg)
		return -ENOMEM;
	cb = zc_nl_callbacks(&call);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !call.done && !call.err)
		ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	return zc_call_result(&call, ret);
}

static int zc_nl_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int zc_nl_listen(struct zc_nl *nl, int maxattr, zc_nl_handler handler,
		 void *arg)
{
	struct zc_call call = {
		.nl = nl, .maxattr = maxattr, .handler = handler, .arg = arg,
	};
	struct nl_cb *cb;
	int grp, ret;

	grp = genl_ctrl_resolve_grp(nl->sk, ZCOPY_FAMILY_NAME,
				    ZCOPY_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	cb = zc_nl_callbacks(&call);
	if (!cb)
		return -ENOMEM;
	/* Events are not replies: they carry no sequence number of ours. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, zc_nl_any_seq, NULL);
	/* Joined directly, to keep the errno: the group needs CAP_NET_ADMIN. */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		ret = -errno;
		nl_cb_put(cb);
		return ret;
	}
	ret = 0;
	while (!ret && !call.err)
		ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	return zc_call_result(&call, ret);
}
