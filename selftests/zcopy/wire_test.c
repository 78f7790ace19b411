// SPDX-License-Identifier: GPL-2.0
/*
 * The zero-copy proof, over the VM's two-NIC "wire" topology: namespace
 * wire0 sends through one virtio-net NIC, wire1 receives through the
 * other, so the file's pages really leave through a device instead of
 * being delivered locally (where the kernel copies them on receive).
 *
 * For 64 MiB, with and without ZCOPY_F_RELEASE: the receiver's hash
 * matches, bytes_zerocopy grows by 64 MiB, bytes_copied does not move,
 * and a release completion reports no copy.
 */
#include "zc_util.h"

#include <sys/wait.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-wire"
#define SIZE		(64 * MiB)
#define PORT		7301
#define TIMEOUT_MS	300000

struct wire_result {
	uint64_t hash;
	uint64_t bytes;
};

/* The receiving side, in wire1: accept one connection, hash it to EOF. */
static void receive_in_wire1(int ready, int result)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct wire_result res = { 0 };
	struct receiver r = { 0 };
	int l, c, one = 1;

	if (enter_netns("wire1"))
		_exit(1);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	c = accept(l, NULL, NULL);
	if (c < 0)
		_exit(1);
	r.fd = c;
	receiver_main(&r);
	res.hash = r.hash;
	res.bytes = r.bytes;
	_exit(write(result, &res, sizeof(res)) == sizeof(res) ? 0 : 1);
}

FIXTURE(wire) {
	int zc, tx, fd;
	int result;
	pid_t child;
};

FIXTURE_VARIANT(wire) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(wire, handed) { .flags = 0 };
FIXTURE_VARIANT_ADD(wire, released) { .flags = ZCOPY_F_RELEASE };

FIXTURE_SETUP(wire)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons(PORT),
	};
	int ready[2], result[2];
	char c;

	if (access("/run/netns/wire0", F_OK))
		SKIP(return, "no wire topology (tools/testing/vm/run --wire)");
	self->fd = make_file(TMPFILE, SIZE, 64);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(result));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child)
		receive_in_wire1(ready[1], result[1]);
	close(ready[1]);
	close(result[1]);
	self->result = result[0];
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);

	ASSERT_EQ(0, enter_netns("wire0"));
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	self->tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->tx);
	ASSERT_EQ(0, connect(self->tx, (void *)&a, sizeof(a)));
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
}

FIXTURE_TEARDOWN(wire)
{
	int status;

	if (access("/run/netns/wire0", F_OK))
		return;
	close(self->zc);
	close(self->tx);
	close(self->fd);
	unlink(TMPFILE);
	waitpid(self->child, &status, 0);
}

TEST_F(wire, proof_64M)
{
	long long ref = stat_value(ZCOPY_A_STATS_BYTES_ZEROCOPY);
	long long copied = stat_value(ZCOPY_A_STATS_BYTES_COPIED);
	struct wire_result res;
	struct zcopy_cqe cqe;

	ASSERT_LE(0, ref);
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 64,
				variant->flags));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(64, cqe.user_data);
	EXPECT_EQ((int64_t)SIZE, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	ASSERT_EQ(0, shutdown(self->tx, SHUT_WR));
	ASSERT_EQ(sizeof(res), read(self->result, &res, sizeof(res)));
	EXPECT_EQ(SIZE, res.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, SIZE), res.hash);

	/* Every page is back: the copy counter has its final say. */
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_PAGES, 0, TIMEOUT_MS));
	EXPECT_EQ(ref + (long long)SIZE, stat_value(ZCOPY_A_STATS_BYTES_ZEROCOPY));
	EXPECT_EQ(copied, stat_value(ZCOPY_A_STATS_BYTES_COPIED));
}

ZC_HARNESS_MAIN
