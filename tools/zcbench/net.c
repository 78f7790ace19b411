// SPDX-License-Identifier: GPL-2.0
/* Sockets and network namespaces for the sender and the receiver. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "point.h"

/*
 * The VM's wire topology (tools/testing/vm/guest.sh) and the loopback
 * device.
 */
static const struct topology topologies[] = {
	{ "wire", "wire0", "wire1", "198.18.0.2" },
	{ "loopback", NULL, NULL, "127.0.0.1" },
};

const struct topology *zcb_topology(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(topologies) / sizeof(topologies[0]); i++)
		if (!strcmp(topologies[i].name, name))
			return &topologies[i];
	return NULL;
}

/*
 * Joins /run/netns/NAME, as "ip netns exec" does; NULL returns to the
 * namespace the program started in.
 */
int zcb_enter_netns(const char *name)
{
	static int home = -1;
	char path[256];
	int fd, rc;

	if (home < 0)
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!name)
		return home < 0 ? -1 : setns(home, CLONE_NEWNET);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "zcbench: network namespace %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc)
		perror("zcbench: setns");
	close(fd);
	return rc;
}

int zcb_listen(int port, int backlog)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

int zcb_tls_version;

/*
 * kTLS on @fd for @dir (TLS_TX or TLS_RX), with the same AES-GCM-128
 * keys on every socket, so that the receiver decrypts what the sender
 * encrypted: what a server does after OpenSSL's handshake, without one.
 */
int zcb_tls_set(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info = { .version = zcb_tls_version,
			  .cipher_type = TLS_CIPHER_AES_GCM_128 },
	};

	memset(ci.key, 0x4b, sizeof(ci.key));
	memset(ci.iv, 0x1a, sizeof(ci.iv));
	memset(ci.salt, 0x5a, sizeof(ci.salt));
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci))) {
		fprintf(stderr, "zcbench: kTLS: %s (modprobe tls?)\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * ADDR is IPv4 or IPv6; the connection has Nagle off, like a server's,
 * and kTLS transmit keys with --tls.
 */
int zcb_connect(const char *addr, int port, int blocking)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		len = sizeof(*a6);
	} else {
		fprintf(stderr, "zcbench: bad address %s\n", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		fprintf(stderr, "zcbench: connect %s: %s\n", addr, strerror(errno));
		close(fd);
		return -1;
	}
	if (zcb_tls_version && zcb_tls_set(fd, TLS_TX)) {
		close(fd);
		return -1;
	}
	if (!blocking)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}
