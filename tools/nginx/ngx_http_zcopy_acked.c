/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bytes a TCP connection's peer has acknowledged, for telling a slow
 * transfer from a stalled one.  Apart because it needs <linux/tcp.h>'s
 * struct tcp_info, which nginx's <netinet/tcp.h> would clash with.
 */
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

int ngx_http_zcopy_bytes_acked(int fd, uint64_t *acked);

int
ngx_http_zcopy_bytes_acked(int fd, uint64_t *acked)
{
    struct tcp_info  ti = { 0 };
    socklen_t        len = sizeof(ti);

    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1) {
        return -1;
    }

    *acked = ti.tcpi_bytes_acked;

    return 0;
}
