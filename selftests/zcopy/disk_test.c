// SPDX-License-Identifier: GPL-2.0
/*
 * Reading from the disk: a transfer that meets pages not in the page
 * cache starts the read and returns; the end of the read resumes it.  No
 * thread sleeps on the disk for it, neither the submitter nor a worker.
 *
 * The disk is slow on purpose: a loop device over a file in /tmp, under
 * a device-mapper "delay" target (every read waits DELAY_MS), with ext4
 * on it.  A thread that waited for those reads would be seen: a sampler
 * looks at every thread in the system every millisecond or two, and
 * counts those in uninterruptible sleep (D) with the module on their
 * stack: a worker in a read, or a test thread inside SUBMIT.
 *
 * One kind of sleep is counted apart: a filesystem reading its own
 * metadata, in a worker (never in SUBMIT).  To find where the data is, while the
 * transfer starts readahead (ext4's extent tree); and to write the
 * access time that every read of the file sets (ext4 reads the block
 * holding the inode, if the cache dropped it).  The kernel's readahead
 * and touch_atime() do that synchronously whoever calls them (io_uring's
 * nonblocking reads too, and FreeBSD's sendfile maps blocks the same
 * way); it is reported, not failed.  Whether a read sets the access
 * time is down to the clock's tick (relatime: not after an access
 * later than the last write), so a run may see it or not.
 */
#include "zc_util.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/mount.h>
#include "kselftest_harness.h"

#define DISK		"/tmp/zc-disk.img"
#define MNT		"/tmp/zc-disk"
#define DM_NAME		"zc_disk"
#define DM_DEV		"/dev/mapper/" DM_NAME
#define DISK_SIZE	disk_bytes(512 * MiB)
#define DELAY_MS	5

/*
 * The bytes a test moves, for one whose property does not depend on
 * the amount: a quarter of @bytes on the debug kernel, where each one
 * costs many times more (the disk and its files took minutes there).
 */
static uint64_t disk_bytes(uint64_t bytes)
{
	return kernel_checks_accesses() ? bytes / 4 : bytes;
}

static char loopdev[64];

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) ? -1 : 0;
}

/* Load @table (create, or reload and switch to it). */
static int dm_table(const char *verb, const char *table)
{
	FILE *f = fopen(DISK ".table", "w");

	if (!f)
		return -1;
	fputs(table, f);
	fclose(f);
	return run("dmsetup %s " DM_NAME " " DISK ".table >/dev/null 2>&1 &&"
		   " dmsetup resume " DM_NAME " >/dev/null 2>&1", verb);
}

static int dm_linear(const char *verb)
{
	char table[128];

	snprintf(table, sizeof(table), "0 %lu linear %s 0",
		 DISK_SIZE / 512, loopdev);
	return dm_table(verb, table);
}

/* Every read of the device waits @ms. */
static int dm_delay(unsigned int ms)
{
	char table[128];

	snprintf(table, sizeof(table), "0 %lu delay %s 0 %u",
		 DISK_SIZE / 512, loopdev, ms);
	return dm_table("reload", table);
}

/* The device with a filesystem of type @fs (mkfs.@fs), or NULL for none. */
static int disk_up(const char *fs)
{
	const char *mkfs;
	struct stat st;
	FILE *p;

	if (run("modprobe -q loop 2>/dev/null; modprobe -q dm-delay 2>/dev/null;"
		" truncate -s %lu " DISK, DISK_SIZE))
		return -1;
	p = popen("losetup -f --show " DISK, "r");
	if (!p)
		return -1;
	if (!fgets(loopdev, sizeof(loopdev), p))
		loopdev[0] = 0;
	pclose(p);
	loopdev[strcspn(loopdev, "\n")] = 0;
	/* Without udev, the node is dmsetup's to make. */
	if (!loopdev[0] || dm_linear("create") ||
	    run("dmsetup mknodes " DM_NAME " >/dev/null 2>&1") ||
	    stat(DM_DEV, &st) || !S_ISBLK(st.st_mode))
		return -1;
	if (!fs)
		return 0;
	if (!strcmp(fs, "xfs"))	/* blocks smaller than a page */
		mkfs = "modprobe -q xfs 2>/dev/null; mkfs.xfs -q -f -K -b size=1024";
	else
		mkfs = "mkfs.ext4 -q -F -E nodiscard";
	return run("%s " DM_DEV " >/dev/null && mkdir -p " MNT
		   " && mount -t %s " DM_DEV " " MNT, mkfs, fs);
}

static void disk_down(void)
{
	run("umount " MNT " 2>/dev/null; dmsetup remove " DM_NAME
	    " 2>/dev/null; losetup -d %s 2>/dev/null; rm -f " DISK " " DISK ".table",
	    loopdev);
}

/* Threads in D state with the module on their stack. */
struct sampler {
	pthread_t thread;
	volatile int stop;
	long samples;
	int peak;		/* waiting for data */
	int peak_meta;		/* reading metadata to start a read */
	char seen[512];		/* the first data wait's stack, to say why */
};

static bool metadata_read(const char *stack)
{
	static const char *const frames[] = {
		"__wait_on_buffer", "_read_bh", "bh_read", "__bread",
		"read_extent_tree_block", "xfs_buf_read", "touch_atime",
	};
	unsigned int i;

	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		if (strstr(stack, frames[i]))
			return true;
	return false;
}

/* Read /proc/PID/task/TID/NAME into @buf; false if the task is gone. */
static bool read_task_file(const char *pid, const char *tid, const char *name,
			   char *buf, size_t size)
{
	char path[80];

	snprintf(path, sizeof(path), "/proc/%.16s/task/%.16s/%s", pid, tid,
		 name);
	return read_text(path, buf, size) > 0;
}

/*
 * 0: not asleep in the module; 1: waiting for data, or a submitter (this
 * process) waiting at all in SUBMIT; 2: task work (which starts reads)
 * waiting for metadata.
 */
static int blocked_in_module(const char *pid, const char *tid, char *seen,
			     size_t n)
{
	bool submitter = atoi(pid) == getpid();
	char buf[4096], *state;

	if (!read_task_file(pid, tid, "stat", buf, sizeof(buf)))
		return 0;
	state = strrchr(buf, ')');
	if (!state || state[1] != ' ' || state[2] != 'D')
		return 0;
	if (!read_task_file(pid, tid, "stack", buf, sizeof(buf)))
		return 0;
	if (!strstr(buf, "[zcopy]"))
		return 0;
	if ((!submitter || strstr(buf, "task_work_run")) &&
	    metadata_read(buf))
		return 2;
	if (!seen[0]) {
		buf[n - 1] = 0;
		memcpy(seen, buf, n);
	}
	return 1;
}

static void count_blocked(int *data, int *meta, char *seen, size_t n)
{
	struct dirent *p, *t;
	char path[64];
	DIR *proc, *tasks;

	*data = *meta = 0;
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/task", p->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] < '0' || t->d_name[0] > '9')
				continue;
			switch (blocked_in_module(p->d_name, t->d_name, seen,
						  n)) {
			case 1:
				(*data)++;
				break;
			case 2:
				(*meta)++;
				break;
			}
		}
		closedir(tasks);
	}
	closedir(proc);
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	int data, meta;

	while (!s->stop) {
		count_blocked(&data, &meta, s->seen, sizeof(s->seen));
		if (data > s->peak)
			s->peak = data;
		if (meta > s->peak_meta)
			s->peak_meta = meta;
		__atomic_add_fetch(&s->samples, 1, __ATOMIC_RELEASE);
		usleep(1000);
	}
	return NULL;
}

/* Returns once the sampler has looked once: it sees the whole run. */
static void sampler_start(struct sampler *s)
{
	memset(s, 0, sizeof(*s));
	pthread_create(&s->thread, NULL, sampler_main, s);
	while (!__atomic_load_n(&s->samples, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static void sampler_stop(struct sampler *s)
{
	s->stop = 1;
	pthread_join(s->thread, NULL);
}

/* N cold sources, each sent whole over its own connection, all at once. */
#define N_MAX		256

struct batch {
	int nr;
	int file[N_MAX];
	uint64_t off[N_MAX], len[N_MAX], want[N_MAX];
	int tx[N_MAX], rx[N_MAX];
	struct receiver recv[N_MAX];
};

/*
 * Send every source of @b at once from one context: submit all, collect
 * every completion.  Returns the number of completions with the full
 * length, and checks what each receiver got.
 */
static int send_batch(struct __test_metadata *_metadata, struct batch *b,
		      struct zcopy_cqe *cqe0)
{
	static struct zcopy_sqe sqe[N_MAX];
	static struct zcopy_cqe cqe[N_MAX];
	int zc, i, done = 0, sent = 0, got = 0, r;

	zc = zc_open();
	if (zc < 0)
		return -1;
	for (i = 0; i < b->nr; i++) {
		if (tcp_pair(AF_INET, &b->tx[i], &b->rx[i]) ||
		    receiver_start(&b->recv[i], b->rx[i]) ||
		    zc_reg(zc, ZCOPY_IOC_REGISTER, b->tx[i]))
			return -1;
		sqe[i] = zc_sqe(b->file[i], b->tx[i], b->off[i], b->len[i], i, 0);
	}
	while (sent < b->nr) {
		r = zc_submit(zc, sqe + sent, b->nr - sent);
		if (r < 0 && errno != EAGAIN)
			return -1;
		if (r > 0)
			sent += r;
		else
			got += zc_wait(zc, cqe + got, 1, 60000);
	}
	got += zc_wait(zc, cqe + got, b->nr - got, 120000);
	EXPECT_EQ(b->nr, got);
	for (i = 0; i < got; i++) {
		if (cqe[i].user_data == 0 && cqe0)
			*cqe0 = cqe[i];
		if (!cqe[i].error &&
		    cqe[i].res == (int64_t)b->len[cqe[i].user_data])
			done++;
	}
	for (i = 0; i < b->nr; i++) {
		shutdown(b->tx[i], SHUT_WR);
		receiver_join(&b->recv[i]);
		if (!cqe0 || i) {
			EXPECT_EQ(b->len[i], b->recv[i].bytes);
			EXPECT_EQ(b->want[i], b->recv[i].hash);
		} else {
			/* What the first one says it sent, the peer got. */
			EXPECT_EQ(cqe0->res, b->recv[i].bytes);
		}
		close(b->tx[i]);
		close(b->rx[i]);
	}
	close(zc);
	return done;
}

struct counts {
	long long async, blocking;
};

static struct counts counts_now(void)
{
	return (struct counts){ stat_value(ZCOPY_A_STATS_READS_ASYNC),
				stat_value(ZCOPY_A_STATS_READS_BLOCKING) };
}

FIXTURE(disk) {
	struct batch b;
	long long timeout_ms;	/* deferred-timeout-ms, if a test set it */
	long long budget;	/* submit-budget, if a test set it */
};

FIXTURE_SETUP(disk)
{
	if (geteuid())
		SKIP(return, "needs root: loop and device-mapper devices");
	if (access("/sbin/dmsetup", X_OK) && access("/usr/sbin/dmsetup", X_OK))
		SKIP(return, "no dmsetup");
	disk_down();
}

FIXTURE_TEARDOWN(disk)
{
	int i;

	for (i = 0; i < self->b.nr; i++)
		close(self->b.file[i]);
	disk_down();
	if (self->timeout_ms > 0)
		zc_config_set(ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS,
			      self->timeout_ms);
	if (self->budget > 0)
		zc_config_set64(ZCOPY_A_CONFIG_SUBMIT_BUDGET, self->budget);
}

/* Sizes from 4 KiB to 64 MiB: 256 files, 208 MiB (52 MiB on debug). */
static uint64_t file_size(int i)
{
	static const uint64_t sizes[] = { 4096, 64 << 10, 256 << 10, MiB };

	if (i == 7 || i == 130)
		return disk_bytes(64 * MiB);
	return disk_bytes(sizes[i % 4]);
}

TEST_F_TIMEOUT(disk, cold_files_are_read_without_a_sleeping_thread, 300)
{
	struct counts before, after;
	struct sampler s;
	char path[PATH_MAX];
	int i;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	self->b.nr = N_MAX;
	for (i = 0; i < N_MAX; i++) {
		snprintf(path, sizeof(path), MNT "/f%d", i);
		self->b.file[i] = make_file(path, file_size(i), i);
		ASSERT_LE(0, self->b.file[i]);
		self->b.len[i] = file_size(i);
		self->b.want[i] = hash_file(self->b.file[i], HASH_INIT, 0,
					    file_size(i));
	}
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, dm_delay(DELAY_MS));
	ASSERT_EQ(0, drop_caches());
	for (i = 0; i < N_MAX; i += 37)
		ASSERT_EQ(0, resident_pages(self->b.file[i], file_size(i)));

	before = counts_now();
	sampler_start(&s);
	EXPECT_EQ(N_MAX, send_batch(_metadata, &self->b, NULL));
	sampler_stop(&s);
	after = counts_now();

	/* The sampler looked, and saw no thread asleep for a transfer. */
	EXPECT_LE(3, s.samples);
	EXPECT_EQ(0, s.peak) TH_LOG("asleep in the module:\n%s", s.seen);
	TH_LOG("%ld samples; at most %d threads at once read metadata",
	       s.samples, s.peak_meta);
	EXPECT_LT(0, after.async - before.async);
	EXPECT_EQ(0, after.blocking - before.blocking);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_DISK_WAITING, 0, 5000));
	EXPECT_EQ(0, stat_value(ZCOPY_A_STATS_READ_THREADS));
}

/*
 * The reads that a call leaves to its thread's way back to user space
 * are on its budget ("The inline budget" in Documentation/zcopy.rst):
 * N_CALLED cold files of CALLED_SIZE, four budgets in all, over as many
 * connections, in one SUBMIT, which sends nothing inline.  Some of
 * their reads start before SUBMIT returns, not all: the others wait for
 * the next call (the CQ's flags say so), and every file still arrives
 * whole.  Before, SUBMIT left all N_CALLED reads to its task work.
 * A first readahead window over 32 KiB keeps the count below N_CALLED.
 */
#define N_CALLED	64
#define CALLED_SIZE	(128 << 10)

TEST_F_TIMEOUT(disk, a_calls_reads_are_on_its_budget, 300)
{
	static struct zcopy_sqe sqe[N_CALLED];
	static struct zcopy_cqe cqe[N_CALLED];
	struct batch *b = &self->b;
	struct counts before, after;
	struct zc_cq_view cq;
	char path[PATH_MAX];
	int zc, i, got;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	self->budget = zc_config_set64(ZCOPY_A_CONFIG_SUBMIT_BUDGET,
				       N_CALLED * CALLED_SIZE / 4);
	ASSERT_LT(0, self->budget);
	/* The watchdog must not go on with the rest before the look. */
	self->timeout_ms = zc_config_set(ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS,
					 60000);
	ASSERT_LT(0, self->timeout_ms);
	for (i = 0; i < N_CALLED; i++) {
		snprintf(path, sizeof(path), MNT "/called%d", i);
		b->file[i] = make_file(path, CALLED_SIZE, 100 + i);
		ASSERT_LE(0, b->file[i]);
		b->nr = i + 1;
		b->want[i] = hash_file(b->file[i], HASH_INIT, 0, CALLED_SIZE);
	}
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, dm_delay(DELAY_MS));
	ASSERT_EQ(0, drop_caches());
	for (i = 0; i < N_CALLED; i += 9)
		ASSERT_EQ(0, resident_pages(b->file[i], CALLED_SIZE));

	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, zc_map_cq(zc, 2 * N_CALLED, &cq));
	for (i = 0; i < N_CALLED; i++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, &b->tx[i], &b->rx[i]));
		ASSERT_EQ(0, receiver_start(&b->recv[i], b->rx[i]));
		ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, b->tx[i]));
		sqe[i] = zc_sqe(b->file[i], b->tx[i], 0, CALLED_SIZE, i, 0);
	}
	before = counts_now();
	ASSERT_EQ(N_CALLED, zc_submit(zc, sqe, N_CALLED));
	after = counts_now();
	EXPECT_TRUE(*cq.flags & ZCOPY_CQ_F_DEFERRED);
	EXPECT_LT(0, after.async - before.async);
	EXPECT_GT(N_CALLED, after.async - before.async);
	TH_LOG("%lld of %d first reads waited for before SUBMIT returned",
	       after.async - before.async, N_CALLED);

	got = zc_wait(zc, cqe, N_CALLED, 120000);
	EXPECT_EQ(N_CALLED, got);
	for (i = 0; i < got; i++) {
		EXPECT_EQ(0, cqe[i].error);
		EXPECT_EQ(CALLED_SIZE, cqe[i].res);
	}
	for (i = 0; i < N_CALLED; i++) {
		shutdown(b->tx[i], SHUT_WR);
		receiver_join(&b->recv[i]);
		EXPECT_EQ(CALLED_SIZE, b->recv[i].bytes);
		EXPECT_EQ(b->want[i], b->recv[i].hash);
		close(b->tx[i]);
		close(b->rx[i]);
	}
	munmap(cq.mem, cq.size);
	close(zc);
}

TEST_F_TIMEOUT(disk, cold_block_device_is_read_without_a_sleeping_thread, 300)
{
	struct counts before, after;
	struct sampler s;
	int fd, i;

	if (disk_up(NULL))
		SKIP(return, "no loop or dm-delay");
	/* The device's contents: a pattern, written through it. */
	fd = make_file(DM_DEV, disk_bytes(64 * MiB), 3);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	self->b.nr = 16;
	for (i = 0; i < self->b.nr; i++) {
		self->b.file[i] = open(DM_DEV, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->b.file[i]);
		self->b.off[i] = i * disk_bytes(4 * MiB) + i * 513;
		self->b.len[i] = disk_bytes(3 * MiB) + i;
		self->b.want[i] = hash_file(fd, HASH_INIT, self->b.off[i],
					    self->b.len[i]);
	}
	close(fd);
	/* Slower than for the files: fewer reads, as many samples. */
	ASSERT_EQ(0, dm_delay(4 * DELAY_MS));
	ASSERT_EQ(0, drop_caches());

	before = counts_now();
	sampler_start(&s);
	EXPECT_EQ(self->b.nr, send_batch(_metadata, &self->b, NULL));
	sampler_stop(&s);
	after = counts_now();
	EXPECT_LE(3, s.samples);
	EXPECT_EQ(0, s.peak) TH_LOG("asleep in the module:\n%s", s.seen);
	EXPECT_LT(0, after.async - before.async);
	EXPECT_EQ(0, after.blocking - before.blocking);
}

/*
 * One cold 64 MiB file (16 MiB on debug): readahead windows, not a read
 * per page; the file's own readahead state grows them as for a
 * sequential reader.
 */
TEST_F_TIMEOUT(disk, sequential_transfer_reads_ahead, 300)
{
	const uint64_t size = disk_bytes(64 * MiB), pages = size / 4096;
	struct counts before, after;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	self->b.nr = 1;
	self->b.file[0] = make_file(MNT "/big", size, 9);
	ASSERT_LE(0, self->b.file[0]);
	self->b.len[0] = size;
	self->b.want[0] = hash_file(self->b.file[0], HASH_INIT, 0, size);
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, drop_caches());
	before = counts_now();
	EXPECT_EQ(1, send_batch(_metadata, &self->b, NULL));
	after = counts_now();
	/* Readahead waits at most once per 32 pages. */
	EXPECT_LT(0, after.async - before.async);
	EXPECT_GE(pages / 32, after.async - before.async);
	EXPECT_EQ(0, after.blocking - before.blocking);
}

/*
 * A device that fails reads in [8 MiB, 9 MiB): a transfer across it
 * fails with -EIO after the 8 MiB before it, and says so; one that
 * stops short of it, or starts past it, succeeds.  A failed read leaves every folio of its request not up to
 * date, those the device had too; each goes to the file's own read (a
 * megabyte at a time), which retries once, as for sendfile, and fails
 * on the bad ones.  The rest is read asynchronously.
 */
TEST_F_TIMEOUT(disk, read_error_completes_eio, 300)
{
	struct counts before, after;
	struct zcopy_cqe cqe0 = { 0 };
	char table[256];
	int fd, i;

	if (disk_up(NULL))
		SKIP(return, "no loop or dm-delay");
	fd = make_file(DM_DEV, 16 * MiB, 4);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	snprintf(table, sizeof(table),
		 "0 16384 linear %s 0\n16384 2048 error\n"
		 "18432 %lu linear %s 18432", loopdev,
		 DISK_SIZE / 512 - 18432, loopdev);
	ASSERT_EQ(0, dm_table("reload", table));
	self->b.nr = 3;
	self->b.off[0] = 0;
	self->b.len[0] = 16 * MiB;
	self->b.off[1] = 0;
	self->b.len[1] = 4 * MiB;
	self->b.off[2] = 9 * MiB;
	self->b.len[2] = 3 * MiB;
	for (i = 0; i < 3; i++) {
		self->b.file[i] = open(DM_DEV, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->b.file[i]);
		self->b.want[i] = hash_file(fd, HASH_INIT, self->b.off[i],
					    self->b.len[i]);
	}
	close(fd);
	ASSERT_EQ(0, drop_caches());
	before = counts_now();
	EXPECT_EQ(2, send_batch(_metadata, &self->b, &cqe0));
	after = counts_now();
	EXPECT_EQ(-EIO, cqe0.error);
	EXPECT_EQ(8 * MiB, cqe0.res);
	EXPECT_LT(0, after.async - before.async);
	EXPECT_GE(4, after.blocking - before.blocking);
	TH_LOG("%lld asynchronous reads, %lld blocking",
	       after.async - before.async, after.blocking - before.blocking);
}

/*
 * ZCOPY_F_DONTCACHE from the disk: once released, the pages it read are
 * gone again, and those that were cached before it stay.
 */
TEST_F_TIMEOUT(disk, dontcache_drops_what_it_read, 300)
{
	const size_t size = 16 * MiB, warm = 4 * MiB;
	long page = sysconf(_SC_PAGESIZE);
	struct counts before, after;
	struct zcopy_cqe cqe;
	struct receiver r;
	int zc, tx, rx, fd, other;
	uint64_t want;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	fd = make_file(MNT "/dc", size, 11);
	ASSERT_LE(0, fd);
	want = hash_file(fd, HASH_INIT, 0, size);
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, drop_caches());
	/* Someone else's reads, of exactly those pages: no readahead. */
	other = open(MNT "/dc", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, posix_fadvise(other, 0, 0, POSIX_FADV_RANDOM));
	hash_file(other, HASH_INIT, 0, warm);
	close(other);
	ASSERT_EQ(warm / page, resident_range(fd, 0, size));
	ASSERT_EQ(0, dm_delay(DELAY_MS));

	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, receiver_start(&r, rx));
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	before = counts_now();
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, size, 1,
				ZCOPY_F_DONTCACHE | ZCOPY_F_RELEASE));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, 60000));
	after = counts_now();
	EXPECT_EQ((int64_t)size, cqe.res);
	shutdown(tx, SHUT_WR);
	receiver_join(&r);
	EXPECT_EQ(size, r.bytes);
	EXPECT_EQ(want, r.hash);
	EXPECT_EQ(warm / page, resident_range(fd, 0, warm));
	EXPECT_EQ(0, resident_range(fd, warm, size - warm));
	EXPECT_LT(0, after.async - before.async);
	EXPECT_EQ(0, after.blocking - before.blocking);
	close(zc);
	close(tx);
	close(rx);
	close(fd);
}

/* O_DIRECT has no page cache to wait on: the blocking read, counted. */
TEST_F_TIMEOUT(disk, o_direct_takes_the_blocking_read, 300)
{
	struct counts before, after;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	self->b.nr = 1;
	self->b.file[0] = make_file(MNT "/direct", 8 * MiB + 100, 12);
	ASSERT_LE(0, self->b.file[0]);
	self->b.len[0] = 8 * MiB + 100;
	self->b.want[0] = hash_file(self->b.file[0], HASH_INIT, 0,
				    self->b.len[0]);
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, drop_caches());
	ASSERT_EQ(0, fcntl(self->b.file[0], F_SETFL, O_DIRECT));
	before = counts_now();
	EXPECT_EQ(1, send_batch(_metadata, &self->b, NULL));
	after = counts_now();
	EXPECT_EQ(0, after.async - before.async);
	EXPECT_LT(0, after.blocking - before.blocking);
}

/* Whether the kernel has warned since boot (taint flag W). */
static bool kernel_warned(void)
{
	char buf[32];

	return read_text("/proc/sys/kernel/tainted", buf, sizeof(buf)) > 0 &&
	       strtoul(buf, NULL, 10) & (1UL << 9);
}

/*
 * A large folio read through the file's own read.  6.1's read into a
 * pipe hands one over as a single buffer spanning its pages, which the
 * send must split.  XFS caches a file read sequentially in large
 * folios; a page of which only one 1 KiB block was written (and the
 * rest never read) is neither up to date nor being read, so the
 * transfer takes the file's own read there, which reads on into them.
 */
TEST_F_TIMEOUT(disk, large_folios_through_the_files_own_read, 300)
{
	static char buf[MiB];
	const size_t size = 4 * MiB;
	bool warned = kernel_warned();
	struct counts before, after;
	char head[1024];
	int fd;

	if (disk_up("xfs"))
		SKIP(return, "no loop or XFS");
	fd = make_file(MNT "/large", size, 13);
	ASSERT_LE(0, fd);
	self->b.nr = 1;
	self->b.file[0] = fd;
	self->b.len[0] = size;
	self->b.want[0] = hash_file(fd, HASH_INIT, 0, size);
	ASSERT_EQ(sizeof(head), pread(fd, head, sizeof(head), 0));
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, drop_caches());
	/* All but the first page, read ahead in growing folios. */
	for (off_t off = 4096; off < (off_t)size; off += sizeof(buf))
		ASSERT_LT(0, pread(fd, buf, sizeof(buf), off));
	/* The first block written again, alone: its page is part read. */
	ASSERT_EQ(sizeof(head), pwrite(fd, head, sizeof(head), 0));
	before = counts_now();
	EXPECT_EQ(1, send_batch(_metadata, &self->b, NULL));
	after = counts_now();
	EXPECT_LT(0, after.blocking - before.blocking);
	/* The bytes arrive even so: the next pass takes the cached path. */
	if (!warned)
		EXPECT_FALSE(kernel_warned());
}

#define CGROUP		"/sys/fs/cgroup"
#define IO_BPS		(2 * MiB)	/* io.max: the device reads at this */
#define IO_FILE		(8 * MiB)	/* 4 s of it */

/* Seconds to send @fd whole, cold, through zcopy (@zcopy) or sendfile(). */
static double cold_send_seconds(int fd, bool zcopy)
{
	struct zcopy_cqe cqe;
	struct receiver recv;
	int zc = -1, tx, rx;
	long long t0, ok;
	off_t off = 0;

	if (drop_caches() || tcp_pair(AF_INET, &tx, &rx) ||
	    receiver_start(&recv, rx))
		return -1;
	t0 = now_ms();
	if (zcopy) {
		zc = zc_open();
		ok = zc >= 0 && !zc_reg(zc, ZCOPY_IOC_REGISTER, tx) &&
		     zc_submit1(zc, fd, tx, 0, 0, 1, 0) == 1 &&
		     zc_wait(zc, &cqe, 1, 120000) == 1 &&
		     cqe.res == (int64_t)IO_FILE;
	} else {
		ok = sendfile(tx, fd, &off, IO_FILE) == (ssize_t)IO_FILE;
	}
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	ok = ok && recv.bytes == IO_FILE;
	t0 = now_ms() - t0;
	close(zc);
	close(tx);
	close(rx);
	return ok ? t0 / 1000.0 : -1;
}

/*
 * io.max on the submitter's block cgroup throttles the reads a cold
 * transfer starts, as it throttles sendfile()'s: at IO_BPS, IO_FILE
 * takes 4 s; both must take at least half of that.  (A slower machine
 * only takes longer: the bound cannot fail for lack of speed.)
 */
TEST_F_TIMEOUT(disk, io_max_throttles_cold_reads_like_sendfile, 300)
{
	char cg[64], path[96], limit[64], pid[16];
	double times[2] = { 0 }, *shared;
	struct stat st;
	int status, fd;
	pid_t child;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	if (access(CGROUP "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	if (write_str(CGROUP "/cgroup.subtree_control", "+io"))
		SKIP(return, "no cgroup2 io controller: %s", strerror(errno));
	fd = make_file(MNT "/throttled", IO_FILE, 13);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, stat(DM_DEV, &st));
	snprintf(cg, sizeof(cg), CGROUP "/zcopy-io-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(path, sizeof(path), "%s/io.max", cg);
	snprintf(limit, sizeof(limit), "%u:%u rbps=%lu", major(st.st_rdev),
		 minor(st.st_rdev), IO_BPS);
	ASSERT_EQ(0, write_str(path, limit));
	shared = mmap(NULL, sizeof(times), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_str(path, pid))
			_exit(10);
		shared[0] = cold_send_seconds(fd, true);
		shared[1] = cold_send_seconds(fd, false);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	memcpy(times, shared, sizeof(times));
	TH_LOG("%lu MiB cold at %lu MiB/s: zcopy %.2f s, sendfile %.2f s",
	       IO_FILE / MiB, IO_BPS / MiB, times[0], times[1]);
	EXPECT_LE(2.0, times[0]);
	EXPECT_LE(2.0, times[1]);
	munmap(shared, sizeof(times));
	close(fd);
	EXPECT_EQ(0, rmdir(cg));
}

/* ext4's shut-down ioctl (XFS's XFS_IOC_GOINGDOWN is the same number). */
#define EXT4_IOC_SHUTDOWN		_IOR('X', 125, __u32)
#define EXT4_GOING_FLAGS_NOLOGFLUSH	0x2

/*
 * A filesystem shut down refuses every read, cached or not: sendfile
 * fails with EIO, and so must a transfer of a file whose pages are all
 * in the page cache.
 */
TEST_F_TIMEOUT(disk, shut_down_filesystem_refuses_cached_reads, 300)
{
	__u32 how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	struct zcopy_cqe cqe;
	int fd, zc, tx, rx;
	off_t off = 0;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	fd = make_file(MNT "/down", MiB, 14);
	ASSERT_LE(0, fd);
	/* Cached: make_file() wrote it, hash_file() reads it all. */
	hash_file(fd, HASH_INIT, 0, MiB);
	ASSERT_EQ(0, ioctl(fd, EXT4_IOC_SHUTDOWN, &how));
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	EXPECT_EQ(-1, sendfile(tx, fd, &off, MiB));
	EXPECT_EQ(EIO, errno);
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, MiB, 1, 0));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, 30000));
	EXPECT_EQ(-EIO, cqe.res);
	EXPECT_EQ(-EIO, cqe.error);
	close(zc);
	close(tx);
	close(rx);
	close(fd);
}

/*
 * Cancel, unregister and close while reads are on their way: the
 * cancelled transfer completes -ECANCELED once its read ends, and
 * nothing is left waiting afterwards (the debug kernel's leak and
 * lifetime checks see the rest).
 */
TEST_F_TIMEOUT(disk, cancel_and_close_while_the_disk_reads, 300)
{
	struct zcopy_cqe cqe;
	int zc, zc2, tx, rx, tx2, rx2, fd, i;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	fd = make_file(MNT "/slow", 32 * MiB, 13);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, dm_delay(200));
	ASSERT_EQ(0, drop_caches());
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx2, &rx2));
	zc = zc_open();
	zc2 = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_LE(0, zc2);
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, zc_reg(zc2, ZCOPY_IOC_REGISTER, tx2));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 32 * MiB, 5, 0));
	ASSERT_EQ(1, zc_submit1(zc2, fd, tx2, 16 * MiB, 16 * MiB, 6, 0));
	/* A worker starts the reads: wait for it to have done so. */
	for (i = 0; i < zc_ms(5000) / 10 && stat_value(ZCOPY_A_STATS_DISK_WAITING) < 2; i++)
		usleep(10000);
	EXPECT_LE(2, stat_value(ZCOPY_A_STATS_DISK_WAITING));
	EXPECT_EQ(1, zc_cancel(zc, 5));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, 30000));
	EXPECT_EQ(-ECANCELED, cqe.error);
	EXPECT_EQ(0, zc_reg(zc2, ZCOPY_IOC_UNREGISTER, tx2));
	close(zc2);
	close(zc);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_DISK_WAITING, 0, 30000));
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, 30000));
	close(tx);
	close(rx);
	close(tx2);
	close(rx2);
	close(fd);
}

/*
 * The bytes of the reads submitted to block devices so far (counted as
 * each read is submitted, whoever ends it): /proc/vmstat's pgpgin, in
 * KiB; -1 if the kernel does not count them.  A dm device's reads to
 * the loop device under it are not counted again, and the loop device
 * reads a file in /tmp, which has no block device.
 */
static long long read_bytes_submitted(void)
{
	long long kib = key_value("/proc/vmstat", "pgpgin");

	return kib < 0 ? -1 : kib * 1024;
}

/*
 * Transfers queued on one socket behind one that waits for the disk
 * have their reads started while it waits, not one after the other:
 * when SUBMIT of eight cold files returns (its deferred pass has run on
 * the way back), the first file's read and those of files behind it
 * have been submitted.  Every read waits a second, so the first is
 * still waited for when its pass looks; the files are opened O_NOATIME,
 * so that no inode is read to set the time.  Then the stream is whole
 * and in order.
 */
TEST_F_TIMEOUT(disk, reads_start_behind_a_disk_wait, 300)
{
	enum { N = 8 };
	const uint64_t size = 64 << 10;
	struct zcopy_sqe sqe[N];
	struct zcopy_cqe cqe[N];
	uint64_t want = HASH_INIT;
	struct receiver recv;
	char path[PATH_MAX];
	long long before, reading;
	int zc, tx, rx, i, got;

	if (disk_up("ext4"))
		SKIP(return, "no loop, dm-delay or ext4");
	self->b.nr = N;
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), MNT "/q%d", i);
		self->b.file[i] = make_file(path, size, 20 + i);
		ASSERT_LE(0, self->b.file[i]);
		want = hash_file(self->b.file[i], want, 0, size);
		close(self->b.file[i]);
		self->b.file[i] = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
		ASSERT_LE(0, self->b.file[i]);
	}
	if (read_bytes_submitted() < 0)
		SKIP(return, "no pgpgin in /proc/vmstat");
	ASSERT_EQ(0, run("sync"));
	ASSERT_EQ(0, dm_delay(1000));
	ASSERT_EQ(0, drop_caches());
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, resident_pages(self->b.file[i], size));

	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(0, receiver_start(&recv, rx));
	for (i = 0; i < N; i++)
		sqe[i] = zc_sqe(self->b.file[i], tx, 0, size, i, 0);
	before = read_bytes_submitted();
	ASSERT_EQ(N, zc_submit(zc, sqe, N));
	reading = read_bytes_submitted() - before;
	/*
	 * The first file's read, and at least two behind it (more than a
	 * cold page fault's readahead could add meanwhile).
	 */
	EXPECT_LE((long long)(3 * size), reading);
	TH_LOG("bytes whose reads SUBMIT started: %lld", reading);

	for (got = 0; got < N; got += i) {
		i = zc_wait(zc, cqe + got, N - got, 60000);
		ASSERT_LT(0, i);
	}
	for (i = 0; i < N; i++) {
		EXPECT_EQ((uint64_t)i, cqe[i].user_data);
		EXPECT_EQ((int64_t)size, cqe[i].res);
	}
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ(N * size, recv.bytes);
	EXPECT_EQ(want, recv.hash);
	close(zc);
	close(tx);
	close(rx);
}

ZC_HARNESS_MAIN
