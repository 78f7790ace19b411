/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZCOPY_VERSION_H
#define ZCOPY_VERSION_H

#define ZCOPY_VERSION "0.1.0"

#endif
