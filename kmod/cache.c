// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_F_DONTCACHE.
 *
 * Before a transfer reads anything, the page cache over its range is
 * walked once and the runs of missing pages are recorded.  The walk must
 * come first: readahead brings in pages ahead of the reader, so a page
 * found cached half-way through may be one this transfer brought in.
 * When the network stack has released every page, those runs are
 * dropped with POSIX_FADV_DONTNEED semantics (clean, unmapped pages only;
 * filesystems without a backing device, such as tmpfs, ignore it).
 *
 * The record is bounded: past ZCOPY_CACHE_MAX_GAPS runs, a new run is
 * merged into the last one, at the cost of also dropping the cached pages
 * between them.  Readahead past the end of the range is not undone.
 */

#include <kunit/visibility.h>
#include <linux/fadvise.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/slab.h>

#include "cache.h"

VISIBLE_IF_KUNIT void zcopy_cache_add_gap(struct zcopy_cache_gaps *g,
					  pgoff_t first, pgoff_t last)
{
	struct zcopy_cache_gap *bigger;
	unsigned int n;

	if (g->nr && g->gap[g->nr - 1].last + 1 == first) {
		g->gap[g->nr - 1].last = last;
		return;
	}
	if (g->nr == g->alloc && g->alloc < ZCOPY_CACHE_MAX_GAPS) {
		n = g->alloc ? 2 * g->alloc : 4;
		bigger = krealloc_array(g->gap, n, sizeof(*g->gap), GFP_KERNEL);
		if (bigger) {
			g->gap = bigger;
			g->alloc = n;
		}
	}
	if (g->nr < g->alloc) {
		g->gap[g->nr].first = first;
		g->gap[g->nr].last = last;
		g->nr++;
	} else if (g->nr) {
		g->gap[g->nr - 1].last = last;
	}
	/* No memory and no run yet: the pages simply stay cached. */
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_cache_add_gap);

/* Record the uncached runs of bytes [start, end) of @file. */
void zcopy_cache_find_gaps(struct zcopy_cache_gaps *g, struct file *file,
			   u64 start, u64 end)
{
	struct address_space *mapping = file->f_mapping;
	pgoff_t index, next, last;
	struct folio_batch batch;
	struct folio *folio;
	unsigned int i;

	if (start >= end)
		return;
	index = start >> PAGE_SHIFT;
	next = index;
	last = (end - 1) >> PAGE_SHIFT;
	folio_batch_init(&batch);
	while (next <= last && filemap_get_folios(mapping, &index, last, &batch)) {
		for (i = 0; i < folio_batch_count(&batch); i++) {
			folio = batch.folios[i];
			if (folio->index > next)
				zcopy_cache_add_gap(g, next, folio->index - 1);
			next = max(next, folio_next_index(folio));
		}
		folio_batch_release(&batch);
		cond_resched();
	}
	if (next <= last)
		zcopy_cache_add_gap(g, next, last);
}

/* Drop the recorded runs and forget them.  Process context. */
void zcopy_cache_drop_gaps(struct zcopy_cache_gaps *g, struct file *file)
{
	unsigned int i;
	loff_t pos;

	for (i = 0; i < g->nr; i++) {
		pos = (loff_t)g->gap[i].first << PAGE_SHIFT;
		vfs_fadvise(file, pos,
			    (loff_t)(g->gap[i].last - g->gap[i].first + 1) <<
			    PAGE_SHIFT, POSIX_FADV_DONTNEED);
	}
	kfree(g->gap);
	g->gap = NULL;
	g->nr = 0;
	g->alloc = 0;
}
