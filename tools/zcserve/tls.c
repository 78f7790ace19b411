// SPDX-License-Identifier: GPL-2.0
/*
 * HTTPS: OpenSSL does each connection's handshake in user space and
 * hands the transmit keys to the kernel (kTLS); from then on every byte
 * the server sends -- a head by send(), a body by whichever --mode --
 * goes into records the kernel encrypts, as with plain TCP.  Requests
 * are read through OpenSSL, which decrypts them itself or reads them
 * from the kernel if it gave it the receive keys too.
 *
 * A connection whose transmit keys stay in user space (a cipher the
 * kernel lacks, no tls module) cannot be served by any mode, and is
 * closed, with a line on stderr the first time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "zcserve.h"

static void tls_errors(const char *what)
{
	unsigned long e = ERR_get_error();

	fprintf(stderr, "zcserve: %s: %s\n", what,
		e ? ERR_reason_error_string(e) : strerror(errno));
	ERR_clear_error();
}

/*
 * Whether the kernel takes the tls upper-layer protocol: it loads the
 * module itself only for CAP_NET_ADMIN, and says ENOENT to the rest.
 */
static int tls_kernel_probe(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, c = -1, err = 0;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, len))
		err = errno;
	else if (setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		err = errno;
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	if (err == ENOENT)
		fprintf(stderr, "zcserve: the kernel's tls module is not loaded "
				"(modprobe tls, as root)\n");
	else if (err)
		fprintf(stderr, "zcserve: kernel TLS: %s\n", strerror(err));
	return err ? -1 : 0;
}

/* @version: "1.2" or "1.3" for that one only, NULL for either. */
int tls_init(struct server *s, const char *cert, const char *key,
	     const char *version)
{
	int min = TLS1_2_VERSION, max = TLS1_3_VERSION;
	SSL_CTX *ctx;

	if (version && !strcmp(version, "1.2")) {
		max = TLS1_2_VERSION;
	} else if (version && !strcmp(version, "1.3")) {
		min = TLS1_3_VERSION;
	} else if (version) {
		fprintf(stderr, "zcserve: TLS version is 1.2 or 1.3, not '%s'\n",
			version);
		return -1;
	}
	if (tls_kernel_probe())
		return -1;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		tls_errors("SSL_CTX_new");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, min);
	SSL_CTX_set_max_proto_version(ctx, max);
	SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS | SSL_OP_NO_RENEGOTIATION);
	/* No tickets: they would be written after the kernel took over. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_errors(cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_errors(key);
		goto fail;
	}
	s->tls = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

int tls_accept(struct server *s, struct conn *c)
{
	c->ssl = SSL_new(s->tls);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		return -1;
	}
	SSL_set_accept_state(c->ssl);
	return 0;
}

/* What an SSL_* call that returned @ret means: 0 to wait, -1 to close. */
static int tls_wait(struct conn *c, int ret)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return 0;
	case SSL_ERROR_ZERO_RETURN:	/* the peer's close_notify */
		errno = 0;
		return -1;
	default:
		ERR_clear_error();
		if (!errno)
			errno = ECONNRESET;
		return -1;
	}
}

/* <0: close the connection; 0: wait for the socket; 1: done, kTLS on. */
int tls_handshake(struct conn *c)
{
	static int told;
	int ret = SSL_do_handshake(c->ssl);

	if (ret != 1)
		return tls_wait(c, ret);
	if (!BIO_get_ktls_send(SSL_get_wbio(c->ssl))) {
		if (!told++)
			fprintf(stderr, "zcserve: %s with %s: the kernel did not "
					"take the transmit keys; closing such "
					"connections\n", SSL_get_version(c->ssl),
				SSL_get_cipher_name(c->ssl));
		return -1;
	}
	return 1;
}

/* As read(): bytes, 0 at the peer's end, -1 with errno (EAGAIN). */
ssize_t tls_read(struct conn *c, void *buf, size_t len)
{
	size_t got;
	int ret;

	ret = SSL_read_ex(c->ssl, buf, len, &got);
	if (ret == 1)
		return got;
	if (!tls_wait(c, ret))
		return -1;
	return errno ? -1 : 0;
}

/* Before the write side closes: the close_notify alert, if it goes. */
void tls_shutdown(struct conn *c)
{
	if (SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();
}

void tls_free(struct conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
}
