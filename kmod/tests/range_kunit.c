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

static void range_chunk_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, zcopy_range_chunk(0, 10 * PAGE_SIZE), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, zcopy_range_chunk(1, 10 * PAGE_SIZE), PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, zcopy_range_chunk(PAGE_SIZE - 1, 10 * PAGE_SIZE), 1);
	KUNIT_EXPECT_EQ(test, zcopy_range_chunk(PAGE_SIZE, PAGE_SIZE + 3), 3);
	KUNIT_EXPECT_EQ(test, zcopy_range_chunk(5, 5), 0);
}

/* Walking a range chunk by chunk covers it exactly, never crossing a page. */
static void range_walk_test(struct kunit *test)
{
	static const u64 bounds[][2] = {
		{ 0, 0 }, { 0, 1 }, { 0, 4095 }, { 0, 4096 }, { 0, 4097 },
		{ 4095, 4097 }, { 3, (1 << 20) + 3 }, { 4096, 3 * 4096 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		u64 start = bounds[i][0], end = bounds[i][1], pos = start;
		pgoff_t pages = 0;
		size_t n;

		while ((n = zcopy_range_chunk(pos, end))) {
			KUNIT_ASSERT_EQ(test, pos >> PAGE_SHIFT,
					(pos + n - 1) >> PAGE_SHIFT);
			pos += n;
			pages++;
		}
		KUNIT_EXPECT_EQ(test, pos, max(start, end));
		KUNIT_EXPECT_EQ(test, pages, zcopy_range_pages(start, end));
	}
}

static struct kunit_case zcopy_range_cases[] = {
	KUNIT_CASE_PARAM(range_resolve_test, resolve_gen_params),
	KUNIT_CASE(range_chunk_test),
	KUNIT_CASE(range_walk_test),
	{}
};

static struct kunit_suite zcopy_range_suite = {
	.name = "zcopy_range",
	.test_cases = zcopy_range_cases,
};

kunit_test_suites(&zcopy_range_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for zcopy");
