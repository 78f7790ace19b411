/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP harness: one result per test function, the plan first
 * (so a test that dies shows as missing), diagnostics as "#" lines.
 */
#ifndef LIBZCOPY_TAP_H
#define LIBZCOPY_TAP_H

#include <stdio.h>
#include <unistd.h>

static int tap_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		tap_failed = 1;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		printf("# %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, a_, #b, b_);		\
		tap_failed = 1;						\
	}								\
} while (0)

struct tap_test {
	const char *name;
	void (*fn)(void);
};

/* Each test has 60 s: a hang kills the program, and the plan shows it. */
static int tap_run(const struct tap_test *t, int n)
{
	int i, failed = 0;

	printf("1..%d\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		tap_failed = 0;
		alarm(60);
		t[i].fn();
		alarm(0);
		printf("%sok %d %s\n", tap_failed ? "not " : "", i + 1, t[i].name);
		fflush(stdout);
		failed |= tap_failed;
	}
	return failed;
}

#endif
