// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/zcopy character device: one context per open().
 *
 * The device is world-accessible (mode 0666): opening it grants nothing by
 * itself, because every transfer is checked against the file and socket
 * descriptors the caller already holds.  An open context holds a module
 * reference (fops.owner, and its own while transfers outlive it: see
 * ctx.c), so the module cannot be unloaded under it.
 */

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include <linux/zcopy.h>

#include "compat.h"
#include "ctx.h"
#include "dev.h"
#include "limits.h"
#include "ring.h"

static int zcopy_open(struct inode *inode, struct file *file)
{
	struct zcopy_ctx *ctx = zcopy_ctx_create();

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

/*
 * Every close() of a descriptor.  The last one takes back the threads
 * lent to the context: a thread sitting in ZCOPY_IOC_LEND keeps the
 * file open (through its descriptor table, or, in a process whose table
 * is shared, through the reference the call took), so otherwise the
 * file would never be released.  A close() that another holder
 * outlives (a thread in another call) cannot tell it is the last:
 * ZCOPY_LEND_STOP before it, as libzcopy does, is exact.
 */
static int zcopy_flush(struct file *file, fl_owner_t id)
{
	struct zcopy_ctx *ctx = file->private_data;
	struct zcopy_ring *ring = zcopy_events_ring(&ctx->ev);
	long others = zcopy_lent_file_refs(&ctx->lent);

	/*
	 * Mappings of the rings hold the file too, but no descriptor.  (An
	 * mmap() or munmap() under way can make the count one short for a
	 * moment: ZCOPY_LEND_STOP stays exact.)
	 */
	if (ring)
		others += zcopy_ring_mappings(ring);
	if (file_count(file) <= 1 + others)
		zcopy_lent_stop(&ctx->lent);
	return 0;
}

/*
 * ZCOPY_IOC_LEND.  The call took a reference to the file for itself
 * only if the caller's descriptor table is shared (fdget()); else it
 * borrows the table's, which the lent thread's process keeps.
 */
static long zcopy_lend(struct zcopy_ctx *ctx, unsigned long arg)
{
	if (arg & ~(unsigned long)ZCOPY_LEND_STOP)
		return -EINVAL;
	if (arg & ZCOPY_LEND_STOP) {
		zcopy_lent_stop(&ctx->lent);
		return 0;
	}
	return zcopy_lent_serve(&ctx->lent,
				atomic_read(&current->files->count) > 1);
}

static int zcopy_release(struct inode *inode, struct file *file)
{
	zcopy_ctx_close(file->private_data);
	return 0;
}

/*
 * Nothing to read yet: EAGAIN, or sleep until there may be.  Sends that
 * wait for a call's budget make the wait end at once (the fd reads as
 * ready): the caller goes round, and each round goes on with them.
 */
static int zcopy_read_wait(struct file *file, struct zcopy_ctx *ctx)
{
	if (file->f_flags & O_NONBLOCK)
		return -EAGAIN;
	return wait_event_interruptible(ctx->ev.wq,
					zcopy_events_ready(&ctx->ev));
}

/* A read() first goes on with sends that wait for a call's budget. */
static void zcopy_read_run_deferred(struct zcopy_ctx *ctx)
{
	u64 budget = zcopy_ctx_budget();

	if (!zcopy_events_has_deferred(&ctx->ev))
		return;
	zcopy_ctx_call_begin(ctx);
	zcopy_ctx_run_deferred(ctx, &budget);
	zcopy_ctx_call_end(ctx);
}

/*
 * read() of a context with rings: what the CQ holds, reaped as the
 * application would reap it; see "Rings" in Documentation/zcopy.rst.
 */
static ssize_t zcopy_read_ring(struct file *file, struct zcopy_ring *ring,
			       char __user *buf, size_t max)
{
	struct zcopy_ctx *ctx = file->private_data;
	ssize_t n;
	int ret;

	for (;;) {
		if (signal_pending(current))
			return -ERESTARTSYS;
		zcopy_read_run_deferred(ctx);
		zcopy_events_flush(&ctx->ev);
		n = zcopy_ring_cq_read(ring, buf, max);
		if (n)
			break;
		/* The records went to another reader as this one read them. */
		if (zcopy_ring_cq_pending(ring)) {
			cond_resched();
			continue;
		}
		ret = zcopy_read_wait(file, ctx);
		if (ret)
			return ret;
	}
	if (n < 0)
		return n;
	/* The slots read make room for what waited. */
	zcopy_events_flush(&ctx->ev);
	return n * sizeof(struct zcopy_cqe);
}

/* Whole records only; see "Reading completions" in Documentation/zcopy.rst. */
static ssize_t zcopy_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct zcopy_ctx *ctx = file->private_data;
	const size_t size = sizeof(struct zcopy_cqe);
	size_t max = min_t(size_t, count / size, INT_MAX);
	struct zcopy_event *e, *tmp;
	struct zcopy_ring *ring;
	unsigned int done = 0;
	LIST_HEAD(taken);
	int ret;

	if (!max)
		return -EINVAL;
	/* Rings may be set up while this waits: then they are read. */
	for (;;) {
		ring = zcopy_events_ring(&ctx->ev);
		if (ring)
			return zcopy_read_ring(file, ring, buf, max);
		zcopy_read_run_deferred(ctx);
		if (zcopy_events_take(&ctx->ev, &taken, max))
			break;
		/* Deferred sends end the wait at once: not a signal. */
		if (signal_pending(current))
			return -ERESTARTSYS;
		ret = zcopy_read_wait(file, ctx);
		if (ret)
			return ret;
	}
	list_for_each_entry_safe(e, tmp, &taken, link) {
		if (copy_to_user(buf + done * size, &e->cqe, size))
			break;
		list_del(&e->link);
		e->release(e);
		done++;
	}
	zcopy_events_putback(&ctx->ev, &taken);
	return done ? done * size : -EFAULT;
}

static __poll_t zcopy_poll(struct file *file, poll_table *pt)
{
	struct zcopy_ctx *ctx = file->private_data;

	poll_wait(file, &ctx->ev.wq, pt);
	zcopy_events_flush(&ctx->ev);
	return zcopy_events_ready(&ctx->ev) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* The rings' region; see "Rings" in Documentation/zcopy.rst. */
static int zcopy_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zcopy_ctx *ctx = file->private_data;
	struct zcopy_ring *ring = zcopy_events_ring(&ctx->ev);

	return ring ? zcopy_ring_mmap(ring, vma) : -EINVAL;
}

/*
 * ZCOPY_IOC_SETUP_RINGS: what the context gets is written back before
 * it is made, so that a context never has rings its caller was not
 * told about.
 */
static int zcopy_setup_rings(struct zcopy_ctx *ctx, void __user *arg)
{
	struct zcopy_rings p;
	int ret;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	ret = zcopy_ring_params(&p);
	if (ret)
		return ret;
	if (copy_to_user(arg, &p, sizeof(p)))
		return -EFAULT;
	return zcopy_ctx_setup_rings(ctx, &p);
}

static int zcopy_get_reg(void __user *arg, struct zcopy_reg *reg)
{
	if (copy_from_user(reg, arg, sizeof(*reg)))
		return -EFAULT;
	if (reg->flags || reg->reserved[0] || reg->reserved[1])
		return -EINVAL;
	return 0;
}

/*
 * What this build offers on this kernel; see "Probing" in
 * Documentation/zcopy.rst.
 */
static int zcopy_probe(void __user *arg)
{
	struct zcopy_probe probe = {
		.sqe_flags	= ZCOPY_F_SUPPORTED,
		.features	= ZCOPY_FEATURES,
	};

	/* Copy mode hands no page to the socket, as sendfile() would. */
	if (READ_ONCE(zcopy_limits.copy_mode)) {
		probe.features |= ZCOPY_FEAT_COPY_MODE;
		probe.features &= ~ZCOPY_FEAT_SPLICE_PAGES;
	}

	return copy_to_user(arg, &probe, sizeof(probe)) ? -EFAULT : 0;
}

static long zcopy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zcopy_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct zcopy_cancel cancel;
	struct zcopy_submit submit;
	struct zcopy_reg reg;
	int ret;

	switch (cmd) {
	case ZCOPY_IOC_SUBMIT:
		if (copy_from_user(&submit, uarg, sizeof(submit)))
			return -EFAULT;
		if (submit.flags & ~ZCOPY_SUBMIT_F_RING || submit.reserved)
			return -EINVAL;
		return zcopy_ctx_submit(ctx, &submit);
	case ZCOPY_IOC_CANCEL:
		if (copy_from_user(&cancel, uarg, sizeof(cancel)))
			return -EFAULT;
		if (cancel.flags || cancel.reserved)
			return -EINVAL;
		return zcopy_ctx_cancel(ctx, cancel.user_data);
	case ZCOPY_IOC_PROBE:
		return zcopy_probe(uarg);
	case ZCOPY_IOC_LEND:
		return zcopy_lend(ctx, arg);
	case ZCOPY_IOC_SETUP_RINGS:
		return zcopy_setup_rings(ctx, uarg);
	case ZCOPY_IOC_REGISTER:
	case ZCOPY_IOC_UNREGISTER:
		ret = zcopy_get_reg(uarg, &reg);
		if (ret)
			return ret;
		if (cmd == ZCOPY_IOC_REGISTER)
			return zcopy_ctx_register(ctx, reg.sock_fd);
		return zcopy_ctx_unregister(ctx, reg.sock_fd);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations zcopy_fops = {
	.owner		= THIS_MODULE,
	.open		= zcopy_open,
	.flush		= zcopy_flush,
	.release	= zcopy_release,
	.read		= zcopy_read,
	.poll		= zcopy_poll,
	.mmap		= zcopy_mmap,
	.unlocked_ioctl	= zcopy_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
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
