/* Socket addresses as text: "1.2.3.4:80", "[fd00:ec2::254]:80". Every
 * address is a sockaddr_storage so IPv6 is never an afterthought. */
#ifndef IMDSGATE_ADDR_H
#define IMDSGATE_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>

#define ADDR_STRLEN (INET6_ADDRSTRLEN + 8) /* "[addr]:port" */

/* Parse "IP:PORT", "[IPv6]:PORT", or a bare IP when defport >= 0.
 * Returns 0, or -1 with a message in err. No name resolution. */
int addr_parse(const char *s, int defport, struct sockaddr_storage *, char *err,
               size_t errlen);
socklen_t addr_len(const struct sockaddr_storage *);
int addr_port(const struct sockaddr_storage *);
/* "IP:PORT" / "[IP]:PORT"; returns out. */
char *addr_fmt(const struct sockaddr_storage *, char *out, size_t outlen);
/* The IP alone; returns out. */
char *addr_ipfmt(const struct sockaddr_storage *, char *out, size_t outlen);
/* Same address and port (and family). */
int addr_eq(const struct sockaddr_storage *, const struct sockaddr_storage *);

#endif
