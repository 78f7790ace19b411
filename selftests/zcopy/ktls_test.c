// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS ("kTLS" in Documentation/zcopy.rst): a socket with software
 * kTLS transmit keys takes transfers, file ranges and user bytes alike,
 * and every byte reaches the peer inside records it decrypts with the
 * same keys (TLS_RX): a byte that bypassed the record layer would fail
 * its authentication and end the read with an error, and over small
 * buffers most sends stop short.  A peer without keys sees full records.
 * Release completions wait for the TLS layer to let go of the pages,
 * until the socket is closed if need be.  What cannot be served is
 * refused at REGISTER with EOPNOTSUPP.
 */
#include "zc_util.h"

#include <limits.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-ktls"
#define FILE_SIZE	((1 << 20) + 333)
#define TIMEOUT_MS	60000

FIXTURE(ktls) {
	int zc, fd, tx, rx;
	struct receiver r;
};

FIXTURE_VARIANT(ktls) {
	uint16_t version;
	int pair_flags;		/* TCP_PAIR_SMALL: most sends stop short */
};

FIXTURE_VARIANT_ADD(ktls, tls12) {
	.version = TLS_1_2_VERSION,
};

FIXTURE_VARIANT_ADD(ktls, tls13) {
	.version = TLS_1_3_VERSION,
};

FIXTURE_VARIANT_ADD(ktls, tls13_small_buffers) {
	.version = TLS_1_3_VERSION,
	.pair_flags = TCP_PAIR_SMALL,
};

FIXTURE_SETUP(ktls)
{
	self->zc = -1;
	self->fd = make_file(TMPFILE, FILE_SIZE, 3);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &self->tx, &self->rx,
				  variant->pair_flags));
	if (zc_ktls_set(self->tx, TLS_TX, variant->version))
		SKIP(return, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, zc_ktls_set(self->rx, TLS_RX, variant->version));
	ASSERT_EQ(0, receiver_start(&self->r, self->rx));
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
}

FIXTURE_TEARDOWN(ktls)
{
	if (self->zc >= 0) {
		shutdown(self->tx, SHUT_WR);
		receiver_join(&self->r);
		close(self->zc);
	}
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(TMPFILE);
}

/*
 * Responses of every shape, one submission: user bytes linked with file
 * ranges, ranges that start and end inside pages, the whole file, and
 * ranges too small to fill a record.  The peer decrypts all of it, and
 * it is what was submitted, in order.
 */
TEST_F(ktls, responses_arrive_decrypted_and_whole)
{
	static const char *const heads[] = { "HTTP/1.1 200 OK\r\n\r\n", "-",
					     "\r\n--boundary\r\n" };
	const struct { uint64_t off, len; } ranges[] = {
		{ 0, 1 }, { 4095, 70000 }, { 0, FILE_SIZE }, { 12345, 4096 },
		{ FILE_SIZE - 7, 7 },
	};
	struct zcopy_sqe sqe[16];
	struct zcopy_cqe cqe[16];
	uint64_t want = HASH_INIT, bytes = 0;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		const char *h = heads[i % ARRAY_SIZE(heads)];

		sqe[n] = zc_sqe(-1, self->tx, 0, strlen(h), n,
				ZCOPY_F_BUFFER | ZCOPY_F_LINK);
		sqe[n++].addr = (uintptr_t)h;
		want = hash_bytes(want, h, strlen(h));
		sqe[n] = zc_sqe(self->fd, self->tx, ranges[i].off,
				ranges[i].len, n, 0);
		n++;
		want = hash_file(self->fd, want, ranges[i].off, ranges[i].len);
		bytes += strlen(h) + ranges[i].len;
	}
	ASSERT_EQ((int)n, zc_submit(self->zc, sqe, n));
	ASSERT_EQ((int)n, zc_wait(self->zc, cqe, n, TIMEOUT_MS));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, cqe[i].error) TH_LOG("entry %llu",
			(unsigned long long)cqe[i].user_data);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->r);
	close(self->zc);
	self->zc = -1;
	EXPECT_EQ(0, self->r.err) TH_LOG("the peer's read: %s",
					 strerror(self->r.err));
	EXPECT_EQ(bytes, self->r.bytes);
	EXPECT_EQ(want, self->r.hash);
}

/*
 * A file on the disk-backed scratch filesystem (tmpfs pages never leave
 * the page cache), written out, and dropped from the cache if @cold.
 */
static int scratch_file(char *path, const char *name, size_t size,
			unsigned int seed, bool cold)
{
	const char *dir = getenv("ZCOPY_SCRATCH");
	int fd;

	if (!dir)
		return -1;
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	fd = make_file(path, size, seed);
	if (fd < 0 || fsync(fd))
		return -1;
	if (cold && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		return -1;
	return fd;
}

/*
 * ZCOPY_F_RELEASE completes once the TLS layer has let go of the pages,
 * saying that they were copied (by the cipher); with ZCOPY_F_DONTCACHE
 * too, an uncached file is left uncached.  The peer reads it all.
 */
TEST_F(ktls, release_and_dontcache_complete_copied)
{
	const size_t size = 4 << 20, tail = 1 << 16;
	struct zcopy_sqe sqe[2];
	struct zcopy_cqe cqe[2];
	char path[PATH_MAX];
	uint64_t want;
	int fd, i;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	fd = scratch_file(path, "ktls-release", size, 4, true);
	ASSERT_LE(0, fd);
	/* The second's reads come after the first's, and are its own. */
	sqe[0] = zc_sqe(fd, self->tx, 0, size - tail, 0,
			ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE);
	sqe[1] = zc_sqe(fd, self->tx, size - tail, tail, 1, ZCOPY_F_RELEASE);
	ASSERT_EQ(2, zc_submit(self->zc, sqe, 2));
	ASSERT_EQ(2, zc_wait(self->zc, cqe, 2, TIMEOUT_MS));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ((int64_t)(cqe[i].user_data ? tail : size - tail),
			  cqe[i].res);
		EXPECT_EQ(0, cqe[i].error);
		EXPECT_TRUE(cqe[i].flags & ZCOPY_CQE_F_COPIED);
	}
	EXPECT_EQ(0, resident_range(fd, 0, size - tail));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->r);
	close(self->zc);
	self->zc = -1;
	EXPECT_EQ(0, self->r.err);
	EXPECT_EQ(size, self->r.bytes);
	/* Reading the file for its hash caches it: last. */
	want = hash_file(fd, HASH_INIT, 0, size);
	EXPECT_EQ(want, self->r.hash);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_PAGES, 0, TIMEOUT_MS));
	close(fd);
	unlink(path);
}

/* The reader got @size bytes, and they are @fd's first @size. */
static void reader_got_file(struct __test_metadata *_metadata,
			    struct reader *r, int fd, size_t size)
{
	unsigned char *file = malloc(size);

	EXPECT_EQ(size, reader_join(r));
	ASSERT_NE(NULL, file);
	ASSERT_EQ((ssize_t)size, pread(fd, file, size, 0));
	EXPECT_EQ(0, memcmp(file, r->buf, size));
	free(file);
	free(r->buf);
}

/*
 * A release completion comes only once the TLS layer holds none of the
 * transfer's pages: the open record takes the start of the next
 * transfer, and a full socket keeps encrypted records, with their
 * plaintext, waiting for TCP.  A page held by anyone stays cached
 * through POSIX_FADV_DONTNEED; so, as each completion arrives while
 * the peer reads slowly, its range must drop out of the cache.
 */
TEST(release_comes_once_the_tls_layer_lets_go)
{
	const size_t piece = 1 << 16, pieces = 64, size = piece * pieces;
	struct zcopy_sqe sqe[64];
	struct zcopy_cqe cqe;
	int zc = zc_open(), fd, tx, rx, copied = 0, still_held = 0;
	char path[PATH_MAX];
	unsigned int i;
	struct reader r;

	ASSERT_LE(0, zc);
	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	fd = scratch_file(path, "ktls-held", size, 5, false);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx, &rx, TCP_PAIR_SMALL));
	if (zc_ktls_set(tx, TLS_TX, TLS_1_3_VERSION))
		SKIP(goto out, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, zc_ktls_set(rx, TLS_RX, TLS_1_3_VERSION));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	for (i = 0; i < pieces; i++)
		sqe[i] = zc_sqe(fd, tx, i * piece, piece, i, ZCOPY_F_RELEASE);
	ASSERT_EQ((int)pieces, zc_submit(zc, sqe, pieces));
	ASSERT_EQ(0, reader_start(&r, rx, size, 4096, 200));

	for (i = 0; i < pieces; i++) {
		ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
		EXPECT_EQ((int64_t)piece, cqe.res);
		copied += !!(cqe.flags & ZCOPY_CQE_F_COPIED);
		posix_fadvise(fd, cqe.user_data * piece, piece,
			      POSIX_FADV_DONTNEED);
		if (resident_range(fd, cqe.user_data * piece, piece))
			still_held++;
	}
	TH_LOG("%d of %zu ranges still held at their release", still_held,
	       pieces);
	EXPECT_EQ(0, still_held);
	EXPECT_EQ((int)pieces, copied);
	reader_got_file(_metadata, &r, fd, size);
out:
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink(path);
}

/*
 * The peer resets the connection while the TLS layer holds records: it
 * keeps them, and their pages, until the socket is closed, so that is
 * when the last release completions come, whether the context is still
 * open or closed first (then it is freed after them).
 */
static void reset_then_close(struct __test_metadata *_metadata,
			     bool close_context_first)
{
	const size_t piece = 1 << 16, pieces = 32, size = piece * pieces;
	struct linger hard = { .l_onoff = 1, .l_linger = 0 };
	int zc, fd, tx, rx, got = 0, n;
	struct zcopy_sqe sqe[32];
	struct zcopy_cqe cqe[32];
	unsigned int i;

	ASSERT_EQ(0, contexts_settled());
	zc = zc_open();
	ASSERT_LE(0, zc);
	fd = make_file(TMPFILE "-reset", size, 6);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx, &rx, TCP_PAIR_SMALL));
	if (zc_ktls_set(tx, TLS_TX, TLS_1_2_VERSION))
		SKIP(goto out, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	for (i = 0; i < pieces; i++)
		sqe[i] = zc_sqe(fd, tx, i * piece, piece, i, ZCOPY_F_RELEASE);
	ASSERT_EQ((int)pieces, zc_submit(zc, sqe, pieces));
	/* Nothing read: the socket fills, and records wait for TCP. */
	usleep(zc_ms(200) * 1000);
	ASSERT_EQ(0, setsockopt(rx, SOL_SOCKET, SO_LINGER, &hard,
				sizeof(hard)));
	close(rx);
	rx = -1;
	usleep(zc_ms(200) * 1000);
	if (close_context_first) {
		close(zc);
		zc = -1;
		close(tx);
		tx = -1;
		EXPECT_EQ(0, contexts_settled());
	} else {
		n = zc_wait(zc, cqe, pieces, 100);
		got = n > 0 ? n : 0;
		TH_LOG("%d of %zu completions before the close", got, pieces);
		EXPECT_EQ(0, zc_reg(zc, ZCOPY_IOC_UNREGISTER, tx));
		close(tx);
		tx = -1;
		while (got < (int)pieces) {
			n = zc_wait(zc, cqe, pieces - got, TIMEOUT_MS);
			ASSERT_LT(0, n);
			got += n;
		}
	}
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_PAGES, 0, TIMEOUT_MS));
out:
	if (zc >= 0)
		close(zc);
	if (tx >= 0)
		close(tx);
	if (rx >= 0)
		close(rx);
	close(fd);
	unlink(TMPFILE "-reset");
}

TEST(reset_socket_releases_when_closed)
{
	reset_then_close(_metadata, false);
}

TEST(reset_socket_releases_after_its_context)
{
	reset_then_close(_metadata, true);
}

/*
 * With transfers queued and a peer that reads slowly, the protocol
 * cannot be attached again (EEXIST) nor the transmit keys changed
 * (EBUSY: these kernels have no TLS 1.3 key update for sending), and
 * the stream goes on whole under the keys it began with.
 */
TEST(ulp_and_keys_stay_while_transfers_go)
{
	const size_t size = 4 << 20;
	int zc = zc_open(), fd, tx, rx;
	struct zcopy_cqe cqe;
	struct reader r;

	ASSERT_LE(0, zc);
	fd = make_file(TMPFILE "-rekey", size, 12);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx, &rx, TCP_PAIR_SMALL));
	if (zc_ktls_set(tx, TLS_TX, TLS_1_3_VERSION))
		SKIP(goto out, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, zc_ktls_set(rx, TLS_RX, TLS_1_3_VERSION));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, size, 1, ZCOPY_F_RELEASE));
	ASSERT_EQ(0, reader_start(&r, rx, size, 16384, 100));
	EXPECT_EQ(-1, setsockopt(tx, IPPROTO_TCP, TCP_ULP, "tls",
				 sizeof("tls")));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, zc_ktls_keys(tx, TLS_TX, TLS_1_3_VERSION));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)size, cqe.res);
	reader_got_file(_metadata, &r, fd, size);
out:
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink(TMPFILE "-rekey");
}

/*
 * The records' sizes: @buf holds TLS 1.3 records as the wire carried
 * them.  Returns how many, with the plaintext length of the largest and
 * of the last, or -1 if @buf is not a whole run of data records.
 */
static int tls13_records(const unsigned char *buf, size_t len,
			 size_t *largest, size_t *last)
{
	/* The inner content type and the AEAD tag, past the plaintext. */
	const size_t overhead = 1 + 16;
	size_t off = 0, rec;
	int n = 0;

	*largest = *last = 0;
	while (off + 5 <= len) {
		rec = (size_t)buf[off + 3] << 8 | buf[off + 4];
		if (buf[off] != 23 || rec < overhead)
			return -1;
		*last = rec - overhead;
		if (*last > *largest)
			*largest = *last;
		off += 5 + rec;
		n++;
	}
	return off == len ? n : -1;
}

/*
 * Records as a peer without keys sees them: a 1 MiB file in one entry
 * goes out in full 16 KiB records, not a record per page or per send,
 * and a 200-byte head linked with a 4 KiB file in one record.  The file
 * is on tmpfs, so that nothing waits for the disk, which closes a
 * record (Documentation/zcopy.rst, "kTLS").
 */
TEST(records_are_full)
{
	const size_t size = 1 << 20, head = 200, body = 4096;
	int zc = zc_open(), fd, tx, rx, n;
	char hdr[200];
	struct zcopy_sqe sqe[2];
	struct zcopy_cqe cqe[2];
	size_t largest, last;
	struct reader r;

	ASSERT_LE(0, zc);
	fd = make_file(TMPFILE "-records", size, 9);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	if (zc_ktls_set(tx, TLS_TX, TLS_1_3_VERSION))
		SKIP(goto out, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, reader_start(&r, rx, 2 * size, 1 << 16, 0));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));

	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, size, 1, 0));
	ASSERT_EQ(1, zc_wait(zc, cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)size, cqe[0].res);
	memset(hdr, 'h', sizeof(hdr));
	sqe[0] = zc_sqe(-1, tx, 0, head, 2, ZCOPY_F_BUFFER | ZCOPY_F_LINK);
	sqe[0].addr = (uintptr_t)hdr;
	sqe[1] = zc_sqe(fd, tx, 0, body, 3, 0);
	ASSERT_EQ(2, zc_submit(zc, sqe, 2));
	ASSERT_EQ(2, zc_wait(zc, cqe, 2, TIMEOUT_MS));
	shutdown(tx, SHUT_WR);
	reader_join(&r);

	n = tls13_records(r.buf, r.got, &largest, &last);
	TH_LOG("%d records, the largest of %zu bytes", n, largest);
	EXPECT_EQ((int)(size / 16384) + 1, n);
	EXPECT_EQ(16384, largest);
	EXPECT_EQ(head + body, last);
	free(r.buf);
out:
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink(TMPFILE "-records");
}

/* Keys for receiving only: our sends would go out in clear text. */
TEST(receive_only_ktls_is_refused)
{
	int zc = zc_open(), tx, rx;

	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	if (zc_ktls_set(tx, TLS_RX, TLS_1_3_VERSION))
		SKIP(goto out, "no kTLS: %s", strerror(errno));
	EXPECT_EQ(-1, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(EOPNOTSUPP, errno);
out:
	close(zc);
	close(tx);
	close(rx);
}

ZC_HARNESS_MAIN
