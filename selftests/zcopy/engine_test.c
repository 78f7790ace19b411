// SPDX-License-Identifier: GPL-2.0
/*
 * Where, and as whom, the engine works:
 *  - a cached file on a socket with room is sent inline: its completion
 *    is ready when SUBMIT returns;
 *  - work left for later runs as the submitter: the file's read sees
 *    its credentials, and the page cache it brings in is charged to its
 *    memory cgroup;
 *  - a file that never answers holds only the threads lent to its
 *    context, whose close() returns without waiting for the read;
 *  - a transfer that did not ask for the release reaches a local
 *    receiver by page reference, as sendfile's does; one that did gets
 *    a copy there (the stack must tell it when the pages are free).
 */
#include "zc_util.h"

#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "kselftest_harness.h"

#define NOBODY		65534
#define TIMEOUT_MS	60000
#define CGROUP		"/sys/fs/cgroup"

TEST(cached_transfer_completes_within_submit)
{
	const char *path = "/tmp/zcopy-engine-inline";
	const int rounds = 200;
	struct pollfd pfd = { .events = POLLIN };
	struct receiver recv;
	struct zcopy_cqe cqe;
	int zc, tx, rx, fd, i, ready = 0;

	zc = zc_open();
	ASSERT_LE(0, zc);
	fd = make_file(path, 4096, 3);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, receiver_start(&recv, rx));
	pfd.fd = zc;
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, i, 0));
		/* Ready now, not after a worker got round to it. */
		if (poll(&pfd, 1, 0) == 1)
			ready++;
		ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
		EXPECT_EQ(4096, cqe.res);
		EXPECT_EQ((uint64_t)i, cqe.user_data);
	}
	EXPECT_EQ(rounds, ready);
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ((uint64_t)rounds * 4096, recv.bytes);
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink(path);
}

/*
 * Send 32 KiB over loopback, wait until the receiver holds all of it,
 * then overwrite the file: a receiver holding the page-cache pages
 * themselves reads the new bytes, one holding a copy the old.
 */
static void local_delivery(struct __test_metadata *_metadata, uint32_t flags,
			   bool shares_pages)
{
	const char *path = "/tmp/zcopy-engine-local";
	const size_t size = 32768;
	static char fresh[32768], got[32768];
	long long deadline;
	struct zcopy_cqe cqe;
	int zc, tx, rx, fd, queued = 0;

	zc = zc_open();
	ASSERT_LE(0, zc);
	fd = make_file(path, size, 4);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, 1, flags));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ((int64_t)size, cqe.res);
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (queued < (int)size && now_ms() < deadline) {
		ASSERT_EQ(0, ioctl(rx, FIONREAD, &queued));
		usleep(1000);
	}
	ASSERT_EQ((int)size, queued);

	memset(fresh, 0x5a, sizeof(fresh));
	ASSERT_EQ((ssize_t)size, pwrite(fd, fresh, size, 0));
	ASSERT_EQ((ssize_t)size, recv(rx, got, size, MSG_WAITALL));
	EXPECT_EQ(shares_pages, !memcmp(got, fresh, size));
	EXPECT_EQ(!!(flags & ZCOPY_F_RELEASE),
		  !!(cqe.flags & ZCOPY_CQE_F_COPIED));
	close(zc);
	close(tx);
	close(rx);
	close(fd);
	unlink(path);
}

TEST(local_receiver_shares_pages_without_release)
{
	local_delivery(_metadata, 0, true);
}

TEST(local_receiver_gets_copy_with_release)
{
	local_delivery(_metadata, ZCOPY_F_RELEASE, false);
}

/* The hash of zc_fuse's file (see zc_fuse.c). */
static uint64_t fuse_file_hash(size_t size)
{
	uint64_t h = HASH_INIT;
	size_t off;
	char c;

	for (off = 0; off < size; off++) {
		c = (char)(off * 31 + off / 4093);
		h = hash_bytes(h, &c, 1);
	}
	return h;
}

/*
 * Send zc_fuse's file once and report how it went: 0 if every byte
 * arrived, 1 + the errno if the transfer failed, 100 if it was short.
 */
static int send_fuse_file_on(int zc, const char *path)
{
	struct zcopy_cqe cqe = { .res = 1 };
	struct receiver recv;
	int tx, rx, fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (zc < 0 || fd < 0 || tcp_pair(AF_INET, &tx, &rx) ||
	    zc_reg(zc, ZCOPY_IOC_REGISTER, tx) || receiver_start(&recv, rx))
		return 99;
	if (zc_submit1(zc, fd, tx, 0, 0, 1, 0) != 1 ||
	    zc_wait(zc, &cqe, 1, TIMEOUT_MS) != 1)
		return 98;
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	if (cqe.res < 0)
		ret = 1 - cqe.res;
	else if (cqe.res != 65536 || recv.bytes != 65536 ||
		 recv.hash != fuse_file_hash(65536))
		ret = 100;
	else
		ret = 0;
	close(tx);
	close(rx);
	close(fd);
	return ret;
}

/*
 * zc_fuse answers reads only for user "nobody": a transfer's read for
 * nobody must be made as nobody, not as the kernel (root).  A child
 * sends the file as root (refused), then, after setuid(), as nobody
 * (answered): in a new context, or, @one_context, in the same one,
 * which must not keep root's identity for the transfers after.
 */
static void send_as_nobody(struct __test_metadata *_metadata,
			   bool one_context)
{
	char dir[] = "/tmp/zcopy-engine-fuse.XXXXXX", path[64], uid[16];
	int status;
	pid_t server, child;

	snprintf(uid, sizeof(uid), "%d", NOBODY);
	server = fuse_start(dir, path, sizeof(path), "uid", uid);
	if (server < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int zc = zc_open();

		/* The server does refuse anyone else: root here. */
		if (zc < 0 || send_fuse_file_on(zc, path) != 1 + EACCES)
			_exit(96);
		if (!one_context)
			close(zc);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(97);
		if (!one_context)
			zc = zc_open();
		_exit(zc < 0 ? 95 : send_fuse_file_on(zc, path));
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	fuse_stop(dir, server);
}

TEST(deferred_read_runs_as_submitter)
{
	send_as_nobody(_metadata, false);
}

TEST(deferred_read_follows_changed_credentials)
{
	send_as_nobody(_metadata, true);
}

/* One "key value" line of a cgroup's memory.stat; -1 if absent. */
static long long memory_stat(const char *cg, const char *key)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	return key_value(path, key);
}

/*
 * The page cache a transfer brings in for a cold file belongs to the
 * submitter's memory cgroup (the worker reads it on its behalf), not to
 * the root cgroup.
 */
TEST(cold_read_charged_to_submitters_memory_cgroup)
{
	const char *scratch = getenv("ZCOPY_SCRATCH");
	const size_t size = 16 * MiB;
	char cg[256], procs[PATH_MAX], path[PATH_MAX], pid[16];
	struct zcopy_cqe cqe;
	struct receiver recv;
	int fd, status, zc, tx, rx;
	long long file;
	pid_t child;

	if (!scratch)
		SKIP(return, "ZCOPY_SCRATCH (a disk-backed directory) not set");
	if (access(CGROUP "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	if (write_str(CGROUP "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup2 memory controller: %s",
		     strerror(errno));
	snprintf(cg, sizeof(cg), CGROUP "/zcopy-engine-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(path, sizeof(path), "%s/memcg", scratch);
	fd = make_file(path, size, 8);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, drop_caches());

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_str(procs, pid))
			_exit(10);
		zc = zc_open();
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (zc < 0 || fd < 0 || resident_pages(fd, size) ||
		    tcp_pair(AF_INET, &tx, &rx) ||
		    zc_reg(zc, ZCOPY_IOC_REGISTER, tx) ||
		    receiver_start(&recv, rx))
			_exit(11);
		if (zc_submit1(zc, fd, tx, 0, 0, 1, 0) != 1 ||
		    zc_wait(zc, &cqe, 1, TIMEOUT_MS) != 1 ||
		    cqe.res != (int64_t)size)
			_exit(12);
		shutdown(tx, SHUT_WR);
		receiver_join(&recv);
		_exit(recv.bytes == size ? 0 : 13);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Most of the file, at least: some may have been reclaimed. */
	file = memory_stat(cg, "file");
	EXPECT_LE((long long)(size * 3 / 4), file);
	TH_LOG("file pages charged to the submitter's cgroup: %lld of %zu",
	       file, size);
	unlink(path);
	EXPECT_EQ(0, rmdir(cg));
}

/*
 * Open the file of a zc_fuse that never answers, with room for many
 * sockets.  Returns the descriptor, with the server's pid in @server,
 * or -1 with nothing left behind.
 */
static int open_unanswered(char *dir, pid_t *server)
{
	struct rlimit rl = { 4096, 4096 };
	char path[64];
	int fd;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	*server = fuse_start(dir, path, sizeof(path), "hang", NULL);
	if (*server < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fuse_stop(dir, *server);
	return fd;
}

struct closer {
	int fd;
	atomic_int done;
};

static void *close_ctx(void *arg)
{
	struct closer *c = arg;

	close(c->fd);
	atomic_store(&c->done, 1);
	return NULL;
}

/*
 * Transfers from a file that never answers: SUBMIT returns, the read
 * waits in the thread lent to the context, another context's transfer
 * that also takes the file's own read (/dev/urandom has no page cache)
 * still goes through in its submitter's thread, and closing the stuck
 * context returns without waiting for the read.  Killing the server
 * then fails the read, and the lent thread comes back.
 */
TEST(unanswered_file_stalls_only_its_context)
{
	enum { N = 260 };
	char dir[] = "/tmp/zcopy-engine-hang.XXXXXX";
	static struct zcopy_sqe sqes[N];
	static int tx[N], rx[N];
	struct closer closer = { 0 };
	struct lent_thread lent;
	struct receiver recv;
	struct zcopy_cqe cqe;
	int zc, other, fd, urandom, btx, brx, i;
	long long deadline;
	pthread_t thread;
	pid_t server;

	fd = open_unanswered(dir, &server);
	if (fd < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, lend_start(&lent, zc));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, &tx[i], &rx[i]));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx[i]));
		sqes[i] = zc_sqe(fd, tx[i], 0, 0, i, 0);
	}
	ASSERT_EQ(N, zc_submit(zc, sqes, N));
	usleep(500000);

	other = zc_open();
	ASSERT_LE(0, other);
	urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, urandom);
	ASSERT_EQ(0, tcp_pair(AF_INET, &btx, &brx));
	ASSERT_EQ(0, zc_reg(other, ZCOPY_IOC_REGISTER, btx));
	ASSERT_EQ(0, receiver_start(&recv, brx));
	ASSERT_EQ(1, zc_submit1(other, urandom, btx, 0, 65536, 7, 0));
	EXPECT_EQ(1, zc_wait(other, &cqe, 1, 10000));
	EXPECT_EQ(65536, cqe.res);

	closer.fd = zc;
	ASSERT_EQ(0, pthread_create(&thread, NULL, close_ctx, &closer));
	deadline = now_ms() + zc_ms(5000);
	while (!atomic_load(&closer.done) && now_ms() < deadline)
		usleep(10000);
	EXPECT_TRUE(atomic_load(&closer.done));

	fuse_stop(dir, server);
	pthread_join(thread, NULL);
	/* The last close() took the thread back. */
	pthread_join(lent.thread, NULL);
	EXPECT_EQ(0, lent.ret) TH_LOG("LEND: %s", strerror(lent.err));
	shutdown(btx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ(65536, recv.bytes);
	for (i = 0; i < N; i++) {
		close(tx[i]);
		close(rx[i]);
	}
	close(other);
	close(urandom);
	close(btx);
	close(brx);
	close(fd);
}

/* Whether the kernel stack in @path runs through the module. */
static bool in_zcopy(const char *path)
{
	char buf[8192];

	read_text(path, buf, sizeof(buf));
	return strstr(buf, "[zcopy]");
}

/*
 * Threads asleep inside the module now, every thread of every process
 * looked at: in *@ours, those of this process; returns the others'
 * count (kernel workers among them), or -1.
 */
static int sleeping_in_zcopy(int *ours)
{
	char path[300];
	struct dirent *d, *t;
	DIR *dir, *tasks;
	int n = 0;

	*ours = 0;
	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/task", d->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/task/%.16s/stack",
				 d->d_name, t->d_name);
			if (!in_zcopy(path))
				continue;
			if (atoi(d->d_name) == getpid())
				(*ours)++;
			else
				n++;
		}
		closedir(tasks);
	}
	closedir(dir);
	return n;
}

/*
 * One user's transfers from a file that never answers, from many
 * contexts, hold no thread but those lent to the contexts: no kernel
 * thread sleeps in the module for them.  Closing the contexts takes
 * the lent threads back once the reads fail.
 */
TEST(unanswered_file_holds_only_lent_threads)
{
	enum { CTXS = 10, SOCKS = 10 };
	char dir[] = "/tmp/zcopy-engine-cap.XXXXXX";
	static int zc[CTXS], tx[CTXS * SOCKS], rx[CTXS * SOCKS];
	static struct lent_thread lent[CTXS];
	int fd, c, i, k, ours, others;
	pid_t server;

	fd = open_unanswered(dir, &server);
	if (fd < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));
	for (c = 0; c < CTXS; c++) {
		zc[c] = zc_open();
		ASSERT_LE(0, zc[c]);
		ASSERT_EQ(0, lend_start(&lent[c], zc[c]));
		for (i = 0; i < SOCKS; i++) {
			k = c * SOCKS + i;
			ASSERT_EQ(0, tcp_pair(AF_INET, &tx[k], &rx[k]));
			ASSERT_EQ(0, zc_reg(zc[c], ZCOPY_IOC_REGISTER, tx[k]));
			ASSERT_EQ(1, zc_submit1(zc[c], fd, tx[k], 0, 0, k, 0));
		}
	}
	usleep(1000000);
	for (c = 0; c < CTXS; c++) {
		struct zcopy_cqe cqe = { .res = 1 };

		/* Still waiting for the file, every one. */
		EXPECT_EQ(0, zc_wait(zc[c], &cqe, 1, 0))
			TH_LOG("transfer %llu completed: %lld",
			       (unsigned long long)cqe.user_data,
			       (long long)cqe.res);
	}
	others = sleeping_in_zcopy(&ours);
	TH_LOG("asleep in the module: %d lent threads, %d others", ours,
	       others);
	EXPECT_EQ(0, others);
	EXPECT_EQ(CTXS, ours);
	for (c = 0; c < CTXS; c++)
		close(zc[c]);
	fuse_stop(dir, server);
	for (c = 0; c < CTXS; c++) {
		pthread_join(lent[c].thread, NULL);
		EXPECT_EQ(0, lent[c].ret);
	}
	for (k = 0; k < CTXS * SOCKS; k++) {
		close(tx[k]);
		close(rx[k]);
	}
	close(fd);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_CONTEXTS, 0, TIMEOUT_MS));
}

ZC_HARNESS_MAIN
