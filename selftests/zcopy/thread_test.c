// SPDX-License-Identifier: GPL-2.0
/*
 * Which thread does a user's work: always one of its own.
 *  - a read that may block runs in the thread that submitted it, or in
 *    a thread lent to the context (ZCOPY_IOC_LEND), never in a kernel
 *    worker: a FUSE server sees who reads;
 *  - so it reads what that thread's sendfile() would read: the UTS,
 *    PID, time and cgroup namespaces of the submitter apply to procfs;
 *  - lending: bad flags, a signal, ZCOPY_LEND_STOP and the last close()
 *    each end it as documented;
 *  - a submitter that exits leaves nothing running for it: another
 *    thread of its process carries its transfers on, and once the
 *    process is gone they complete with an error;
 *  - what a context costs is charged to the memory cgroup of the
 *    process that opened it.
 */
#include "zc_util.h"

#include <dirent.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sendfile.h>

#include "kselftest_harness.h"

#define TIMEOUT_MS	60000
#define CGROUP		"/sys/fs/cgroup"

/* The thread id a zc_fuse "reader" file gave: its first line. */
static int reader_tid(const char *text)
{
	return atoi(text);
}

struct submitter {
	pthread_t thread;
	int zc, file, sock;
	volatile pid_t tid;
	int ret;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;

	s->tid = gettid();
	s->ret = zc_submit1(s->zc, s->file, s->sock, 0, 4096, 1, 0);
	return NULL;
}

/*
 * Send the first 4 KiB of the zc_fuse "reader" file at @path through
 * @zc, submitted by a new thread, and return the id of the thread the
 * server saw reading, or -1; the submitter's id in *@submitter_tid.
 */
static int fuse_reader_tid(int zc, const char *path, pid_t *submitter_tid)
{
	struct submitter s = { .zc = zc };
	char text[4096 + 1];
	struct zcopy_cqe cqe;
	int rx, ret = -1;

	s.file = open(path, O_RDONLY | O_CLOEXEC);
	if (s.file < 0 || tcp_pair(AF_INET, &s.sock, &rx) ||
	    zc_reg(zc, ZCOPY_IOC_REGISTER, s.sock))
		return -1;
	if (pthread_create(&s.thread, NULL, submit_main, &s))
		return -1;
	pthread_join(s.thread, NULL);
	*submitter_tid = s.tid;
	/* 4 KiB: the socket's buffers hold it all. */
	if (s.ret == 1 && zc_wait(zc, &cqe, 1, TIMEOUT_MS) == 1 &&
	    cqe.res == 4096 && recv(rx, text, 4096, MSG_WAITALL) == 4096) {
		text[4096] = 0;
		ret = reader_tid(text);
	}
	zc_reg(zc, ZCOPY_IOC_UNREGISTER, s.sock);
	close(s.sock);
	close(rx);
	close(s.file);
	return ret;
}

/* A context, and a zc_fuse "reader" file to send from it. */
FIXTURE(reader) {
	char dir[32], path[64];
	pid_t server;
	int zc;
};

FIXTURE_SETUP(reader)
{
	strcpy(self->dir, "/tmp/zcopy-thread-fuse.XXXXXX");
	self->zc = -1;
	self->server = fuse_start(self->dir, self->path, sizeof(self->path),
				  "reader", NULL);
	if (self->server < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
}

FIXTURE_TEARDOWN(reader)
{
	if (self->zc >= 0)
		close(self->zc);
	if (self->server > 0)
		fuse_stop(self->dir, self->server);
}

/* Without a lent thread, the file's read runs in the submitting thread. */
TEST_F(reader, blocking_read_runs_in_submitting_thread)
{
	pid_t submitter = 0;
	int tid = fuse_reader_tid(self->zc, self->path, &submitter);

	EXPECT_EQ(submitter, tid);
}

/* With one, it runs there, not in the submitting thread. */
TEST_F(reader, blocking_read_runs_in_lent_thread)
{
	struct lent_thread lent;
	pid_t submitter = 0;
	int tid;

	ASSERT_EQ(0, lend_start(&lent, self->zc));
	tid = fuse_reader_tid(self->zc, self->path, &submitter);
	EXPECT_EQ(lent.tid, tid);
	EXPECT_NE(submitter, tid);
	EXPECT_EQ(0, lend_stop(&lent));
	EXPECT_EQ(0, lent.ret);
}

TEST(lend_refuses_unknown_flags)
{
	int zc = zc_open();

	ASSERT_LE(0, zc);
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_LEND, 2UL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_LEND, ~0UL));
	EXPECT_EQ(EINVAL, errno);
	close(zc);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A signal caught without SA_RESTART takes a lent thread back: EINTR. */
TEST(signal_takes_lent_thread_back)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct lent_thread lent;
	int zc = zc_open();

	ASSERT_LE(0, zc);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, lend_start(&lent, zc));
	ASSERT_EQ(0, pthread_kill(lent.thread, SIGUSR1));
	pthread_join(lent.thread, NULL);
	EXPECT_EQ(-1, lent.ret);
	EXPECT_EQ(EINTR, lent.err);
	close(zc);
}

/* ZCOPY_LEND_STOP takes every lent thread back, and for good. */
TEST(stop_takes_lent_threads_back_for_good)
{
	struct lent_thread lent[2];
	int zc = zc_open();

	ASSERT_LE(0, zc);
	ASSERT_EQ(0, lend_start(&lent[0], zc));
	ASSERT_EQ(0, lend_start(&lent[1], zc));
	EXPECT_EQ(0, lend_stop(&lent[0]));
	pthread_join(lent[1].thread, NULL);
	EXPECT_EQ(0, lent[0].ret);
	EXPECT_EQ(0, lent[1].ret);
	/* From then on, a thread lent comes back at once. */
	EXPECT_EQ(0, ioctl(zc, ZCOPY_IOC_LEND, 0));
	close(zc);
}

/*
 * The close() of the last descriptor takes the lent threads back, so
 * the context goes away with it; a close() of a dup does not.
 */
TEST(last_close_takes_lent_threads_back)
{
	long long ctx0 = contexts_settled();
	struct lent_thread lent;
	int zc = zc_open(), dup_fd;

	ASSERT_LE(0, zc);
	ASSERT_EQ(0, lend_start(&lent, zc));
	dup_fd = dup(zc);
	ASSERT_LE(0, dup_fd);
	close(dup_fd);
	usleep(100000);
	EXPECT_FALSE(lent.done);
	close(zc);
	pthread_join(lent.thread, NULL);
	EXPECT_EQ(0, lent.ret);
	EXPECT_EQ(ctx0, stat_wait(ZCOPY_A_STATS_CONTEXTS, ctx0, TIMEOUT_MS));
}

/*
 * A file whose last reference a lent thread drops is closed by then, as
 * a user thread closes files, although the thread stays lent: a socket
 * closed and unregistered while the lent thread's read for it hangs is
 * closed (its peer sees the end) once the read fails.
 */
TEST(lent_thread_closes_what_it_let_go)
{
	char dir[] = "/tmp/zcopy-thread-hang.XXXXXX", path[64];
	struct lent_thread lent;
	struct pollfd pfd;
	int zc, fd, tx, rx;
	pid_t server;
	char c;

	server = fuse_start(dir, path, sizeof(path), "hang", NULL);
	if (server < 0)
		SKIP(return, "no FUSE mount: %s", strerror(errno));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, lend_start(&lent, zc));
	ASSERT_EQ(0, tcp_pair(AF_INET, &tx, &rx));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	ASSERT_EQ(1, zc_submit1(zc, fd, tx, 0, 0, 1, 0));
	usleep(300000);
	/* The lent thread's read holds the registration now. */
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_UNREGISTER, tx));
	close(tx);
	fuse_stop(dir, server);
	pfd = (struct pollfd){ .fd = rx, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, zc_ms(5000)))
		TH_LOG("the socket stayed open in the lent thread");
	EXPECT_GE(0, recv(rx, &c, 1, 0));
	EXPECT_FALSE(lent.done)
		TH_LOG("the lent thread came back: %d, %s", lent.ret,
		       strerror(lent.err));
	EXPECT_EQ(0, lend_stop(&lent));
	close(rx);
	close(fd);
	close(zc);
}

struct parked_submit {
	int zc, file, sock;
	int ret;
};

static void *submit_and_exit(void *arg)
{
	struct parked_submit *p = arg;

	p->ret = zc_submit1(p->zc, p->file, p->sock, 0, 0, 5, 0);
	return NULL;
}

/*
 * A thread that submitted and exited, in a process that lives on: the
 * process's other threads carry its transfer through, whole.
 */
TEST(exited_thread_transfer_goes_on_in_its_process)
{
	const size_t size = 16 * MiB;
	struct zcopy_cqe cqe = { 0 };
	struct parked_submit p;
	struct receiver recv;
	pthread_t thread;
	int zc, fd, tx, rx;

	fd = make_file("/tmp/zcopy-thread-exit", size, 3);
	ASSERT_LE(0, fd);
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx, &rx, TCP_PAIR_SMALL));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	p = (struct parked_submit){ .zc = zc, .file = fd, .sock = tx };
	ASSERT_EQ(0, pthread_create(&thread, NULL, submit_and_exit, &p));
	pthread_join(thread, NULL);
	ASSERT_EQ(1, p.ret);
	ASSERT_EQ(0, receiver_start(&recv, rx));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(5, cqe.user_data);
	EXPECT_EQ(0, cqe.error);
	EXPECT_EQ((long long)size, cqe.res);
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_UNREGISTER, tx));
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ(size, recv.bytes);
	close(tx);
	close(rx);
	close(zc);
	close(fd);
	unlink("/tmp/zcopy-thread-exit");
}

/*
 * A process that submitted to a context it shares (fork) and exited:
 * nothing runs for it any more, and its transfer, parked on a full
 * socket, completes with -ECANCELED when the socket next wakes,
 * reporting the bytes it handed, which are what the peer gets.
 */
TEST(exited_submitter_transfer_completes_cancelled)
{
	const size_t size = 16 * MiB;
	struct zcopy_cqe cqe = { 0 };
	int zc, fd, tx, rx, status;
	struct receiver recv;
	pid_t child;

	fd = make_file("/tmp/zcopy-thread-exit", size, 3);
	ASSERT_LE(0, fd);
	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, tcp_pair_opt(AF_INET, &tx, &rx, TCP_PAIR_SMALL));
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_REGISTER, tx));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(zc_submit1(zc, fd, tx, 0, 0, 5, 0) == 1 ? 0 : 1);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, receiver_start(&recv, rx));
	ASSERT_EQ(1, zc_wait(zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(5, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.error);
	EXPECT_LE(0, cqe.res);
	EXPECT_GT((long long)size, cqe.res);
	ASSERT_EQ(0, zc_reg(zc, ZCOPY_IOC_UNREGISTER, tx));
	shutdown(tx, SHUT_WR);
	receiver_join(&recv);
	EXPECT_EQ((uint64_t)cqe.res, recv.bytes);
	close(tx);
	close(rx);
	close(zc);
	close(fd);
	unlink("/tmp/zcopy-thread-exit");
}

/*
 * Read the procfs file @path (its first @cap bytes) once through zcopy
 * and once through sendfile(), in this process, into @zc_text and
 * @sf_text, NUL-terminated.  Returns 0, or the step that failed.
 */
static int zcopy_and_sendfile(const char *path, char *zc_text,
			      char *sf_text, size_t cap)
{
	struct zcopy_cqe cqe;
	int zc, fd, tx, rx;
	ssize_t n;
	off_t off = 0;

	zc = zc_open();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (zc < 0 || fd < 0 || tcp_pair(AF_INET, &tx, &rx) ||
	    zc_reg(zc, ZCOPY_IOC_REGISTER, tx))
		return 1;
	if (zc_submit1(zc, fd, tx, 0, cap - 1, 1, 0) != 1 ||
	    zc_wait(zc, &cqe, 1, TIMEOUT_MS) != 1 || cqe.res <= 0)
		return 2;
	n = recv(rx, zc_text, cqe.res, MSG_WAITALL);
	if (n != cqe.res)
		return 3;
	zc_text[n] = 0;
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 4;
	n = sendfile(tx, fd, &off, cap - 1);
	if (n < 0 && errno == EINVAL) {
		/* No splice_read on this kernel: its read() says the same. */
		n = read(fd, sf_text, cap - 1);
	} else if (n > 0 && recv(rx, sf_text, n, MSG_WAITALL) != n) {
		return 6;
	}
	if (n <= 0)
		return 5;
	sf_text[n] = 0;
	close(fd);
	close(tx);
	close(rx);
	close(zc);
	return 0;
}

/* The last space-separated field of @text, in @out. */
static void last_field(const char *text, char *out, size_t cap)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != ' ')
		start--;
	snprintf(out, cap, "%.*s", (int)(end - start), start);
}

/*
 * What the child of a new namespace reads: @setup runs in the child
 * (which forks again if the namespace is for its children), then both
 * reads of @path; the test compares them.  Returns 0, 77 if the kernel
 * has no such namespace, or a failed step.
 */
struct ns_case {
	const char *path;
	int (*setup)(void);	/* 0, or 77: not in this kernel */
	bool fork_again;	/* the namespace is the children's */
	char zc_text[16384], sf_text[16384];
};

static int ns_case_run(struct ns_case *c)
{
	struct ns_case *shared;
	int status, ret;
	pid_t child;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (!child) {
		ret = c->setup();
		if (ret)
			_exit(ret);
		if (c->fork_again) {
			child = fork();
			if (child < 0)
				_exit(1);
			if (child) {
				waitpid(child, &status, 0);
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) :
							  1);
			}
		}
		ret = zcopy_and_sendfile(c->path, shared->zc_text,
					 shared->sf_text,
					 sizeof(shared->zc_text));
		_exit(ret ? 20 + ret : 0);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return 1;
	memcpy(c->zc_text, shared->zc_text, sizeof(c->zc_text));
	memcpy(c->sf_text, shared->sf_text, sizeof(c->sf_text));
	munmap(shared, sizeof(*shared));
	return WEXITSTATUS(status);
}

static int unshare_or_skip(int flags)
{
	if (!unshare(flags))
		return 0;
	return errno == EINVAL ? 77 : 10;
}

static int new_uts(void)
{
	int ret = unshare_or_skip(CLONE_NEWUTS);

	if (ret)
		return ret;
	return sethostname("zcopy-ns", 8) ? 11 : 0;
}

static int new_pid(void)
{
	return unshare_or_skip(CLONE_NEWPID);
}

/* Boot time 100000 s later in the namespace than outside. */
static int new_time(void)
{
	int ret = unshare_or_skip(CLONE_NEWTIME);

	if (ret)
		return ret;
	return write_str("/proc/self/timens_offsets",
			 "boottime 100000 0\n") ? 11 : 0;
}

/* A cgroup of its own, made the root of a new cgroup namespace. */
static int new_cgroup(void)
{
	char cg[64], pid[16];

	if (access(CGROUP "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	snprintf(cg, sizeof(cg), CGROUP "/zcopy-ns-%d", getpid());
	if (mkdir(cg, 0755))
		return 77;
	snprintf(pid, sizeof(pid), "%d", getpid());
	strcat(cg, "/cgroup.procs");
	if (write_str(cg, pid))
		return 12;
	return unshare_or_skip(CLONE_NEWCGROUP);
}

static void rmdir_cgroups(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd),
		 "rmdir " CGROUP "/zcopy-ns-* 2>/dev/null");
	if (system(cmd)) {
		/* none left, or not mounted */
	}
}

#define RUN_NS_CASE(c)							\
	do {								\
		int ret = ns_case_run(c);				\
		if (ret == 77)						\
			SKIP(return, "no such namespace in this kernel"); \
		ASSERT_EQ(0, ret);					\
		TH_LOG("zcopy read \"%.60s\", sendfile \"%.60s\"",	\
		       (c)->zc_text, (c)->sf_text);			\
	} while (0)

TEST(uts_namespace_applies)
{
	static struct ns_case c = { .path = "/proc/sys/kernel/hostname",
				     .setup = new_uts };

	RUN_NS_CASE(&c);
	EXPECT_STREQ("zcopy-ns\n", c.sf_text);
	EXPECT_STREQ(c.sf_text, c.zc_text);
}

/* /proc/loadavg ends with the last PID of the reader's namespace. */
TEST(pid_namespace_applies)
{
	static struct ns_case c = { .path = "/proc/loadavg",
				     .setup = new_pid, .fork_again = true };
	char zc_last[32], sf_last[32];

	RUN_NS_CASE(&c);
	last_field(c.zc_text, zc_last, sizeof(zc_last));
	last_field(c.sf_text, sf_last, sizeof(sf_last));
	EXPECT_STREQ("1", sf_last);
	EXPECT_STREQ(sf_last, zc_last);
}

/* /proc/uptime counts from the reader's boot time. */
TEST(time_namespace_applies)
{
	static struct ns_case c = { .path = "/proc/uptime",
				     .setup = new_time, .fork_again = true };

	RUN_NS_CASE(&c);
	EXPECT_LE(100000.0, atof(c.sf_text));
	EXPECT_LE(100000.0, atof(c.zc_text));
}

/*
 * /proc/self/mountinfo gives a cgroup2 mount's root from the reader's
 * cgroup root: above it, "/..".
 */
TEST(cgroup_namespace_applies)
{
	static struct ns_case c = { .path = "/proc/self/mountinfo",
				     .setup = new_cgroup };
	int ret = ns_case_run(&c);

	rmdir_cgroups();
	if (ret == 77)
		SKIP(return, "no cgroup namespace or cgroup2 here");
	ASSERT_EQ(0, ret);
	EXPECT_NE(NULL, strstr(c.sf_text, " /.. " CGROUP " "));
	EXPECT_STREQ(c.sf_text, c.zc_text);
}

/* One "Key: value kB" line of /proc/meminfo, in bytes; -1 if absent. */
static long long meminfo(const char *key)
{
	char line[128];
	long long v = -1, kb;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%lld", &kb) == 1)
			v = kb * 1024;
	fclose(f);
	return v;
}

/*
 * The kernel's slab and per-CPU memory in use, in bytes.  Each cache is
 * shrunk first: freed objects the allocator still keeps (partial slabs,
 * and on the debug kernel KASAN's quarantine, which holds every freed
 * object a while) are not anybody's.
 */
static long long kernel_memory(void)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	dir = opendir("/sys/kernel/slab");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 d->d_name);
		write_str(path, "1");
	}
	if (dir)
		closedir(dir);
	return meminfo("Slab") + meminfo("Percpu");
}

/* A harness case with a time limit of its own, and nothing to set up. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/*
 * What an open() of the device makes the kernel hold is charged to the
 * opener's memory cgroup: of what 20,000 contexts add to the kernel's
 * slab and per-CPU memory, most shows in the cgroup's memory.current.
 * Tens of seconds on the debug kernel (kmemleak tracks each object).
 */
TEST_F_TIMEOUT(slow, contexts_are_charged_to_the_opener, 300)
{
	enum { N = 20000 };
	struct rlimit rl = { N + 64, N + 64 };
	char cg[256], path[PATH_MAX], pid[16];
	long long cur0, cur1, kern0, kern1, t0 = now_ms();
	int status, i;
	pid_t child;

	if (access(CGROUP "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	if (write_str(CGROUP "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup2 memory controller: %s",
		     strerror(errno));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	snprintf(cg, sizeof(cg), CGROUP "/zcopy-open-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(path, sizeof(path), "%s/memory.current", cg);

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (write_str(path, pid))
			_exit(10);
		/* In the cgroup: the parent measures, then lets go. */
		raise(SIGSTOP);
		for (i = 0; i < N; i++)
			if (zc_open() < 0)
				_exit(11);
		/* Open: the parent measures again, then lets go. */
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	cur0 = read_long(path);
	kern0 = kernel_memory();
	kill(child, SIGCONT);
	ASSERT_EQ(child, waitpid(child, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	cur1 = read_long(path);
	kern1 = kernel_memory();
	kill(child, SIGCONT);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%d contexts: kernel memory +%lld KiB, charged to the opener +%lld KiB, %lld ms",
	       N, (kern1 - kern0) / 1024, (cur1 - cur0) / 1024,
	       now_ms() - t0);
	EXPECT_LT(0, kern1 - kern0);
	EXPECT_LE((kern1 - kern0) * 3 / 4, cur1 - cur0);
	EXPECT_EQ(0, rmdir(cg));
}

ZC_HARNESS_MAIN
