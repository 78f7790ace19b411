// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the file range arithmetic in range.h.
 */

#include <kunit/test.h>

#include "range.h"

struct resolve_case {
	const char *name;
	u64 offset;
	u64 len;
	loff_t isize;
	int ret;
	u64 start;
	u64 end;
};

static const struct resolve_case resolve_cases[] = {
	{ "whole file, len 0", 0, 0, 10000, 0, 0, 10000 },
	{ "len 0 from unaligned offset", 4097, 0, 10000, 0, 4097, 10000 },
	{ "len 0 past EOF is empty", 20000, 0, 10000, 0, 20000, 20000 },
	{ "explicit len beyond EOF clipped", 0, 50000, 10000, 0, 0, 10000 },
	{ "explicit len inside the file kept", 100, 500, 10000, 0, 100, 600 },
	{ "explicit len from past EOF is empty", 20000, 5, 10000, 0, 20000, 20000 },
	{ "unknown size (0): explicit len kept", 0, 50000, 0, 0, 0, 50000 },
	{ "empty file, len 0", 0, 0, 0, 0, 0, 0 },
	{ "offset + len overflows u64", 1, U64_MAX, 0, -EINVAL, 0, 0 },
	{ "offset beyond any file", (u64)MAX_LFS_FILESIZE + 1, 0, 0, -EINVAL, 0, 0 },
	{ "end beyond any file", (u64)MAX_LFS_FILESIZE, 1, 0, -EINVAL, 0, 0 },
	{ "end exactly at the limit", (u64)MAX_LFS_FILESIZE - 1, 1, 0, 0,
	  (u64)MAX_LFS_FILESIZE - 1, (u64)MAX_LFS_FILESIZE },
};

static void resolve_case_desc(const struct resolve_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(resolve, resolve_cases, resolve_case_desc);

static void range_resolve_test(struct kunit *test)
{
	const struct resolve_case *c = test->param_value;
	struct zcopy_range r = { .start = 0xdead, .end = 0xbeef };
	int ret;

	ret = zcopy_range_resolve(c->offset, c->len, c->isize, &r);

	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		/* A rejected request leaves the output untouched. */
		KUNIT_EXPECT_EQ(test, r.start, 0xdead);
		KUNIT_EXPECT_EQ(test, r.end, 0xbeef);
		return;
	}
	KUNIT_EXPECT_EQ(test, r.start, c->start);
	KUNIT_EXPECT_EQ(test, r.end, c->end);
}

static struct kunit_case zcopy_range_cases[] = {
	KUNIT_CASE_PARAM(range_resolve_test, resolve_gen_params),
	{}
};

static struct kunit_suite zcopy_range_suite = {
	.name = "zcopy_range",
	.test_cases = zcopy_range_cases,
};

kunit_test_suites(&zcopy_range_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for zcopy");
