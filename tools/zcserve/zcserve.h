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

enum mode { MODE_COPY, MODE_SENDFILE, MODE_ZCOPY };
enum state { ST_READ, ST_HEAD, ST_BODY, ST_WAIT_ZCOPY, ST_LINGER, ST_CLOSED };

struct conn {
	int fd;
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
	int has_range;
	long long range_first, range_last;	/* -1: open; first -1: suffix */
};

/* http.c */
int http_parse(const char *req, size_t len, struct request *r, int *status);
size_t http_head(char *out, size_t len, int status, const char *type,
		 long long length, const struct timespec *mtime,
		 const char *range, int keep_alive);
size_t http_error(char *out, size_t len, int status, int keep_alive, int head_only);
const char *http_type(const char *path);
int http_range(const struct request *r, off_t size, off_t *first, off_t *count);

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
	int root;		/* the directory served */
	int ep;
	struct zcopy *zc;	/* zcopy context, or NULL */
	struct conn **conns;	/* by descriptor */
	int max_fd;
	uint32_t gen;
	struct conn *waiting;	/* zcopy: submissions refused for now */
	struct conn *dead;	/* closed in this batch: events may still name them */
};

int conn_progress(struct server *s, struct conn *c);	/* <0: close it */
void conn_close(struct server *s, struct conn *c);

#endif
