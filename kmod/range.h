/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File range arithmetic for transfers: validating a user's (offset, len)
 * and resolving "len == 0 means to end of file" (xfer.c, at SUBMIT).  A
 * pure function, unit tested by KUnit.
 */
#ifndef ZCOPY_RANGE_H
#define ZCOPY_RANGE_H

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/types.h>

/* Bytes [start, end) of a file. */
struct zcopy_range {
	u64 start;
	u64 end;
};

/*
 * Resolve a user's request against the file size seen at submission.
 * len == 0 means "to the end of the file"; an offset at or past the end
 * is valid and gives an empty range (sendfile returns 0 there too).  A
 * range is clipped to that size, so that what is charged for it is what
 * it can send.  A size of 0 may only mean that the inode does not know
 * (procfs, sysfs, character devices): an explicit len is then kept, and
 * the file's own read says where it ends.  Returns -EINVAL when the
 * range cannot exist in any file: offset + len above MAX_LFS_FILESIZE
 * (LLONG_MAX on 64-bit), or overflowing.
 */
static inline int zcopy_range_resolve(u64 offset, u64 len, loff_t isize,
				      struct zcopy_range *r)
{
	u64 end;

	if (offset > MAX_LFS_FILESIZE)
		return -EINVAL;
	if (len) {
		if (check_add_overflow(offset, len, &end) ||
		    end > MAX_LFS_FILESIZE)
			return -EINVAL;
		if (isize > 0 && end > isize)
			end = max_t(u64, offset, isize);
	} else {
		end = max_t(u64, offset, isize);
	}
	r->start = offset;
	r->end = end;
	return 0;
}

#endif /* ZCOPY_RANGE_H */
