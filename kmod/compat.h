/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the kernels zcopy builds for differ.
 *
 * The build probes the target kernel's headers (Kbuild, compat-probe.sh)
 * and defines ZCOPY_HAVE_* for what it finds; nothing here tests a
 * version number.  The rest of the module is written for the newest
 * kernel and calls the helpers below where an older one needs another
 * way.
 */
#ifndef _ZCOPY_COMPAT_H
#define _ZCOPY_COMPAT_H

#include <linux/zcopy.h>

/* What ZCOPY_IOC_PROBE reports, and SUBMIT accepts. */
#define ZCOPY_F_SUPPORTED	ZCOPY_F_ALL
#define ZCOPY_FEATURES		(ZCOPY_FEAT_ASYNC_READ | ZCOPY_FEAT_SPLICE_PAGES)

#endif /* _ZCOPY_COMPAT_H */
