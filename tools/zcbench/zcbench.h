/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcbench: the same file sent to a discarding receiver by every
 * file-to-socket method, with the cost of each measured side by side.
 */
#ifndef ZCBENCH_H
#define ZCBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZCB_MAX_CONNS	1024
#define ZCB_PORT	5201

/*
 * Counted by each method's sender, for "system calls per GiB", where
 * the kernel cannot count them (sys.c, zcb_syscall_counter()): a
 * library call in SYS() is taken for one system call.
 */
extern unsigned long zcb_syscalls;
#define SYS(call) (zcb_syscalls++, (call))

/* --frame: an HTTP/2 frame header's size (RFC 9113 4.1), the most data. */
#define ZCB_FRAME_HDR	9
#define ZCB_FRAME_MAX	(65536 - ZCB_FRAME_HDR)	/* read+write's buffer */

/* The bytes on the wire for one file of @size, framed or not. */
static inline size_t zcb_wire_size(size_t size, size_t hdr, size_t frame)
{
	return frame ? size + ZCB_FRAME_HDR * ((size + frame - 1) / frame) :
		       size + hdr;
}

struct conn {
	int fd;
	off_t off;		/* next byte of the current file to send */
	size_t left;		/* bytes of the current file still to hand over */
	size_t hdr_left;	/* --header: bytes of its header still to send */
				/* (--frame: of its current frame's header) */
	size_t frame_left;	/* --frame: data bytes of the current frame */
	int corked;		/* sendfile+cork: TCP_CORK set for this file */
	long started;		/* files begun on this connection */
	long acked;		/* files the receiver has confirmed */
	int finished;		/* begins no more files */
	double *began;		/* when each file of the window began (ring) */
	/* method state */
	void *map;		/* mmap methods: the current file, mapped */
	int pipe[2];		/* splice, io_uring */
	size_t in_pipe;
	size_t buf_len, buf_pos;/* read+write: bytes read, bytes written */
	char *buf;
	uint32_t zc_sent;	/* MSG_ZEROCOPY: sends, notifications seen */
	uint32_t zc_done;
	int errq;		/* MSG_ZEROCOPY: EPOLLERR seen, reap notifications */
	int busy;		/* io_uring: a splice in flight */
	int ack_armed;		/* io_uring: a receive for acks in flight */
};

/*
 * One stream of files over every connection.  Each connection keeps at
 * most depth files unacknowledged; the receiver acknowledges every batch
 * files with one byte.  A connection stops, at a batch boundary and
 * after its first batch, once max_files (if set) are begun on it, or
 * the stream has begun budget bytes, or has run max_secs.
 */
struct run {
	const struct method *m;
	int file;		/* the file, open for reading */
	size_t size;
	size_t hdr;		/* a header of this many bytes before each file */
	size_t frame;		/* or: frames of this many bytes, each after */
				/* a ZCB_FRAME_HDR-byte header; 0: none */
	int nconns;
	int depth, batch;
	long max_files;		/* per connection; 0: no limit */
	unsigned long long budget;
	double max_secs;
	double t0;		/* when the stream began */
	unsigned long long begun;	/* bytes of the files begun */
	double *lat;		/* per-file latencies, seconds */
	size_t nlat, lat_cap;
	struct conn conns[ZCB_MAX_CONNS];
	void *priv;		/* method-private: ring, zcopy context */
	int ep;			/* epoll set of the connections, or -1 */
};

/* Moves what one socket takes now; <0 on error (engine.c). */
typedef int (*pump_fn)(struct run *r, struct conn *c);

/*
 * A method either pumps in the shared epoll loop (pump, with each file
 * mapped while it is being sent if maps_file) or runs its own stream.
 */
struct method {
	const char *name;
	uint32_t epoll_events;	/* 0: the method does its own waiting */
	int blocking;		/* wants blocking sockets */
	int maps_file;
	int headers;		/* sends a header before each file (--header) */
	int no_tls;		/* cannot send on a kTLS socket (--tls) */
	int frames;		/* sends each file as frames (--frame) */
	int named_only;		/* not in the default list: -m must name it */
	int (*setup)(struct run *r);
	pump_fn pump;
	/* Send files on every connection until each is done (stream.c). */
	int (*stream)(struct run *r);
	void (*teardown)(struct run *r);
};

extern const struct method zcb_read_write, zcb_mmap_write, zcb_sendfile,
	zcb_sendfile_cork, zcb_splice, zcb_msg_zerocopy, zcb_uring_splice,
	zcb_zcopy, zcb_zcopy_release, zcb_zcopy_read, zcb_zcopy_copy;

/* The bytes of every header (--header), at most ZCB_HEADER_MAX. */
#define ZCB_HEADER_MAX	4096
extern const char zcb_header[ZCB_HEADER_MAX];
extern const struct method *const zcb_methods[];
const struct method *zcb_method(const char *name);
int zcb_pipes_open(struct run *r);
void zcb_pipes_close(struct run *r);

/* stream.c: the window, the batches and the budget of every method */
int zcb_stream_init(struct run *r);
void zcb_stream_free(struct run *r);
int zcb_file_begin(struct run *r, struct conn *c);
void zcb_frame_next(struct run *r, struct conn *c);
int zcb_read_ack(struct run *r, struct conn *c);
void zcb_acked(struct run *r, struct conn *c, long bytes);
int zcb_conn_done(const struct conn *c);

/* engine.c: the epoll loop of the methods that pump */
int zcb_epoll_setup(struct run *r, uint32_t events);
int zcb_stream(struct run *r);

/* recv.c: the discarding receiver, a child process */
pid_t zcb_receiver_start(const char *netns, int port, size_t size, int batch,
			 int nconns);
int zcb_receiver_wait(pid_t pid);

/* net.c */
int zcb_enter_netns(const char *name);
int zcb_connect(const char *addr, int port, int blocking);
/* --tls: the TLS version kTLS uses on every connection, or 0 (net.c). */
extern int zcb_tls_version;
int zcb_tls_set(int fd, int dir);
int zcb_listen(int port, int backlog);

/* sys.c: what the measurements read */
struct cpu_sample {
	unsigned long long busy, total;	/* jiffies, all CPUs */
};
int zcb_cpu_sample(struct cpu_sample *s);
double zcb_now(void);
int zcb_write_file(const char *path, const char *s);
int zcb_drop_caches(void);
int zcb_warm(int fd, size_t size);
int zcb_zcopy_counters(uint64_t *zerocopy, uint64_t *copied);
long zcb_ticks_per_sec(void);
int zcb_syscall_counter(void);
long long zcb_syscall_count(int fd);

/* dstate.c: peaks of threads in uninterruptible sleep over a window */
struct zcb_dstate {
	int peak_d;		/* threads in D state, any reason */
	int peak_read;		/* of them, waiting on a file read */
	int peak_own_read;	/* of those, the watched process's or the kernel's */
	int peak_iowait;	/* the kernel's count of tasks in I/O wait */
	long samples;		/* passes over every task */
	long probes;		/* reads of the I/O wait count */
	double secs;		/* the window */
	double busy_s;		/* CPU time spent sampling */
	char who[256];		/* "comm:wchan" of the threads at the peak */
};
int zcb_dstate_start(unsigned int interval_us, int watched);
void zcb_dstate_begin(void);
void zcb_dstate_end(struct zcb_dstate *d);
void zcb_dstate_stop(void);

/* stats.c */
double zcb_median(double *v, int n);
double zcb_percentile(double *v, size_t n, double p);
double zcb_spread(double *v, int n);	/* (max - min) / 2 / median */

#endif
