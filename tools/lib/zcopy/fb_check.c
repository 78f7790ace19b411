// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The fallback's checks of sockets and submission entries, giving the
 * errnos the module gives (include/uapi/linux/zcopy.h), in the order it
 * checks, so that a program sees the same errors with or without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/fs.h>
#include <linux/tls.h>

#include "internal.h"

static int sockopt_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, level, name, &v, &len))
		return -1;
	return v;
}

/*
 * Whether kernel TLS encrypts what is sent to @sock_fd: its transmit
 * keys are set (the kernel says EBUSY, or nothing, before that).  Only
 * the header of the keys' record is asked for, not the keys.
 */
static int ktls_sends(int sock_fd)
{
	struct tls_crypto_info info;
	socklen_t len = sizeof(info);

	return !getsockopt(sock_fd, SOL_TLS, TLS_TX, &info, &len) &&
	       len == sizeof(info) && info.cipher_type;
}

/*
 * Only TCP over IPv4 or IPv6, with no upper protocol over it but kernel
 * TLS with its transmit keys set: sendfile() goes through its records,
 * as it does for nginx.
 */
int fb_check_socket(int sock_fd)
{
	char ulp[16] = "";
	socklen_t len = sizeof(ulp);
	struct stat st;
	int domain;

	if (fstat(sock_fd, &st))
		return -EBADF;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	domain = sockopt_int(sock_fd, SOL_SOCKET, SO_DOMAIN);
	if ((domain != AF_INET && domain != AF_INET6) ||
	    sockopt_int(sock_fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    sockopt_int(sock_fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP)
		return -EOPNOTSUPP;
	if (!getsockopt(sock_fd, IPPROTO_TCP, TCP_ULP, ulp, &len) && ulp[0] &&
	    (strcmp(ulp, "tls") || !ktls_sends(sock_fd)))
		return -EOPNOTSUPP;
	return 0;
}

/* What sendfile() demands of its input, as the module checks it. */
static int check_file(int fd, struct stat *st)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, st))
		return -EBADF;
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return -ESPIPE;
	if (S_ISDIR(st->st_mode))
		return -EINVAL;
	return 0;
}

/* The size len == 0 runs to; 0 for sources that do not know theirs. */
static uint64_t file_size(int fd, const struct stat *st)
{
	uint64_t size = 0;

	if (S_ISREG(st->st_mode))
		return st->st_size;
	if (S_ISBLK(st->st_mode) && !ioctl(fd, BLKGETSIZE64, &size))
		return size;
	return 0;
}

/*
 * The file side of an entry (its socket is looked up by the caller,
 * before this, as the module does).  On success *len is the number of
 * bytes to send: len == 0 resolved and the range clipped to the size,
 * as the module's zcopy_range_resolve() does; *until_eof is set if there
 * was no size to clip to, so that the source's own end ends it.
 */
int fb_check_sqe(const struct zcopy_sqe *sqe, uint64_t *len, bool *until_eof)
{
	uint64_t end, size;
	struct stat st;
	int ret;

	ret = check_file(sqe->file_fd, &st);
	if (ret)
		return ret;
	if (sqe->offset > LLONG_MAX)
		return -EINVAL;
	size = file_size(sqe->file_fd, &st);
	if (sqe->len) {
		if (__builtin_add_overflow(sqe->offset, sqe->len, &end) ||
		    end > LLONG_MAX)
			return -EINVAL;
		if (size > 0 && end > size)
			end = size > sqe->offset ? size : sqe->offset;
	} else {
		end = size > sqe->offset ? size : sqe->offset;
	}
	*len = end - sqe->offset;
	*until_eof = sqe->len && !size;
	return 0;
}
