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
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#define ZCOPY_DEVICE_NAME	"zcopy"
#define ZCOPY_DEVICE_MODE	0666

#endif /* _UAPI_LINUX_ZCOPY_H */
