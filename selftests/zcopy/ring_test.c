// SPDX-License-Identifier: GPL-2.0
/*
 * Shared-memory rings (ZCOPY_IOC_SETUP_RINGS): entries taken from the
 * SQ by the doorbell, completions reaped from the CQ with no system
 * call, completions that wait for room and are never lost, read() and
 * poll() on a context with rings, and an application that writes
 * nonsense into the region.
 */
#include "zc_util.h"

#include "kselftest_harness.h"

#define TMPFILE		"/tmp/zcopy-ring"
#define TIMEOUT_MS	30000

/* The application's view of the region, as the uapi header lays it. */
struct ring {
	void *mem;
	size_t size;
	struct zcopy_rings p;
	uint32_t *sq_head, *sq_tail, *cq_head, *cq_tail, *cq_flags, *cq_over;
	struct zcopy_sqe *sqes;
	struct zcopy_cqe *cqes;
};

static int ring_setup(int zc, uint32_t sq, uint32_t cq, struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->p.sq_entries = sq;
	r->p.cq_entries = cq;
	if (ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &r->p))
		return -1;
	r->size = r->p.size;
	r->mem = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, zc, 0);
	if (r->mem == MAP_FAILED)
		return -1;
	r->sq_head = (uint32_t *)((char *)r->mem + r->p.sq.head);
	r->sq_tail = (uint32_t *)((char *)r->mem + r->p.sq.tail);
	r->cq_head = (uint32_t *)((char *)r->mem + r->p.cq.head);
	r->cq_tail = (uint32_t *)((char *)r->mem + r->p.cq.tail);
	r->cq_flags = (uint32_t *)((char *)r->mem + r->p.cq.flags);
	r->cq_over = (uint32_t *)((char *)r->mem + r->p.cq.overflow);
	r->sqes = (struct zcopy_sqe *)((char *)r->mem + r->p.sq.array);
	r->cqes = (struct zcopy_cqe *)((char *)r->mem + r->p.cq.array);
	return 0;
}

/* Publish @sqe at the tail, as the protocol says: entry, then tail. */
static void sq_push(struct ring *r, const struct zcopy_sqe *sqe)
{
	uint32_t tail = *r->sq_tail;

	r->sqes[tail & (r->p.sq_entries - 1)] = *sqe;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static int sq_room(struct ring *r)
{
	return r->p.sq_entries - (*r->sq_tail -
				  __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE));
}

/* The doorbell: SUBMIT from the SQ, at most @nr entries. */
static int doorbell(int zc, unsigned int nr)
{
	struct zcopy_submit s = { .nr = nr, .flags = ZCOPY_SUBMIT_F_RING };

	return ioctl(zc, ZCOPY_IOC_SUBMIT, &s);
}

/* Reap up to @max records from the CQ: tail, records, then head. */
static unsigned int cq_reap(struct ring *r, struct zcopy_cqe *out,
			    unsigned int max)
{
	uint32_t head = *r->cq_head;
	uint32_t tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (head != tail && n < max)
		out[n++] = r->cqes[head++ & (r->p.cq_entries - 1)];
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return n;
}

/*
 * Reap exactly @n records within @timeout_ms: from the ring, sleeping
 * in poll() when it is empty, and ringing with nr 0 when completions
 * wait for room.  Returns how many were reaped.
 */
static unsigned int cq_wait(int zc, struct ring *r, struct zcopy_cqe *out,
			    unsigned int n, int timeout_ms)
{
	long long deadline = now_ms() + zc_ms(timeout_ms);
	struct pollfd pfd = { .fd = zc, .events = POLLIN };
	unsigned int got = 0, k;

	while (got < n && now_ms() < deadline) {
		k = cq_reap(r, out + got, n - got);
		got += k;
		if (k)
			continue;
		if (__atomic_load_n(r->cq_flags, __ATOMIC_ACQUIRE) &
		    ZCOPY_CQ_F_OVERFLOW)
			doorbell(zc, 0);
		else
			poll(&pfd, 1, 100);
	}
	return got;
}

/* Wait up to @timeout_ms (scaled) for a word of the region to be @want. */
static bool wait_word(const uint32_t *w, uint32_t want, int timeout_ms)
{
	long long deadline = now_ms() + zc_ms(timeout_ms);

	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != want) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

FIXTURE(rings) {
	int zc, tx, rx, fd;
	struct receiver recv;
	bool joined;
};

FIXTURE_SETUP(rings)
{
	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, tcp_pair(AF_INET, &self->tx, &self->rx));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	self->fd = make_file(TMPFILE, 1 * MiB, 41);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, receiver_start(&self->recv, self->rx));
}

FIXTURE_TEARDOWN(rings)
{
	close(self->zc);
	shutdown(self->tx, SHUT_WR);
	if (!self->joined)
		receiver_join(&self->recv);
	close(self->tx);
	close(self->rx);
	close(self->fd);
	unlink(TMPFILE);
}

/* What SETUP_RINGS, mmap() and the doorbell refuse, and why. */
TEST(setup_is_checked)
{
	const struct { uint32_t sq, cq, flags; } bad[] = {
		{ 0, 0, 0 },
		{ ZCOPY_RING_MAX_SQ + 1, 0, 0 },
		{ 8, 4, 0 },
		{ 8, ZCOPY_RING_MAX_CQ + 1, 0 },
		{ 8, 0, 1 },
	};
	struct zcopy_probe probe;
	struct zcopy_rings p;
	unsigned int i;
	void *mem;
	int zc;

	zc = zc_open();
	ASSERT_LE(0, zc);
	ASSERT_EQ(0, ioctl(zc, ZCOPY_IOC_PROBE, &probe));
	EXPECT_TRUE(probe.features & ZCOPY_FEAT_RINGS);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&p, 0, sizeof(p));
		p.sq_entries = bad[i].sq;
		p.cq_entries = bad[i].cq;
		p.flags = bad[i].flags;
		EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &p));
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
	memset(&p, 0, sizeof(p));
	p.sq_entries = 8;
	p.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &p));
	EXPECT_EQ(EINVAL, errno);
	/* No rings yet: nothing to map, no doorbell. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, zc, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, doorbell(zc, 1));
	EXPECT_EQ(EINVAL, errno);

	memset(&p, 0, sizeof(p));
	p.sq_entries = 5;
	ASSERT_EQ(0, ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &p));
	EXPECT_EQ(8, p.sq_entries);
	EXPECT_EQ(16, p.cq_entries);
	EXPECT_EQ(0, p.size % 4096);
	EXPECT_LE(p.cq.array + 16 * sizeof(struct zcopy_cqe), p.size);
	EXPECT_LE(p.sq.array + 8 * sizeof(struct zcopy_sqe), p.cq.array);
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &p));
	EXPECT_EQ(EBUSY, errno);

	/* Private, past the end, or at an offset: refused. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, p.size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, zc, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, p.size + 4096, PROT_READ,
				   MAP_SHARED, zc, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, zc,
				   4096));
	mem = mmap(NULL, p.size, PROT_READ | PROT_WRITE, MAP_SHARED, zc, 0);
	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_EQ(7, *(uint32_t *)((char *)mem + p.sq.mask));
	EXPECT_EQ(16, *(uint32_t *)((char *)mem + p.cq.entries));
	/* Growing the mapping is refused too. */
	EXPECT_EQ(MAP_FAILED, mremap(mem, p.size, p.size + 4096, 0));
	/* The doorbell takes its entries from the ring only. */
	struct zcopy_submit s = { .sqes = 4096, .nr = 1,
				  .flags = ZCOPY_SUBMIT_F_RING };
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EINVAL, errno);
	s.sqes = 0;
	s.flags = 2;
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, doorbell(zc, 8));
	munmap(mem, p.size);
	close(zc);
}

/*
 * Many transfers through a small SQ and CQ, round and round: every
 * entry is taken once, in order, every completion reaped from the
 * ring in submission order with its length, and the peer gets the
 * bytes.  No read() of the descriptor.
 */
TEST_F(rings, transfers_go_round_the_rings)
{
	enum { N = 200, CHUNK = 4096 };
	struct zcopy_cqe cqe[N];
	struct zcopy_sqe sqe;
	unsigned int sent = 0, i;
	struct ring r;
	int n;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 8, &r));
	while (sent < N) {
		/* Fill what room there is, then ring. */
		for (i = 0; sent + i < N && sq_room(&r) > 0; i++) {
			sqe = zc_sqe(self->fd, self->tx, (sent + i) * CHUNK,
				     CHUNK, sent + i + 1, 0);
			sq_push(&r, &sqe);
		}
		n = doorbell(self->zc, i);
		ASSERT_EQ((int)i, n);
		ASSERT_EQ(*r.sq_tail, __atomic_load_n(r.sq_head,
						      __ATOMIC_ACQUIRE));
		sent += n;
		/* Keep the CQ from filling: reap what there is. */
		cq_wait(self->zc, &r, cqe + (sent - n), 0, 0);
	}
	ASSERT_EQ(N, cq_wait(self->zc, &r, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(i + 1, cqe[i].user_data);
		EXPECT_EQ(CHUNK, cqe[i].res);
		EXPECT_EQ(0, cqe[i].error);
	}
	shutdown(self->tx, SHUT_WR);
	receiver_join(&self->recv);
	self->joined = true;
	EXPECT_EQ((uint64_t)N * CHUNK, self->recv.bytes);
	EXPECT_EQ(hash_file(self->fd, HASH_INIT, 0, N * CHUNK),
		  self->recv.hash);
}

/*
 * More completions than the CQ holds, none reaped: the CQ fills, the
 * rest wait (the flag says so, the counter counts them), and reaping
 * with a ring of the doorbell now and then brings every one of them,
 * in order.  None is lost; the transfers that waited are still held.
 */
TEST_F(rings, completions_that_find_the_cq_full_wait)
{
	enum { N = 64 };
	struct zcopy_cqe cqe[N];
	struct zcopy_sqe sqe[N];
	unsigned int i;
	struct ring r;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	for (i = 0; i < N; i++)
		sqe[i] = zc_sqe(self->fd, self->tx, i * 100, 100, i + 1, 0);
	/* The plain SUBMIT works beside the rings. */
	ASSERT_EQ(N, zc_submit(self->zc, sqe, N));
	ASSERT_TRUE(wait_word(r.cq_over, N - 4, TIMEOUT_MS));
	EXPECT_EQ(N - 4, stat_value(ZCOPY_A_STATS_TRANSFERS));
	EXPECT_EQ(4, *r.cq_tail - *r.cq_head);
	EXPECT_EQ(ZCOPY_CQ_F_OVERFLOW, *r.cq_flags);
	EXPECT_EQ(N - 4, *r.cq_over);
	ASSERT_EQ(N, cq_wait(self->zc, &r, cqe, N, TIMEOUT_MS));
	for (i = 0; i < N; i++)
		EXPECT_EQ(i + 1, cqe[i].user_data);
	EXPECT_EQ(0, *r.cq_flags);
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
}

/*
 * read() and poll() keep working on a context with rings: poll() says
 * readable while the CQ holds records, read() reaps them (and moves
 * the ring's head), and what waited for room follows.
 */
TEST_F(rings, read_and_poll_reap_the_ring)
{
	enum { N = 20 };
	struct pollfd pfd = { .fd = self->zc, .events = POLLIN };
	struct zcopy_cqe cqe[N];
	struct zcopy_sqe sqe[N];
	long long base = stat_value(ZCOPY_A_STATS_COMPLETED);
	unsigned int i;
	struct ring r;

	/* Completions made before the rings move into them. */
	for (i = 0; i < N; i++)
		sqe[i] = zc_sqe(self->fd, self->tx, 0, 10, i + 1, 0);
	ASSERT_EQ(N, zc_submit(self->zc, sqe, N));
	ASSERT_EQ(base + N, stat_wait(ZCOPY_A_STATS_COMPLETED, base + N,
				      TIMEOUT_MS));
	ASSERT_EQ(0, ring_setup(self->zc, 8, 8, &r));
	EXPECT_EQ(8, *r.cq_tail);
	/* Those that found no room, before the rings or after. */
	ASSERT_TRUE(wait_word(r.cq_over, N - 8, TIMEOUT_MS));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(5 * sizeof(*cqe), read(self->zc, cqe, 5 * sizeof(*cqe)));
	EXPECT_EQ(5, *r.cq_head);
	ASSERT_EQ(N - 5, zc_wait(self->zc, cqe + 5, N - 5, TIMEOUT_MS));
	for (i = 0; i < N; i++)
		EXPECT_EQ(i + 1, cqe[i].user_data);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* Partial records are not returned. */
	EXPECT_EQ(-1, read(self->zc, cqe, sizeof(*cqe) - 1));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * An entry the doorbell refuses stays at the SQ's head, as SUBMIT
 * leaves a refused entry to its caller: the doorbell says why, takes
 * nothing, and takes it once it is put right in place.
 */
TEST_F(rings, refused_entry_stays_in_the_sq)
{
	struct zcopy_sqe sqe;
	struct zcopy_cqe cqe[2];
	struct ring r;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 0, &r));
	sqe = zc_sqe(self->fd, self->tx, 0, 10, 1, 0);
	sq_push(&r, &sqe);
	sqe = zc_sqe(9999, self->tx, 0, 10, 2, 0);
	sq_push(&r, &sqe);
	EXPECT_EQ(1, doorbell(self->zc, 4));
	EXPECT_EQ(1, *r.sq_head);
	EXPECT_EQ(-1, doorbell(self->zc, 4));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, *r.sq_head);
	r.sqes[1].file_fd = self->fd;
	EXPECT_EQ(1, doorbell(self->zc, 4));
	EXPECT_EQ(2, *r.sq_head);
	ASSERT_EQ(2, cq_wait(self->zc, &r, cqe, 2, TIMEOUT_MS));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(2, cqe[1].user_data);
	EXPECT_EQ(10, cqe[1].res);
}

/* Scribbles entries of the SQ for as long as it runs. */
struct scribbler {
	struct ring *r;
	volatile bool stop;
	pthread_t thread;
};

static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	uint32_t *w = (uint32_t *)s->r->sqes;
	unsigned int words = s->r->p.sq_entries * sizeof(struct zcopy_sqe) / 4;
	unsigned int x = 1;

	while (!s->stop) {
		x = x * 1103515245 + 12345;
		w[x % words] = x;
	}
	return NULL;
}

/*
 * The application writes nonsense where the kernel looks: tails out of
 * range, heads behind and ahead, entries changing while the doorbell
 * reads them.  The doorbell fails or refuses entries, completions wait
 * rather than overwrite, and once the indices are right again every
 * completion is there.  The debug kernel watches for the rest.
 */
TEST_F(rings, nonsense_in_the_region_harms_only_its_writer)
{
	struct zcopy_sqe sqe = zc_sqe(self->fd, self->tx, 0, 10, 7, 0);
	struct scribbler s = { 0 };
	struct zcopy_cqe cqe[4];
	unsigned int i, done = 0;
	struct ring r;
	int n;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	/* A tail more than a ring ahead of the head. */
	*r.sq_tail = 5;
	EXPECT_EQ(-1, doorbell(self->zc, 4));
	EXPECT_EQ(EINVAL, errno);
	*r.sq_tail = (uint32_t)-1;
	EXPECT_EQ(-1, doorbell(self->zc, 4));
	EXPECT_EQ(EINVAL, errno);
	*r.sq_tail = 0;
	*r.sq_head = 3;		/* the kernel keeps its own */
	sq_push(&r, &sqe);	/* at 0: the tail was 0 */
	EXPECT_EQ(1, doorbell(self->zc, 4));
	EXPECT_EQ(1, *r.sq_head);

	/* A CQ head ahead of the tail: the CQ looks full, nothing lost. */
	ASSERT_EQ(1, cq_wait(self->zc, &r, cqe, 1, TIMEOUT_MS));
	*r.cq_head = 1000;
	sq_push(&r, &sqe);
	EXPECT_EQ(1, doorbell(self->zc, 4));
	ASSERT_TRUE(wait_word(r.cq_flags, ZCOPY_CQ_F_OVERFLOW, TIMEOUT_MS));
	EXPECT_EQ(1, *r.cq_tail);
	EXPECT_EQ(-1, read(self->zc, cqe, sizeof(cqe)));
	EXPECT_EQ(EINVAL, errno);
	*r.cq_head = 1;
	ASSERT_EQ(1, cq_wait(self->zc, &r, cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(7, cqe[0].user_data);

	/* Entries rewritten under the doorbell: refused or taken whole. */
	s.r = &r;
	ASSERT_EQ(0, pthread_create(&s.thread, NULL, scribble, &s));
	for (i = 0; i < 2000; i++) {
		while (sq_room(&r) > 0)
			sq_push(&r, &sqe);
		n = doorbell(self->zc, 4);
		if (n > 0)
			done += n;
		else
			*r.sq_tail = *r.sq_head;	/* drop what is refused */
		cq_reap(&r, cqe, 4);
	}
	s.stop = true;
	pthread_join(s.thread, NULL);
	/* Entries with nonsense in them may still be going; close them. */
	TH_LOG("%u scribbled entries accepted", done);
	close(self->zc);
	self->zc = zc_open();
	EXPECT_EQ(0, stat_wait(ZCOPY_A_STATS_TRANSFERS, 0, TIMEOUT_MS));
}

/*
 * The contexts open, once those of earlier tests, closed but freed a
 * little later, have gone: with none but this test's, 1.
 */
static long long settled_contexts(void)
{
	return stat_wait(ZCOPY_A_STATS_CONTEXTS, 1, 5000);
}

/*
 * A mapping holds the context's file, as any mapping of a file does:
 * closed, the context keeps completing into the region, and goes with
 * the munmap().  A region never mapped, or unmapped, does not stop the
 * doorbell: the kernel has its own mapping of it.
 */
TEST_F(rings, mapping_keeps_the_context)
{
	struct zcopy_sqe sqe = zc_sqe(self->fd, self->tx, 0, 10, 3, 0);
	long long contexts = settled_contexts();
	struct zcopy_cqe cqe;
	struct ring r;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	sq_push(&r, &sqe);
	EXPECT_EQ(1, doorbell(self->zc, 1));
	close(self->zc);
	self->zc = -1;
	ASSERT_TRUE(wait_word(r.cq_tail, 1, TIMEOUT_MS));
	EXPECT_EQ(3, r.cqes[0].user_data);
	EXPECT_EQ(10, r.cqes[0].res);
	EXPECT_EQ(contexts, stat_value(ZCOPY_A_STATS_CONTEXTS));
	EXPECT_EQ(0, munmap(r.mem, r.size));
	EXPECT_EQ(contexts - 1, stat_wait(ZCOPY_A_STATS_CONTEXTS,
					  contexts - 1, TIMEOUT_MS));

	self->zc = zc_open();
	ASSERT_LE(0, self->zc);
	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	ASSERT_EQ(0, zc_reg(self->zc, ZCOPY_IOC_REGISTER, self->tx));
	r.sqes[0] = sqe;
	__atomic_store_n(r.sq_tail, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(0, munmap(r.mem, r.size));
	EXPECT_EQ(1, doorbell(self->zc, 1));
	ASSERT_EQ(1, zc_wait(self->zc, &cqe, 1, TIMEOUT_MS));
	EXPECT_EQ(3, cqe.user_data);
}

/*
 * The close() of the last descriptor takes back the threads lent to the
 * context, though a mapping of the rings holds the file too: else the
 * thread would hold the file, and the context, for ever.
 */
TEST_F(rings, last_close_takes_lent_threads_back_despite_a_mapping)
{
	long long base = settled_contexts();
	struct lent_thread l;
	long long deadline;
	struct ring r;

	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	ASSERT_EQ(0, lend_start(&l, self->zc));
	close(self->zc);
	self->zc = -1;
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (!l.done && now_ms() < deadline)
		usleep(10000);
	ASSERT_TRUE(l.done);
	pthread_join(l.thread, NULL);
	EXPECT_EQ(0, l.ret);
	EXPECT_EQ(base, stat_value(ZCOPY_A_STATS_CONTEXTS));
	EXPECT_EQ(0, munmap(r.mem, r.size));
	EXPECT_EQ(base - 1, stat_wait(ZCOPY_A_STATS_CONTEXTS, base - 1,
				      TIMEOUT_MS));
}

struct blocked_read {
	int zc;
	pthread_t thread;
	struct zcopy_cqe cqe;
	ssize_t ret;
	volatile int done;
};

static void *read_main(void *arg)
{
	struct blocked_read *b = arg;

	b->ret = read(b->zc, &b->cqe, sizeof(b->cqe));
	b->done = 1;
	return NULL;
}

/*
 * A read() asleep when the rings are set up reads from them: the next
 * completion goes to the CQ, and the read returns it from there (and
 * moves the CQ's head), rather than waiting on a ready list that no
 * longer fills.
 */
TEST_F(rings, read_asleep_when_the_rings_come_reads_them)
{
	struct blocked_read b = { .zc = self->zc };
	long long deadline;
	struct ring r;

	ASSERT_EQ(0, pthread_create(&b.thread, NULL, read_main, &b));
	usleep(zc_ms(200));
	EXPECT_FALSE(b.done);
	ASSERT_EQ(0, ring_setup(self->zc, 4, 4, &r));
	ASSERT_EQ(1, zc_submit1(self->zc, self->fd, self->tx, 0, 10, 5, 0));
	deadline = now_ms() + zc_ms(TIMEOUT_MS);
	while (!b.done && now_ms() < deadline)
		usleep(10000);
	ASSERT_TRUE(b.done);
	pthread_join(b.thread, NULL);
	EXPECT_EQ(sizeof(b.cqe), b.ret);
	EXPECT_EQ(5, b.cqe.user_data);
	EXPECT_EQ(10, b.cqe.res);
	EXPECT_EQ(1, *r.cq_head);
}

ZC_HARNESS_MAIN
