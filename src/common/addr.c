/* Numeric address parsing and formatting, IPv4 and IPv6 alike. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

static int
addr_parse_port(const char *p, int *port)
{
	char *end;
	long v;

	if (*p == '\0')
		return -1;
	v = strtol(p, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535 || *p == '+' || *p == '-')
		return -1;
	*port = (int)v;
	return 0;
}

/* Split s into host and port text; "[v6]:p", "v4:p", or a bare address. */
static int
addr_split(const char *s, char *host, size_t hostlen, const char **portp)
{
	const char *end, *colon;
	size_t n;

	*portp = NULL;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			*portp = end + 2;
		else if (end[1] != '\0')
			return -1;
		s++;
	} else if ((colon = strrchr(s, ':')) != NULL &&
	           strchr(s, ':') == colon) {
		n = (size_t)(colon - s);
		*portp = colon + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

int
addr_parse(const char *s, int defport, struct sockaddr_storage *ss, char *err,
           size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *pstr;
	int port = defport;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (addr_split(s, host, sizeof host, &pstr) != 0)
		goto bad;
	if (pstr != NULL && addr_parse_port(pstr, &port) != 0) {
		snprintf(err, errlen, "invalid port in address '%s'", s);
		return -1;
	}
	if (port < 1) {
		snprintf(err, errlen, "address '%s' needs a port", s);
		return -1;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1 && *s != '[') {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 &&
	    (*s == '[' || pstr == NULL)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return 0;
	}
bad:
	snprintf(err, errlen,
	         "invalid address '%s' (want IP:PORT or [IPv6]:PORT)", s);
	return -1;
}

socklen_t
addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                 : sizeof(struct sockaddr_in);
}

int
addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

char *
addr_ipfmt(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	const void *a;

	if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else {
		snprintf(out, outlen, "?");
		return out;
	}
	if (inet_ntop(ss->ss_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
	return out;
}

char *
addr_fmt(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN];

	addr_ipfmt(ss, ip, sizeof ip);
	if (ss->ss_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%d", ip, addr_port(ss));
	else
		snprintf(out, outlen, "%s:%d", ip, addr_port(ss));
	return out;
}

int
addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || addr_port(a) != addr_port(b))
		return 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}
