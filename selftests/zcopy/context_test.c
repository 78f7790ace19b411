// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts, socket registration, and reading completions: every error
 * Documentation/zcopy.rst lists, with its exact errno.
 */
#include "zc_util.h"

#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"

FIXTURE(ctx) {
	int zc;
};

FIXTURE_SETUP(ctx)
{
	self->zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->zc);
}

FIXTURE_TEARDOWN(ctx)
{
	close(self->zc);
}

TEST_F(ctx, register_tcp_v4_and_v6)
{
	int s4 = socket(AF_INET, SOCK_STREAM, 0);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);

	ASSERT_LE(0, s4);
	ASSERT_LE(0, s6);
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, s4));
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, s6));
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, s4));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, s4));
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, s4));
	EXPECT_EQ(ENOENT, errno);
	/* Registered again after removal. */
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, s4));
	close(s4);
	close(s6);
}

/*
 * Keyed by (file, fd), but a dup of a registered socket is the same
 * socket: refused while the first registration lasts.
 */
TEST_F(ctx, dup_of_registered_socket_is_busy)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), d;

	ASSERT_LE(0, s);
	d = dup(s);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, s));
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, d));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, d));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, s));
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, d));
	EXPECT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, d));
	close(d);
	close(s);
}

TEST_F(ctx, register_errors)
{
	struct zcopy_reg r;
	int null = open("/dev/null", O_RDWR);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int unx = socket(AF_UNIX, SOCK_STREAM, 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_LE(0, null);
	ASSERT_LE(0, udp);
	ASSERT_LE(0, unx);
	ASSERT_LE(0, s);

	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, -1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, 100000));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, null));
	EXPECT_EQ(ENOTSOCK, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, udp));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_REGISTER, unx));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, -1));
	EXPECT_EQ(EBADF, errno);

	memset(&r, 0, sizeof(r));
	r.sock_fd = s;
	r.flags = 1;
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_REGISTER, &r));
	EXPECT_EQ(EINVAL, errno);
	r.flags = 0;
	r.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_REGISTER, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->zc, ZCOPY_IOC_REGISTER, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->zc, _IO(ZCOPY_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
	/* None of the failures registered anything. */
	EXPECT_EQ(-1, zc_reg(self->zc, ZCOPY_IOC_UNREGISTER, s));
	EXPECT_EQ(ENOENT, errno);

	close(null);
	close(udp);
	close(unx);
	close(s);
}

TEST_F(ctx, read_when_empty)
{
	struct zcopy_cqe cqe[2];
	struct pollfd p = { .fd = self->zc, .events = POLLIN };
	struct epoll_event e;
	int ep, nb;

	EXPECT_EQ(-1, read(self->zc, cqe, sizeof(cqe[0]) - 1));
	EXPECT_EQ(EINVAL, errno);

	nb = open("/dev/zcopy", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, nb);
	EXPECT_EQ(-1, read(nb, cqe, sizeof(cqe)));
	EXPECT_EQ(EAGAIN, errno);
	close(nb);

	EXPECT_EQ(0, poll(&p, 1, 0));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	e.events = EPOLLIN;
	e.data.fd = self->zc;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->zc, &e));
	EXPECT_EQ(0, epoll_wait_retry(ep, &e, 1, 0));
	close(ep);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking read with nothing ready sleeps until a signal ends it. */
TEST_F(ctx, blocking_read_is_interruptible)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct zcopy_cqe cqe;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-1, read(self->zc, &cqe, sizeof(cqe)));
	EXPECT_EQ(EINTR, errno);
}

/* Registrations hold the socket; closing the context lets go of all. */
TEST(close_releases_registrations)
{
	long long ctx0 = contexts_settled(), socks0 = stat_value(ZCOPY_A_STATS_SOCKETS);
	int zc, s[3], i;

	if (ctx0 < 0)
		SKIP(return, "no counters over netlink");
	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, zc);
	EXPECT_EQ(ctx0 + 1, stat_value(ZCOPY_A_STATS_CONTEXTS));
	for (i = 0; i < 3; i++) {
		s[i] = socket(AF_INET6, SOCK_STREAM, 0);
		ASSERT_LE(0, s[i]);
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, s[i]));
		close(s[i]);	/* the registration keeps it alive */
	}
	EXPECT_EQ(socks0 + 3, stat_value(ZCOPY_A_STATS_SOCKETS));
	close(zc);
	EXPECT_EQ(socks0, stat_value(ZCOPY_A_STATS_SOCKETS));
	/* The context itself goes after an RCU grace period. */
	EXPECT_EQ(ctx0, stat_wait(ZCOPY_A_STATS_CONTEXTS, ctx0, 10000));
}

/* The module's delay point in its retry timer (debug kernel). */
#define DELAY_TIMER	"/sys/kernel/debug/zcopy_delay_timer"

/* /dev/kmsg, positioned after what the kernel has logged so far. */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* The first report (BUG, WARNING, lockdep) logged since; NULL if none. */
static const char *kmsg_report(int fd, char *rec, size_t size)
{
	static const char *const reports[] = {
		"BUG:", "WARNING:", "inconsistent lock state",
		"possible circular locking", "scheduling while atomic",
	};
	unsigned int i;
	ssize_t n;

	while ((n = read(fd, rec, size - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;	/* records overwritten: read on */
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(reports); i++)
			if (strstr(rec, reports[i]))
				return rec;
	}
	return NULL;
}

/* Hold the retry timer up, once, after it has queued its pass. */
static int delay_next_timer(void)
{
	return write_str(DELAY_TIMER "/ms", "1000") ||
	       write_str(DELAY_TIMER "/task-filter", "N") ||
	       write_str(DELAY_TIMER "/interval", "1") ||
	       write_str(DELAY_TIMER "/verbose", "0") ||
	       write_str(DELAY_TIMER "/times", "1") ||
	       write_str(DELAY_TIMER "/probability", "100") ? -1 : 0;
}

/* Wait (scaled) up to @ms for the delay armed last to begin. */
static bool timer_delayed(int ms)
{
	long long deadline = now_ms() + zc_ms(ms);

	while (read_long(DELAY_TIMER "/times") != 0 && now_ms() < deadline)
		usleep(5000);
	return read_long(DELAY_TIMER "/times") == 0;
}

/*
 * A context with a transfer parked on the retry timer: the socket's
 * connect to @a never completes (its SYNs are dropped: the listener's
 * accept queue is full), so it takes nothing and the timer keeps coming
 * round.  Returns the context, or -1.
 */
static int parked_on_the_timer(const struct sockaddr_in *a, int fd, int *tx)
{
	int zc;

	*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*tx < 0 || (connect(*tx, (void *)a, sizeof(*a)) &&
			errno != EINPROGRESS))
		return -1;
	zc = zc_open();
	if (zc < 0 || zc_reg(zc, ZCOPY_IOC_REGISTER, *tx) ||
	    zc_submit1(zc, fd, *tx, 0, 0, 1, 0) != 1)
		return -1;
	usleep(200000);		/* parked: the timer comes round */
	return zc;
}

/*
 * Close a context whose transfer is parked on the retry timer, with the
 * timer held up (zcopy_delay_timer) after it has queued its pass: the
 * pass runs, ends and drops its reference while the timer waits, and
 * the timer must hold none by then, or the last put, and the free of the
 * registration and of the context, would happen in softirq ("sleeping
 * function called from invalid context").  The timer round held up must
 * be one after the close: a round under way at the close finds no
 * timer armed after it, so the case is tried again, a few times at most.
 * The context must go, and the kernel log must stay clean.
 */
TEST(close_while_the_retry_timer_runs)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long long ctx0 = contexts_settled();
	socklen_t len = sizeof(a);
	int zc, l, queued, tx, fd, kmsg, tries;
	bool held = false;
	char rec[1024];

	if (access(DELAY_TIMER, F_OK))
		SKIP(return, "no zcopy_delay_timer (the debug kernel has it)");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	queued = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, l);
	ASSERT_LE(0, queued);
	/* Backlog 0: one connection fills the queue, and SYNs are dropped. */
	ASSERT_EQ(0, bind(l, (void *)&a, len));
	ASSERT_EQ(0, listen(l, 0));
	ASSERT_EQ(0, getsockname(l, (void *)&a, &len));
	ASSERT_EQ(0, connect(queued, (void *)&a, len));
	usleep(100000);
	fd = make_file("/tmp/zcopy-ctx-timer", 65536, 5);
	ASSERT_LE(0, fd);
	kmsg = kmsg_from_now();
	ASSERT_LE(0, kmsg);

	for (tries = 0; tries < 5 && !held; tries++) {
		zc = parked_on_the_timer(&a, fd, &tx);
		ASSERT_LE(0, zc);
		ASSERT_EQ(0, delay_next_timer());
		close(zc);
		held = timer_delayed(2000);
		write_str(DELAY_TIMER "/probability", "0");
		EXPECT_EQ(ctx0, stat_wait(ZCOPY_A_STATS_CONTEXTS, ctx0, 10000));
		close(tx);
	}
	EXPECT_TRUE(held) TH_LOG("no timer round after the close in %d tries",
				 tries);
	EXPECT_EQ(NULL, kmsg_report(kmsg, rec, sizeof(rec)))
		TH_LOG("kernel: %s", rec);
	close(kmsg);
	close(fd);
	unlink("/tmp/zcopy-ctx-timer");
	close(queued);
	close(l);
}

ZC_HARNESS_MAIN
