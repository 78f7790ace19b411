// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy's behaviour, one set of expectations for both modes: built
 * plainly it runs the fallback (sendfile in the caller) on the host,
 * with no module; built with -DLIBZCOPY_TEST_MODULE (the selftest
 * libzcopy_test) it runs against /dev/zcopy in the guest.  That both
 * pass is what says the fallback gives the module's completions,
 * ordering, cancellation, readiness and errnos.  TAP on stdout, from
 * the kernel's kselftest_harness.h as the other selftests; its logs, as
 * "# " lines, on stderr.
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
#include "zc_util.h"

#include "kselftest_harness.h"

#if defined(LIBZCOPY_TEST_MODULE) && defined(LIBZCOPY_TEST_NO_RINGS)
static const bool module = true, rings;
#define OPEN_FLAGS	ZCOPY_OPEN_NO_RINGS
#elif defined(LIBZCOPY_TEST_MODULE)
static const bool module = true, rings = true;
#define OPEN_FLAGS	0
#else
static const bool module, rings;
#define OPEN_FLAGS	ZCOPY_OPEN_FORCE_FALLBACK
#endif

static struct zcopy *z;
static int snd, rcv;

/*
 * A fallback context with one registered connection.  The harness runs
 * each test in a process of its own, so these globals are the test's.
 */
static void setup(struct __test_metadata *_metadata, int nonblock, int small)
{
	ASSERT_EQ(0, zcopy_open(&z, OPEN_FLAGS));
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &snd, &rcv,
				  (nonblock ? TCP_PAIR_NONBLOCK : 0) |
				  (small ? TCP_PAIR_SMALL : 0)));
	ASSERT_EQ(0, zcopy_register_socket(z, snd));
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

TEST(open_and_probe_a_context)
{
	struct zcopy_features f;
	struct zcopy *d;

	EXPECT_EQ(-EINVAL, zcopy_open(&d, 1U << 7));
	ASSERT_EQ(0, zcopy_open(&d, OPEN_FLAGS));
	EXPECT_EQ(0, zcopy_probe(d, &f));
	if (module) {
		EXPECT_EQ(rings ? ZCOPY_FEATURES_RINGS : 0, f.flags);
		EXPECT_EQ(0, f.sqe_flags & ~ZCOPY_F_ALL);
		EXPECT_EQ(0, f.features & ~(ZCOPY_FEAT_ASYNC_READ |
					    ZCOPY_FEAT_SPLICE_PAGES |
					    ZCOPY_FEAT_LEND |
					    ZCOPY_FEAT_RINGS));
		TH_LOG("sqe_flags %#x features %#x", f.sqe_flags, f.features);
	} else {
		EXPECT_EQ(ZCOPY_FEATURES_FALLBACK, f.flags);
		/* RELEASE, DONTCACHE: not honoured. */
		EXPECT_EQ(ZCOPY_F_INDEPENDENT | ZCOPY_F_BUFFER | ZCOPY_F_LINK |
			  ZCOPY_F_GROUP, f.sqe_flags);
		EXPECT_EQ(0, f.features);
	}
	EXPECT_LE(0, zcopy_fd(d));
	zcopy_close(d);
}

/* The threads of this process, once the count is @want (1 s at most). */
static int threads(int want)
{
	struct stat st;
	int i, n = -1;

	for (i = 0; i < 100; i++) {
		/* A directory's link count: 2 + its subdirectories. */
		if (stat("/proc/self/task", &st))
			return -1;
		n = st.st_nlink - 2;
		if (n == want)
			break;
		usleep(10000);
	}
	return n;
}

/*
 * ZCOPY_OPEN_LEND: with the module, one more thread, lent to the
 * context until zcopy_close() takes it back; a read that may block
 * (/dev/urandom, through the file's own read) goes through it.  The
 * fallback needs no thread.
 */
TEST(lend_flag_lends_a_thread_until_close)
{
	int before = threads(-1), urandom, tx, rx;
	struct zcopy_cqe cqe;
	struct timespec t = ms(zc_ms(10000));
	struct zcopy *d;
	char buf[4096];

	ASSERT_LT(0, before);
	ASSERT_EQ(0, zcopy_open(&d, OPEN_FLAGS | ZCOPY_OPEN_LEND));
	EXPECT_EQ(before + module, threads(before + module));
	urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, urandom);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zcopy_register_socket(d, tx));
	ASSERT_EQ(0, zcopy_prep(d, urandom, tx, 0, sizeof(buf), 0, 1));
	ASSERT_EQ(1, zcopy_submit(d));
	ASSERT_EQ(0, zcopy_wait_cqe(d, &cqe, &t));
	EXPECT_EQ((int64_t)sizeof(buf), cqe.res);
	EXPECT_EQ((ssize_t)sizeof(buf), recv(rx, buf, sizeof(buf), MSG_WAITALL));
	zcopy_close(d);
	EXPECT_EQ(before, threads(before));
	close(urandom);
	close(tx);
	close(rx);
}

/* FALLBACK only when there is no module: then a plain open fails. */
TEST(fallback_only_when_there_is_no_module)
{
	struct zcopy_features f;
	struct zcopy *d;

	if (module) {
		ASSERT_EQ(0, zcopy_open(&d, ZCOPY_OPEN_FALLBACK | OPEN_FLAGS));
		EXPECT_EQ(0, zcopy_probe(d, &f));
		EXPECT_EQ(rings ? ZCOPY_FEATURES_RINGS : 0, f.flags);
		zcopy_close(d);
		return;
	}
	if (!access("/dev/zcopy", F_OK))
		SKIP(return, "/dev/zcopy exists: nothing to fall back from");
	EXPECT_EQ(-ENOENT, zcopy_open(&d, 0));
	ASSERT_EQ(0, zcopy_open(&d, ZCOPY_OPEN_FALLBACK));
	EXPECT_EQ(0, zcopy_probe(d, &f));
	EXPECT_EQ(ZCOPY_FEATURES_FALLBACK, f.flags);
	zcopy_close(d);
}

TEST(register_gives_the_modules_errnos)
{
	int file = make_file(NULL, 10, 1), udp, uds[2], fd2;

	ASSERT_LE(0, file);
	setup(_metadata, 0, 0);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, udp);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, uds));
	EXPECT_EQ(-ENOTSOCK, zcopy_register_socket(z, file));
	EXPECT_EQ(-EBADF, zcopy_register_socket(z, 1000));
	EXPECT_EQ(-EOPNOTSUPP, zcopy_register_socket(z, udp));
	EXPECT_EQ(-EOPNOTSUPP, zcopy_register_socket(z, uds[0]));
	EXPECT_EQ(-EEXIST, zcopy_register_socket(z, snd));
	fd2 = dup(snd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EBUSY, zcopy_register_socket(z, fd2));
	EXPECT_EQ(-ENOENT, zcopy_unregister_socket(z, rcv));
	EXPECT_EQ(-EBADF, zcopy_unregister_socket(z, 1000));
	EXPECT_EQ(0, zcopy_unregister_socket(z, snd));
	EXPECT_EQ(-ENOENT, zcopy_unregister_socket(z, snd));
	EXPECT_EQ(0, zcopy_register_socket(z, fd2));
	close(fd2);
	close(udp);
	close(uds[0]);
	close(uds[1]);
	close(file);
	teardown();
}

TEST(submit_gives_the_modules_errnos_batches_stop_at_a_refusal)
{
	int file = make_file(NULL, 100, 2), wr, p[2], dir, other, peer, bad;

	ASSERT_LE(0, file);
	setup(_metadata, 0, 0);
	wr = open("/tmp", O_WRONLY | O_TMPFILE, 0600);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, pipe(p));
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dir);
	ASSERT_EQ(0, tcp_pair(AF_INET, &other, &peer));
	bad = dup(file);
	close(bad);

	EXPECT_EQ(-EINVAL, submit_one(file, 0, 0, 1U << 7, 1));
	EXPECT_EQ(0, zcopy_prep(z, file, snd, 0, 0, 0, 1));
	EXPECT_EQ(2, zcopy_queued(z));	/* a refused entry stays */
	EXPECT_EQ(1, zcopy_discard(z, 1));
	EXPECT_EQ(1, zcopy_queued(z));
	zcopy_discard(z, 1);
	if (!module) {
		EXPECT_EQ(-EOPNOTSUPP, submit_one(file, 0, 0, ZCOPY_F_RELEASE, 1));
		zcopy_discard(z, 1);
		EXPECT_EQ(-EOPNOTSUPP, submit_one(file, 0, 0, ZCOPY_F_DONTCACHE, 1));
		zcopy_discard(z, 1);
	}
	EXPECT_EQ(0, zcopy_prep(z, file, other, 0, 0, 0, 1));
	EXPECT_EQ(-ENOENT, zcopy_submit(z));
	zcopy_discard(z, 1);
	EXPECT_EQ(0, zcopy_prep(z, file, bad, 0, 0, 0, 1));
	EXPECT_EQ(-EBADF, zcopy_submit(z));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EBADF, submit_one(bad, 0, 0, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EBADF, submit_one(wr, 0, 0, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-ESPIPE, submit_one(p[0], 0, 0, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EINVAL, submit_one(dir, 0, 0, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EINVAL, submit_one(file, 1ULL << 63, 0, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EINVAL, submit_one(file, 1ULL << 62, 1ULL << 62, 0, 1));
	zcopy_discard(z, 1);
	EXPECT_EQ(-EINVAL, submit_one(file, ~0ULL, 2, 0, 1));
	EXPECT_EQ(1, zcopy_discard(z, 1));
	EXPECT_EQ(0, zcopy_queued(z));
	EXPECT_EQ(0, zcopy_submit(z));	/* nothing to submit */

	/* A batch stops at the refused entry; resubmitting says why. */
	zcopy_prep(z, file, snd, 0, 10, 0, 1);
	zcopy_prep(z, p[0], snd, 0, 10, 0, 2);
	zcopy_prep(z, file, snd, 10, 10, 0, 3);
	EXPECT_EQ(1, zcopy_submit(z));
	EXPECT_EQ(2, zcopy_queued(z));
	EXPECT_EQ(-ESPIPE, zcopy_submit(z));
	EXPECT_EQ(1, zcopy_discard(z, 1));
	EXPECT_EQ(1, zcopy_submit(z));
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
TEST(blocking_socket_whole_file_slow_reader)
{
	size_t size = 5 * MiB + 123;
	int file = make_file(NULL, size, 3);
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 0, 1);
	ASSERT_EQ(0, reader_start(&r, rcv, size + 1, 65536, 200));
	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 42));
	EXPECT_EQ(0, module ? zcopy_wait_cqe(z, &cqe, NULL) :
		     zcopy_peek_cqe(z, &cqe));
	EXPECT_EQ(42, cqe.user_data);
	EXPECT_EQ(size, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(size, reader_join(&r));
	EXPECT_TRUE(is_pattern(r.buf, 3, 0, size));
	free(r.buf);
	close(file);
	teardown();
}

/* Ranges, clipping at the end of file, an empty range, len 0 at an offset. */
TEST(ranges_clipping_empty_range_len0_from_an_offset)
{
	size_t size = 100000;
	int file = make_file(NULL, size, 4);
	size_t want = 1000 + 500 + 0 + (size - 99000);
	struct zcopy_cqe cqe[4];
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 0);
	ASSERT_EQ(0, reader_start(&r, rcv, want + 1, 4096, 0));
	zcopy_prep(z, file, snd, 5000, 1000, 0, 1);
	zcopy_prep(z, file, snd, size - 500, 9999, 0, 2);	/* clipped */
	zcopy_prep(z, file, snd, size + 10, 0, 0, 3);		/* empty */
	zcopy_prep(z, file, snd, 99000, 0, 0, 4);		/* to the end */
	EXPECT_EQ(4, zcopy_submit(z));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, zcopy_wait_cqe(z, &cqe[i], NULL));
	EXPECT_EQ(1000, cqe[0].res);
	EXPECT_EQ(500, cqe[1].res);
	EXPECT_EQ(0, cqe[2].res);
	EXPECT_EQ(size - 99000, cqe[3].res);
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(want, reader_join(&r));
	EXPECT_TRUE(is_pattern(r.buf, 4, 5000, 1000));
	EXPECT_TRUE(is_pattern(r.buf + 1000, 4, size - 500, 500));
	EXPECT_TRUE(is_pattern(r.buf + 1500, 4, 99000, size - 99000));
	free(r.buf);
	close(file);
	teardown();
}

/*
 * Non-blocking socket, slow reader: submit returns at once, the rest
 * goes out while waiting, files in submission order; the file may be
 * closed once submitted; completions come in order of finishing.
 */
TEST(nonblocking_socket_in_order_submit_returns_at_once)
{
	size_t size[3] = { 3 * MiB, 7, MiB + 1 }, total = 4 * MiB + 8, off = 0;
	struct zcopy_cqe cqe;
	struct reader r;
	int f[3], i;
	long long t0;

	setup(_metadata, 1, 1);
	for (i = 0; i < 3; i++) {
		f[i] = make_file(NULL, size[i], 10 + i);
		ASSERT_LE(0, f[i]);
	}
	ASSERT_EQ(0, reader_start(&r, rcv, total + 1, 16384, 100));
	for (i = 0; i < 3; i++)
		zcopy_prep(z, f[i], snd, 0, 0, 0, 100 + i);
	t0 = now_ms();
	EXPECT_EQ(3, zcopy_submit(z));
	EXPECT_GT(zc_ms(2000), now_ms() - t0);
	for (i = 0; i < 3; i++)
		close(f[i]);
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, zcopy_wait_cqe(z, &cqe, NULL));
		EXPECT_EQ(100 + i, cqe.user_data);
		EXPECT_EQ(size[i], cqe.res);
	}
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(total, reader_join(&r));
	for (i = 0; i < 3; i++) {
		EXPECT_TRUE(is_pattern(r.buf + off, 10 + i, 0, size[i]));
		off += size[i];
	}
	free(r.buf);
	teardown();
}

/* len 0 is the size at submission: bytes appended later are not sent. */
TEST(len0_is_the_size_at_submission)
{
	size_t size = 2 * MiB;
	int file = make_file(NULL, size, 5);
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 7));
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));	/* still sending */
	EXPECT_EQ(4, pwrite(file, "more", 4, size));
	ASSERT_EQ(0, reader_start(&r, rcv, size + 5, 65536, 0));
	EXPECT_EQ(0, zcopy_wait_cqe(z, &cqe, NULL));
	EXPECT_EQ(size, cqe.res);
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(size, reader_join(&r));
	free(r.buf);
	close(file);
	teardown();
}

/* Cancel: counted once, -ECANCELED; a waiting one behind it too. */
TEST(cancel_counted_once_ecanceled)
{
	int file = make_file(NULL, 8 * MiB, 6);
	struct zcopy_cqe cqe[3];

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 2);
	zcopy_prep(z, file, snd, 0, 100, 0, 2);
	EXPECT_EQ(3, zcopy_submit(z));
	EXPECT_EQ(-ENOENT, zcopy_cancel(z, 9));
	EXPECT_EQ(2, zcopy_cancel(z, 2));
	EXPECT_EQ(-ENOENT, zcopy_cancel(z, 2));
	EXPECT_EQ(0, wait10(&cqe[0]));
	EXPECT_EQ(0, wait10(&cqe[1]));
	EXPECT_EQ(2, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[1].res);
	EXPECT_EQ(1, zcopy_cancel(z, 1));	/* part-way: says how far */
	EXPECT_EQ(0, wait10(&cqe[0]));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].error);
	EXPECT_LT(0, cqe[0].res);
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe[0]));
	close(file);
	teardown();
}

/*
 * A transfer cut short (its file truncated under it) says why, with the
 * bytes it sent, and cancels the transfers queued behind it on its
 * socket, except an independent one, in both modes.
 */
TEST(short_transfer_cancels_the_rest_of_its_socket)
{
	int file = make_file(NULL, 8 * MiB, 8);
	struct zcopy_cqe cqe, by_ud[4];
	struct reader r;
	int i;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 1);
	zcopy_prep(z, file, snd, 0, 4096, 0, 2);
	zcopy_prep(z, file, snd, 0, 4096, ZCOPY_F_INDEPENDENT, 3);
	zcopy_prep(z, file, snd, 0, 4096, 0, 4);
	EXPECT_EQ(4, zcopy_submit(z));
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));	/* still sending */
	ASSERT_EQ(0, ftruncate(file, MiB));
	ASSERT_EQ(0, reader_start(&r, rcv, MiB + 4096, 65536, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, wait10(&cqe));
		ASSERT_LE(1, cqe.user_data);
		ASSERT_GE(4, cqe.user_data);
		by_ud[cqe.user_data - 1] = cqe;
	}
	EXPECT_EQ(MiB, by_ud[0].res);
	EXPECT_EQ(-ENODATA, by_ud[0].error);
	EXPECT_EQ(-ECANCELED, by_ud[1].res);
	EXPECT_EQ(-ECANCELED, by_ud[1].error);
	EXPECT_EQ(4096, by_ud[2].res);
	EXPECT_EQ(0, by_ud[2].error);
	EXPECT_EQ(-ECANCELED, by_ud[3].error);
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(MiB + 4096, reader_join(&r));
	free(r.buf);
	close(file);
	teardown();
}

/*
 * Responses: a header from a buffer rewritten as soon as zcopy_submit()
 * returns, a file range, a trailer, linked; the peer gets them in order,
 * byte for byte, and each entry completes with its length.
 */
TEST(buffers_and_ranges_go_out_in_order_as_responses)
{
	enum { RESP = 24, FSIZE = 256 * 1024 };
	int file = make_file(NULL, FSIZE, 9);
	unsigned char *expect, *body;
	size_t elen = 0, n;
	struct zcopy_cqe cqe;
	struct reader r;
	char hdr[64];
	int i;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	expect = malloc(RESP * (sizeof(hdr) + FSIZE + 8));
	body = malloc(FSIZE);
	ASSERT_TRUE(expect && body);
	ASSERT_EQ(FSIZE, pread(file, body, FSIZE, 0));
	for (i = 0; i < RESP; i++) {
		uint64_t len = 1 + i * (FSIZE / RESP), off = FSIZE - len;

		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
			     "Content-Length: %llu\r\n\r\n",
			     (unsigned long long)len);
		ASSERT_EQ(0, zcopy_prep_buffer(z, snd, hdr, n, ZCOPY_F_LINK,
					       3 * i));
		ASSERT_EQ(0, zcopy_prep(z, file, snd, off, len, ZCOPY_F_LINK,
					3 * i + 1));
		ASSERT_EQ(0, zcopy_prep_buffer(z, snd, "\r\n", 2, 0,
					       3 * i + 2));
		memcpy(expect + elen, hdr, n);
		elen += n;
		ASSERT_EQ(3, zcopy_submit(z));
		memset(hdr, 'X', sizeof(hdr));	/* copied: ours again */
		memcpy(expect + elen, body + off, len);
		elen += len;
		memcpy(expect + elen, "\r\n", 2);
		elen += 2;
	}
	ASSERT_EQ(0, reader_start(&r, rcv, elen, 65536, 0));
	for (i = 0; i < 3 * RESP; i++) {
		ASSERT_EQ(0, wait10(&cqe));
		EXPECT_EQ(0, cqe.error);
		if (cqe.user_data % 3 == 2)
			EXPECT_EQ(2, cqe.res);
	}
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(elen, reader_join(&r));
	EXPECT_EQ(0, memcmp(expect, r.buf, elen));
	free(r.buf);
	free(body);
	free(expect);
	close(file);
	teardown();
}

/*
 * A socket with kernel TLS transmit keys takes transfers in either mode
 * (the module, and the fallback's sendfile(), which this test runs too
 * where the module is): a header and a file range go out in records the
 * peer decrypts with the same keys.  The tls protocol without keys would
 * send in clear text, and is refused.
 */
TEST(ktls_sockets_take_transfers_in_either_mode)
{
	const size_t size = 300 * 1000;
	int file = make_file(NULL, size, 11), pass;
	static const char hdr[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	for (pass = 0; pass < (module ? 2 : 1); pass++) {
		int flags = pass ? ZCOPY_OPEN_FORCE_FALLBACK : OPEN_FLAGS;

		ASSERT_EQ(0, zcopy_open(&z, flags));
		ASSERT_EQ(0, tcp_pair(AF_INET, &snd, &rcv));
		if (zc_ktls_set(snd, 0, 0))
			SKIP(return, "no kernel TLS: %s", strerror(errno));
		EXPECT_EQ(-EOPNOTSUPP, zcopy_register_socket(z, snd));
		ASSERT_EQ(0, zc_ktls_keys(snd, TLS_TX, TLS_1_3_VERSION));
		ASSERT_EQ(0, zc_ktls_set(rcv, TLS_RX, TLS_1_3_VERSION));
		ASSERT_EQ(0, zcopy_register_socket(z, snd));
		ASSERT_EQ(0, reader_start(&r, rcv, sizeof(hdr) - 1 + size,
					  65536, 0));
		ASSERT_EQ(0, zcopy_prep_buffer(z, snd, hdr, sizeof(hdr) - 1,
					       ZCOPY_F_LINK, 1));
		ASSERT_EQ(0, zcopy_prep(z, file, snd, 0, 0, 0, 2));
		ASSERT_EQ(2, zcopy_submit(z));
		ASSERT_EQ(0, wait10(&cqe));
		EXPECT_EQ(0, cqe.error);
		ASSERT_EQ(0, wait10(&cqe));
		EXPECT_EQ(0, cqe.error);
		EXPECT_EQ(sizeof(hdr) - 1 + size, reader_join(&r))
			TH_LOG("pass %d", pass);
		EXPECT_EQ(0, memcmp(r.buf, hdr, sizeof(hdr) - 1));
		EXPECT_TRUE(is_pattern(r.buf + sizeof(hdr) - 1, 11, 0, size));
		free(r.buf);
		teardown();
	}
	close(file);
}

/* A ZCOPY_F_GROUP response completes once, with its total. */
TEST(group_response_completes_once)
{
	const uint32_t g = ZCOPY_F_GROUP;
	int file = make_file(NULL, 8192, 10);
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 0);
	ASSERT_EQ(0, reader_start(&r, rcv, 3 + 8192 + 2, 65536, 0));
	zcopy_prep_buffer(z, snd, "abc", 3, g | ZCOPY_F_LINK, 1);
	zcopy_prep(z, file, snd, 0, 0, g | ZCOPY_F_LINK, 2);
	zcopy_prep_buffer(z, snd, "\r\n", 2, g, 3);
	EXPECT_EQ(3, zcopy_submit(z));
	ASSERT_EQ(0, wait10(&cqe));
	EXPECT_EQ(3, cqe.user_data);
	EXPECT_EQ(3 + 8192 + 2, cqe.res);
	EXPECT_EQ(0, cqe.error);
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(3 + 8192 + 2, reader_join(&r));
	free(r.buf);
	close(file);
	teardown();
}

/* CANCEL counts a group once; it completes once, cancelled. */
TEST(cancel_counts_a_group_once)
{
	const uint32_t g = ZCOPY_F_GROUP;
	int file = make_file(NULL, 8 * MiB, 11), i;
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	zcopy_prep(z, file, snd, 0, 0, 0, 1);
	zcopy_prep_buffer(z, snd, "abc", 3, g | ZCOPY_F_LINK, 7);
	zcopy_prep(z, file, snd, 0, 4096, g, 7);
	EXPECT_EQ(3, zcopy_submit(z));
	EXPECT_EQ(1, zcopy_cancel(z, 7));
	ASSERT_EQ(0, reader_start(&r, rcv, 8 * MiB, 65536, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wait10(&cqe));
		if (cqe.user_data == 7) {
			EXPECT_EQ(-ECANCELED, cqe.res);
			EXPECT_EQ(-ECANCELED, cqe.error);
		} else {
			EXPECT_EQ(1, cqe.user_data);
			EXPECT_EQ(8 * MiB, cqe.res);
		}
	}
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(8 * MiB, reader_join(&r));
	free(r.buf);
	close(file);
	teardown();
}

/* A buffer's errnos are the module's, in the module's order. */
TEST(buffer_entries_give_the_modules_errnos)
{
	static char big[ZCOPY_BUFFER_MAX + 1];
	struct zcopy_cqe cqe;
	int other, peer;

	setup(_metadata, 1, 0);
	ASSERT_EQ(0, tcp_pair(AF_INET, &other, &peer));
	ASSERT_EQ(0, zcopy_register_socket(z, other));
	zcopy_prep_buffer(z, snd, big, sizeof(big), 0, 1);
	EXPECT_EQ(-EMSGSIZE, zcopy_submit(z));
	zcopy_discard(z, 1);
	zcopy_prep_buffer(z, snd, big, 0, 0, 1);
	EXPECT_EQ(-EINVAL, zcopy_submit(z));
	zcopy_discard(z, 1);
	zcopy_prep_buffer(z, peer, big, 1, 0, 1);
	EXPECT_EQ(-ENOENT, zcopy_submit(z));
	zcopy_discard(z, 1);
	/*
	 * A response is on one socket: the entry that leaves it is refused,
	 * and so is the response, whole; the one before it goes.
	 */
	zcopy_prep_buffer(z, snd, "a", 1, 0, 1);
	zcopy_prep_buffer(z, snd, "b", 1, ZCOPY_F_LINK, 2);
	zcopy_prep_buffer(z, other, "c", 1, 0, 3);
	EXPECT_EQ(1, zcopy_submit(z));
	EXPECT_EQ(2, zcopy_queued(z));
	EXPECT_EQ(-EINVAL, zcopy_submit(z));
	EXPECT_EQ(2, zcopy_discard(z, 2));
	ASSERT_EQ(0, wait10(&cqe));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));
	close(other);
	close(peer);
	teardown();
}

/* Unregistering cancels what is pending on the socket. */
TEST(unregister_cancels_pending_transfers)
{
	int file = make_file(NULL, 8 * MiB, 7);
	struct zcopy_cqe cqe;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 5));
	EXPECT_EQ(0, zcopy_unregister_socket(z, snd));
	EXPECT_EQ(0, wait10(&cqe));
	EXPECT_EQ(5, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.error);
	close(file);
	teardown();
}

TEST(wait_timeout_expires_with_etime)
{
	int file = make_file(NULL, 8 * MiB, 8);
	struct timespec t = ms(100), zero = ms(0);
	struct zcopy_cqe cqe;
	long long t0;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 1));
	t0 = now_ms();
	EXPECT_EQ(-ETIME, zcopy_wait_cqe(z, &cqe, &t));
	EXPECT_LE(99, now_ms() - t0);
	EXPECT_GT(zc_ms(2000), now_ms() - t0);
	EXPECT_EQ(-ETIME, zcopy_wait_cqe(z, &cqe, &zero));
	t.tv_nsec = 1000000000;
	EXPECT_EQ(-EINVAL, zcopy_wait_cqe(z, &cqe, &t));
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
TEST(poll_descriptor_in_an_epoll_loop)
{
	size_t size = 4 * MiB;
	int file = make_file(NULL, size, 9), ep, n, done = 0, loops = 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	EXPECT_FALSE(readable(zcopy_fd(z), 0));
	EXPECT_EQ(1, submit_one(file, 0, 100, 0, 1));
	EXPECT_TRUE(readable(zcopy_fd(z), module ? 10000 : 0));
	EXPECT_EQ(0, zcopy_peek_cqe(z, &cqe));
	EXPECT_FALSE(readable(zcopy_fd(z), 0));

	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 2));
	/*
	 * Nobody reads: readable only while the socket makes room (the
	 * connection's queues filling up), then not at all.
	 */
	for (n = 0; n < 1000 && readable(zcopy_fd(z), 100); n++)
		EXPECT_EQ(-EAGAIN, zcopy_peek_cqe(z, &cqe));
	TH_LOG("%d wakeups until the connection was full", n);
	EXPECT_GT(1000, n);
	EXPECT_FALSE(readable(zcopy_fd(z), 100));
	ASSERT_EQ(0, reader_start(&r, rcv, size + 101, 65536, 0));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, zcopy_fd(z), &ev));
	while (!done && loops++ < 100000) {
		n = epoll_wait_retry(ep, &ev, 1, 5000);
		EXPECT_EQ(1, n);
		if (n != 1)
			break;
		while (zcopy_peek_cqe(z, &cqe) == 0) {
			EXPECT_EQ(2, cqe.user_data);
			EXPECT_EQ(size, cqe.res);
			done = 1;
		}
	}
	EXPECT_TRUE(done);
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(size + 100, reader_join(&r));
	free(r.buf);
	close(ep);
	close(file);
	teardown();
}

/* A broken connection: -EPIPE or -ECONNRESET, and no SIGPIPE. */
TEST(broken_connection_an_errno_no_sigpipe)
{
	int file = make_file(NULL, 8 * MiB, 10);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct zcopy_cqe cqe;

	sigaction(SIGPIPE, &dfl, NULL);
	ASSERT_LE(0, file);
	setup(_metadata, 1, 1);
	EXPECT_EQ(1, submit_one(file, 0, 0, 0, 1));
	close(rcv);		/* unread data: the peer resets */
	rcv = -1;
	EXPECT_EQ(0, zcopy_wait_cqe(z, &cqe, NULL));
	/* res counts what went out before. */
	EXPECT_TRUE(cqe.error == -EPIPE || cqe.error == -ECONNRESET)
		TH_LOG("error %d", cqe.error);
	EXPECT_EQ(1, submit_one(file, 0, 10, 0, 2));
	EXPECT_EQ(0, zcopy_wait_cqe(z, &cqe, NULL));
	EXPECT_TRUE(cqe.res == -EPIPE || cqe.res == -ECONNRESET)
		TH_LOG("res %lld", (long long)cqe.res);
	EXPECT_EQ(cqe.res, cqe.error);
	close(file);
	teardown();
}

/* The module's per-context limit of transfers held, until read. */
/*
 * SUBMIT takes at least max_inflight transfers (with rings, also those
 * whose completions are in the CQ), then -EAGAIN until completions are
 * read; reading some makes room, and everything completes in order.
 */
TEST(inflight_limit_eagain_until_completions_are_read)
{
	enum { TOTAL = 2 * ZCOPY_DEFAULT_MAX_INFLIGHT + 1 };
	int file = make_file(NULL, 10, 11), i, n, got;
	struct zcopy_cqe cqe[64];

	ASSERT_LE(0, file);
	setup(_metadata, 0, 0);
	for (i = 0; i < TOTAL; i++)
		zcopy_prep(z, file, snd, 100, 0, 0, i);	/* empty ranges */
	n = zcopy_submit(z);
	EXPECT_LE(ZCOPY_DEFAULT_MAX_INFLIGHT, n);
	if (!rings)
		EXPECT_EQ(ZCOPY_DEFAULT_MAX_INFLIGHT, n);
	EXPECT_EQ(-EAGAIN, zcopy_submit(z));
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(0, wait10(&cqe[0]));
		EXPECT_EQ(i, cqe[0].user_data);	/* one socket: in order */
		EXPECT_EQ(0, cqe[0].res);
	}
	EXPECT_LE(1, zcopy_submit(z));
	/* The rest, many per call, submitting as room appears. */
	for (got = 64; got < TOTAL; got += n) {
		ASSERT_EQ(0, wait10(&cqe[0]));
		n = zcopy_peek_batch(z, cqe + 1, 63);
		n = n < 0 ? 1 : n + 1;
		for (i = 0; i < n; i++)
			ASSERT_EQ(got + i, cqe[i].user_data);
		if (zcopy_queued(z))
			zcopy_submit(z);
	}
	EXPECT_EQ(TOTAL, got);
	EXPECT_EQ(0, zcopy_queued(z));
	close(file);
	teardown();
}

/*
 * More entries than the rings hold, and a response longer than the SQ
 * (libzcopy sends that one as an array): all in order, byte for byte,
 * whatever the mode.
 */
TEST(long_batches_and_long_responses_in_order)
{
	enum { SINGLE = 1000, LINKED = 300 };
	int file = make_file(NULL, 4096, 12), i, n, got = 0;
	unsigned char body[4096], *expect;
	struct zcopy_cqe cqe[64];
	size_t elen = 0;
	struct reader r;

	ASSERT_LE(0, file);
	ASSERT_EQ(sizeof(body), pread(file, body, sizeof(body), 0));
	setup(_metadata, 1, 0);
	expect = malloc(SINGLE * 3 + LINKED * 2);
	ASSERT_TRUE(expect != NULL);
	for (i = 0; i < SINGLE; i++) {
		ASSERT_EQ(0, zcopy_prep(z, file, snd, i % 4000, 3, 0, i));
		memcpy(expect + elen, body + i % 4000, 3);
		elen += 3;
	}
	for (i = 0; i < LINKED; i++) {
		ASSERT_EQ(0, zcopy_prep_buffer(z, snd, "ab", 2,
					       i + 1 < LINKED ? ZCOPY_F_LINK : 0,
					       SINGLE + i));
		memcpy(expect + elen, "ab", 2);
		elen += 2;
	}
	ASSERT_EQ(0, reader_start(&r, rcv, elen, 65536, 0));
	while (zcopy_queued(z)) {
		n = zcopy_submit(z);
		ASSERT_TRUE(n > 0 || n == -EAGAIN);
		while ((n = zcopy_peek_batch(z, cqe, 64)) > 0) {
			for (i = 0; i < n; i++)
				ASSERT_EQ(got + i, cqe[i].user_data);
			got += n;
		}
	}
	while (got < SINGLE + LINKED) {
		ASSERT_EQ(0, wait10(&cqe[0]));
		ASSERT_EQ(got, cqe[0].user_data);
		got++;
	}
	shutdown(snd, SHUT_WR);
	EXPECT_EQ(elen, reader_join(&r));
	EXPECT_EQ(0, memcmp(expect, r.buf, elen));
	free(r.buf);
	free(expect);
	close(file);
	teardown();
}

ZC_HARNESS_MAIN
