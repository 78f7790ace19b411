/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ZCOPY_F_DONTCACHE: remember which pages of a range were not in the page
 * cache before a transfer read them, and drop those once it is over.
 */
#ifndef ZCOPY_DONTCACHE_H
#define ZCOPY_DONTCACHE_H

#include <kunit/visibility.h>
#include <linux/types.h>

struct address_space;
struct file;

/* A run of page indexes [first, last] that were not cached. */
struct zcopy_gap {
	pgoff_t first;
	pgoff_t last;
};

struct zcopy_gaps {
	struct zcopy_gap *gap;
	unsigned int nr;
	unsigned int alloc;
};

void zcopy_dontcache_find_gaps(struct zcopy_gaps *g, struct file *file,
			       u64 start, u64 end);
void zcopy_dontcache_spare_used(struct zcopy_gaps *g,
				struct address_space *mapping, pgoff_t first,
				pgoff_t last);
bool zcopy_dontcache_drop_gaps(struct zcopy_gaps *g, struct file *file);
void zcopy_dontcache_forget_gaps(struct zcopy_gaps *g);

#if IS_ENABLED(CONFIG_KUNIT)
void zcopy_dontcache_add_gap(struct zcopy_gaps *g, pgoff_t first,
			     pgoff_t last);
void zcopy_dontcache_keep(struct zcopy_gaps *g, pgoff_t first,
			  pgoff_t last);
#endif

#endif /* ZCOPY_DONTCACHE_H */
