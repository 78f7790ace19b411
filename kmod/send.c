// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: one transfer's bytes into its socket's skb frags, without
 * waiting.  A socket's pass (sock.c) calls zcopy_send_xfer() for the
 * transfer at the head of its queue; from the page cache to sendmsg(),
 * everything the send loop does is here.
 *
 * A transfer's bytes reach the socket by one of two reads:
 *
 *  - straight from the page cache, for files whose own read would serve
 *    the same cached, up-to-date folios without asking the filesystem
 *    anything more (zcopy_file_cached()): the folios go into a bio_vec
 *    array and from there to the socket, with no pipe in between, and
 *    without ever sleeping on the disk, so this is what runs inline in
 *    SUBMIT.  For a folio that is not there yet, a deferred pass starts
 *    readahead and returns; the folio's unlock, at the end of the read,
 *    resumes the socket's pass (zcopy_read_folio(), and the wake-up in
 *    sock.c).  So no thread waits for the disk, and what is cached goes
 *    out while the rest is read;
 *  - through the file's own splice_read (the sendfile path: readahead,
 *    truncation and holes handled by the filesystem) into a private
 *    pipe, for every other file (FUSE, network filesystems, procfs,
 *    O_DIRECT) and for tmpfs pages that are swapped out.  That read may
 *    sleep, so it runs only in a thread lent to the context, or in the
 *    submitter's, where sendfile() would have run it (sock.c).
 *
 * Either way the socket takes page references, not copies, unless the
 * administrator set copy mode (zcopy_send_pages()).  (The bytes
 * of a ZCOPY_F_BUFFER entry, a response's header, are the third kind:
 * copied at SUBMIT, and by the socket, as write()'s do: see
 * zcopy_push_buffer().)  A transfer
 * that asked to know when the stack lets go of the pages (ZCOPY_F_RELEASE,
 * and ZCOPY_F_DONTCACHE, which acts then) is sent with MSG_ZEROCOPY and
 * a ubuf_info of its own (notif.c), as io_uring's SEND_ZC does; on a
 * kTLS socket, which takes none, as any other, and watched
 * (ktls_release.c).  Any
 * other transfer is sent as sendfile() sends, with MSG_SPLICE_PAGES: no
 * callback, so nothing forces local delivery (loopback, veth) to copy
 * the frags to honour one.  Either way the frags are marked shared
 * (SKBFL_SHARED_FRAG), so nothing in the stack writes into them in
 * place: they are page-cache pages.
 *
 * Everything here runs in process context, as the submitter: inline in
 * SUBMIT, or in a deferred pass running as the submitter (owner.c).
 * Every send holds the socket's send_mtx (see the locking rules in
 * ctx.c).
 */

#include <linux/backing-dev.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/pagemap.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/splice.h>
#include <net/sock.h>
#include <uapi/linux/magic.h>

#include "compat.h"
#include "ctx.h"
#include "fault.h"
#include "ktls.h"
#include "limits.h"
#include "send.h"
#include "sock.h"
#include "stats.h"
#include "xfer.h"

/*
 * A send to a kTLS socket returned @ret, with what it did not take left
 * in @msg.  A short one may leave TCP's tail unpushed
 * (zcopy_ktls_push_tcp()), and the TLS layer's record open whatever
 * MSG_MORE said, so it counts as corked (zcopy_send_msg()).  The layer's
 * mutex, taken while task work is due, fails a send with -EINTR: a full
 * socket to us, which the retry timer comes back to.
 */
static int zcopy_send_ktls_ended(struct zcopy_sock *zs, struct msghdr *msg,
				 int ret)
{
	if (ret == -EINTR || ret == -ERESTARTSYS)
		return -EAGAIN;
	if (ret == -EAGAIN || (ret > 0 && msg_data_left(msg)))
		zcopy_ktls_push_tcp(zs->sock);
	return ret;
}

/*
 * Every send to the socket: none once it is unregistered, and none to
 * a socket that a ULP or sockmap took over since (zcopy_check_socket(),
 * sock.c).  A kTLS socket was one at registration, and stays one.
 *
 * -EINPROGRESS is the send that starts a TCP_FASTOPEN_CONNECT socket's
 * connect without data in the SYN: it is a full send buffer to us, and
 * the connect's end wakes the socket as freed space would (the pass
 * tries again, then the retry timer does: sock.c).  It must not reach
 * the pass as is: there it means that the disk is reading (below), as
 * -ENODATA means that the file's own read must go on, which no send of
 * TCP's returns: an -EIO then.
 */
static int zcopy_send_msg(struct zcopy_sock *zs, struct msghdr *msg)
{
	bool more = msg->msg_flags & MSG_MORE;
	int ret;

	mutex_lock(&zs->send_mtx);
	if (test_bit(ZCOPY_SOCK_DEAD, &zs->flags))
		ret = -ECANCELED;
	else if (!zs->ktls && !test_bit(SOCK_SUPPORT_ZC, &zs->sock->flags))
		ret = -EOPNOTSUPP;
	else
		ret = zcopy_fault_send() ?: zcopy_sendmsg(zs->sock, msg);
	if (zs->ktls)
		ret = zcopy_send_ktls_ended(zs, msg, ret);
	if (ret > 0)
		WRITE_ONCE(zs->corked,
			   more || (zs->ktls && msg_data_left(msg)));
	else if (ret == -EINPROGRESS)
		ret = -EAGAIN;
	else if (ret == -ENODATA)
		ret = -EIO;	/* not ours: "use the file's own read" */
	mutex_unlock(&zs->send_mtx);
	return ret;
}

/*
 * Push out a tail the last send held back with MSG_MORE: the next bytes
 * are not coming at once after all (see zcopy_send_more()).  Also once
 * the socket is unregistered: the tail is ours, and no more comes.  In
 * a pass (under push_mtx).
 */
void zcopy_send_uncork(struct zcopy_sock *zs)
{
	lockdep_assert_held(&zs->push_mtx);
	mutex_lock(&zs->send_mtx);
	if (zs->corked && zs->ktls) {
		zcopy_ktls_flush(zs->sock);
		zcopy_ktls_watch_check(zs->tls_watch);
	} else if (zs->corked) {
		zcopy_splice_eof(zs->sock);
	}
	WRITE_ONCE(zs->corked, false);
	mutex_unlock(&zs->send_mtx);
}

/*
 * Whether more bytes follow @x's on the socket at once: another transfer
 * is queued behind it.  Then its last send says MSG_MORE too, so that
 * small files share full segments; the pass pushes the tail out when
 * the queue runs dry.  An unlocked peek: a stale answer costs one early
 * push, or one held back until the pass ends.
 */
static bool zcopy_send_more(struct zcopy_sock *zs, struct zcopy_xfer *x)
{
	return READ_ONCE(x->link.next) != &zs->queue;
}

/*
 * Resume the pass when @folio is next unlocked, with no thread waiting:
 * called by a pass, under push_mtx, which returns at once (and no pass
 * runs until then: ZCOPY_SOCK_DISK_WAIT).  The caller holds a reference
 * to @folio and makes sure an unlock is coming (zcopy_read_folio()).
 * The entry holds no reference to the folio, as io_uring's does not: a
 * folio leaves the page cache only unlocked, so the unlock that wakes us
 * comes first; at worst, a folio freed and reused at the same address
 * wakes the pass early, and it looks again.
 */
static void zcopy_send_wait_folio(struct zcopy_sock *zs,
				  struct folio *folio)
{
	lockdep_assert_held(&zs->push_mtx);
	zcopy_sock_get(zs);	/* the wait's, passed on to the work */
	set_bit(ZCOPY_SOCK_DISK_WAIT, &zs->flags);
	zs->disk.folio = folio;
	zs->disk.bit_nr = PG_locked;
	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_READS_ASYNC, 1);
	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_DISK_WAITING, 1);
	folio_add_wait_queue(folio, &zs->disk.wait);
}

/*
 * One splice_direct_to_actor() call.  The read may start before the
 * bytes to send and end after them (see zcopy_push_read()): the actor
 * drops @skip bytes first and sends at most @limit.
 */
struct zcopy_push {
	struct zcopy_xfer *x;
	struct zcopy_sock *zs;
	size_t skip;		/* bytes read only for alignment, to drop */
	size_t limit;		/* bytes to send, at most */
	size_t sent;		/* bytes the socket took */
	size_t read;		/* bytes the file's reads brought */
	int err;		/* why the last send stopped short */
};

/* Count what the socket accepted from @bv and how it took it. */
static void zcopy_account(struct zcopy_xfer *x, const struct bio_vec *bv,
			  size_t sent, bool zerocopy)
{
	unsigned long pages = 0;
	size_t left = sent;

	atomic64_add(sent, &x->ctx->bytes);
	if (!zerocopy) {
		/* No scatter-gather on the route: TCP copied into its own. */
		x->copied_at_send = true;
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_BYTES_COPIED, sent);
		return;
	}
	zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_BYTES_ZEROCOPY, sent);
	/* Only a transfer told of the release knows when they go again. */
	if (!test_bit(ZCOPY_XFER_NOTIFY, &x->state))
		return;
	/* An entry read through a pipe may span a large folio's pages. */
	for (; left; bv++) {
		size_t seg = min_t(size_t, left, bv->bv_len);

		pages += DIV_ROUND_UP(offset_in_page(bv->bv_offset) + seg,
				      PAGE_SIZE);
		left -= seg;
	}
	x->bytes_zerocopy += sent;
	x->pages += pages;
	zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_PAGES, pages);
}

/*
 * Copy mode on a kTLS socket: the TLS layer copies only what comes as
 * kernel addresses, and takes references on the pages of anything else
 * into a record's plaintext, as for MSG_SPLICE_PAGES.  So the pages go
 * as their addresses, which needs every page mapped (no highmem).  Its
 * own function: only this path pays for the kvecs on the stack.
 */
static noinline int zcopy_send_copy_ktls(struct zcopy_sock *zs,
					 struct msghdr *msg,
					 const struct bio_vec *bvec,
					 unsigned int n, size_t len)
{
	struct kvec kv[ZCOPY_SEND_PAGES];
	unsigned int i;

	BUILD_BUG_ON(PIPE_DEF_BUFFERS > ZCOPY_SEND_PAGES);
	if (IS_ENABLED(CONFIG_HIGHMEM) || WARN_ON_ONCE(n > ARRAY_SIZE(kv)))
		return -EOPNOTSUPP;
	for (i = 0; i < n; i++) {
		kv[i].iov_base = page_address(bvec[i].bv_page) +
				 bvec[i].bv_offset;
		kv[i].iov_len = bvec[i].bv_len;
	}
	iov_iter_kvec(&msg->msg_iter, ITER_SOURCE, kv, n, len);
	return zcopy_send_msg(zs, msg);
}

/*
 * Hand @len bytes in @bvec to the socket, never waiting.  Returns what
 * it took, which may be short, or an error.
 */
static int zcopy_send_pages(struct zcopy_xfer *x, struct zcopy_sock *zs,
			    struct bio_vec *bvec, unsigned int n, size_t len,
			    bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	bool zerocopy;
	int ret;

	if (more)
		msg.msg_flags |= ZCOPY_MSG_MORE;
	/*
	 * The TLS layer takes no ubuf_info: it is watched (ktls_release.c).
	 * In copy mode, neither flag: the socket copies into pages of its
	 * own, as for write().
	 */
	if (!x->copy) {
		if (test_bit(ZCOPY_XFER_NOTIFY, &x->state) && !zs->ktls) {
			msg.msg_flags |= MSG_ZEROCOPY;
			msg.msg_ubuf = &x->uarg;
		} else {
			msg.msg_flags |= MSG_SPLICE_PAGES;
		}
	}
	/* kTLS takes a reference whatever the route: its cipher reads them. */
	zerocopy = !x->copy &&
		   (zs->ktls ||
		    READ_ONCE(zs->sock->sk->sk_route_caps) & NETIF_F_SG);
	if (x->copy && zs->ktls) {
		ret = zcopy_send_copy_ktls(zs, &msg, bvec, n, len);
	} else {
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bvec, n, len);
		ret = zcopy_send_msg(zs, &msg);
	}
	if (ret > 0)
		zcopy_account(x, bvec, ret, zerocopy);
	return ret;
}

/*
 * Release up to @bytes from the head of the pipe (the socket holds them
 * now, or they were never to be sent); returns how many it held.
 */
static size_t zcopy_pipe_consume(struct pipe_inode_info *pipe, size_t bytes)
{
	unsigned int mask = pipe->ring_size - 1;
	struct pipe_buffer *buf;
	size_t seg, done = 0;

	while (done < bytes && !pipe_empty(pipe->head, pipe->tail)) {
		buf = &pipe->bufs[pipe->tail & mask];
		seg = min_t(size_t, bytes - done, buf->len);
		buf->offset += seg;
		buf->len -= seg;
		done += seg;
		if (!buf->len) {
			pipe_buf_release(pipe, buf);
			pipe->tail++;
		}
	}
	return done;
}

/*
 * splice_direct_to_actor() callback: hand what the pipe holds to the
 * socket, never waiting.  Returns the bytes consumed from the pipe
 * (dropped or accepted), or an error when none were; p->err says why a
 * send stopped short.
 */
static int zcopy_send_actor(struct pipe_inode_info *pipe,
			    struct splice_desc *sd)
{
	struct zcopy_push *p = sd->u.data;
	struct bio_vec bvec[PIPE_DEF_BUFFERS];
	unsigned int mask = pipe->ring_size - 1;
	struct pipe_buffer *buf;
	unsigned int tail, n;
	size_t len, want, seg, total;
	bool more;
	int ret;

	/* The pipe holds exactly what the last read brought. */
	for (tail = pipe->tail; tail != pipe->head; tail++)
		p->read += pipe->bufs[tail & mask].len;
	total = zcopy_pipe_consume(pipe, p->skip);
	p->skip -= total;
	while (!pipe_empty(pipe->head, pipe->tail) && p->sent < p->limit) {
		n = 0;
		len = 0;
		want = p->limit - p->sent;
		for (tail = pipe->tail; tail != pipe->head && len < want &&
		     n < ARRAY_SIZE(bvec); tail++) {
			buf = &pipe->bufs[tail & mask];
			if (!buf->len)
				continue;
			ret = pipe_buf_confirm(pipe, buf);
			if (ret) {
				/* Truncated under us: send what came before. */
				if (!n)
					p->err = ret == -ENODATA ? 0 : ret;
				break;
			}
			seg = min_t(size_t, buf->len, want - len);
			bvec_set_page(&bvec[n++], buf->page, seg, buf->offset);
			len += seg;
		}
		if (!n)
			break;

		more = (sd->flags & SPLICE_F_MORE) ||
		       (tail != pipe->head && len < want);
		ret = zcopy_send_pages(p->x, p->zs, bvec, n, len, more);
		if (ret <= 0) {
			p->err = ret ?: -EAGAIN;
			break;
		}
		zcopy_pipe_consume(pipe, ret);
		total += ret;
		p->sent += ret;
		if (ret < len) {
			/* Out of send buffer; the socket's wake-up resumes. */
			p->err = -EAGAIN;
			break;
		}
	}
	return total ?: p->err;
}

/*
 * The local block filesystems (and block devices) whose own reads add
 * nothing to the generic page-cache read that a cached folio would need
 * (an inode lock, direct I/O) but a check that the filesystem is not
 * shut down (zcopy_fs_refuses_reads()), and whose readahead submits its
 * reads and returns: each folio is unlocked when its read ends.
 */
static bool zcopy_fs_reads_plainly(const struct inode *host)
{
	if (S_ISBLK(host->i_mode))
		return true;
	switch (host->i_sb->s_magic) {
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		return true;
	}
	return false;
}

/*
 * ext4 and XFS refuse every read, cached or not, once shut down (their
 * read_iter and splice_read both check first): ask theirs, with a read
 * of nothing that never waits, before serving their cached folios.
 * Returns 0, or the filesystem's -EIO.  (-EAGAIN: XFS would have had to
 * wait for its inode lock to say; the next chunk asks again.)
 */
static int zcopy_fs_refuses_reads(struct file *file, loff_t pos)
{
	struct inode *host = file->f_mapping->host;
	struct iov_iter none;
	struct kiocb kiocb;
	ssize_t ret;

	if (host->i_sb->s_magic != EXT4_SUPER_MAGIC &&
	    host->i_sb->s_magic != XFS_SUPER_MAGIC)
		return 0;
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags |= IOCB_NOWAIT;
	iov_iter_kvec(&none, ITER_DEST, NULL, 0, 0);
	ret = file->f_op->read_iter(&kiocb, &none);
	return ret < 0 && ret != -EAGAIN ? ret : 0;
}

/*
 * Whether @file's reads can be served straight from its page cache: the
 * generic page-cache read (zcopy_generic_splice_read(); sendfile() uses
 * it for the file) takes cached, up-to-date folios as they are, and so
 * do tmpfs and zcopy_fs_reads_plainly()'s.  Network filesystems and FUSE
 * revalidate, cluster filesystems take a lock, and direct I/O and DAX
 * have no page cache to read: those go through their splice_read.
 */
static bool zcopy_file_cached(struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	struct inode *host = mapping->host;

	if ((READ_ONCE(file->f_flags) & O_DIRECT) || IS_DAX(host))
		return false;
	return zcopy_generic_splice_read(file) || shmem_mapping(mapping) ||
	       zcopy_fs_reads_plainly(host);
}

/*
 * Whether what @file's page cache lacks can be read into it without a
 * thread waiting: zcopy_fs_reads_plainly()'s.  Others that use the
 * generic read may wait in their readahead (network filesystems for the
 * server, some for a cluster lock) or have none, and tmpfs reads from
 * swap: their missing pages take the file's own read, which may sleep.
 */
static bool zcopy_file_reads_async(struct file *file)
{
	struct address_space *mapping = file->f_mapping;

	return zcopy_file_cached(file) && mapping->a_ops->readahead &&
	       zcopy_fs_reads_plainly(mapping->host);
}

/*
 * ZCOPY_F_DONTCACHE: the next read may reach byte @last.  Pages no read
 * of ours has covered yet that another reader has read meanwhile are
 * that reader's, not ours to drop (dontcache.c).
 */
static void zcopy_xfer_spare(struct zcopy_xfer *x, u64 last)
{
	pgoff_t end = last >> PAGE_SHIFT;

	if ((x->flags & ZCOPY_F_DONTCACHE) && end >= x->unread)
		zcopy_dontcache_spare_used(&x->gaps, x->file->f_mapping,
					   x->unread, end);
}

/* The reads have covered up to byte @end (exclusive). */
static void zcopy_xfer_read_to(struct zcopy_xfer *x, u64 end)
{
	pgoff_t next = DIV_ROUND_UP_ULL(end, PAGE_SIZE);

	if (next > x->unread)
		x->unread = next;
}

/*
 * Start reading the pages of @x from @index.  Normally with the file's
 * own readahead state, as its read would: sequential transfers of a
 * file get full and growing windows.  A ZCOPY_F_DONTCACHE transfer
 * reads only pages of its range, ZCOPY_DONTCACHE_RA at a time, and
 * marks none for more: it drops what it reads (dontcache.c), so nothing
 * must be read for later.
 */
static void zcopy_read_ahead(struct zcopy_xfer *x, pgoff_t index)
{
	struct address_space *mapping = x->file->f_mapping;
	pgoff_t end = DIV_ROUND_UP_ULL(x->range.end, PAGE_SIZE);
	DEFINE_READAHEAD(ractl, x->file, &x->file->f_ra, mapping, index);
	unsigned long nr;

	if (index >= end || !zcopy_file_reads_async(x->file))
		return;
	if (!(x->flags & ZCOPY_F_DONTCACHE)) {
		page_cache_sync_ra(&ractl, end - index);
		return;
	}
	/* This one reads past the end of the file if asked to. */
	end = min_t(pgoff_t, end,
		    DIV_ROUND_UP_ULL(i_size_read(mapping->host), PAGE_SIZE));
	if (index >= end)
		return;
	nr = min_t(pgoff_t, end - index, ZCOPY_DONTCACHE_RA);
	zcopy_xfer_spare(x, ((u64)(index + nr) << PAGE_SHIFT) - 1);
	page_cache_ra_unbounded(&ractl, nr, 0);
	zcopy_xfer_read_to(x, (u64)(index + nr) << PAGE_SHIFT);
}

/*
 * About what the first read of @x, which a deferred pass starts, asks
 * of the disk: one readahead window, which readahead sizes from the
 * file's readahead size, or the device's largest request for a transfer
 * that wants more (ZCOPY_DONTCACHE_RA pages for ZCOPY_F_DONTCACHE);
 * for a file read through its own read (zcopy_push_read()), one chunk
 * of that; within what @x has left.  The inline pass that leaves that
 * read to a deferred one pays this from its call's budget (sock.c).
 */
u64 zcopy_read_window(const struct zcopy_xfer *x)
{
	unsigned long pages = ZCOPY_DONTCACHE_RA;
	struct file *file = x->file;
	struct backing_dev_info *bdi;

	if (!file)
		return 0;
	if (!zcopy_file_reads_async(file)) {
		pages = ZCOPY_PUSH_MAX >> PAGE_SHIFT;
	} else if (!(x->flags & ZCOPY_F_DONTCACHE)) {
		bdi = inode_to_bdi(file->f_mapping->host);
		pages = max(READ_ONCE(file->f_ra.ra_pages),
			    READ_ONCE(bdi->io_pages));
	}
	return min_t(u64, x->range.end - x->pos,
		     (u64)max(pages, 1UL) << PAGE_SHIFT);
}

/*
 * A transfer queued behind one that waits for the disk (sock.c): start
 * the read of its first pages, from byte @pos of @file up to @end, as
 * its own first read would, so that the device has it while it serves
 * the one ahead.  Nothing if that folio is cached or on its way already.
 * With a readahead state of its own: the file's is the head's if both
 * read one file, and its windows must keep growing.
 */
void zcopy_read_behind(struct file *file, u64 pos, u64 end)
{
	struct address_space *mapping = file->f_mapping;
	pgoff_t index = pos >> PAGE_SHIFT;
	pgoff_t last = DIV_ROUND_UP_ULL(end, PAGE_SIZE);
	struct file_ra_state ra = {
		.ra_pages = READ_ONCE(file->f_ra.ra_pages),
		.prev_pos = -1,
	};
	DEFINE_READAHEAD(ractl, file, &ra, mapping, index);
	struct folio *folio;

	if (index >= last || !zcopy_file_reads_async(file) ||
	    pos >= i_size_read(mapping->host))
		return;
	folio = zcopy_get_folio(mapping, index);
	if (!IS_ERR(folio)) {
		folio_put(folio);
		return;
	}
	page_cache_sync_ra(&ractl, last - index);
}

/*
 * The folio at byte @pos is not cached, or not up to date, or carries
 * readahead's mark: have it read without waiting for it.  A missing one
 * is read ahead; one being read (locked) is waited for by an entry on
 * its wait queue, which resumes the pass when the read ends and unlocks
 * it (sock.c).  Only a deferred pass starts reads (@start): submitting
 * them costs milliseconds of CPU, which SUBMIT leaves to it; inline,
 * the caller only arms waits for reads already under way.
 *
 * Returns -EINPROGRESS when that unlock will resume the pass, -EAGAIN
 * if the folio is up to date after all (look again), 0 if the file ends
 * before @pos, or -ENODATA if another pass must go on: inline, a
 * deferred one, to start a read; deferred, one that may sleep in the
 * file's own read, if only that read can tell: the
 * file is not one read this way, readahead found no memory, or the
 * folio is neither locked nor up to date.  That last is a read that
 * failed, or a folio holding only part of its data: the file's read
 * retries it once, or reads the rest, as it would for sendfile(), and
 * says -EIO if that fails too.
 */
static int zcopy_read_folio(struct zcopy_xfer *x, struct zcopy_sock *zs,
			    u64 pos, bool start)
{
	struct address_space *mapping = x->file->f_mapping;
	pgoff_t index = pos >> PAGE_SHIFT;
	struct folio *folio;
	int ret;

	if (!zcopy_file_reads_async(x->file))
		return -ENODATA;
	if (pos >= i_size_read(mapping->host))
		return 0;
	folio = zcopy_get_folio(mapping, index);
	if (IS_ERR(folio)) {
		if (!start)
			return -ENODATA;
		zcopy_read_ahead(x, index);
		folio = zcopy_get_folio(mapping, index);
		if (IS_ERR(folio))
			return -ENODATA;
	}
	if (!folio_test_locked(folio)) {
		ret = -EAGAIN;
		if (!folio_test_uptodate(folio) ||
		    (!start && folio_test_readahead(folio)))
			ret = -ENODATA;
		folio_put(folio);
		return ret;
	}
	zcopy_send_wait_folio(zs, folio);
	/*
	 * The unlock that wakes the entry must come after it is queued: if
	 * the read ended meanwhile, ours is it.
	 */
	if (folio_trylock(folio))
		folio_unlock(folio);
	folio_put(folio);
	return -EINPROGRESS;
}

/*
 * Read @folio's successors ahead, now that the reader reached the mark
 * readahead left on it, as the file's own read would.
 */
static void zcopy_read_ahead_more(struct zcopy_xfer *x, struct folio *folio)
{
	pgoff_t end = DIV_ROUND_UP_ULL(x->range.end, PAGE_SIZE);
	DEFINE_READAHEAD(ractl, x->file, &x->file->f_ra, x->file->f_mapping,
			 folio->index);

	if (zcopy_file_reads_async(x->file) && folio_next_index(folio) < end)
		page_cache_async_ra(&ractl, folio, end - folio->index);
}

/*
 * One send straight from the page cache, of at most @limit bytes from
 * x->pos.  Returns the bytes the socket took, with *@full set if it took
 * less than it was offered, 0 at the end of the file, or, if the next
 * folio is not cached and up to date, what zcopy_read_folio() returns
 * for it: -EINPROGRESS when it is on its way, -ENODATA when only the
 * file's own read can get it, -EAGAIN when it is there after all.
 *
 * A ZCOPY_F_DONTCACHE transfer leaves the folios' LRU state alone (it
 * drops those it read) and keeps the next ZCOPY_DONTCACHE_RA pages on
 * their way while it sends.  Reads are started only if @start (deferred).
 */
static int zcopy_push_cached(struct zcopy_xfer *x, struct zcopy_sock *zs,
			     size_t limit, u64 left, bool start, bool *full)
{
	struct address_space *mapping = x->file->f_mapping;
	bool dontcache = x->flags & ZCOPY_F_DONTCACHE, poisoned = false;
	struct bio_vec bvec[ZCOPY_SEND_PAGES];
	struct folio *folio = NULL;
	struct page *page;
	u64 pos = x->pos, next;
	size_t len = 0, seg;
	unsigned int n = 0, nsend, i;
	loff_t isize;
	int ret;

	ret = zcopy_fs_refuses_reads(x->file, pos);
	if (ret)
		return ret;
	if (dontcache)
		zcopy_xfer_spare(x, pos + limit - 1);
	/*
	 * One page per bio_vec, which every sendmsg path takes, and a
	 * reference on its folio for each.
	 */
	while (n < ARRAY_SIZE(bvec) && len < limit) {
		next = pos + len;
		if (folio && next < folio_pos(folio) + folio_size(folio)) {
			folio_get(folio);
		} else {
			folio = zcopy_get_folio(mapping, next >> PAGE_SHIFT);
			if (IS_ERR(folio))
				break;
			if (!folio_test_uptodate(folio)) {
				folio_put(folio);
				break;
			}
			if (!dontcache && folio_test_readahead(folio)) {
				if (!start) {
					folio_put(folio);
					break;
				}
				zcopy_read_ahead_more(x, folio);
			}
			if (!dontcache)
				folio_mark_accessed(folio);
		}
		page = folio_page(folio, (next - folio_pos(folio)) >> PAGE_SHIFT);
		/* A poisoned page (tmpfs keeps them): -EIO, as its read says. */
		if (PageHWPoison(page)) {
			folio_put(folio);
			poisoned = true;
			break;
		}
		seg = min_t(size_t, PAGE_SIZE - offset_in_page(next),
			    limit - len);
		bvec_set_page(&bvec[n++], page, seg, offset_in_page(next));
		len += seg;
	}
	if (!n)
		return poisoned ? -EIO : zcopy_read_folio(x, zs, pos, start);
	if (dontcache) {
		zcopy_xfer_read_to(x, pos + len);
		if (start && ((pos + len) >> PAGE_SHIFT) +
			     ZCOPY_DONTCACHE_RA / 2 >= x->unread)
			zcopy_read_ahead(x, x->unread);
	}

	/* As filemap_splice_read(): the size counts once they are up to date. */
	isize = i_size_read(mapping->host);
	ret = 0;
	if (pos >= isize)
		goto out;
	nsend = n;
	if (len > isize - pos) {
		len = isize - pos;
		for (nsend = 0, seg = 0; seg < len; nsend++)
			seg += bvec[nsend].bv_len;
		bvec[nsend - 1].bv_len -= seg - len;
	}
	if (mapping_writably_mapped(mapping))
		for (i = 0; i < nsend; i++)
			flush_dcache_page(bvec[i].bv_page);
	ret = zcopy_send_pages(x, zs, bvec, nsend, len,
			       len < left || zcopy_send_more(zs, x));
	*full = ret == -EAGAIN || (ret >= 0 && ret < len);
	if (ret == -EAGAIN)
		ret = 0;
	if (ret > 0 && !dontcache)	/* as the file's own read would */
		x->file->f_ra.prev_pos = pos + ret;
out:
	for (i = 0; i < n; i++)
		folio_put(page_folio(bvec[i].bv_page));
	return ret;
}

/*
 * Whether a read that ended with @n, having moved nothing, was only cut
 * short by task work queued to this thread meanwhile (another socket's
 * pass: TIF_NOTIFY_SIGNAL, which signal_pending() reports too), while
 * this one runs in task work itself: then it is read again.  The flag
 * can be cleared here: task_work_run(), which called this pass, runs
 * what was queued before it returns, and sets nothing else by it.  A
 * real signal still ends the read, as it would end sendfile()'s.
 */
static bool zcopy_interrupted(ssize_t n)
{
	return n == -EINTR || n == -ERESTARTSYS || n == -ERESTARTNOINTR ||
	       n == -ERESTARTNOHAND || n == -ERESTART_RESTARTBLOCK;
}

static bool zcopy_read_again(ssize_t n, enum zcopy_block block)
{
	if (block != ZCOPY_BLOCK_TASK_WORK || !zcopy_interrupted(n) ||
	    task_sigpending(current) || fatal_signal_pending(current))
		return false;
	clear_notify_signal();
	return true;
}

/*
 * One splice_direct_to_actor() call through the file's own read, of at
 * most ZCOPY_PUSH_MAX bytes from x->pos.  Returns the bytes the socket
 * took, with *@full set if its send buffer filled first, 0 at the end of
 * the file, or an error.
 *
 * Files read without the page cache (O_DIRECT, DAX) are read through
 * direct I/O, which wants an aligned position and length; but a socket
 * takes any number of bytes, so a transfer resumes anywhere.  So every
 * read starts at the page before and ends at the page after, and the
 * actor drops the bytes outside the range (a page is a multiple of any
 * logical block size direct I/O asks for).  Every read, not only those
 * of files opened O_DIRECT now: fcntl() can set the flag between two.
 * For the page cache that costs a page reference, not a copy.
 */
static ssize_t zcopy_push_read(struct zcopy_xfer *x, struct zcopy_sock *zs,
			       u64 left, enum zcopy_block block, bool *full)
{
	struct zcopy_push p;
	struct splice_desc sd;
	ssize_t n;
	u64 from;

	zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_READS_BLOCKING, 1);
	zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_READ_THREADS, 1);
	do {
		p = (struct zcopy_push){ .x = x, .zs = zs };
		sd = (struct splice_desc){ .u.data = &p };
		p.limit = min_t(u64, left, ZCOPY_PUSH_MAX);
		p.skip = offset_in_page(x->pos);
		sd.total_len = PAGE_ALIGN(p.skip + p.limit);
		sd.flags = p.limit < left || zcopy_send_more(zs, x) ?
			   SPLICE_F_MORE : 0;
		from = x->pos - p.skip;
		sd.pos = from;
		zcopy_xfer_spare(x, x->pos + p.limit - 1);
		n = splice_direct_to_actor(x->file, &sd, zcopy_send_actor);
	} while (!p.read && !p.sent && zcopy_read_again(n, block));
	zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_READ_THREADS, -1);
	/* A signal to the thread ends the read: no restart for a transfer. */
	if (zcopy_interrupted(n))
		n = -EINTR;
	zcopy_xfer_read_to(x, from + p.read);
	*full = p.err == -EAGAIN;
	if (p.sent || *full)
		return p.sent;
	if (p.err)
		return p.err;
	return n < 0 ? n : 0;	/* the file's error, or its end */
}

/*
 * A ZCOPY_F_BUFFER entry: its bytes, copied at SUBMIT, go as write()'s
 * would, copied by the socket into its own buffers (the header of a
 * response is small; the file's pages that follow go by reference, into
 * the same segment when MSG_MORE lets them).  Returns as zcopy_push().
 */
static int zcopy_push_buffer(struct zcopy_xfer *x, struct zcopy_sock *zs,
			     u64 *budget)
{
	struct msghdr msg;
	struct kvec kv;
	int ret;

	while (x->pos < x->range.end) {
		if (test_bit(ZCOPY_XFER_CANCEL, &x->state))
			return -ECANCELED;
		if (budget && (!*budget || fatal_signal_pending(current)))
			return ZCOPY_SEND_DEFER;
		kv.iov_base = x->buf + x->pos;
		kv.iov_len = x->range.end - x->pos;
		msg = (struct msghdr){
			.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
		};
		if (zcopy_send_more(zs, x))
			msg.msg_flags |= ZCOPY_MSG_MORE;
		iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1, kv.iov_len);
		ret = zcopy_send_msg(zs, &msg);
		if (ret == -EAGAIN)
			return ZCOPY_SEND_PARKED;
		if (ret <= 0)
			return ret ?: -EIO;
		atomic64_add(ret, &x->ctx->bytes);
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_BYTES_USER, ret);
		WRITE_ONCE(x->pos, x->pos + ret);
		if (budget)
			*budget -= min_t(u64, *budget, ret);
		if (ret < kv.iov_len)
			return ZCOPY_SEND_PARKED;
	}
	return 0;
}

/*
 * Hand as much of @x to the socket as it takes now.  Returns 0 when the
 * transfer is over (x->pos says how far it got), ZCOPY_SEND_PARKED when
 * the send buffer is full, ZCOPY_SEND_WAIT when the next bytes are on
 * their way from the disk, ZCOPY_SEND_DEFER when, inline, the rest
 * would have to wait for the file's own read, or the error that ended
 * it.
 *
 * The file's own read decides where it ends: a file truncated under
 * the transfer, or one whose size its inode does not give (procfs,
 * character devices), ends it when the read returns nothing.  An
 * -EAGAIN from the file is an error like any other: only the socket's
 * wake-up resumes a parked transfer, and a file would never send one.
 *
 * ZCOPY_F_DONTCACHE transfers record first what is not cached
 * (dontcache.c): that is what they drop afterwards.
 */
static int zcopy_push(struct zcopy_xfer *x, struct zcopy_sock *zs,
		      u64 *budget, enum zcopy_block block)
{
	bool start = !budget, cached = false, full = false;
	unsigned int again = 0;
	ssize_t n = -ENODATA;
	u64 left;

	if (x->flags & ZCOPY_F_BUFFER)
		return zcopy_push_buffer(x, zs, budget);
	if ((x->flags & ZCOPY_F_DONTCACHE) && !x->scanned) {
		/* The walk is one look per page: a long one, deferred. */
		if (!start &&
		    x->range.end - x->range.start > ZCOPY_DONTCACHE_SCAN_INLINE)
			return ZCOPY_SEND_DEFER;
		zcopy_dontcache_find_gaps(&x->gaps, x->file, x->range.start,
					  x->range.end);
		x->unread = x->range.start >> PAGE_SHIFT;
		x->scanned = true;
	}
	while (x->pos < x->range.end) {
		if (test_bit(ZCOPY_XFER_CANCEL, &x->state))
			return -ECANCELED;
		/* Inline, the call's budget: not a byte over it. */
		if (budget && (!*budget || fatal_signal_pending(current)))
			return ZCOPY_SEND_DEFER;
		left = x->range.end - x->pos;
		if (zcopy_file_cached(x->file)) {
			n = zcopy_push_cached(x, zs,
					      min3(left, (u64)ZCOPY_PUSH_MAX,
						   budget ? *budget : left),
					      left, start, &full);
			cached |= n > 0;
			if (n == -EINPROGRESS)
				break;
			/* Read just now: once more, then the file's read. */
			if (n == -EAGAIN) {
				n = -ENODATA;
				if (!again++)
					continue;
			}
		}
		if (n == -ENODATA) {
			if (block == ZCOPY_NO_BLOCK)
				return ZCOPY_SEND_DEFER;
			n = zcopy_push_read(x, zs, left, block, &full);
		}
		if (n > 0)	/* listings read it */
			WRITE_ONCE(x->pos, x->pos + n);
		if (full)
			break;
		if (n < 0)
			return n;
		if (!n)
			return 0;	/* end of file came early */
		if (budget)
			*budget -= min_t(u64, *budget, n);
		n = -ENODATA;
		again = 0;
		cond_resched();
	}
	/* As the file's own read would (the other path does it itself). */
	if (cached)
		file_accessed(x->file);
	if (n == -EINPROGRESS)
		return ZCOPY_SEND_WAIT;
	return full ? ZCOPY_SEND_PARKED : 0;
}

/*
 * Send what of @x the socket takes now (zcopy_push()), in a pass of @zs
 * (under push_mtx): inline (@budget: the bytes it may still send), only
 * what can go without waiting and only as its own submitter; deferred
 * (@budget NULL), as its submitter, starting reads, and sleeping in the
 * file's own read as @block allows.
 */
int zcopy_send_xfer(struct zcopy_xfer *x, struct zcopy_sock *zs, u64 *budget,
		    enum zcopy_block block)
{
	struct zcopy_owner_saved saved;
	int ret;

	lockdep_assert_held(&zs->push_mtx);
	if (budget)
		return zcopy_owner_is_current(&x->owner) ?
		       zcopy_push(x, zs, budget, ZCOPY_NO_BLOCK) :
		       ZCOPY_SEND_DEFER;
	zcopy_owner_enter(&x->owner, &saved);
	ret = zcopy_push(x, zs, NULL, block);
	zcopy_owner_leave(&x->owner, &saved);
	return ret;
}
