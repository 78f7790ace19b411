// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz [-t SECONDS] [-s SEED] [-d DIR] [-c CORPUS] [-p PCS]: coverage-guided
 * fuzzing of the module through every ioctl, read(), poll() and every
 * netlink command, guided by the kernel's KCOV (on a kernel with
 * CONFIG_KCOV that instruments the module: the debug kernel).
 *
 * An input is a string of bytes read as a program of calls: open and
 * close contexts, REGISTER and UNREGISTER, SUBMIT batches, CANCEL, read
 * and poll, LEND (a thread of the fuzzer's lent to a context, with a
 * KCOV buffer of its own) and LEND's stop, netlink requests with random
 * attributes, unknown ioctls, dropping the regular file's pages from the
 * page cache (it lives in DIR, default /tmp: on a disk-backed
 * filesystem, transfers then read it cold), a child process that exits
 * while its transfer reads it cold, and the rest of a program run as
 * the unprivileged user nobody.
 * Arguments come from the bytes too: descriptors of every kind (regular,
 * write-only, directory, pipe, /dev/null, /dev/zero, eventfd, memfd, the
 * context itself, UDP, AF_UNIX, netlink, listening, unconnected and
 * connected TCP, kTLS, procfs, sysfs), boundary offsets and lengths,
 * and user pointers that are valid, NULL, unmapped, or run into an
 * unmapped page.  Inputs that reach module code no earlier input
 * reached are kept, and mutated further.  The first inputs are written
 * by hand (seed_corpus()): whole transfers, which random bytes almost
 * never make, so that mutation starts from the paths they open.
 *
 * With -c, the inputs kept are read from the file CORPUS first (and run
 * again, so that what they reached counts) and written back at the end:
 * make soak's rounds go on where the last one stopped.  With -p, the PCs
 * reached are read from the file PCS first, if it exists, and written to
 * it at the end, one per line in hex, for addr2line or a listing of the
 * module's functions.
 *
 * Prints TAP with the kernel's kselftest.h: one case, with the
 * iterations, the calls made, the inputs kept and the module PCs reached.  It passes if the run completes, reaches module
 * code, leaves no context, socket or transfer behind, and every lent
 * thread comes back when its context closes.
 */
#include "../zc_util.h"
#include "kselftest.h"

#include <linux/genetlink.h>
#include <linux/kcov.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define COVER_WORDS	(256 << 10)
#define PROG_LEN	192
#define CORPUS_MAX	4096
#define PCS_SLOTS	(1 << 16)	/* a set of PCs, open addressing */
#define NR_OPS		13
#define LEND_WAIT_MS	30000	/* for a lent thread to come back */

struct prog {
	unsigned char b[PROG_LEN];
};

static struct prog corpus[CORPUS_MAX];
static int nr_corpus;
static uint64_t pcs[PCS_SLOTS];
static long nr_pcs;
static unsigned long *cover;
static unsigned long *remote_cover;	/* NULL: no remote coverage */
static unsigned int seed = 1;
static long long nr_ioctls, nr_netlink;
static const char *dir = "/tmp";
static bool lender_stuck;

/*
 * A thread to lend to context slot k (ZCOPY_IOC_LEND), waiting for a
 * descriptor in between.  It traces into a KCOV buffer of its own: KCOV
 * follows only the thread that enables it, and the lent thread runs the
 * reads that may block.  It lends the descriptor itself, not a dup: the
 * close() of a context's last descriptor is what takes the thread back.
 */
static struct lender {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;				/* being lent to; -1: idle */
	pid_t tid;
	bool ready;
	unsigned long *cover;		/* NULL: no KCOV, never lent */
} lenders[2];

/* Descriptors of every kind, made once. */
enum { NR_POOL = 24 };
static int pool[NR_POOL];
static int nr_pool;
/* Where make_pool() put what the seeds need: -1 if it could not. */
static int pool_file = -1, pool_proc = -1, pool_zero = -1, pool_memfd = -1;
static int pool_tcp[2] = { -1, -1 };
static int family_id;
static char *page_ok, *page_gap;	/* page_gap: not mapped */

/* Reads bytes of a program in turn; zeros once it runs out. */
struct cursor {
	const unsigned char *b;
	unsigned int i;
};

static unsigned int next8(struct cursor *c)
{
	return c->i < PROG_LEN ? c->b[c->i++] : 0;
}

static uint64_t next64(struct cursor *c)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | next8(c);
	return v;
}

static uint64_t pick_u64(struct cursor *c)
{
	static const uint64_t edge[] = {
		0, 1, 4095, 4096, 4097, 65536, 1 << 20, (1 << 20) + 3,
		0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xffffffffffffffffULL, 0xfffffffffffff000ULL,
	};
	unsigned int k = next8(c);

	return k < 200 ? edge[k % (sizeof(edge) / sizeof(edge[0]))] :
			 next64(c);
}

static int pick_fd(struct cursor *c, const int *ctx)
{
	unsigned int k = next8(c) % (nr_pool + 4);

	if (k < (unsigned int)nr_pool)
		return pool[k];
	if (k == (unsigned int)nr_pool)
		return ctx[0];
	if (k == (unsigned int)nr_pool + 1)
		return ctx[1];
	return k == (unsigned int)nr_pool + 2 ? -1 : 9999;
}

/*
 * A user pointer to @size bytes of @data, or a bad one.  Valid ones take
 * turns among four slots of the page: a SUBMIT's entries and the struct
 * that points to them must not overwrite each other.
 */
static void *pick_ptr(struct cursor *c, const void *data, size_t size)
{
	unsigned int k = next8(c) % 16;
	long page = sysconf(_SC_PAGESIZE);
	static unsigned int slot;
	char *p;

	if (size > (size_t)page / 4)
		size = page / 4;
	switch (k) {
	case 0:
		return NULL;
	case 1:
		return page_gap;
	case 2:		/* the last bytes before the hole */
		memcpy(page_ok + page - size / 2, data, size / 2);
		return page_ok + page - size / 2;
	case 3:
		return (void *)0xffff888000000000ULL;
	default:
		p = page_ok + (slot++ % 4) * (page / 4);
		memcpy(p, data, size);
		return p;
	}
}

static void nl_request(struct cursor *c, int nl)
{
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	unsigned int pos = NLMSG_HDRLEN + GENL_HDRLEN, n, len, i, j;
	struct nlattr *a;
	char reply[8192];

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (next8(c) & 1 ? NLM_F_DUMP : 0);
	g->cmd = next8(c) % (ZCOPY_CMD_MAX + 2);
	g->version = ZCOPY_FAMILY_VERSION;
	n = next8(c) % 4;
	for (i = 0; i < n; i++) {
		len = next8(c) % 12;
		a = (struct nlattr *)(buf + pos);
		a->nla_type = next8(c) % 16;
		a->nla_len = NLA_HDRLEN + len;
		for (j = 0; j < len; j++)
			buf[pos + NLA_HDRLEN + j] = next8(c);
		pos += NLA_ALIGN(a->nla_len);
	}
	nlh->nlmsg_len = pos;
	nr_netlink++;
	if (send(nl, buf, pos, 0) < 0)
		return;
	while (recv(nl, reply, sizeof(reply), MSG_DONTWAIT) > 0)
		;
}

static void *lender_main(void *arg)
{
	struct lender *l = arg;
	int kcov = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC), fd;
	unsigned long *cov = MAP_FAILED;

	if (kcov >= 0 && !ioctl(kcov, KCOV_INIT_TRACE, COVER_WORDS))
		cov = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
			   PROT_READ | PROT_WRITE, MAP_SHARED, kcov, 0);
	if (cov != MAP_FAILED && ioctl(kcov, KCOV_ENABLE, KCOV_TRACE_PC))
		cov = MAP_FAILED;
	pthread_mutex_lock(&l->lock);
	l->tid = gettid();
	l->cover = cov == MAP_FAILED ? NULL : cov;
	l->ready = true;
	pthread_cond_broadcast(&l->cond);
	if (!l->cover) {
		pthread_mutex_unlock(&l->lock);
		return NULL;
	}
	for (;;) {
		while (l->fd < 0)
			pthread_cond_wait(&l->cond, &l->lock);
		fd = l->fd;
		pthread_mutex_unlock(&l->lock);
		ioctl(fd, ZCOPY_IOC_LEND, 0);
		pthread_mutex_lock(&l->lock);
		l->fd = -1;
		pthread_cond_broadcast(&l->cond);
	}
	return NULL;
}

static void lenders_start(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		struct lender *l = &lenders[k];

		l->fd = -1;
		pthread_mutex_init(&l->lock, NULL);
		pthread_cond_init(&l->cond, NULL);
		if (pthread_create(&l->thread, NULL, lender_main, l))
			continue;
		pthread_mutex_lock(&l->lock);
		while (!l->ready)
			pthread_cond_wait(&l->cond, &l->lock);
		pthread_mutex_unlock(&l->lock);
	}
}

/* Whether @l sits in ZCOPY_IOC_LEND on @fd, as procfs shows it. */
static bool lender_in_call(const struct lender *l, int fd)
{
	char path[64], buf[128];
	unsigned long nr, a0, a1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", l->tid);
	return read_text(path, buf, sizeof(buf)) > 0 &&
	       sscanf(buf, "%lu %lx %lx", &nr, &a0, &a1) == 3 &&
	       nr == SYS_ioctl && a0 == (unsigned long)fd &&
	       a1 == ZCOPY_IOC_LEND;
}

/*
 * Lend @l to @fd, and return once it is in the call (or back from it).
 * A close() while another thread is still entering a call on the same
 * file cannot know it is the last (ZCOPY_IOC_LEND in the uapi header):
 * the program must not close the context before the thread is in.
 */
static void lend(struct lender *l, int fd)
{
	long long deadline = now_ms() + zc_ms(LEND_WAIT_MS);
	bool busy;

	pthread_mutex_lock(&l->lock);
	busy = !l->cover || l->fd >= 0 || fd < 0;
	if (!busy) {
		l->fd = fd;
		pthread_cond_broadcast(&l->cond);
	}
	pthread_mutex_unlock(&l->lock);
	while (!busy && !lender_in_call(l, fd) && now_ms() < deadline) {
		pthread_mutex_lock(&l->lock);
		busy = l->fd < 0;		/* back already */
		pthread_mutex_unlock(&l->lock);
		usleep(200);
	}
}

/* After the contexts closed: every lent thread must come back. */
static void lenders_wait(void)
{
	struct timespec ts;
	int k;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += zc_ms(LEND_WAIT_MS) / 1000;
	for (k = 0; k < 2; k++) {
		struct lender *l = &lenders[k];

		pthread_mutex_lock(&l->lock);
		while (l->fd >= 0 &&
		       !pthread_cond_timedwait(&l->cond, &l->lock, &ts))
			;
		if (l->fd >= 0 && !lender_stuck) {
			ksft_print_msg("a lent thread is still in ZCOPY_IOC_LEND after its context closed\n");
			lender_stuck = true;
		}
		pthread_mutex_unlock(&l->lock);
	}
}

/*
 * Run the rest of the program as the unprivileged user nobody, or as
 * root again: the device is 0666, and limits, listings and netlink's
 * permissions are not the same for a user.  The raw system call changes
 * this thread only (glibc's would change every thread); the saved uid
 * stays 0, so that root can come back.
 */
static bool as_nobody;

static void become(bool nobody)
{
	uid_t uid = nobody ? 65534 : 0;

	if (nobody != as_nobody && !syscall(SYS_setresuid, uid, uid, 0))
		as_nobody = nobody;
}

/* The regular file's pages out of the page cache. */
static void drop_cache(void)
{
	if (pool_file >= 0)
		posix_fadvise(pool[pool_file], 0, 0, POSIX_FADV_DONTNEED);
}

/*
 * A process that exits while its transfer reads the file cold: the
 * wake-up at the end of the read finds its thread gone, and the pass
 * that ends the transfer runs on the module's workqueue (seen through
 * the remote coverage, which the child's context inherits).
 */
static void exit_mid_transfer(void)
{
	pid_t pid = fork();
	int zc, tx, rx;

	if (pid < 0)
		return;
	if (pid) {
		waitpid(pid, NULL, 0);
		return;
	}
	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	if (zc >= 0 && pool_file >= 0 && !tcp_pair(AF_INET, &tx, &rx) &&
	    !zc_reg(zc, ZCOPY_IOC_REGISTER, tx)) {
		drop_cache();
		zc_submit1(zc, pool[pool_file], tx, 0, 0, 1, 0);
	}
	_exit(0);
}

/* Each context slot's rings, once set up and mapped. */
static struct {
	char *mem;
	struct zcopy_rings p;
} rmap[2];

static void ring_drop(int k)
{
	if (rmap[k].mem)
		munmap(rmap[k].mem, rmap[k].p.size);
	rmap[k].mem = NULL;
}

static uint32_t *ring_word(int k, uint32_t off)
{
	return (uint32_t *)(rmap[k].mem + off);
}

/*
 * The entries through context @k's SQ instead: rings of a size the
 * program picks, then the entries published (or a tail that says
 * something else), a CQ head that is sometimes nonsense too, and the
 * doorbell for as many as the program says.
 */
static void submit_ring(struct cursor *c, int zc, int k,
			const struct zcopy_sqe *sqe, unsigned int n)
{
	struct zcopy_submit s = { .flags = ZCOPY_SUBMIT_F_RING };
	struct zcopy_sqe *sqes;
	uint32_t *tail, mask, i;
	void *mem;

	if (!rmap[k].mem) {
		memset(&rmap[k].p, 0, sizeof(rmap[k].p));
		rmap[k].p.sq_entries = 1 + next8(c) % 8;
		rmap[k].p.cq_entries = next8(c) % 20;
		if (ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &rmap[k].p))
			return;
		mem = mmap(NULL, rmap[k].p.size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, zc, 0);
		if (mem == MAP_FAILED)
			return;
		rmap[k].mem = mem;
	}
	sqes = (struct zcopy_sqe *)(rmap[k].mem + rmap[k].p.sq.array);
	mask = rmap[k].p.sq_entries - 1;
	tail = ring_word(k, rmap[k].p.sq.tail);
	for (i = 0; i < n; i++)
		sqes[(*tail + i) & mask] = sqe[i];
	*tail += next8(c) > 240 ? next8(c) : n;
	if (next8(c) > 240)
		*ring_word(k, rmap[k].p.cq.head) = next8(c);
	else	/* reaped */
		*ring_word(k, rmap[k].p.cq.head) =
			*ring_word(k, rmap[k].p.cq.tail);
	s.nr = next8(c) > 240 ? next64(c) : n;
	ioctl(zc, ZCOPY_IOC_SUBMIT, &s);
}

static void run_prog(const struct prog *p, int nl)
{
	struct cursor c = { .b = p->b };
	int ctx[2] = { -1, -1 }, k, fd;
	struct zcopy_sqe sqe[4];
	struct zcopy_submit s;
	struct zcopy_reg r;
	struct zcopy_cancel cn;
	char buf[256] = "";
	unsigned int op, n, i;

	while (c.i < PROG_LEN) {
		op = next8(&c) % NR_OPS;
		k = next8(&c) & 1;
		if ((op >= 2 && op <= 5) || op >= 10)
			nr_ioctls++;
		switch (op) {
		case 0:
			if (ctx[k] < 0)
				ctx[k] = open("/dev/zcopy", O_RDWR | O_NONBLOCK |
					      O_CLOEXEC);
			break;
		case 1:
			if (ctx[k] >= 0)
				close(ctx[k]);
			ctx[k] = -1;
			ring_drop(k);
			break;
		case 2:
		case 3:
			memset(&r, 0, sizeof(r));
			r.sock_fd = pick_fd(&c, ctx);
			if (next8(&c) > 240)
				r.flags = next8(&c);
			ioctl(ctx[k], op == 2 ? ZCOPY_IOC_REGISTER :
			      ZCOPY_IOC_UNREGISTER, pick_ptr(&c, &r, sizeof(r)));
			break;
		case 4:
			n = next8(&c) % 5;
			for (i = 0; i < n; i++) {
				memset(&sqe[i], 0, sizeof(sqe[i]));
				sqe[i].file_fd = pick_fd(&c, ctx);
				sqe[i].sock_fd = pick_fd(&c, ctx);
				sqe[i].offset = pick_u64(&c);
				sqe[i].len = pick_u64(&c);
				sqe[i].user_data = next8(&c) % 8;
				sqe[i].flags = next8(&c) % 64;
				/* Mostly a response: one socket, real bytes. */
				if (i && next8(&c) < 160)
					sqe[i].sock_fd = sqe[i - 1].sock_fd;
				if (sqe[i].flags & ZCOPY_F_BUFFER &&
				    next8(&c) < 200) {
					sqe[i].file_fd = -1;
					sqe[i].flags &= ~(ZCOPY_F_RELEASE |
							  ZCOPY_F_DONTCACHE);
					sqe[i].addr = (uintptr_t)pick_ptr(&c, buf,
									  sizeof(buf));
					sqe[i].len = 1 + next8(&c);
				}
				if (next8(&c) > 245)
					sqe[i].reserved0 = 1;
			}
			if (next8(&c) > 200) {
				submit_ring(&c, ctx[k], k, sqe, n);
				break;
			}
			memset(&s, 0, sizeof(s));
			s.sqes = (uintptr_t)pick_ptr(&c, sqe, n * sizeof(sqe[0]));
			s.nr = next8(&c) > 240 ? next64(&c) : n;
			if (next8(&c) > 245)
				s.flags = 1;
			ioctl(ctx[k], ZCOPY_IOC_SUBMIT, pick_ptr(&c, &s, sizeof(s)));
			break;
		case 5:
			memset(&cn, 0, sizeof(cn));
			cn.user_data = next8(&c) % 8;
			if (next8(&c) > 245)
				cn.flags = 1;
			ioctl(ctx[k], ZCOPY_IOC_CANCEL, pick_ptr(&c, &cn, sizeof(cn)));
			break;
		case 6:
			n = next8(&c) % 4;
			(void)!read(ctx[k], pick_ptr(&c, buf, sizeof(buf)),
				    n == 0 ? 0 : n == 1 ? 10 : n == 2 ? 24 : 240);
			break;
		case 7:
			fd = ctx[k];
			poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0);
			break;
		case 8:
		case 9:
			nl_request(&c, nl);
			break;
		case 10:
			ioctl(ctx[k], _IOC(next8(&c) & 3, ZCOPY_IOC_MAGIC,
					   next8(&c) % 8, next8(&c)),
			      pick_ptr(&c, buf, sizeof(buf)));
			break;
		case 11:
			/* This thread never lends itself: it would block. */
			n = next8(&c);
			/* As nobody, procfs would not show root's thread. */
			if (n < 128 && !as_nobody)
				lend(&lenders[k], ctx[k]);
			else
				ioctl(ctx[k], ZCOPY_IOC_LEND,
				      n < 240 ? ZCOPY_LEND_STOP : n << 1);
			break;
		default:
			n = next8(&c);
			if (n < 192)
				drop_cache();
			else if (n < 224)
				exit_mid_transfer();
			else
				become(n & 1);
			break;
		}
	}
	for (k = 0; k < 2; k++) {
		if (ctx[k] >= 0)
			close(ctx[k]);
		ring_drop(k);
	}
	lenders_wait();
	become(false);
}

/* Adds @pc to the set of PCs reached; returns 1 if it was not there. */
static int pcs_add(uint64_t pc)
{
	uint64_t h;

	for (h = (pc * 0x9e3779b97f4a7c15ULL) >> 48;; h = (h + 1) % PCS_SLOTS) {
		if (pcs[h] == pc)
			return 0;
		if (!pcs[h]) {
			if (nr_pcs == PCS_SLOTS - 1)
				return 0;	/* full: never in practice */
			pcs[h] = pc;
			nr_pcs++;
			return 1;
		}
	}
}

/* Count the PCs in @cov no earlier run reached. */
static int new_pcs(const unsigned long *cov)
{
	unsigned long n, i;
	int fresh = 0;

	if (!cov)
		return 0;
	n = __atomic_load_n(&cov[0], __ATOMIC_RELAXED);
	if (n >= COVER_WORDS)
		n = COVER_WORDS - 1;
	for (i = 1; i <= n; i++)
		fresh += pcs_add(cov[i]);
	return fresh;
}

static void mutate(struct prog *p)
{
	unsigned int n = 1 + rand_r(&seed) % 8, i, at, len;
	const struct prog *other;

	for (i = 0; i < n; i++) {
		at = rand_r(&seed) % PROG_LEN;
		switch (rand_r(&seed) % 4) {
		case 0:
			p->b[at] ^= 1 << (rand_r(&seed) % 8);
			break;
		case 1:
			p->b[at] = rand_r(&seed);
			break;
		case 2:		/* take a piece of another input */
			other = &corpus[rand_r(&seed) % (nr_corpus ?: 1)];
			len = rand_r(&seed) % (PROG_LEN - at);
			memcpy(p->b + at, other->b + at, len);
			break;
		default:	/* shift the rest: calls move */
			len = PROG_LEN - at - 1;
			memmove(p->b + at + 1, p->b + at, len);
			break;
		}
	}
}

/* Run @p, keeping it if it reached module code no input reached before. */
static void try_prog(const struct prog *p, int nl)
{
	int k, fresh;

	/* The lent threads are idle here: run_prog() waited for them. */
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	for (k = 0; k < 2; k++)
		if (lenders[k].cover)
			__atomic_store_n(&lenders[k].cover[0], 0,
					 __ATOMIC_RELAXED);
	/* Work still running for the last input may land in this one. */
	if (remote_cover)
		__atomic_store_n(&remote_cover[0], 0, __ATOMIC_RELAXED);
	run_prog(p, nl);
	fresh = new_pcs(cover) + new_pcs(remote_cover);
	for (k = 0; k < 2; k++)
		fresh += new_pcs(lenders[k].cover);
	if (fresh && nr_corpus < CORPUS_MAX)
		corpus[nr_corpus++] = *p;
}

/* The inputs an earlier run kept, run again; 0 if there is no file. */
static int corpus_load(const char *path, int nl)
{
	struct prog p;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fread(&p, sizeof(p), 1, f) == 1)
		try_prog(&p, nl);
	fclose(f);
	return 0;
}

/* The PCs an earlier run wrote with -p count as reached. */
static void pcs_load(const char *path)
{
	unsigned long long pc;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fscanf(f, "%llx", &pc) == 1)
		pcs_add(pc);
	fclose(f);
}

static int pcs_save(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i;

	if (!f)
		return -1;
	for (i = 0; i < PCS_SLOTS; i++)
		if (pcs[i])
			fprintf(f, "%#llx\n", (unsigned long long)pcs[i]);
	return fclose(f);
}

static int corpus_save(const char *path)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(corpus, sizeof(corpus[0]), nr_corpus, f) ==
	     (size_t)nr_corpus;
	return fclose(f) || !ok ? -1 : 0;
}

/* Adds @fd to the pool; returns its index there, or -1. */
static int add(int fd)
{
	if (fd < 0 || nr_pool == NR_POOL)
		return -1;
	pool[nr_pool] = fd;
	return nr_pool++;
}

/* Descriptors of every kind the module may be handed. */
static void make_pool(void)
{
	static struct receiver r[2];	/* read by their threads for good */
	int p[2], tx, rx, i, l;
	char path[256];

	snprintf(path, sizeof(path), "%s/zcopy-fuzz.%d", dir, getpid());
	pool_file = add(make_file(path, 3 * MiB, 9));
	add(open(path, O_WRONLY | O_CLOEXEC));
	add(open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!pipe2(p, O_CLOEXEC)) {
		add(p[0]);
		add(p[1]);
	}
	add(open("/dev/null", O_RDWR | O_CLOEXEC));
	pool_zero = add(open("/dev/zero", O_RDONLY | O_CLOEXEC));
	add(eventfd(0, EFD_CLOEXEC));
	pool_memfd = add(memfd_create("zcopy-fuzz", MFD_CLOEXEC));
	if (pool_memfd >= 0 && ftruncate(pool[pool_memfd], MiB))
		pool_memfd = -1;
	add(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	add(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	add(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l >= 0 && !listen(l, 1))
		add(l);
	add(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
	/*
	 * Small send buffers: a transfer soon waits for room and is resumed
	 * as the peer reads, rather than moving megabytes per call under
	 * emulation.  That doubles the calls a second and reaches the
	 * resume path.
	 */
	for (i = 0; i < 2; i++)
		if (!tcp_pair(i ? AF_INET6 : AF_INET, &tx, &rx)) {
			setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &(int){ 32768 },
				   sizeof(int));
			pool_tcp[i] = add(tx);
			receiver_start(&r[i], rx);	/* drains forever */
		}
	if (!tcp_pair(AF_INET, &tx, &rx)) {
		if (!setsockopt(tx, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
			add(tx);
		else
			close(tx);
		close(rx);
	}
	pool_proc = add(open("/proc/version", O_RDONLY | O_CLOEXEC));
	add(open("/sys/kernel/mm/transparent_hugepage/enabled",
		 O_RDONLY | O_CLOEXEC));
	unlink(path);
}

/* Writes a program byte by byte, as run_prog() will read it. */
struct writer {
	struct prog p;
	unsigned int i;
};

static void put(struct writer *w, unsigned int b)
{
	if (w->i < PROG_LEN)
		w->p.b[w->i++] = b;
}

/* Operation @op on context @k (run_prog()'s numbering). */
static void put_op(struct writer *w, unsigned int op, unsigned int k)
{
	put(w, op);
	put(w, k);
}

/* REGISTER or UNREGISTER of pool entry @sock, well formed. */
static void put_reg(struct writer *w, unsigned int op, int sock)
{
	put_op(w, op, 0);
	put(w, sock);
	put(w, 0);		/* no flags */
	put(w, 4);		/* a valid pointer */
}

/* A SUBMIT of one range (pick_u64()'s edge values) of @file to @sock. */
static void put_submit(struct writer *w, int file, int sock, unsigned int off,
		       unsigned int len, unsigned int flags)
{
	put_op(w, 4, 0);
	put(w, 1);		/* one entry */
	put(w, file);
	put(w, sock);
	put(w, off);
	put(w, len);
	put(w, 1);		/* user_data */
	put(w, flags);
	put(w, 0);		/* reserved0 left 0 */
	put(w, 4);		/* entries at a valid pointer */
	put(w, 0);		/* nr as given */
	put(w, 0);		/* no submit flags */
	put(w, 4);		/* struct at a valid pointer */
}

/* Close context 0, pad with closes (then nothing), and run the input. */
static void close_and_try(struct writer *w, int nl)
{
	put_op(w, 1, 0);
	while (w->i < PROG_LEN)
		put(w, 1);
	try_prog(&w->p, nl);
}

/*
 * Hand-written inputs: a context, a registered connection, a transfer of
 * each source kind and flag, its completion read, then cancel,
 * unregister and close in orders a run would rarely find.  Half of them
 * lend a thread first, which the reads that may block then run in.
 */
static void seed_corpus(int nl)
{
	const int files[] = { pool_file, pool_memfd, pool_proc, pool_zero };
	unsigned int f, flags, sock, len;
	struct writer w;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		for (flags = 0; flags < 8; flags++) {
			sock = pool_tcp[flags & 1];
			if (files[f] < 0 || (int)sock < 0)
				continue;
			memset(&w, 0, sizeof(w));
			len = flags & 2 ? 6 : 4;	/* 1 MiB, or 64 KiB */
			put_op(&w, 0, 0);		/* open */
			if (flags & 1) {		/* lend a thread */
				put_op(&w, 11, 0);
				put(&w, 0);
			}
			put_reg(&w, 2, sock);
			put_submit(&w, files[f], sock, 0, len, flags);
			put_submit(&w, files[f], sock, 3, 4, flags);
			put_op(&w, 7, 0);		/* poll */
			put_op(&w, 6, 0);		/* read 240 bytes */
			put(&w, 3);
			put(&w, 4);
			if (flags & 4) {		/* cancel before the end */
				put_op(&w, 5, 0);
				put(&w, 1);
				put(&w, 0);
				put(&w, 4);
			}
			if (flags & 1)			/* unregister first */
				put_reg(&w, 3, sock);
			close_and_try(&w, nl);
		}
	}
}

/* A netlink request of @cmd, a dump if @dump, with no attribute. */
static void put_nl(struct writer *w, unsigned int cmd, bool dump)
{
	put_op(w, 8, 0);
	put(w, dump);
	put(w, cmd);
	put(w, 0);
}

/* CONFIG_SET of attribute @type to @value, in @len bytes. */
static void put_config_set(struct writer *w, unsigned int type,
			   unsigned int len, uint64_t value)
{
	put_op(w, 8, 0);
	put(w, 0);
	put(w, ZCOPY_CMD_CONFIG_SET);
	put(w, 1);		/* one attribute */
	put(w, len);
	put(w, type);
	for (; len; len--, value >>= 8)
		put(w, value & 0xff);	/* little-endian, as on x86 */
}

/*
 * Every netlink command while a transfer is in flight (1 MiB of
 * /dev/zero into a small send buffer), dumps among them; and each
 * configuration attribute set to its highest value, which no test
 * comes near (the scripts restore the configuration after a run).
 * Then calls of each kind as nobody.
 */
static void seed_netlink(int nl)
{
	unsigned int cmd;
	struct writer w;

	if (pool_zero < 0 || pool_tcp[0] < 0)
		return;
	memset(&w, 0, sizeof(w));
	put_op(&w, 0, 0);
	put_reg(&w, 2, pool_tcp[0]);
	put_submit(&w, pool_zero, pool_tcp[0], 0, 6, 0);
	for (cmd = ZCOPY_CMD_STATS_GET; cmd <= ZCOPY_CMD_TRANSFER_GET; cmd++) {
		put_nl(&w, cmd, false);
		put_nl(&w, cmd, true);
	}
	put_config_set(&w, ZCOPY_A_CONFIG_MAX_INFLIGHT, 4,
		       ZCOPY_MAX_INFLIGHT_MAX);
	put_config_set(&w, ZCOPY_A_CONFIG_MAX_PINNED, 8, ZCOPY_MAX_PINNED_MAX);
	put_config_set(&w, ZCOPY_A_CONFIG_MAX_USER_SOCKETS, 4,
		       ZCOPY_MAX_USER_SOCKETS_MAX);
	close_and_try(&w, nl);

	/* The same as nobody: its own limits, listings and permissions. */
	memset(&w, 0, sizeof(w));
	put_op(&w, 12, 0);
	put(&w, 225);			/* become nobody */
	put_op(&w, 0, 0);
	put_reg(&w, 2, pool_tcp[0]);
	put_submit(&w, pool_zero, pool_tcp[0], 0, 6, 0);
	if (pool_file >= 0)
		put_submit(&w, pool_file, pool_tcp[0], 0, 6, 3);
	put_nl(&w, ZCOPY_CMD_CONTEXT_GET, true);
	put_nl(&w, ZCOPY_CMD_TRANSFER_GET, true);
	put_nl(&w, ZCOPY_CMD_STATS_GET, false);
	put_config_set(&w, ZCOPY_A_CONFIG_MAX_INFLIGHT, 4,
		       ZCOPY_MAX_INFLIGHT_MAX);
	close_and_try(&w, nl);
}

/*
 * Coverage of the module's work on its workqueue, done for the contexts
 * this process opens (zcopy_work_kcov()): the calling thread collects it
 * (into remote_cover) under a common handle, which threads it starts
 * afterwards inherit and a context takes from its opener.  Such a thread
 * collects nothing of its own, so the programs run in another
 * (fuzz_thread()).
 */
static void remote_start(void)
{
	struct kcov_remote_arg arg = {
		.trace_mode = KCOV_TRACE_PC,
		/* Per work function run at once: kept, vmalloc()ed, by the kernel. */
		.area_size = 1 << 15,
		.common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON,
						    getpid() & 0xffffff),
	};
	int fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	unsigned long *area = MAP_FAILED;

	if (fd >= 0 && !ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS))
		area = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
			    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (area != MAP_FAILED && !ioctl(fd, KCOV_REMOTE_ENABLE, &arg))
		remote_cover = area;
}

static long long secs = 20;
static const char *saved, *pcs_file;
static int kcov;

static void *fuzz_thread(void *unused)
{
	long long start, iterations = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct prog prog;
	int nl, gone;
	unsigned int i;

	if (ioctl(kcov, KCOV_INIT_TRACE, COVER_WORDS))
		goto fail;
	cover = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, kcov, 0);
	page_ok = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cover == MAP_FAILED || page_ok == MAP_FAILED)
		goto fail;
	page_gap = page_ok + page;
	munmap(page_gap, page);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	family_id = genl_family_id(nl, ZCOPY_FAMILY_NAME);
	if (family_id < 0)
		goto fail;
	make_pool();
	lenders_start();
	if (ioctl(kcov, KCOV_ENABLE, KCOV_TRACE_PC))
		goto fail;
	if (saved && corpus_load(saved, nl))
		goto fail;
	if (nr_corpus)
		ksft_print_msg("%d inputs of %s run again: %ld module PCs\n",
			       nr_corpus, saved, nr_pcs);
	seed_corpus(nl);
	seed_netlink(nl);
	ksft_print_msg("with the seeds: %d inputs, %ld module PCs\n",
		       nr_corpus, nr_pcs);
	/* After the inputs ran: what they reach again keeps them. */
	if (pcs_file)
		pcs_load(pcs_file);

	start = now_ms();
	while (now_ms() - start < secs * 1000) {
		if (!nr_corpus || rand_r(&seed) % 8 == 0) {
			for (i = 0; i < PROG_LEN; i++)
				prog.b[i] = rand_r(&seed);
		} else {
			prog = corpus[rand_r(&seed) % nr_corpus];
			mutate(&prog);
		}
		try_prog(&prog, nl);
		iterations++;
	}
	ioctl(kcov, KCOV_DISABLE, 0);
	ksft_print_msg("%lld iterations in %lld s, %lld ioctls, %lld netlink requests\n",
		       iterations, secs, nr_ioctls, nr_netlink);
	ksft_print_msg("%d inputs kept, %ld module PCs reached\n",
		       nr_corpus, nr_pcs);
	if ((saved && corpus_save(saved)) || (pcs_file && pcs_save(pcs_file)))
		goto fail;

	/* Everything the inputs made must go with their contexts. */
	for (i = 0; i < (unsigned int)nr_pool; i++)
		close(pool[i]);
	gone = stat_wait(ZCOPY_A_STATS_CONTEXTS, 0, 60000) == 0 &&
	       stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, 60000) == 0 &&
	       stat_wait(ZCOPY_A_STATS_SOCKETS, 0, 60000) == 0;
	if (!gone)
		ksft_print_msg("contexts, sockets or transfers left behind\n");
	ksft_test_result(nr_pcs && gone && !lender_stuck, "fuzz\n");
	ksft_finished();
fail:
	ksft_print_msg("setup: %s\n", strerror(errno));
	ksft_test_result_fail("fuzz\n");
	ksft_finished();
	return unused;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int opt;

	while ((opt = getopt(argc, argv, "t:s:d:c:p:")) != -1) {
		if (opt == 't')
			secs = atoll(optarg);
		else if (opt == 's')
			seed = atoi(optarg);
		else if (opt == 'd')
			dir = optarg;
		else if (opt == 'c')
			saved = optarg;
		else if (opt == 'p')
			pcs_file = optarg;
		else
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	kcov = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (kcov < 0)
		ksft_exit_skip("no KCOV (the debug kernel has it)\n");
	ksft_set_plan(1);
	remote_start();
	if (!remote_cover)
		ksft_print_msg("no remote coverage: the workqueue's part is not seen\n");
	/* It exits the process when done (ksft_finished()). */
	if (pthread_create(&t, NULL, fuzz_thread, NULL)) {
		ksft_test_result_fail("fuzz\n");
		ksft_finished();
	}
	pthread_join(t, NULL);
	return 1;
}
