/* Where a redirected client meant to go: conntrack keeps the original
 * destination, SO_ORIGINAL_DST (IPv4) and IP6T_SO_ORIGINAL_DST (IPv6)
 * read it back. A connection that was not redirected has no NAT mapping:
 * its destination is the socket's own local address. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "sys/origdst.h"

/* Ask conntrack at one level; 0 with out filled, or -1 (errno). */
static int
origdst_ask(int fd, int level, int opt, struct sockaddr_storage *out)
{
	socklen_t len = sizeof *out;

	memset(out, 0, sizeof *out);
	return getsockopt(fd, level, opt, out, &len);
}

/* An IPv4 client on a dual-stack IPv6 socket appears as ::ffff:a.b.c.d;
 * its conntrack entry is IPv4. */
static int
origdst_mapped(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	return ss->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

/* The IPv4 form of a v4-mapped address, to compare with conntrack's. */
static void
origdst_unmap(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)in;
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	*out = *in;
	if (!origdst_mapped(in))
		return;
	memset(out, 0, sizeof *out);
	s4->sin_family = AF_INET;
	s4->sin_port = s6->sin6_port;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
}

/* Returns 1 redirected, 0 not (out = local address), -1 error. */
int
origdst_get(int fd, struct sockaddr_storage *out)
{
	return origdst_get_at(fd, NULL, out);
}

/* The same, the socket's local address given (known: NULL asks). */
int
origdst_get_at(int fd, const struct sockaddr_storage *known,
               struct sockaddr_storage *out)
{
	struct sockaddr_storage local, local4, od;
	socklen_t len = sizeof local;
	int rv;

	memset(&local, 0, sizeof local);
	if (known != NULL)
		local = *known;
	else if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		return -1;
	if (local.ss_family == AF_INET || origdst_mapped(&local))
		rv = origdst_ask(fd, SOL_IP, SO_ORIGINAL_DST, &od);
	else if (local.ss_family == AF_INET6)
		rv = origdst_ask(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &od);
	else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* ENOENT: no conntrack entry (not tracked, so not redirected);
	 * ENOPROTOOPT: conntrack for that family not loaded. */
	if (rv == -1 && errno != ENOENT && errno != ENOPROTOOPT)
		return -1;
	origdst_unmap(&local, &local4);
	if (rv == -1 || od.ss_family == 0 || addr_eq(&od, &local4)) {
		*out = local;
		return 0;
	}
	*out = od;
	return 1;
}
