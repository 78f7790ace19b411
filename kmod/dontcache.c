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
 * "Released" comes a moment early: the stack calls the transfer back as
 * an skb lets go of its ubuf_info, just before it drops the references
 * of that skb's frags, and the invalidation skips a page someone still
 * holds.  So after dropping, the runs are looked at again, and a page
 * still there and held by someone other than the page cache makes the
 * caller try again a little later.  Pages that are mapped, dirty or
 * under writeback are kept: someone else is using them.
 *
 * A page of a run that another reader brings in before the transfer
 * reads it is that reader's: just before each read, the pages it will
 * cover are looked at, and those someone has read (referenced, active)
 * or mapped meanwhile leave the record.  The transfer's own readahead
 * brings pages in unread, so those stay in it.  (A reader that only
 * comes after the transfer read a page is not noticed.)
 *
 * The record is bounded: past ZCOPY_DONTCACHE_MAX_GAPS runs, a new run
 * is merged into the last one, at the cost of also dropping the cached
 * pages between them.  Page-cache files are read only over the range (send.c);
 * for the others, the file's own readahead past its end is not undone.
 */

#include <kunit/visibility.h>
#include <linux/fadvise.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/slab.h>

#include "dontcache.h"
#include "limits.h"

/* Room for one more run, if the bound and memory allow. */
static bool zcopy_dontcache_room(struct zcopy_gaps *g)
{
	struct zcopy_gap *bigger;
	unsigned int n;

	if (g->nr == g->alloc && g->alloc < ZCOPY_DONTCACHE_MAX_GAPS) {
		n = g->alloc ? 2 * g->alloc : 4;
		bigger = krealloc_array(g->gap, n, sizeof(*g->gap),
					GFP_KERNEL_ACCOUNT);
		if (bigger) {
			g->gap = bigger;
			g->alloc = n;
		}
	}
	return g->nr < g->alloc;
}

VISIBLE_IF_KUNIT void zcopy_dontcache_add_gap(struct zcopy_gaps *g,
					      pgoff_t first, pgoff_t last)
{
	if (g->nr && g->gap[g->nr - 1].last + 1 == first) {
		g->gap[g->nr - 1].last = last;
		return;
	}
	if (zcopy_dontcache_room(g)) {
		g->gap[g->nr].first = first;
		g->gap[g->nr].last = last;
		g->nr++;
	} else if (g->nr) {
		g->gap[g->nr - 1].last = last;
	}
	/* No memory and no run yet: the pages simply stay cached. */
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_dontcache_add_gap);

/*
 * Take pages [first, last] out of the record.  Splitting a run takes one
 * more slot; without one, the rest of that run is left out as well:
 * those pages then stay cached, the safe side.
 */
VISIBLE_IF_KUNIT void zcopy_dontcache_keep(struct zcopy_gaps *g,
					   pgoff_t first, pgoff_t last)
{
	struct zcopy_gap *r;
	unsigned int i = 0;

	while (i < g->nr) {
		r = &g->gap[i];
		if (r->last < first || r->first > last) {
			i++;
		} else if (r->first >= first && r->last <= last) {
			memmove(r, r + 1, (g->nr - i - 1) * sizeof(*r));
			g->nr--;
		} else if (r->first < first && r->last > last) {
			if (zcopy_dontcache_room(g)) {
				r = &g->gap[i];		/* may have moved */
				memmove(r + 2, r + 1,
					(g->nr - i - 1) * sizeof(*r));
				r[1].first = last + 1;
				r[1].last = r->last;
				g->nr++;
			}
			r->last = first - 1;
			i++;
		} else if (r->first < first) {
			r->last = first - 1;
			i++;
		} else {
			r->first = last + 1;
			i++;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_dontcache_keep);

/*
 * The transfer is about to read pages [first, last]: keep out of the
 * record those another reader has read or mapped since it was made.
 */
void zcopy_dontcache_spare_used(struct zcopy_gaps *g,
				struct address_space *mapping, pgoff_t first,
				pgoff_t last)
{
	struct folio_batch batch;
	pgoff_t index = first;
	struct folio *folio;
	unsigned int i;

	if (!g->nr)
		return;
	folio_batch_init(&batch);
	while (filemap_get_folios(mapping, &index, last, &batch)) {
		for (i = 0; i < folio_batch_count(&batch); i++) {
			folio = batch.folios[i];
			/*
			 * A large folio that starts before @first was
			 * partly read, so marked accessed, by us.
			 */
			if (folio->index < first)
				continue;
			if (folio_test_referenced(folio) ||
			    folio_test_active(folio) || folio_mapped(folio))
				zcopy_dontcache_keep(g, folio->index,
						     folio_next_index(folio) - 1);
		}
		folio_batch_release(&batch);
		cond_resched();
	}
}

/* Record the uncached runs of bytes [start, end) of @file. */
void zcopy_dontcache_find_gaps(struct zcopy_gaps *g, struct file *file,
			       u64 start, u64 end)
{
	struct address_space *mapping = file->f_mapping;
	pgoff_t index, next, last;
	struct folio_batch batch;
	struct folio *folio;
	unsigned int i;

	/* Nothing past the end of the file can be cached. */
	end = min_t(u64, end, i_size_read(mapping->host));
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
				zcopy_dontcache_add_gap(g, next,
							folio->index - 1);
			next = max(next, folio_next_index(folio));
		}
		folio_batch_release(&batch);
		cond_resched();
	}
	if (next <= last)
		zcopy_dontcache_add_gap(g, next, last);
}

/*
 * Is a page of [first, last] still cached and held by someone other than
 * the page cache (and our lookup), but neither mapped nor dirty?
 */
static bool zcopy_dontcache_busy(struct address_space *mapping, pgoff_t first,
				 pgoff_t last)
{
	struct folio_batch batch;
	struct folio *folio;
	bool busy = false;
	unsigned int i;
	long idle;

	folio_batch_init(&batch);
	while (!busy && filemap_get_folios(mapping, &first, last, &batch)) {
		for (i = 0; i < folio_batch_count(&batch) && !busy; i++) {
			folio = batch.folios[i];
			if (folio_mapped(folio) || folio_test_dirty(folio) ||
			    folio_test_writeback(folio))
				continue;
			idle = folio_nr_pages(folio) +
			       folio_has_private(folio) + 1;
			busy = folio_ref_count(folio) > idle;
		}
		folio_batch_release(&batch);
		cond_resched();
	}
	return busy;
}

/*
 * Drop the recorded runs.  Process context.  Returns true if a page of
 * them is still held by someone (see the top of this file): calling
 * again later drops it once it is free.
 */
bool zcopy_dontcache_drop_gaps(struct zcopy_gaps *g, struct file *file)
{
	struct zcopy_gap *gap;
	bool busy = false;
	unsigned int i;

	for (i = 0; i < g->nr; i++) {
		gap = &g->gap[i];
		vfs_fadvise(file, (loff_t)gap->first << PAGE_SHIFT,
			    (loff_t)(gap->last - gap->first + 1) << PAGE_SHIFT,
			    POSIX_FADV_DONTNEED);
		busy |= zcopy_dontcache_busy(file->f_mapping, gap->first,
					     gap->last);
	}
	return busy;
}

/* Forget the recorded runs. */
void zcopy_dontcache_forget_gaps(struct zcopy_gaps *g)
{
	kfree(g->gap);
	g->gap = NULL;
	g->nr = 0;
	g->alloc = 0;
}
