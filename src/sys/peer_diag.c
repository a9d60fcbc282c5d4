/* The client's socket as NETLINK_SOCK_DIAG reports it, asked by the
 * connection's exact 4-tuple (client address, the address it is
 * connected to), so nothing the client sends can spoof the answer: owner,
 * inode, cookie, state. One connection at a time, or a burst of them in
 * one round trip: one sendto carrying every request (the kernel answers
 * each in turn before it returns) and one recvmmsg taking the answers,
 * two system calls for the burst where one at a time costs two each. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sys/peer_int.h"

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

/* One request as it goes on the wire, numbered seq. */
struct peer_msg {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
};

static void
peer_msg(const struct inet_diag_req_v2 *r, unsigned seq, struct peer_msg *m)
{
	memset(m, 0, sizeof *m);
	m->nlh.nlmsg_len = sizeof *m;
	m->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m->nlh.nlmsg_flags = NLM_F_REQUEST;
	m->nlh.nlmsg_seq = seq;
	m->req = *r;
}

/* Send n requests in one message on the shared netlink socket (the
 * kernel answers each in turn before sendto returns); the socket or -1. */
static int
peer_send(const struct peer_msg *m, int n)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	size_t len = (size_t)n * sizeof *m;
	int fd;

	if ((fd = peer_socket()) == -1)
		return -1;
	if (sendto(fd, m, len, 0, (struct sockaddr *)&nl, sizeof nl) !=
	    (ssize_t)len) {
		peer_socket_drop();
		return -1;
	}
	return fd;
}

/* One answer: the socket's uid, inode, cookie and state (0), or no such
 * socket (-1: an error reply). */
static int
peer_parse(const struct nlmsghdr *h, struct peer_sock *ps)
{
	const struct inet_diag_msg *m;

	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
		return -1;
	m = NLMSG_DATA(h);
	ps->uid = m->idiag_uid;
	ps->inode = m->idiag_inode;
	ps->cookie =
	    (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	ps->state = m->idiag_state;
	return 0;
}

/* Read the one answer: as peer_parse, or -2 (no answer, or one to another
 * request: the shared socket is then out of step). */
static int
peer_recv(int fd, struct peer_sock *ps)
{
	long buf[2048 / sizeof(long)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	ssize_t n;

	n = recv(fd, buf, sizeof buf, 0);
	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != peer_seq)
		return -2;
	return peer_parse(h, ps);
}

/* The exact lookup for one connection; -1 when it cannot be asked. */
static int
peer_ask(const struct sockaddr_storage *client,
         const struct sockaddr_storage *dst, struct inet_diag_req_v2 *r)
{
	struct sockaddr_storage c, d;

	peer_unmap(client, &c);
	peer_unmap(dst, &d);
	return peer_request(&c, &d, r);
}

/* The client socket, by sock_diag. */
int
peer_diag(const struct sockaddr_storage *client,
          const struct sockaddr_storage *dst, struct peer_sock *ps)
{
	struct inet_diag_req_v2 r;
	struct peer_msg m;
	int fd, rv;

	memset(ps, 0, sizeof *ps);
	if (peer_ask(client, dst, &r) == -1)
		return -1;
	peer_msg(&r, ++peer_seq, &m);
	if ((fd = peer_send(&m, 1)) == -1)
		return -1;
	rv = peer_recv(fd, ps);
	if (rv == -2) { /* nothing, or not our answer: start afresh */
		peer_socket_drop();
		return -1;
	}
	return rv;
}

/* The answers to a burst numbered from first: each matched to its request
 * by sequence number. Returns how many came. */
static int
peer_recv_many(int fd, unsigned first, int k, struct peer_diag_q *const *qs)
{
	long buf[PEER_DIAG_BURST][512 / sizeof(long)];
	struct mmsghdr mm[PEER_DIAG_BURST];
	struct iovec iov[PEER_DIAG_BURST];
	const struct nlmsghdr *h;
	int i, r, got = 0;

	memset(mm, 0, sizeof mm);
	for (i = 0; i < k; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof buf[i];
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(fd, mm, (unsigned)k, MSG_WAITFORONE, NULL);
	for (i = 0; i < r; i++) {
		h = (const struct nlmsghdr *)buf[i];
		if (!NLMSG_OK(h, mm[i].msg_len) ||
		    h->nlmsg_seq - first >= (unsigned)k)
			continue;
		qs[h->nlmsg_seq - first]->rv =
		    peer_parse(h, &qs[h->nlmsg_seq - first]->ps);
		got++;
	}
	return got;
}

/* A burst of lookups, in one round trip; whatever did not come back
 * that way (a lost answer, an error) is asked again one at a time. */
void
peer_diag_many(struct peer_diag_q *q, int n)
{
	struct peer_msg m[PEER_DIAG_BURST];
	struct peer_diag_q *qs[PEER_DIAG_BURST];
	struct inet_diag_req_v2 r;
	unsigned first = peer_seq + 1;
	int i, k = 0, fd;

	for (i = 0; i < n; i++) {
		memset(&q[i].ps, 0, sizeof q[i].ps);
		q[i].rv = -2; /* not answered yet */
		if (k == PEER_DIAG_BURST ||
		    peer_ask(q[i].client, q[i].dst, &r) == -1)
			continue;
		qs[k] = &q[i];
		peer_msg(&r, first + (unsigned)k, &m[k]);
		k++;
	}
	peer_seq += (unsigned)k;
	if (k > 0 && (fd = peer_send(m, k)) != -1 &&
	    peer_recv_many(fd, first, k, qs) != k)
		peer_socket_drop(); /* out of step: start afresh */
	for (i = 0; i < n; i++)
		if (q[i].rv == -2)
			q[i].rv = peer_diag(q[i].client, q[i].dst, &q[i].ps);
}
