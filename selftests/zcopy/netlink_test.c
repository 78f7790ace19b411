// SPDX-License-Identifier: GPL-2.0
/*
 * The "zcopy" generic netlink family against malformed requests, over a
 * raw netlink socket (no library between us and the kernel): unknown
 * attributes, wrong sizes, missing and out-of-range values, truncated
 * headers, unknown commands and random bytes.  Each must get a clean
 * error, with the kernel's extended-ack text where it explains, and
 * leave the configuration as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "zc_util.h"

#include "kselftest_harness.h"

#define BUF_SIZE	32768

struct reply {
	int error;		/* from NLMSG_ERROR or NLMSG_DONE; 1: data */
	char extack[256];
	int nr_data;		/* family messages before the end */
};

static int nl_socket(void)
{
	struct timeval tv = { .tv_sec = zc_ms(10000) / 1000 };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Append attribute @type with @len bytes of @data at *@pos. */
static size_t put_attr(char *msg, size_t pos, uint16_t type,
		       const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(msg + pos);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(msg + pos + NLA_HDRLEN, data, len);
	return pos + NLA_ALIGN(a->nla_len);
}

/* A request header for @family/@cmd; returns where attributes start. */
static size_t put_header(char *msg, uint16_t family, uint8_t cmd,
			 uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(msg, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = ZCOPY_FAMILY_VERSION;
	return NLMSG_HDRLEN + GENL_HDRLEN;
}

static void parse_extack(struct reply *r, const char *p, int len)
{
	const struct nlattr *a;

	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(r->extack, sizeof(r->extack), "%.*s",
				 a->nla_len - NLA_HDRLEN, p + NLA_HDRLEN);
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
}

/* Read until the ACK, error or end of dump of our request. */
static int recv_reply(int fd, struct reply *r)
{
	static char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	ssize_t n;
	int skip;

	memset(r, 0, sizeof(*r));
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				e = NLMSG_DATA(nlh);
				r->error = e->error;
				skip = sizeof(*e);
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					skip += e->msg.nlmsg_len - sizeof(e->msg);
				parse_extack(r, (char *)e + skip,
					     (int)nlh->nlmsg_len - NLMSG_HDRLEN - skip);
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				memcpy(&r->error, NLMSG_DATA(nlh), sizeof(int));
				parse_extack(r, (char *)NLMSG_DATA(nlh) + sizeof(int),
					     (int)nlh->nlmsg_len - NLMSG_HDRLEN - 4);
				return 0;
			}
			r->nr_data++;
		}
	}
}

static int send_msg(int fd, char *msg, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	((struct nlmsghdr *)msg)->nlmsg_len = len;
	return sendto(fd, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	       (ssize_t)len ? 0 : -errno;
}

/* Send @len bytes of @msg and collect the answer. */
static int request(int fd, char *msg, size_t len, struct reply *r)
{
	int ret = send_msg(fd, msg, len);

	return ret ? ret : recv_reply(fd, r);
}

FIXTURE(nl) {
	int fd;
	int family;
	char msg[4096];
	struct reply r;
};

FIXTURE_SETUP(nl)
{
	self->fd = nl_socket();
	ASSERT_LE(0, self->fd);
	self->family = genl_family_id(self->fd, ZCOPY_FAMILY_NAME);
	ASSERT_LT(0, self->family);
}

FIXTURE_TEARDOWN(nl)
{
	close(self->fd);
}

/* config-set with one attribute; the answer is in self->r. */
static int config_set(struct _test_data_nl *self, uint16_t type,
		      const void *data, uint16_t len)
{
	size_t pos = put_header(self->msg, self->family, ZCOPY_CMD_CONFIG_SET, 0);

	pos = put_attr(self->msg, pos, type, data, len);
	return request(self->fd, self->msg, pos, &self->r);
}

/* The current max-inflight, read back with config-get; -1 if unreadable. */
static long long max_inflight(void)
{
	return zc_genl_get(ZCOPY_CMD_CONFIG_GET, ZCOPY_A_CONFIG_MAX_INFLIGHT);
}

TEST_F(nl, unknown_attribute)
{
	uint32_t v = 10;
	long long before = max_inflight();

	ASSERT_LT(0, before);
	ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_MAX + 5, &v, sizeof(v)));
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STRNE("", self->r.extack);
	/* The pad attribute is for replies only. */
	ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_PAD, &v, sizeof(v)));
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_EQ(before, max_inflight());
}

TEST_F(nl, wrong_sizes)
{
	uint64_t v = 10;
	long long before = max_inflight();
	uint16_t sizes[] = { 0, 1, 2, 3, 8 };
	unsigned int i;

	ASSERT_LT(0, before);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_MAX_INFLIGHT, &v,
					sizes[i]));
		EXPECT_TRUE(self->r.error == -EINVAL || self->r.error == -ERANGE);
		EXPECT_STRNE("", self->r.extack);
	}
	ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_MAX_PINNED, &v, 4));
	EXPECT_TRUE(self->r.error == -EINVAL || self->r.error == -ERANGE);
	EXPECT_EQ(before, max_inflight());
}

TEST_F(nl, missing_attribute)
{
	size_t pos = put_header(self->msg, self->family, ZCOPY_CMD_CONFIG_SET, 0);

	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("no configuration attribute given", self->r.extack);
}

TEST_F(nl, out_of_range)
{
	long long before = max_inflight();
	uint32_t big32[] = { 0, ZCOPY_MAX_INFLIGHT_MAX + 1, UINT32_MAX };
	uint64_t big64[] = { 0, ZCOPY_MAX_PINNED_MIN - 1,
			     ZCOPY_MAX_PINNED_MAX + 1, UINT64_MAX };
	unsigned int i;

	ASSERT_LT(0, before);
	for (i = 0; i < sizeof(big32) / sizeof(big32[0]); i++) {
		ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_MAX_INFLIGHT,
					&big32[i], 4));
		EXPECT_EQ(-ERANGE, self->r.error);
		EXPECT_STREQ("integer out of range", self->r.extack);
	}
	for (i = 0; i < sizeof(big64) / sizeof(big64[0]); i++) {
		ASSERT_EQ(0, config_set(self, ZCOPY_A_CONFIG_MAX_PINNED,
					&big64[i], 8));
		EXPECT_EQ(-ERANGE, self->r.error);
	}
	EXPECT_EQ(before, max_inflight());
}

TEST_F(nl, attribute_overflows_message)
{
	size_t pos = put_header(self->msg, self->family, ZCOPY_CMD_CONFIG_SET, 0);
	struct nlattr *a = (struct nlattr *)(self->msg + pos);

	a->nla_type = ZCOPY_A_CONFIG_MAX_INFLIGHT;
	a->nla_len = 200;	/* far past the end of the message */
	ASSERT_EQ(0, request(self->fd, self->msg, pos + 8, &self->r));
	EXPECT_EQ(-EINVAL, self->r.error);
}

TEST_F(nl, truncated_headers)
{
	size_t pos = put_header(self->msg, self->family, ZCOPY_CMD_STATS_GET, 0);

	/* A generic netlink header cut short. */
	ASSERT_EQ(0, request(self->fd, self->msg, NLMSG_HDRLEN + 2, &self->r));
	EXPECT_EQ(-EINVAL, self->r.error);
	/* No generic netlink header at all. */
	ASSERT_EQ(0, request(self->fd, self->msg, NLMSG_HDRLEN, &self->r));
	EXPECT_EQ(-EINVAL, self->r.error);
	/* A message claiming more than was sent is dropped... */
	((struct nlmsghdr *)self->msg)->nlmsg_len = 4000;
	ASSERT_EQ((ssize_t)pos, send(self->fd, self->msg, pos, 0));
	/* ...and the socket still works. */
	pos = put_header(self->msg, self->family, ZCOPY_CMD_STATS_GET, 0);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(1, self->r.nr_data);
	EXPECT_EQ(0, self->r.error);
}

TEST_F(nl, unknown_command)
{
	size_t pos = put_header(self->msg, self->family, 200, 0);

	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
	/* Events are not requests. */
	pos = put_header(self->msg, self->family, ZCOPY_CMD_TRANSFER_FAILED, 0);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
	/* Listings are dumps, counters are not. */
	pos = put_header(self->msg, self->family, ZCOPY_CMD_CONTEXT_GET, 0);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
	pos = put_header(self->msg, self->family, ZCOPY_CMD_STATS_GET,
			 NLM_F_DUMP);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
}

TEST_F(nl, attributes_on_commands_without_any)
{
	static const struct { uint8_t cmd; uint16_t flags; } cmds[] = {
		{ ZCOPY_CMD_STATS_GET, 0 },
		{ ZCOPY_CMD_CONFIG_GET, 0 },
		{ ZCOPY_CMD_CONTEXT_GET, NLM_F_DUMP },
	};
	/* The lowest and highest attribute numbers the family defines. */
	static const uint16_t types[] = { 1, ZCOPY_A_STATS_MAX };
	unsigned int i, t;
	uint32_t v = 1;
	size_t pos;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			pos = put_header(self->msg, self->family, cmds[i].cmd,
					 cmds[i].flags);
			pos = put_attr(self->msg, pos, types[t], &v, sizeof(v));
			ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
			EXPECT_EQ(-EINVAL, self->r.error);
			/*
			 * Since 6.2 the module says so; before, the core
			 * refused the attribute with a message of its own.
			 */
			EXPECT_STRNE("", self->r.extack);
			EXPECT_EQ(0, self->r.nr_data);
		}
}

TEST_F(nl, transfer_dump_filter)
{
	uint32_t id = 0;
	size_t pos;

	pos = put_header(self->msg, self->family, ZCOPY_CMD_TRANSFER_GET,
			 NLM_F_DUMP);
	pos = put_attr(self->msg, pos, ZCOPY_A_TRANSFER_CONTEXT_ID, &id, 4);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-ERANGE, self->r.error);

	id = 0x7fffffff;
	pos = put_header(self->msg, self->family, ZCOPY_CMD_TRANSFER_GET,
			 NLM_F_DUMP);
	pos = put_attr(self->msg, pos, ZCOPY_A_TRANSFER_CONTEXT_ID, &id, 4);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-ENOENT, self->r.error);
	EXPECT_STREQ("no such context", self->r.extack);

	/* Attributes of the transfer set other than the filter: refused. */
	pos = put_header(self->msg, self->family, ZCOPY_CMD_TRANSFER_GET,
			 NLM_F_DUMP);
	pos = put_attr(self->msg, pos, ZCOPY_A_TRANSFER_ID, &id, 4);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(-EINVAL, self->r.error);
}

/*
 * What a dump may show is its sender's to see, whoever reads the rest of
 * it: here nobody sends a context listing (on a socket nobody opened)
 * and root reads it.  Nobody's contexts fill more than the first part,
 * made as the request arrives; root's are opened after it, so that only
 * the parts made as root reads could show them.  None of root's may
 * show, and all of nobody's must.
 */
TEST(dump_shows_what_its_sender_may_see)
{
	enum { NOBODYS = 512, ROOTS = 4 };
	int zc[NOBODYS + ROOTS], fd, family, i;
	struct reply r;
	char msg[64];
	size_t pos;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, setresuid(65534, 65534, 0));
	for (i = 0; i < NOBODYS; i++)
		ASSERT_LE(0, zc[i] = zc_open());
	fd = nl_socket();
	ASSERT_LE(0, fd);
	family = genl_family_id(fd, ZCOPY_FAMILY_NAME);
	ASSERT_LT(0, family);
	pos = put_header(msg, family, ZCOPY_CMD_CONTEXT_GET, NLM_F_DUMP);
	ASSERT_EQ(0, send_msg(fd, msg, pos));

	ASSERT_EQ(0, setresuid(0, 0, 0));
	for (; i < NOBODYS + ROOTS; i++)
		ASSERT_LE(0, zc[i] = zc_open());
	ASSERT_EQ(0, recv_reply(fd, &r));
	EXPECT_EQ(0, r.error);
	EXPECT_EQ(NOBODYS, r.nr_data);
	close(fd);
	for (i = 0; i < NOBODYS + ROOTS; i++)
		close(zc[i]);
}

/*
 * Counters are per network namespace, as /proc/net's are: a new one
 * starts from zero and counts only the contexts opened in it, and the
 * first namespace keeps counting its own.
 */
TEST(counters_are_per_network_namespace)
{
	int zc, zc_here, first;
	long long before;

	if (geteuid())
		SKIP(return, "needs root");
	zc = zc_open();
	ASSERT_LE(0, zc);
	before = stat_value(ZCOPY_A_STATS_CONTEXTS);
	ASSERT_LE(1, before);
	first = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, first);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));

	EXPECT_EQ(0, stat_value(ZCOPY_A_STATS_CONTEXTS));
	EXPECT_EQ(0, stat_value(ZCOPY_A_STATS_SUBMITTED));
	zc_here = zc_open();
	ASSERT_LE(0, zc_here);
	EXPECT_EQ(1, stat_value(ZCOPY_A_STATS_CONTEXTS));

	/* Other tests' closed contexts may go meanwhile, none may come. */
	ASSERT_EQ(0, setns(first, CLONE_NEWNET));
	EXPECT_GE(before, stat_value(ZCOPY_A_STATS_CONTEXTS));
	EXPECT_LE(1, stat_value(ZCOPY_A_STATS_CONTEXTS));
	close(zc_here);
	close(first);
	close(zc);
}

/*
 * Random attribute bytes on every request command except config-set
 * (whose valid values would change the configuration): each request is
 * answered, and the socket keeps working.
 */
TEST_F(nl, random_attributes)
{
	static const struct { uint8_t cmd; uint16_t flags; } cmds[] = {
		{ ZCOPY_CMD_STATS_GET, 0 },
		{ ZCOPY_CMD_CONFIG_GET, 0 },
		{ ZCOPY_CMD_CONTEXT_GET, NLM_F_DUMP },
		{ ZCOPY_CMD_TRANSFER_GET, NLM_F_DUMP },
		{ 0, 0 },
		{ 255, 0 },
	};
	unsigned int i, j, len, seed = 1;
	size_t pos;

	for (i = 0; i < 3000; i++) {
		j = rand_r(&seed) % (sizeof(cmds) / sizeof(cmds[0]));
		pos = put_header(self->msg, self->family, cmds[j].cmd,
				 cmds[j].flags);
		len = rand_r(&seed) % 64;
		for (; len; len--)
			self->msg[pos++] = rand_r(&seed);
		ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
		ASSERT_LE(self->r.error, 0);
	}
	pos = put_header(self->msg, self->family, ZCOPY_CMD_STATS_GET, 0);
	ASSERT_EQ(0, request(self->fd, self->msg, pos, &self->r));
	EXPECT_EQ(0, self->r.error);
	EXPECT_EQ(1, self->r.nr_data);
}

ZC_HARNESS_MAIN
