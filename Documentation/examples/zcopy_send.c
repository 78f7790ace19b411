// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_send HOST PORT FILE...: send the files, one after the other, to
 * a TCP server, without copying them, and report when each one's pages
 * are released.  The example of Documentation/zcopy.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/zcopy.h>

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
	struct zcopy_sqe sqe[64] = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct zcopy_cqe cqe[16];
	int zc, sock, ep, i, nr = argc - 3, done = 0, failed = 0;
	ssize_t n;

	if (nr < 1 || nr > 64) {
		fprintf(stderr, "usage: zcopy_send HOST PORT FILE...\n");
		return 2;
	}
	sock = connect_to(argv[1], argv[2]);
	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	if (sock < 0 || zc < 0) {
		perror(sock < 0 ? "connect" : "/dev/zcopy");
		return 1;
	}
	if (ioctl(zc, ZCOPY_IOC_REGISTER, &(struct zcopy_reg){ .sock_fd = sock })) {
		perror("ZCOPY_IOC_REGISTER");
		return 1;
	}

	/* One transfer per file, whole file (len 0), in order. */
	for (i = 0; i < nr; i++) {
		sqe[i].file_fd = open(argv[i + 3], O_RDONLY | O_CLOEXEC);
		if (sqe[i].file_fd < 0) {
			perror(argv[i + 3]);
			return 1;
		}
		sqe[i].sock_fd = sock;
		sqe[i].user_data = i;
		sqe[i].flags = ZCOPY_F_RELEASE;
	}
	for (i = 0; i < nr; ) {
		struct zcopy_submit s = {
			.sqes = (uintptr_t)&sqe[i], .nr = nr - i,
		};
		int ret = ioctl(zc, ZCOPY_IOC_SUBMIT, &s);

		if (ret < 0) {
			fprintf(stderr, "%s: %s\n", argv[i + 3], strerror(errno));
			return 1;
		}
		i += ret;
	}

	/* The context is an ordinary pollable descriptor. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(ep, EPOLL_CTL_ADD, zc, &ev);
	while (done < nr) {
		if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			return 1;
		n = read(zc, cqe, sizeof(cqe));
		for (i = 0; i < n / (ssize_t)sizeof(cqe[0]); i++, done++) {
			const char *name = argv[cqe[i].user_data + 3];

			if (cqe[i].res < 0) {
				fprintf(stderr, "%s: %s\n", name,
					strerror(-cqe[i].res));
				failed = 1;
				continue;
			}
			/* Released: the file may now change safely. */
			printf("%s: %lld bytes%s\n", name,
			       (long long)cqe[i].res,
			       cqe[i].flags & ZCOPY_CQE_F_COPIED ?
			       " (copied by the stack)" : "");
		}
	}
	close(zc);	/* unregisters the socket too */
	close(sock);
	return failed;
}
