// SPDX-License-Identifier: GPL-2.0
/*
 * zcserve: a static file server for HTTP/1.1 -- GET and HEAD, byte
 * ranges (several: multipart/byteranges), keep-alive and pipelining,
 * and with --chunk, Transfer-Encoding: chunked -- on one epoll loop,
 * one thread.  --mode picks how bodies go out (body.c, parts.c);
 * nothing else differs.  With --tls-cert and --tls-key it speaks HTTPS
 * only, every mode sending into kernel TLS (tls.c).
 *
 *   zcserve [--mode copy|sendfile|zcopy] [--chunk SIZE] [--port PORT]
 *           [--addr ADDR] [--tls-cert PEM --tls-key PEM
 *           [--tls-version 1.2|1.3]] DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "zcserve.h"

#define LINGER_MAX	(1 << 20)

static char listener_tag;	/* epoll data of the listening socket */

static int open_beneath(int root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	return syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
}

/*
 * A body of several parts, where the request and the server call for
 * one: several ranges (multipart/byteranges, with a boundary of its
 * own), or --chunk on an HTTP/1.1 response of the whole file.  Sets the
 * head's content type and length; NULL for a plain body.
 */
static struct parts *respond_parts(struct server *s, const struct request *r,
				   const struct byte_range *rg, int nr,
				   off_t size, const char **type,
				   long long *length)
{
	static char mtype[96];
	char boundary[32];
	struct parts *p;

	if (nr > 1) {
		snprintf(boundary, sizeof(boundary), "zcserve%08x%08x",
			 (unsigned int)rand(), s->gen);
		p = parts_multirange(rg, nr, size, *type, boundary);
		if (p) {
			snprintf(mtype, sizeof(mtype),
				 "multipart/byteranges; boundary=%s", boundary);
			*type = mtype;
			*length = p->total;
		}
		return p;
	}
	if (!s->chunk || !r->http11 || r->nranges || !size)
		return NULL;
	p = parts_chunked(0, size, s->chunk);
	if (p)
		*length = -1;
	return p;
}

/* Prepares the response to one request: its head, and its body's file. */
static void respond(struct server *s, struct conn *c, const struct request *r,
		    int status)
{
	struct byte_range rg[RANGES_MAX];
	char range[96] = "";
	struct stat st;
	const char *type = http_type(r->path);
	long long length;
	off_t first, count;
	int fd = -1, partial = 0, nr = 0;

	c->file = -1;
	c->left = 0;
	c->parts = NULL;
	if (!status) {
		fd = open_beneath(s->root, r->path);
		if (fd >= 0 && !fstat(fd, &st) && S_ISDIR(st.st_mode)) {
			int index = openat(fd, "index.html", O_RDONLY | O_CLOEXEC);

			close(fd);
			fd = index;
			type = http_type("index.html");
		}
		if (fd < 0)
			status = errno == EXDEV || errno == ELOOP ? 403 :
				 errno == EACCES ? 403 : 404;
		else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
			status = 404;
	}
	if (!status) {
		partial = http_ranges(r, st.st_size, rg, &nr);
		if (partial < 0) {
			snprintf(range, sizeof(range), "bytes */%lld", (long long)st.st_size);
			status = 416;
		}
	}
	if (status) {
		if (fd >= 0)
			close(fd);
		if (status == 416)	/* no body, and the Content-Range it needs */
			c->head_len = http_head(c->head, sizeof(c->head), 416,
						"text/plain; charset=utf-8", 0, NULL,
						range, c->keep_alive);
		else
			c->head_len = http_error(c->head, sizeof(c->head), status,
						 c->keep_alive, r->head_only);
		return;
	}
	c->parts = respond_parts(s, r, rg, nr, st.st_size, &type, &length);
	if (nr > 1 && !c->parts) {
		/* The parts' heads do not fit: the whole file (RFC 9110 14.2). */
		partial = 0;
		nr = 1;
		rg[0] = (struct byte_range){ 0, st.st_size };
	}
	first = rg[0].first;
	count = rg[0].count;
	if (!c->parts)
		length = count;
	if (partial && nr == 1)
		snprintf(range, sizeof(range), "bytes %lld-%lld/%lld", (long long)first,
			 (long long)(first + count - 1), (long long)st.st_size);
	else if (nr > 1)
		partial = 1;	/* multipart/byteranges: no Content-Range */
	c->head_len = http_head(c->head, sizeof(c->head), partial ? 206 : 200,
				type, length, &st.st_mtim,
				*range ? range : NULL, c->keep_alive);
	c->buf_len = c->buf_pos = 0;
	if (r->head_only || (!count && !c->parts)) {
		free(c->parts);
		c->parts = NULL;
		close(fd);
		return;
	}
	c->file = fd;
	if (c->parts)
		return;
	c->off = first;
	c->left = count;
}

/* Takes the next complete request out of the buffer, if there is one. */
static int next_request(struct server *s, struct conn *c)
{
	struct request r;
	char *end = memmem(c->req, c->req_len, "\r\n\r\n", 4);
	size_t used;
	int status;

	if (!end) {
		if (c->req_len < sizeof(c->req))
			return 0;
		c->keep_alive = 0;
		c->head_len = http_error(c->head, sizeof(c->head), 431, 0, 0);
		c->file = -1;
		c->left = 0;
		return 1;
	}
	used = end + 4 - c->req;
	http_parse(c->req, used, &r, &status);
	/* After an unparseable request the stream cannot be trusted. */
	c->keep_alive = r.keep_alive && status != 400;
	respond(s, c, &r, status);
	memmove(c->req, c->req + used, c->req_len - used);
	c->req_len -= used;
	return 1;
}

/* A request's bytes: from the socket, or through OpenSSL (HTTPS). */
static ssize_t conn_read(struct conn *c, void *buf, size_t len)
{
	return c->ssl ? tls_read(c, buf, len) : read(c->fd, buf, len);
}

static void finish_response(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	free(c->parts);
	c->parts = NULL;
	c->state = ST_READ;
}

/*
 * Moves a connection on as far as it goes without blocking.  A state
 * is entered by doing its work at once, so no readiness edge is missed.
 */
int conn_progress(struct server *s, struct conn *c)
{
	ssize_t n;
	int rc;

	for (;;) {
		switch (c->state) {
		case ST_HANDSHAKE:
			rc = tls_handshake(c);
			if (rc <= 0)
				return rc;
			/* The kernel encrypts from now on: zcopy may send. */
			if (s->zc && body_zcopy_register(s, c))
				return -1;
			c->state = ST_READ;
			continue;
		case ST_READ:
			if (next_request(s, c)) {
				c->head_pos = 0;
				c->state = ST_HEAD;
				continue;
			}
			n = conn_read(c, c->req + c->req_len, sizeof(c->req) - c->req_len);
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n <= 0)
				return -1;
			c->req_len += n;
			continue;
		case ST_HEAD:
			/* zcopy: head and body in one submission. */
			if (s->mode == MODE_ZCOPY && !c->head_pos &&
			    (c->left || c->parts) && body_zcopy_response(s, c))
				return 0;
			/* MSG_MORE: the head leaves with the body's first bytes. */
			n = send(c->fd, c->head + c->head_pos, c->head_len - c->head_pos,
				 MSG_NOSIGNAL | (c->left || c->parts ? MSG_MORE : 0));
			if (n < 0)
				return errno == EAGAIN ? 0 : -1;
			c->head_pos += n;
			if (c->head_pos < c->head_len)
				continue;
			c->state = ST_BODY;
			continue;
		case ST_BODY:
			rc = c->left || c->parts || c->buf_pos < c->buf_len ?
			     body_send(s, c) : 1;
			if (rc <= 0)
				return rc;
			finish_response(c);
			if (!c->keep_alive) {
				/*
				 * Closing with unread input would reset the
				 * connection and could destroy the response
				 * in flight: say we are done, then read
				 * until the client closes.
				 */
				if (c->ssl)
					tls_shutdown(c);
				shutdown(c->fd, SHUT_WR);
				c->state = ST_LINGER;
			}
			continue;
		case ST_WAIT_ZCOPY:
		case ST_CLOSED:
			return 0;
		case ST_LINGER:
			n = conn_read(c, c->req, sizeof(c->req));
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n <= 0 || (c->lingered += n) > LINGER_MAX)
				return -1;
			continue;
		}
	}
}

/*
 * A connection closed while handling one event (a completion, say) may
 * have an event of its own later in the same batch: it is freed only
 * when the batch is done, and its events are skipped until then.
 */
void conn_close(struct server *s, struct conn *c)
{
	if (c->state == ST_CLOSED)
		return;
	if (s->zc && c->state != ST_HANDSHAKE)
		body_zcopy_unregister(s, c);
	if (c->ssl)
		tls_free(c);
	if (c->file >= 0)
		close(c->file);
	free(c->parts);
	c->parts = NULL;
	close(c->fd);
	s->conns[c->fd] = NULL;
	c->state = ST_CLOSED;
	c->next_dead = s->dead;
	s->dead = c;
}

static void free_dead(struct server *s)
{
	while (s->dead) {
		struct conn *c = s->dead;

		s->dead = c->next_dead;
		free(c->buf);
		free(c);
	}
}

static void accept_all(struct server *s, int lfd)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
		struct conn *c;

		if (fd > s->max_fd || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->gen = ++s->gen;
		c->file = -1;
		e.data.ptr = c;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* HTTPS: registered once the kernel has the keys. */
		c->state = s->tls ? ST_HANDSHAKE : ST_READ;
		if ((s->tls && tls_accept(s, c)) ||
		    (s->zc && !s->tls && body_zcopy_register(s, c)) ||
		    epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e)) {
			if (c->ssl)
				tls_free(c);
			close(fd);
			free(c);
			continue;
		}
		s->conns[fd] = c;
	}
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	char mapped[64];
	int fd, one = 1;

	snprintf(mapped, sizeof(mapped), strchr(addr, ':') ? "%s" : "::ffff:%s", addr);
	if (inet_pton(AF_INET6, mapped, &a.sin6_addr) != 1) {
		fprintf(stderr, "zcserve: bad address %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096)) {
		fprintf(stderr, "zcserve: listen on [%s]:%d: %s\n", addr, port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: zcserve [--mode copy|sendfile|zcopy] [--chunk SIZE] "
		   "[--port PORT] [--addr ADDR]\n"
		   "               [--tls-cert PEM --tls-key PEM [--tls-version 1.2|1.3]] DIR\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", 1, NULL, 'm' }, { "port", 1, NULL, 'p' },
		{ "addr", 1, NULL, 'a' }, { "chunk", 1, NULL, 'c' },
		{ "tls-cert", 1, NULL, 'C' }, { "tls-key", 1, NULL, 'K' },
		{ "tls-version", 1, NULL, 'V' },
		{ "help", 0, NULL, 'h' }, { 0 },
	};
	const char *cert = NULL, *key = NULL, *version = NULL;
	struct server s = { .mode = MODE_SENDFILE };
	struct rlimit nofile = { 65536, 65536 };
	struct epoll_event ev[128];
	const char *addr = "::";
	int port = 8080, opt, lfd, i, n;

	char *end;
	long long v;

	while ((opt = getopt_long(argc, argv, "m:p:a:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "copy"))
				s.mode = MODE_COPY;
			else if (!strcmp(optarg, "sendfile"))
				s.mode = MODE_SENDFILE;
			else if (!strcmp(optarg, "zcopy"))
				s.mode = MODE_ZCOPY;
			else {
				fprintf(stderr, "zcserve: mode is copy, sendfile or zcopy, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			port = atoi(optarg);
			if (port < 1 || port > 65535) {
				fprintf(stderr, "zcserve: bad port %s\n", optarg);
				return 2;
			}
			break;
		case 'c':
			v = strtoll(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > (1LL << 30)) {
				fprintf(stderr, "zcserve: bad chunk size %s\n", optarg);
				return 2;
			}
			s.chunk = v;
			break;
		case 'a': addr = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'V': version = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || !cert != !key || (version && !cert)) {
		usage(stderr);
		return 2;
	}
	/* multipart/byteranges boundaries: not the same in every run. */
	srand(time(NULL) ^ getpid());
	s.root = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.root < 0) {
		fprintf(stderr, "zcserve: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		getrlimit(RLIMIT_NOFILE, &nofile);
	s.max_fd = nofile.rlim_cur - 1;
	s.conns = calloc(nofile.rlim_cur, sizeof(*s.conns));
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (cert && tls_init(&s, cert, key, version))
		return 1;
	if (!s.conns || s.ep < 0 || (s.mode == MODE_ZCOPY && body_zcopy_open(&s)))
		return 1;
	lfd = listen_on(addr, port);
	if (lfd < 0)
		return 1;
	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &listener_tag };
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, lfd, &ev[0]))
		return 1;
	for (;;) {
		n = epoll_wait(s.ep, ev, 128, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("zcserve: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (ev[i].data.ptr == &listener_tag)
				accept_all(&s, lfd);
			else if (!c)
				body_zcopy_reap(&s);
			else if (c->state != ST_CLOSED && conn_progress(&s, c) < 0)
				conn_close(&s, c);
		}
		free_dead(&s);
	}
}
