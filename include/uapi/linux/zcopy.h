/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcopy: asynchronous zero-copy file-to-socket transfers.
 *
 * Loading the module creates the misc character device /dev/zcopy.  Each
 * open() of it is one context, as each epoll_create() is one epoll
 * instance.  Sockets are registered with a context (ZCOPY_IOC_REGISTER).
 * ZCOPY_IOC_SUBMIT queues a batch of transfers, each a range of a file to
 * a registered socket, and returns without waiting for the disk or the
 * network.  Every transfer (every ZCOPY_F_GROUP response: one) then
 * produces one struct zcopy_cqe, which read() returns and poll()
 * reports, or which the application reaps from a ring it shares with
 * the context (ZCOPY_IOC_SETUP_RINGS).  The generic netlink family
 * "zcopy" shows the counters, contexts and transfers, and sets the
 * limits.
 *
 * This header gives the definitions.  Documentation/zcopy.rst is the
 * reference for what they do: "The model" (contexts, registration,
 * ordering, limits), "The interface" (Registering, Submitting and the
 * flags, Probing, Cancelling, Reading completions, Rings, Errors),
 * "Inspecting and configuring: netlink and zcctl" (commands, Attributes,
 * validation) and "Counters".
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/types.h>

/* The device, /dev/zcopy: anyone may open it ("The model"). */
#define ZCOPY_DEVICE_NAME	"zcopy"
#define ZCOPY_DEVICE_MODE	0666

/* The argument of ZCOPY_IOC_REGISTER and ZCOPY_IOC_UNREGISTER. */
struct zcopy_reg {
	__s32 sock_fd;		/* a TCP socket, open for writing */
	__u32 flags;		/* none defined: 0 */
	__u64 reserved[2];	/* zero */
};

/*
 * REGISTER makes a socket a target of the context's transfers; a socket
 * is registered once, module-wide.  UNREGISTER cancels its pending
 * transfers.  See "Registering" and "Errors".
 */
#define ZCOPY_IOC_MAGIC		0xBA
#define ZCOPY_IOC_REGISTER	_IOW(ZCOPY_IOC_MAGIC, 1, struct zcopy_reg)
#define ZCOPY_IOC_UNREGISTER	_IOW(ZCOPY_IOC_MAGIC, 2, struct zcopy_reg)

/*
 * struct zcopy_sqe.flags ("Submitting")
 *
 * ZCOPY_F_RELEASE	complete when the network stack has released the
 *			file's pages, not when the last byte was handed over
 * ZCOPY_F_DONTCACHE	once released, drop the range's pages that were not
 *			in the page cache before the transfer
 * ZCOPY_F_INDEPENDENT	go out even if a transfer queued before it on the
 *			socket ended early ("Failures" in "The model")
 * ZCOPY_F_BUFFER	send len bytes of the caller's memory at addr, copied
 *			at SUBMIT, instead of a file range: file_fd is -1
 *			("User bytes")
 * ZCOPY_F_LINK		the next entry of the batch continues this one's
 *			response on the same socket: the entries join the
 *			socket's queue together, and share segments
 *			("Responses")
 * ZCOPY_F_GROUP	on every entry of a response: it completes once,
 *			with its last entry's user_data and the bytes of
 *			all its entries ("Responses")
 * ZCOPY_F_ALL		every flag above; ZCOPY_IOC_PROBE says which ones
 *			the running kernel honours
 */
#define ZCOPY_F_RELEASE		(1U << 0)
#define ZCOPY_F_DONTCACHE	(1U << 1)
#define ZCOPY_F_INDEPENDENT	(1U << 2)
#define ZCOPY_F_BUFFER		(1U << 3)
#define ZCOPY_F_LINK		(1U << 4)
#define ZCOPY_F_GROUP		(1U << 5)
#define ZCOPY_F_ALL		(ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE | \
				 ZCOPY_F_INDEPENDENT | ZCOPY_F_BUFFER | \
				 ZCOPY_F_LINK | ZCOPY_F_GROUP)

/* The most bytes one ZCOPY_F_BUFFER entry carries. */
#define ZCOPY_BUFFER_MAX	65536

/*
 * One submission entry: a transfer of bytes [offset, offset + len) of a
 * file to a registered socket ("Submitting"), or, with ZCOPY_F_BUFFER,
 * of len bytes at addr in the caller's memory ("User bytes").
 */
struct zcopy_sqe {
	__s32 file_fd;		/* the file, open for reading; -1: a buffer */
	__s32 sock_fd;		/* registered with this context */
	union {
		__u64 offset;	/* in the file; no alignment needed */
		__u64 addr;	/* ZCOPY_F_BUFFER: the bytes' address */
	};
	__u64 len;		/* 0: to the end of the file */
	__u64 user_data;	/* the caller's cookie, returned in the cqe */
	__u32 flags;		/* ZCOPY_F_* */
	__u32 reserved0;	/* zero */
	__u64 reserved[2];	/* zero */
};

/*
 * struct zcopy_submit.flags
 *
 * ZCOPY_SUBMIT_F_RING	take the entries from the context's submission
 *			ring, at most nr of them, rather than from sqes,
 *			which is 0 ("Rings")
 */
#define ZCOPY_SUBMIT_F_RING	(1U << 0)

/* The argument of ZCOPY_IOC_SUBMIT: a batch of entries. */
struct zcopy_submit {
	__u64 sqes;		/* pointer to nr struct zcopy_sqe */
	__u32 nr;		/* entries in the batch */
	__u32 flags;		/* ZCOPY_SUBMIT_F_* */
	__u64 reserved;		/* zero */
};

/* The argument of ZCOPY_IOC_CANCEL. */
struct zcopy_cancel {
	__u64 user_data;	/* cancel the transfers submitted with it */
	__u32 flags;		/* none defined: 0 */
	__u32 reserved;		/* zero */
};

/*
 * SUBMIT queues a batch and returns how many entries it accepted, from
 * the first ("Submitting").  CANCEL cancels the pending transfers with a
 * user_data and returns how many; each completes with -ECANCELED
 * ("Cancelling").
 */
#define ZCOPY_IOC_SUBMIT	_IOW(ZCOPY_IOC_MAGIC, 3, struct zcopy_submit)
#define ZCOPY_IOC_CANCEL	_IOW(ZCOPY_IOC_MAGIC, 4, struct zcopy_cancel)

/*
 * struct zcopy_probe.features ("Probing")
 *
 * ZCOPY_FEAT_ASYNC_READ	pages not yet in the page cache are read with
 *				no thread asleep
 * ZCOPY_FEAT_SPLICE_PAGES	transfers without ZCOPY_F_RELEASE hand pages
 *				to the socket as sendfile(2) does (not in
 *				copy mode)
 * ZCOPY_FEAT_LEND		ZCOPY_IOC_LEND: reads that may block run in
 *				threads the application lends
 * ZCOPY_FEAT_RINGS		ZCOPY_IOC_SETUP_RINGS: shared-memory rings
 * ZCOPY_FEAT_COPY_MODE		the administrator set copy mode: transfers
 *				submitted now copy file data into the
 *				socket's pages, handing it no page-cache page
 */
#define ZCOPY_FEAT_ASYNC_READ		(1U << 0)
#define ZCOPY_FEAT_SPLICE_PAGES		(1U << 1)
#define ZCOPY_FEAT_LEND			(1U << 2)
#define ZCOPY_FEAT_RINGS		(1U << 3)
#define ZCOPY_FEAT_COPY_MODE		(1U << 4)

/* What the module offers on the running kernel ("Probing"). */
struct zcopy_probe {
	__u32 sqe_flags;	/* ZCOPY_F_* accepted by SUBMIT */
	__u32 features;		/* ZCOPY_FEAT_* */
	__u32 reserved[6];	/* zero */
};

/* Fill a struct zcopy_probe: the flags SUBMIT accepts, the features. */
#define ZCOPY_IOC_PROBE		_IOR(ZCOPY_IOC_MAGIC, 5, struct zcopy_probe)

/*
 * LEND (argument 0) lends the calling thread to the context: the call
 * runs the context's reads that may block (FUSE, network filesystems,
 * procfs, character devices, O_DIRECT) and returns only when a signal
 * handler interrupts it (-1, EINTR; SA_RESTART restarts it), or 0 once
 * the context's threads are taken back:
 * by LEND with ZCOPY_LEND_STOP, from then on, or by the close() of the
 * context's last descriptor.  See "Threads" in "The model".
 */
#define ZCOPY_LEND_STOP		(1U << 0)
#define ZCOPY_IOC_LEND		_IO(ZCOPY_IOC_MAGIC, 6)

/*
 * Shared-memory rings ("Rings"): ZCOPY_IOC_SETUP_RINGS gives a context a
 * submission queue (SQ) of struct zcopy_sqe and a completion queue (CQ)
 * of struct zcopy_cqe, in one region that mmap() maps at offset 0,
 * MAP_SHARED.  Each ring is an array of a power of two entries with two
 * free-running __u32 indices: the producer writes entries at tail & mask
 * and then stores tail with release semantics; the consumer loads tail
 * with acquire semantics, reads the entries from head, and then stores
 * head with release semantics.  The application produces the SQ and
 * consumes the CQ; ZCOPY_IOC_SUBMIT with ZCOPY_SUBMIT_F_RING is the
 * doorbell.  Offsets are from the start of the region.
 */
struct zcopy_ring_offsets {
	__u32 head;		/* consumer's index */
	__u32 tail;		/* producer's index */
	__u32 mask;		/* entries - 1 */
	__u32 entries;		/* a power of two */
	__u32 flags;		/* CQ: ZCOPY_CQ_F_*; SQ: unused, 0 */
	__u32 overflow;		/* CQ: completions that waited for room; */
				/* SQ: unused, 0 */
	__u32 array;		/* the entries */
	__u32 reserved;
};

/*
 * ZCOPY_CQ_F_OVERFLOW	completions are waiting for room in the CQ: they
 *			are moved in, in order, as it frees, by the next
 *			completion, SUBMIT (nr 0 is enough), read() or poll()
 */
#define ZCOPY_CQ_F_OVERFLOW	(1U << 0)
/*
 * ZCOPY_CQ_F_DEFERRED	a SUBMIT's inline budget ran out with bytes that
 *			could go at once still queued: they go within the
 *			budget of the next SUBMIT (nr 0 is enough) or read()
 */
#define ZCOPY_CQ_F_DEFERRED	(1U << 1)

/* The most entries a ring may have. */
#define ZCOPY_RING_MAX_SQ	4096
#define ZCOPY_RING_MAX_CQ	16384

/* The argument of ZCOPY_IOC_SETUP_RINGS. */
struct zcopy_rings {
	__u32 sq_entries;	/* in: 1 to ZCOPY_RING_MAX_SQ; out: a power of 2 */
	__u32 cq_entries;	/* in: 0 (twice sq_entries), or sq_entries to */
				/* ZCOPY_RING_MAX_CQ; out: a power of 2 */
	__u32 flags;		/* none defined: 0 */
	__u32 size;		/* out: the bytes to mmap() */
	struct zcopy_ring_offsets sq;	/* out */
	struct zcopy_ring_offsets cq;	/* out */
	__u64 reserved[2];	/* zero */
};

/* Once per context; from then on completions go to the CQ ("Rings"). */
#define ZCOPY_IOC_SETUP_RINGS	_IOWR(ZCOPY_IOC_MAGIC, 7, struct zcopy_rings)

/*
 * The defaults of the per-context limits: transfers held, and the bytes
 * below which a context takes more ("Limits" in "The model"); and the
 * bytes one call sends inline, and how long what it leaves waits for
 * the next call ("The inline budget").
 */
#define ZCOPY_DEFAULT_MAX_INFLIGHT	4096
#define ZCOPY_DEFAULT_MAX_PINNED	(256ULL << 20)
#define ZCOPY_DEFAULT_SUBMIT_BUDGET	(2ULL << 20)
#define ZCOPY_DEFAULT_DEFERRED_TIMEOUT_MS	100

/*
 * struct zcopy_cqe.flags ("Reading completions")
 *
 * ZCOPY_CQE_F_COPIED	the stack copied the data after all (always on a
 *			kTLS socket: the cipher did); only on the
 *			completions of ZCOPY_F_RELEASE transfers, and of
 *			groups with one
 */
#define ZCOPY_CQE_F_COPIED	(1U << 0)

/*
 * A completion record; read() returns whole ones ("Reading completions").
 * res counts the bytes handed to the socket, or is a negative errno if
 * the transfer failed before the first (a file that ends too soon is
 * not a failure: res counts, even 0).  A transfer that handed its
 * whole range has error 0; one that ended early says why in error, and
 * then the transfers queued behind it on its socket complete -ECANCELED
 * ("Failures" in "The model").
 */
struct zcopy_cqe {
	__u64 user_data;	/* the submission's, as is */
	__s64 res;		/* bytes handed over, or a negative errno */
	__u32 flags;		/* ZCOPY_CQE_F_* */
	__s32 error;		/* 0, or a negative errno: why it ended early */
};

/*
 * The generic netlink family: its names, attributes (ZCOPY_A_*) and
 * commands (ZCOPY_CMD_*), generated from its YNL spec
 * (Documentation/netlink/specs/zcopy.yaml; make regen).  What each one
 * means: "Inspecting and configuring: netlink and zcctl", "Attributes"
 * and "Counters".
 */
#include <linux/zcopy_netlink.h>

#endif /* _UAPI_LINUX_ZCOPY_H */
