// SPDX-License-Identifier: GPL-2.0
/*
 * zcbench blocking: how long the submitting call holds its caller when
 * the file is not in the page cache (or, with --cached, when it is).  sendfile() reads the file in the
 * caller's context; zcopy's SUBMIT only queues the transfer.  Measured
 * for sendfile on a blocking socket (the whole call), the first
 * sendfile() on a non-blocking socket (one socket buffer's worth of
 * disk reads) and zcopy's SUBMIT; each after dropping the page cache.
 *
 * With --conns N, also N distinct cold files at once over N connections:
 * sendfile from N threads, one blocking call each (what a thread pool
 * such as nginx's "aio threads" does), and zcopy with all N in one
 * context, submitted together and their completions reaped (poll, then
 * a non-blocking read, as an event loop does).  Their time is the
 * longest any one call held its thread: a SUBMIT or, for zcopy, a
 * read() that goes on with what a SUBMIT's inline budget left.
 *
 * --cached warms the files instead of dropping the cache: then what a
 * call holds its caller for is the sending itself, which zcopy bounds
 * per call ("The inline budget" in Documentation/zcopy.rst).
 *
 * Every way also reports the threads it parked: while its files go, a
 * sampler (dstate.c) counts the threads of the whole system in
 * uninterruptible sleep, those of them waiting on a file read, and of
 * those the ones of this process or kernel threads (not a program being
 * loaded meanwhile), and the kernel's count of tasks in I/O wait; the
 * peak of each over the repeats is reported, as measured.  The sampler
 * shares the CPUs with what it watches, so its own time is shown too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <linux/zcopy.h>

#include "report.h"

enum {
	SENDFILE_BLOCKING, SENDFILE_FIRST, ZCOPY_SUBMIT,
	SENDFILE_THREADS, ZCOPY_MANY, NWAYS
};

static const char *const way_name[NWAYS] = {
	"sendfile, blocking socket (whole call)",
	"sendfile, non-blocking socket (first call)",
	"zcopy SUBMIT",
	"sendfile, %d threads, blocking (longest call)",
	"zcopy SUBMIT of %d, one context (longest call)",
};

/* One measurement of one way. */
struct outcome {
	double hold;		/* the submitting call, seconds */
	double total;		/* until the receiver had every file */
	struct zcb_dstate d;
};

static int cached;	/* --cached: warm files, not cold ones */

/* The files' pages are dropped (cold) or read in (--cached). */
static void prepare_files(const int *files, int n, size_t size)
{
	int i;

	if (!cached) {
		zcb_drop_caches();
		return;
	}
	for (i = 0; i < n; i++)
		zcb_warm(files[i], size);
}

static int wait_ack(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;

	if (poll(&p, 1, 60000) != 1 || read(fd, &b, 1) != 1) {
		fprintf(stderr, "zcbench: no acknowledgement from the receiver\n");
		return -1;
	}
	return 0;
}

/* Finishes what the first non-blocking call left. */
static int sendfile_rest(int sock, int file, off_t off, size_t size)
{
	struct pollfd p = { .fd = sock, .events = POLLOUT };
	ssize_t n;

	while ((size_t)off < size) {
		n = sendfile(sock, file, &off, size - off);
		if (n < 0 && errno == EAGAIN) {
			poll(&p, 1, 60000);
			continue;
		}
		if (n <= 0)
			return -1;
	}
	return 0;
}

static int sendfile_all(int sock, int file, size_t size)
{
	off_t off = 0;

	while ((size_t)off < size && sendfile(sock, file, &off, size - off) > 0)
		;
	return (size_t)off < size ? -1 : 0;
}

/*
 * Submits the n transfers, in as few calls as the context's limits
 * allow, and reaps their completions.  The cache is dropped, and the
 * window opened, once the sockets are registered.
 */
static int zcopy_timed(const int *socks, const int *files, int n, size_t size,
		       struct outcome *o, double *t0)
{
	struct zcopy_sqe *sqe = calloc(n, sizeof(*sqe));
	struct zcopy_cqe cqe[64];
	int zc, i, submitted = 0, reaped = 0, rc = -1;
	ssize_t got;
	double t;
	long ret;

	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (zc < 0 || !sqe) {
		perror("zcbench: zcopy");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct zcopy_reg reg = { .sock_fd = socks[i] };

		if (ioctl(zc, ZCOPY_IOC_REGISTER, &reg)) {
			perror("zcbench: ZCOPY_IOC_REGISTER");
			goto out;
		}
		sqe[i] = (struct zcopy_sqe){ .file_fd = files[i], .sock_fd = socks[i],
					     .len = size, .user_data = i };
	}
	prepare_files(files, n, size);
	zcb_dstate_begin();
	*t0 = zcb_now();
	o->hold = 0;
	while (reaped < n) {
		if (submitted < n) {
			struct zcopy_submit sub = {
				.sqes = (uintptr_t)(sqe + submitted),
				.nr = n - submitted,
			};

			t = zcb_now();
			ret = ioctl(zc, ZCOPY_IOC_SUBMIT, &sub);
			t = zcb_now() - t;
			if (t > o->hold)
				o->hold = t;
			if (ret > 0) {
				submitted += ret;
				continue;
			}
			/* At the context's limit: make room by reaping. */
			if ((ret < 0 && errno != EAGAIN) || submitted == reaped) {
				perror("zcbench: ZCOPY_IOC_SUBMIT");
				goto out;
			}
		}
		if (poll(&(struct pollfd){ .fd = zc, .events = POLLIN }, 1,
			 60000) != 1) {
			fprintf(stderr, "zcbench: no zcopy completion for 60 s\n");
			goto out;
		}
		t = zcb_now();
		got = read(zc, cqe, sizeof(cqe));
		t = zcb_now() - t;
		if (t > o->hold)
			o->hold = t;
		if (got < 0 && errno == EAGAIN)
			continue;	/* went on with sends: none ended yet */
		if (got <= 0 || got % sizeof(*cqe)) {
			fprintf(stderr, "zcbench: reading zcopy completions failed\n");
			goto out;
		}
		for (i = 0; i < got / (ssize_t)sizeof(*cqe); i++)
			if (cqe[i].error) {
				fprintf(stderr, "zcbench: zcopy transfer failed: %s\n",
					strerror(-cqe[i].error));
				goto out;
			}
		reaped += got / sizeof(*cqe);
	}
	rc = 0;
out:
	if (zc >= 0)
		close(zc);
	free(sqe);
	return rc;
}

static int measure(int way, const struct topology *t, int file, size_t size,
		   int port, struct outcome *o)
{
	off_t off = 0;
	double t0 = zcb_now();
	int sock, rc = -1;
	pid_t rx;
	ssize_t n;

	rx = zcb_receiver_start(t->receiver_ns, port, size, 1, 1);
	if (rx < 0)
		return -1;
	sock = zcb_connect(t->addr, port, way != SENDFILE_FIRST);
	if (sock < 0)
		goto out;
	switch (way) {
	case SENDFILE_BLOCKING:
		prepare_files(&file, 1, size);
		zcb_dstate_begin();
		t0 = zcb_now();
		rc = sendfile_all(sock, file, size);
		o->hold = zcb_now() - t0;
		if (rc)
			goto out;
		break;
	case SENDFILE_FIRST:
		prepare_files(&file, 1, size);
		zcb_dstate_begin();
		t0 = zcb_now();
		n = sendfile(sock, file, &off, size);
		o->hold = zcb_now() - t0;
		if (n <= 0 || sendfile_rest(sock, file, off, size))
			goto out;
		break;
	case ZCOPY_SUBMIT:
		if (zcopy_timed(&sock, &file, 1, size, o, &t0))
			goto out;
		break;
	}
	rc = wait_ack(sock);
	o->total = zcb_now() - t0;
out:
	zcb_dstate_end(&o->d);
	if (sock >= 0)
		close(sock);
	if (zcb_receiver_wait(rx))
		rc = -1;
	return rc;
}

/* One of the pool's threads: one blocking sendfile, then the receipt. */
struct sender {
	pthread_t thread;
	int sock, file;
	size_t size;
	double hold;
	int rc;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go, abort;
} start = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static void *send_one(void *arg)
{
	struct sender *s = arg;
	double t0;

	pthread_mutex_lock(&start.lock);
	while (!start.go)
		pthread_cond_wait(&start.cond, &start.lock);
	pthread_mutex_unlock(&start.lock);
	s->rc = -1;
	if (start.abort)
		return NULL;
	t0 = zcb_now();
	s->rc = sendfile_all(s->sock, s->file, s->size);
	s->hold = zcb_now() - t0;
	if (!s->rc)
		s->rc = wait_ack(s->sock);
	return NULL;
}

/* The threads wait, already connected, for the cache to be dropped. */
static int sendfile_threads(const int *socks, const int *files, int n,
			    size_t size, struct outcome *o, double *t0)
{
	struct sender *s = calloc(n, sizeof(*s));
	pthread_attr_t attr;
	int i, started, rc = 0;

	if (!s)
		return -1;
	start.go = start.abort = 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (started = 0; started < n; started++) {
		s[started] = (struct sender){
			.sock = socks[started], .file = files[started], .size = size,
		};
		if (pthread_create(&s[started].thread, &attr, send_one, &s[started]))
			break;
	}
	pthread_attr_destroy(&attr);
	if (started == n) {
		prepare_files(files, n, size);
		zcb_dstate_begin();
	}
	pthread_mutex_lock(&start.lock);
	start.abort = started < n;
	start.go = 1;
	*t0 = zcb_now();
	pthread_cond_broadcast(&start.cond);
	pthread_mutex_unlock(&start.lock);
	o->hold = 0;
	for (i = 0; i < started; i++) {
		pthread_join(s[i].thread, NULL);
		if (s[i].rc)
			rc = -1;
		if (s[i].hold > o->hold)
			o->hold = s[i].hold;
	}
	free(s);
	if (started < n) {
		fprintf(stderr, "zcbench: cannot start %d sending threads\n", n);
		return -1;
	}
	return rc;
}

static int measure_many(int way, const struct topology *t, const int *files,
			int n, size_t size, int port, struct outcome *o)
{
	int *socks = calloc(n, sizeof(*socks));
	double t0 = zcb_now();
	int i, rc = -1;
	pid_t rx;

	if (!socks)
		return -1;
	rx = zcb_receiver_start(t->receiver_ns, port, size, 1, n);
	if (rx < 0) {
		free(socks);
		return -1;
	}
	for (i = 0; i < n; i++)
		socks[i] = -1;
	for (i = 0; i < n; i++) {
		socks[i] = zcb_connect(t->addr, port, 1);
		if (socks[i] < 0)
			goto out;
	}
	if (way == SENDFILE_THREADS) {
		rc = sendfile_threads(socks, files, n, size, o, &t0);
	} else {
		rc = zcopy_timed(socks, files, n, size, o, &t0);
		for (i = 0; !rc && i < n; i++)
			rc = wait_ack(socks[i]);
	}
	o->total = zcb_now() - t0;
out:
	zcb_dstate_end(&o->d);
	for (i = 0; i < n; i++)
		if (socks[i] >= 0)
			close(socks[i]);
	free(socks);
	if (zcb_receiver_wait(rx))
		rc = -1;
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: zcbench blocking [--size SIZE] [--repeat N] [--dir DIR]\n"
		"                        [--net wire|loopback] [--conns N] [--conns-size SIZE]\n"
		"                        [--cached] [--csv FILE]\n");
}

int zcb_blocking_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", 1, NULL, 's' }, { "repeat", 1, NULL, 'r' },
		{ "dir", 1, NULL, 'd' }, { "net", 1, NULL, 'n' },
		{ "conns", 1, NULL, 'c' }, { "conns-size", 1, NULL, 'S' },
		{ "csv", 1, NULL, 'v' }, { "cached", 0, NULL, 'C' }, { 0 },
	};
	const struct topology *t = zcb_topology("wire");
	const char *dir = ".", *csv = NULL;
	struct rlimit nofile = { 65536, 65536 };
	static struct outcome v[NWAYS][100];
	double hold[NWAYS][100], total[NWAYS][100], med[NWAYS], medt[NWAYS];
	struct zcb_dstate peak[NWAYS];
	size_t size = 64 << 20, csize = 1 << 20, wsize;
	int repeat = 5, conns = 0, nways = ZCOPY_SUBMIT + 1, opt, rep, w, i;
	int file, *files = NULL, failed = 0;
	char sz[16], names[NWAYS][80];
	FILE *f;

	while ((opt = getopt_long(argc, argv, "s:r:d:n:c:S:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (zcb_parse_size(optarg, &size))
				return 2;
			break;
		case 'S':
			if (zcb_parse_size(optarg, &csize))
				return 2;
			break;
		case 'r': repeat = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'n':
			t = zcb_topology(optarg);
			if (!t)
				return 2;
			break;
		case 'v': csv = optarg; break;
		case 'C': cached = 1; break;
		default:
			usage();
			return 2;
		}
	}
	if (repeat < 1 || repeat > 100 || conns < 0 || conns > ZCB_MAX_CONNS) {
		usage();
		return 2;
	}
	if (conns)
		nways = NWAYS;
	for (w = 0; w < NWAYS; w++)
		snprintf(names[w], sizeof(names[w]), way_name[w], conns);
	/* N connections and N files pass the usual soft limit of 1024. */
	if (setrlimit(RLIMIT_NOFILE, &nofile) && !getrlimit(RLIMIT_NOFILE, &nofile)) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	if (zcb_enter_netns(t->sender_ns))
		return 1;
	file = zcb_file(dir, size);
	if (file < 0)
		return 1;
	if (conns) {
		files = calloc(conns, sizeof(*files));
		if (!files)
			return 1;
		for (i = 0; i < conns; i++) {
			files[i] = zcb_file_nth(dir, csize, i);
			if (files[i] < 0)
				return 1;
		}
	}
	if (zcb_dstate_start(1000, getpid()))
		return 1;
	for (rep = 0; rep < repeat && !failed; rep++)
		for (w = 0; w < nways && !failed; w++) {
			if (w < SENDFILE_THREADS)
				failed = measure(w, t, file, size, ZCB_PORT, &v[w][rep]);
			else
				failed = measure_many(w, t, files, conns, csize, ZCB_PORT,
						      &v[w][rep]);
			if (failed)
				fprintf(stderr, "zcbench: %s failed\n", names[w]);
		}
	zcb_dstate_stop();
	if (failed)
		return 1;

	memset(peak, 0, sizeof(peak));
	for (w = 0; w < nways; w++) {
		for (rep = 0; rep < repeat; rep++) {
			const struct zcb_dstate *d = &v[w][rep].d;

			hold[w][rep] = v[w][rep].hold;
			total[w][rep] = v[w][rep].total;
			if (d->peak_own_read > peak[w].peak_own_read ||
			    (!peak[w].peak_own_read && d->peak_d > peak[w].peak_d))
				memcpy(peak[w].who, d->who, sizeof(d->who));
			if (d->peak_d > peak[w].peak_d)
				peak[w].peak_d = d->peak_d;
			if (d->peak_read > peak[w].peak_read)
				peak[w].peak_read = d->peak_read;
			if (d->peak_own_read > peak[w].peak_own_read)
				peak[w].peak_own_read = d->peak_own_read;
			if (d->peak_iowait > peak[w].peak_iowait)
				peak[w].peak_iowait = d->peak_iowait;
			peak[w].probes += d->probes;
			peak[w].samples += d->samples;
			peak[w].secs += d->secs;
			peak[w].busy_s += d->busy_s;
		}
		med[w] = zcb_median(hold[w], repeat);
		medt[w] = zcb_median(total[w], repeat);
	}
	printf("%s files over %s, median of %d (ms); threads in D state at the peak:\n"
	       "all of them, those waiting on a file read, and of those the ones of\n"
	       "zcbench or the kernel (own); and tasks in I/O wait (iowait):\n",
	       cached ? "cached" : "cold", t->name, repeat);
	printf("  %-48s %5s %10s %6s %10s %4s %4s %4s %6s %8s\n", "call", "file", "held", "",
	       "all sent", "D", "read", "own", "iowait", "samples");
	for (w = 0; w < nways; w++) {
		wsize = w < SENDFILE_THREADS ? size : csize;
		printf("  %-48s %5s %10.3f +-%3.0f%% %10.1f %4d %4d %4d %6d %8ld\n", names[w],
		       zcb_size_name(wsize, sz, sizeof(sz)), 1e3 * med[w],
		       100 * zcb_spread(hold[w], repeat), 1e3 * medt[w],
		       peak[w].peak_d, peak[w].peak_read, peak[w].peak_own_read,
		       peak[w].peak_iowait, peak[w].samples);
	}
	printf("  zcopy SUBMIT / blocking sendfile call:     %9.4f%%\n",
	       100 * med[ZCOPY_SUBMIT] / med[SENDFILE_BLOCKING]);
	printf("  zcopy SUBMIT / first non-blocking call:    %9.4f%%\n",
	       100 * med[ZCOPY_SUBMIT] / med[SENDFILE_FIRST]);
	printf("  threads in D state at each peak (name:wait channel), and the\n"
	       "  sampler's CPU time over the windows:\n");
	for (w = 0; w < nways; w++)
		printf("  %-48s %5.1f%%  %s\n", names[w],
		       peak[w].secs > 0 ? 100 * peak[w].busy_s / peak[w].secs : 0,
		       peak[w].who[0] ? peak[w].who : "-");
	if (csv) {
		f = fopen(csv, "w");
		if (!f)
			return 1;
		fprintf(f, "way,size,net,repeats,conns,median_s,spread,total_s,"
			"peak_d,peak_d_read,peak_own_read,peak_iowait,samples,probes,"
			"sampler_share\n");
		for (w = 0; w < nways; w++)
			fprintf(f, "\"%s\",%zu,%s,%d,%d,%.6f,%.4f,%.6f,%d,%d,%d,%d,%ld,%ld,%.4f\n",
				names[w], w < SENDFILE_THREADS ? size : csize, t->name,
				repeat, w < SENDFILE_THREADS ? 1 : conns, med[w],
				zcb_spread(hold[w], repeat), medt[w], peak[w].peak_d,
				peak[w].peak_read, peak[w].peak_own_read, peak[w].peak_iowait,
				peak[w].samples, peak[w].probes,
				peak[w].secs > 0 ? peak[w].busy_s / peak[w].secs : 0);
		fclose(f);
	}
	return 0;
}
