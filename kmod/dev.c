// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/zcopy character device.
 *
 * The device is world-accessible (mode 0666): opening it grants nothing by
 * itself, because every transfer is checked against the file and socket
 * descriptors the caller already holds.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/zcopy.h>

#include "dev.h"

static const struct file_operations zcopy_fops = {
	.owner		= THIS_MODULE,
	.llseek		= noop_llseek,
};

static struct miscdevice zcopy_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= ZCOPY_DEVICE_NAME,
	.fops		= &zcopy_fops,
	.mode		= ZCOPY_DEVICE_MODE,
};

int zcopy_dev_init(void)
{
	return misc_register(&zcopy_misc);
}

void zcopy_dev_exit(void)
{
	misc_deregister(&zcopy_misc);
}
