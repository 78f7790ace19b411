/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcserve: a small HTTP/1.1 static file server whose only variable is
 * how response bodies are sent: copy, sendfile or zcopy.
 */
#ifndef ZCSERVE_H
#define ZCSERVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REQ_MAX		8192	/* request head, all headers included */
#define HDR_MAX		1024	/* response head */
#define RANGES_MAX	16	/* more in one request: the whole file */
#define PARTS_MAX	257	/* of a body of several (parts.c) */

enum mode { MODE_COPY, MODE_SENDFILE, MODE_ZCOPY };
enum state { ST_HANDSHAKE, ST_READ, ST_HEAD, ST_BODY, ST_WAIT_ZCOPY, ST_LINGER, ST_CLOSED };

/* One part of a body: a run of the file, or bytes of parts.text. */
struct part {
	off_t off;
	size_t len;
	int text;
};

/* A body of several parts, and how far it has been sent. */
struct parts {
	unsigned int n, i;	/* parts, and the next to send */
	size_t pos;		/* bytes of text part i sent */
	int started;		/* file part i: c->off and c->left set */
	unsigned long long total;	/* the body's bytes */
	size_t text_len;
	char text[8192];
	struct part part[PARTS_MAX];
};

struct byte_range {
	off_t first, count;
};

struct conn {
	int fd;
	struct ssl_st *ssl;	/* HTTPS: OpenSSL's side of it, or NULL */
	uint32_t gen;		/* tells a reused slot from its predecessor */
	enum state state;
	int keep_alive;
	char req[REQ_MAX];
	size_t req_len;
	char head[HDR_MAX];
	size_t head_len, head_pos;
	size_t zc_head;		/* zcopy: head bytes in the pending response */
	int file;		/* body: open file, or -1 */
	off_t off;
	size_t left;
	struct parts *parts;	/* a body of several parts, or NULL */
	char *buf;		/* copy mode: bytes read, not yet written */
	size_t buf_len, buf_pos;
	struct conn *next_waiting;	/* zcopy: context full, retry later */
	struct conn *next_dead;	/* closed, freed after this epoll batch */
	size_t lingered;	/* bytes discarded after the last response */
};

/* What the request asked for, once parsed. */
struct request {
	int head_only;
	int keep_alive;
	char path[4096];
	int http11;		/* HTTP/1.1 or later: chunked may be used */
	int nranges;		/* bytes=...: 0, or up to RANGES_MAX */
	int range_fields;	/* Range fields seen: a second one is ignored */
	struct {
		long long first, last;	/* -1: open; first -1: suffix */
	} ranges[RANGES_MAX];
};

/* http.c */
int http_parse(const char *req, size_t len, struct request *r, int *status);
size_t http_head(char *out, size_t len, int status, const char *type,
		 long long length, const struct timespec *mtime,
		 const char *range, int keep_alive);
size_t http_error(char *out, size_t len, int status, int keep_alive, int head_only);
const char *http_type(const char *path);
int http_ranges(const struct request *r, off_t size, struct byte_range *out,
		int *n);

/* parts.c: bodies of several parts */
struct parts *parts_chunked(off_t first, off_t count, size_t chunk);
struct parts *parts_multirange(const struct byte_range *r, int n, off_t size,
			       const char *type, const char *boundary);
int parts_send(struct conn *c, int (*send_range)(struct conn *c));

/* body.c: the three ways of sending a body */
struct server;
struct zcopy;
int body_send(struct server *s, struct conn *c);	/* <0 error, 0 wait, 1 done */
int body_zcopy_response(struct server *s, struct conn *c);
int body_zcopy_open(struct server *s);
int body_zcopy_register(struct server *s, struct conn *c);
void body_zcopy_unregister(struct server *s, struct conn *c);
int body_zcopy_reap(struct server *s);

struct server {
	enum mode mode;
	struct ssl_ctx_st *tls;	/* HTTPS (--tls-cert), or NULL */
	int root;		/* the directory served */
	int ep;
	struct zcopy *zc;	/* zcopy context, or NULL */
	struct conn **conns;	/* by descriptor */
	int max_fd;
	uint32_t gen;
	struct conn *waiting;	/* zcopy: submissions refused for now */
	struct conn *dead;	/* closed in this batch: events may still name them */
	size_t chunk;		/* --chunk: bytes per chunk, 0: Content-Length */
};

/* tls.c: HTTPS, with the kernel encrypting what is sent (kTLS) */
int tls_init(struct server *s, const char *cert, const char *key,
	     const char *version);
int tls_accept(struct server *s, struct conn *c);
int tls_handshake(struct conn *c);	/* <0 error, 0 wait, 1 done */
ssize_t tls_read(struct conn *c, void *buf, size_t len);
void tls_shutdown(struct conn *c);
void tls_free(struct conn *c);

int conn_progress(struct server *s, struct conn *c);	/* <0: close it */
void conn_close(struct server *s, struct conn *c);

#endif
