// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zcopy as a user sees it: a misc character device anyone can open,
 * each open an independent file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "zc_util.h"

#include "kselftest_harness.h"

#define DEV_PATH "/dev/" ZCOPY_DEVICE_NAME
#define NOBODY 65534

TEST(misc_device_matches_sysfs)
{
	unsigned int major, minor;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(ZCOPY_DEVICE_MODE, st.st_mode & 07777);

	f = fopen("/sys/class/misc/" ZCOPY_DEVICE_NAME "/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%u:%u", &major, &minor));
	fclose(f);
	EXPECT_EQ(10, major);
	EXPECT_EQ(major, major(st.st_rdev));
	EXPECT_EQ(minor, minor(st.st_rdev));
}

TEST(opens_are_independent)
{
	int a, b;

	a = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, a);
	b = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, b);
	EXPECT_NE(a, b);
	/* Closing one leaves the other usable. */
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(0, fcntl(b, F_GETFD) & ~FD_CLOEXEC);
	EXPECT_EQ(0, close(b));
}

/* Mode 0666: an unprivileged user can open it, as with epoll_create(). */
TEST(unprivileged_open)
{
	int status;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to switch to the nobody user");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* PROBE describes this build: only defined bits, reserved fields zero. */
TEST(probe_reports_known_bits)
{
	struct zcopy_probe p;
	unsigned int i;
	void *ro;
	int zc;

	zc = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, zc);
	memset(&p, 0xa5, sizeof(p));
	ASSERT_EQ(0, ioctl(zc, ZCOPY_IOC_PROBE, &p));
	EXPECT_EQ(0, p.sqe_flags & ~ZCOPY_F_ALL);
	EXPECT_EQ(0, p.features & ~(ZCOPY_FEAT_ASYNC_READ |
				    ZCOPY_FEAT_SPLICE_PAGES | ZCOPY_FEAT_LEND |
				    ZCOPY_FEAT_RINGS));
	for (i = 0; i < sizeof(p.reserved) / sizeof(p.reserved[0]); i++)
		EXPECT_EQ(0, p.reserved[i]);
	TH_LOG("sqe_flags %#x features %#x", p.sqe_flags, p.features);

	/* A result it cannot write is EFAULT, not a partial write. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, ioctl(zc, ZCOPY_IOC_PROBE, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
	close(zc);
}

ZC_HARNESS_MAIN
