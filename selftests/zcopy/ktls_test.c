// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS ("kTLS" in Documentation/zcopy.rst): a socket with software
 * kTLS transmit keys takes transfers, file ranges and user bytes alike,
 * and every byte reaches the peer inside records it decrypts with the
 * same keys (TLS_RX): a byte that bypassed the record layer would fail
 * its authentication and end the read with an error, and over small
 * buffers most sends stop short.  A peer without keys sees full records.  What cannot be served is refused at REGISTER
 * or SUBMIT with EOPNOTSUPP.
 */
#include "zc_util.h"

#include <linux/tls.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-ktls"
#define FILE_SIZE	((1 << 20) + 333)
#define TIMEOUT_MS	60000

/* Both ends use these keys, so the peer can read what the sender wrote. */
static void crypto_info(struct tls12_crypto_info_aes_gcm_128 *ci,
			uint16_t version)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, 0x4b, sizeof(ci->key));
	memset(ci->iv, 0x1a, sizeof(ci->iv));
	memset(ci->salt, 0x5a, sizeof(ci->salt));
}

/*
 * The tls module, where it is one: attaching the ULP loads it only for
 * CAP_NET_ADMIN.  A failure shows as the ULP's ENOENT, and the case is
 * skipped.
 */
static void load_tls(void)
{
	int ret;

	if (!geteuid())
		ret = system("modprobe -q tls 2>/dev/null");
	(void)ret;
}

/*
 * Attach the tls ULP to @fd and set its keys for @dir (TLS_TX, TLS_RX,
 * or 0 for none).  -1 with errno if the kernel refuses.
 */
static int ktls_set(int fd, int dir, uint16_t version)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -1;
	if (!dir)
		return 0;
	crypto_info(&ci, version);
	return setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci));
}

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
	load_tls();
	if (ktls_set(self->tx, TLS_TX, variant->version))
		SKIP(return, "no kTLS transmit: %s", strerror(errno));
	ASSERT_EQ(0, ktls_set(self->rx, TLS_RX, variant->version));
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
 * The stack's release of pages that kTLS took is reported to no one:
 * ZCOPY_F_RELEASE and ZCOPY_F_DONTCACHE are refused, and nothing sent.
 */
TEST_F(ktls, release_and_dontcache_are_refused)
{
	struct zcopy_sqe s = zc_sqe(self->fd, self->tx, 0, 4096, 1,
				    ZCOPY_F_RELEASE);

	EXPECT_EQ(-1, zc_submit(self->zc, &s, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
	s.flags = ZCOPY_F_DONTCACHE;
	EXPECT_EQ(-1, zc_submit(self->zc, &s, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->r);
	close(self->zc);
	self->zc = -1;
	EXPECT_EQ(0, self->r.bytes);
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
	load_tls();
	if (ktls_set(tx, TLS_TX, TLS_1_3_VERSION))
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
	load_tls();
	if (ktls_set(tx, TLS_RX, TLS_1_3_VERSION))
		SKIP(goto out, "no kTLS: %s", strerror(errno));
	EXPECT_EQ(-1, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(EOPNOTSUPP, errno);
out:
	close(zc);
	close(tx);
	close(rx);
}

ZC_HARNESS_MAIN
