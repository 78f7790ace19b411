// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ZCOPY_F_DONTCACHE record of uncached runs: runs
 * that touch merge, separate runs stay apart, and the record stays
 * bounded by merging into its last run.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "dontcache.h"
#include "limits.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void free_gaps(void *g)
{
	kfree(((struct zcopy_gaps *)g)->gap);
}

static struct zcopy_gaps *new_gaps(struct kunit *test)
{
	struct zcopy_gaps *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, free_gaps, g));
	return g;
}

static void touching_runs_merge_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);

	zcopy_dontcache_add_gap(g, 0, 3);
	zcopy_dontcache_add_gap(g, 4, 7);
	zcopy_dontcache_add_gap(g, 8, 8);
	KUNIT_ASSERT_EQ(test, g->nr, 1);
	KUNIT_EXPECT_EQ(test, g->gap[0].first, 0);
	KUNIT_EXPECT_EQ(test, g->gap[0].last, 8);
}

static void separate_runs_stay_apart_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);

	zcopy_dontcache_add_gap(g, 2, 3);
	zcopy_dontcache_add_gap(g, 5, 9);
	zcopy_dontcache_add_gap(g, 100, 100);
	KUNIT_ASSERT_EQ(test, g->nr, 3);
	KUNIT_EXPECT_EQ(test, g->gap[0].last, 3);
	KUNIT_EXPECT_EQ(test, g->gap[1].first, 5);
	KUNIT_EXPECT_EQ(test, g->gap[2].first, 100);
	KUNIT_EXPECT_EQ(test, g->gap[2].last, 100);
}

/* Every other page uncached: the record stops growing at its bound. */
static void record_is_bounded_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);
	unsigned int i, n = ZCOPY_DONTCACHE_MAX_GAPS + 44;

	for (i = 0; i < n; i++)
		zcopy_dontcache_add_gap(g, 2 * i, 2 * i);
	KUNIT_ASSERT_EQ(test, g->nr, ZCOPY_DONTCACHE_MAX_GAPS);
	KUNIT_EXPECT_LE(test, g->alloc, ZCOPY_DONTCACHE_MAX_GAPS);
	KUNIT_EXPECT_EQ(test, g->gap[ZCOPY_DONTCACHE_MAX_GAPS - 2].last,
			2 * (ZCOPY_DONTCACHE_MAX_GAPS - 2));
	/* The last run covers every run that did not fit. */
	KUNIT_EXPECT_EQ(test, g->gap[ZCOPY_DONTCACHE_MAX_GAPS - 1].first,
			2 * (ZCOPY_DONTCACHE_MAX_GAPS - 1));
	KUNIT_EXPECT_EQ(test, g->gap[ZCOPY_DONTCACHE_MAX_GAPS - 1].last,
			2 * (n - 1));
}

/* Pages another reader used leave the record: cut, split, removed. */
static void keep_takes_pages_out_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);

	zcopy_dontcache_add_gap(g, 0, 9);
	zcopy_dontcache_add_gap(g, 20, 29);
	zcopy_dontcache_add_gap(g, 40, 49);
	zcopy_dontcache_keep(g, 3, 5);		/* splits the first run */
	zcopy_dontcache_keep(g, 25, 35);	/* cuts the second's tail */
	zcopy_dontcache_keep(g, 38, 49);	/* removes the third */
	zcopy_dontcache_keep(g, 0, 0);		/* cuts a head */
	zcopy_dontcache_keep(g, 100, 200);	/* touches nothing */
	KUNIT_ASSERT_EQ(test, g->nr, 3);
	KUNIT_EXPECT_EQ(test, g->gap[0].first, 1);
	KUNIT_EXPECT_EQ(test, g->gap[0].last, 2);
	KUNIT_EXPECT_EQ(test, g->gap[1].first, 6);
	KUNIT_EXPECT_EQ(test, g->gap[1].last, 9);
	KUNIT_EXPECT_EQ(test, g->gap[2].first, 20);
	KUNIT_EXPECT_EQ(test, g->gap[2].last, 24);
}

/* A split that needs the record to grow keeps every run in order. */
static void keep_split_grows_record_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);
	unsigned int i;

	for (i = 0; i < 4; i++)
		zcopy_dontcache_add_gap(g, 10 * i, 10 * i + 5);
	KUNIT_ASSERT_EQ(test, g->nr, g->alloc);
	zcopy_dontcache_keep(g, 12, 13);
	KUNIT_ASSERT_EQ(test, g->nr, 5);
	KUNIT_EXPECT_EQ(test, g->gap[1].first, 10);
	KUNIT_EXPECT_EQ(test, g->gap[1].last, 11);
	KUNIT_EXPECT_EQ(test, g->gap[2].first, 14);
	KUNIT_EXPECT_EQ(test, g->gap[2].last, 15);
	KUNIT_EXPECT_EQ(test, g->gap[3].first, 20);
	KUNIT_EXPECT_EQ(test, g->gap[4].last, 35);
}

/* A split with no slot left forgets the rest of the run: pages stay. */
static void keep_without_room_forgets_test(struct kunit *test)
{
	struct zcopy_gaps *g = new_gaps(test);
	unsigned int i;

	for (i = 0; i < ZCOPY_DONTCACHE_MAX_GAPS; i++)
		zcopy_dontcache_add_gap(g, 10 * i, 10 * i + 5);
	KUNIT_ASSERT_EQ(test, g->nr, ZCOPY_DONTCACHE_MAX_GAPS);
	zcopy_dontcache_keep(g, 2, 3);
	KUNIT_ASSERT_EQ(test, g->nr, ZCOPY_DONTCACHE_MAX_GAPS);
	KUNIT_EXPECT_EQ(test, g->gap[0].first, 0);
	KUNIT_EXPECT_EQ(test, g->gap[0].last, 1);
	KUNIT_EXPECT_EQ(test, g->gap[1].first, 10);
}

static struct kunit_case zcopy_dontcache_cases[] = {
	KUNIT_CASE(touching_runs_merge_test),
	KUNIT_CASE(separate_runs_stay_apart_test),
	KUNIT_CASE(record_is_bounded_test),
	KUNIT_CASE(keep_takes_pages_out_test),
	KUNIT_CASE(keep_split_grows_record_test),
	KUNIT_CASE(keep_without_room_forgets_test),
	{}
};

static struct kunit_suite zcopy_dontcache_suite = {
	.name = "zcopy_dontcache",
	.test_cases = zcopy_dontcache_cases,
};

kunit_test_suite(zcopy_dontcache_suite);
