/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ngx_http_zcopy_module: a connection's send_chain through the device.
 *
 * nginx's write filter calls send_chain with the response's chain and a
 * limit (sendfile_max_chunk, limit_rate).  The first call submits as much
 * of it as the limit allows, one response, and returns the chain
 * untouched: the request is blocked, as nginx blocks one whose sendfile
 * runs in a thread.  The completion unblocks it and calls its write
 * handler, whose call here then accounts the bytes the transfer sent.
 */

#include "ngx_http_zcopy_module.h"


/* Entries of one response; a longer chain goes in several. */
#define NGX_HTTP_ZCOPY_ENTRIES  64

/*
 * How often connections waiting for room in the context try again when
 * no completion wakes them: room also comes back silently, as the stack
 * lets go of pages of transfers whose completions were read.
 */
#define NGX_HTTP_ZCOPY_RETRY    20


typedef struct {
    int        fd;              /* -1: the bytes at addr */
    u_char    *addr;
    off_t      offset;
    size_t     len;
    uint32_t   flags;
} ngx_http_zcopy_entry_t;


extern uint32_t  ngx_http_zcopy_sqe_flags;


static ngx_int_t ngx_http_zcopy_prepare(ngx_http_zcopy_conn_t *zc,
    ngx_chain_t *in, off_t limit, off_t *total);
static uint32_t ngx_http_zcopy_file_flags(ngx_http_zcopy_conn_t *zc,
    ngx_buf_t *b);
static ngx_chain_t *ngx_http_zcopy_account(ngx_http_zcopy_conn_t *zc,
    ngx_chain_t *in);
static void ngx_http_zcopy_start(ngx_http_zcopy_conn_t *zc);
static void ngx_http_zcopy_retry_handler(ngx_event_t *ev);
static ngx_uint_t ngx_http_zcopy_waited_too_long(ngx_http_zcopy_conn_t *zc);


/* Connections whose response found the context full (EAGAIN). */
static ngx_queue_t   ngx_http_zcopy_waiting = {
    &ngx_http_zcopy_waiting, &ngx_http_zcopy_waiting
};
static ngx_event_t   ngx_http_zcopy_retry = {
    .handler = ngx_http_zcopy_retry_handler,
    .cancelable = 1,
};


ngx_chain_t *
ngx_http_zcopy_send_chain(ngx_connection_t *c, ngx_chain_t *in, off_t limit)
{
    int                     rc;
    off_t                   zlimit, total;
    ngx_int_t               n;
    ngx_uint_t              woken;
    ngx_http_zcopy_conn_t  *zc;

    zc = ngx_http_zcopy_conn(c);
    if (zc == NULL) {
        return NGX_CHAIN_ERROR;
    }

    if (zc->busy || zc->waiting) {
        /*
         * No write event to post until the completion or the wake-up: an
         * SSI parent's writer would otherwise come back here at once,
         * again and again.
         */
        c->write->ready = 0;
        return in;
    }

    if (zc->done) {
        return ngx_http_zcopy_account(zc, in);
    }

    if (zc->failed) {
        return NGX_CHAIN_ERROR;
    }

    if (zc->request == NULL || ngx_http_zcopy_context == NULL) {
        return zc->send_chain(c, in, limit);
    }

#if (NGX_SSL)
    /* bytes nginx holds for the TLS layer go first, its own way */
    if (c->buffered & NGX_SSL_BUFFERED) {
        return zc->send_chain(c, in, limit);
    }
#endif

    /*
     * sendfile_max_chunk bounds how long one sendfile() holds the worker;
     * a submission never holds it, so only limit_rate's limit is kept.
     * Split, a large file would also lose drop-behind: each part's pages
     * would have been read ahead by the part before it.
     */
    zlimit = ((ngx_http_request_t *) c->data)->main->limit_rate ? limit : 0;

    n = ngx_http_zcopy_prepare(zc, in, zlimit, &total);

    if (n == NGX_DECLINED) {
        return zc->send_chain(c, in, limit);
    }

    if (n == NGX_ERROR) {
        return NGX_CHAIN_ERROR;
    }

    rc = zcopy_submit(ngx_http_zcopy_context);

    /* a turn from the waiting list is spent by this try, whatever it gives */
    woken = zc->woken;
    zc->woken = 0;

    if (rc != n) {
        /* one response: accepted whole or not at all */
        zcopy_discard(ngx_http_zcopy_context,
                      zcopy_queued(ngx_http_zcopy_context));

        if (rc > 0) {
            /* its completion will come: it only clears the state */
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "zcopy: %d of %i entries of a response accepted",
                          rc, n);
            zc->busy = 1;
            zc->detached = 1;
            zc->failed = 1;
            return NGX_CHAIN_ERROR;
        }

        /*
         * The context is full: wait for room, up to send_timeout, rather
         * than send with nginx's sendfile(), which would block the worker
         * on a cold file's reads.
         */
        if (rc == -EAGAIN && !ngx_http_zcopy_waited_too_long(zc)) {
            /* woken and still no room: it keeps its place */
            ngx_http_zcopy_wait(zc, woken);
            return in;
        }

        /* the user's locked memory, a wait too long: nginx sends this part */
        if (rc == -EAGAIN) {
            ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_ROOM, 0,
                                "a response waited send_timeout for room in "
                                "the context");

        } else if (rc == -ENOBUFS) {
            ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_MEMLOCK, -rc,
                                "a release or drop-behind response does not "
                                "fit in the user's RLIMIT_MEMLOCK");

        } else {
            ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_SUBMIT, -rc,
                                "the module refused a response");
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, -rc,
                       "zcopy submit: %d, sent by nginx", rc);

        return zc->send_chain(c, in, limit);
    }

    zc->wait_start = 0;
    zc->expected = total;
    ngx_http_zcopy_start(zc);

    return in;
}


/*
 * Queue the entries for the start of the chain, up to limit bytes: a
 * response only if there is a file range in it (memory alone, a header
 * or a gzipped body, costs less through nginx's writev()).
 */
static ngx_int_t
ngx_http_zcopy_prepare(ngx_http_zcopy_conn_t *zc, ngx_chain_t *in,
    off_t limit, off_t *sum)
{
    int                      rc;
    off_t                    total, size;
    size_t                   chunk;
    u_char                  *p;
    uint32_t                 flags;
    ngx_buf_t               *b;
    ngx_uint_t               i, n, file;
    ngx_chain_t             *cl;
    ngx_http_zcopy_entry_t   e[NGX_HTTP_ZCOPY_ENTRIES];

    if (limit == 0 || limit > (off_t) (NGX_MAX_SIZE_T_VALUE - ngx_pagesize)) {
        limit = NGX_MAX_SIZE_T_VALUE - ngx_pagesize;
    }

    n = 0;
    file = 0;
    total = 0;

    for (cl = in; cl && total < limit && n < NGX_HTTP_ZCOPY_ENTRIES;
         cl = cl->next)
    {
        b = cl->buf;

        if (ngx_buf_special(b)) {
            continue;
        }

        if (b->in_file) {
            size = ngx_min(b->file_last - b->file_pos, limit - total);

            if (size == 0) {
                continue;
            }

            e[n].fd = b->file->fd;
            e[n].addr = NULL;
            e[n].offset = b->file_pos;
            e[n].len = size;
            e[n].flags = ngx_http_zcopy_file_flags(zc, b);
            n++;

            total += size;
            file = 1;
            continue;
        }

        if (!ngx_buf_in_memory(b)) {
            return NGX_DECLINED;
        }

        p = b->pos;
        size = ngx_min(b->last - b->pos, limit - total);

        while (size > 0 && n < NGX_HTTP_ZCOPY_ENTRIES) {
            chunk = ngx_min(size, ZCOPY_BUFFER_MAX);

            e[n].fd = -1;
            e[n].addr = p;
            e[n].offset = 0;
            e[n].len = chunk;
            e[n].flags = 0;
            n++;

            p += chunk;
            size -= chunk;
            total += chunk;
        }
    }

    if (!file) {
        return NGX_DECLINED;
    }

    *sum = total;

    for (i = 0; i < n; i++) {
        flags = e[i].flags | ZCOPY_F_GROUP;

        if (i + 1 < n) {
            flags |= ZCOPY_F_LINK;
        }

        if (e[i].fd == -1) {
            rc = zcopy_prep_buffer(ngx_http_zcopy_context, zc->fd, e[i].addr,
                                   e[i].len, flags, (uintptr_t) zc);
        } else {
            rc = zcopy_prep(ngx_http_zcopy_context, e[i].fd, zc->fd,
                            e[i].offset, e[i].len, flags, (uintptr_t) zc);
        }

        if (rc < 0) {
            ngx_log_error(NGX_LOG_ALERT, zc->connection->log, -rc,
                          "zcopy: preparing a response failed");
            zcopy_discard(ngx_http_zcopy_context,
                          zcopy_queued(ngx_http_zcopy_context));
            return NGX_DECLINED;
        }
    }

    return n;
}


/*
 * Release completions where configured, and always on kernel TLS: there
 * a hand-off completion means the bytes reached the record layer, not
 * TCP, and nginx's shutdown(SHUT_WR) after the response (lingering close)
 * could overtake records still waiting for room.
 */
static uint32_t
ngx_http_zcopy_file_flags(ngx_http_zcopy_conn_t *zc, ngx_buf_t *b)
{
    uint32_t                    flags;
    ngx_file_t                 *file;
    ngx_http_zcopy_loc_conf_t  *zlcf;

    zlcf = ngx_http_get_module_loc_conf(zc->request, ngx_http_zcopy_module);

    flags = 0;

    if (zlcf->release) {
        flags |= ZCOPY_F_RELEASE;
    }

#if (NGX_SSL)
    if (zc->connection->ssl) {
        flags |= ZCOPY_F_RELEASE;
    }
#endif

    if (zlcf->dontcache != NGX_MAX_OFF_T_VALUE) {
        file = b->file;

        if (!file->valid_info) {
            if (ngx_fd_info(file->fd, &file->info) == NGX_FILE_ERROR) {
                ngx_log_error(NGX_LOG_CRIT, zc->connection->log, ngx_errno,
                              ngx_fd_info_n " \"%s\" failed", file->name.data);
                return flags & ngx_http_zcopy_sqe_flags;
            }

            file->valid_info = 1;
        }

        if (ngx_file_size(&file->info) >= zlcf->dontcache) {
            flags |= ZCOPY_F_DONTCACHE;
        }
    }

    return flags & ngx_http_zcopy_sqe_flags;
}


/*
 * The request waits for the completion as for sendfile in a thread, and
 * send_timeout still applies: the write event's timer is nginx's own,
 * and a look at what the peer acknowledged, every third of it, pushes it
 * back while the transfer moves, since a transfer that fills the socket
 * may see no write event until it ends.
 */
static void
ngx_http_zcopy_start(ngx_http_zcopy_conn_t *zc)
{
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_core_loc_conf_t  *clcf;

    c = zc->connection;
    r = c->data;

    zc->busy = 1;
    zc->writer = r;

    r->main->blocked++;
    r->aio = 1;
    c->write->ready = 0;

    clcf = ngx_http_get_module_loc_conf(zc->request, ngx_http_core_module);

    /* the first look takes the baseline: no system call per response */
    zc->acked_known = 0;

    if (!c->write->delayed) {
        ngx_add_timer(c->write, clcf->send_timeout);
    }

    ngx_add_timer(&zc->tick, clcf->send_timeout / 3 + 1);
}


void
ngx_http_zcopy_tick_handler(ngx_event_t *ev)
{
    uint64_t                   acked;
    ngx_connection_t          *c;
    ngx_http_zcopy_conn_t     *zc;
    ngx_http_core_loc_conf_t  *clcf;

    zc = ev->data;
    c = zc->connection;

    if (!zc->busy || zc->request == NULL) {
        return;
    }

    clcf = ngx_http_get_module_loc_conf(zc->request, ngx_http_core_module);

    /* a path that deleted the write timer (ngx_event_pipe) gets it back */
    if (!c->write->timer_set && !c->write->delayed) {
        ngx_add_timer(c->write, clcf->send_timeout);
    }

    if (ngx_http_zcopy_bytes_acked(zc->fd, &acked) == 0) {
        if (zc->acked_known && acked != zc->acked && !c->write->delayed) {
            ngx_add_timer(c->write, clcf->send_timeout);
        }

        zc->acked = acked;
        zc->acked_known = 1;
    }

    ngx_add_timer(ev, clcf->send_timeout / 3 + 1);
}


/*
 * A response waits for room at most send_timeout: the writer's own timer
 * is pushed back by every retry and cannot end the wait.  After that,
 * nginx sends it, room or not (pages of closed connections can hold the
 * room for long, with no completion to tell).
 */
static ngx_uint_t
ngx_http_zcopy_waited_too_long(ngx_http_zcopy_conn_t *zc)
{
    ngx_http_core_loc_conf_t  *clcf;

    if (zc->wait_start == 0) {
        zc->wait_start = ngx_current_msec ? ngx_current_msec : 1;
        return 0;
    }

    clcf = ngx_http_get_module_loc_conf(zc->request, ngx_http_core_module);

    if (ngx_current_msec - zc->wait_start < clcf->send_timeout) {
        return 0;
    }

    zc->wait_start = 0;

    return 1;
}


void
ngx_http_zcopy_wait(ngx_http_zcopy_conn_t *zc, ngx_uint_t first)
{
    zc->waiting = 1;

    if (first) {
        ngx_queue_insert_head(&ngx_http_zcopy_waiting, &zc->queue);

    } else {
        ngx_queue_insert_tail(&ngx_http_zcopy_waiting, &zc->queue);
    }

    zc->connection->write->ready = 0;

    if (!ngx_http_zcopy_retry.timer_set) {
        ngx_http_zcopy_retry.log = ngx_cycle->log;
        ngx_add_timer(&ngx_http_zcopy_retry, NGX_HTTP_ZCOPY_RETRY);
    }
}


void
ngx_http_zcopy_stop_waiting(ngx_http_zcopy_conn_t *zc)
{
    zc->woken = 0;

    if (zc->waiting) {
        zc->waiting = 0;
        ngx_queue_remove(&zc->queue);
    }
}


/* Let up to n waiting connections try again (0: all of them). */
void
ngx_http_zcopy_wake(ngx_uint_t n)
{
    ngx_queue_t            *q;
    ngx_connection_t       *c;
    ngx_http_zcopy_conn_t  *zc;

    while (!ngx_queue_empty(&ngx_http_zcopy_waiting)) {
        q = ngx_queue_head(&ngx_http_zcopy_waiting);
        zc = ngx_queue_data(q, ngx_http_zcopy_conn_t, queue);
        ngx_http_zcopy_stop_waiting(zc);
        zc->woken = 1;

        c = zc->connection;
        c->write->ready = 1;
        ngx_post_event(c->write, &ngx_posted_events);

        if (n && --n == 0) {
            break;
        }
    }

    if (ngx_queue_empty(&ngx_http_zcopy_waiting)
        && ngx_http_zcopy_retry.timer_set)
    {
        ngx_del_timer(&ngx_http_zcopy_retry);
    }
}


/* Room that came back silently: the first in the list tries. */
static void
ngx_http_zcopy_retry_handler(ngx_event_t *ev)
{
    ngx_http_zcopy_wake(1);

    if (!ngx_queue_empty(&ngx_http_zcopy_waiting)) {
        ngx_add_timer(ev, NGX_HTTP_ZCOPY_RETRY);
    }
}


/*
 * The request is going (terminated): cancel what is not yet sent and let
 * the request go now.  The kernel has copied the memory buffers and holds
 * the files, so nothing of the request's is needed any more; the stream
 * has a hole, and the connection is closed, which unregisters the socket
 * and ends whatever the transfer still waits for.
 */
void
ngx_http_zcopy_detach(ngx_http_zcopy_conn_t *zc)
{
    int                  rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    if (zc->detached) {
        return;
    }

    rc = ngx_http_zcopy_context
         ? zcopy_cancel(ngx_http_zcopy_context, (uintptr_t) zc) : 0;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, zc->connection->log, 0,
                   "zcopy detach, cancel: %d", rc);

    if (zc->tick.timer_set) {
        ngx_del_timer(&zc->tick);
    }

    r = zc->writer;
    zc->writer = NULL;
    zc->detached = 1;
    zc->failed = 1;

    r->main->blocked--;
    r->aio = 0;

    /*
     * The connection is about to close while the device may still hold
     * its socket: take it out of epoll now, which close() would not (the
     * socket lives on), lest a late event reach the slot's next user.
     */
    c = zc->connection;
    c->write->ready = 1;

    if (ngx_del_conn) {
        (void) ngx_del_conn(c, 0);
    }
}


/* The completion: resume the request as nginx resumes a thread's. */
void
ngx_http_zcopy_complete(ngx_http_zcopy_conn_t *zc,
    const struct zcopy_cqe *cqe)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    if (!zc->busy) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "zcopy: a completion for no transfer");
        return;
    }

    if (zc->tick.timer_set) {
        ngx_del_timer(&zc->tick);
    }

    if (zc->orphan) {
        ngx_free(zc);
        return;
    }

    if (zc->detached) {
        zc->busy = 0;
        return;
    }

    zc->busy = 0;
    zc->done = 1;
    zc->sent = cqe->res > 0 ? cqe->res : 0;
    zc->err = cqe->error ? -cqe->error : (cqe->res < 0 ? -cqe->res : 0);

    r = zc->writer;
    c = r->connection;
    zc->writer = NULL;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "zcopy complete: %O, error %d", zc->sent, zc->err);

    r->main->blocked--;
    r->aio = 0;
    c->write->ready = 1;

    if (r->done) {
        c->write->handler(c->write);

    } else {
        r->write_event_handler(r);
        ngx_http_run_posted_requests(c);
    }
}


static ngx_chain_t *
ngx_http_zcopy_account(ngx_http_zcopy_conn_t *zc, ngx_chain_t *in)
{
    ngx_connection_t  *c;

    c = zc->connection;

    zc->done = 0;
    c->sent += zc->sent;

    in = ngx_chain_update_sent(in, zc->sent);

    if (zc->err == 0 && zc->sent == zc->expected) {
        return in;
    }

    /* a range clipped at SUBMIT: the file shrank after nginx saw its size */
    if (zc->err == 0) {
        zc->failed = 1;
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "zcopy sent %O of %O bytes: a file was truncated",
                      zc->sent, zc->expected);
        return NGX_CHAIN_ERROR;
    }

    /* the stream has a hole now: nothing more may follow on it */
    zc->failed = 1;

    if (zc->err == ECANCELED) {
        ngx_log_error(NGX_LOG_INFO, c->log, zc->err,
                      "zcopy transfer cancelled");

    } else if (zc->err == ENODATA) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "zcopy sent %O of %O bytes: a file was truncated "
                      "during the transfer", zc->sent, zc->expected);

    } else {
        ngx_connection_error(c, zc->err, "zcopy transfer failed");
    }

    return NGX_CHAIN_ERROR;
}
