// SPDX-License-Identifier: GPL-2.0
/*
 * A FUSE filesystem whose one file misbehaves on read, for the tests of
 * sources that do not act like a page-cache file:
 *
 *   zc_fuse MOUNTPOINT eagain   reads of MOUNTPOINT/file fail with EAGAIN
 *
 * The file is 64 KiB, opened with direct I/O so that every read reaches
 * this process (no page cache between).  Runs in the foreground until
 * unmounted (umount MOUNTPOINT) or killed.
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_NAME	"/file"
#define FILE_SIZE	65536

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

static struct fuse_operations zc_ops = {
	.getattr	= zc_getattr,
	.open		= zc_open,
	.read		= zc_read_eagain,
};

int main(int argc, char **argv)
{
	char *fuse_argv[] = { argv[0], "-f", "-s", "-o", "allow_other",
			      argc > 1 ? argv[1] : NULL, NULL };

	if (argc != 3 || strcmp(argv[2], "eagain")) {
		fprintf(stderr, "usage: zc_fuse MOUNTPOINT eagain\n");
		return 2;
	}
	return fuse_main(6, fuse_argv, &zc_ops, NULL);
}
