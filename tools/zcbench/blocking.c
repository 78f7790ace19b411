// SPDX-License-Identifier: GPL-2.0
/*
 * zcbench blocking: how long the submitting call holds its caller when
 * the file is not in the page cache.  sendfile() reads the file in the
 * caller's context; zcopy's SUBMIT only queues the transfer.  Measured
 * for sendfile on a blocking socket (the whole call), the first
 * sendfile() on a non-blocking socket (one socket buffer's worth of
 * disk reads) and zcopy's SUBMIT; each after dropping the page cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <linux/zcopy.h>

#include "report.h"

enum { SENDFILE_BLOCKING, SENDFILE_FIRST, ZCOPY_SUBMIT, NWAYS };

static const char *const way_name[NWAYS] = {
	"sendfile, blocking socket (whole call)",
	"sendfile, non-blocking socket (first call)",
	"zcopy SUBMIT",
};

static int wait_ack(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;

	if (poll(&p, 1, 60000) != 1 || read(fd, &b, 1) != 1) {
		fprintf(stderr, "zcbench: no acknowledgement from the receiver\n");
		return -1;
	}
	return 0;
}

/* Finishes what the first non-blocking call left. */
static int sendfile_rest(int sock, int file, off_t off, size_t size)
{
	struct pollfd p = { .fd = sock, .events = POLLOUT };
	ssize_t n;

	while ((size_t)off < size) {
		n = sendfile(sock, file, &off, size - off);
		if (n < 0 && errno == EAGAIN) {
			poll(&p, 1, 60000);
			continue;
		}
		if (n <= 0)
			return -1;
	}
	return 0;
}

static int zcopy_submit_timed(int sock, int file, double *secs)
{
	struct zcopy_sqe sqe = { .file_fd = file, .sock_fd = sock };
	struct zcopy_submit sub = { .sqes = (uintptr_t)&sqe, .nr = 1 };
	struct zcopy_reg reg = { .sock_fd = sock };
	struct zcopy_cqe cqe;
	double t0;
	int zc, rc = -1;

	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	if (zc < 0 || ioctl(zc, ZCOPY_IOC_REGISTER, &reg)) {
		perror("zcbench: zcopy");
		goto out;
	}
	zcb_drop_caches();
	t0 = zcb_now();
	if (ioctl(zc, ZCOPY_IOC_SUBMIT, &sub) != 1) {
		perror("zcbench: ZCOPY_IOC_SUBMIT");
		goto out;
	}
	*secs = zcb_now() - t0;
	if (read(zc, &cqe, sizeof(cqe)) != sizeof(cqe) || cqe.res < 0) {
		fprintf(stderr, "zcbench: zcopy transfer failed\n");
		goto out;
	}
	rc = 0;
out:
	if (zc >= 0)
		close(zc);
	return rc;
}

static int measure(int way, const struct topology *t, int file, size_t size,
		   int port, double *secs)
{
	off_t off = 0;
	double t0;
	int sock, rc = -1;
	pid_t rx;
	ssize_t n;

	rx = zcb_receiver_start(t->receiver_ns, port, size, 1, 1);
	if (rx < 0)
		return -1;
	sock = zcb_connect(t->addr, port, way != SENDFILE_FIRST);
	if (sock < 0)
		goto out;
	switch (way) {
	case SENDFILE_BLOCKING:
		zcb_drop_caches();
		t0 = zcb_now();
		while ((size_t)off < size && (n = sendfile(sock, file, &off, size - off)) > 0)
			;
		*secs = zcb_now() - t0;
		if ((size_t)off < size)
			goto out;
		break;
	case SENDFILE_FIRST:
		zcb_drop_caches();
		t0 = zcb_now();
		n = sendfile(sock, file, &off, size);
		*secs = zcb_now() - t0;
		if (n <= 0 || sendfile_rest(sock, file, off, size))
			goto out;
		break;
	case ZCOPY_SUBMIT:
		if (zcopy_submit_timed(sock, file, secs))
			goto out;
		break;
	}
	rc = wait_ack(sock);
out:
	if (sock >= 0)
		close(sock);
	if (zcb_receiver_wait(rx))
		rc = -1;
	return rc;
}

int zcb_blocking_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", 1, NULL, 's' }, { "repeat", 1, NULL, 'r' },
		{ "dir", 1, NULL, 'd' }, { "net", 1, NULL, 'n' },
		{ "csv", 1, NULL, 'v' }, { 0 },
	};
	const struct topology *t = zcb_topology("wire");
	const char *dir = ".", *csv = NULL;
	double v[NWAYS][100], med[NWAYS];
	size_t size = 64 << 20;
	int repeat = 5, opt, rep, w, file;
	char sz[16];
	FILE *f;

	while ((opt = getopt_long(argc, argv, "s:r:d:n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (zcb_parse_size(optarg, &size))
				return 2;
			break;
		case 'r': repeat = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'n':
			t = zcb_topology(optarg);
			if (!t)
				return 2;
			break;
		case 'v': csv = optarg; break;
		default:
			fprintf(stderr, "usage: zcbench blocking [--size SIZE] [--repeat N] "
				"[--dir DIR] [--net wire|loopback] [--csv FILE]\n");
			return 2;
		}
	}
	if (repeat < 1 || repeat > 100)
		return 2;
	if (zcb_enter_netns(t->sender_ns))
		return 1;
	file = zcb_file(dir, size);
	if (file < 0)
		return 1;
	for (rep = 0; rep < repeat; rep++)
		for (w = 0; w < NWAYS; w++)
			if (measure(w, t, file, size, ZCB_PORT, &v[w][rep])) {
				fprintf(stderr, "zcbench: %s failed\n", way_name[w]);
				return 1;
			}
	printf("cold %s file over %s, median of %d (ms):\n",
	       zcb_size_name(size, sz, sizeof(sz)), t->name, repeat);
	for (w = 0; w < NWAYS; w++) {
		med[w] = zcb_median(v[w], repeat);
		printf("  %-44s %10.3f  +-%3.0f%%\n", way_name[w], 1e3 * med[w],
		       100 * zcb_spread(v[w], repeat));
	}
	printf("  zcopy SUBMIT / blocking sendfile call:     %9.4f%%\n",
	       100 * med[ZCOPY_SUBMIT] / med[SENDFILE_BLOCKING]);
	printf("  zcopy SUBMIT / first non-blocking call:    %9.4f%%\n",
	       100 * med[ZCOPY_SUBMIT] / med[SENDFILE_FIRST]);
	if (csv) {
		f = fopen(csv, "w");
		if (!f)
			return 1;
		fprintf(f, "way,size,net,repeats,median_s,spread\n");
		for (w = 0; w < NWAYS; w++)
			fprintf(f, "\"%s\",%zu,%s,%d,%.6f,%.4f\n", way_name[w], size,
				t->name, repeat, med[w], zcb_spread(v[w], repeat));
		fclose(f);
	}
	return 0;
}
