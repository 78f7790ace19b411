// SPDX-License-Identifier: GPL-2.0
/*
 * Copy mode ("Copy mode" in Documentation/zcopy.rst): with the
 * administrator's copy-mode on, a transfer copies the file's bytes into
 * the socket's own pages, and no page-cache page is ever in a network
 * buffer; everything else stays.  Each case runs with copy mode off and
 * on, over plain TCP and kernel TLS: a page that a socket still holds
 * stays cached through POSIX_FADV_DONTNEED, so a file whose bytes wait
 * in a connection the peer does not read can be dropped from the cache
 * only in copy mode.
 */
#include "zc_util.h"

#include <limits.h>

#include "kselftest_harness.h"

#define SIZE		(1 << 20)
#define TIMEOUT_MS	60000

FIXTURE(copy) {
	int zc, fd, tx, rx;
	long long was;		/* copy-mode before the case */
	char path[PATH_MAX];
};

FIXTURE_VARIANT(copy) {
	bool copy;
	bool ktls;	/* kernel TLS 1.3 on the connection, buffers small */
};

FIXTURE_VARIANT_ADD(copy, zero_copy) {
	.copy = false,
};

FIXTURE_VARIANT_ADD(copy, copy_mode) {
	.copy = true,
};

FIXTURE_VARIANT_ADD(copy, ktls_zero_copy) {
	.copy = false,
	.ktls = true,
};

FIXTURE_VARIANT_ADD(copy, ktls_copy_mode) {
	.copy = true,
	.ktls = true,
};

FIXTURE_SETUP(copy)
{
	const char *dir = getenv("ZCOPY_SCRATCH");

	self->zc = self->fd = self->tx = self->rx = -1;
	self->was = -1;
	if (!dir)
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	snprintf(self->path, sizeof(self->path), "%s/copymode", dir);
	self->fd = make_file(self->path, SIZE, 8);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));	/* clean: droppable when free */
	self->was = zc_config_set8(ZCOPY_A_CONFIG_COPY_MODE, variant->copy);
	ASSERT_LE(0, self->was);
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &self->tx, &self->rx,
				  variant->ktls ? TCP_PAIR_SMALL : 0));
	if (variant->ktls && zc_ktls_set(self->tx, TLS_TX, TLS_1_3_VERSION))
		SKIP(return, "no kTLS transmit: %s", strerror(errno));
	if (variant->ktls)
		ASSERT_EQ(0, zc_ktls_set(self->rx, TLS_RX, TLS_1_3_VERSION));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
}

FIXTURE_TEARDOWN(copy)
{
	if (self->was >= 0)
		zc_config_set8(ZCOPY_A_CONFIG_COPY_MODE, self->was);
	close(self->zc);
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(self->path);
}

/* ZCOPY_IOC_PROBE and the configuration say which mode is on. */
TEST_F(copy, probe_and_config_say_so)
{
	struct zcopy_probe p;

	ASSERT_EQ(0, ioctl(self->zc, ZCOPY_IOC_PROBE, &p));
	EXPECT_EQ(variant->copy, !!(p.features & ZCOPY_FEAT_COPY_MODE));
	EXPECT_EQ(variant->copy, zc_genl_get(ZCOPY_CMD_CONFIG_GET,
					     ZCOPY_A_CONFIG_COPY_MODE));
	/* A switch: 2 is out of range, and changes nothing. */
	EXPECT_EQ(-1, zc_config_set8(ZCOPY_A_CONFIG_COPY_MODE, 2));
	EXPECT_EQ(variant->copy, zc_genl_get(ZCOPY_CMD_CONFIG_GET,
					     ZCOPY_A_CONFIG_COPY_MODE));
}

/*
 * A connection whose peer reads nothing yet.  Over plain TCP, 64 KiB
 * handed to it wait in the peer's receive queue (loopback): zero-copy,
 * their frags are the file's pages, which stay cached.  Over kernel TLS
 * the layer drops its plaintext once TCP takes the records, so a
 * megabyte fills the connection, and the open record and those TCP has
 * no room for keep their pages, at some moments only (zero-copy, the
 * case logs what it saw); so it looks eight times while the peer reads
 * a little at a time, and in copy mode each look must find none.  In
 * copy mode the socket's pages are its own, and the file's drop.  The
 * bytes are the file's either way, and the counters say how they went.
 */
TEST_F(copy, no_page_cache_page_in_the_socket)
{
	const size_t off = variant->ktls ? 1000 : 0;
	const size_t len = variant->ktls ? SIZE - off : 64 << 10;
	long long zerocopy = stat_value(ZCOPY_A_STATS_BYTES_ZEROCOPY);
	long long copied = stat_value(ZCOPY_A_STATS_BYTES_COPIED);
	unsigned char *want = malloc(len), *got = malloc(len);
	struct zcopy_cqe cqe;
	long left = 0;
	size_t n = 0;
	ssize_t r;
	int i;

	ASSERT_TRUE(want && got);
	ASSERT_EQ((ssize_t)len, pread(self->fd, want, len, off));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, off, len, 1, 0));
	if (!variant->ktls)
		ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	for (i = 0; i < (variant->ktls ? 8 : 1); i++) {
		if (variant->ktls)	/* it stops where the connection is full */
			usleep(zc_ms(100) * 1000);
		ASSERT_EQ(0, posix_fadvise(self->fd, 0, off + len,
					   POSIX_FADV_DONTNEED));
		left += resident_range(self->fd, 0, off + len);
		r = variant->ktls ? read(self->rx, got + n, 96 << 10) : 0;
		n += r > 0 ? r : 0;
	}
	TH_LOG("%ld pages still cached, over %d looks", left, i);
	/* Zero-copy over TCP, some at least: the peer's queue holds them. */
	if (variant->copy) {
		EXPECT_EQ(0, left);
	} else if (!variant->ktls) {
		EXPECT_LT(0, left);
	}
	while (n < len && (r = read(self->rx, got + n, len - n)) > 0)
		n += r;
	EXPECT_EQ(len, n);
	EXPECT_EQ(0, memcmp(want, got, len));
	if (variant->ktls)
		ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)len, cqe.res);
	EXPECT_EQ(variant->copy ? 0 : (long long)len,
		  stat_value(ZCOPY_A_STATS_BYTES_ZEROCOPY) - zerocopy);
	EXPECT_EQ(variant->copy ? (long long)len : 0,
		  stat_value(ZCOPY_A_STATS_BYTES_COPIED) - copied);
	free(want);
	free(got);
}

/*
 * ZCOPY_F_RELEASE with ZCOPY_F_DONTCACHE still completes once the pages
 * are free (in copy mode, once copied, and says so), and leaves a cold
 * file uncached; the peer gets the file.
 */
TEST_F(copy, release_and_dontcache_still_work)
{
	struct zcopy_cqe cqe;
	struct receiver r;

	ASSERT_EQ(0, posix_fadvise(self->fd, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, receiver_start(&r, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, SIZE, 7,
				ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(SIZE, cqe.res);
	EXPECT_EQ(0, cqe.error);
	if (variant->copy)
		EXPECT_TRUE(cqe.flags & ZCOPY_CQE_F_COPIED);
	EXPECT_EQ(0, resident_pages(self->fd, SIZE));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&r);
	EXPECT_EQ(SIZE, r.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, SIZE), r.hash);
}

ZC_HARNESS_MAIN
