/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcopy: asynchronous zero-copy file-to-socket transfers.
 *
 * The character device
 * --------------------
 *
 * Loading the module creates the misc character device /dev/zcopy
 * (ZCOPY_DEVICE_NAME) with mode 0666 (ZCOPY_DEVICE_MODE).  Anyone may open
 * it: the device grants no privilege by itself, every operation is checked
 * against the file and socket descriptors the caller already holds, just
 * as sendfile(2) checks them.  Unloading the module removes the device.
 *
 * Completion records
 * ------------------
 *
 * Every finished transfer produces one struct zcopy_cqe on its context's
 * ready list, in the order the transfers finished:
 *
 *   user_data  the caller's cookie from the submission, returned as is
 *   res        bytes sent (>= 0), or a negative errno
 *   flags      ZCOPY_CQE_F_* bits
 *   reserved   zero
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/types.h>

#define ZCOPY_DEVICE_NAME	"zcopy"
#define ZCOPY_DEVICE_MODE	0666

struct zcopy_cqe {
	__u64 user_data;
	__s64 res;
	__u32 flags;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_ZCOPY_H */
