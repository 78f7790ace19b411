// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_send HOST PORT FILE...: send the files, one after the other, to
 * a TCP server, without copying them, and report when each one's pages
 * are released.  The example of Documentation/zcopy.rst, written with
 * libzcopy (Documentation/libzcopy.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zcopy.h>	/* libzcopy: pkg-config --cflags --libs zcopy */

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	int s = -1;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	for (p = ai; p; p = p->ai_next) {
		s = socket(p->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && !connect(s, p->ai_addr, p->ai_addrlen))
			break;
		if (s >= 0)
			close(s);
		s = -1;
	}
	freeaddrinfo(ai);
	return s;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int sock, ep, file, i, ret, nr = argc - 3, done = 0, failed = 0;
	struct zcopy_cqe cqe;
	struct zcopy *z;

	if (nr < 1 || nr > 64) {
		fprintf(stderr, "usage: zcopy_send HOST PORT FILE...\n");
		return 2;
	}
	sock = connect_to(argv[1], argv[2]);
	if (sock < 0) {
		perror("connect");
		return 1;
	}
	/* No ZCOPY_OPEN_FALLBACK: ZCOPY_F_RELEASE needs the module. */
	ret = zcopy_open(&z, 0);
	if (ret) {
		fprintf(stderr, "/dev/zcopy: %s\n", strerror(-ret));
		return 1;
	}
	ret = zcopy_register_socket(z, sock);
	if (ret) {
		fprintf(stderr, "zcopy_register_socket: %s\n", strerror(-ret));
		return 1;
	}

	/* One transfer per file, whole file (len 0), in order. */
	for (i = 0; i < nr; i++) {
		file = open(argv[i + 3], O_RDONLY | O_CLOEXEC);
		if (file < 0) {
			perror(argv[i + 3]);
			return 1;
		}
		zcopy_prep(z, file, sock, 0, 0, ZCOPY_F_RELEASE, i);
	}
	/* All in one SUBMIT, unless the context takes fewer at once. */
	for (i = 0; i < nr; i += ret) {
		ret = zcopy_submit(z);
		if (ret < 0) {
			fprintf(stderr, "%s: %s\n", argv[i + 3], strerror(-ret));
			return 1;
		}
	}

	/* The context is an ordinary pollable descriptor. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(ep, EPOLL_CTL_ADD, zcopy_fd(z), &ev);
	while (done < nr) {
		if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			return 1;
		for (; zcopy_peek_cqe(z, &cqe) == 0; done++) {
			const char *name = argv[cqe.user_data + 3];

			if (cqe.error) {	/* res: what went out first */
				fprintf(stderr, "%s: %s\n", name,
					strerror(-cqe.error));
				failed = 1;
				continue;
			}
			/* Released: the file may now change safely. */
			printf("%s: %lld bytes%s\n", name, (long long)cqe.res,
			       cqe.flags & ZCOPY_CQE_F_COPIED ?
			       " (copied by the stack)" : "");
		}
	}
	zcopy_close(z);	/* unregisters the socket too */
	close(sock);
	return failed;
}
