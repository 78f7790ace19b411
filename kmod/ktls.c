// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS: sockets whose sends the kernel's TLS layer puts into
 * encrypted records (Documentation/zcopy.rst, "kTLS").
 *
 * The engine sends to them as to plain TCP, by the socket's own
 * sendmsg(): the TLS layer takes each page by a reference of its own
 * into the open record's plaintext, as it does for sendfile(), and
 * drops it once the record is encrypted into pages of its own and
 * handed to TCP.  So nothing reaches the wire unencrypted, and nothing
 * here calls into the tls module: what it reads of a socket's state is
 * in the public header.
 *
 * Only software kTLS with transmit keys set is taken.  A socket with the
 * tls ULP but no TLS_TX yet would send our bytes in clear text, and
 * offload to a NIC copies the pages, or keeps them until the peer
 * acknowledges them and reads them again for a retransmit, and says
 * neither.  Once TLS_TX is set in software it stays so until the socket
 * is closed: the ULP cannot be taken off, and these kernels refuse a
 * second TLS_TX.
 *
 * The TLS layer serializes its senders with a mutex that a blocking
 * send of the application holds while it sleeps for memory, for as
 * long as the peer reads nothing: no pass waits for it (ktls_busy()).
 */

#include <linux/net.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "compat.h"
#include "ktls.h"

/*
 * Whether @sock is a TCP socket whose sends software kTLS encrypts:
 * 0 if so, -EOPNOTSUPP for anything else with a ULP (see the top of
 * this file).  Under the socket's lock, which the ULP and its
 * configuration change under.
 */
int zcopy_ktls_check(struct socket *sock)
{
	struct sock *sk = sock->sk;
	const struct tcp_ulp_ops *ulp;
	struct tls_context *ctx;
	int ret = -EOPNOTSUPP;

	lock_sock(sk);
	ulp = inet_csk(sk)->icsk_ulp_ops;
	ctx = tls_get_ctx(sk);
	/* Record numbers of 64 bits, as every cipher has (ktls_release.c). */
	if (ulp && !strcmp(ulp->name, "tls") && ctx && ctx->tx_conf == TLS_SW &&
	    ctx->prot_info.rec_seq_size == sizeof(u64))
		ret = 0;
	release_sock(sk);
	return ret;
}

/*
 * Whether a send of the socket's owner sleeps for memory in the TLS
 * layer: it holds the layer's transmit mutex then, with the socket's
 * lock let go, and a send of ours would wait for it.  The layer's own
 * worker holds the mutex only briefly, with nothing waiting for memory.
 * Only a look, unlocked, as zcopy_sock_owner_busy()'s.
 */
bool zcopy_ktls_busy(struct socket *sock)
{
	struct sock *sk = sock->sk;

	return mutex_is_locked(&tls_get_ctx(sk)->tx_lock) &&
	       READ_ONCE(sk->sk_write_pending);
}

/*
 * Push out the tail TCP keeps of the records the TLS layer handed it,
 * leaving the layer's open record open.  After a send that stopped
 * short: on kernels whose TLS layer hands a record to TCP page by page,
 * it marks all but the last "more to come", and TCP pushes none of them
 * out, so with nothing in flight no ACK would ever make room.
 */
void zcopy_ktls_push_tcp(struct socket *sock)
{
	zcopy_proto_splice_eof(tls_get_ctx(sock->sk)->sk_proto, sock);
}

/*
 * Push out what the last send held back with MSG_MORE: the record the
 * TLS layer keeps open, then TCP's tail, which the TLS layer's flush
 * leaves alone when no record is open.
 */
void zcopy_ktls_flush(struct socket *sock)
{
	zcopy_splice_eof(sock);
	zcopy_ktls_push_tcp(sock);
}
