/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZCOPY_DEV_H
#define ZCOPY_DEV_H

int zcopy_dev_init(void);
void zcopy_dev_exit(void);

#endif
