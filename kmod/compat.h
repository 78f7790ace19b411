/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the kernels zcopy builds for differ.
 *
 * Kbuild runs compat-probe.sh over the target kernel's headers and
 * defines ZCOPY_HAVE_* for what it finds; nothing here tests a version
 * number, so a distribution kernel with a backport takes the newer way.
 * The rest of the module is written for the newest kernel: where an
 * older one lacks a name, this header supplies it, and where it lacks a
 * way of doing something, a zcopy_*() helper hides the other way.
 */
#ifndef _ZCOPY_COMPAT_H
#define _ZCOPY_COMPAT_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/pagemap.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include <linux/zcopy.h>

/* get_unaligned_be64() and its kin: <linux/unaligned.h> since 6.12. */
#ifdef ZCOPY_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * The completion callback of a ubuf_info: in an ops table since 6.10,
 * a member of its own before.  Same arguments either way.
 */
typedef void (*zcopy_ubuf_complete_t)(struct sk_buff *skb,
				      struct ubuf_info *uarg, bool success);

#ifdef ZCOPY_HAVE_UBUF_INFO_OPS
#define ZCOPY_DEFINE_UBUF_OPS(name, complete_fn)			\
	static const struct ubuf_info_ops name = {			\
		.complete = complete_fn,				\
	}
#define zcopy_ubuf_set_ops(uarg, table)	((uarg)->ops = &(table))
#else
#define ZCOPY_DEFINE_UBUF_OPS(name, complete_fn)			\
	static const zcopy_ubuf_complete_t name = complete_fn
#define zcopy_ubuf_set_ops(uarg, table)	((uarg)->callback = (table))
#endif

/*
 * Sending pages by reference without a ubuf_info: sendmsg() with
 * MSG_SPLICE_PAGES since 6.5, the socket's sendpage() before.  The flag
 * is ours until zcopy_sendmsg() hands the message over.
 */
#ifdef ZCOPY_HAVE_SPLICE_PAGES
static inline int zcopy_sendmsg(struct socket *sock, struct msghdr *msg)
{
	return sock_sendmsg(sock, msg);
}
#else
#ifndef MSG_SPLICE_PAGES
#define MSG_SPLICE_PAGES	0x8000000
#endif
int zcopy_sendpages(struct socket *sock, struct msghdr *msg);

static inline int zcopy_sendmsg(struct socket *sock, struct msghdr *msg)
{
	if (msg->msg_flags & MSG_SPLICE_PAGES)
		return zcopy_sendpages(sock, msg);
	return sock_sendmsg(sock, msg);
}
#endif

/*
 * Pushing out a tail held back with MSG_MORE: proto_ops.splice_eof,
 * and the protocol's, since 6.5 (and in Debian's 6.1).  Without them a
 * held tail would wait for the peer's ACKs, so no send says MSG_MORE.
 */
#ifdef ZCOPY_HAVE_SPLICE_EOF
#define ZCOPY_MSG_MORE		MSG_MORE

static inline void zcopy_splice_eof(struct socket *sock)
{
	if (sock->ops->splice_eof)
		sock->ops->splice_eof(sock);
}

static inline void zcopy_proto_splice_eof(struct proto *prot,
					  struct socket *sock)
{
	if (prot->splice_eof)
		prot->splice_eof(sock);
}
#else
#define ZCOPY_MSG_MORE		0

static inline void zcopy_splice_eof(struct socket *sock)
{
}

static inline void zcopy_proto_splice_eof(struct proto *prot,
					  struct socket *sock)
{
}
#endif

/*
 * Whether @file is spliced by the generic page-cache read, which takes
 * cached, up-to-date folios as they are: filemap_splice_read() since
 * 6.5.  Before, generic_file_splice_read() spliced every file through
 * its read_iter, network filesystems' and FUSE's included, so only the
 * generic read_iter means the same.
 */
static inline bool zcopy_generic_splice_read(const struct file *file)
{
#ifdef ZCOPY_HAVE_FILEMAP_SPLICE_READ
	return file->f_op->splice_read == filemap_splice_read;
#else
	return file->f_op->splice_read == generic_file_splice_read &&
	       file->f_op->read_iter == generic_file_read_iter;
#endif
}

/* A folio not in the cache: ERR_PTR(-ENOENT) since 6.3, NULL before. */
static inline struct folio *zcopy_get_folio(struct address_space *mapping,
					    pgoff_t index)
{
	struct folio *folio = filemap_get_folio(mapping, index);

	return folio ?: ERR_PTR(-ENOENT);
}

/*
 * Generic netlink, for the generated family (generated/genl.c): split
 * do/dump ops since 6.2 (one struct genl_ops per command before, with
 * the same fields; the GENL_CMD_CAP_* in .flags only repeat what the
 * core sees for itself), and a dump's parsed request in a struct
 * genl_info since 6.7.
 */
#ifndef ZCOPY_HAVE_GENL_SPLIT_OPS
#define genl_split_ops		genl_ops
#define split_ops		ops
#define n_split_ops		n_ops
#endif

/*
 * A policy's range of values is const since 6.2; before, the pointer
 * was not, though the core only ever read through it.
 */
#ifndef ZCOPY_HAVE_CONST_NLA_RANGE
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {				\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),			\
	.validation_type = NLA_VALIDATE_RANGE_PTR,			\
	.range = (struct netlink_range_validation *)(_range),		\
}
#endif

static inline struct nlattr **zcopy_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef ZCOPY_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#ifndef ZCOPY_HAVE_LIST_COUNT_NODES
static inline size_t list_count_nodes(struct list_head *head)
{
	struct list_head *pos;
	size_t n = 0;

	list_for_each(pos, head)
		n++;
	return n;
}
#endif

/*
 * A vma's flags are set through vm_flags_set() since 6.3, which takes
 * the locks the later kernels want; they were a plain field before.
 * The caller holds the mmap lock for writing (an mmap() handler).
 */
static inline void zcopy_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef ZCOPY_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

#endif /* _ZCOPY_COMPAT_H */
