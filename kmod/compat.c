// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line parts of compat.h: empty on the newest kernels.
 */

#include <linux/mm.h>
#include <linux/net.h>
#include <linux/uio.h>

#include "compat.h"

#ifndef ZCOPY_HAVE_SPLICE_PAGES
/*
 * MSG_SPLICE_PAGES by the socket's sendpage(), one page at a time, as
 * sendfile() did before sendmsg() could take pages: each page is sent
 * by reference, all but the last marked as having more to follow.  An
 * entry may span pages: 6.1's read into a pipe hands over a large
 * folio's head page with an offset and length past its first page.
 * Returns the bytes taken (short when the socket filled up) or, if
 * none, the error.
 */
int zcopy_sendpages(struct socket *sock, struct msghdr *msg)
{
	int flags = msg->msg_flags & ~MSG_SPLICE_PAGES;
	struct iov_iter *iter = &msg->msg_iter;
	const struct bio_vec *bv = iter->bvec;
	size_t skip = iter->iov_offset;
	int sent = 0, ret;

	for (; iov_iter_count(iter); bv++, skip = 0) {
		size_t left = min_t(size_t, bv->bv_len - skip,
				    iov_iter_count(iter));

		while (left) {
			size_t off = bv->bv_offset + skip;
			size_t len = min_t(size_t, left,
					   PAGE_SIZE - offset_in_page(off));
			int f = flags;

			/* kTLS closes its record at a page without it. */
			if (len < iov_iter_count(iter) || flags & MSG_MORE)
				f |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
			ret = kernel_sendpage(sock,
					      nth_page(bv->bv_page,
						       off / PAGE_SIZE),
					      offset_in_page(off), len, f);
			if (ret <= 0)
				return sent ?: ret;
			iov_iter_advance(iter, ret);
			sent += ret;
			if (ret < len)
				return sent;
			skip += ret;
			left -= ret;
		}
	}
	return sent;
}
#endif
