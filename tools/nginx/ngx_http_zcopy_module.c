/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ngx_http_zcopy_module: configuration, the worker's zcopy context and
 * the reaping of its completions, and which connections zcopy sends on.
 * The sending itself is in ngx_http_zcopy_send.c.
 */

#include "ngx_http_zcopy_module.h"


typedef struct {
    ngx_flag_t  used;       /* some "zcopy on": open the device */
} ngx_http_zcopy_main_conf_t;


#define NGX_HTTP_ZCOPY_REAP_BATCH  64


static char *ngx_http_zcopy_enable(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zcopy_dontcache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_zcopy_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_zcopy_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_zcopy_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_zcopy_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_zcopy_init_process(ngx_cycle_t *cycle);
static void ngx_http_zcopy_exit_process(ngx_cycle_t *cycle);
static void ngx_http_zcopy_reap(ngx_event_t *rev);
static void ngx_http_zcopy_conn_cleanup(void *data);
static void ngx_http_zcopy_request_cleanup(void *data);


static ngx_command_t  ngx_http_zcopy_commands[] = {

    { ngx_string("zcopy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_zcopy_enable,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_zcopy_loc_conf_t, enable),
      NULL },

    { ngx_string("zcopy_release"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_zcopy_loc_conf_t, release),
      NULL },

    { ngx_string("zcopy_dontcache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_zcopy_dontcache,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_zcopy_loc_conf_t, dontcache),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_zcopy_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_zcopy_init,                   /* postconfiguration */

    ngx_http_zcopy_create_main_conf,       /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_zcopy_create_loc_conf,        /* create location configuration */
    ngx_http_zcopy_merge_loc_conf          /* merge location configuration */
};


ngx_module_t  ngx_http_zcopy_module = {
    NGX_MODULE_V1,
    &ngx_http_zcopy_module_ctx,            /* module context */
    ngx_http_zcopy_commands,               /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_zcopy_init_process,           /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_zcopy_exit_process,           /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* The worker's context, and the connection that watches its descriptor. */
struct zcopy                    *ngx_http_zcopy_context;
uint32_t                         ngx_http_zcopy_sqe_flags;
static ngx_connection_t         *ngx_http_zcopy_reaper;
static ngx_uint_t                ngx_http_zcopy_noted;

static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static char *
ngx_http_zcopy_enable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zcopy_loc_conf_t   *zlcf = conf;
    ngx_http_zcopy_main_conf_t  *zmcf;
    char                        *rv;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (zlcf->enable) {
        zmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_zcopy_module);
        zmcf->used = 1;
    }

    return NGX_CONF_OK;
}


/* "zcopy_dontcache SIZE|off": files at least SIZE large leave no cache. */
static char *
ngx_http_zcopy_dontcache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zcopy_loc_conf_t  *zlcf = conf;
    ngx_str_t                  *value;

    if (zlcf->dontcache != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        zlcf->dontcache = NGX_MAX_OFF_T_VALUE;
        return NGX_CONF_OK;
    }

    zlcf->dontcache = ngx_parse_offset(&value[1]);
    if (zlcf->dontcache == NGX_ERROR) {
        return "invalid value";
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_zcopy_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_zcopy_main_conf_t));
}


static void *
ngx_http_zcopy_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_zcopy_loc_conf_t  *conf;

    conf = ngx_palloc(cf->pool, sizeof(ngx_http_zcopy_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = NGX_CONF_UNSET;
    conf->release = NGX_CONF_UNSET;
    conf->dontcache = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_zcopy_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_zcopy_loc_conf_t  *prev = parent;
    ngx_http_zcopy_loc_conf_t  *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->release, prev->release, 0);
    ngx_conf_merge_off_value(conf->dontcache, prev->dontcache,
                             NGX_MAX_OFF_T_VALUE);

    return NGX_CONF_OK;
}


void
ngx_http_zcopy_note(ngx_log_t *log, ngx_uint_t reason, ngx_err_t err,
    const char *text)
{
    if (ngx_http_zcopy_noted & reason) {
        return;
    }

    ngx_http_zcopy_noted |= reason;

    ngx_log_error(NGX_LOG_NOTICE, log, err,
                  "zcopy: %s; such responses go through nginx's own path "
                  "(noted once per worker)", text);
}


/*
 * Every response passes here first: a main request in a "zcopy on"
 * location, on a connection zcopy can send on, hands its connection's
 * send_chain to the module.  Nothing else changes for it.
 */
static ngx_int_t
ngx_http_zcopy_header_filter(ngx_http_request_t *r)
{
    ngx_connection_t           *c;
    ngx_http_cleanup_t         *cln;
    ngx_http_zcopy_conn_t      *zc;
    ngx_http_zcopy_loc_conf_t  *zlcf;

    zlcf = ngx_http_get_module_loc_conf(r, ngx_http_zcopy_module);

    if (r != r->main || ngx_http_zcopy_context == NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (!zlcf->enable) {
        /* redirected (error_page) from a "zcopy on" location: not here */
        if (r->connection->send_chain == ngx_http_zcopy_send_chain) {
            zc = ngx_http_zcopy_conn(r->connection);
            if (zc && zc->request == r && !zc->busy) {
                zc->request = NULL;
            }
        }

        return ngx_http_next_header_filter(r);
    }

    c = r->connection;

#if (NGX_HTTP_V2)
    if (r->stream) {
        ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_V2, 0,
                            "HTTP/2 streams are not sent by zcopy");
        return ngx_http_next_header_filter(r);
    }
#endif

    /*
     * Responses still read from an upstream go nginx's way: a blocked
     * request would stop the event pipe reading from it for the whole
     * transfer.  Cache hits and X-Accel-Redirect files, sent with the
     * upstream done (no cleanup left), are static files like any other.
     */
    if (r->upstream && r->upstream->cleanup) {
        return ngx_http_next_header_filter(r);
    }

#if (NGX_HTTP_SSL)
    if (c->ssl && !c->ssl->sendfile) {
        ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_NO_KTLS, 0,
                            "a TLS connection is not on kernel TLS "
                            "(ssl_conf_command Options KTLS)");
        return ngx_http_next_header_filter(r);
    }
#endif

    zc = ngx_http_zcopy_conn(c);

    if (zc == NULL) {
        return NGX_ERROR;
    }

    if (zc->fd == (ngx_socket_t) -1) {
        return ngx_http_next_header_filter(r);
    }

    /* once per request, though a redirect sends its header again */
    if (zc->request != r) {
        cln = ngx_http_cleanup_add(r, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_zcopy_request_cleanup;
        cln->data = zc;

        zc->request = r;
    }

    return ngx_http_next_header_filter(r);
}


/*
 * The connection's state, made on its first response in a "zcopy on"
 * location.  The module gets a duplicate of the socket, not nginx's
 * descriptor: a registration holds the socket open, and nginx closes its
 * descriptor before the connection's pool cleanups run, so only a
 * descriptor of the module's own is still there to unregister by.  Its
 * close() is then the socket's last, with what nginx set on it (lingering,
 * a reset for a timed out client) taking effect there.
 */
ngx_http_zcopy_conn_t *
ngx_http_zcopy_conn(ngx_connection_t *c)
{
    int                     rc;
    ngx_socket_t            fd;
    ngx_pool_cleanup_t     *cln;
    ngx_http_zcopy_conn_t  *zc;

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_zcopy_conn_cleanup) {
            return cln->data;
        }
    }

    cln = ngx_pool_cleanup_add(c->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    zc = ngx_calloc(sizeof(ngx_http_zcopy_conn_t), c->log);
    if (zc == NULL) {
        return NULL;
    }

    zc->connection = c;
    zc->fd = (ngx_socket_t) -1;
    zc->tick.handler = ngx_http_zcopy_tick_handler;
    zc->tick.data = zc;
    zc->tick.log = c->log;

    cln->handler = ngx_http_zcopy_conn_cleanup;
    cln->data = zc;

    fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
    if (fd == -1) {
        /* two descriptors a connection: see worker_rlimit_nofile */
        ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_DUP, ngx_errno,
                            "cannot duplicate a connection's socket");
        return zc;
    }

    rc = zcopy_register_socket(ngx_http_zcopy_context, fd);
    if (rc < 0) {
        ngx_http_zcopy_note(c->log, NGX_HTTP_ZCOPY_NOTE_REGISTER, -rc,
                            "the module refused a connection");
        (void) close(fd);
        return zc;
    }

    zc->fd = fd;
    zc->send_chain = c->send_chain;
    c->send_chain = ngx_http_zcopy_send_chain;

    return zc;
}


static void
ngx_http_zcopy_conn_cleanup(void *data)
{
    ngx_http_zcopy_conn_t  *zc = data;

    if (zc->tick.timer_set) {
        ngx_del_timer(&zc->tick);
    }

    ngx_http_zcopy_stop_waiting(zc);

    if (zc->fd != (ngx_socket_t) -1) {
        if (ngx_http_zcopy_context) {
            /* cancels what is still queued */
            (void) zcopy_unregister_socket(ngx_http_zcopy_context, zc->fd);
        }

        (void) close(zc->fd);
    }

    /* a detached transfer: unregistering cancelled it, its completion frees */
    if (zc->busy && ngx_http_zcopy_context) {
        zc->orphan = 1;
        return;
    }

    ngx_free(zc);
}


/*
 * A request's end, or its termination (a client timeout, an error, a
 * shutting down worker): a transfer still in flight is cancelled and the
 * request let go at once, not at the completion, which a transfer
 * waiting for its release (a peer that stopped reading, kernel TLS
 * records of a reset socket) gives only when the socket is closed.
 */
static void
ngx_http_zcopy_request_cleanup(void *data)
{
    ngx_http_zcopy_conn_t  *zc = data;

    if (zc->busy && !zc->detached) {
        ngx_http_zcopy_detach(zc);
    }

    ngx_http_zcopy_stop_waiting(zc);
    zc->wait_start = 0;
    zc->request = NULL;
}


static ngx_int_t
ngx_http_zcopy_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_zcopy_header_filter;

    return NGX_OK;
}


#define NGX_HTTP_ZCOPY_NEEDED  (ZCOPY_F_BUFFER|ZCOPY_F_LINK|ZCOPY_F_GROUP)


static ngx_int_t
ngx_http_zcopy_init_process(ngx_cycle_t *cycle)
{
    int                          rc;
    struct zcopy                *z;
    ngx_event_t                 *rev;
    ngx_connection_t            *c;
    struct zcopy_features        f;
    ngx_http_zcopy_main_conf_t  *zmcf;

    zmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_zcopy_module);

    /* not the cache manager and loader, which send nothing */
    if (zmcf == NULL || !zmcf->used
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    rc = zcopy_open(&z, 0);
    if (rc < 0) {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, -rc,
                      "zcopy: cannot open /dev/zcopy, responses go through "
                      "nginx's own path");
        return NGX_OK;
    }

    rc = zcopy_probe(z, &f);
    if (rc < 0 || (f.sqe_flags & NGX_HTTP_ZCOPY_NEEDED)
                  != NGX_HTTP_ZCOPY_NEEDED)
    {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, rc < 0 ? -rc : 0,
                      "zcopy: the module cannot send whole responses "
                      "(too old), responses go through nginx's own path");
        zcopy_close(z);
        return NGX_OK;
    }

    c = ngx_get_connection(zcopy_fd(z), cycle->log);
    if (c == NULL) {
        zcopy_close(z);
        return NGX_ERROR;
    }

    rev = c->read;
    rev->handler = ngx_http_zcopy_reap;
    rev->log = cycle->log;

    if (ngx_add_event(rev, NGX_READ_EVENT,
                      (ngx_event_flags & NGX_USE_CLEAR_EVENT)
                      ? NGX_CLEAR_EVENT : NGX_LEVEL_EVENT)
        != NGX_OK)
    {
        ngx_free_connection(c);
        zcopy_close(z);
        return NGX_ERROR;
    }

    ngx_http_zcopy_context = z;
    ngx_http_zcopy_sqe_flags = f.sqe_flags;
    ngx_http_zcopy_reaper = c;

    return NGX_OK;
}


/*
 * By now every connection is closed (an exiting worker waits for its
 * transfers, whose progress timers keep it going), or the worker is
 * terminating and closing the context cancels what is left.
 */
static void
ngx_http_zcopy_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_zcopy_reaper) {
        ngx_free_connection(ngx_http_zcopy_reaper);
        ngx_http_zcopy_reaper->fd = (ngx_socket_t) -1;
        ngx_http_zcopy_reaper = NULL;
    }

    zcopy_close(ngx_http_zcopy_context);
    ngx_http_zcopy_context = NULL;
}


/* The context is readable: every completion resumes its request. */
static void
ngx_http_zcopy_reap(ngx_event_t *rev)
{
    int                     i, n;
    struct zcopy_cqe        cqes[NGX_HTTP_ZCOPY_REAP_BATCH];
    ngx_http_zcopy_conn_t  *zc;

    for ( ;; ) {
        n = zcopy_peek_batch(ngx_http_zcopy_context, cqes,
                             NGX_HTTP_ZCOPY_REAP_BATCH);

        if (n == -EAGAIN) {
            return;
        }

        if (n == -EINTR) {
            continue;
        }

        if (n < 0) {
            ngx_log_error(NGX_LOG_ALERT, rev->log, -n,
                          "zcopy: reading completions failed");
            return;
        }

        for (i = 0; i < n; i++) {
            zc = (ngx_http_zcopy_conn_t *) (uintptr_t) cqes[i].user_data;
            ngx_http_zcopy_complete(zc, &cqes[i]);
        }

        /* each completion read makes room for about one response */
        ngx_http_zcopy_wake(n);
    }
}
