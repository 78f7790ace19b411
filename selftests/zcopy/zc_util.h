/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zcopy selftests, their helper programs (lib/)
 * and libzcopy's tests (tools/lib/zcopy/tests): the device, TCP
 * connections over loopback, pattern files, receiving threads that hash
 * or keep what arrives, and the generic netlink family's id.  All static
 * inline, so each program uses what it needs.
 */
#ifndef ZC_UTIL_H
#define ZC_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <linux/zcopy.h>

#define MiB		(1024UL * 1024)

static inline int zc_open(void)
{
	return open("/dev/zcopy", O_RDWR | O_CLOEXEC);
}

static inline int zc_reg(int zc, unsigned long cmd, int fd)
{
	struct zcopy_reg r = { .sock_fd = fd };

	return ioctl(zc, cmd, &r);
}

static inline int zc_submit(int zc, struct zcopy_sqe *sqes, unsigned int nr)
{
	struct zcopy_submit s = { .sqes = (uintptr_t)sqes, .nr = nr };

	return ioctl(zc, ZCOPY_IOC_SUBMIT, &s);
}

static inline struct zcopy_sqe zc_sqe(int file, int sock, uint64_t off,
				      uint64_t len, uint64_t user_data,
				      uint32_t flags)
{
	struct zcopy_sqe sqe = {
		.file_fd = file, .sock_fd = sock, .offset = off, .len = len,
		.user_data = user_data, .flags = flags,
	};

	return sqe;
}

static inline int zc_submit1(int zc, int file, int sock, uint64_t off,
			     uint64_t len, uint64_t user_data, uint32_t flags)
{
	struct zcopy_sqe sqe = zc_sqe(file, sock, off, len, user_data, flags);

	return zc_submit(zc, &sqe, 1);
}

static inline int zc_cancel(int zc, uint64_t user_data)
{
	struct zcopy_cancel c = { .user_data = user_data };

	return ioctl(zc, ZCOPY_IOC_CANCEL, &c);
}

/*
 * How much slower this machine is than the one the tests' time limits
 * were set on: ZCOPY_TIME_SCALE, from make check's calibration, and at
 * least 1.  Every time limit a test sets goes through zc_ms().
 */
static inline double zc_time_scale(void)
{
	const char *s = getenv("ZCOPY_TIME_SCALE");
	double scale = s ? strtod(s, NULL) : 1;

	return scale > 1 ? scale : 1;
}

static inline int zc_ms(int ms)
{
	return ms * zc_time_scale();
}

/*
 * TEST_HARNESS_MAIN, with the harness's limit on each test (TEST_F_TIMEOUT,
 * 30 s by default) scaled too.  The harness runs each test in a process
 * group of its own: when the whole file is stopped at its limit (SIGTERM,
 * from tools/testing/run-tests.sh), the running test goes with it rather than
 * outliving it.  Expanded after kselftest_harness.h.
 */
#define ZC_HARNESS_MAIN							\
	static void zc_stop_running_test(int sig)			\
	{								\
		if (__active_test && __active_test->pid > 0)		\
			kill(-__active_test->pid, SIGKILL);		\
		signal(sig, SIG_DFL);					\
		raise(sig);						\
	}								\
									\
	int main(int argc, char **argv)					\
	{								\
		struct __fixture_metadata *f;				\
		struct __test_metadata *t;				\
									\
		for (f = __fixture_list; f; f = f->next)		\
			for (t = f->tests; t; t = t->next)		\
				t->timeout = zc_ms(t->timeout * 1000) / 1000; \
		signal(SIGTERM, zc_stop_running_test);			\
		return test_harness_run(argc, argv);			\
	}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Collect exactly @n completions within @timeout_ms (scaled for this
 * machine), polling the context as an application would.  Returns how
 * many arrived.
 */
static inline int zc_wait(int zc, struct zcopy_cqe *cqes, int n,
			  int timeout_ms)
{
	long long deadline = now_ms() + zc_ms(timeout_ms);
	struct pollfd pfd = { .fd = zc, .events = POLLIN };
	int got = 0;
	ssize_t r;

	while (got < n) {
		long long left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		r = read(zc, cqes + got, (n - got) * sizeof(*cqes));
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0 || r % sizeof(*cqes))
			break;
		got += r / sizeof(*cqes);
	}
	return got;
}

/* FNV-1a, 64 bits: enough to tell a misplaced or missing byte. */
#define HASH_INIT	0xcbf29ce484222325ULL

static inline uint64_t hash_bytes(uint64_t h, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* The hash of bytes [off, off + len) of a file, as read() sees them. */
static inline uint64_t hash_file(int fd, uint64_t h, off_t off, size_t len)
{
	static __thread char buf[1 << 16];
	ssize_t r;

	while (len) {
		r = pread(fd, buf, len < sizeof(buf) ? len : sizeof(buf), off);
		if (r <= 0)
			break;
		h = hash_bytes(h, buf, r);
		off += r;
		len -= r;
	}
	return h;
}

/*
 * The pattern files hold: byte @off of file @seed.  It differs at every
 * offset and between seeds (so a byte sent twice, late or from the wrong
 * place changes the hash), and any byte can be computed alone, so that
 * what a receiver got can be checked byte by byte (is_pattern()).
 */
static inline uint64_t pattern_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes 8 * @i to 8 * @i + 7 of file @seed, the first in the low byte. */
static inline uint64_t pattern_word(unsigned int seed, uint64_t i)
{
	return pattern_mix(pattern_mix(seed + 1ULL) + i * 0x9e3779b97f4a7c15ULL);
}

static inline unsigned char pattern_byte(unsigned int seed, uint64_t off)
{
	return pattern_word(seed, off / 8) >> (off % 8 * 8);
}

/* @len bytes of file @seed from @off into @buf. */
static inline void fill_pattern(unsigned char *buf, unsigned int seed,
				uint64_t off, size_t len)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!i || !((off + i) % 8))
			w = pattern_word(seed, (off + i) / 8);
		buf[i] = w >> ((off + i) % 8 * 8);
	}
}

/* Does @buf hold bytes [off, off + len) of file @seed? */
static inline int is_pattern(const unsigned char *buf, unsigned int seed,
			     uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(seed, off + i))
			return 0;
	return 1;
}

/*
 * Create @path holding @size bytes of file @seed's pattern; with no
 * @path, a temporary file in /tmp, already unlinked.  Returns an O_RDWR
 * descriptor, or -1.
 */
static inline int make_file(const char *path, size_t size, unsigned int seed)
{
	static __thread unsigned char buf[1 << 16];
	char tmp[] = "/tmp/zcopy-test-XXXXXX";
	size_t done = 0, n;
	int fd;

	if (path) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmp);
	}
	if (fd < 0)
		return -1;
	while (done < size) {
		n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		fill_pattern(buf, seed, done, n);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		done += n;
	}
	return fd;
}

/*
 * Pages of [off, off + size) of @fd resident in the page cache (mincore);
 * @off is a multiple of the page size.
 */
static inline long resident_range(int fd, off_t off, size_t size)
{
	long page = sysconf(_SC_PAGESIZE), n = 0, i, pages;
	unsigned char *vec;
	void *map;

	if (!size)
		return 0;
	pages = (size + page - 1) / page;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, off);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && !mincore(map, size, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	else
		n = -1;
	free(vec);
	munmap(map, size);
	return n;
}

/*
 * The value of @key in a file of "key value" lines (memory.stat,
 * /proc/vmstat); -1 if the file or the key is absent.
 */
static inline long long key_value(const char *path, const char *key)
{
	long long v, found = -1;
	char k[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/* Pages of [0, size) of @fd resident in the page cache. */
static inline long resident_pages(int fd, size_t size)
{
	return resident_range(fd, 0, size);
}

/*
 * Read the start of the file at @path (procfs, sysfs) into @buf, NUL
 * terminated.  Returns the bytes read, or -1 (then @buf is empty).
 */
static inline ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? n : -1;
}

/* The number the file at @path (sysfs, procfs, debugfs) holds; -1 if none. */
static inline long long read_long(const char *path)
{
	char buf[32];

	return read_text(path, buf, sizeof(buf)) > 0 ?
	       strtoll(buf, NULL, 10) : -1;
}

/*
 * Whether the kernel checks every memory access (KASAN: the debug
 * kernel), which makes each byte moved many times dearer.  Tests that
 * move hundreds of megabytes for a property that does not depend on
 * the amount move less there.
 */
static inline bool kernel_checks_accesses(void)
{
	static int known = -1;
	char line[256];
	FILE *f;

	if (known >= 0)
		return known;
	known = 0;
	f = fopen("/proc/kallsyms", "re");
	while (f && !known && fgets(line, sizeof(line), f))
		known = strstr(line, " kasan_report\n") != NULL;
	if (f)
		fclose(f);
	return known;
}

/* Write @s to the file at @path (sysfs, procfs, cgroupfs); 0 or -1. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Move the calling thread into the named network namespace (ip netns). */
static inline int enter_netns(const char *name)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

static inline int drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ok;

	sync();
	if (fd < 0)
		return -1;
	ok = write(fd, "3", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* tcp_pair_opt()'s flags. */
#define TCP_PAIR_NONBLOCK	0x1	/* *tx non-blocking */
#define TCP_PAIR_SMALL		0x2	/* buffers small enough that a few
					 * hundred KiB fill the connection,
					 * so a transfer waits for the reader */

/*
 * A connected TCP pair over loopback: *tx sends, *rx receives.
 * @family is AF_INET or AF_INET6.  Returns 0, or -1 with both -1.
 */
static inline int tcp_pair_opt(int family, int *tx, int *rx,
			       unsigned int flags)
{
	struct sockaddr_storage ss = { .ss_family = family };
	struct sockaddr_in *in4 = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*in4) : sizeof(*in6);
	int small = 16384, l;

	*tx = *rx = -1;
	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	if (family == AF_INET)
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		in6->sin6_addr = in6addr_loopback;
	*tx = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx < 0)
		goto fail;
	if (flags & TCP_PAIR_SMALL) {
		setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		setsockopt(*tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	}
	if (bind(l, (void *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (void *)&ss, &len) ||
	    connect(*tx, (void *)&ss, len))
		goto fail;
	*rx = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*rx < 0)
		goto fail;
	close(l);
	if ((flags & TCP_PAIR_NONBLOCK) &&
	    fcntl(*tx, F_SETFL, fcntl(*tx, F_GETFL) | O_NONBLOCK)) {
		close(*rx);
		l = -1;
		goto fail;
	}
	return 0;
fail:
	if (*tx >= 0)
		close(*tx);
	if (l >= 0)
		close(l);
	*tx = *rx = -1;
	return -1;
}

static inline int tcp_pair(int family, int *tx, int *rx)
{
	return tcp_pair_opt(family, tx, rx, 0);
}

/* A thread that reads a socket to EOF, hashing what it gets. */
struct receiver {
	int fd;
	pthread_t thread;
	uint64_t hash;
	uint64_t bytes;
	int err;
};

static inline void *receiver_main(void *arg)
{
	static __thread char buf[1 << 16];
	struct receiver *r = arg;
	ssize_t n;

	r->hash = HASH_INIT;
	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		r->hash = hash_bytes(r->hash, buf, n);
		r->bytes += n;
	}
	r->err = n < 0 ? errno : 0;
	return NULL;
}

static inline int receiver_start(struct receiver *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	return pthread_create(&r->thread, NULL, receiver_main, r);
}

static inline void receiver_join(struct receiver *r)
{
	pthread_join(r->thread, NULL);
}

/*
 * Kernel TLS on @fd: keys for @dir (TLS_TX or TLS_RX) in AES-GCM-128,
 * the same keys on both ends of a connection, so that the peer can read
 * what was written (zc_ktls_keys()); with zc_ktls_set(), the tls
 * upper-layer protocol first (no keys for @dir 0).  The tls module,
 * where it is one, is loaded before: attaching the protocol loads it
 * only for CAP_NET_ADMIN (ENOENT: callers skip).  -1 with errno if the
 * kernel refuses.
 */
static inline int zc_ktls_keys(int fd, int dir, uint16_t version)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = version;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci.key, 0x4b, sizeof(ci.key));
	memset(ci.iv, 0x1a, sizeof(ci.iv));
	memset(ci.salt, 0x5a, sizeof(ci.salt));
	return setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci));
}

static inline int zc_ktls_set(int fd, int dir, uint16_t version)
{
	static bool loaded;

	if (!loaded && !geteuid())
		loaded = !system("modprobe -q tls 2>/dev/null");
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -1;
	return dir ? zc_ktls_keys(fd, dir, version) : 0;
}

/*
 * A thread that keeps what it reads: until EOF or @cap bytes, @chunk
 * bytes a read, @delay_us between reads.
 */
struct reader {
	int fd;
	size_t chunk, cap;
	unsigned int delay_us;
	unsigned char *buf;
	size_t got;
	pthread_t thread;
};

static inline void *reader_main(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	while (r->got < r->cap) {
		size_t want = r->cap - r->got < r->chunk ? r->cap - r->got : r->chunk;

		n = read(r->fd, r->buf + r->got, want);
		if (n <= 0)
			break;
		r->got += n;
		if (r->delay_us)
			usleep(r->delay_us);
	}
	return NULL;
}

static inline int reader_start(struct reader *r, int fd, size_t cap,
			       size_t chunk, unsigned int delay_us)
{
	*r = (struct reader){ .fd = fd, .cap = cap, .chunk = chunk,
			      .delay_us = delay_us };
	r->buf = malloc(cap ? cap : 1);
	if (!r->buf)
		return -1;
	return pthread_create(&r->thread, NULL, reader_main, r);
}

/* Waits for the reader; returns the bytes it got. */
static inline size_t reader_join(struct reader *r)
{
	pthread_join(r->thread, NULL);
	return r->got;
}

/* Attribute @type of the generic netlink message @nlh, or NULL. */
static inline struct nlattr *genl_attr(struct nlmsghdr *nlh, int type)
{
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) +
					     GENL_HDRLEN);

	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if (a->nla_type == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

/*
 * The id of generic netlink family @name, asked of the controller over
 * @nl (a NETLINK_GENERIC socket); -1 if there is none.
 */
static inline int genl_family_id(int nl, const char *name)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = { 0 };
	static __thread char reply[8192];
	struct nlattr *a = (struct nlattr *)req.attrs;
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply;
	size_t size = strlen(name) + 1;
	ssize_t n;

	if (NLA_HDRLEN + size > sizeof(req.attrs))
		return -1;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + size;
	memcpy(req.attrs + NLA_HDRLEN, name, size);
	req.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (sendto(nl, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -1;
	n = recv(nl, reply, sizeof(reply), 0);
	if (n < 0 || !NLMSG_OK(nlh, n) || nlh->nlmsg_type != GENL_ID_CTRL)
		return -1;
	a = genl_attr(nlh, CTRL_ATTR_FAMILY_ID);
	return a ? *(uint16_t *)((char *)a + NLA_HDRLEN) : -1;
}

/*
 * One zcopy family request @cmd over a new socket, with an attribute
 * @attr = @value of @len bytes (1, 4 or 8), unless @attr is 0.  Returns 0
 * with the family's answer (if any) in @reply, or -1: no family, or an
 * error in the ack.
 */
static inline int zc_genl(int cmd, int attr, uint64_t value, size_t len,
			  char *reply, size_t size)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		union {
			uint8_t v8;
			uint32_t v32;
			uint64_t v64;
		};
	} req = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply;
	int nl, id, ret = -1;
	char ack[1024];
	ssize_t n;

	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl < 0)
		return -1;
	id = genl_family_id(nl, ZCOPY_FAMILY_NAME);
	if (id < 0)
		goto out;
	req.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	if (attr)
		req.n.nlmsg_len += NLA_ALIGN(NLA_HDRLEN + len);
	req.n.nlmsg_type = id;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.g.cmd = cmd;
	req.g.version = ZCOPY_FAMILY_VERSION;
	req.a.nla_type = attr;
	req.a.nla_len = NLA_HDRLEN + len;
	if (len == sizeof(req.v64))
		req.v64 = value;
	else if (len == sizeof(req.v32))
		req.v32 = value;
	else
		req.v8 = value;
	if (sendto(nl, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		goto out;
	/* The answer, if any, comes first, then the ack. */
	n = recv(nl, reply, size, 0);
	if (n < 0 || !NLMSG_OK(nlh, n))
		goto out;
	if (nlh->nlmsg_type == id) {
		nlh = (struct nlmsghdr *)ack;
		n = recv(nl, ack, sizeof(ack), 0);
		if (n < 0 || !NLMSG_OK(nlh, n))
			goto out;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR &&
	    !((struct nlmsgerr *)NLMSG_DATA(nlh))->error)
		ret = 0;
out:
	close(nl);
	return ret;
}

/* Attribute @attr of @cmd's answer, a u8, u32 or u64; -1 if none. */
static inline long long zc_genl_get(int cmd, int attr)
{
	static __thread char reply[8192];
	struct nlattr *a;
	uint64_t v64;
	uint32_t v32;

	if (zc_genl(cmd, 0, 0, 0, reply, sizeof(reply)))
		return -1;
	a = genl_attr((struct nlmsghdr *)reply, attr);
	if (!a)
		return -1;
	if (a->nla_len == NLA_HDRLEN + sizeof(v64)) {
		memcpy(&v64, (char *)a + NLA_HDRLEN, sizeof(v64));
		return v64;
	}
	if (a->nla_len == NLA_HDRLEN + 1)
		return *((uint8_t *)a + NLA_HDRLEN);
	memcpy(&v32, (char *)a + NLA_HDRLEN, sizeof(v32));
	return v32;
}

/* The CQ of rings set up on a context, as mapped. */
struct zc_cq_view {
	void *mem;
	size_t size;
	volatile uint32_t *flags, *tail;
	struct zcopy_cqe *cqes;
};

/* Set up rings on @zc, with a CQ of @cq_entries, and map its CQ. */
static inline int zc_map_cq(int zc, uint32_t cq_entries, struct zc_cq_view *v)
{
	struct zcopy_rings p = { .sq_entries = 4, .cq_entries = cq_entries };

	if (ioctl(zc, ZCOPY_IOC_SETUP_RINGS, &p))
		return -1;
	v->size = p.size;
	v->mem = mmap(NULL, p.size, PROT_READ | PROT_WRITE, MAP_SHARED, zc, 0);
	if (v->mem == MAP_FAILED)
		return -1;
	v->flags = (uint32_t *)((char *)v->mem + p.cq.flags);
	v->tail = (uint32_t *)((char *)v->mem + p.cq.tail);
	v->cqes = (struct zcopy_cqe *)((char *)v->mem + p.cq.array);
	return 0;
}

/* Counter @attr (a ZCOPY_A_STATS_*); -1 if it cannot be read. */
static inline long long stat_value(int attr)
{
	return zc_genl_get(ZCOPY_CMD_STATS_GET, attr);
}

/*
 * Set the configuration attribute @attr (a ZCOPY_A_CONFIG_*) of @len
 * bytes to @value; returns its value before, or -1 (and changes
 * nothing).
 */
static inline long long zc_config_set_width(int attr, uint64_t value,
					    size_t len)
{
	char reply[1024];
	long long old = zc_genl_get(ZCOPY_CMD_CONFIG_GET, attr);

	if (old < 0 || zc_genl(ZCOPY_CMD_CONFIG_SET, attr, value, len,
			       reply, sizeof(reply)))
		return -1;
	return old;
}

static inline long long zc_config_set(int attr, uint32_t value)
{
	return zc_config_set_width(attr, value, sizeof(uint32_t));
}

static inline long long zc_config_set64(int attr, uint64_t value)
{
	return zc_config_set_width(attr, value, sizeof(uint64_t));
}

static inline long long zc_config_set8(int attr, uint8_t value)
{
	return zc_config_set_width(attr, value, sizeof(uint8_t));
}

/* Wait up to @timeout_ms (scaled) for counter @attr to reach @want. */
static inline long long stat_wait(int attr, long long want, int timeout_ms)
{
	long long deadline = now_ms() + zc_ms(timeout_ms), v;

	while ((v = stat_value(attr)) != want && now_ms() < deadline)
		usleep(10000);
	return v;
}

/*
 * The contexts counter once the contexts of earlier cases are gone.
 * Their free waits for an RCU grace period (queue_rcu_work()), so the
 * count read as a case begins can still hold them and drop later, and a
 * case that waits for its own context to go by waiting for that count
 * again would wait for ever.  Nothing else holds a context while a
 * selftest runs: wait for 0.
 */
static inline long long contexts_settled(void)
{
	return stat_wait(ZCOPY_A_STATS_CONTEXTS, 0, 30000);
}

/*
 * epoll_wait(), again after EINTR: the module's task work in a thread
 * that submitted interrupts it as a signal would ("Threads" in
 * Documentation/zcopy.rst).
 */
static inline int epoll_wait_retry(int ep, struct epoll_event *ev, int n,
				   int timeout_ms)
{
	int ret;

	do
		ret = epoll_wait(ep, ev, n, timeout_ms);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/* A thread lent to a context (ZCOPY_IOC_LEND) until it is taken back. */
struct lent_thread {
	pthread_t thread;
	int zc;
	volatile pid_t tid;
	int ret, err;		/* what the ioctl returned, and errno */
	volatile int done;
};

static inline void *lent_main(void *arg)
{
	struct lent_thread *l = arg;
	sigset_t set;

	/* Only the signal a test sends it: not the process's SIGCHLDs. */
	sigfillset(&set);
	sigdelset(&set, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	l->tid = gettid();
	l->ret = ioctl(l->zc, ZCOPY_IOC_LEND, 0);
	l->err = l->ret < 0 ? errno : 0;
	l->done = 1;
	return NULL;
}

/*
 * Whether thread @tid of this process is asleep in ZCOPY_IOC_LEND: its
 * kernel stack says so (root), or, unreadable, at least it sleeps.
 */
static inline int thread_lent(pid_t tid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)tid);
	if (read_text(path, buf, sizeof(buf)) > 0)
		return strstr(buf, "zcopy_lent_serve") != NULL;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * Lend a new thread to @zc, and wait until it sleeps in the ioctl.
 * Returns 0, or -1 if it did not get there in 5 s.
 */
static inline int lend_start(struct lent_thread *l, int zc)
{
	int i;

	memset(l, 0, sizeof(*l));
	l->zc = zc;
	if (pthread_create(&l->thread, NULL, lent_main, l))
		return -1;
	for (i = 0; i < 500; i++) {
		if (l->tid && !l->done && thread_lent(l->tid))
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Take every thread lent to @zc back, and wait for @l to return. */
static inline int lend_stop(struct lent_thread *l)
{
	int ret = ioctl(l->zc, ZCOPY_IOC_LEND, ZCOPY_LEND_STOP);

	pthread_join(l->thread, NULL);
	return ret;
}

/*
 * Mount ./lib/zc_fuse on a new directory (@dir, a mkdtemp() template) with
 * the given mode arguments, and wait for MOUNTPOINT/file to appear.
 * Returns the server's pid, with @path set to the file, or -1 (errno set)
 * with nothing left behind.
 */
static inline pid_t fuse_start(char *dir, char *path, size_t path_len,
			       const char *mode, const char *arg)
{
	pid_t server;
	int i, fd = -1, err;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, path_len, "%s/file", dir);
	if (system("modprobe -q fuse 2>/dev/null")) {
		/* built in, or not there: the mount says which */
	}
	server = fork();
	if (server < 0)
		return -1;
	if (!server) {
		execl("./lib/zc_fuse", "zc_fuse", dir, mode, arg, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && fd < 0; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			usleep(10000);
	}
	if (fd >= 0) {
		close(fd);
		return server;
	}
	err = errno;
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	rmdir(dir);
	errno = err;
	return -1;
}

/* Kill the server (failing any read it holds) and unmount. */
static inline void fuse_stop(const char *dir, pid_t server)
{
	char cmd[128];

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	snprintf(cmd, sizeof(cmd), "umount -l %s 2>/dev/null", dir);
	if (system(cmd)) {
		/* already gone with the server */
	}
	rmdir(dir);
}

#endif /* ZC_UTIL_H */
