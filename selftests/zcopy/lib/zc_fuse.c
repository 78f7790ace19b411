// SPDX-License-Identifier: GPL-2.0
/*
 * A FUSE filesystem whose one file misbehaves on read, for the tests of
 * sources that do not act like a page-cache file:
 *
 *   zc_fuse MOUNTPOINT eagain   reads of MOUNTPOINT/file fail with EAGAIN
 *   zc_fuse MOUNTPOINT hang     reads of it are never answered
 *   zc_fuse MOUNTPOINT uid UID  reads of it succeed only for user UID
 *                               (byte at offset o: (o * 31 + o / 4093)
 *                               mod 256), and fail with EACCES for
 *                               anyone else
 *   zc_fuse MOUNTPOINT reader   every read gives the id of the thread
 *                               that asked, in decimal and followed by a
 *                               newline, over and over
 *
 * The file is 64 KiB, opened with direct I/O so that every read reaches
 * this process (no page cache between).  Runs in the foreground, one
 * request at a time, until unmounted (umount MOUNTPOINT) or killed; a
 * hung server is killed, which fails every read still waiting.
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define FILE_NAME	"/file"
#define FILE_SIZE	65536

static uid_t owner;

static int zc_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, FILE_NAME))
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_uid = owner;
	st->st_nlink = 1;
	st->st_size = FILE_SIZE;
	return 0;
}

static int zc_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, FILE_NAME))
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int zc_read_eagain(const char *path, char *buf, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	(void)path;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	return -EAGAIN;
}

/* Never answers: the request stays with the kernel until we die. */
static int zc_read_hang(const char *path, char *buf, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	for (;;)
		pause();
	return zc_read_eagain(path, buf, size, off, fi);
}

/* The byte at @off of the file (see the top). */
static char pattern_byte(off_t off)
{
	return (char)(off * 31 + off / 4093);
}

static int zc_read_owner(const char *path, char *buf, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	size_t i;

	(void)path;
	(void)fi;
	if (fuse_get_context()->uid != owner)
		return -EACCES;
	if (off >= FILE_SIZE)
		return 0;
	if (size > (size_t)(FILE_SIZE - off))
		size = FILE_SIZE - off;
	for (i = 0; i < size; i++)
		buf[i] = pattern_byte(off + i);
	return size;
}

/* Who reads: the thread the kernel read for. */
static int zc_read_reader(const char *path, char *buf, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	char line[16];
	size_t i, len;

	(void)path;
	(void)fi;
	if (off >= FILE_SIZE)
		return 0;
	if (size > (size_t)(FILE_SIZE - off))
		size = FILE_SIZE - off;
	len = snprintf(line, sizeof(line), "%d\n", (int)fuse_get_context()->pid);
	for (i = 0; i < size; i++)
		buf[i] = line[i % len];
	return size;
}

static struct fuse_operations zc_ops = {
	.getattr	= zc_getattr,
	.open		= zc_open,
};

int main(int argc, char **argv)
{
	char *fuse_argv[] = { argv[0], "-f", "-s", "-o", "allow_other",
			      argc > 1 ? argv[1] : NULL, NULL };
	const char *mode = argc > 2 ? argv[2] : "";

	if (argc == 3 && !strcmp(mode, "eagain")) {
		zc_ops.read = zc_read_eagain;
	} else if (argc == 3 && !strcmp(mode, "hang")) {
		zc_ops.read = zc_read_hang;
	} else if (argc == 3 && !strcmp(mode, "reader")) {
		zc_ops.read = zc_read_reader;
	} else if (argc == 4 && !strcmp(mode, "uid")) {
		owner = strtoul(argv[3], NULL, 10);
		zc_ops.read = zc_read_owner;
	} else {
		fprintf(stderr,
			"usage: zc_fuse MOUNTPOINT eagain|hang|reader|uid UID\n");
		return 2;
	}
	return fuse_main(6, fuse_argv, &zc_ops, NULL);
}
