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
 * Contexts and sockets
 * --------------------
 *
 * Each open() of /dev/zcopy is one context, as each epoll_create() is one
 * epoll instance; closing it releases everything it holds.  Sockets are
 * registered with a context before transfers can target them:
 *
 *   ioctl(zc, ZCOPY_IOC_REGISTER, &(struct zcopy_reg){ .sock_fd = s });
 *   ioctl(zc, ZCOPY_IOC_UNREGISTER, &(struct zcopy_reg){ .sock_fd = s });
 *
 * A registration is keyed, like an epoll registration, by the open file
 * and the descriptor number together.  A socket can be registered only
 * once, module-wide, whatever descriptor or context registers it: two
 * registrations would send two transfers through it at once.  (So any
 * process holding a descriptor of the socket can take it first, as it
 * could write into its stream or shut it down.)  Each user
 * (real uid) holds at most max-user-sockets registrations over all its
 * contexts (see "Limits").  flags and reserved must be zero.  Errors:
 *
 *   EBADF       sock_fd is not an open descriptor
 *   ENOTSOCK    sock_fd is not a socket
 *   EBADF       the socket is not open for writing
 *   EOPNOTSUPP  not a TCP socket (IPv4 or IPv6), or one whose protocol
 *               was replaced (kTLS, sockmap): it takes no page references
 *   EEXIST      already registered with this descriptor (REGISTER)
 *   EBUSY       the socket is registered already, through another
 *               descriptor or context (REGISTER)
 *   ENOSPC      the user holds max-user-sockets registrations (REGISTER)
 *   ENOENT      not registered (UNREGISTER)
 *   EINVAL      unknown flags or non-zero reserved fields
 *   EFAULT      the argument is not readable
 *
 * Reading completions
 * -------------------
 *
 * read() on the context returns whole struct zcopy_cqe records, as many as
 * fit in the buffer and are ready, never part of one: a buffer smaller
 * than one record gives EINVAL.  With none ready it blocks (interruptibly)
 * or, with O_NONBLOCK, fails with EAGAIN.  poll()/epoll report EPOLLIN
 * while completions are ready, level- and edge-triggered.
 *
 * Submitting transfers
 * --------------------
 *
 * A transfer sends bytes [offset, offset + len) of a file to a registered
 * socket.  Transfers are submitted in batches:
 *
 *   struct zcopy_sqe sqe = { .file_fd = f, .sock_fd = s, .offset = 0,
 *                            .len = 0, .user_data = 42 };
 *   n = ioctl(zc, ZCOPY_IOC_SUBMIT,
 *             &(struct zcopy_submit){ .sqes = (__u64)&sqe, .nr = 1 });
 *
 * SUBMIT checks each entry, queues it and returns without waiting for
 * the disk or the network: the result is the number of entries accepted,
 * in order.  It stops at the first entry that is refused, or that would
 * go over the context's limits: if that is the first entry, SUBMIT fails
 * with its errno, otherwise it returns the count so far and resubmitting
 * from the refused entry reports the reason.  Two threads submitting to
 * one socket at once may have their batches' transfers interleaved,
 * each transfer's bytes still contiguous; one batch's entries keep
 * their order.
 *
 * len == 0 means "to the end of the file" as it is at submission, and a
 * range is clipped to that size: bytes appended later are not sent.
 * The size is the file's, or a block device's own; sources whose size
 * reads as 0 (procfs, sysfs, character devices such as /dev/zero, and
 * an empty file) have none to clip to: give a len, and the transfer
 * sends until the source's read reports end of file, as sendfile would.
 * Offsets and lengths need no alignment.  The completion's res is short
 * when the file ends early, as when it is truncated while the transfer
 * runs.  Transfers to one
 * socket go out strictly in submission order, never interleaved; those
 * to different sockets progress independently.
 *
 * Flags (struct zcopy_sqe.flags):
 *
 *   ZCOPY_F_RELEASE    complete only when the network stack has released
 *                      the file's pages, not when the last byte was
 *                      handed to the socket; the file may then be
 *                      modified or truncated without changing what was
 *                      sent.  The completion says whether the stack had
 *                      to copy the data after all (ZCOPY_CQE_F_COPIED).
 *   ZCOPY_F_DONTCACHE  drop from the page cache, once released, the pages
 *                      of the range that were not cached before the
 *                      transfer; pages that were cached stay, and so do
 *                      pages another reader read or mapped before the
 *                      transfer read them.
 *
 * Errors of SUBMIT (for the first refused entry):
 *
 *   EBADF       file_fd or sock_fd is not an open descriptor, or the
 *               file is not open for reading
 *   ESPIPE      the file cannot be read at an offset (pipe, socket)
 *   EINVAL      the file cannot be spliced from (e.g. a directory),
 *               offset + len is above LLONG_MAX (MAX_LFS_FILESIZE) or
 *               overflows, unknown flags, non-zero reserved fields, or
 *               submission flags set
 *   ENOENT      sock_fd is not registered with this context
 *   EAGAIN      the context is at its limit of transfers or bytes in
 *               flight; retry after reading completions
 *   ENOBUFS     the range does not fit in what is left of the user's
 *               RLIMIT_MEMLOCK (see "Limits"); retry after completions
 *               of its other transfers are read and released.  A range
 *               of 16 TiB or more never fits.
 *   EOPNOTSUPP  a flag this kernel cannot honour (see "Probing")
 *   EFAULT      the batch or an entry is not readable
 *   EACCES,EPERM  a security module refused the read or the write
 *
 * Probing
 * -------
 *
 *   struct zcopy_probe p;
 *   ioctl(zc, ZCOPY_IOC_PROBE, &p);
 *
 * fills p with what this module, on the kernel it was built for, offers:
 * sqe_flags the ZCOPY_F_* flags SUBMIT accepts (a flag that the running
 * kernel cannot honour is missing here and refused by SUBMIT with
 * EOPNOTSUPP), features the ZCOPY_FEAT_* below.  Reserved fields read as
 * zero; bits may be added, never taken away on the same kernel.
 *
 *   ZCOPY_FEAT_ASYNC_READ   a transfer that meets pages not yet in the
 *                           page cache waits for their read with no
 *                           thread asleep (on filesystems served by the
 *                           generic page cache); without it, such reads
 *                           block a worker of the context
 *   ZCOPY_FEAT_SPLICE_PAGES transfers without ZCOPY_F_RELEASE hand pages
 *                           to the socket as sendfile does, with no
 *                           completion tracking per skb
 *
 * Cancelling
 * ----------
 *
 *   ioctl(zc, ZCOPY_IOC_CANCEL, &(struct zcopy_cancel){ .user_data = 42 });
 *
 * cancels every transfer with that user_data that is not yet fully
 * handed to its socket and returns how many.  The count is exact: each
 * transfer counted completes with -ECANCELED, even if its last byte went
 * out while CANCEL ran, and a transfer is counted by one CANCEL only (a
 * second CANCEL does not count it again).  A transfer cancelled part-way
 * has sent a prefix of its range, of a length not reported.  ENOENT: no
 * such transfer is pending (or all were counted already).  Unregistering a socket
 * cancels its pending transfers; closing the context cancels everything.
 * A registration holds a reference to the socket, so close(sock_fd)
 * alone does not end the connection while the socket is registered.
 *
 * Limits
 * ------
 *
 * A transfer counts against its context from submission until its
 * completion has been read and the network stack has released its pages.
 * A context holds at most ZCOPY_DEFAULT_MAX_INFLIGHT transfers and takes
 * new ones only while the bytes of those it holds are below
 * ZCOPY_DEFAULT_MAX_PINNED (so one transfer of any size is accepted by an
 * idle context).
 *
 * TCP does not charge page references to the socket's memory, so for
 * that same time a transfer's range (plus two pages) is charged to the
 * submitting user's locked memory, as MSG_ZEROCOPY charges its pages:
 * against RLIMIT_MEMLOCK, unless the caller has CAP_IPC_LOCK.  A
 * transfer that does not fit is refused with ENOBUFS; one larger than
 * the whole limit never fits, so an unprivileged user sends a large
 * file as several transfers, each within its limit.
 *
 * Each user holds at most max-user-sockets registrations, over all of
 * its contexts, like epoll's max_user_watches; the default allows them
 * about 4% of memory, a page each.  REGISTER past it gets ENOSPC.
 *
 * max-inflight, max-pinned and max-user-sockets can be changed at run
 * time (ZCOPY_CMD_CONFIG_SET, below); a change applies to the next
 * submission or registration.
 *
 * Completion records
 * ------------------
 *
 * Every finished transfer produces one struct zcopy_cqe on its context's
 * ready list, in the order the transfers finished:
 *
 *   user_data  the caller's cookie from the submission, returned as is
 *   res        bytes sent (>= 0), or a negative errno: -ECANCELED,
 *              -EPIPE or -ECONNRESET when the connection failed, -EIO
 *              when the file could not be read, -EAGAIN when its read
 *              would block (a non-blocking source with nothing to
 *              give), -EOPNOTSUPP when kTLS or sockmap took the socket
 *              over after registration, ...
 *   flags      ZCOPY_CQE_F_COPIED, on ZCOPY_F_RELEASE completions only:
 *              the data was copied after all (local delivery over
 *              loopback or veth copies zero-copy pages on receive; a
 *              route whose device cannot gather copies on send).  Other
 *              completions come before that can be known and carry 0.
 *   reserved   zero
 *
 * Generic netlink
 * ---------------
 *
 * The module registers the generic netlink family "zcopy"
 * (ZCOPY_FAMILY_NAME, version ZCOPY_FAMILY_VERSION), available in every
 * network namespace; a lookup of the family loads the module.  It is
 * described in the YNL spec Documentation/netlink/specs/zcopy.yaml, and
 * tools/zcctl is its command-line client.  Every request is validated
 * strictly: unknown attributes, wrong types or sizes and out-of-range
 * values are refused with EINVAL (ERANGE for ranges) and an extended-ack
 * message naming the attribute.  Commands:
 *
 *   ZCOPY_CMD_STATS_GET (do; no attributes)
 *     reply: ZCOPY_A_STATS_*, all u64: the module-wide counters
 *       CONTEXTS, SOCKETS, TRANSFERS   open contexts, registered sockets,
 *                                      live transfers (gauges)
 *       SUBMITTED, COMPLETED, FAILED, CANCELLED   transfers, since load
 *       BYTES_ZEROCOPY                 bytes handed to sockets by page
 *                                      reference
 *       BYTES_COPIED                   bytes the stack copied after all
 *       PAGES                          page references held by the stack
 *                                      (for transfers told of the release)
 *       BYTES_INLINE                   of BYTES_ZEROCOPY, bytes handed
 *                                      within SUBMIT itself
 *       WORKER_PASSES                  passes a worker made over a
 *                                      socket's queue (each a thread hop)
 *       READS_ASYNC                    disk reads a transfer waited for
 *                                      with no thread asleep
 *       READS_BLOCKING                 reads through the file's own read,
 *                                      which may sleep, in a worker
 *       DISK_WAITING                   transfers waiting for the disk now,
 *                                      no thread asleep (gauge)
 *       READ_THREADS                   threads inside a transfer's
 *                                      blocking read now (gauge)
 *
 *   ZCOPY_CMD_CONFIG_GET (do; no attributes)
 *     reply: ZCOPY_A_CONFIG_MAX_INFLIGHT (u32), ZCOPY_A_CONFIG_MAX_PINNED
 *     (u64), ZCOPY_A_CONFIG_MAX_USER_SOCKETS (u32): the limits (see
 *     "Limits").
 *
 *   ZCOPY_CMD_CONFIG_SET (do; CAP_NET_ADMIN)
 *     request: MAX_INFLIGHT in [ZCOPY_MAX_INFLIGHT_MIN,
 *     ZCOPY_MAX_INFLIGHT_MAX], MAX_PINNED in [ZCOPY_MAX_PINNED_MIN,
 *     ZCOPY_MAX_PINNED_MAX], MAX_USER_SOCKETS in
 *     [ZCOPY_MAX_USER_SOCKETS_MIN, ZCOPY_MAX_USER_SOCKETS_MAX], at least
 *     one of them.  Applies to the next
 *     submission of every context; transfers already accepted keep
 *     going.  Announced to the "events" group as ZCOPY_CMD_CONFIG_NTF,
 *     carrying the whole new configuration.  Errors: EPERM without
 *     CAP_NET_ADMIN, EINVAL with no attribute.
 *
 *   ZCOPY_CMD_CONTEXT_GET (dump; no attributes)
 *     one message per context of the caller's network namespace (the
 *     namespace of the process that opened it): every one for a caller
 *     with CAP_NET_ADMIN over that namespace, otherwise only those opened
 *     under the caller's real uid.  ZCOPY_A_CONTEXT_*:
 *       ID (u32)      stable while the context exists, not soon reused
 *       PID (u32)     the opener's process id, in the caller's pid
 *                     namespace (0 if it is not visible there)
 *       COMM (string) the opener's command name
 *       SOCKETS, INFLIGHT (u32)   registered sockets, transfers held
 *       PINNED (u64)  bytes of those transfers
 *       SUBMITTED, COMPLETED, FAILED, BYTES (u64)   transfers and bytes
 *                     handed to sockets, over the context's life; FAILED
 *                     counts every completion with an error, cancelled
 *                     ones included (the module-wide counters split
 *                     them)
 *       CLOSED (flag) the file is closed; the context lives on until
 *                     the stack releases its last transfer's pages
 *
 *   ZCOPY_CMD_TRANSFER_GET (dump; optional ZCOPY_A_TRANSFER_CONTEXT_ID)
 *     one message per live transfer (those counted by INFLIGHT), of every
 *     context the caller may list (as for CONTEXT_GET) or of the one
 *     given (ENOENT if the caller may not list it),
 *     ZCOPY_A_TRANSFER_*:
 *       CONTEXT_ID (u32), ID (u64)   ID counts up from 1 per context
 *       USER_DATA (u64), FLAGS (u32) as submitted
 *       SOCK_FD (s32)                the socket, as registered
 *       FILE_INO (u64), FILE_DEV (u32)   the file, as stat(2) shows them
 *       OFFSET, LENGTH (u64)         the range, len == 0 resolved
 *       DONE (u64)                   bytes handed to the socket so far
 *       STATE (u32)                  enum zcopy_transfer_state
 *
 *   ZCOPY_CMD_TRANSFER_FAILED (event, group "events")
 *     a transfer ended with an error other than -ECANCELED: the
 *     ZCOPY_A_TRANSFER_* attributes above, plus ERROR (s32, -errno).
 *     Sent in the namespace of the transfer's context.
 *
 *   ZCOPY_CMD_CONFIG_NTF (event, group "events"): see CONFIG_SET.
 *
 *   Joining the "events" group needs CAP_NET_ADMIN: its events show
 *   every user's transfers.
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/types.h>

#define ZCOPY_DEVICE_NAME	"zcopy"
#define ZCOPY_DEVICE_MODE	0666

struct zcopy_reg {
	__s32 sock_fd;
	__u32 flags;
	__u64 reserved[2];
};

#define ZCOPY_IOC_MAGIC		0xBA
#define ZCOPY_IOC_REGISTER	_IOW(ZCOPY_IOC_MAGIC, 1, struct zcopy_reg)
#define ZCOPY_IOC_UNREGISTER	_IOW(ZCOPY_IOC_MAGIC, 2, struct zcopy_reg)

/* struct zcopy_sqe.flags */
#define ZCOPY_F_RELEASE		(1U << 0)
#define ZCOPY_F_DONTCACHE	(1U << 1)
#define ZCOPY_F_ALL		(ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE)

struct zcopy_sqe {
	__s32 file_fd;
	__s32 sock_fd;
	__u64 offset;
	__u64 len;		/* 0: to the end of the file */
	__u64 user_data;
	__u32 flags;		/* ZCOPY_F_* */
	__u32 reserved0;
	__u64 reserved[2];
};

struct zcopy_submit {
	__u64 sqes;		/* pointer to nr struct zcopy_sqe */
	__u32 nr;
	__u32 flags;		/* none defined: 0 */
	__u64 reserved;
};

struct zcopy_cancel {
	__u64 user_data;
	__u32 flags;		/* none defined: 0 */
	__u32 reserved;
};

#define ZCOPY_IOC_SUBMIT	_IOW(ZCOPY_IOC_MAGIC, 3, struct zcopy_submit)
#define ZCOPY_IOC_CANCEL	_IOW(ZCOPY_IOC_MAGIC, 4, struct zcopy_cancel)

/* struct zcopy_probe.features */
#define ZCOPY_FEAT_ASYNC_READ		(1U << 0)
#define ZCOPY_FEAT_SPLICE_PAGES		(1U << 1)

struct zcopy_probe {
	__u32 sqe_flags;	/* ZCOPY_F_* accepted by SUBMIT */
	__u32 features;		/* ZCOPY_FEAT_* */
	__u32 reserved[6];	/* zero */
};

#define ZCOPY_IOC_PROBE		_IOR(ZCOPY_IOC_MAGIC, 5, struct zcopy_probe)

/* Per-context limits (see "Limits" above). */
#define ZCOPY_DEFAULT_MAX_INFLIGHT	4096
#define ZCOPY_DEFAULT_MAX_PINNED	(256ULL << 20)

/* struct zcopy_cqe.flags */
#define ZCOPY_CQE_F_COPIED	(1U << 0)

struct zcopy_cqe {
	__u64 user_data;
	__s64 res;
	__u32 flags;
	__u32 reserved;
};

/*
 * Generic netlink (see "Generic netlink" above): the family's names,
 * attributes and commands, generated from its YNL spec
 * (Documentation/netlink/specs/zcopy.yaml; make regen).
 */
#include <linux/zcopy_netlink.h>

#endif /* _UAPI_LINUX_ZCOPY_H */
