// SPDX-License-Identifier: GPL-2.0
/*
 * Responses: bytes of the caller's memory (ZCOPY_F_BUFFER) and file
 * ranges, interleaved on a socket in submission order, the entries of
 * one response (ZCOPY_F_LINK) queued together so that they share
 * segments and fail together, and the checks and limits on buffers.
 */
#include <stddef.h>

#include "zc_util.h"

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-response"
#define TIMEOUT_MS	30000

static struct zcopy_sqe buf_sqe(int sock, const void *buf, uint32_t len,
				uint64_t user_data, uint32_t flags)
{
	struct zcopy_sqe sqe = {
		.file_fd = -1, .sock_fd = sock, .addr = (uintptr_t)buf,
		.len = len, .user_data = user_data,
		.flags = flags | ZCOPY_F_BUFFER,
	};

	return sqe;
}

/* Submit all @nr entries, again after a partial acceptance. */
static int submit_all(int zc, struct zcopy_sqe *sqes, unsigned int nr)
{
	unsigned int done = 0;
	int n;

	while (done < nr) {
		n = zc_submit(zc, sqes + done, nr - done);
		if (n < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/*
 * TCP_INFO as the kernel gives it since 4.6: libc's struct tcp_info
 * stops before the counters of segments.
 */
struct tcp_info_segs {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
	uint32_t data_segs_in, data_segs_out;
};
_Static_assert(offsetof(struct tcp_info_segs, pacing_rate) == 104,
	       "libc's struct tcp_info is not the kernel's first 104 bytes");

/* Segments with data that @fd has sent; 0 if the kernel does not say. */
static uint32_t data_segs_out(int fd)
{
	struct tcp_info_segs ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return ti.data_segs_out;
}

/* Up to @max completions, waiting up to a second for the first. */
static unsigned int reap(int zc, struct zcopy_cqe *cqes, unsigned int max)
{
	struct pollfd pfd = { .fd = zc, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, 1000) <= 0)
		return 0;
	n = read(zc, cqes, max * sizeof(*cqes));
	return n > 0 ? n / sizeof(*cqes) : 0;
}

/* Read exactly @len bytes of @fd into @buf; returns what it got. */
static size_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/*
 * Many responses on several sockets at once, each a header from a
 * scratch buffer that is rewritten as soon as SUBMIT returns, a range
 * of the file, and sometimes a trailer of up to ZCOPY_BUFFER_MAX bytes;
 * batches that end inside a response.  Each peer gets exactly its
 * stream, byte for byte, and every entry completes with its length.
 */
TEST(interleaved_buffers_and_ranges_arrive_in_order)
{
	enum { SOCKS = 4, RESP = 40, BATCH = 37, FSIZE = 1 << 20 };
	unsigned int nsqe = 0, i, s, r, first, n;
	static char scratch[SOCKS * RESP][96];
	int zc, fd, tx[SOCKS], rx[SOCKS];
	unsigned char *file, *expect[SOCKS], *trailer;
	size_t elen[SOCKS] = { 0 }, cap = 0;
	struct reader rd[SOCKS];
	struct zcopy_sqe *sqe;
	struct zcopy_cqe cqe[64];
	uint64_t off, len;
	long long deadline;
	int got = 0;

	srand(23);
	zc = zc_open();
	ASSERT_LE(0, zc);
	fd = make_file(TMPFILE, FSIZE, 31);
	ASSERT_LE(0, fd);
	file = malloc(FSIZE);
	trailer = malloc(ZCOPY_BUFFER_MAX);
	sqe = calloc(SOCKS * RESP * 3, sizeof(*sqe));
	ASSERT_TRUE(file && trailer && sqe);
	ASSERT_EQ(FSIZE, pread(fd, file, FSIZE, 0));
	fill_pattern(trailer, 32, 0, ZCOPY_BUFFER_MAX);
	for (s = 0; s < SOCKS; s++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, &tx[s], &rx[s]));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx[s]));
		expect[s] = malloc(RESP * (96 + FSIZE / 8 + ZCOPY_BUFFER_MAX));
		ASSERT_TRUE(expect[s]);
	}
	for (r = 0; r < RESP; r++) {
		for (s = 0; s < SOCKS; s++) {
			char *h = scratch[r * SOCKS + s];
			bool tail = rand() % 3 == 0;

			len = 1 + rand() % (FSIZE / 8);
			off = rand() % (FSIZE - len);
			n = snprintf(h, 96, "HTTP/1.1 200 OK\r\nX-Resp: %u.%u\r\n"
				     "Content-Length: %llu\r\n\r\n", s, r,
				     (unsigned long long)len);
			sqe[nsqe] = buf_sqe(tx[s], h, n, nsqe + 1,
					    ZCOPY_F_LINK);
			nsqe++;
			memcpy(expect[s] + elen[s], h, n);
			elen[s] += n;
			sqe[nsqe] = zc_sqe(fd, tx[s], off, len, nsqe + 1,
					   tail ? ZCOPY_F_LINK : 0);
			nsqe++;
			memcpy(expect[s] + elen[s], file + off, len);
			elen[s] += len;
			if (tail) {
				n = 1 + rand() % ZCOPY_BUFFER_MAX;
				first = rand() % (ZCOPY_BUFFER_MAX - n + 1);
				sqe[nsqe] = buf_sqe(tx[s], trailer + first,
						    n, nsqe + 1, 0);
				nsqe++;
				memcpy(expect[s] + elen[s], trailer + first, n);
				elen[s] += n;
			}
		}
	}
	for (s = 0; s < SOCKS; s++) {
		ASSERT_EQ(0, reader_start(&rd[s], rx[s], elen[s], 65536, 0));
		cap += elen[s];
	}
	for (first = 0; first < nsqe; first += n) {
		n = nsqe - first < BATCH ? nsqe - first : BATCH;
		ASSERT_EQ(0, submit_all(zc, sqe + first, n));
		/* The module copied the headers: rewrite them. */
		for (i = first; i < first + n; i++)
			if (sqe[i].flags & ZCOPY_F_BUFFER &&
			    (char *)(uintptr_t)sqe[i].addr >= scratch[0] &&
			    (char *)(uintptr_t)sqe[i].addr < scratch[SOCKS * RESP])
				memset((void *)(uintptr_t)sqe[i].addr, 'X',
				       sqe[i].len);
	}
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (got < (int)nsqe && now_ms() < deadline) {
		n = reap(zc, cqe, ARRAY_SIZE(cqe));
		for (i = 0; i < n; i++) {
			struct zcopy_sqe *e = &sqe[cqe[i].user_data - 1];

			EXPECT_EQ(0, cqe[i].error);
			EXPECT_EQ((long long)e->len, cqe[i].res);
		}
		got += n;
	}
	EXPECT_EQ(nsqe, got);
	for (s = 0; s < SOCKS; s++) {
		shutdown(tx[s], SHUT_WR);
		EXPECT_EQ(elen[s], reader_join(&rd[s]));
		EXPECT_EQ(0, memcmp(expect[s], rd[s].buf, elen[s]))
			TH_LOG("socket %u: the stream differs", s);
		free(rd[s].buf);
		free(expect[s]);
		close(tx[s]);
		close(rx[s]);
	}
	TH_LOG("%u entries, %zu bytes", nsqe, cap);
	free(sqe);
	free(trailer);
	free(file);
	close(fd);
	close(zc);
	unlink(TMPFILE);
}

/*
 * A 200-byte header linked to a 4 KiB file on an idle connection leaves
 * in one segment; unlinked, the header goes out as soon as it is
 * submitted, alone.
 */
TEST(linked_header_and_body_share_a_segment)
{
	static const uint32_t flags[] = { ZCOPY_F_LINK, 0 };
	static const uint32_t segs[] = { 1, 2 };
	char hdr[200], buf[200 + 4096];
	int zc, fd, tx, rx, one = 1;
	struct zcopy_sqe sqe[2];
	struct zcopy_cqe cqe[2];
	unsigned int i;
	uint32_t before;

	fd = make_file(TMPFILE, 4096, 33);
	ASSERT_LE(0, fd);
	memset(hdr, 'h', sizeof(hdr));
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		zc = zc_open();
		ASSERT_LE(0, zc);
		ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
		/* Acks at once: nothing else holds a segment back. */
		setsockopt(rx, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
		before = data_segs_out(tx);
		sqe[0] = buf_sqe(tx, hdr, sizeof(hdr), 1, flags[i]);
		sqe[1] = zc_sqe(fd, tx, 0, 4096, 2, 0);
		ASSERT_EQ(2, zc_submit(zc, sqe, 2));
		ASSERT_EQ(2, zc_wait(zc, cqe, 2, TIMEOUT_MS));
		ASSERT_EQ(sizeof(buf), read_full(rx, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(buf, hdr, sizeof(hdr)));
		EXPECT_EQ(hash_file(fd, HASH_INIT, 0, 4096),
			  hash_bytes(HASH_INIT, buf + sizeof(hdr), 4096));
		EXPECT_EQ(segs[i], data_segs_out(tx) - before)
			TH_LOG("flags %#x", flags[i]);
		close(zc);
		close(tx);
		close(rx);
	}
	close(fd);
	unlink(TMPFILE);
}

/*
 * The module keeps a buffer of up to 256 bytes inside its transfer's
 * record and a larger one in memory of its own: buffers either side of
 * that size, rewritten as soon as SUBMIT returns, arrive whole and in
 * order, each completing with its length.
 */
TEST(buffers_either_side_of_the_inline_size_arrive_whole)
{
	static const uint32_t lens[] = { 1, 255, 256, 257, 4096, 200 };
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	static unsigned char src[N][4096], expect[N * 4096], got[N * 4096];
	struct zcopy_sqe sqe[N];
	struct zcopy_cqe cqe[N];
	int zc, tx, rx, i, j;
	size_t total = 0;

	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	for (i = 0; i < N; i++) {
		fill_pattern(src[i], 40 + i, 0, lens[i]);
		memcpy(expect + total, src[i], lens[i]);
		total += lens[i];
		sqe[i] = buf_sqe(tx, src[i], lens[i], i + 1, 0);
	}
	ASSERT_EQ(N, zc_submit(zc, sqe, N));
	memset(src, 0, sizeof(src));	/* copied at SUBMIT */
	ASSERT_EQ(N, zc_wait(zc, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++) {
		j = cqe[i].user_data - 1;
		ASSERT_TRUE(j >= 0 && j < N);
		EXPECT_EQ(0, cqe[i].error);
		EXPECT_EQ(lens[j], cqe[i].res) TH_LOG("buffer of %u", lens[j]);
	}
	ASSERT_EQ(total, read_full(rx, got, total));
	EXPECT_EQ(0, memcmp(got, expect, total));
	close(zc);
	close(tx);
	close(rx);
}

FIXTURE(resp) {
	int zc, tx, rx, fd;
	struct receiver recv;
};

/* A file of 32 MiB, and a connection whose peer does not read yet. */
FIXTURE_SETUP(resp)
{
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &self->tx, &self->rx,
				  TCP_PAIR_SMALL));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	self->fd = make_file(TMPFILE, 32 * MiB, 34);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(resp)
{
	close(self->zc);
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(TMPFILE);
}

/*
 * Entries that cannot be buffers are refused with the errno that says
 * why, before anything is held: nothing completes, no transfer lives.
 */
TEST_F(resp, bad_buffers_are_refused)
{
	static char big[ZCOPY_BUFFER_MAX + 1];
	const struct {
		struct zcopy_sqe sqe;
		int err;
	} bad[] = {
		{ buf_sqe(self->tx, "x", 1, 1, ZCOPY_F_RELEASE), EINVAL },
		{ buf_sqe(self->tx, "x", 1, 1, ZCOPY_F_DONTCACHE), EINVAL },
		{ buf_sqe(self->tx, "x", 0, 1, 0), EINVAL },
		{ buf_sqe(self->tx, big, sizeof(big), 1, 0), EMSGSIZE },
		{ buf_sqe(self->tx, (void *)16, 100, 1, 0), EFAULT },
		{ buf_sqe(self->tx, (void *)16, 1000, 1, 0), EFAULT },
		{ buf_sqe(self->tx, big, 100, 1, 1U << 31), EINVAL },
		{ buf_sqe(self->fd, "x", 1, 1, 0), ENOENT },
		{ buf_sqe(-1, "x", 1, 1, 0), EBADF },
	};
	struct zcopy_sqe sqe;
	struct zcopy_cqe cqe;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sqe = bad[i].sqe;
		EXPECT_EQ(-1, zc_submit(self->zc, &sqe, 1));
		EXPECT_EQ(bad[i].err, errno) TH_LOG("entry %u", i);
	}
	/* A file descriptor where a buffer has none. */
	sqe = buf_sqe(self->tx, "x", 1, 1, 0);
	sqe.file_fd = self->fd;
	EXPECT_EQ(-1, zc_submit(self->zc, &sqe, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, zc_wait(self->zc, &cqe, 1, 0));
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
}

/*
 * SUBMIT takes whole responses: an entry refused inside one (here one
 * that leaves the response's socket, one whose bytes cannot be read)
 * drops the response's earlier entries, which never complete nor reach
 * the wire, and SUBMIT counts only the responses before it.
 */
TEST_F(resp, refused_entry_drops_its_whole_response)
{
	struct zcopy_sqe sqe[4];
	struct zcopy_cqe cqe[2];
	int tx2, rx2;

	ASSERT_EQ(0, tcp_pair(AF_INET, &tx2, &rx2));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, tx2));
	sqe[0] = buf_sqe(self->tx, "one", 3, 1, 0);
	sqe[1] = buf_sqe(self->tx, "head", 4, 2, ZCOPY_F_LINK);
	sqe[2] = zc_sqe(self->fd, self->tx, 0, 4096, 3, ZCOPY_F_LINK);
	sqe[3] = buf_sqe(tx2, "tail", 4, 4, 0);
	EXPECT_EQ(1, zc_submit(self->zc, sqe, 4));
	EXPECT_EQ(-1, zc_submit(self->zc, sqe + 1, 3));
	EXPECT_EQ(EINVAL, errno);
	sqe[3] = buf_sqe(self->tx, (void *)16, 4, 4, 0);
	EXPECT_EQ(-1, zc_submit(self->zc, sqe + 1, 3));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_wait(self->zc, cqe, 2, 1000));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(3, cqe[0].res);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(3, self->recv.bytes);
	EXPECT_EQ(hash_bytes(HASH_INIT, "one", 3), self->recv.hash);
	close(tx2);
	close(rx2);
}

/*
 * Responses that could never be taken whole are refused for good, not
 * with EAGAIN: more entries than max_inflight (E2BIG), ranges adding up
 * past LLONG_MAX (EFBIG).  Nothing of them is held.
 */
TEST_F(resp, impossible_responses_are_refused_for_good)
{
	int big = memfd_create("zcopy-huge", MFD_CLOEXEC);
	struct zcopy_sqe sqe[3];
	long long old;

	ASSERT_LE(0, big);
	ASSERT_EQ(0, ftruncate(big, 1LL << 62));	/* sparse */
	sqe[0] = zc_sqe(big, self->tx, 0, 0, 1, ZCOPY_F_LINK);
	sqe[1] = zc_sqe(big, self->tx, 0, 0, 2, 0);
	EXPECT_EQ(-1, zc_submit(self->zc, sqe, 2));
	EXPECT_EQ(EFBIG, errno);

	old = zc_config_set(ZCOPY_A_CONFIG_MAX_INFLIGHT, 2);
	ASSERT_LE(0, old);
	sqe[0] = buf_sqe(self->tx, "a", 1, 1, ZCOPY_F_LINK);
	sqe[1] = buf_sqe(self->tx, "b", 1, 2, ZCOPY_F_LINK);
	sqe[2] = buf_sqe(self->tx, "c", 1, 3, 0);
	EXPECT_EQ(-1, zc_submit(self->zc, sqe, 3));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(2, zc_submit(self->zc, sqe + 1, 2));
	EXPECT_LE(0, zc_config_set(ZCOPY_A_CONFIG_MAX_INFLIGHT, old));
	close(big);
}

/*
 * The body of a response ends early (its file shrinks while it waits
 * for room): its trailer, and the next response, complete -ECANCELED,
 * and the peer gets the header and the part of the body that went.
 */
TEST_F(resp, failure_inside_a_response_cancels_the_rest)
{
	struct zcopy_sqe sqe[4] = {
		buf_sqe(self->tx, "HEAD", 4, 1, ZCOPY_F_LINK),
		zc_sqe(self->fd, self->tx, 0, 0, 2, ZCOPY_F_LINK),
		buf_sqe(self->tx, "TAIL", 4, 3, 0),
		buf_sqe(self->tx, "NEXT", 4, 4, 0),
	};
	struct zcopy_cqe cqe[4], by_ud[4];
	uint64_t h;
	int i;

	ASSERT_EQ(4, zc_submit(self->zc, sqe, 4));
	usleep(200000);
	ASSERT_EQ(0, zc_wait(self->zc, cqe, 1, 0));
	ASSERT_EQ(0, ftruncate(self->fd, MiB));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(4, zc_wait(self->zc, cqe, 4, TIMEOUT_MS));
	for (i = 0; i < 4; i++)
		by_ud[cqe[i].user_data - 1] = cqe[i];
	EXPECT_EQ(4, by_ud[0].res);
	EXPECT_EQ(MiB, by_ud[1].res);
	EXPECT_EQ(-ENODATA, by_ud[1].error);
	EXPECT_EQ(-ECANCELED, by_ud[2].res);
	EXPECT_EQ(-ECANCELED, by_ud[3].res);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(4 + MiB, self->recv.bytes);
	h = hash_bytes(HASH_INIT, "HEAD", 4);
	EXPECT_EQ(hash_file(self->fd, h, 0, MiB), self->recv.hash);
}

/*
 * A buffer's bytes count against max_pinned as a file range's do:
 * behind a range that holds all but 64 KiB of the limit, a 64 KiB
 * buffer is taken, and then no new response.  A response admitted at
 * its first entry is admitted whole, however large its range.
 */
TEST_F(resp, buffers_count_against_max_pinned)
{
	static char block[ZCOPY_BUFFER_MAX];
	uint64_t range = ZCOPY_DEFAULT_MAX_PINNED - sizeof(block);
	struct zcopy_sqe sqe[3];

	if (zc_genl_get(ZCOPY_CMD_CONFIG_GET, ZCOPY_A_CONFIG_MAX_PINNED) !=
	    (long long)ZCOPY_DEFAULT_MAX_PINNED)
		SKIP(return, "max_pinned is not the default");
	ASSERT_EQ(0, ftruncate(self->fd, 2 * range));	/* sparse */
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, range, 1, 0));
	sqe[0] = buf_sqe(self->tx, block, sizeof(block), 2, 0);
	EXPECT_EQ(1, zc_submit(self->zc, sqe, 1));
	sqe[0] = buf_sqe(self->tx, block, 1, 3, 0);
	EXPECT_EQ(-1, zc_submit(self->zc, sqe, 1));
	EXPECT_EQ(EAGAIN, errno);

	/* Another context: a header, the same range, a trailer. */
	close(self->zc);
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	sqe[0] = buf_sqe(self->tx, block, 100, 1, ZCOPY_F_LINK);
	sqe[1] = zc_sqe(self->fd, self->tx, 0, 2 * range, 2, ZCOPY_F_LINK);
	sqe[2] = buf_sqe(self->tx, block, 100, 3, 0);
	EXPECT_EQ(3, zc_submit(self->zc, sqe, 3));
	EXPECT_EQ(-1, zc_submit(self->zc, sqe, 1));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * A user's buffered bytes are bounded over all its contexts: behind
 * transfers that wait for peers that do not read, one context takes
 * 40 MiB of buffers, another the rest of the user's 64 MiB, and then
 * ENOBUFS; once the second closes, the first may buffer again.
 */
TEST_F(resp, user_buffered_bytes_are_bounded)
{
	static char block[ZCOPY_BUFFER_MAX];
	struct zcopy_sqe a = buf_sqe(self->tx, block, sizeof(block), 2, 0);
	struct zcopy_sqe b;
	int zc2, tx2, rx2, i, n = 0;

	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 1, 0));
	for (i = 0; i < 640; i++)
		ASSERT_EQ(1, zc_submit(self->zc, &a, 1));
	zc2 = zc_open();
	ASSERT_LE(0, zc2);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx2, &rx2, TCP_PAIR_SMALL));
	ASSERT_EQ(0, zc_reg(zc2, ZCOPY_IOC_REGISTER, tx2));
	ASSERT_EQ(1, zc_submit1(zc2, self->fd, tx2, 0, 0, 1, 0));
	b = buf_sqe(tx2, block, sizeof(block), 2, 0);
	while (n < 1024 && zc_submit(zc2, &b, 1) == 1)
		n++;
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(1024 - 640, n);
	EXPECT_EQ(-1, zc_submit(self->zc, &a, 1));
	EXPECT_EQ(ENOBUFS, errno);
	close(zc2);
	EXPECT_EQ(1, zc_submit(self->zc, &a, 1));
	close(tx2);
	close(rx2);
}

/*
 * A ZCOPY_F_GROUP response completes once: its last entry's user_data,
 * the bytes of all its entries.  Every entry of it must say so.
 */
TEST_F(resp, group_completes_once_with_its_total)
{
	const uint32_t g = ZCOPY_F_GROUP;
	struct zcopy_sqe sqe[3] = {
		buf_sqe(self->tx, "HEAD", 4, 1, g | ZCOPY_F_LINK),
		zc_sqe(self->fd, self->tx, 0, 4096, 2, g | ZCOPY_F_LINK |
		       ZCOPY_F_RELEASE),
		buf_sqe(self->tx, "TAIL", 4, 3, g),
	};
	struct zcopy_cqe cqe[3];

	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(3, zc_submit(self->zc, sqe, 3));
	ASSERT_EQ(1, zc_wait(self->zc, cqe, 3, 2000));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(4 + 4096 + 4, cqe[0].res);
	EXPECT_EQ(0, cqe[0].error);

	/* Mixed: the entry that differs from its response's first. */
	sqe[2].flags &= ~g;
	EXPECT_EQ(-1, zc_submit(self->zc, sqe, 3));
	EXPECT_EQ(EINVAL, errno);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(4 + 4096 + 4, self->recv.bytes);
}

/*
 * A group whose body ends early (its file shrinks while it waits for
 * room) completes once: the bytes the peer got, and why it ended.
 */
TEST_F(resp, group_failure_reports_bytes_and_error)
{
	const uint32_t g = ZCOPY_F_GROUP;
	struct zcopy_sqe sqe[3] = {
		buf_sqe(self->tx, "HEAD", 4, 1, g | ZCOPY_F_LINK),
		zc_sqe(self->fd, self->tx, 0, 0, 2, g | ZCOPY_F_LINK),
		buf_sqe(self->tx, "TAIL", 4, 3, g),
	};
	struct zcopy_cqe cqe[3];

	ASSERT_EQ(3, zc_submit(self->zc, sqe, 3));
	usleep(200000);
	ASSERT_EQ(0, ftruncate(self->fd, MiB));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_wait(self->zc, cqe, 3, 2000));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(4 + MiB, cqe[0].res);
	EXPECT_EQ(-ENODATA, cqe[0].error);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(4 + MiB, self->recv.bytes);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
}

/*
 * CANCEL counts a group once, however many of its entries match, and
 * the group then completes once, cancelled, under its last user_data.
 */
TEST_F(resp, cancel_counts_a_group_once)
{
	const uint32_t g = ZCOPY_F_GROUP;
	struct zcopy_sqe sqe[3] = {
		zc_sqe(self->fd, self->tx, 0, 0, 1, 0),
		buf_sqe(self->tx, "HEAD", 4, 7, g | ZCOPY_F_LINK),
		zc_sqe(self->fd, self->tx, 0, 4096, 7, g),
	};
	struct zcopy_cqe cqe[3];

	ASSERT_EQ(3, zc_submit(self->zc, sqe, 3));
	usleep(100000);
	EXPECT_EQ(1, zc_cancel(self->zc, 7));
	ASSERT_EQ(1, zc_wait(self->zc, cqe, 3, 2000));
	EXPECT_EQ(7, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[0].error);
	EXPECT_EQ(-1, zc_cancel(self->zc, 7));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * The peer resets the connection while a response waits for room: the
 * entry being sent fails with the socket's errno, the rest of the
 * response is cancelled, and nothing is left behind.
 */
TEST_F(resp, reset_mid_response_completes_everything)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct zcopy_sqe sqe[3] = {
		buf_sqe(self->tx, "HEAD", 4, 1, ZCOPY_F_LINK),
		zc_sqe(self->fd, self->tx, 0, 0, 2, ZCOPY_F_LINK),
		buf_sqe(self->tx, "TAIL", 4, 3, 0),
	};
	struct zcopy_cqe cqe[3], by_ud[3];
	int i;

	ASSERT_EQ(3, zc_submit(self->zc, sqe, 3));
	usleep(100000);
	ASSERT_EQ(0, setsockopt(self->rx, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	close(self->rx);
	self->rx = -1;
	ASSERT_EQ(3, zc_wait(self->zc, cqe, 3, TIMEOUT_MS));
	for (i = 0; i < 3; i++)
		by_ud[cqe[i].user_data - 1] = cqe[i];
	EXPECT_EQ(4, by_ud[0].res);
	EXPECT_NE(0, by_ud[1].error);
	EXPECT_EQ(-ECANCELED, by_ud[2].res);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
}

ZC_HARNESS_MAIN
