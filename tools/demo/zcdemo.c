// SPDX-License-Identifier: GPL-2.0
/*
 * zcdemo: the two ends of one file transfer, for `make demo`.
 *
 *   zcdemo send METHOD FILE ADDR PORT
 *	Connect to ADDR:PORT (IPv4), send FILE with METHOD (read+write,
 *	sendfile, zcopy, zcopy+release), shut the connection down and wait
 *	for the receiver to close it, so that the time covers delivery.
 *	Prints one line of key=value pairs: the method, bytes sent, wall
 *	time, CPU time and, for zcopy, the completion record.
 *
 *   zcdemo recv PORT
 *	Accept one connection on PORT and copy it to standard output (for
 *	sha256sum), then close it.
 *
 * CPU time is measured three ways, because zcopy sends from kernel
 * workqueue threads rather than from the process that submits:
 *   cpu_proc    the sender's own user+sys time (getrusage)
 *   cpu_kworker user+sys time of the guest's kworker threads
 *   cpu_guest   busy time of every CPU (/proc/stat): sender, receiver,
 *               kernel threads and interrupts together
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <zcopy.h>		/* libzcopy */

#define BUF_SIZE	(256 * 1024)
#define CONNECT_MS	20000
#define WAIT_MS		300000

static char buf[BUF_SIZE];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ticks(unsigned long long t)
{
	return (double)t / sysconf(_SC_CLK_TCK);
}

/* Busy time of all CPUs together, in seconds: all but idle and iowait. */
static double cpu_guest(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	if (n < 8)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest is in user) */
	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			busy += v[i];
	return ticks(busy);
}

/* user+sys of every kworker thread now alive, in seconds. */
static double cpu_kworker(void)
{
	unsigned long long total = 0, ut, st;
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], line[1024], *p;
	FILE *f;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(line, sizeof(line), f);
		fclose(f);
		if (!p || !strstr(line, "(kworker"))
			continue;
		/* After the command's ")": fields 3 onwards; 14 and 15. */
		p = strrchr(line, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) == 2)
			total += ut + st;
	}
	closedir(d);
	return ticks(total);
}

static double cpu_proc(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int die(const char *what)
{
	fprintf(stderr, "zcdemo: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The receiver may still be starting in the other namespace: retry. */
static int connect_to(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	double deadline = now() + CONNECT_MS / 1000.0;
	int s;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (!connect(s, (void *)&a, sizeof(a)))
			return s;
		close(s);
		if (errno != ECONNREFUSED || now() > deadline)
			return -1;
		usleep(50000);
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static long long send_readwrite(int file, int sock)
{
	long long sent = 0;
	ssize_t n;

	while ((n = read(file, buf, sizeof(buf))) > 0) {
		if (write_all(sock, buf, n))
			return -1;
		sent += n;
	}
	return n < 0 ? -1 : sent;
}

static long long send_sendfile(int file, int sock, off_t size)
{
	off_t off = 0;
	ssize_t n;

	while (off < size) {
		n = sendfile(sock, file, &off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
	}
	return off;
}

/*
 * One transfer of the whole file, through libzcopy; its completion in
 * *cqe.  -1 with errno set if it could not be made.
 */
static long long send_zcopy(int file, int sock, uint32_t flags,
			    struct zcopy_cqe *cqe)
{
	struct timespec timeout = { .tv_sec = WAIT_MS / 1000 };
	struct zcopy *z;
	int ret;

	ret = zcopy_open(&z, 0);
	if (ret)
		goto fail;
	ret = zcopy_register_socket(z, sock);
	if (!ret)
		ret = zcopy_prep(z, file, sock, 0, 0, flags, 1);
	if (!ret)
		ret = zcopy_submit(z);
	if (ret >= 0)
		ret = zcopy_wait_cqe(z, cqe, &timeout);
	zcopy_close(z);		/* unregisters the socket */
	if (!ret && cqe->error)
		ret = cqe->error;	/* the transfer failed or was cut short */
	if (ret < 0)
		goto fail;
	return cqe->res;
fail:
	errno = -ret;
	return -1;
}

static int do_send(const char *method, const char *path, const char *addr,
		   int port)
{
	double t0, t1, c0, c1, k0, k1, g0, g1;
	struct zcopy_cqe cqe = { 0 };
	long long sent;
	struct stat st;
	int file, sock;
	ssize_t n;

	file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0 || fstat(file, &st))
		return die(path);
	sock = connect_to(addr, port);
	if (sock < 0)
		return die("connect");

	t0 = now();
	c0 = cpu_proc();
	k0 = cpu_kworker();
	g0 = cpu_guest();
	if (!strcmp(method, "read+write"))
		sent = send_readwrite(file, sock);
	else if (!strcmp(method, "sendfile"))
		sent = send_sendfile(file, sock, st.st_size);
	else if (!strcmp(method, "zcopy"))
		sent = send_zcopy(file, sock, 0, &cqe);
	else if (!strcmp(method, "zcopy+release"))
		sent = send_zcopy(file, sock, ZCOPY_F_RELEASE, &cqe);
	else {
		fprintf(stderr, "zcdemo: unknown method %s\n", method);
		return 2;
	}
	if (sent < 0)
		return die(method);
	/* Delivered: the receiver closes once it has read everything. */
	if (shutdown(sock, SHUT_WR))
		return die("shutdown");
	while ((n = read(sock, buf, sizeof(buf))) > 0)
		;
	t1 = now();
	c1 = cpu_proc();
	k1 = cpu_kworker();
	g1 = cpu_guest();

	printf("method=%s bytes=%lld wall=%.3f cpu_proc=%.3f cpu_kworker=%.3f cpu_guest=%.3f",
	       method, sent, t1 - t0, c1 - c0, k1 - k0, g1 - g0);
	if (!strncmp(method, "zcopy", 5))
		printf(" cqe_res=%lld cqe_flags=0x%x cqe_copied=%d",
		       (long long)cqe.res, cqe.flags,
		       !!(cqe.flags & ZCOPY_CQE_F_COPIED));
	printf("\n");
	close(sock);
	close(file);
	return 0;
}

static int do_recv(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int l, c, one = 1;
	ssize_t n;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
		return die("listen");
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return die("accept");
	close(l);
	while ((n = read(c, buf, sizeof(buf))) > 0)
		if (write_all(STDOUT_FILENO, buf, n))
			return die("write");
	if (n < 0)
		return die("read");
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	fprintf(stderr,
		"usage: zcdemo send read+write|sendfile|zcopy|zcopy+release FILE ADDR PORT\n"
		"       zcdemo recv PORT\n");
	return 2;
}
