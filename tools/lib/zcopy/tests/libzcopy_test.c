// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy's behaviour, one set of expectations for both modes: built
 * plainly it runs the fallback (sendfile in the caller) on the host,
 * with no module; built with -DLIBZCOPY_TEST_MODULE (the selftest
 * libzcopy_test) it runs against /dev/zcopy in the guest.  That both
 * pass is what says the fallback gives the module's completions,
 * ordering, cancellation, readiness and errnos.  TAP on stdout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4, O_TMPFILE */
#endif
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>

#include <zcopy.h>
#include "tap.h"
#include "zc_util.h"

#ifdef LIBZCOPY_TEST_MODULE
static const bool module = true;
#define OPEN_FLAGS	0
#else
static const bool module;
#define OPEN_FLAGS	ZCOPY_OPEN_FORCE_FALLBACK
#endif

static struct zcopy *z;
static int snd, rcv;

/* A fallback context with one registered connection. */
static void setup(int nonblock, int small)
{
	CHECK_EQ(zcopy_open(&z, OPEN_FLAGS), 0);
	CHECK_EQ(tcp_pair_opt(AF_INET, &snd, &rcv,
			      (nonblock ? TCP_PAIR_NONBLOCK : 0) |
			      (small ? TCP_PAIR_SMALL : 0)), 0);
	CHECK_EQ(zcopy_register_socket(z, snd), 0);
}

static void teardown(void)
{
	zcopy_close(z);
	close(snd);
	close(rcv);
}

static struct timespec ms(long n)
{
	return (struct timespec){ .tv_sec = n / 1000, .tv_nsec = n % 1000 * 1000000 };
}

static int submit_one(int file, uint64_t off, uint64_t len, uint32_t flags,
		      uint64_t ud)
{
	int ret = zcopy_prep(z, file, snd, off, len, flags, ud);

	return ret ? ret : zcopy_submit(z);
}

/* A completion within 10 s: the module may post it a little later. */
static int wait10(struct zcopy_cqe *cqe)
{
	struct timespec t = ms(zc_ms(10000));

	return zcopy_wait_cqe(z, cqe, &t);
}

static void test_open_probe(void)
{
	struct zcopy_features f;
	struct zcopy *d;

	CHECK_EQ(zcopy_open(&d, 1U << 7), -EINVAL);
	CHECK_EQ(zcopy_open(&d, OPEN_FLAGS), 0);
	CHECK_EQ(zcopy_probe(d, &f), 0);
	if (module) {
		CHECK_EQ(f.flags, 0);
		CHECK_EQ(f.sqe_flags & ~ZCOPY_F_ALL, 0);
		CHECK_EQ(f.features & ~(ZCOPY_FEAT_ASYNC_READ |
					ZCOPY_FEAT_SPLICE_PAGES), 0);
		printf("# sqe_flags %#x features %#x\n", f.sqe_flags, f.features);
	} else {
		CHECK_EQ(f.flags, ZCOPY_FEATURES_FALLBACK);
		CHECK_EQ(f.sqe_flags, 0);	/* RELEASE, DONTCACHE: not honoured */
		CHECK_EQ(f.features, 0);
	}
	CHECK(zcopy_fd(d) >= 0);
	zcopy_close(d);
}

/* FALLBACK only when there is no module: then a plain open fails. */
static void test_open_fallback(void)
{
	struct zcopy_features f;
	struct zcopy *d;

	if (module) {
		CHECK_EQ(zcopy_open(&d, ZCOPY_OPEN_FALLBACK), 0);
		CHECK_EQ(zcopy_probe(d, &f), 0);
		CHECK_EQ(f.flags, 0);
		zcopy_close(d);
		return;
	}
	if (!access("/dev/zcopy", F_OK)) {
		printf("# /dev/zcopy exists: nothing to fall back from\n");
		return;
	}
	CHECK_EQ(zcopy_open(&d, 0), -ENOENT);
	CHECK_EQ(zcopy_open(&d, ZCOPY_OPEN_FALLBACK), 0);
	CHECK_EQ(zcopy_probe(d, &f), 0);
	CHECK_EQ(f.flags, ZCOPY_FEATURES_FALLBACK);
	zcopy_close(d);
}

static void test_register_errors(void)
{
	int file = make_file(NULL, 10, 1), udp, uds[2], fd2;

	setup(0, 0);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, uds);
	CHECK_EQ(zcopy_register_socket(z, file), -ENOTSOCK);
	CHECK_EQ(zcopy_register_socket(z, 1000), -EBADF);
	CHECK_EQ(zcopy_register_socket(z, udp), -EOPNOTSUPP);
	CHECK_EQ(zcopy_register_socket(z, uds[0]), -EOPNOTSUPP);
	CHECK_EQ(zcopy_register_socket(z, snd), -EEXIST);
	fd2 = dup(snd);
	CHECK_EQ(zcopy_register_socket(z, fd2), -EBUSY);
	CHECK_EQ(zcopy_unregister_socket(z, rcv), -ENOENT);
	CHECK_EQ(zcopy_unregister_socket(z, 1000), -EBADF);
	CHECK_EQ(zcopy_unregister_socket(z, snd), 0);
	CHECK_EQ(zcopy_unregister_socket(z, snd), -ENOENT);
	CHECK_EQ(zcopy_register_socket(z, fd2), 0);
	close(fd2);
	close(udp);
	close(uds[0]);
	close(uds[1]);
	close(file);
	teardown();
}

static void test_submit_errors(void)
{
	int file = make_file(NULL, 100, 2), wr, p[2], dir, other = -1, peer = -1, bad;

	setup(0, 0);
	wr = open("/tmp", O_WRONLY | O_TMPFILE, 0600);
	CHECK(wr >= 0);
	CHECK_EQ(pipe(p), 0);
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(tcp_pair(AF_INET, &other, &peer), 0);
	bad = dup(file);
	close(bad);

	CHECK_EQ(submit_one(file, 0, 0, 1U << 5, 1), -EINVAL);
	CHECK_EQ(zcopy_prep(z, file, snd, 0, 0, 0, 1), 0);
	CHECK_EQ(zcopy_queued(z), 2);	/* a refused entry stays */
	CHECK_EQ(zcopy_discard(z, 1), 1);
	CHECK_EQ(zcopy_queued(z), 1);
	zcopy_discard(z, 1);
	if (!module) {
		CHECK_EQ(submit_one(file, 0, 0, ZCOPY_F_RELEASE, 1), -EOPNOTSUPP);
		zcopy_discard(z, 1);
		CHECK_EQ(submit_one(file, 0, 0, ZCOPY_F_DONTCACHE, 1), -EOPNOTSUPP);
		zcopy_discard(z, 1);
	}
	CHECK_EQ(zcopy_prep(z, file, other, 0, 0, 0, 1), 0);
	CHECK_EQ(zcopy_submit(z), -ENOENT);
	zcopy_discard(z, 1);
	CHECK_EQ(zcopy_prep(z, file, bad, 0, 0, 0, 1), 0);
	CHECK_EQ(zcopy_submit(z), -EBADF);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(bad, 0, 0, 0, 1), -EBADF);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(wr, 0, 0, 0, 1), -EBADF);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(p[0], 0, 0, 0, 1), -ESPIPE);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(dir, 0, 0, 0, 1), -EINVAL);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(file, 1ULL << 63, 0, 0, 1), -EINVAL);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(file, 1ULL << 62, 1ULL << 62, 0, 1), -EINVAL);
	zcopy_discard(z, 1);
	CHECK_EQ(submit_one(file, ~0ULL, 2, 0, 1), -EINVAL);
	CHECK_EQ(zcopy_discard(z, 1), 1);
	CHECK_EQ(zcopy_queued(z), 0);
	CHECK_EQ(zcopy_submit(z), 0);	/* nothing to submit */

	/* A batch stops at the refused entry; resubmitting says why. */
	zcopy_prep(z, file, snd, 0, 10, 0, 1);
	zcopy_prep(z, p[0], snd, 0, 10, 0, 2);
	zcopy_prep(z, file, snd, 10, 10, 0, 3);
	CHECK_EQ(zcopy_submit(z), 1);
	CHECK_EQ(zcopy_queued(z), 2);
	CHECK_EQ(zcopy_submit(z), -ESPIPE);
	CHECK_EQ(zcopy_discard(z, 1), 1);
	CHECK_EQ(zcopy_submit(z), 1);
	close(wr);
	close(p[0]);
	close(p[1]);
	close(dir);
	close(other);
	close(peer);
	close(file);
	teardown();
}

/*
 * Blocking socket, slow reader: the fallback sends it all in submit;
 * the module completes it later.
 */
static void test_blocking_whole_file(void)
{
	size_t size = 5 * MiB + 123;
	int file = make_file(NULL, size, 3);
	struct zcopy_cqe cqe;
	struct reader r;

	setup(0, 1);
	reader_start(&r, rcv, size + 1, 65536, 200);
	CHECK_EQ(submit_one(file, 0, 0, 0, 42), 1);
	if (!module)
		CHECK_EQ(zcopy_peek_cqe(z, &cqe), 0);
	else
		CHECK_EQ(zcopy_wait_cqe(z, &cqe, NULL), 0);
	CHECK_EQ(cqe.user_data, 42);
	CHECK_EQ(cqe.res, size);
	CHECK_EQ(cqe.flags, 0);
	shutdown(snd, SHUT_WR);
	CHECK_EQ(reader_join(&r), size);
	CHECK(is_pattern(r.buf, 3, 0, size));
	free(r.buf);
	close(file);
	teardown();
}

/* Ranges, clipping at the end of file, an empty range, len 0 at an offset. */
static void test_ranges(void)
{
	size_t size = 100000;
	int file = make_file(NULL, size, 4);
	size_t want = 1000 + 500 + 0 + (size - 99000);
	struct zcopy_cqe cqe[4];
	struct reader r;

	setup(1, 0);
	reader_start(&r, rcv, want + 1, 4096, 0);
	zcopy_prep(z, file, snd, 5000, 1000, 0, 1);
	zcopy_prep(z, file, snd, size - 500, 9999, 0, 2);	/* clipped */
	zcopy_prep(z, file, snd, size + 10, 0, 0, 3);		/* empty */
	zcopy_prep(z, file, snd, 99000, 0, 0, 4);		/* to the end */
	CHECK_EQ(zcopy_submit(z), 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(zcopy_wait_cqe(z, &cqe[i], NULL), 0);
	CHECK_EQ(cqe[0].res, 1000);
	CHECK_EQ(cqe[1].res, 500);
	CHECK_EQ(cqe[2].res, 0);
	CHECK_EQ(cqe[3].res, size - 99000);
	shutdown(snd, SHUT_WR);
	CHECK_EQ(reader_join(&r), want);
	CHECK(is_pattern(r.buf, 4, 5000, 1000));
	CHECK(is_pattern(r.buf + 1000, 4, size - 500, 500));
	CHECK(is_pattern(r.buf + 1500, 4, 99000, size - 99000));
	free(r.buf);
	close(file);
	teardown();
}

/*
 * Non-blocking socket, slow reader: submit returns at once, the rest
 * goes out while waiting, files in submission order; the file may be
 * closed once submitted; completions come in order of finishing.
 */
static void test_nonblocking_order(void)
{
	size_t size[3] = { 3 * MiB, 7, MiB + 1 }, total = 4 * MiB + 8, off = 0;
	struct zcopy_cqe cqe;
	struct reader r;
	int f[3], i;
	long long t0;

	setup(1, 1);
	for (i = 0; i < 3; i++)
		f[i] = make_file(NULL, size[i], 10 + i);
	reader_start(&r, rcv, total + 1, 16384, 100);
	for (i = 0; i < 3; i++)
		zcopy_prep(z, f[i], snd, 0, 0, 0, 100 + i);
	t0 = now_ms();
	CHECK_EQ(zcopy_submit(z), 3);
	CHECK(now_ms() - t0 < zc_ms(2000));
	for (i = 0; i < 3; i++)
		close(f[i]);
	CHECK_EQ(zcopy_peek_cqe(z, &cqe), -EAGAIN);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(zcopy_wait_cqe(z, &cqe, NULL), 0);
		CHECK_EQ(cqe.user_data, 100 + i);
		CHECK_EQ(cqe.res, size[i]);
	}
	shutdown(snd, SHUT_WR);
	CHECK_EQ(reader_join(&r), total);
	for (i = 0; i < 3; i++) {
		CHECK(is_pattern(r.buf + off, 10 + i, 0, size[i]));
		off += size[i];
	}
	free(r.buf);
	teardown();
}

/* len 0 is the size at submission: bytes appended later are not sent. */
static void test_len0_size_at_submit(void)
{
	size_t size = 2 * MiB;
	int file = make_file(NULL, size, 5);
	struct zcopy_cqe cqe;
	struct reader r;

	setup(1, 1);
	CHECK_EQ(submit_one(file, 0, 0, 0, 7), 1);
	CHECK_EQ(zcopy_peek_cqe(z, &cqe), -EAGAIN);	/* still sending */
	CHECK_EQ(pwrite(file, "more", 4, size), 4);
	reader_start(&r, rcv, size + 5, 65536, 0);
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, NULL), 0);
	CHECK_EQ(cqe.res, size);
	shutdown(snd, SHUT_WR);
	CHECK_EQ(reader_join(&r), size);
	free(r.buf);
	close(file);
	teardown();
}

/* Cancel: counted once, -ECANCELED; a waiting one behind it too. */
static void test_cancel(void)
{
	int file = make_file(NULL, 8 * MiB, 6);
	struct zcopy_cqe cqe[3];

	setup(1, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 2);
	zcopy_prep(z, file, snd, 0, 100, 0, 2);
	CHECK_EQ(zcopy_submit(z), 3);
	CHECK_EQ(zcopy_cancel(z, 9), -ENOENT);
	CHECK_EQ(zcopy_cancel(z, 2), 2);
	CHECK_EQ(zcopy_cancel(z, 2), -ENOENT);
	CHECK_EQ(wait10(&cqe[0]), 0);
	CHECK_EQ(wait10(&cqe[1]), 0);
	CHECK_EQ(cqe[0].user_data, 2);
	CHECK_EQ(cqe[0].res, -ECANCELED);
	CHECK_EQ(cqe[1].res, -ECANCELED);
	CHECK_EQ(zcopy_cancel(z, 1), 1);	/* part-way */
	CHECK_EQ(wait10(&cqe[0]), 0);
	CHECK_EQ(cqe[0].user_data, 1);
	CHECK_EQ(cqe[0].res, -ECANCELED);
	CHECK_EQ(zcopy_peek_cqe(z, &cqe[0]), -EAGAIN);
	close(file);
	teardown();
}

/* Unregistering cancels what is pending on the socket. */
static void test_unregister_cancels(void)
{
	int file = make_file(NULL, 8 * MiB, 7);
	struct zcopy_cqe cqe;

	setup(1, 1);
	CHECK_EQ(submit_one(file, 0, 0, 0, 5), 1);
	CHECK_EQ(zcopy_unregister_socket(z, snd), 0);
	CHECK_EQ(wait10(&cqe), 0);
	CHECK_EQ(cqe.user_data, 5);
	CHECK_EQ(cqe.res, -ECANCELED);
	close(file);
	teardown();
}

static void test_timeout(void)
{
	int file = make_file(NULL, 8 * MiB, 8);
	struct timespec t = ms(100), zero = ms(0);
	struct zcopy_cqe cqe;
	long long t0;

	setup(1, 1);
	CHECK_EQ(submit_one(file, 0, 0, 0, 1), 1);
	t0 = now_ms();
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, &t), -ETIME);
	CHECK(now_ms() - t0 >= 99);
	CHECK(now_ms() - t0 < zc_ms(2000));
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, &zero), -ETIME);
	t.tv_nsec = 1000000000;
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, &t), -EINVAL);
	close(file);
	teardown();
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/*
 * The context's descriptor in an application's epoll loop: readable
 * while a completion waits, and when a waiting transfer's socket has
 * room; never readable for nothing at all.
 */
static void test_poll_fd(void)
{
	size_t size = 4 * MiB;
	int file = make_file(NULL, size, 9), ep, n, done = 0, loops = 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct zcopy_cqe cqe;
	struct reader r;

	setup(1, 1);
	CHECK(!readable(zcopy_fd(z), 0));
	CHECK_EQ(submit_one(file, 0, 100, 0, 1), 1);
	CHECK(readable(zcopy_fd(z), module ? 10000 : 0));
	CHECK_EQ(zcopy_peek_cqe(z, &cqe), 0);
	CHECK(!readable(zcopy_fd(z), 0));

	CHECK_EQ(submit_one(file, 0, 0, 0, 2), 1);
	/*
	 * Nobody reads: readable only while the socket makes room (the
	 * connection's queues filling up), then not at all.
	 */
	for (n = 0; n < 1000 && readable(zcopy_fd(z), 100); n++)
		CHECK_EQ(zcopy_peek_cqe(z, &cqe), -EAGAIN);
	printf("# %d wakeups until the connection was full\n", n);
	CHECK(n < 1000);
	CHECK(!readable(zcopy_fd(z), 100));
	reader_start(&r, rcv, size + 101, 65536, 0);
	ep = epoll_create1(0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, zcopy_fd(z), &ev), 0);
	while (!done && loops++ < 100000) {
		n = epoll_wait(ep, &ev, 1, 5000);
		CHECK_EQ(n, 1);
		if (n != 1)
			break;
		while (zcopy_peek_cqe(z, &cqe) == 0) {
			CHECK_EQ(cqe.user_data, 2);
			CHECK_EQ(cqe.res, size);
			done = 1;
		}
	}
	CHECK(done);
	shutdown(snd, SHUT_WR);
	CHECK_EQ(reader_join(&r), size + 100);
	free(r.buf);
	close(ep);
	close(file);
	teardown();
}

/* A broken connection: -EPIPE or -ECONNRESET, and no SIGPIPE. */
static void test_broken_connection(void)
{
	int file = make_file(NULL, 8 * MiB, 10);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct zcopy_cqe cqe;

	sigaction(SIGPIPE, &dfl, NULL);
	setup(1, 1);
	CHECK_EQ(submit_one(file, 0, 0, 0, 1), 1);
	close(rcv);		/* unread data: the peer resets */
	rcv = -1;
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, NULL), 0);
	CHECK(cqe.res == -EPIPE || cqe.res == -ECONNRESET);
	CHECK_EQ(submit_one(file, 0, 10, 0, 2), 1);
	CHECK_EQ(zcopy_wait_cqe(z, &cqe, NULL), 0);
	CHECK(cqe.res == -EPIPE || cqe.res == -ECONNRESET);
	close(file);
	teardown();
}

/* The module's per-context limit of transfers held, until read. */
static void test_inflight_limit(void)
{
	int file = make_file(NULL, 10, 11), i, n;
	struct zcopy_cqe cqe[64];

	setup(0, 0);
	for (i = 0; i < ZCOPY_DEFAULT_MAX_INFLIGHT + 1; i++)
		zcopy_prep(z, file, snd, 100, 0, 0, i);	/* empty ranges */
	CHECK_EQ(zcopy_submit(z), ZCOPY_DEFAULT_MAX_INFLIGHT);
	CHECK_EQ(zcopy_submit(z), -EAGAIN);
	for (i = 0; i < 64; i++) {
		CHECK_EQ(wait10(&cqe[0]), 0);
		CHECK_EQ(cqe[0].user_data, i);	/* one socket: in order */
		CHECK_EQ(cqe[0].res, 0);
	}
	CHECK_EQ(zcopy_submit(z), 1);
	/* The rest, many per call. */
	for (n = 0; n < ZCOPY_DEFAULT_MAX_INFLIGHT - 64 + 1; n += i) {
		CHECK_EQ(wait10(&cqe[0]), 0);
		i = zcopy_peek_batch(z, cqe + 1, 63);
		i = i < 0 ? 1 : i + 1;
	}
	CHECK_EQ(n, ZCOPY_DEFAULT_MAX_INFLIGHT - 64 + 1);
	close(file);
	teardown();
}

int main(void)
{
	static const struct tap_test tests[] = {
		{ "open and probe a fallback context", test_open_probe },
		{ "FALLBACK: only when there is no module", test_open_fallback },
		{ "register: the module's errnos", test_register_errors },
		{ "submit: the module's errnos, batches stop at a refusal", test_submit_errors },
		{ "blocking socket: a whole file, slow reader", test_blocking_whole_file },
		{ "ranges, clipping, empty range, len 0 from an offset", test_ranges },
		{ "non-blocking socket: in order, submit returns at once", test_nonblocking_order },
		{ "len 0 is the size at submission", test_len0_size_at_submit },
		{ "cancel: counted once, -ECANCELED", test_cancel },
		{ "unregister cancels pending transfers", test_unregister_cancels },
		{ "wait timeout expires with -ETIME", test_timeout },
		{ "the poll descriptor in an epoll loop", test_poll_fd },
		{ "broken connection: an errno, no SIGPIPE", test_broken_connection },
		{ "in-flight limit: EAGAIN until completions are read", test_inflight_limit },
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
