// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.1, as much as a static file server needs (RFC 9110, 9112):
 * the request line and the headers that matter here, byte ranges, and
 * response heads.
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

/* One of "first-last", "first-", "-suffix"; NULL if it is none. */
static const char *parse_one_range(const char *v, long long *first,
				   long long *last)
{
	char *end;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '-') {
		*first = -1;
		*last = strtoll(v + 1, &end, 10);
		if (end == v + 1 || *last < 0)
			return NULL;
	} else {
		*first = strtoll(v, &end, 10);
		if (end == v || *end != '-' || *first < 0)
			return NULL;
		v = end + 1;
		*last = -1;
		if (*v >= '0' && *v <= '9') {
			*last = strtoll(v, &end, 10);
			if (*last < *first)
				return NULL;
		} else {
			end = (char *)v;
		}
	}
	while (*end == ' ' || *end == '\t')
		end++;
	return end;
}

/*
 * "bytes=" and up to RANGES_MAX ranges, comma-separated (empty elements
 * skipped, RFC 9110 5.6.1.2), from the @len bytes at @v.  Anything else,
 * and a second Range field, is ignored: the whole file goes (RFC 9110
 * 14.2).  The request's ranges change only when the field is whole.
 */
static void parse_range(const char *v, size_t len, struct request *r)
{
	long long first[RANGES_MAX], last[RANGES_MAX];
	char field[1024];
	int n = 0;

	if (r->range_fields++ || len >= sizeof(field)) {
		r->nranges = 0;
		return;
	}
	memcpy(field, v, len);
	field[len] = 0;
	if (strncasecmp(field, "bytes=", 6))
		return;
	for (v = field + 6; *v;) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (!*v)
			break;
		if (n == RANGES_MAX)
			return;
		v = parse_one_range(v, &first[n], &last[n]);
		if (!v || (*v && *v != ','))
			return;
		n++;
	}
	for (r->nranges = 0; r->nranges < n; r->nranges++) {
		r->ranges[r->nranges].first = first[r->nranges];
		r->ranges[r->nranges].last = last[r->nranges];
	}
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
	r->http11 = minor >= 1;
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
			parse_range(v, eol - v, r);
		} else if ((IS("Content-Length") && strtoll(value, NULL, 10) != 0) ||
			   IS("Transfer-Encoding")) {
			/* A body we would not read would be taken for a request. */
			return *status = 400;
		}
#undef IS
	}
	return *status = 0;
}

static int ranges_overlap(const struct byte_range *rg, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (rg[i].first < rg[j].first + rg[j].count &&
			    rg[j].first < rg[i].first + rg[i].count)
				return 1;
	return 0;
}

/*
 * The byte ranges to send, those of the request that the file can
 * satisfy, in its order, in @out (*@n of them): returns 0 for the whole
 * file (one range, no Range), 1 for ranges, -1 when none is
 * satisfiable (416).
 */
int http_ranges(const struct request *r, off_t size, struct byte_range *out,
		int *n)
{
	long long first, last;
	int i;

	*n = 0;
	if (!r->nranges) {
		out[(*n)++] = (struct byte_range){ 0, size };
		return 0;
	}
	for (i = 0; i < r->nranges; i++) {
		first = r->ranges[i].first;
		last = r->ranges[i].last;
		if (first < 0) {
			if (!last || !size)
				continue;
			first = last < size ? size - last : 0;
			last = size - 1;
		} else if (first >= size) {
			continue;
		} else if (last < 0 || last >= size) {
			last = size - 1;
		}
		out[(*n)++] = (struct byte_range){ first, last - first + 1 };
	}
	if (!*n)
		return -1;
	/*
	 * Ranges that overlap would send bytes twice, 16 copies of the file
	 * at worst: the whole file once instead (RFC 9110 14.2, 17.15).
	 */
	if (ranges_overlap(out, *n)) {
		*n = 1;
		out[0] = (struct byte_range){ 0, size };
		return 0;
	}
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
	char now[64], modified[64] = "", size[48];
	int n;

	/* A length below 0: not known before the end, chunked. */
	if (length < 0)
		snprintf(size, sizeof(size), "Transfer-Encoding: chunked\r\n");
	else
		snprintf(size, sizeof(size), "Content-Length: %lld\r\n", length);
	http_date(now, sizeof(now), time(NULL));
	if (mtime)
		http_date(modified, sizeof(modified), mtime->tv_sec);
	n = snprintf(out, len,
		     "HTTP/1.1 %d %s\r\n"
		     "Server: zcserve\r\n"
		     "Date: %s\r\n"
		     "Content-Type: %s\r\n"
		     "%s"
		     "%s%s%s"
		     "%s%s%s"
		     "%s"
		     "%s"
		     "\r\n",
		     status, reason(status), now, type, size,
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
