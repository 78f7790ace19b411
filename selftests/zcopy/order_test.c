// SPDX-License-Identifier: GPL-2.0
/*
 * Ordering and failures on one socket: a transfer that ends early says
 * how many bytes it handed to the socket and why it stopped, and the
 * transfers queued behind it complete -ECANCELED (unless submitted
 * ZCOPY_F_INDEPENDENT), so the peer never gets a stream with a hole in
 * it.  And whatever errno a send returns, every transfer completes.
 */
#include "zc_util.h"

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-order"
#define TIMEOUT_MS	20000

FIXTURE(order) {
	int zc, tx, rx, fd;
	struct receiver recv;
};

/* A file of 32 MiB, and a connection whose peer does not read yet. */
FIXTURE_SETUP(order)
{
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &self->tx, &self->rx,
				  TCP_PAIR_SMALL));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	self->fd = make_file(TMPFILE, 32 * MiB, 21);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(order)
{
	close(self->zc);
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(TMPFILE);
}

/* Wait for @n completions and file them by user_data (1 to n). */
static void collect(struct __test_metadata *_metadata,
		    FIXTURE_DATA(order) *self, struct zcopy_cqe *by_ud, int n)
{
	struct zcopy_cqe cqe[8];
	int i;

	ASSERT_GE(8, n);
	ASSERT_EQ(n, zc_wait(self->zc, cqe, n, TIMEOUT_MS));
	for (i = 0; i < n; i++) {
		ASSERT_LE(1, cqe[i].user_data);
		ASSERT_GE(n, cqe[i].user_data);
		by_ud[cqe[i].user_data - 1] = cqe[i];
	}
}

/*
 * The file shrinks under a transfer parked on the full socket: it ends
 * short (-ENODATA, with the bytes it sent), the two plain transfers
 * queued behind it are cancelled, and the independent one between them
 * still goes out.  The peer gets exactly those bytes.
 */
TEST_F(order, short_transfer_cancels_what_is_queued_behind)
{
	struct zcopy_sqe sqe[4] = {
		zc_sqe(self->fd, self->tx, 0, 0, 1, 0),
		zc_sqe(self->fd, self->tx, 0, 4096, 2, 0),
		zc_sqe(self->fd, self->tx, 8192, 4096, 3, ZCOPY_F_INDEPENDENT),
		zc_sqe(self->fd, self->tx, 0, 4096, 4, 0),
	};
	struct zcopy_cqe cqe[4];
	uint64_t h;

	ASSERT_EQ(4, zc_submit(self->zc, sqe, 4));
	usleep(200000);
	ASSERT_EQ(0, zc_wait(self->zc, cqe, 1, 0));
	ASSERT_EQ(0, ftruncate(self->fd, MiB));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	collect(_metadata, self, cqe, 4);
	EXPECT_EQ(MiB, cqe[0].res);
	EXPECT_EQ(-ENODATA, cqe[0].error);
	EXPECT_EQ(-ECANCELED, cqe[1].res);
	EXPECT_EQ(-ECANCELED, cqe[1].error);
	EXPECT_EQ(4096, cqe[2].res);
	EXPECT_EQ(0, cqe[2].error);
	EXPECT_EQ(-ECANCELED, cqe[3].res);
	EXPECT_EQ(-ECANCELED, cqe[3].error);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(MiB + 4096, self->recv.bytes);
	h = hash_file(self->fd, HASH_INIT, 0, MiB);
	EXPECT_EQ(hash_file(self->fd, h, 8192, 4096), self->recv.hash);
}

/*
 * A transfer cancelled part-way reports the bytes it had handed to the
 * socket, which are exactly what the peer gets from it; the one queued
 * behind it is cancelled with it.
 */
TEST_F(order, cancel_part_way_reports_bytes_sent)
{
	struct zcopy_sqe sqe[2] = {
		zc_sqe(self->fd, self->tx, 0, 0, 1, 0),
		zc_sqe(self->fd, self->tx, 0, 4096, 2, 0),
	};
	struct zcopy_cqe cqe[2];

	ASSERT_EQ(2, zc_submit(self->zc, sqe, 2));
	usleep(200000);
	EXPECT_EQ(1, zc_cancel(self->zc, 1));
	collect(_metadata, self, cqe, 2);
	EXPECT_EQ(-ECANCELED, cqe[0].error);
	EXPECT_LT(0, cqe[0].res);
	EXPECT_GT(32 * MiB, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[1].res);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(cqe[0].res, self->recv.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, cqe[0].res),
		  self->recv.hash);
}

/* The module's fault-injection point on sends (debug kernel). */
#define FAIL_SEND	"/sys/kernel/debug/zcopy_fail_send"

/* Make this thread's next send through the module return -@err, once. */
static int fail_next_send(int err)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", err);
	return write_str(FAIL_SEND "/errno", v) ||
	       write_str(FAIL_SEND "/task-filter", "Y") ||
	       write_str(FAIL_SEND "/probability", "100") ||
	       write_str(FAIL_SEND "/interval", "1") ||
	       write_str(FAIL_SEND "/verbose", "0") ||
	       write_str(FAIL_SEND "/times", "1") ||
	       write_str("/proc/thread-self/make-it-fail", "1") ? -1 : 0;
}

static void fail_nothing(void)
{
	write_str("/proc/thread-self/make-it-fail", "0");
	write_str(FAIL_SEND "/probability", "0");
}

/*
 * Every errno a send can return ends in a completion: the first send of
 * each transfer (inline, in SUBMIT) fails with it, and the transfer
 * either goes on and sends everything, or fails and says so, with the
 * bytes the peer got.  -EINPROGRESS is what TCP returns for the send
 * that starts a TCP_FASTOPEN_CONNECT socket's connect when the SYN
 * carries no data; -EAGAIN and -ENOBUFS a full socket or no memory.
 */
TEST(every_send_error_completes)
{
	static const int errs[] = {
		EINPROGRESS, EAGAIN, ENOBUFS, ENOMEM, EALREADY, EPIPE,
		ECONNRESET, ENOTCONN, EINTR, ENODATA, EFAULT, EMSGSIZE,
	};
	struct receiver recv;
	struct zcopy_cqe cqe;
	int zc, tx, rx, fd;
	unsigned int i;

	if (access(FAIL_SEND, F_OK))
		SKIP(return, "no zcopy_fail_send (the debug kernel has it)");
	fd = make_file(TMPFILE, 256 * 1024, 22);
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		zc = zc_open();
		ASSERT_LE(0, zc);
		ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
		ASSERT_EQ(0, receiver_start(&recv, rx));
		ASSERT_EQ(0, fail_next_send(errs[i]))
			TH_LOG("arming zcopy_fail_send: %s", strerror(errno));
		ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, 1, 0));
		EXPECT_EQ(0, read_long(FAIL_SEND "/times"))
			TH_LOG("no fault was injected");
		fail_nothing();
		ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS))
			TH_LOG("%s: no completion", strerrorname_np(errs[i]));
		shutdown(tx, SHUT_WR);
		receiver_join(&recv);
		if (!cqe.error) {
			EXPECT_EQ(256 * 1024, cqe.res);
			EXPECT_EQ(hash_file(fd, HASH_INIT, 0, 256 * 1024),
				  recv.hash);
		} else {
			EXPECT_EQ(cqe.res < 0 ? 0 : cqe.res, recv.bytes);
		}
		TH_LOG("%s: res %lld, error %d", strerrorname_np(errs[i]),
		       (long long)cqe.res, cqe.error);
		close(zc);
		close(tx);
		close(rx);
	}
	close(fd);
	unlink(TMPFILE);
}

ZC_HARNESS_MAIN
