/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit: tools/scripts/regen.sh writes it from */
/*	Documentation/netlink/specs/zcopy.yaml */

#ifndef ZCCTL_GENERATED_STATS_H
#define ZCCTL_GENERATED_STATS_H

/* STAT(attribute, key) for each counter of stats-get, in the spec's order. */
#define ZCOPY_STATS(STAT) \
	STAT(ZCOPY_A_STATS_CONTEXTS, "contexts") \
	STAT(ZCOPY_A_STATS_SOCKETS, "sockets") \
	STAT(ZCOPY_A_STATS_TRANSFERS, "transfers") \
	STAT(ZCOPY_A_STATS_SUBMITTED, "submitted") \
	STAT(ZCOPY_A_STATS_COMPLETED, "completed") \
	STAT(ZCOPY_A_STATS_FAILED, "failed") \
	STAT(ZCOPY_A_STATS_CANCELLED, "cancelled") \
	STAT(ZCOPY_A_STATS_BYTES_ZEROCOPY, "bytes_zerocopy") \
	STAT(ZCOPY_A_STATS_BYTES_COPIED, "bytes_copied") \
	STAT(ZCOPY_A_STATS_PAGES, "pages") \
	STAT(ZCOPY_A_STATS_BYTES_INLINE, "bytes_inline") \
	STAT(ZCOPY_A_STATS_WORKER_PASSES, "worker_passes") \
	STAT(ZCOPY_A_STATS_READS_ASYNC, "reads_async") \
	STAT(ZCOPY_A_STATS_READS_BLOCKING, "reads_blocking") \
	STAT(ZCOPY_A_STATS_DISK_WAITING, "disk_waiting") \
	STAT(ZCOPY_A_STATS_READ_THREADS, "read_threads") \
	STAT(ZCOPY_A_STATS_BYTES_USER, "bytes_user")

#endif
