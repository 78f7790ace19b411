// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies of several parts: runs of the file with bytes of the server's
 * own between them -- the chunk lines of Transfer-Encoding: chunked
 * (RFC 9112 7.1) and the part headers of multipart/byteranges (RFC 9110
 * 14.6).  Built here; copy and sendfile send them part by part
 * (parts_send()), zcopy as one submission of buffers and ranges
 * (body.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "zcserve.h"

/* Appends text made by printf to the body; -1 if it does not fit. */
static int add_text(struct parts *p, const char *fmt, ...)
{
	struct part *t;
	va_list ap;
	int n;

	if (p->n == PARTS_MAX)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(p->text + p->text_len, sizeof(p->text) - p->text_len,
		      fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(p->text) - p->text_len)
		return -1;
	t = &p->part[p->n++];
	*t = (struct part){ .off = p->text_len, .len = n, .text = 1 };
	p->text_len += n;
	p->total += n;
	return 0;
}

static int add_range(struct parts *p, off_t off, size_t len)
{
	if (p->n == PARTS_MAX)
		return -1;
	p->part[p->n++] = (struct part){ .off = off, .len = len };
	p->total += len;
	return 0;
}

/*
 * [first, first + count) of the file in chunks of @chunk bytes, or
 * larger ones where the body would need more than PARTS_MAX parts.
 */
struct parts *parts_chunked(off_t first, off_t count, size_t chunk)
{
	const off_t most = (PARTS_MAX - 1) / 2;
	struct parts *p = calloc(1, sizeof(*p));
	off_t off = first, n;

	if (!p)
		return NULL;
	if (count / (off_t)chunk >= most)
		chunk = count / most + 1;
	while (off < first + count) {
		n = first + count - off < (off_t)chunk ? first + count - off :
							  (off_t)chunk;
		/* The CRLF that ends the chunk before, and this one's size. */
		if (add_text(p, "%s%llx\r\n", off == first ? "" : "\r\n",
			     (unsigned long long)n) ||
		    add_range(p, off, n))
			goto fail;
		off += n;
	}
	if (add_text(p, "%s0\r\n\r\n", count ? "\r\n" : ""))
		goto fail;
	return p;
fail:
	free(p);
	return NULL;
}

/*
 * The @n ranges of a file of @size bytes, each after its part header,
 * with @boundary between them.
 */
struct parts *parts_multirange(const struct byte_range *r, int n, off_t size,
			       const char *type, const char *boundary)
{
	struct parts *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		if (add_text(p, "%s--%s\r\nContent-Type: %s\r\n"
			     "Content-Range: bytes %lld-%lld/%lld\r\n\r\n",
			     i ? "\r\n" : "", boundary, type,
			     (long long)r[i].first,
			     (long long)(r[i].first + r[i].count - 1),
			     (long long)size) ||
		    add_range(p, r[i].first, r[i].count))
			goto fail;
	if (add_text(p, "\r\n--%s--\r\n", boundary))
		goto fail;
	return p;
fail:
	free(p);
	return NULL;
}

/*
 * Copy and sendfile: each part in turn, text by send() (MSG_MORE: the
 * next part follows), a run of the file by the mode's own @send_range,
 * from c->off for c->left bytes.  Returns as body_send() does.
 */
int parts_send(struct conn *c, int (*send_range)(struct conn *c))
{
	struct parts *p = c->parts;
	ssize_t n;
	int rc;

	while (p->i < p->n) {
		struct part *t = &p->part[p->i];

		if (t->text) {
			n = send(c->fd, p->text + t->off + p->pos, t->len - p->pos,
				 MSG_NOSIGNAL | (p->i + 1 < p->n ? MSG_MORE : 0));
			if (n < 0)
				return errno == EAGAIN ? 0 : -1;
			p->pos += n;
			if (p->pos < t->len)
				continue;
		} else {
			if (!p->started) {
				c->off = t->off;
				c->left = t->len;
				c->buf_len = c->buf_pos = 0;
				p->started = 1;
			}
			rc = send_range(c);
			if (rc <= 0)
				return rc;
		}
		p->i++;
		p->pos = 0;
		p->started = 0;
	}
	return 1;
}
