/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers shared by the host tests and the guest's libzcopy_test:
 * TCP pairs over loopback, files of known content, a reader thread that
 * keeps what it receives.
 */
#ifndef LIBZCOPY_TEST_UTIL_H
#define LIBZCOPY_TEST_UTIL_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * A connected pair: *snd sends, *rcv receives.  small: buffers small
 * enough that a few hundred KiB fill the connection, so a transfer
 * waits for the reader.
 */
static inline int tcp_pair(int *snd, int *rcv, int nonblock, int small)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, buf = 16384;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*snd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || *snd < 0)
		return -1;
	if (small) {
		setsockopt(l, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(*snd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(*snd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*rcv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	if (nonblock)
		fcntl(*snd, F_SETFL, fcntl(*snd, F_GETFL) | O_NONBLOCK);
	return *rcv < 0 ? -1 : 0;
}

/* Byte i of test file seed: a pattern that shows misplaced bytes. */
static inline unsigned char pattern(unsigned int seed, size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13) ^ (unsigned char)seed;
}

/* A temporary file of @size pattern bytes, already unlinked. */
static inline int make_file(unsigned int seed, size_t size)
{
	char path[] = "/tmp/libzcopy-test-XXXXXX";
	unsigned char buf[65536];
	size_t i, done = 0;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (i = 0; i < n; i++)
			buf[i] = pattern(seed, done + i);
		if (write(fd, buf, n) != (ssize_t)n)
			return -1;
		done += n;
	}
	return fd;
}

/* Does buf hold bytes [off, off + len) of file seed? */
static inline int is_pattern(const unsigned char *buf, unsigned int seed,
			     size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern(seed, off + i))
			return 0;
	return 1;
}

/* Reads until EOF (or cap bytes), delay_us between reads of chunk bytes. */
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

#endif
