// SPDX-License-Identifier: GPL-2.0
/*
 * Threads parked on disk.  A sampler thread looks at every task of the
 * system about once a millisecond and counts those in uninterruptible
 * sleep ('D' in /proc/PID/task/TID/stat), and among them those whose
 * wait channel or kernel stack shows a file read (read_marks below).
 * Only the peak of each count over a window is kept: how many threads a
 * method had parked at once is what a server pays for in threads and
 * memory.  The whole system's count also holds what has nothing to do
 * with the method (a program being loaded from the guest's 9p root, the
 * bench's own helpers), so a third peak counts only the threads of the
 * watched process and its children, and kernel threads (the workers a
 * module would park), waiting on a file read.
 *
 * Opening a procfs file is what costs, so each task's stat stays open
 * and is re-read with pread(); the list of tasks is rebuilt at the start
 * of each window, by the caller before its clock starts, and every
 * REFRESH_SECS.  Even so a pass over a few hundred tasks costs a
 * fraction of a millisecond natively and several under emulation (TCG),
 * where passing back to back would take a whole CPU from what is
 * measured.  So the next pass waits at least MAX_SHARE_INV times the CPU
 * time of the last (CPU time, not wall time: on a loaded machine a pass
 * waits for a CPU, and pausing for that too would sample less just when
 * it matters), and in between, every period, the sampler reads only the
 * kernel's count of tasks in I/O wait (procs_blocked): a fourth peak,
 * and each new peak of it starts a pass at once, to name the threads.
 * The sampler runs SCHED_FIFO when it may: among dozens of runnable
 * senders it would otherwise get a turn only every few hundred
 * milliseconds; its pacing, not its priority, bounds what it takes.
 *
 * A thread born, parked and gone between two rebuilds is missed, and a
 * wait shorter than a period may be: the peaks are lower bounds, never
 * made up.  The number of passes and the CPU time the sampler used are
 * reported with them, and the threads seen at the peak, by name and wait
 * channel.
 *
 *   zcbench dstate [--interval-us N] [--pid PID]
 *          samples until SIGINT or SIGTERM, then prints the peaks
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcbench.h"

#define REFRESH_SECS	0.1
#define MAX_SHARE_INV	4

/* Kernel functions a thread waiting for a file's pages sleeps under. */
static const char *const read_marks[] = {
	"folio_wait", "filemap", "io_schedule", "readahead", "read_pages",
	"zcopy", NULL,
};

struct task {
	int pid, tid, fd;
	int own;	/* of the watched process or its children, or a kernel thread */
};

/* lock guards the window; tasks_lock the task list, for a whole pass. */
static struct {
	pthread_t thread;
	pthread_mutex_t lock, tasks_lock;
	int watched;
	int running, active;
	double listed;		/* when the task list was made */
	unsigned int epoch;	/* windows begun */
	unsigned int interval_us;
	double begun;
	struct zcb_dstate cur;
	struct task *tasks;
	int ntasks, cap;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER, .tasks_lock = PTHREAD_MUTEX_INITIALIZER };

static int numeric(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void add_task(int pid, int tid, int own)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (S.ntasks == S.cap) {
		struct task *t;

		t = realloc(S.tasks, (S.cap ? 2 * S.cap : 256) * sizeof(*t));
		if (!t) {
			close(fd);
			return;
		}
		S.tasks = t;
		S.cap = S.cap ? 2 * S.cap : 256;
	}
	S.tasks[S.ntasks++] = (struct task){ .pid = pid, .tid = tid, .fd = fd, .own = own };
}

/* The parent of a process, from "pid (comm) state ppid ...". */
static int parent_of(int pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && strlen(p) > 4 ? atoi(p + 4) : -1;
}

static void refresh_tasks(void)
{
	struct dirent *p, *t;
	char path[64];
	DIR *procs, *threads;
	int i, pid, ppid, own;

	for (i = 0; i < S.ntasks; i++)
		close(S.tasks[i].fd);
	S.ntasks = 0;
	procs = opendir("/proc");
	if (!procs)
		return;
	while ((p = readdir(procs))) {
		if (!numeric(p->d_name))
			continue;
		pid = atoi(p->d_name);
		ppid = parent_of(pid);
		/* kthreadd (2) is the parent of every kernel thread. */
		own = pid == 2 || ppid == 2 ||
		      (S.watched > 0 && (pid == S.watched || ppid == S.watched));
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		threads = opendir(path);
		if (!threads)
			continue;	/* gone meanwhile */
		while ((t = readdir(threads)))
			if (numeric(t->d_name))
				add_task(pid, atoi(t->d_name), own);
		closedir(threads);
	}
	closedir(procs);
	S.listed = zcb_now();
}

static int file_has_mark(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (i = 0; read_marks[i]; i++)
		if (strstr(buf, read_marks[i]))
			return 1;
	return 0;
}

/* Parked on a file read: says its wait channel or its kernel stack. */
static int on_file_read(const struct task *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", t->pid, t->tid);
	if (file_has_mark(path))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", t->pid, t->tid);
	return file_has_mark(path);
}

/* "comm:wchan" of a parked thread, appended to who. */
static void describe(const struct task *t, const char *stat, char *who, size_t len)
{
	char path[64], wchan[64] = "?", comm[32] = "?";
	const char *open_paren = strchr(stat, '('), *close_paren = strrchr(stat, ')');
	size_t used = strlen(who);
	ssize_t n;
	int fd;

	if (open_paren && close_paren > open_paren)
		snprintf(comm, sizeof(comm), "%.*s", (int)(close_paren - open_paren - 1),
			 open_paren + 1);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", t->pid, t->tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, wchan, sizeof(wchan) - 1);
		wchan[n > 0 ? n : 0] = 0;
		close(fd);
	}
	if (used + 1 < len)
		snprintf(who + used, len - used, "%s%s:%s", used ? " " : "", comm, wchan);
}

static void sample(int *d, int *d_read, int *own_read, char *who, size_t len)
{
	char buf[512], *p;
	ssize_t n;
	int i;

	*d = *d_read = *own_read = 0;
	who[0] = 0;
	for (i = 0; i < S.ntasks; i++) {
		n = pread(S.tasks[i].fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;	/* exited */
		buf[n] = 0;
		/* "tid (comm) S ...": comm may hold spaces and parentheses. */
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || p[2] != 'D')
			continue;
		(*d)++;
		if (on_file_read(&S.tasks[i])) {
			(*d_read)++;
			*own_read += S.tasks[i].own;
		}
		describe(&S.tasks[i], buf, who, len);
	}
}

static void nap(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (time_t)secs) * 1e9),
	};

	nanosleep(&ts, NULL);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The kernel's own count of tasks in I/O wait (io_schedule(), where a
 * reader waits for a folio), from /proc/stat: one file, so cheap enough
 * to read every period even when a whole pass is not.
 */
static int procs_blocked(void)
{
	static int fd = -1;
	static char buf[16384];
	char *p;
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nprocs_blocked ");
	return p ? atoi(p + strlen("\nprocs_blocked ")) : -1;
}

static void *sampler(void *arg)
{
	double t, pass, next_pass = 0, interval = S.interval_us / 1e6;
	char who[sizeof(S.cur.who)];
	int d = 0, d_read = 0, own_read = 0, blocked, full;
	unsigned int epoch;

	(void)arg;
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &(struct sched_param){
		.sched_priority = 1 });	/* not permitted: sampled less often */
	for (;;) {
		pthread_mutex_lock(&S.lock);
		if (!S.running) {
			pthread_mutex_unlock(&S.lock);
			break;
		}
		if (!S.active) {
			pthread_mutex_unlock(&S.lock);
			nap(interval);
			continue;
		}
		epoch = S.epoch;
		/* A pass when the budget allows, or at once on a new peak. */
		t = cpu_now();
		blocked = procs_blocked();
		full = zcb_now() >= next_pass || blocked > S.cur.peak_iowait;
		pthread_mutex_unlock(&S.lock);

		if (full) {
			pthread_mutex_lock(&S.tasks_lock);
			if (zcb_now() - S.listed > REFRESH_SECS)
				refresh_tasks();
			sample(&d, &d_read, &own_read, who, sizeof(who));
			pthread_mutex_unlock(&S.tasks_lock);
		}
		pass = cpu_now() - t;
		if (full)
			next_pass = zcb_now() + pass * MAX_SHARE_INV;

		pthread_mutex_lock(&S.lock);
		if (S.active && S.epoch == epoch && blocked > S.cur.peak_iowait)
			S.cur.peak_iowait = blocked;
		if (S.active && S.epoch == epoch) {
			S.cur.probes++;
			S.cur.busy_s += pass;
		}
		if (full && S.active && S.epoch == epoch) {
			S.cur.samples++;
			/* Who: at the peak of the watched, or else of all. */
			if (own_read > S.cur.peak_own_read ||
			    (!S.cur.peak_own_read && d > S.cur.peak_d))
				memcpy(S.cur.who, who, sizeof(who));
			if (d > S.cur.peak_d)
				S.cur.peak_d = d;
			if (d_read > S.cur.peak_read)
				S.cur.peak_read = d_read;
			if (own_read > S.cur.peak_own_read)
				S.cur.peak_own_read = own_read;
		}
		pthread_mutex_unlock(&S.lock);
		nap(interval);
	}
	return NULL;
}

int zcb_dstate_start(unsigned int interval_us, int watched)
{
	S.interval_us = interval_us ? interval_us : 1000;
	S.watched = watched;
	S.running = 1;
	if (pthread_create(&S.thread, NULL, sampler, NULL)) {
		S.running = 0;
		fprintf(stderr, "zcbench: cannot start the D-state sampler\n");
		return -1;
	}
	return 0;
}

/*
 * The threads of this window, not the last one's, listed here so that
 * the listing costs the caller before its clock starts, not the window.
 */
void zcb_dstate_begin(void)
{
	pthread_mutex_lock(&S.tasks_lock);
	refresh_tasks();
	pthread_mutex_unlock(&S.tasks_lock);
	pthread_mutex_lock(&S.lock);
	memset(&S.cur, 0, sizeof(S.cur));
	S.begun = zcb_now();
	S.epoch++;
	S.active = 1;
	pthread_mutex_unlock(&S.lock);
}

void zcb_dstate_end(struct zcb_dstate *d)
{
	pthread_mutex_lock(&S.lock);
	S.active = 0;
	S.cur.secs = zcb_now() - S.begun;
	*d = S.cur;
	pthread_mutex_unlock(&S.lock);
}

void zcb_dstate_stop(void)
{
	int i;

	if (!S.running)
		return;
	pthread_mutex_lock(&S.lock);
	S.running = 0;
	pthread_mutex_unlock(&S.lock);
	pthread_join(S.thread, NULL);
	for (i = 0; i < S.ntasks; i++)
		close(S.tasks[i].fd);
	free(S.tasks);
	S.tasks = NULL;
	S.ntasks = S.cap = 0;
}

/* For the servers of tools/testing/bench: one window, start to a signal. */
int zcb_dstate_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval-us", 1, NULL, 'i' }, { "pid", 1, NULL, 'p' }, { 0 },
	};
	unsigned int interval = 1000;
	int watched = 0;
	struct zcb_dstate d;
	sigset_t stop;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "i:p:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i': interval = atoi(optarg); break;
		case 'p': watched = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: zcbench dstate [--interval-us N] [--pid PID]\n");
			return 2;
		}
	}
	/* Blocked before the sampler starts, so that it inherits the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (zcb_dstate_start(interval, watched))
		return 1;
	zcb_dstate_begin();
	sigwait(&stop, &sig);
	zcb_dstate_end(&d);
	zcb_dstate_stop();
	printf("peak_d=%d peak_d_read=%d peak_own_read=%d samples=%ld seconds=%.3f "
	       "sampler_cpu_s=%.3f peak_iowait=%d probes=%ld\n", d.peak_d, d.peak_read,
	       d.peak_own_read, d.samples, d.secs, d.busy_s, d.peak_iowait, d.probes);
	printf("at_peak: %s\n", d.who[0] ? d.who : "-");
	return 0;
}
