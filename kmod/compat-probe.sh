#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compat-probe.sh SRCTREE: print -DZCOPY_HAVE_* for what the kernel
# headers under SRCTREE declare (see compat.h).  Kbuild runs it once per
# build.  It reads the headers, never a version number: a distribution
# kernel with a backport gets the newer way.

inc=$1/include

# probe NAME FILE PATTERN: define ZCOPY_HAVE_NAME if FILE matches PATTERN.
probe() {
	grep -Eq -- "$3" "$inc/$2" 2>/dev/null && printf ' -DZCOPY_HAVE_%s' "$1"
}

probe UBUF_INFO_OPS		linux/skbuff.h		'^struct ubuf_info_ops \{'
probe SPLICE_PAGES		linux/skbuff.h		'skb_splice_from_iter\('
probe SPLICE_EOF		linux/net.h		'\(\*splice_eof\)'
probe FILEMAP_SPLICE_READ	linux/fs.h		'filemap_splice_read\('
probe GENL_SPLIT_OPS		net/genetlink.h		'^struct genl_split_ops \{'
probe CONST_NLA_RANGE		net/netlink.h		'const struct netlink_range_validation \*range;'
probe GENL_INFO_DUMP		net/genetlink.h		'genl_info_dump\('
probe LIST_COUNT_NODES		linux/list.h		'list_count_nodes\('
probe LINUX_UNALIGNED		linux/unaligned.h	'get_unaligned_be64'
probe VM_FLAGS_SET		linux/mm.h		'static inline void vm_flags_set\('
echo
