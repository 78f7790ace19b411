// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.1, as much as a static file server needs (RFC 9110, 9112):
 * the request line and the headers that matter here, single byte
 * ranges, and response heads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "zcserve.h"

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The target's path, percent-decoded, without its query.  Refuses NULs
 * and any ".." segment: the file is then opened beneath the served
 * directory by the kernel (RESOLVE_BENEATH) as a second line.
 */
static int decode_path(const char *t, size_t n, char *out, size_t len)
{
	size_t i, o = 0;
	const char *seg;

	if (!n || t[0] != '/')
		return 400;
	for (i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
		int c = (unsigned char)t[i];

		if (c == '%') {
			int h = i + 2 < n ? hexval(t[i + 1]) : -1;
			int l = h >= 0 ? hexval(t[i + 2]) : -1;

			if (l < 0)
				return 400;
			c = h << 4 | l;
			i += 2;
		}
		if (!c || o + 1 >= len)
			return 400;
		out[o++] = c;
	}
	out[o] = 0;
	for (seg = out; seg; seg = strchr(seg + 1, '/'))
		if (!strncmp(seg, "/..", 3) && (seg[3] == '/' || !seg[3]))
			return 403;
	return 0;
}

/* "bytes=first-last", "bytes=first-", "bytes=-suffix"; one range only. */
static void parse_range(const char *v, struct request *r)
{
	char *end;

	if (strncasecmp(v, "bytes=", 6) || strchr(v, ','))
		return;		/* not a single byte range: ignored, RFC 9110 14.2 */
	v += 6;
	if (*v == '-') {
		r->range_first = -1;
		r->range_last = strtoll(v + 1, &end, 10);
		if (end == v + 1 || r->range_last < 0)
			return;
	} else {
		r->range_first = strtoll(v, &end, 10);
		if (end == v || *end != '-' || r->range_first < 0)
			return;
		v = end + 1;
		r->range_last = -1;
		if (*v) {
			r->range_last = strtoll(v, &end, 10);
			if (end == v || r->range_last < r->range_first)
				return;
		} else {
			end = (char *)v;
		}
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (!*end)
		r->has_range = 1;
}

/*
 * Parses one request head (REQ ends with the blank line).  Returns 0,
 * or an HTTP status to answer with when the request is not served.
 */
int http_parse(const char *req, size_t len, struct request *r, int *status)
{
	const char *line = req, *eol, *sp1, *sp2, *end = req + len;
	int minor;

	memset(r, 0, sizeof(*r));
	eol = memchr(line, '\r', end - line);
	sp1 = memchr(line, ' ', eol - line);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', eol - sp1 - 1) : NULL;
	if (!sp1 || !sp2 || eol - sp2 != 9 || strncmp(sp2 + 1, "HTTP/1.", 7) ||
	    !isdigit((unsigned char)sp2[8]))
		return *status = 400;
	minor = sp2[8] - '0';
	r->keep_alive = minor >= 1;
	if (sp1 - line == 4 && !strncmp(line, "HEAD", 4))
		r->head_only = 1;
	else if (!(sp1 - line == 3 && !strncmp(line, "GET", 3)))
		return *status = 405;
	*status = decode_path(sp1 + 1, sp2 - sp1 - 1, r->path, sizeof(r->path));
	if (*status)
		return *status;

	for (line = eol + 2; line < end && *line != '\r'; line = eol + 2) {
		const char *colon, *v;
		char value[256];
		size_t n;

		eol = memchr(line, '\r', end - line);
		colon = memchr(line, ':', eol - line);
		if (!colon || colon == line)
			return *status = 400;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		n = eol - v < (long)sizeof(value) - 1 ? (size_t)(eol - v) : sizeof(value) - 1;
		memcpy(value, v, n);
		value[n] = 0;
#define IS(name) (colon - line == (long)strlen(name) && !strncasecmp(line, name, colon - line))
		if (IS("Connection")) {
			if (strcasestr(value, "close"))
				r->keep_alive = 0;
			else if (strcasestr(value, "keep-alive"))
				r->keep_alive = 1;
		} else if (IS("Range")) {
			parse_range(value, r);
		} else if ((IS("Content-Length") && strtoll(value, NULL, 10) != 0) ||
			   IS("Transfer-Encoding")) {
			/* A body we would not read would be taken for a request. */
			return *status = 400;
		}
#undef IS
	}
	return *status = 0;
}

/* The byte range to send, or -1 when it is not satisfiable (416). */
int http_range(const struct request *r, off_t size, off_t *first, off_t *count)
{
	off_t last;

	*first = 0;
	*count = size;
	if (!r->has_range)
		return 0;
	if (r->range_first < 0) {
		if (!r->range_last || !size)
			return -1;
		*count = r->range_last < size ? r->range_last : size;
		*first = size - *count;
		return 1;
	}
	if (r->range_first >= size)
		return -1;
	last = r->range_last < 0 || r->range_last >= size ? size - 1 : r->range_last;
	*first = r->range_first;
	*count = last - *first + 1;
	return 1;
}

static void http_date(char *out, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

size_t http_head(char *out, size_t len, int status, const char *type,
		 long long length, const struct timespec *mtime,
		 const char *range, int keep_alive)
{
	char now[64], modified[64] = "";
	int n;

	http_date(now, sizeof(now), time(NULL));
	if (mtime)
		http_date(modified, sizeof(modified), mtime->tv_sec);
	n = snprintf(out, len,
		     "HTTP/1.1 %d %s\r\n"
		     "Server: zcserve\r\n"
		     "Date: %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %lld\r\n"
		     "%s%s%s"
		     "%s%s%s"
		     "%s"
		     "%s"
		     "\r\n",
		     status, reason(status), now, type, length,
		     *modified ? "Last-Modified: " : "", modified, *modified ? "\r\n" : "",
		     range ? "Content-Range: " : "", range ? range : "", range ? "\r\n" : "",
		     status == 405 ? "Allow: GET, HEAD\r\n" :
		     status < 300 || status == 416 ? "Accept-Ranges: bytes\r\n" : "",
		     keep_alive ? "" : "Connection: close\r\n");
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* An error page in OUT: the head, and a one-line body unless HEAD. */
size_t http_error(char *out, size_t len, int status, int keep_alive, int head_only)
{
	char body[128];
	size_t n;
	int b;

	b = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	n = http_head(out, len, status, "text/plain; charset=utf-8", b, NULL,
		      NULL, keep_alive);
	if (!n || n + b >= len)
		return 0;
	if (head_only)
		return n;
	memcpy(out + n, body, b);
	return n + b;
}

const char *http_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "text/javascript" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".svg", "image/svg+xml" },
		{ ".pdf", "application/pdf" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}
