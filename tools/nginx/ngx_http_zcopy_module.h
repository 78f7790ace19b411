/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ngx_http_zcopy_module: nginx's responses sent through /dev/zcopy.
 *
 * The module takes over a connection's send_chain.  A chain that holds
 * a file range goes to the device as one response (its memory buffers as
 * ZCOPY_F_BUFFER entries, its file ranges as transfers, all linked into
 * one ZCOPY_F_GROUP); the request is then blocked (r->aio, as for
 * sendfile in threads) until the completion, which the worker reaps from
 * the context's descriptor in its event loop.  Everything else goes
 * through nginx's own send_chain.
 */

#ifndef _NGX_HTTP_ZCOPY_MODULE_H_INCLUDED_
#define _NGX_HTTP_ZCOPY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <zcopy.h>


typedef struct {
    ngx_flag_t             enable;
    ngx_flag_t             release;
    off_t                  dontcache;
} ngx_http_zcopy_loc_conf_t;


/*
 * A connection that zcopy sends on.  Allocated from the heap, not from
 * the connection's pool: a transfer's completion names it, and one still
 * in flight when the pool goes (which nginx's request blocking should
 * prevent) must not find it freed.
 */
typedef struct {
    ngx_connection_t      *connection;
    ngx_send_chain_pt      send_chain;   /* nginx's own */
    ngx_socket_t           fd;           /* registered duplicate, or -1 */

    ngx_http_request_t    *request;      /* main request with zcopy on */
    ngx_http_request_t    *writer;       /* the one blocked on the transfer */

    ngx_event_t            tick;         /* progress watch while in flight */
    ngx_queue_t            queue;        /* in the worker's waiting list */
    uint64_t               acked;

    off_t                  expected;     /* the bytes submitted */
    ngx_msec_t             wait_start;   /* when it began to wait for room */
    off_t                  sent;         /* the finished transfer's bytes */
    ngx_err_t              err;          /* and its error */

    unsigned               busy:1;       /* a transfer in flight */
    unsigned               done:1;       /* finished, not yet accounted */
    unsigned               failed:1;     /* the stream was cut */
    unsigned               orphan:1;     /* connection gone while busy */
    unsigned               detached:1;   /* request gone while busy */
    unsigned               acked_known:1;
    unsigned               waiting:1;    /* for room in the context */
    unsigned               woken:1;      /* its turn, from the list */
} ngx_http_zcopy_conn_t;


/* Reasons for a notice the worker logs once, not once per request. */
#define NGX_HTTP_ZCOPY_NOTE_NO_KTLS     0x01
#define NGX_HTTP_ZCOPY_NOTE_REGISTER    0x02
#define NGX_HTTP_ZCOPY_NOTE_SUBMIT      0x04
#define NGX_HTTP_ZCOPY_NOTE_V2          0x08
#define NGX_HTTP_ZCOPY_NOTE_DUP         0x10
#define NGX_HTTP_ZCOPY_NOTE_MEMLOCK     0x20
#define NGX_HTTP_ZCOPY_NOTE_ROOM        0x40


extern ngx_module_t    ngx_http_zcopy_module;
extern struct zcopy   *ngx_http_zcopy_context;


ngx_http_zcopy_conn_t *ngx_http_zcopy_conn(ngx_connection_t *c);
void ngx_http_zcopy_note(ngx_log_t *log, ngx_uint_t reason, ngx_err_t err,
    const char *text);

ngx_chain_t *ngx_http_zcopy_send_chain(ngx_connection_t *c, ngx_chain_t *in,
    off_t limit);
void ngx_http_zcopy_complete(ngx_http_zcopy_conn_t *zc,
    const struct zcopy_cqe *cqe);
void ngx_http_zcopy_detach(ngx_http_zcopy_conn_t *zc);
void ngx_http_zcopy_wait(ngx_http_zcopy_conn_t *zc, ngx_uint_t first);
void ngx_http_zcopy_stop_waiting(ngx_http_zcopy_conn_t *zc);
void ngx_http_zcopy_wake(ngx_uint_t n);
void ngx_http_zcopy_tick_handler(ngx_event_t *ev);

int ngx_http_zcopy_bytes_acked(int fd, uint64_t *acked);


#endif /* _NGX_HTTP_ZCOPY_MODULE_H_INCLUDED_ */
