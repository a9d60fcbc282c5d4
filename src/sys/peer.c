/* Caller identity from the kernel: the uid that owns the client's socket,
 * asked of NETLINK_SOCK_DIAG by the connection's exact 4-tuple (client
 * address, original destination), so the answer cannot be spoofed by
 * anything the client sends. The process behind the socket is found in
 * peer_proc.c. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/log.h"
#include "sys/peer.h"
#include "sys/peer_int.h"

static int peer_kernel(const struct sockaddr_storage *,
                       const struct sockaddr_storage *, struct peer_info *);

static peer_lookup_fn peer_fn = peer_kernel;
static int peer_want_process = 1;

/* Tests and benchmarks swap the kernel lookup for a fake; NULL restores. */
void
peer_set_lookup(peer_lookup_fn fn)
{
	peer_fn = fn != NULL ? fn : peer_kernel;
}

/* Without the process scan the daemon needs no CAP_SYS_PTRACE. */
void
peer_set_process(int on)
{
	peer_want_process = on;
}

/* The one entry point the proxy calls; a fresh, zeroed answer each time. */
int
peer_lookup(const struct sockaddr_storage *client,
            const struct sockaddr_storage *dst, struct peer_info *pi)
{
	memset(pi, 0, sizeof *pi);
	pi->uid = (uid_t)-1;
	pi->gid = (gid_t)-1;
	return peer_fn(client, dst, pi);
}

/* A v4-mapped IPv6 address (a dual-stack listener's view of an IPv4
 * client) is an IPv4 socket in the kernel: ask for it as one. */
static void
peer_unmap(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)in;
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	if (in->ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*out = *in;
		return;
	}
	memset(out, 0, sizeof *out);
	s4->sin_family = AF_INET;
	s4->sin_port = s6->sin6_port;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
}

/* Copy one endpoint into the diag request's id (address and port). */
static void
peer_fill(const struct sockaddr_storage *ss, __be32 *addr, __be16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		memcpy(addr, &s4->sin_addr, 4);
		*port = s4->sin_port;
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		memcpy(addr, &s6->sin6_addr, 16);
		*port = s6->sin6_port;
	}
}

/* Build the exact (non-dump) lookup: src = client, dst = original dst. */
static int
peer_request(const struct sockaddr_storage *c, const struct sockaddr_storage *d,
             struct inet_diag_req_v2 *r)
{
	memset(r, 0, sizeof *r);
	if (c->ss_family != d->ss_family ||
	    (c->ss_family != AF_INET && c->ss_family != AF_INET6))
		return -1;
	r->sdiag_family = c->ss_family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = ~0U;
	peer_fill(c, r->id.idiag_src, &r->id.idiag_sport);
	peer_fill(d, r->id.idiag_dst, &r->id.idiag_dport);
	r->id.idiag_if = 0;
	r->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	return 0;
}

static int peer_nl = -1; /* one netlink socket, reused */
static unsigned peer_seq;

/* The netlink socket, opened on first use (reopened after an error). */
static int
peer_socket(void)
{
	struct timeval tv = {.tv_sec = 1};

	if (peer_nl != -1)
		return peer_nl;
	peer_nl =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (peer_nl != -1)
		setsockopt(peer_nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return peer_nl;
}

/* Forget a socket that failed: a late answer must not be misread. */
static void
peer_socket_drop(void)
{
	if (peer_nl != -1)
		close(peer_nl);
	peer_nl = -1;
}

/* Send the request on the shared netlink socket; returns it or -1. */
static int
peer_send(const struct inet_diag_req_v2 *r)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	int fd;

	if ((fd = peer_socket()) == -1)
		return -1;
	memset(&msg, 0, sizeof msg);
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.nlh.nlmsg_seq = ++peer_seq;
	msg.req = *r;
	if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&nl,
	           sizeof nl) != (ssize_t)sizeof msg) {
		peer_socket_drop();
		return -1;
	}
	return fd;
}

/* Read the one answer: the socket's uid and inode, -1 (no such socket,
 * e.g. the client already closed), or -2 (no answer, or one to another
 * request: the shared socket is then out of step). */
static int
peer_recv(int fd, uid_t *uid, unsigned long *inode)
{
	long buf[2048 / sizeof(long)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct inet_diag_msg *m;
	ssize_t n;

	n = recv(fd, buf, sizeof buf, 0);
	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != peer_seq)
		return -2;
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
		return -1;
	m = NLMSG_DATA(h);
	*uid = m->idiag_uid;
	*inode = m->idiag_inode;
	return 0;
}

/* The uid and socket inode of the client socket, by sock_diag. */
int
peer_diag(const struct sockaddr_storage *client,
          const struct sockaddr_storage *dst, uid_t *uid, unsigned long *inode)
{
	struct sockaddr_storage c, d;
	struct inet_diag_req_v2 r;
	int fd, rv;

	peer_unmap(client, &c);
	peer_unmap(dst, &d);
	if (peer_request(&c, &d, &r) == -1)
		return -1;
	if ((fd = peer_send(&r)) == -1)
		return -1;
	rv = peer_recv(fd, uid, inode);
	if (rv == -2) { /* nothing, or not our answer: start afresh */
		peer_socket_drop();
		return -1;
	}
	return rv;
}

/* User name and, when no process was found, groups from the user
 * database (what the user would get at login). */
static void
peer_userdb(struct peer_info *pi, int need_groups)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	int n = PEER_MAXGROUPS;

	if (getpwuid_r(pi->uid, &pw, buf, sizeof buf, &pwp) != 0 ||
	    pwp == NULL) {
		snprintf(pi->user, sizeof pi->user, "%u", (unsigned)pi->uid);
		if (need_groups)
			pi->gid = (gid_t)-1;
		return;
	}
	snprintf(pi->user, sizeof pi->user, "%s", pw.pw_name);
	if (!need_groups)
		return;
	pi->gid = pw.pw_gid;
	if (getgrouplist(pw.pw_name, pw.pw_gid, pi->gids, &n) == -1)
		n = PEER_MAXGROUPS; /* truncated: keep what fits */
	pi->ngids = n;
}

/* The real lookup: kernel uid, then the process, then the user. */
static int
peer_kernel(const struct sockaddr_storage *client,
            const struct sockaddr_storage *dst, struct peer_info *pi)
{
	struct peer_pending pp = {0, 0};

	if (peer_diag(client, dst, &pi->uid, &pp.inode) == -1)
		return -1;
	peer_lookup_rest(pi, &pp);
	return 0;
}

/* Step one: the kernel's uid only (a fake lookup does it all at once). */
int
peer_lookup_uid(const struct sockaddr_storage *client,
                const struct sockaddr_storage *dst, struct peer_info *pi,
                struct peer_pending *pp)
{
	memset(pi, 0, sizeof *pi);
	pi->uid = (uid_t)-1;
	pi->gid = (gid_t)-1;
	pp->inode = 0;
	pp->complete = peer_fn != peer_kernel;
	if (pp->complete)
		return peer_fn(client, dst, pi);
	return peer_diag(client, dst, &pi->uid, &pp->inode);
}

/* Step two: the process behind the socket, the user and the groups. */
void
peer_lookup_rest(struct peer_info *pi, const struct peer_pending *pp)
{
	int found = 0;

	if (pp->complete)
		return;
	if (peer_want_process && pp->inode != 0)
		found = peer_proc_find(pi->uid, pp->inode, pi) == 0;
	peer_userdb(pi, !found);
}
