// SPDX-License-Identifier: GPL-2.0
/*
 * The inline budget ("The inline budget" in Documentation/zcopy.rst):
 * one call sends at most submit-budget bytes inline, whatever it holds;
 * what could go on waits for the next SUBMIT or read(), the fd reads as
 * ready meanwhile (the CQ's flags say ZCOPY_CQ_F_DEFERRED with rings),
 * and every byte still arrives, in order.
 */
#include "zc_util.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/mman.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-budget"
#define NR_SOCKS	16
#define TIMEOUT_MS	60000

FIXTURE(budget) {
	int zc, fd, tx[NR_SOCKS], rx[NR_SOCKS];
	uint64_t budget, base;
	long long timeout_ms;	/* deferred-timeout-ms, to restore */
};

/*
 * Buffers large enough for every byte a test sends to sit in them with
 * no one reading: what the sockets hold is what was handed to them.
 */
static int roomy_pair(int *tx, int *rx)
{
	int big = 64 << 20;

	if (tcp_pair(AF_INET, tx, rx))
		return -1;
	if (setsockopt(*tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) ||
	    setsockopt(*rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		return -1;
	return 0;
}

/*
 * Bytes in the sockets: not yet sent, or received and not read (what is
 * sent but unacked is in the receiver's queue too: counted there).
 */
static uint64_t queued_once(FIXTURE_DATA(budget) *self)
{
	uint64_t sum = 0;
	int i, q;

	for (i = 0; i < NR_SOCKS; i++) {
		if (!ioctl(self->tx[i], SIOCOUTQNSD, &q))
			sum += q;
		if (!ioctl(self->rx[i], FIONREAD, &q))
			sum += q;
	}
	return sum;
}

/*
 * Bytes on their way over loopback are in neither: until none are.
 * Without sleeping: sends that wait for a call go on by themselves if
 * none comes for 100 ms, and the tests look between calls.
 */
static uint64_t queued(FIXTURE_DATA(budget) *self)
{
	uint64_t last = queued_once(self), now;
	int tries = 1000;

	while (tries--) {
		sched_yield();
		now = queued_once(self);
		if (now == last)
			break;
		last = now;
	}
	return last;
}

FIXTURE_SETUP(budget)
{
	long long b = zc_genl_get(ZCOPY_CMD_CONFIG_GET,
				  ZCOPY_A_CONFIG_SUBMIT_BUDGET);
	int i;

	ASSERT_LT(0, b) TH_LOG("no submit-budget in the configuration");
	self->budget = b;
	/* The tests below size their files from it. */
	ASSERT_GE(16 * MiB, self->budget);
	/*
	 * The cases look between calls: the watchdog that sends what no
	 * call takes must not come in between, however slow the machine.
	 */
	self->timeout_ms = zc_config_set(ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS,
					 60000);
	ASSERT_LT(0, self->timeout_ms);
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	for (i = 0; i < NR_SOCKS; i++) {
		ASSERT_EQ(0, roomy_pair(&self->tx[i], &self->rx[i]));
		ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER,
				    self->tx[i]));
	}
	/* On tmpfs: every byte is in the page cache. */
	self->fd = make_file(TMPFILE, 3 * self->budget, 7);
	ASSERT_LE(0, self->fd);
	self->base = queued(self);
	if (self->base)
		TH_LOG("%llu bytes in the sockets before any transfer",
		       (unsigned long long)self->base);
}

FIXTURE_TEARDOWN(budget)
{
	int i;

	if (self->timeout_ms > 0)
		zc_config_set(ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS,
			      self->timeout_ms);
	close(self->zc);
	for (i = 0; i < NR_SOCKS; i++) {
		close(self->tx[i]);
		close(self->rx[i]);
	}
	close(self->fd);
	unlink(TMPFILE);
}

/* Bytes handed to the sockets since the fixture was set up. */
static uint64_t handed(FIXTURE_DATA(budget) *self)
{
	return queued(self) - self->base;
}

/* The hash of the next @len bytes @fd receives (they wait there). */
static uint64_t hash_drain(int fd, size_t len)
{
	static char buf[1 << 16];
	uint64_t h = 0;
	ssize_t r;

	while (len) {
		r = recv(fd, buf, len < sizeof(buf) ? len : sizeof(buf), 0);
		if (r <= 0)
			break;
		h = hash_bytes(h, buf, r);
		len -= r;
	}
	return h;
}

static bool readable(int zc)
{
	struct pollfd p = { .fd = zc, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A non-blocking read(): completions, or 0 for EAGAIN. */
static int read_nb(int zc, struct zcopy_cqe *cqes, int n)
{
	ssize_t r = read(zc, cqes, n * sizeof(*cqes));

	if (r < 0)
		return errno == EAGAIN ? 0 : -1;
	return r / sizeof(*cqes);
}

/*
 * One transfer three budgets long: SUBMIT sends one budget; with no
 * completion yet, the fd reads as ready; each read() sends one more,
 * and the third completes it.  Before the budget was per call, the
 * rest went out before SUBMIT returned.
 */
TEST_F(budget, one_call_sends_one_budget)
{
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx[0], 0,
				    3 * self->budget, 1, 0);
	struct zcopy_cqe cqe;
	int flags = fcntl(self->zc, F_GETFL);

	ASSERT_EQ(0, fcntl(self->zc, F_SETFL, flags | O_NONBLOCK));
	ASSERT_EQ(1, zc_submit(self->zc, &s, 1));
	EXPECT_EQ(self->budget, handed(self));
	EXPECT_TRUE(readable(self->zc));
	EXPECT_EQ(0, read_nb(self->zc, &cqe, 1));
	EXPECT_EQ(2 * self->budget, handed(self));
	EXPECT_TRUE(readable(self->zc));
	ASSERT_EQ(1, read_nb(self->zc, &cqe, 1));
	EXPECT_EQ(3 * self->budget, cqe.res);
	EXPECT_EQ(3 * self->budget, handed(self));
	/* Nothing is left: the fd no longer reads as ready. */
	EXPECT_FALSE(readable(self->zc));
	EXPECT_EQ(hash_file(self->fd, 0, 0, 3 * self->budget),
		  hash_drain(self->rx[0], 3 * self->budget));
}

/*
 * Many sockets in one SUBMIT: the budget is the call's, not each
 * entry's; the responses the budget did not reach go on in the next
 * calls, older ones first, and all complete whole.
 */
TEST_F(budget, the_budget_is_per_call)
{
	uint64_t each = self->budget / 4, before;
	struct zcopy_sqe s[NR_SOCKS];
	struct zcopy_cqe cqes[NR_SOCKS];
	int i, n, got = 0, calls = 0;

	for (i = 0; i < NR_SOCKS; i++)
		s[i] = zc_sqe(self->fd, self->tx[i], 0, each, i, 0);
	ASSERT_EQ(NR_SOCKS, zc_submit(self->zc, s, NR_SOCKS));
	EXPECT_EQ(self->budget, handed(self));
	while (got < NR_SOCKS) {
		before = handed(self);
		n = read_nb(self->zc, cqes, NR_SOCKS);
		ASSERT_LE(0, n);
		EXPECT_GE(before + self->budget, handed(self));
		for (i = 0; i < n; i++) {
			EXPECT_EQ(each, cqes[i].res);
			/* In submission order: each is its socket's. */
			EXPECT_EQ(got + i, (int)cqes[i].user_data);
		}
		got += n;
		ASSERT_GT(64, ++calls);
		if (!n)
			ASSERT_TRUE(readable(self->zc));
	}
	EXPECT_EQ(NR_SOCKS * each, handed(self));
	for (i = 0; i < NR_SOCKS; i++)
		EXPECT_EQ(hash_file(self->fd, 0, 0, each),
			  hash_drain(self->rx[i], each));
}

/*
 * With rings: the CQ's flags say ZCOPY_CQ_F_DEFERRED while sends wait
 * for a call, and an empty doorbell goes on with them.
 */
TEST_F(budget, rings_flag_deferred_sends)
{
	struct zcopy_submit bell = { .flags = ZCOPY_SUBMIT_F_RING };
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx[0], 0,
				    3 * self->budget, 1, 0);
	struct zc_cq_view cq;

	ASSERT_EQ(0, zc_map_cq(self->zc, 8, &cq));

	ASSERT_EQ(1, zc_submit(self->zc, &s, 1));
	EXPECT_EQ(self->budget, handed(self));
	EXPECT_TRUE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	EXPECT_EQ(0, ioctl(self->zc, ZCOPY_IOC_SUBMIT, &bell));
	EXPECT_EQ(2 * self->budget, handed(self));
	EXPECT_TRUE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	EXPECT_EQ(0, ioctl(self->zc, ZCOPY_IOC_SUBMIT, &bell));
	EXPECT_EQ(3 * self->budget, handed(self));
	EXPECT_FALSE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	EXPECT_EQ(1, *cq.tail);
	munmap(cq.mem, cq.size);
}

/*
 * Unregistration takes a socket off the sends that wait for a call:
 * the fd and the CQ's flags no longer ask for one, and its transfer
 * completes cancelled with the bytes it handed.
 */
TEST_F(budget, unregistering_takes_deferred_sends_off)
{
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx[0], 0,
				    3 * self->budget, 1, 0);
	struct zc_cq_view cq;
	long long deadline;

	ASSERT_EQ(0, zc_map_cq(self->zc, 8, &cq));

	ASSERT_EQ(1, zc_submit(self->zc, &s, 1));
	EXPECT_TRUE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, self->tx[0]));
	EXPECT_FALSE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	/* The cancelled transfer completes as the pass ends, soon. */
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (!*cq.tail && now_ms() < deadline)
		usleep(1000);
	ASSERT_EQ(1, *cq.tail);
	EXPECT_EQ(self->budget, cq.cqes[0].res);
	EXPECT_EQ(-ECANCELED, cq.cqes[0].error);
	munmap(cq.mem, cq.size);
}

/*
 * An application that makes no call after SUBMIT (it waits for its
 * peer, say) still has every byte sent: what no call took goes on as
 * task work after a short while, as it would with no budget.
 */
TEST_F(budget, sends_go_on_without_a_call)
{
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx[0], 0,
				    3 * self->budget, 1, 0);
	long long deadline;

	ASSERT_LT(0, zc_config_set(ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS, 100));
	ASSERT_EQ(1, zc_submit(self->zc, &s, 1));
	/* Not a call on the context: the thread sleeps. */
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (handed(self) < 3 * self->budget && now_ms() < deadline)
		usleep(20000);
	EXPECT_EQ(3 * self->budget, handed(self));
}

TEST_HARNESS_MAIN
