/* Caller identity, step one: the client's socket as the kernel sees it,
 * asked of NETLINK_SOCK_DIAG by the connection's exact 4-tuple (client
 * address, the address it is connected to), so the answer cannot be
 * spoofed by anything the client sends: its owner, inode, cookie (the key
 * of the eBPF layer's connect() record) and state. Step two (who
 * connected) is asked of the monitor, or answered here (peer_resolve.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "sys/peer.h"
#include "sys/peer_int.h"

static int peer_kernel(const struct sockaddr_storage *,
                       const struct sockaddr_storage *, struct peer_info *);

static peer_lookup_fn peer_fn = peer_kernel;
static int peer_want_process = 1;
static int peer_bpf_fd = -1;

/* Tests and benchmarks swap the kernel lookup for a fake; NULL restores. */
void
peer_set_lookup(peer_lookup_fn fn)
{
	peer_fn = fn != NULL ? fn : peer_kernel;
}

/* Without /proc the monitor needs no CAP_SYS_PTRACE. */
void
peer_set_process(int on)
{
	peer_want_process = on;
}

/* The records map for lookups answered in this process. */
void
peer_set_bpf(int map_fd)
{
	peer_bpf_fd = map_fd;
}

/* The worker's read-only descriptor: records read here where the kernel
 * allows it (peer_recall.c), else by the monitor. */
void
peer_set_bpf_reader(int map_fd)
{
	peer_bpf_fd = peer_recall_probe(map_fd);
}

/* A fresh answer: nothing known, ids unset. */
static void
peer_clear(struct peer_info *pi)
{
	memset(pi, 0, sizeof *pi);
	pi->uid = (uid_t)-1;
	pi->gid = (gid_t)-1;
}

/* Both steps at once, in this process. */
int
peer_lookup(const struct sockaddr_storage *client,
            const struct sockaddr_storage *dst, struct peer_info *pi)
{
	peer_clear(pi);
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

/* Read the one answer: the socket's uid, inode, cookie and state, -1 (no
 * such socket), or -2 (no answer, or one to another request: the shared
 * socket is then out of step). */
static int
peer_recv(int fd, struct peer_sock *ps)
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
	ps->uid = m->idiag_uid;
	ps->inode = m->idiag_inode;
	ps->cookie =
	    (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	ps->state = m->idiag_state;
	return 0;
}

/* The client socket, by sock_diag. */
int
peer_diag(const struct sockaddr_storage *client,
          const struct sockaddr_storage *dst, struct peer_sock *ps)
{
	struct sockaddr_storage c, d;
	struct inet_diag_req_v2 r;
	int fd, rv;

	memset(ps, 0, sizeof *ps);
	peer_unmap(client, &c);
	peer_unmap(dst, &d);
	if (peer_request(&c, &d, &r) == -1)
		return -1;
	if ((fd = peer_send(&r)) == -1)
		return -1;
	rv = peer_recv(fd, ps);
	if (rv == -2) { /* nothing, or not our answer: start afresh */
		peer_socket_drop();
		return -1;
	}
	return rv;
}

/* Connected (or half-closed by the client, still holding it) and owned
 * by an open file: inode 0 is a TIME_WAIT entry or an orphan, whose uid
 * the kernel reports as 0. */
int
peer_sock_live(const struct peer_sock *ps)
{
	return ps->inode != 0 &&
	       (ps->state == TCP_ESTABLISHED || ps->state == TCP_FIN_WAIT1 ||
	        ps->state == TCP_FIN_WAIT2);
}

/* Step one into pi and pp; -1 (refuse) when not a live socket. */
static int
peer_step_one(const struct sockaddr_storage *client,
              const struct sockaddr_storage *dst, struct peer_info *pi,
              struct peer_pending *pp)
{
	struct peer_sock ps;

	if (peer_diag(client, dst, &ps) == -1)
		return -1;
	if (!peer_sock_live(&ps)) {
		log_debug("peer: client socket not live (state %d, inode %lu)",
		          ps.state, ps.inode);
		return -1;
	}
	pi->uid = ps.uid;
	pp->uid = ps.uid;
	pp->inode = ps.inode;
	pp->cookie = ps.cookie;
	return 0;
}

/* The real lookup: both steps here. */
static int
peer_kernel(const struct sockaddr_storage *client,
            const struct sockaddr_storage *dst, struct peer_info *pi)
{
	struct peer_pending pp;

	memset(&pp, 0, sizeof pp);
	if (peer_step_one(client, dst, pi, &pp) == -1)
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
	peer_clear(pi);
	memset(pp, 0, sizeof *pp);
	pp->complete = peer_fn != peer_kernel;
	if (pp->complete)
		return peer_fn(client, dst, pi);
	return peer_step_one(client, dst, pi, pp);
}

/* Step two, here and now. */
void
peer_lookup_rest(struct peer_info *pi, const struct peer_pending *pp)
{
	if (pp->complete)
		return;
	peer_resolve_now(peer_bpf_fd, peer_want_process, pp, pi);
}

/* Queries waiting for the monitor's answer. */
struct peer_query {
	uint32_t id;
	struct peer_info *pi;
	peer_done_fn done;
	void *arg;
	struct peer_recall_key key; /* the answer's names, remembered */
	struct peer_query *next;
};
static struct peer_query *peer_queries;
static uint32_t peer_next_id;
static struct peer_remote peer_remote_to;
static int peer_remote_set;

/* The monitor answers step two from now on (NULL: this process). */
void
peer_set_remote(const struct peer_remote *r)
{
	peer_remote_set = r != NULL;
	if (r != NULL)
		peer_remote_to = *r;
}

/* Unlink q from the waiting list. */
static void
peer_query_unlink(struct peer_query *q)
{
	struct peer_query **pp;

	for (pp = &peer_queries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

/* Step two: at once here, or from the record and remembered names, or
 * asked of the monitor. */
int
peer_lookup_start(struct peer_info *pi, const struct peer_pending *pp,
                  peer_done_fn done, void *arg, struct peer_query **qp)
{
	struct peer_recall_key key;
	struct peer_query *q;

	*qp = NULL;
	if (pp->complete || !peer_remote_set) {
		peer_lookup_rest(pi, pp);
		return 1;
	}
	if (peer_recall(peer_bpf_fd, pp, pi, &key) == 1)
		return 1;
	q = xcalloc(1, sizeof *q);
	q->key = key;
	q->id = ++peer_next_id;
	q->pi = pi;
	q->done = done;
	q->arg = arg;
	if (peer_remote_to.send(peer_remote_to.ctx, q->id, pp) == -1) {
		free(q);
		return -1;
	}
	q->next = peer_queries;
	peer_queries = q;
	*qp = q;
	return 0;
}

/* The connection died first: the answer will find no query. */
void
peer_lookup_cancel(struct peer_query *q)
{
	if (q == NULL)
		return;
	peer_query_unlink(q);
	peer_remote_to.cancel(peer_remote_to.ctx, q->id);
	free(q);
}

/* An answer: to its query if still waiting (else it was cancelled). The
 * uid step one found stays unless the record names who connected. */
void
peer_remote_done(uint32_t id, int ok, const struct peer_info *ans)
{
	struct peer_query *q;

	for (q = peer_queries; q != NULL && q->id != id; q = q->next)
		;
	if (q == NULL)
		return;
	peer_query_unlink(q);
	if (ok) {
		*q->pi = *ans;
		peer_recall_learn(&q->key, ans);
	}
	q->done(q->arg, ok);
	free(q);
}
