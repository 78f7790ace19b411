// SPDX-License-Identifier: GPL-2.0
/*
 * Submission and its failures: every errno Documentation/zcopy.rst lists
 * for SUBMIT and CANCEL, batches that stop at a refused entry, the limits,
 * cancellation, a failing connection, and tearing everything down with
 * transfers in flight without leaking a page, a socket or a context.
 */
#include "zc_util.h"

#include <signal.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-submit"
#define TIMEOUT_MS	60000

FIXTURE(sub) {
	int zc, tx, rx, fd;
};

FIXTURE_SETUP(sub)
{
	int small = 16384;

	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &self->tx, &self->rx));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	/* Small buffers: with the peer not reading, transfers park early. */
	setsockopt(self->tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(self->rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	self->fd = make_file(TMPFILE, 8 * MiB, 1);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sub)
{
	close(self->zc);
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(TMPFILE);
}

/* Submit one entry that must be refused with @err. */
#define REFUSED(sqe, err) do {						\
	struct zcopy_sqe _s = (sqe);					\
	EXPECT_EQ(-1, zc_submit(self->zc, &_s, 1));			\
	EXPECT_EQ(err, errno);						\
} while (0)

TEST_F(sub, entry_errors)
{
	struct zcopy_sqe good = zc_sqe(self->fd, self->tx, 0, 1, 0, 0), s;
	int wr = open(TMPFILE, O_WRONLY | O_CLOEXEC);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int opath = open(TMPFILE, O_PATH | O_CLOEXEC);
	int twin = dup(self->tx);
	int other, peer, p[2];

	ASSERT_LE(0, wr);
	ASSERT_LE(0, opath);
	ASSERT_LE(0, twin);
	ASSERT_LE(0, dir);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, tcp_pair(AF_INET, &other, &peer));

	s = good; s.file_fd = 9999;			REFUSED(s, EBADF);
	s = good; s.file_fd = wr;			REFUSED(s, EBADF);
	s = good; s.file_fd = p[0];			REFUSED(s, ESPIPE);
	s = good; s.file_fd = self->tx;			REFUSED(s, ESPIPE);
	s = good; s.file_fd = dir;			REFUSED(s, EINVAL);
	s = good; s.sock_fd = 9999;			REFUSED(s, EBADF);
	s = good; s.sock_fd = other;			REFUSED(s, ENOENT);
	s = good; s.sock_fd = self->fd;			REFUSED(s, ENOENT);
	/* As fget() and epoll: O_PATH is no file, a dup a new key. */
	s = good; s.sock_fd = opath;			REFUSED(s, EBADF);
	s = good; s.sock_fd = twin;			REFUSED(s, ENOENT);
	s = good; s.flags = 1U << 7;			REFUSED(s, EINVAL);
	s = good; s.reserved0 = 1;			REFUSED(s, EINVAL);
	s = good; s.reserved[1] = 1;			REFUSED(s, EINVAL);
	s = good; s.offset = ~0ULL - 5; s.len = 10;	REFUSED(s, EINVAL);
	s = good; s.offset = 1ULL << 63;		REFUSED(s, EINVAL);

	/* The good entry itself is fine. */
	EXPECT_EQ(1, zc_submit(self->zc, &good, 1));
	close(wr);
	close(dir);
	close(opath);
	close(twin);
	close(p[0]);
	close(p[1]);
	close(other);
	close(peer);
}

/* SUBMIT takes exactly the flags PROBE reports, and EOPNOTSUPP the rest. */
TEST_F(sub, flags_follow_probe)
{
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx, 0, 1, 0, 0);
	struct zcopy_probe p = { 0 };
	unsigned int bit;

	ASSERT_EQ(0, ioctl(self->zc, ZCOPY_IOC_PROBE, &p));
	for (bit = 1; bit & ZCOPY_F_ALL; bit <<= 1) {
		s = zc_sqe(self->fd, self->tx, 0, 1, 0, bit);
		/* Bytes of memory, not of a file. */
		if (bit == ZCOPY_F_BUFFER) {
			s.file_fd = -1;
			s.addr = (uintptr_t)"x";
		}
		if (p.sqe_flags & bit) {
			EXPECT_EQ(1, zc_submit(self->zc, &s, 1));
		} else {
			TH_LOG("flag %#x not offered on this kernel", bit);
			REFUSED(s, EOPNOTSUPP);
		}
	}
}

TEST_F(sub, batch_errors)
{
	struct zcopy_submit s = { .nr = 1 };
	struct zcopy_sqe sqe[3];
	struct zcopy_cqe cqe;

	/* Nothing to do is not an error. */
	EXPECT_EQ(0, zc_submit(self->zc, sqe, 0));
	s.sqes = 8;
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_SUBMIT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	s.sqes = (uintptr_t)sqe;
	s.flags = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EINVAL, errno);
	s.flags = 0;
	s.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EINVAL, errno);

	/* A batch stops at the refused entry; resubmitting it says why. */
	sqe[0] = zc_sqe(self->fd, self->tx, 0, 10, 1, 0);
	sqe[1] = zc_sqe(9999, self->tx, 0, 10, 2, 0);
	sqe[2] = zc_sqe(self->fd, self->tx, 0, 10, 3, 0);
	EXPECT_EQ(1, zc_submit(self->zc, sqe, 3));
	EXPECT_EQ(-1, zc_submit(self->zc, sqe + 1, 2));
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(0, zc_wait(self->zc, &cqe, 1, 100));

	EXPECT_EQ(-1, ioctl(self->zc, _IO(ZCOPY_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * Cancel by user_data: queued transfers complete with -ECANCELED at
 * once, the one being sent stops and says how much it sent, and what is
 * queued behind a cancelled one is cancelled with it; the others are
 * untouched.
 */
TEST_F(sub, cancel)
{
	struct zcopy_sqe sqe[4] = {
		zc_sqe(self->fd, self->tx, 0, 0, 1, 0),	/* parks */
		zc_sqe(self->fd, self->tx, 0, 100, 2, 0),
		zc_sqe(self->fd, self->tx, 0, 100, 3, 0),
		zc_sqe(self->fd, self->tx, 0, 100, 3, 0),
	};
	struct zcopy_cancel c = { .user_data = 3, .flags = 1 };
	struct zcopy_cqe cqe[4];

	ASSERT_EQ(4, zc_submit(self->zc, sqe, 4));
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_CANCEL, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, zc_cancel(self->zc, 42));
	EXPECT_EQ(ENOENT, errno);

	EXPECT_EQ(2, zc_cancel(self->zc, 3));
	ASSERT_EQ(2, zc_wait(self->zc, cqe, 2, TIMEOUT_MS));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[0].error);
	EXPECT_EQ(3, cqe[1].user_data);
	EXPECT_EQ(-ECANCELED, cqe[1].res);

	/*
	 * The first is parked on the full socket: it stops there, with
	 * what it sent, and the one queued behind it is cancelled at once.
	 */
	EXPECT_EQ(1, zc_cancel(self->zc, 1));
	ASSERT_EQ(2, zc_wait(self->zc, cqe, 2, TIMEOUT_MS));
	EXPECT_EQ(2, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[0].error);
	EXPECT_EQ(1, cqe[1].user_data);
	EXPECT_EQ(-ECANCELED, cqe[1].error);
	EXPECT_LT(0, cqe[1].res);
	EXPECT_EQ(-1, zc_cancel(self->zc, 1));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(sub, unregister_cancels_pending)
{
	struct zcopy_sqe sqe[3] = {
		zc_sqe(self->fd, self->tx, 0, 0, 1, ZCOPY_F_RELEASE),
		zc_sqe(self->fd, self->tx, 0, 0, 2, 0),
		zc_sqe(self->fd, self->tx, 0, 0, 3, 0),
	};
	struct zcopy_cqe cqe[3];
	int i;

	ASSERT_EQ(3, zc_submit(self->zc, sqe, 3));
	usleep(100000);
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, self->tx));
	/* The peer drains what the first had handed over: pages go back. */
	shutdown(self->rx, SHUT_RDWR);
	close(self->rx);
	self->rx = -1;
	ASSERT_EQ(3, zc_wait(self->zc, cqe, 3, TIMEOUT_MS));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-ECANCELED, cqe[i].error);
	EXPECT_EQ(-1, zc_submit(self->zc, sqe + 1, 1));
	EXPECT_EQ(ENOENT, errno);
}

/* The peer resets the connection under a parked transfer. */
TEST_F(sub, peer_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct zcopy_cqe cqe;

	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 1, 0));
	usleep(100000);
	ASSERT_EQ(0, setsockopt(self->rx, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	close(self->rx);
	self->rx = -1;
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_TRUE(cqe.error == -ECONNRESET || cqe.error == -EPIPE)
		TH_LOG("error %d", cqe.error);
	/* What went out before the reset is counted. */
	EXPECT_LT(0, cqe.res);
}

/* After shutdown(SHUT_WR) a transfer fails as write() would. */
TEST_F(sub, shut_down_socket)
{
	struct zcopy_cqe cqe;

	ASSERT_EQ(0, shutdown(self->tx, SHUT_WR));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 10, 1, 0));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(-EPIPE, cqe.res);
	EXPECT_EQ(-EPIPE, cqe.error);
}

/* Submit, retrying while the context is at its limits (EAGAIN). */
static int submit_retry(int zc, struct zcopy_sqe *sqe, unsigned int nr)
{
	long long deadline = now_ms() + zc_ms(TIMEOUT_MS);
	int ret;

	while ((ret = zc_submit(zc, sqe, nr)) < 0 && errno == EAGAIN &&
	       now_ms() < deadline)
		usleep(10000);
	return ret;
}

/*
 * The in-flight limit: a transfer counts until its completion is read,
 * so unread completions hold their slots.
 */
TEST_F(sub, limit_inflight)
{
	enum { N = ZCOPY_DEFAULT_MAX_INFLIGHT };
	static struct zcopy_sqe sqe[N + 10];
	static struct zcopy_cqe cqe[N];
	struct receiver recv;
	unsigned int i;

	ASSERT_EQ(0, receiver_start(&recv, self->rx));
	for (i = 0; i < N + 10; i++)
		sqe[i] = zc_sqe(self->fd, self->tx, i, 1, i, 0);
	EXPECT_EQ(N, zc_submit(self->zc, sqe, N + 10));
	EXPECT_EQ(-1, zc_submit(self->zc, sqe + N, 10));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(N, zc_wait(self->zc, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++)
		ASSERT_EQ(i, cqe[i].user_data);
	/* Read: the pages may still be with the stack for a moment. */
	EXPECT_EQ(10, submit_retry(self->zc, sqe + N, 10));
	EXPECT_EQ(10, zc_wait(self->zc, cqe, 10, TIMEOUT_MS));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ(N + 10, recv.bytes);
}

/*
 * The byte limit: an idle context takes one transfer of any size, then
 * nothing while it holds ZCOPY_DEFAULT_MAX_PINNED bytes or more.
 */
TEST_F(sub, limit_pinned)
{
	uint64_t big = ZCOPY_DEFAULT_MAX_PINNED + MiB;
	struct zcopy_sqe sqe;
	struct zcopy_cqe cqe;

	ASSERT_EQ(0, ftruncate(self->fd, 2 * big));	/* sparse */
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, big, 1, 0));
	EXPECT_EQ(-1, zc_submit1(self->zc, self->fd, self->tx, 0, 1, 2, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, zc_cancel(self->zc, 1));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(-ECANCELED, cqe.error);
	/* Its pages come back as the peer drains the socket. */
	shutdown(self->rx, SHUT_RD);
	close(self->rx);
	self->rx = -1;
	sqe = zc_sqe(self->fd, self->tx, 0, 1, 3, 0);
	EXPECT_EQ(1, submit_retry(self->zc, &sqe, 1));
}

/*
 * Closing a context with transfers parked, queued and waiting for
 * release, and closing their sockets: every counter returns to zero.
 * (The module's unload after the run checks the rest.)
 */
TEST(close_with_transfers_in_flight_leaks_nothing)
{
	enum { CTX = 3, SOCKS = 4 };
	int zc[CTX], tx[CTX][SOCKS], rx[CTX][SOCKS], fd, c, s, small = 16384;

	/* Counters are module-wide: start from a quiet module. */
	ASSERT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
	fd = make_file(TMPFILE, 4 * MiB, 2);
	ASSERT_LE(0, fd);
	for (c = 0; c < CTX; c++) {
		zc[c] = zc_open();
		ASSERT_LE(0, zc[c]);
		for (s = 0; s < SOCKS; s++) {
			ASSERT_EQ(0, tcp_pair(AF_INET, &tx[c][s], &rx[c][s]));
			setsockopt(rx[c][s], SOL_SOCKET, SO_RCVBUF, &small,
				   sizeof(small));
			ASSERT_EQ(0, zc_reg(zc[c], ZCOPY_IOC_REGISTER,
					    tx[c][s]));
			ASSERT_EQ(1, zc_submit1(zc[c], fd, tx[c][s], 0, 0, 1,
						ZCOPY_F_RELEASE));
			ASSERT_EQ(1, zc_submit1(zc[c], fd, tx[c][s], 5, 0, 2,
						ZCOPY_F_DONTCACHE));
		}
	}
	usleep(200000);
	EXPECT_LT(0, stat_value(ZCOPY_A_STATS_PAGES));
	EXPECT_EQ(CTX * SOCKS * 2, stat_value(ZCOPY_A_STATS_TRANSFERS));
	for (c = 0; c < CTX; c++)
		close(zc[c]);
	/* Closed contexts cannot go before the stack lets go of pages. */
	for (c = 0; c < CTX; c++) {
		for (s = 0; s < SOCKS; s++) {
			close(tx[c][s]);
			close(rx[c][s]);
		}
	}
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
	EXPECT_EQ(0, stat_value(ZCOPY_A_STATS_PAGES));
	EXPECT_EQ(0, stat_value(ZCOPY_A_STATS_SOCKETS));
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_CONTEXTS, 0, TIMEOUT_MS));
	close(fd);
	unlink(TMPFILE);
}

ZC_HARNESS_MAIN
