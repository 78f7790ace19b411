// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers over loopback TCP: every byte arrives, in order, whatever the
 * size, alignment, number of transfers or sockets, and whether the file
 * was cached; completions reach epoll level- and edge-triggered; the two
 * completion points and ZCOPY_F_DONTCACHE do what the uapi says.
 *
 * Files live on tmpfs, except where the page cache matters (cold cache,
 * DONTCACHE): those use $ZCOPY_SCRATCH, a disk-backed filesystem that
 * tools/testing/run-tests.sh provides.
 */
#include "zc_util.h"

#include <limits.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/sendfile.h>

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-transfer"
#define TIMEOUT_MS	120000

FIXTURE(xfer) {
	int zc, tx, rx, fd;
	struct receiver recv;
};

FIXTURE_VARIANT(xfer) {
	int family;
};

FIXTURE_VARIANT_ADD(xfer, ipv4) { .family = AF_INET };
FIXTURE_VARIANT_ADD(xfer, ipv6) { .family = AF_INET6 };

FIXTURE_SETUP(xfer)
{
	self->fd = -1;
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair(variant->family, &self->tx, &self->rx));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
}

FIXTURE_TEARDOWN(xfer)
{
	close(self->zc);
	close(self->tx);
	close(self->rx);
	if (self->fd >= 0)
		close(self->fd);
	unlink(TMPFILE);
}

/*
 * Send [off, off + len) with one transfer and check what the peer got.
 * len == 0: to the end of the file.
 */
static void send_and_check(struct __test_metadata *_metadata,
			   FIXTURE_DATA(xfer) *self, uint64_t off,
			   uint64_t len, uint64_t expect)
{
	struct zcopy_cqe cqe;

	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, off, len, 7, 0));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(7, cqe.user_data);
	EXPECT_EQ((int64_t)expect, cqe.res);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(0, self->recv.err);
	EXPECT_EQ(expect, self->recv.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, off, expect),
		  self->recv.hash);
}

static void sizes(struct __test_metadata *_metadata, FIXTURE_DATA(xfer) *self,
		  size_t size)
{
	self->fd = make_file(TMPFILE, size, size);
	ASSERT_LE(0, self->fd);
	send_and_check(_metadata, self, 0, 0, size);
}

TEST_F(xfer, size_0)		{ sizes(_metadata, self, 0); }
TEST_F(xfer, size_1)		{ sizes(_metadata, self, 1); }
TEST_F(xfer, size_4095)		{ sizes(_metadata, self, 4095); }
TEST_F(xfer, size_4096)		{ sizes(_metadata, self, 4096); }
TEST_F(xfer, size_4097)		{ sizes(_metadata, self, 4097); }
TEST_F(xfer, size_1M_plus_3)	{ sizes(_metadata, self, MiB + 3); }
TEST_F(xfer, size_64M)		{ sizes(_metadata, self, 64 * MiB); }

/* A range past the end of the file sends what exists. */
TEST_F(xfer, range_past_eof_is_short)
{
	self->fd = make_file(TMPFILE, 10000, 3);
	ASSERT_LE(0, self->fd);
	send_and_check(_metadata, self, 9000, 5000, 1000);
}

/* Unaligned offsets and lengths, one batch, in order on one socket. */
TEST_F(xfer, unaligned_ranges_in_order)
{
	static const uint64_t r[][2] = {
		{ 1, 4094 }, { 4095, 2 }, { 4097, 123457 }, { 777, 1 },
		{ MiB - 1, MiB + 2 }, { 3 * MiB - 5, 5 }, { 12345, 0 },
	};
	struct zcopy_sqe sqe[ARRAY_SIZE(r)];
	struct zcopy_cqe cqe[ARRAY_SIZE(r)];
	uint64_t h = HASH_INIT, total = 0, len;
	unsigned int i;

	self->fd = make_file(TMPFILE, 3 * MiB, 11);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		sqe[i] = zc_sqe(self->fd, self->tx, r[i][0], r[i][1], i, 0);
		len = r[i][1] ? r[i][1] : 3 * MiB - r[i][0];
		h = hash_file(self->fd, h, r[i][0], len);
		total += len;
	}
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(ARRAY_SIZE(r), zc_submit(self->zc, sqe, ARRAY_SIZE(r)));
	ASSERT_EQ(ARRAY_SIZE(r), zc_wait(self->zc, cqe, ARRAY_SIZE(r),
					 TIMEOUT_MS));
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		EXPECT_EQ(i, cqe[i].user_data);
		len = r[i][1] ? r[i][1] : 3 * MiB - r[i][0];
		EXPECT_EQ((int64_t)len, cqe[i].res);
	}
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(total, self->recv.bytes);
	EXPECT_EQ(h, self->recv.hash);
}

/*
 * 1000 transfers on one socket, each a different 1000-byte record taken
 * from the file back to front: the stream is right only if they went
 * out in submission order without interleaving.
 */
TEST_F(xfer, thousand_transfers_in_order)
{
	enum { N = 1000, REC = 1000, BATCH = 100 };
	static struct zcopy_sqe sqe[N];
	static struct zcopy_cqe cqe[N];
	uint64_t h = HASH_INIT;
	unsigned int i;

	self->fd = make_file(TMPFILE, N * REC, 5);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < N; i++) {
		sqe[i] = zc_sqe(self->fd, self->tx, (N - 1 - i) * REC, REC,
				i, 0);
		h = hash_file(self->fd, h, (N - 1 - i) * REC, REC);
	}
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	for (i = 0; i < N; i += BATCH)
		ASSERT_EQ(BATCH, zc_submit(self->zc, sqe + i, BATCH));
	ASSERT_EQ(N, zc_wait(self->zc, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(i, cqe[i].user_data);
		EXPECT_EQ(REC, cqe[i].res);
	}
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(N * REC, self->recv.bytes);
	EXPECT_EQ(h, self->recv.hash);
}

/*
 * The file shrinks while the transfer waits for the peer: res is short,
 * and the record says why.
 */
TEST_F(xfer, truncated_file_gives_short_res)
{
	int small = 16384;
	struct zcopy_cqe cqe;

	self->fd = make_file(TMPFILE, 32 * MiB, 9);
	ASSERT_LE(0, self->fd);
	/* Small buffers, peer not reading: the transfer parks early. */
	setsockopt(self->tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(self->rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 1, 0));
	usleep(200000);
	ASSERT_EQ(0, zc_wait(self->zc, &cqe, 1, 0));
	ASSERT_EQ(0, ftruncate(self->fd, MiB));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(MiB, cqe.res);
	EXPECT_EQ(-ENODATA, cqe.error);	/* the range went further */
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(MiB, self->recv.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, MiB), self->recv.hash);
}

/*
 * A transfer reads its file as sendfile() does, so watchers of the file
 * (inotify here, fanotify alike) hear of the access, whichever path the
 * bytes take.
 */
TEST_F(xfer, file_watchers_see_the_read)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	struct zcopy_cqe cqe;
	bool accessed = false;
	int in;
	ssize_t n;

	self->fd = make_file(TMPFILE, 100000, 6);
	ASSERT_LE(0, self->fd);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0 && errno == ENOSYS)
		SKIP(return, "no inotify in this kernel");
	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, TMPFILE, IN_ACCESS));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 1, 0));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(100000, cqe.res);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ev = (void *)buf; (char *)ev < buf + n;
		     ev = (void *)((char *)ev + sizeof(*ev) + ev->len))
			accessed |= ev->mask & IN_ACCESS;
	EXPECT_TRUE(accessed);
	close(in);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
}

/*
 * ZCOPY_F_RELEASE over loopback: the completion waits for the stack to
 * let go of the pages, and says they were copied (local delivery copies
 * zero-copy frags on receive).
 */
TEST_F(xfer, release_over_loopback_reports_copy)
{
	long long copied = stat_value(ZCOPY_A_STATS_BYTES_COPIED);
	struct zcopy_cqe cqe;

	self->fd = make_file(TMPFILE, 4 * MiB, 2);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 5,
				ZCOPY_F_RELEASE));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(4 * MiB, cqe.res);
	EXPECT_EQ(ZCOPY_CQE_F_COPIED, cqe.flags);
	EXPECT_LE(copied + 4 * (long long)MiB, stat_value(ZCOPY_A_STATS_BYTES_COPIED));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, 4 * MiB),
		  self->recv.hash);
}

/* Without ZCOPY_F_RELEASE the completion says nothing of copies. */
TEST_F(xfer, default_completion_has_no_flags)
{
	struct zcopy_cqe cqe;

	self->fd = make_file(TMPFILE, 100000, 4);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 5, 0));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(100000, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(0, cqe.error);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
}

/* Completions wake epoll: level-triggered until read, edge once each. */
static void epoll_mode(struct __test_metadata *_metadata,
		       FIXTURE_DATA(xfer) *self, uint32_t mode)
{
	struct epoll_event ev = { .events = EPOLLIN | mode }, out;
	struct zcopy_cqe cqe[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->zc, &ev));
	self->fd = make_file(TMPFILE, 10000, 6);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	EXPECT_EQ(0, epoll_wait_retry(ep, &out, 1, 0));

	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 1, 0));
	ASSERT_EQ(1, epoll_wait_retry(ep, &out, 1, zc_ms(TIMEOUT_MS)));
	EXPECT_EQ(EPOLLIN, out.events);
	/* Nothing read yet: LT reports again, ET does not. */
	EXPECT_EQ(mode == EPOLLET ? 0 : 1, epoll_wait_retry(ep, &out, 1, 0));

	/* A new completion is a new edge. */
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 2, 0));
	ASSERT_EQ(1, epoll_wait_retry(ep, &out, 1, zc_ms(TIMEOUT_MS)));
	EXPECT_EQ(2, zc_wait(self->zc, cqe, 2, TIMEOUT_MS));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(2, cqe[1].user_data);
	/* Drained: neither mode reports. */
	EXPECT_EQ(0, epoll_wait_retry(ep, &out, 1, 0));
	close(ep);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(20000, self->recv.bytes);
}

TEST_F(xfer, epoll_level_triggered)	{ epoll_mode(_metadata, self, 0); }
TEST_F(xfer, epoll_edge_triggered)	{ epoll_mode(_metadata, self, EPOLLET); }

/* 100 sockets at once, one transfer each from different offsets. */
TEST(hundred_sockets)
{
	enum { N = 100, LEN = 256 * 1024 };
	static struct receiver recv[N];
	static struct zcopy_sqe sqe[N];
	static struct zcopy_cqe cqe[N];
	int zc = zc_open(), fd, tx[N], rx[N], seen[N] = { 0 };
	unsigned int i;

	ASSERT_LE(0, zc);
	fd = make_file(TMPFILE, N * 4099 + LEN, 8);
	ASSERT_LE(0, fd);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, tcp_pair(i % 2 ? AF_INET6 : AF_INET, &tx[i],
				      &rx[i]));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx[i]));
		ASSERT_EQ(0, receiver_start(&recv[i], rx[i]));
		sqe[i] = zc_sqe(fd, tx[i], i * 4099, LEN, i, 0);
	}
	ASSERT_EQ(N, zc_submit(zc, sqe, N));
	ASSERT_EQ(N, zc_wait(zc, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++) {
		ASSERT_GT(N, cqe[i].user_data);
		EXPECT_EQ(LEN, cqe[i].res);
		seen[cqe[i].user_data]++;
	}
	for (i = 0; i < N; i++) {
		EXPECT_EQ(1, seen[i]);
		shutdown(tx[i], SHUT_WR);
		receiver_join(&recv[i]);
		EXPECT_EQ(LEN, recv[i].bytes);
		EXPECT_EQ(hash_file(fd, HASH_INIT, i * 4099, LEN),
			  recv[i].hash);
		close(tx[i]);
		close(rx[i]);
	}
	close(zc);
	close(fd);
	unlink(TMPFILE);
}

/* A file on the disk-backed scratch filesystem, with the cache dropped. */
static int cold_file(struct __test_metadata *_metadata, char *path,
		     size_t size)
{
	const char *dir = getenv("ZCOPY_SCRATCH");
	int fd;

	if (!dir)
		return -1;
	snprintf(path, PATH_MAX, "%s/cold", dir);
	fd = make_file(path, size, 21);
	if (fd < 0 || fsync(fd))
		return -1;
	close(fd);
	if (drop_caches())
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT_EQ(0, resident_pages(fd, size));
	return fd;
}

TEST_F(xfer, cold_cache)
{
	char path[PATH_MAX];

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	self->fd = cold_file(_metadata, path, 8 * MiB + 5);
	ASSERT_LE(0, self->fd);
	send_and_check(_metadata, self, 0, 0, 8 * MiB + 5);
	unlink(path);
}

/*
 * DONTCACHE with RELEASE: when the completion arrives, the pages are
 * released and those the transfer brought in are gone again; a file that
 * was cached stays cached.
 */
static void dontcache(struct __test_metadata *_metadata,
		      FIXTURE_DATA(xfer) *self, bool warm)
{
	const size_t size = 4 * MiB;
	long pages = size / sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	struct zcopy_cqe cqe;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	self->fd = cold_file(_metadata, path, size);
	ASSERT_LE(0, self->fd);
	if (warm) {
		hash_file(self->fd, HASH_INIT, 0, size);
		ASSERT_EQ(pages, resident_pages(self->fd, size));
	}
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 0, 3,
				ZCOPY_F_DONTCACHE | ZCOPY_F_RELEASE));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)size, cqe.res);
	EXPECT_EQ(warm ? pages : 0, resident_pages(self->fd, size));
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(size, self->recv.bytes);
	/* Reading the file for its hash caches it: check that last. */
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, size), self->recv.hash);
	unlink(path);
}

TEST_F(xfer, dontcache_leaves_uncached_file_uncached)
{
	dontcache(_metadata, self, false);
}

TEST_F(xfer, dontcache_leaves_cached_file_cached)
{
	dontcache(_metadata, self, true);
}

/*
 * Map the file's last @len bytes and read every page, as a reader would;
 * without read-around, which would bring in pages outside the mapping.
 */
struct mapper {
	int fd;
	off_t off;
	size_t len;
	void *map;
	uint64_t hash;
};

static void *map_and_read(void *arg)
{
	struct mapper *m = arg;

	m->map = mmap(NULL, m->len, PROT_READ, MAP_SHARED, m->fd, m->off);
	if (m->map != MAP_FAILED && !madvise(m->map, m->len, MADV_RANDOM))
		m->hash = hash_bytes(HASH_INIT, m->map, m->len);
	return NULL;
}

/*
 * Many DONTCACHE transfers at once over several sockets, with a reader
 * mapping part of the same file meanwhile: once every release completion
 * has come, no page the transfers brought in is cached any more (the
 * stack lets go of the pages a moment after it says so: the drop must
 * not miss them), and every page the reader maps still is.  Readahead is
 * off, since what it reads past a range's end is not undone.
 */
TEST(dontcache_concurrent)
{
	enum { SOCKS = 4, PIECES = 32 };
	const size_t size = 16 * MiB, piece = size / PIECES, mapped = 2 * MiB;
	long page = sysconf(_SC_PAGESIZE);
	struct receiver recv[SOCKS];
	struct zcopy_cqe cqe[PIECES];
	int zc, tx[SOCKS], rx[SOCKS], i;
	struct mapper m = { 0 };
	char path[PATH_MAX];
	pthread_t reader;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	m.fd = cold_file(_metadata, path, size);
	ASSERT_LE(0, m.fd);
	ASSERT_EQ(0, posix_fadvise(m.fd, 0, 0, POSIX_FADV_RANDOM));
	zc = zc_open();
	ASSERT_LE(0, zc);
	for (i = 0; i < SOCKS; i++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, &tx[i], &rx[i]));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx[i]));
		ASSERT_EQ(0, receiver_start(&recv[i], rx[i]));
	}
	m.off = size - mapped;
	m.len = mapped;
	ASSERT_EQ(0, pthread_create(&reader, NULL, map_and_read, &m));
	for (i = 0; i < PIECES; i++)
		ASSERT_EQ(1, zc_submit1(zc, m.fd, tx[i % SOCKS], i * piece,
					piece, i, ZCOPY_F_DONTCACHE |
					ZCOPY_F_RELEASE));
	ASSERT_EQ(PIECES, zc_wait(zc, cqe, PIECES, TIMEOUT_MS));
	for (i = 0; i < PIECES; i++)
		EXPECT_EQ((int64_t)piece, cqe[i].res);
	pthread_join(reader, NULL);
	ASSERT_NE(MAP_FAILED, m.map);

	EXPECT_EQ(0, resident_range(m.fd, 0, size - mapped));
	EXPECT_EQ((long)(mapped / page), resident_range(m.fd, m.off, mapped));
	for (i = 0; i < SOCKS; i++) {
		shutdown(tx[i], SHUT_WR);
		receiver_join(&recv[i]);
		EXPECT_EQ(size / SOCKS, recv[i].bytes);
		close(tx[i]);
		close(rx[i]);
	}
	EXPECT_EQ(hash_file(m.fd, HASH_INIT, m.off, mapped), m.hash);
	munmap(m.map, mapped);
	close(zc);
	close(m.fd);
	unlink(path);
}

/*
 * Start a DONTCACHE | RELEASE transfer of all of @fd on a new connection
 * with @small byte buffers whose peer (*rx) does not read yet, and give
 * it time to read its first pages and park.
 */
static void submit_parked(struct __test_metadata *_metadata, int zc, int fd,
			  int small, int *tx, int *rx)
{
	ASSERT_EQ(0, tcp_pair(AF_INET, tx, rx));
	setsockopt(*tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(*rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, *tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, *tx, 0, 0, 1,
				ZCOPY_F_DONTCACHE | ZCOPY_F_RELEASE));
	usleep(300000);
}

/*
 * The stack tells a transfer its pages are released a moment before it
 * lets go of the last skb's frags, so the drop may find a page still
 * held: it must come back for it rather than skip it for good (within
 * its two seconds or so).  Hold the
 * pages deterministically with another connection's sendfile, which
 * references the same page-cache pages, and let go of them only after
 * the transfer's own release: the pages must still leave the cache.
 *
 * The transfer first reads all 16 pages (one pipe's worth) and parks on
 * a peer that does not read, so the sendfile after it neither brings
 * the pages in (they are the transfer's) nor comes before the release
 * (loopback copies on receive, which would release them at once).
 *
 * rx2's reads must let go of the pages at once: by default TCP hands a
 * read skb back to the CPU that allocated it to be freed, which an idle
 * CPU may not get to for seconds, longer than the drop keeps trying.
 * So deferred freeing is off for the test (net.core.skb_defer_max).
 */
static int skb_defer_max(int value)
{
	const char *path = "/proc/sys/net/core/skb_defer_max";
	char buf[32];
	int fd, old = -1;
	ssize_t n;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		old = atoi(buf);
		n = snprintf(buf, sizeof(buf), "%d\n", value);
		if (pwrite(fd, buf, n, 0) != n)
			old = -1;
	}
	close(fd);
	return old;
}

/*
 * A transfer whose pages another holder keeps after its release: a cold
 * file is read in whole by a DONTCACHE | RELEASE transfer parked on a
 * full socket, the same pages are sent with sendfile to a second
 * connection whose peer (rx2) does not read, and then rx reads the
 * whole transfer: it ends and is released (loopback copies on receive)
 * while rx2's receive queue still holds the pages.
 */
struct held_pages {
	size_t size;
	int zc, fd, tx, rx, tx2, rx2, defer;
	struct receiver r;
	char path[PATH_MAX];
};

static void held_pages_start(struct __test_metadata *_metadata,
			     struct held_pages *h)
{
	off_t off = 0;
	int i;

	h->size = 64 * 1024;
	h->fd = cold_file(_metadata, h->path, h->size);
	ASSERT_LE(0, h->fd);
	h->defer = skb_defer_max(0);
	ASSERT_LE(0, h->defer);
	h->zc = zc_open();
	ASSERT_LE(0, h->zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &h->tx2, &h->rx2));
	submit_parked(_metadata, h->zc, h->fd, 4096, &h->tx, &h->rx);
	ASSERT_EQ((ssize_t)h->size, sendfile(h->tx2, h->fd, &off, h->size));
	ASSERT_EQ(0, receiver_start(&h->r, h->rx));
	for (i = 0; i < zc_ms(30000) / 10 &&
		    __atomic_load_n(&h->r.bytes, __ATOMIC_RELAXED) < h->size; i++)
		usleep(10000);
}

/* rx2 reads, and so lets go of the pages. */
static void held_pages_let_go(struct __test_metadata *_metadata,
			      struct held_pages *h)
{
	struct receiver r2;

	ASSERT_EQ(0, receiver_start(&r2, h->rx2));
	shutdown(h->tx2, SHUT_WR);
	receiver_join(&r2);
	EXPECT_EQ(h->size, r2.bytes);
}

/* rx must have received @stream bytes in all; everything is closed. */
static void held_pages_end(struct __test_metadata *_metadata,
			   struct held_pages *h, size_t stream)
{
	shutdown(h->tx, SHUT_WR);
	receiver_join(&h->r);
	EXPECT_EQ(stream, h->r.bytes);
	close(h->zc);
	close(h->tx);
	close(h->rx);
	close(h->tx2);
	close(h->rx2);
	close(h->fd);
	skb_defer_max(h->defer);
	unlink(h->path);
}

/*
 * rx2 lets go only after the release: the drop must come back for the
 * pages, and they must still leave the cache.
 */
TEST(dontcache_waits_for_other_holders)
{
	struct zcopy_cqe cqe;
	struct held_pages h;
	int i;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	held_pages_start(_metadata, &h);
	usleep(100000);
	held_pages_let_go(_metadata, &h);

	/*
	 * The release completion waits only for the stack's own frags; the
	 * drop goes on after it, for up to about two seconds.
	 */
	ASSERT_EQ(1, zc_wait(h.zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)h.size, cqe.res);
	for (i = 0; i < zc_ms(5000) / 10 && resident_pages(h.fd, h.size); i++)
		usleep(10000);
	EXPECT_EQ(0, resident_pages(h.fd, h.size));
	held_pages_end(_metadata, &h, h.size);
}

/*
 * A transfer keeps its place in its context's limits until its
 * completion has been read, even while a DONTCACHE drop goes on after
 * the release because another holder has the pages: with max-inflight
 * at 1, the release completion waits unread, and nothing more is
 * accepted until it is read.  The configuration is global: the fixture
 * puts it back whatever happens.
 */
FIXTURE(one_inflight) {
	long long saved;
};

FIXTURE_SETUP(one_inflight)
{
	self->saved = zc_config_set(ZCOPY_A_CONFIG_MAX_INFLIGHT, 1);
	ASSERT_LT(0, self->saved);
}

FIXTURE_TEARDOWN(one_inflight)
{
	if (self->saved > 0)
		zc_config_set(ZCOPY_A_CONFIG_MAX_INFLIGHT, self->saved);
}

TEST_F(one_inflight, unread_dontcache_completion_keeps_its_place)
{
	struct pollfd pfd = { .events = POLLIN };
	struct zcopy_cqe cqe;
	struct held_pages h;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	held_pages_start(_metadata, &h);

	/* Released, rx2 still holding the pages: the completion comes. */
	pfd.fd = h.zc;
	ASSERT_EQ(1, poll(&pfd, 1, zc_ms(TIMEOUT_MS)));
	EXPECT_EQ(-1, zc_submit1(h.zc, h.fd, h.tx, 0, 1, 2, 0));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(1, zc_wait(h.zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)h.size, cqe.res);
	EXPECT_EQ(1, zc_submit1(h.zc, h.fd, h.tx, 0, 1, 2, 0));
	ASSERT_EQ(1, zc_wait(h.zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(2, cqe.user_data);
	held_pages_let_go(_metadata, &h);
	held_pages_end(_metadata, &h, h.size + 1);
}

/*
 * A page another reader brings in while the transfer waits for the
 * socket is that reader's: DONTCACHE drops only the pages the transfer
 * itself read in.  The transfer parks early on a peer that does not
 * read; meanwhile a reader reads the second half of the file.
 */
TEST(dontcache_spares_another_readers_pages)
{
	const size_t size = 2 * MiB, half = MiB;
	long page = sysconf(_SC_PAGESIZE);
	int zc, tx, rx, fd, other;
	static char buf[1 << 16];
	struct zcopy_cqe cqe;
	struct receiver r;
	char path[PATH_MAX];
	size_t off;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	fd = cold_file(_metadata, path, size);
	ASSERT_LE(0, fd);
	other = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, other);
	zc = zc_open();
	ASSERT_LE(0, zc);
	submit_parked(_metadata, zc, fd, 16384, &tx, &rx);	/* far from the half */
	for (off = half; off < size; off += sizeof(buf))
		ASSERT_EQ((ssize_t)sizeof(buf), pread(other, buf, sizeof(buf), off));
	ASSERT_EQ(0, receiver_start(&r, rx));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)size, cqe.res);
	EXPECT_EQ(0, resident_range(fd, 0, half));
	EXPECT_EQ((long)(half / page), resident_range(fd, half, half));
	shutdown(tx, SHUT_WR);
	receiver_join(&r);
	EXPECT_EQ(size, r.bytes);
	close(zc);
	close(tx);
	close(rx);
	close(other);
	close(fd);
	unlink(path);
}

/*
 * An O_DIRECT source reads through direct I/O, which wants aligned
 * offsets; but a socket with a small buffer takes any number of bytes,
 * so the transfer resumes at unaligned places.  Every byte still
 * arrives, for a whole file and for a range that starts and ends off
 * any block boundary.
 */
static void direct(struct __test_metadata *_metadata,
		   FIXTURE_DATA(xfer) *self, uint64_t off, uint64_t len,
		   uint64_t expect)
{
	const size_t size = 4 * MiB + 777;
	int small = 16384, fd;
	char path[PATH_MAX];
	struct zcopy_cqe cqe;

	if (!getenv("ZCOPY_SCRATCH"))
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	self->fd = cold_file(_metadata, path, size);
	ASSERT_LE(0, self->fd);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, fd);
	setsockopt(self->tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
	ASSERT_EQ(1, zc_submit1(self->zc, fd, self->tx, off, len, 5, 0));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)expect, cqe.res);
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	EXPECT_EQ(expect, self->recv.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, off, expect),
		  self->recv.hash);
	close(fd);
	unlink(path);
}

TEST_F(xfer, o_direct_whole_file)
{
	direct(_metadata, self, 0, 0, 4 * MiB + 777);
}

TEST_F(xfer, o_direct_unaligned_range)
{
	direct(_metadata, self, 12345, 3 * MiB + 1, 3 * MiB + 1);
}

ZC_HARNESS_MAIN
