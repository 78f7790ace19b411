// SPDX-License-Identifier: GPL-2.0
/*
 * A zcopy user with a known workload, driven by zcctl_test.py, which
 * checks what zcctl reports about it:
 *
 *   zc_helper send N SIZE    N transfers of SIZE bytes over loopback,
 *                            all completed and received; prints "done"
 *   zc_helper hold N         a context with 2 sockets and N transfers
 *                            kept in flight (the receiver does not read);
 *                            prints "ready PID", holds until stdin ends
 *   zc_helper fail           one transfer that fails with ECONNRESET
 *                            (the peer resets); prints its res
 *   zc_helper register N     registers up to N sockets, alternately in
 *                            two contexts, stopping at the first refusal;
 *                            prints "registered K ERRNO" (or OK), holds
 *                            until stdin ends
 *   zc_helper ktls-send HOST PORT FILE
 *                            FILE to a TCP server through kernel TLS 1.3
 *                            (zc_ktls_set()'s keys), with ZCOPY_F_RELEASE;
 *                            for integrity_test.py
 *
 * Files are made in $ZCOPY_SCRATCH (or /tmp).  Exit status 0 when the
 * workload did what it says.
 */
#include <netdb.h>

#include "../zc_util.h"

/* Say which step failed, so that the test's message says it too. */
static int fail(const char *what)
{
	fprintf(stderr, "zc_helper: %s: %s\n", what, strerror(errno));
	return 1;
}

static const char *scratch_file(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("ZCOPY_SCRATCH");

	snprintf(buf, size, "%s/%s.%d", dir ? dir : "/tmp", name, getpid());
	return buf;
}

static int open_file(const char *name, size_t size)
{
	char path[256];
	int fd;

	scratch_file(name, path, sizeof(path));
	fd = make_file(path, size, 7);
	unlink(path);
	return fd;
}

static int do_send(unsigned int n, size_t size)
{
	struct zcopy_cqe *cqes = calloc(n, sizeof(*cqes));
	struct receiver r;
	int zc, file, tx, rx;
	unsigned int i;

	zc = zc_open();
	if (zc < 0)
		return fail("open /dev/zcopy");
	file = open_file("send", size);
	if (!cqes || file < 0)
		return fail("file");
	if (tcp_pair(AF_INET, &tx, &rx) || receiver_start(&r, rx))
		return fail("connection");
	if (zc_reg(zc, ZCOPY_IOC_REGISTER, tx))
		return fail("register");
	for (i = 0; i < n; i++)
		if (zc_submit1(zc, file, tx, 0, size, i, 0) != 1)
			return fail("submit");
	if (zc_wait(zc, cqes, n, 60000) != (int)n)
		return fail("completions");
	for (i = 0; i < n; i++)
		if (cqes[i].res != (long long)size)
			return fail("short transfer");
	zc_reg(zc, ZCOPY_IOC_UNREGISTER, tx);
	close(tx);
	receiver_join(&r);
	if (r.bytes != (uint64_t)n * size)
		return fail("bytes received");
	close(zc);
	printf("done\n");
	return 0;
}

static int do_hold(unsigned int n)
{
	int small = 4096, zc, file, tx[2], rx[2];
	char buf[64];
	unsigned int i;

	zc = zc_open();
	if (zc < 0)
		return fail("open /dev/zcopy");
	file = open_file("hold", 4 * MiB);
	if (file < 0)
		return fail("file");
	for (i = 0; i < 2; i++) {
		if (tcp_pair(AF_INET, &tx[i], &rx[i]))
			return fail("connection");
		setsockopt(rx[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		setsockopt(tx[i], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		if (zc_reg(zc, ZCOPY_IOC_REGISTER, tx[i]))
			return fail("register");
	}
	for (i = 0; i < n; i++)
		if (zc_submit1(zc, file, tx[i % 2], 0, 4 * MiB, 100 + i, 0) != 1)
			return fail("submit");
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	close(zc);	/* cancels them all */
	return 0;
}

static int do_fail(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int small = 4096, zc, file, tx, rx;
	struct zcopy_cqe cqe;

	zc = zc_open();
	if (zc < 0)
		return fail("open /dev/zcopy");
	file = open_file("fail", 4 * MiB);
	if (file < 0)
		return fail("file");
	if (tcp_pair(AF_INET, &tx, &rx))
		return fail("connection");
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (zc_reg(zc, ZCOPY_IOC_REGISTER, tx) ||
	    zc_submit1(zc, file, tx, 0, 4 * MiB, 99, 0) != 1)
		return fail("submit");
	/* The receiver resets the connection with data unread. */
	setsockopt(rx, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(rx);
	if (zc_wait(zc, &cqe, 1, 30000) != 1)
		return fail("completion");
	printf("res %lld error %d\n", (long long)cqe.res, cqe.error);
	return cqe.error && cqe.error != -ECANCELED ? 0 : 1;
}

static int do_register(unsigned int n)
{
	int zc[2], tx, rx, err = 0;
	unsigned int i;
	char buf[64];

	zc[0] = zc_open();
	zc[1] = zc_open();
	if (zc[0] < 0 || zc[1] < 0)
		return fail("open /dev/zcopy");
	for (i = 0; i < n; i++) {
		if (tcp_pair(AF_INET, &tx, &rx))
			return fail("connection");
		if (zc_reg(zc[i % 2], ZCOPY_IOC_REGISTER, tx)) {
			err = errno;
			break;
		}
	}
	printf("registered %u %s\n", i, err ? strerrorname_np(err) : "OK");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int do_ktls_send(const char *host, const char *port, const char *path)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int zc, file, sock;
	struct zcopy_cqe cqe;
	struct stat st;

	file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0 || fstat(file, &st))
		return fail(path);
	if (getaddrinfo(host, port, &hints, &ai))
		return fail("address");
	sock = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, ai->ai_addr, ai->ai_addrlen))
		return fail("connect");
	freeaddrinfo(ai);
	if (zc_ktls_set(sock, TLS_TX, TLS_1_3_VERSION))
		return fail("kernel TLS");
	zc = zc_open();
	if (zc < 0)
		return fail("open /dev/zcopy");
	if (zc_reg(zc, ZCOPY_IOC_REGISTER, sock) ||
	    zc_submit1(zc, file, sock, 0, st.st_size, 1, ZCOPY_F_RELEASE) != 1)
		return fail("submit");
	if (zc_wait(zc, &cqe, 1, 120000) != 1)
		return fail("completion");
	if (cqe.res != st.st_size) {
		errno = cqe.error ? -cqe.error : EIO;
		return fail("transfer");
	}
	close(zc);
	close(sock);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "send"))
		return do_send(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return do_hold(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "fail"))
		return do_fail();
	if (argc == 5 && !strcmp(argv[1], "ktls-send"))
		return do_ktls_send(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "register"))
		return do_register(atoi(argv[2]));
	fprintf(stderr, "usage: zc_helper send N SIZE | hold N | fail | register N |\n"
			"                 ktls-send HOST PORT FILE\n");
	return 2;
}
