// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zcopy as a user sees it: a misc character device anyone can open,
 * each open an independent file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/zcopy.h>

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

TEST_HARNESS_MAIN
