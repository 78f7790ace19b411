// SPDX-License-Identifier: GPL-2.0
/*
 * What a hostile local user could do to the module, and what the module
 * must do instead: one registration per socket, pinned pages charged to
 * the user's RLIMIT_MEMLOCK, a SUBMIT stuck on a user page fault
 * stalling nobody else, nor a socket's owner stuck in one while holding
 * the socket's lock, CANCEL counts that are exact, sources whose size
 * their inode does not give, a file that says EAGAIN, and sockets taken
 * over by kTLS.
 */
#include "zc_util.h"

#include <grp.h>
#include <signal.h>
#include <linux/tls.h>
#include <linux/userfaultfd.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#define TIMEOUT_MS	60000
#define NOBODY		65534

/*
 * Send bytes [off, off + len) of @file over a fresh connection and
 * return the completion's res; *@hash and *@bytes say what arrived.
 */
static long long send_range(int file, uint64_t off, uint64_t len,
			    uint64_t *hash, uint64_t *bytes)
{
	struct zcopy_cqe cqe = { .res = -ETIME };
	struct receiver r;
	int zc, tx, rx;

	zc = zc_open();
	if (zc < 0 || tcp_pair(AF_INET, &tx, &rx) ||
	    zc_reg(zc, ZCOPY_IOC_REGISTER, tx) || receiver_start(&r, rx))
		return -errno;
	if (zc_submit1(zc, file, tx, off, len, 1, 0) != 1)
		cqe.res = -errno;
	else if (zc_wait(zc, &cqe, 1, TIMEOUT_MS) != 1)
		cqe.res = -ETIME;
	close(zc);
	close(tx);
	receiver_join(&r);
	close(rx);
	*hash = r.hash;
	*bytes = r.bytes;
	return cqe.res;
}

/*
 * A socket is registered once, whatever descriptor or context asks:
 * two queues for one socket would interleave two transfers on the wire.
 */
TEST(socket_registered_once)
{
	int a = zc_open(), b = zc_open(), tx, rx, dup_tx;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	dup_tx = dup(tx);
	ASSERT_LE(0, dup_tx);

	ASSERT_EQ(0, zc_reg(a, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(-1, zc_reg(a, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, zc_reg(a, ZCOPY_IOC_REGISTER, dup_tx));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, zc_reg(b, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, zc_reg(b, ZCOPY_IOC_REGISTER, dup_tx));
	EXPECT_EQ(EBUSY, errno);

	/* Once the first registration ends, the socket is free again. */
	ASSERT_EQ(0, zc_reg(a, ZCOPY_IOC_UNREGISTER, tx));
	EXPECT_EQ(0, zc_reg(b, ZCOPY_IOC_REGISTER, dup_tx));
	close(b);
	EXPECT_EQ(0, zc_reg(a, ZCOPY_IOC_REGISTER, tx));
	close(a);
	close(tx);
	close(dup_tx);
	close(rx);
}

/* Become an unprivileged user: no capability left, CAP_IPC_LOCK included. */
static int become_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

/*
 * The child of memlock_bounds_pinned_pages: as nobody with 1 MiB of
 * RLIMIT_MEMLOCK, submit 256 KiB transfers to a peer that never reads.
 * Those that ask for the release (the stack holds their pages outside
 * the socket's send buffer) charge 64 pages plus MSG_ZEROCOPY's worst
 * case of 2 each, so three fit and the fourth must get ENOBUFS; once
 * the connection is gone and its pages released, the charge is back
 * and a transfer fits again.  Transfers without the release are spliced
 * like sendfile's, within the send buffer, and charge nothing here.
 */
static int pin_as_nobody(const char *path)
{
	struct rlimit lim = { .rlim_cur = MiB, .rlim_max = MiB };
	struct zcopy_cqe cqe[8];
	int zc, file, tx, rx, n = 0, got;
	long long deadline;

	if (setrlimit(RLIMIT_MEMLOCK, &lim) || become_nobody())
		return 10;
	zc = zc_open();
	file = open(path, O_RDONLY | O_CLOEXEC);
	if (zc < 0 || file < 0 || tcp_pair(AF_INET, &tx, &rx) ||
	    zc_reg(zc, ZCOPY_IOC_REGISTER, tx))
		return 11;
	while (n < 8 && zc_submit1(zc, file, tx, 0, 256 * 1024, n,
				   ZCOPY_F_RELEASE) == 1)
		n++;
	if (n != 3 || errno != ENOBUFS) {
		fprintf(stderr, "# %d accepted, then %s\n", n, strerror(errno));
		return 12;
	}
	/* The peer resets: the transfers fail and TCP lets go. */
	setsockopt(rx, SOL_SOCKET, SO_LINGER,
		   &(struct linger){ .l_onoff = 1 }, sizeof(struct linger));
	close(rx);
	got = zc_wait(zc, cqe, n, TIMEOUT_MS);
	if (got != n)
		return 13;
	if (tcp_pair(AF_INET, &tx, &rx) || zc_reg(zc, ZCOPY_IOC_REGISTER, tx))
		return 14;
	/* The pages come back once the stack frees the reset skbs. */
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (zc_submit1(zc, file, tx, 0, 256 * 1024, 9,
			  ZCOPY_F_RELEASE) != 1) {
		if (errno != ENOBUFS || now_ms() > deadline)
			return 15;
		usleep(10000);
	}
	for (n = 0; n < 8; n++)
		if (zc_submit1(zc, file, tx, 0, 256 * 1024, 10 + n, 0) != 1)
			return 16;
	return 0;
}

TEST(memlock_bounds_pinned_pages)
{
	const char *path = "/tmp/zcopy-iso-pin";
	int fd = make_file(path, MiB, 3), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0644));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pin_as_nobody(path));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_CONTEXTS, 0, TIMEOUT_MS));
	close(fd);
	unlink(path);
}

struct stalled {
	int zc;
	void *sqes;
	int ret;
	atomic_int done;
};

static void *submit_from(void *arg)
{
	struct stalled *s = arg;

	s->ret = zc_submit(s->zc, s->sqes, 1);
	atomic_store(&s->done, 1);
	return NULL;
}

static void *cancel_register_unregister(void *arg)
{
	struct stalled *s = arg;
	int tx, rx;

	zc_cancel(s->zc, 1);
	if (!tcp_pair(AF_INET, &tx, &rx)) {
		zc_reg(s->zc, ZCOPY_IOC_REGISTER, tx);
		zc_reg(s->zc, ZCOPY_IOC_UNREGISTER, tx);
		close(tx);
		close(rx);
	}
	atomic_store(&s->done, 1);
	return NULL;
}

/*
 * A page that faults and does not resolve until UFFDIO_ZEROPAGE on
 * *@uffd (a userfaultfd registered for missing pages).  Returns the
 * page, or MAP_FAILED with errno set and nothing left open.
 */
static void *stuck_page(long page, int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *map;

	*uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (*uffd < 0)
		return MAP_FAILED;
	map = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)map;
	reg.range.len = page;
	if (map == MAP_FAILED || ioctl(*uffd, UFFDIO_API, &api) ||
	    ioctl(*uffd, UFFDIO_REGISTER, &reg)) {
		if (map != MAP_FAILED)
			munmap(map, page);
		close(*uffd);
		return MAP_FAILED;
	}
	return map;
}

/* Resolve the page's fault with a zero page. */
static int unstick_page(int uffd, void *map, long page)
{
	struct uffdio_zeropage zero = {
		.range = { .start = (uintptr_t)map, .len = page },
	};

	return ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
}

/* Wait up to @ms (scaled) for *@flag; returns it. */
static int wait_flag(atomic_int *flag, int ms)
{
	long long deadline = now_ms() + zc_ms(ms);

	while (!atomic_load(flag) && now_ms() < deadline)
		usleep(10000);
	return atomic_load(flag);
}

/*
 * A SUBMIT whose batch sits on a page that faults and does not resolve
 * (userfaultfd here; a FUSE-backed mapping in the wild) stalls only
 * itself: CANCEL, REGISTER and UNREGISTER of the same context go on.
 */
TEST(faulting_submit_stalls_only_itself)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stalled sub = { 0 }, other = { 0 };
	pthread_t a, b;
	bool in_time;
	void *map;
	int uffd;

	map = stuck_page(page, &uffd);
	if (map == MAP_FAILED)
		SKIP(return, "no userfaultfd: %s", strerror(errno));

	sub.zc = other.zc = zc_open();
	ASSERT_LE(0, sub.zc);
	sub.sqes = map;
	ASSERT_EQ(0, pthread_create(&a, NULL, submit_from, &sub));
	usleep(300000);
	EXPECT_EQ(0, atomic_load(&sub.done));	/* it is stuck in the fault */
	ASSERT_EQ(0, pthread_create(&b, NULL, cancel_register_unregister,
				    &other));
	in_time = wait_flag(&other.done, 5000);

	/* Resolve the fault with a zero page: the stuck entry is refused. */
	ASSERT_EQ(0, unstick_page(uffd, map, page));
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	EXPECT_TRUE(in_time) TH_LOG("the other calls waited for the fault");
	EXPECT_EQ(-1, sub.ret);
	close(sub.zc);
	munmap(map, page);
	close(uffd);
}

/* A send() of the socket's owner, from a page that faults. */
struct owner_send {
	int fd;
	void *buf;
	size_t len;
	pthread_t thread;
	atomic_int done;
};

static void *owner_send_main(void *arg)
{
	struct owner_send *o = arg;

	send(o->fd, o->buf, o->len, MSG_NOSIGNAL);
	atomic_store(&o->done, 1);
	return NULL;
}

/* What the context's calls do while the owners' sends are stuck. */
struct ctx_calls {
	int zc, file, tx[2];
	int submitted;
	atomic_int submit_done, teardown_done;
};

static void *submit_both(void *arg)
{
	struct ctx_calls *c = arg;
	int i;

	for (i = 0; i < 2; i++)
		c->submitted += zc_submit1(c->zc, c->file, c->tx[i], 0, 0, i, 0);
	atomic_store(&c->submit_done, 1);
	return NULL;
}

/* Unregister the first socket, then close the context with the second. */
static void *unregister_and_close(void *arg)
{
	struct ctx_calls *c = arg;

	zc_reg(c->zc, ZCOPY_IOC_UNREGISTER, c->tx[0]);
	close(c->zc);
	atomic_store(&c->teardown_done, 1);
	return NULL;
}

/*
 * The socket's owner holds its lock for as long as it likes: a send()
 * from a page that faults and does not resolve (userfaultfd here; a
 * FUSE-backed mapping in the wild) holds it throughout.  SUBMIT to that
 * socket returns, and so do UNREGISTER and close() of the context, the
 * transfers waiting in the module's own time; once the fault resolves,
 * everything is let go.
 */
TEST(owner_holding_the_socket_lock_stalls_no_call)
{
	long page = sysconf(_SC_PAGESIZE);
	long long ctx0 = contexts_settled();
	long long socks0 = stat_value(ZCOPY_A_STATS_SOCKETS);
	struct owner_send owner[2] = { 0 };
	struct ctx_calls c = { 0 };
	pthread_t sub, down;
	int uffd, rx[2], i;
	void *map;

	map = stuck_page(page, &uffd);
	if (map == MAP_FAILED)
		SKIP(return, "no userfaultfd: %s", strerror(errno));

	c.file = make_file("/tmp/zcopy-iso-owner", 65536, 8);
	ASSERT_LE(0, c.file);
	c.zc = zc_open();
	ASSERT_LE(0, c.zc);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, &c.tx[i], &rx[i]));
		ASSERT_EQ(0, zc_reg(c.zc, ZCOPY_IOC_REGISTER, c.tx[i]));
		owner[i] = (struct owner_send){ .fd = c.tx[i], .buf = map,
						.len = page };
		ASSERT_EQ(0, pthread_create(&owner[i].thread, NULL,
					    owner_send_main, &owner[i]));
	}
	usleep(300000);
	/* Both owners are stuck in the fault, holding their sockets. */
	EXPECT_EQ(0, atomic_load(&owner[0].done));
	EXPECT_EQ(0, atomic_load(&owner[1].done));

	ASSERT_EQ(0, pthread_create(&sub, NULL, submit_both, &c));
	EXPECT_TRUE(wait_flag(&c.submit_done, 5000))
		TH_LOG("SUBMIT waited for the socket's owner");
	ASSERT_EQ(0, pthread_create(&down, NULL, unregister_and_close, &c));
	EXPECT_TRUE(wait_flag(&c.teardown_done, 5000))
		TH_LOG("UNREGISTER or close() waited for the socket's owner");

	/* Resolve the fault: the owners send their page, all is let go. */
	ASSERT_EQ(0, unstick_page(uffd, map, page));
	for (i = 0; i < 2; i++)
		pthread_join(owner[i].thread, NULL);
	pthread_join(sub, NULL);
	pthread_join(down, NULL);
	EXPECT_EQ(2, c.submitted);
	EXPECT_EQ(ctx0, stat_wait(ZCOPY_A_STATS_CONTEXTS, ctx0, TIMEOUT_MS));
	EXPECT_EQ(socks0, stat_wait(ZCOPY_A_STATS_SOCKETS, socks0, TIMEOUT_MS));
	for (i = 0; i < 2; i++) {
		close(c.tx[i]);
		close(rx[i]);
	}
	close(c.file);
	unlink("/tmp/zcopy-iso-owner");
	munmap(map, page);
	close(uffd);
}

/*
 * CANCEL's count is a promise: each transfer it counts completes with
 * -ECANCELED, and a second CANCEL does not count it again.  Submit and
 * cancel after a varying pause, against a peer that reads through a
 * small buffer, so that cancels catch transfers queued, being sent,
 * parked on the full socket, finishing, and finished.
 */
TEST(cancel_count_is_exact)
{
	enum { N = 200, SIZE = 256 * 1024 };
	static struct zcopy_cqe cqe[N];
	int counted[N] = { 0 }, seen[N] = { 0 };
	int zc = zc_open(), fd, tx, rx, i, c, small = 65536;
	struct receiver r;

	ASSERT_LE(0, zc);
	fd = make_file("/tmp/zcopy-iso-cancel", MiB, 4);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, receiver_start(&r, rx));
	for (i = 0; i < N; i++) {
		/* Independent: what CANCEL counts is all this checks. */
		ASSERT_EQ(1, zc_submit1(zc, fd, tx, i, SIZE + i, i,
					ZCOPY_F_INDEPENDENT));
		usleep((i % 5) * 400);
		c = zc_cancel(zc, i);
		counted[i] += c > 0 ? c : 0;
		c = zc_cancel(zc, i);
		counted[i] += c > 0 ? c : 0;
	}
	ASSERT_EQ(N, zc_wait(zc, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++) {
		ASSERT_GT(N, cqe[i].user_data);
		if (cqe[i].error == -ECANCELED)
			seen[cqe[i].user_data]++;
		else
			EXPECT_EQ(SIZE + cqe[i].user_data, cqe[i].res);
	}
	for (i = 0; i < N; i++)
		EXPECT_EQ(counted[i], seen[i]) TH_LOG("transfer %d", i);
	close(zc);
	close(tx);
	receiver_join(&r);
	close(rx);
	close(fd);
	unlink("/tmp/zcopy-iso-cancel");
}

/* Its size is the block device's, not its device node's (which is 0). */
TEST(block_device_source)
{
	const char *img = "/tmp/zcopy-iso-blk.img";
	uint64_t want, got, bytes;
	char dev[64] = "", cmd[128];
	int fd, bdev;
	FILE *p;

	fd = make_file(img, 4 * MiB, 5);
	ASSERT_LE(0, fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show --read-only %s", img);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	if (!fgets(dev, sizeof(dev), p))
		dev[0] = 0;
	pclose(p);
	dev[strcspn(dev, "\n")] = 0;
	if (!dev[0])
		SKIP(goto out, "no loop device");
	bdev = open(dev, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, bdev);

	want = hash_file(fd, HASH_INIT, 0, 4 * MiB);
	EXPECT_EQ(4 * MiB, send_range(bdev, 0, 0, &got, &bytes));
	EXPECT_EQ(want, got);
	want = hash_file(fd, HASH_INIT, 12345, 100000);
	EXPECT_EQ(100000, send_range(bdev, 12345, 100000, &got, &bytes));
	EXPECT_EQ(want, got);
	/* A range past the device's end is clipped to it. */
	EXPECT_EQ(4096, send_range(bdev, 4 * MiB - 4096, MiB, &got, &bytes));
	close(bdev);
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	EXPECT_EQ(0, system(cmd));
out:
	close(fd);
	unlink(img);
}

/*
 * procfs gives its files no size: with an explicit length, the file's
 * own read says where it ends, as with sendfile.
 */
TEST(procfs_source_sends_what_read_gives)
{
	static char text[65536];
	uint64_t got, bytes;
	ssize_t n;
	int fd = open("/proc/version", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	n = read(fd, text, sizeof(text));
	ASSERT_LT(0, n);
	EXPECT_EQ(n, send_range(fd, 0, 65536, &got, &bytes));
	EXPECT_EQ(hash_bytes(HASH_INIT, text, n), got);
	EXPECT_EQ(n - 8, send_range(fd, 8, 65536, &got, &bytes));
	EXPECT_EQ(hash_bytes(HASH_INIT, text + 8, n - 8), got);
	/* len 0 is "to the size stat(2) shows": nothing. */
	EXPECT_EQ(0, send_range(fd, 0, 0, &got, &bytes));
	close(fd);
}

/*
 * A character device sends what it reads, as sendfile does; where
 * sendfile refuses it (/dev/zero has no splice_read before 6.5), so does
 * SUBMIT, with the same errno.
 */
TEST(char_device_source)
{
	static char zeros[100000];
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	uint64_t got, bytes;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, null);
	if (sendfile(null, fd, NULL, 4096) < 0) {
		int err = errno;

		TH_LOG("sendfile from /dev/zero: %s", strerror(err));
		EXPECT_EQ(-err, send_range(fd, 0, 100000, &got, &bytes));
		close(null);
		close(fd);
		return;
	}
	close(null);
	EXPECT_EQ(100000, send_range(fd, 0, 100000, &got, &bytes));
	EXPECT_EQ(100000, bytes);
	EXPECT_EQ(hash_bytes(HASH_INIT, zeros, sizeof(zeros)), got);
	close(fd);
}

/*
 * A tmpfs page with a memory error keeps its place in the page cache,
 * marked poisoned, and every read of it fails with EIO: sendfile stops
 * before it, and so must a transfer, saying why, with what it sent
 * first.  (MADV_HWPOISON: root, and a kernel with memory-failure
 * handling; the page is lost to the guest, which is thrown away.)
 */
TEST(poisoned_page_fails_like_sendfile)
{
	const char *path = "/tmp/zcopy-iso-poison";
	long page = sysconf(_SC_PAGESIZE);
	struct zcopy_cqe cqe;
	struct receiver r;
	int fd, zc, tx, rx, status;
	off_t off = 0;
	ssize_t sent;
	char *map;
	pid_t pid;

	fd = make_file(path, 3 * page, 11);
	ASSERT_LE(0, fd);
	/* The poisoner, which maps the page, gets a SIGBUS for it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		map = mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			_exit(errno);
		(void)*(volatile char *)(map + page);
		_exit(madvise(map + page, page, MADV_HWPOISON) ? errno : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status)) {
		close(fd);
		unlink(path);
		SKIP(return, "MADV_HWPOISON: %s", strerror(WEXITSTATUS(status)));
	}

	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	sent = sendfile(tx, fd, &off, 3 * page);
	EXPECT_EQ(page, sent);
	EXPECT_EQ(-1, sendfile(tx, fd, &off, 2 * page));
	EXPECT_EQ(EIO, errno);
	close(tx);
	close(rx);

	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, receiver_start(&r, rx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 3 * page, 1, 0));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(page, cqe.res);
	EXPECT_EQ(-EIO, cqe.error);
	close(zc);
	close(tx);
	receiver_join(&r);
	EXPECT_EQ(page, r.bytes);
	EXPECT_EQ(hash_file(fd, HASH_INIT, 0, page), r.hash);
	close(rx);
	close(fd);
	unlink(path);
}

/*
 * A file whose read says EAGAIN (FUSE here; some procfs and sysfs files
 * too) ends the transfer with it: no socket wake-up would resume it.
 */
TEST(file_eagain_ends_transfer)
{
	char dir[] = "/tmp/zcopy-iso-fuse.XXXXXX", path[64];
	struct zcopy_cqe cqe = { .res = 1 };
	int zc = zc_open(), fd, tx, rx;
	pid_t server;

	ASSERT_LE(0, zc);
	server = fuse_start(dir, path, sizeof(path), "eagain", NULL);
	if (server < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, 1, 0));
	EXPECT_EQ(1, zc_wait(zc, &cqe, 1, 10000));
	EXPECT_EQ(-EAGAIN, cqe.res);
	close(zc);
	close(fd);
	close(tx);
	close(rx);
	fuse_stop(dir, server);
}

/*
 * The tls ULP without transmit keys would send our bytes in clear text:
 * refused at REGISTER, and a registered socket that a ULP takes over
 * later fails its next transfer rather than send around it (ktls_test
 * has the sockets that are taken).
 */
TEST(ktls_socket_refused)
{
	int zc = zc_open(), tx, rx;
	struct zcopy_cqe cqe;
	int fd;

	ASSERT_LE(0, zc);
	fd = make_file("/tmp/zcopy-iso-tls", 65536, 6);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	if (setsockopt(tx, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		SKIP(goto out, "no kTLS: %s", strerror(errno));
	EXPECT_EQ(-1, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(tx);
	close(rx);

	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, setsockopt(tx, IPPROTO_TCP, TCP_ULP, "tls",
				sizeof("tls")));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, 1, 0));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
out:
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink("/tmp/zcopy-iso-tls");
}

ZC_HARNESS_MAIN
