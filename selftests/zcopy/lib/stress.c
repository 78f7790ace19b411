// SPDX-License-Identifier: GPL-2.0
/*
 * stress [-t SECONDS] [-c CLEAN] [-s SMALL] [-x CHAOS] [-6] [-d DIR]
 *        [-b BLOCKDEV] [-f] [-n SENDER_NETNS,RECEIVER_NETNS,RECEIVER_ADDRESS]
 *
 * Many threads over many sockets and files at once, for SECONDS:
 *
 * - CLEAN streams: a context, a connection and two threads reading its
 *   completions at once; random batches of random ranges (and flags) of
 *   files nobody changes.  Every accepted transfer completes exactly once
 *   with its whole length, and the receiver's hash of the stream equals
 *   the hash of the ranges in submission order.
 * - SMALL streams: clean streams of small ranges (at most 4 KiB, in
 *   batches of up to 16, without pauses; no ZCOPY_F_DONTCACHE, which
 *   would keep dropping the shared sources' pages): many transfers a
 *   second, where the clean streams move many bytes.
 * - CHAOS workers: random mixes of submit (ranges past the end, len 0,
 *   every flag), cancel, unregister, register, close(sock_fd) of a
 *   registered socket, shutdown, reset by the peer, truncate, extend and
 *   unlink of the files being sent, and close and reopen of the context.
 *   Before each context is closed its sockets are unregistered and its
 *   peers gone, and then every accepted transfer must complete exactly
 *   once, with a length within its range or an error.
 *
 * Connections are over loopback, or with -n from one named network
 * namespace to an address in another (the wire topology, a veth pair).
 * Files live in DIR (default /tmp); a block device given with -b is one
 * more clean source.  -f is for runs under fault injection: any call
 * may then fail and any transfer end with any error, but each accepted
 * one must still complete exactly once (use it with -c 0).  At the end
 * the module's gauges (contexts, sockets, transfers, page references)
 * must return to zero.  Not a test itself but the helper of two: it
 * prints what it did and what went wrong as "# " lines, and exits 0
 * only if nothing did.
 */
#include "../zc_util.h"

#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#define MAX_XFERS	(1 << 20)	/* per clean stream */
#define MAX_BATCH	16
#define SMALL_MAX	4096		/* bytes per transfer of a small stream */
#define NR_FILES	6
#define WAIT_MS		120000

static int duration = 10, family = AF_INET;
static bool faults;
static int listener = -1;		/* with -n: in the receiver's netns */
static pthread_mutex_t pair_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *dir = "/tmp";
static const char *blockdev;
static atomic_int stop, failures;

static atomic_long ops_submit, ops_accepted, ops_completed, ops_forfeit,
	ops_cancel,
	ops_cancelled, ops_unregister, ops_register, ops_close_sock,
	ops_shutdown, ops_reset, ops_truncate, ops_extend, ops_unlink,
	ops_reopen, ops_bytes;

#define FAIL(fmt, ...) do {						\
	printf("# " fmt "\n", ##__VA_ARGS__);				\
	atomic_fetch_add(&failures, 1);					\
} while (0)

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return n ? rand_r(seed) % n : 0;
}

struct netns_listen {
	const char *netns, *addr;
	int fd;
};

/* A thread of its own: setns() changes only the calling thread. */
static void *listen_in_netns(void *arg)
{
	struct netns_listen *l = arg;
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;

	l->fd = -1;
	if (enter_netns(l->netns))
		return NULL;
	if (inet_pton(AF_INET, l->addr, &in4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, l->addr, &in6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	family = ss.ss_family;
	l->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd >= 0 && (bind(l->fd, (void *)&ss, sizeof(ss)) ||
			   listen(l->fd, 64))) {
		close(l->fd);
		l->fd = -1;
	}
	return NULL;
}

/*
 * -n SENDER,RECEIVER,ADDRESS: listen at ADDRESS in RECEIVER, and move
 * this thread (and so every thread it starts) to SENDER.
 */
static int setup_netns(char *spec)
{
	char *sender = strtok(spec, ","), *receiver = strtok(NULL, ",");
	struct netns_listen l = { .netns = receiver, .addr = strtok(NULL, ",") };
	pthread_t t;

	if (!sender || !receiver || !l.addr ||
	    pthread_create(&t, NULL, listen_in_netns, &l) ||
	    pthread_join(t, NULL) || l.fd < 0 || enter_netns(sender))
		return -1;
	listener = l.fd;
	return 0;
}

/* A connection: over loopback, or to the listener in the other netns. */
static int stress_pair(int *tx, int *rx)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret = -1;

	if (listener < 0)
		return tcp_pair(family, tx, rx);
	/* One at a time, so that each accept() gets our own connect(). */
	pthread_mutex_lock(&pair_lock);
	*tx = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx >= 0 && !getsockname(listener, (void *)&ss, &len) &&
	    !connect(*tx, (void *)&ss, len)) {
		*rx = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		ret = *rx < 0 ? -1 : 0;
	}
	if (ret && *tx >= 0)
		close(*tx);
	pthread_mutex_unlock(&pair_lock);
	return ret;
}

/* Immutable sources shared by the clean streams. */
static struct source {
	int fd;
	uint64_t size;
} sources[NR_FILES + 1];
static int nr_sources;

static const uint64_t clean_sizes[NR_FILES] = {
	1, 4095, 4096, 100000, MiB + 3, 3 * MiB,
};

/* ------------------------------------------------------------------ */
/* Clean streams                                                       */

struct clean {
	int zc, tx, rx, id;
	bool small;
	struct receiver recv;
	uint64_t hash;			/* of what was accepted, in order */
	uint64_t bytes;
	atomic_uint submitted;
	atomic_uint done;
	uint64_t *want;			/* res expected, by user_data */
	atomic_uchar *seen;
	pthread_t submitter, readers[2];
};

static void *clean_reader(void *arg)
{
	struct clean *c = arg;
	struct pollfd pfd = { .fd = c->zc, .events = POLLIN };
	struct zcopy_cqe cqe[16];
	long long idle_since = 0;
	ssize_t n;
	int i;

	for (;;) {
		if (atomic_load(&stop) == 2 &&
		    atomic_load(&c->done) == atomic_load(&c->submitted))
			return NULL;
		if (poll(&pfd, 1, 50) <= 0) {
			if (atomic_load(&stop) == 2 && !idle_since)
				idle_since = now_ms();
			if (idle_since && now_ms() - idle_since > zc_ms(WAIT_MS)) {
				FAIL("clean %d: %u of %u completions", c->id,
				     atomic_load(&c->done),
				     atomic_load(&c->submitted));
				return NULL;
			}
			continue;
		}
		n = read(c->zc, cqe, sizeof(cqe));
		if (n < 0 && errno == EAGAIN)
			continue;	/* the other reader took them */
		if (n <= 0 || n % sizeof(cqe[0])) {
			FAIL("clean %d: read %zd: %s", c->id, n, strerror(errno));
			return NULL;
		}
		for (i = 0; i < n / (ssize_t)sizeof(cqe[0]); i++) {
			uint64_t ud = cqe[i].user_data;

			if (ud >= MAX_XFERS || atomic_exchange(&c->seen[ud], 1)) {
				FAIL("clean %d: completion %llu unknown or twice",
				     c->id, (unsigned long long)ud);
				continue;
			}
			if (cqe[i].res != (int64_t)c->want[ud])
				FAIL("clean %d: transfer %llu: res %lld, not %llu",
				     c->id, (unsigned long long)ud,
				     (long long)cqe[i].res,
				     (unsigned long long)c->want[ud]);
			atomic_fetch_add(&c->done, 1);
			atomic_fetch_add(&ops_completed, 1);
		}
	}
}

static void *clean_submitter(void *arg)
{
	static const uint32_t flags[] = {
		0, ZCOPY_F_RELEASE, ZCOPY_F_DONTCACHE,
		ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE,
	};
	unsigned int seed = 1000 + ((struct clean *)arg)->id;
	struct clean *c = arg;
	struct zcopy_sqe sqe[MAX_BATCH];
	unsigned int n, i, next;
	int ret;

	while (!atomic_load(&stop)) {
		next = atomic_load(&c->submitted);
		if (next + MAX_BATCH >= MAX_XFERS)
			break;
		n = 1 + rnd(&seed, c->small ? MAX_BATCH : 8);
		for (i = 0; i < n; i++) {
			struct source *s = &sources[rnd(&seed, nr_sources)];
			uint64_t off = rnd(&seed, s->size + 1), len;
			uint64_t room = s->size - off;

			if (!c->small)
				len = rnd(&seed, 4) ? rnd(&seed, room + 1) : 0;
			else if (room > SMALL_MAX)
				len = 1 + rnd(&seed, SMALL_MAX);
			else	/* 0 sends to the end: small too */
				len = rnd(&seed, room + 1);
			sqe[i] = zc_sqe(s->fd, c->tx, off, len, next + i,
					flags[rnd(&seed, c->small ? 2 : 4)]);
			c->want[next + i] = len ? len : s->size - off;
		}
		ret = zc_submit(c->zc, sqe, n);
		atomic_fetch_add(&ops_submit, 1);
		if (ret < 0) {
			if (errno != EAGAIN)
				FAIL("clean %d: submit: %s", c->id, strerror(errno));
			usleep(1000);
			continue;
		}
		/* Accepted entries go out in order: they make the stream. */
		for (i = 0; i < (unsigned int)ret; i++) {
			c->hash = hash_file(sqe[i].file_fd, c->hash,
					    sqe[i].offset, c->want[next + i]);
			c->bytes += c->want[next + i];
		}
		atomic_fetch_add(&c->submitted, ret);
		atomic_fetch_add(&ops_accepted, ret);
		if (!c->small && rnd(&seed, 4) == 0)
			usleep(rnd(&seed, 2000));
	}
	return NULL;
}

static int clean_start(struct clean *c, int id, bool small)
{
	c->id = id;
	c->small = small;
	c->hash = HASH_INIT;
	c->want = calloc(MAX_XFERS, sizeof(*c->want));
	c->seen = calloc(MAX_XFERS, sizeof(*c->seen));
	c->zc = zc_open();
	if (!c->want || !c->seen || c->zc < 0 ||
	    stress_pair(&c->tx, &c->rx) ||
	    zc_reg(c->zc, ZCOPY_IOC_REGISTER, c->tx) ||
	    fcntl(c->zc, F_SETFL, O_NONBLOCK) ||
	    receiver_start(&c->recv, c->rx))
		return -1;
	pthread_create(&c->readers[0], NULL, clean_reader, c);
	pthread_create(&c->readers[1], NULL, clean_reader, c);
	return pthread_create(&c->submitter, NULL, clean_submitter, c);
}

/* After its submitter has ended and stop is 2: drain, then check. */
static void clean_finish(struct clean *c)
{
	pthread_join(c->readers[0], NULL);
	pthread_join(c->readers[1], NULL);
	zc_reg(c->zc, ZCOPY_IOC_UNREGISTER, c->tx);
	shutdown(c->tx, SHUT_WR);
	receiver_join(&c->recv);
	if (c->recv.bytes != c->bytes || c->recv.hash != c->hash)
		FAIL("clean %d: stream of %llu bytes, %llu expected%s", c->id,
		     (unsigned long long)c->recv.bytes,
		     (unsigned long long)c->bytes,
		     c->recv.hash != c->hash ? ", hash differs" : "");
	atomic_fetch_add(&ops_bytes, c->recv.bytes);
	close(c->zc);
	close(c->tx);
	close(c->rx);
	free(c->want);
	free((void *)c->seen);
}

/* ------------------------------------------------------------------ */
/* Chaos                                                               */

#define CHAOS_SOCKS	4
#define CHAOS_MAX	4096	/* transfers per context life */

struct peer {
	int rx;
	atomic_int reset;		/* receiver: reset and quit */
	atomic_int stall;		/* receiver: stop reading for a while */
	pthread_t thread;
	bool live;
};

struct chaos_sock {
	int tx;				/* -1: closed by us (registration lives) */
	bool registered;
	struct peer peer;
};

struct chaos {
	int id, zc;
	unsigned int seed;
	char path[NR_FILES][256];
	int fd[NR_FILES];
	struct chaos_sock sock[CHAOS_SOCKS];
	unsigned int submitted;		/* this context life */
	uint64_t range[CHAOS_MAX];	/* requested bytes; 0: to EOF */
	unsigned char seen[CHAOS_MAX];
	unsigned int done;
};

static void *peer_main(void *arg)
{
	static __thread char buf[65536];
	struct peer *p = arg;
	struct pollfd pfd = { .fd = p->rx, .events = POLLIN };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (;;) {
		if (atomic_load(&p->reset)) {
			setsockopt(p->rx, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			break;
		}
		if (atomic_load(&p->stall)) {
			usleep(20000);
			atomic_store(&p->stall, 0);
		}
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if (read(p->rx, buf, sizeof(buf)) <= 0)
			break;
	}
	close(p->rx);
	return NULL;
}

static void chaos_reap(struct chaos *ch, int timeout_ms)
{
	struct zcopy_cqe cqe[64];
	long long deadline = now_ms() + zc_ms(timeout_ms);
	struct pollfd pfd = { .fd = ch->zc, .events = POLLIN };
	ssize_t n;
	int i;

	do {
		n = read(ch->zc, cqe, sizeof(cqe));
		if (n < 0 && errno == EAGAIN) {
			if (ch->done == ch->submitted || !timeout_ms)
				return;
			poll(&pfd, 1, 50);
			continue;
		}
		if (n <= 0) {
			if (ch->zc >= 0 || !faults)
				FAIL("chaos %d: read: %s", ch->id,
				     strerror(errno));
			return;
		}
		for (i = 0; i < n / (ssize_t)sizeof(cqe[0]); i++) {
			uint64_t ud = cqe[i].user_data;
			int64_t res = cqe[i].res;
			int err = cqe[i].error;

			if (ud >= ch->submitted || ch->seen[ud]++) {
				FAIL("chaos %d: completion %llu unknown or twice",
				     ch->id, (unsigned long long)ud);
				continue;
			}
			ch->done++;
			atomic_fetch_add(&ops_completed, 1);
			if (err == -ECANCELED)
				atomic_fetch_add(&ops_cancelled, 1);
			if (res < 0 && err != res)
				FAIL("chaos %d: transfer %llu: res %lld, error %d",
				     ch->id, (unsigned long long)ud,
				     (long long)res, err);
			if (res >= 0 && ch->range[ud] &&
			    (uint64_t)res > ch->range[ud])
				FAIL("chaos %d: transfer %llu sent %lld > %llu",
				     ch->id, (unsigned long long)ud,
				     (long long)res,
				     (unsigned long long)ch->range[ud]);
			/* Truncation cuts a transfer short: -ENODATA. */
			if (err && err != -ECANCELED && err != -EPIPE &&
			    err != -ECONNRESET && err != -ENOTCONN &&
			    err != -ENODATA && !faults)
				FAIL("chaos %d: transfer %llu: error %d", ch->id,
				     (unsigned long long)ud, err);
		}
	} while (now_ms() < deadline);
	if (timeout_ms && ch->done != ch->submitted)
		FAIL("chaos %d: %u of %u completions", ch->id, ch->done,
		     ch->submitted);
}

static void chaos_sock_open(struct chaos *ch, struct chaos_sock *s)
{
	s->tx = -1;
	s->registered = false;
	s->peer.live = false;
	if (stress_pair(&s->tx, &s->peer.rx))
		return;
	atomic_store(&s->peer.reset, 0);
	atomic_store(&s->peer.stall, 0);
	s->peer.live = !pthread_create(&s->peer.thread, NULL, peer_main,
				       &s->peer);
	s->registered = !zc_reg(ch->zc, ZCOPY_IOC_REGISTER, s->tx);
	atomic_fetch_add(&ops_register, 1);
}

/* End a socket: unregister, close our side, let the peer go. */
static void chaos_sock_close(struct chaos *ch, struct chaos_sock *s)
{
	if (s->registered && s->tx >= 0)
		zc_reg(ch->zc, ZCOPY_IOC_UNREGISTER, s->tx);
	s->registered = false;
	if (s->tx >= 0)
		close(s->tx);
	s->tx = -1;
	if (s->peer.live) {
		atomic_store(&s->peer.reset, 1);
		pthread_join(s->peer.thread, NULL);
		s->peer.live = false;
	}
}

static void chaos_open(struct chaos *ch)
{
	int i;

	ch->zc = zc_open();
	while (ch->zc < 0 && faults && !atomic_load(&stop)) {
		usleep(1000);
		ch->zc = zc_open();
	}
	fcntl(ch->zc, F_SETFL, O_NONBLOCK);
	ch->submitted = 0;
	ch->done = 0;
	memset(ch->seen, 0, sizeof(ch->seen));
	for (i = 0; i < CHAOS_SOCKS; i++)
		chaos_sock_open(ch, &ch->sock[i]);
}

/*
 * Close the context the careful way: with its sockets gone, every
 * accepted transfer must complete, exactly once.  Or, one time in
 * four, the careless way: close it with everything in flight.
 */
static void chaos_close(struct chaos *ch)
{
	bool careful = rnd(&ch->seed, 4);
	int i;

	if (careful)
		for (i = 0; i < CHAOS_SOCKS; i++)
			chaos_sock_close(ch, &ch->sock[i]);
	if (careful) {
		chaos_reap(ch, WAIT_MS);
	} else {
		/* Closing drops what is not read yet: count it apart. */
		chaos_reap(ch, 0);
		atomic_fetch_add(&ops_forfeit, ch->submitted - ch->done);
	}
	close(ch->zc);
	for (i = 0; i < CHAOS_SOCKS; i++)
		chaos_sock_close(ch, &ch->sock[i]);
	atomic_fetch_add(&ops_reopen, 1);
}

static void chaos_file(struct chaos *ch, int i)
{
	ch->fd[i] = make_file(ch->path[i], rnd(&ch->seed, 2 * MiB), i);
}

static void chaos_step(struct chaos *ch)
{
	unsigned int op = rnd(&ch->seed, 100), f = rnd(&ch->seed, NR_FILES);
	struct chaos_sock *s = &ch->sock[rnd(&ch->seed, CHAOS_SOCKS)];
	struct zcopy_sqe sqe[4];
	unsigned int n, i;
	int ret;

	if (op < 50) {				/* submit */
		n = 1 + rnd(&ch->seed, 4);
		if (ch->submitted + n > CHAOS_MAX || s->tx < 0 || ch->fd[f] < 0)
			return;
		for (i = 0; i < n; i++) {
			uint64_t off = rnd(&ch->seed, 3 * MiB);
			uint64_t len = rnd(&ch->seed, 3) ?
				       rnd(&ch->seed, 2 * MiB) : 0;

			sqe[i] = zc_sqe(ch->fd[f], s->tx, off, len,
					ch->submitted + i, rnd(&ch->seed, 4));
			ch->range[ch->submitted + i] = len;
		}
		ret = zc_submit(ch->zc, sqe, n);
		atomic_fetch_add(&ops_submit, 1);
		if (ret > 0) {
			ch->submitted += ret;
			atomic_fetch_add(&ops_accepted, ret);
		} else if (errno != EAGAIN && errno != ENOENT && !faults) {
			FAIL("chaos %d: submit: %s", ch->id, strerror(errno));
		}
	} else if (op < 60) {
		if (ch->submitted)
			zc_cancel(ch->zc, rnd(&ch->seed, ch->submitted));
		atomic_fetch_add(&ops_cancel, 1);
	} else if (op < 75) {
		chaos_reap(ch, 0);
	} else if (op < 78) {			/* unregister, new socket */
		chaos_sock_close(ch, s);
		chaos_sock_open(ch, s);
		atomic_fetch_add(&ops_unregister, 1);
	} else if (op < 80) {			/* the registration keeps it */
		if (s->tx >= 0 && s->registered) {
			close(s->tx);
			s->tx = -1;
			atomic_fetch_add(&ops_close_sock, 1);
		}
	} else if (op < 82) {
		if (s->tx >= 0)
			shutdown(s->tx, SHUT_WR);
		atomic_fetch_add(&ops_shutdown, 1);
	} else if (op < 84) {
		if (s->peer.live)
			atomic_store(&s->peer.reset, 1);
		atomic_fetch_add(&ops_reset, 1);
	} else if (op < 88) {
		if (s->peer.live)
			atomic_store(&s->peer.stall, 1);
	} else if (op < 92) {
		if (ch->fd[f] >= 0)
			ftruncate(ch->fd[f], rnd(&ch->seed, 2 * MiB));
		atomic_fetch_add(&ops_truncate, 1);
	} else if (op < 95) {
		if (ch->fd[f] >= 0)
			pwrite(ch->fd[f], "x", 1, rnd(&ch->seed, 3 * MiB));
		atomic_fetch_add(&ops_extend, 1);
	} else if (op < 98) {
		if (ch->fd[f] >= 0)
			close(ch->fd[f]);
		unlink(ch->path[f]);
		chaos_file(ch, f);
		atomic_fetch_add(&ops_unlink, 1);
	} else {
		chaos_close(ch);
		chaos_open(ch);
	}
}

static void *chaos_main(void *arg)
{
	struct chaos *ch = arg;
	int i;

	for (i = 0; i < NR_FILES; i++) {
		snprintf(ch->path[i], sizeof(ch->path[i]), "%s/zcopy-stress-%d-%d.%d",
			 dir, ch->id, i, getpid());
		chaos_file(ch, i);
	}
	chaos_open(ch);
	while (!atomic_load(&stop))
		chaos_step(ch);
	/* The last close is always the careful one. */
	for (i = 0; i < CHAOS_SOCKS; i++)
		chaos_sock_close(ch, &ch->sock[i]);
	chaos_reap(ch, WAIT_MS);
	close(ch->zc);
	for (i = 0; i < NR_FILES; i++) {
		if (ch->fd[i] >= 0)
			close(ch->fd[i]);
		unlink(ch->path[i]);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

static int open_sources(void)
{
	char path[256];
	int i;

	for (i = 0; i < NR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/zcopy-stress-src-%d.%d", dir, i,
			 getpid());
		sources[i].fd = make_file(path, clean_sizes[i], 100 + i);
		sources[i].size = clean_sizes[i];
		unlink(path);
		if (sources[i].fd < 0)
			return -1;
	}
	nr_sources = NR_FILES;
	if (blockdev) {
		sources[i].fd = open(blockdev, O_RDONLY | O_CLOEXEC);
		if (sources[i].fd < 0)
			return -1;
		sources[i].size = lseek(sources[i].fd, 0, SEEK_END);
		nr_sources++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int nr_clean = 4, nr_small = 0, nr_chaos = 4, opt, i;
	struct clean *clean;
	struct chaos *chaos;
	pthread_t *threads;
	long long start;
	static const struct {
		int attr;
		const char *name;
	} gauge[] = {
		{ ZCOPY_A_STATS_CONTEXTS, "contexts" },
		{ ZCOPY_A_STATS_SOCKETS, "sockets" },
		{ ZCOPY_A_STATS_TRANSFERS, "transfers" },
		{ ZCOPY_A_STATS_PAGES, "pages" },
	};

	while ((opt = getopt(argc, argv, "t:c:s:x:6d:b:fn:")) != -1) {
		switch (opt) {
		case 't': duration = atoi(optarg); break;
		case 'c': nr_clean = atoi(optarg); break;
		case 's': nr_small = atoi(optarg); break;
		case 'x': nr_chaos = atoi(optarg); break;
		case '6': family = AF_INET6; break;
		case 'd': dir = optarg; break;
		case 'b': blockdev = optarg; break;
		case 'f': faults = true; break;
		case 'n':
			if (setup_netns(optarg)) {
				fprintf(stderr, "stress: -n %s: %s\n", optarg,
					strerror(errno));
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: stress [-t SECONDS] [-c CLEAN] [-s SMALL] [-x CHAOS] [-6] [-d DIR] [-b BLOCKDEV] [-f] [-n SENDER,RECEIVER,ADDRESS]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# %d s, %d clean streams, %d small, %d chaos workers, IPv%d over %s, files in %s%s%s\n",
	       duration, nr_clean, nr_small, nr_chaos, family == AF_INET ? 4 : 6,
	       listener < 0 ? "loopback" : "two namespaces", dir,
	       blockdev ? ", and " : "", blockdev ?: "");
	if (open_sources()) {
		printf("# sources: %s\n", strerror(errno));
		return 1;
	}
	nr_clean += nr_small;
	clean = calloc(nr_clean, sizeof(*clean));
	chaos = calloc(nr_chaos, sizeof(*chaos));
	threads = calloc(nr_chaos, sizeof(*threads));
	start = now_ms();
	for (i = 0; i < nr_clean; i++)
		if (clean_start(&clean[i], i, i >= nr_clean - nr_small))
			FAIL("clean %d: setup: %s", i, strerror(errno));
	for (i = 0; i < nr_chaos; i++) {
		chaos[i].id = i;
		chaos[i].seed = 7 + i;
		pthread_create(&threads[i], NULL, chaos_main, &chaos[i]);
	}
	while (now_ms() - start < duration * 1000LL)
		usleep(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < nr_chaos; i++)
		pthread_join(threads[i], NULL);
	/*
	 * A reader quits once stop is 2 and it has read as many as were
	 * submitted: every submission must be counted by then, or the
	 * completions of a batch still being counted are never read.
	 */
	for (i = 0; i < nr_clean; i++)
		pthread_join(clean[i].submitter, NULL);
	atomic_store(&stop, 2);		/* readers: drain, then quit */
	for (i = 0; i < nr_clean; i++)
		clean_finish(&clean[i]);

	for (i = 0; i < (int)(sizeof(gauge) / sizeof(gauge[0])); i++) {
		long long v = stat_wait(gauge[i].attr, 0, WAIT_MS);

		if (v)
			FAIL("gauge %s is %lld after the run", gauge[i].name,
			     v);
	}
	printf("# submit calls %ld, transfers accepted %ld, completed %ld (cancelled %ld), dropped unread with their context %ld\n",
	       atomic_load(&ops_submit), atomic_load(&ops_accepted),
	       atomic_load(&ops_completed), atomic_load(&ops_cancelled),
	       atomic_load(&ops_forfeit));
	if (atomic_load(&ops_accepted) !=
	    atomic_load(&ops_completed) + atomic_load(&ops_forfeit))
		FAIL("%ld accepted, but %ld completed and %ld dropped",
		     atomic_load(&ops_accepted), atomic_load(&ops_completed),
		     atomic_load(&ops_forfeit));
	printf("# cancel %ld, register %ld, unregister %ld, close(sock) %ld, shutdown %ld, reset %ld\n",
	       atomic_load(&ops_cancel), atomic_load(&ops_register),
	       atomic_load(&ops_unregister), atomic_load(&ops_close_sock),
	       atomic_load(&ops_shutdown), atomic_load(&ops_reset));
	printf("# truncate %ld, extend %ld, unlink %ld, context reopen %ld, clean bytes %ld\n",
	       atomic_load(&ops_truncate), atomic_load(&ops_extend),
	       atomic_load(&ops_unlink), atomic_load(&ops_reopen),
	       atomic_load(&ops_bytes));
	return atomic_load(&failures) ? 1 : 0;
}
