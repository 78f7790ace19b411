// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver: a child process that accepts the connections, throws
 * the data away with recv(MSG_TRUNC) -- TCP then drops it without
 * copying it to user memory, so the receiver costs as little as it can
 * -- and writes one byte back each time a whole batch of files has
 * arrived, so that the sender need not wait for each file.  With --tls
 * it decrypts everything (TLS_RX), as a TLS client must, into one
 * buffer; its acknowledgements go back in clear.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/tls.h>

#include "zcbench.h"

#define DISCARD	(4 << 20)

static int receive(int lfd, size_t size, int batch, int nconns)
{
	static size_t got[ZCB_MAX_CONNS];
	static int fds[ZCB_MAX_CONNS];
	struct epoll_event ev[64];
	size_t per_ack = size * batch;
	int ep, i, n, fd, open_conns = nconns;
	char *sink = malloc(DISCARD);	/* written only with --tls */

	ep = epoll_create1(0);
	if (ep < 0 || !sink)
		return 1;
	for (i = 0; i < nconns; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		fd = accept(lfd, NULL, NULL);
		if (fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e))
			return 1;
		if (zcb_tls_version && zcb_tls_set(fd, TLS_RX))
			return 1;
		fds[i] = fd;
	}
	close(lfd);
	while (open_conns) {
		n = epoll_wait(ep, ev, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (i = 0; i < n; i++) {
			int c = ev[i].data.u32;
			ssize_t r = recv(fds[c], sink, DISCARD, MSG_DONTWAIT |
					 (zcb_tls_version ? 0 : MSG_TRUNC));

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[c], NULL);
				close(fds[c]);
				open_conns--;
				continue;
			}
			got[c] += r;
			while (per_ack && got[c] >= per_ack) {
				got[c] -= per_ack;
				if (write(fds[c], "", 1) != 1)
					return 1;
			}
		}
	}
	return 0;
}

/* Returns once the receiver listens, so that connecting cannot race it. */
pid_t zcb_receiver_start(const char *netns, int port, size_t size, int batch,
			 int nconns)
{
	int ready[2];
	pid_t pid;
	char b;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int lfd;

		close(ready[0]);
		if (zcb_enter_netns(netns))
			_exit(1);
		lfd = zcb_listen(port, nconns);
		if (lfd < 0) {
			perror("zcbench: receiver: listen");
			_exit(1);
		}
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		close(ready[1]);
		_exit(receive(lfd, size, batch, nconns));
	}
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	return pid;
}

int zcb_receiver_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}
