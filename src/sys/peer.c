/* Caller identity, step one: the client's socket as the kernel sees it
 * (peer_diag.c: sock_diag by the connection's exact 4-tuple, for one
 * connection or a burst), so the answer cannot be spoofed by anything the
 * client sends: its owner, inode, cookie (the key of the eBPF layer's
 * connect() record), and whether it is a live socket. Step two (who
 * connected) is read from the record here (peer_recall.c), asked of the
 * monitor, or answered in this process (peer_resolve.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

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

/* What step one found, into pi and pp; -1 (refuse) when it is not a
 * live socket. */
static int
peer_take(const struct peer_sock *ps, struct peer_info *pi,
          struct peer_pending *pp)
{
	if (!peer_sock_live(ps)) {
		log_debug("peer: client socket not live (state %d, inode %lu)",
		          ps->state, ps->inode);
		return -1;
	}
	pi->uid = ps->uid;
	pp->uid = ps->uid;
	pp->inode = ps->inode;
	pp->cookie = ps->cookie;
	return 0;
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
	return peer_take(&ps, pi, pp);
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

/* Step one for a burst of connections: one sock_diag round trip. */
void
peer_lookup_uids(struct peer_step *st, int n)
{
	struct peer_diag_q q[PEER_DIAG_BURST];
	int i, k;

	if (peer_fn != peer_kernel) { /* a fake does it all, one by one */
		for (i = 0; i < n; i++)
			st[i].rv = peer_lookup_uid(st[i].client, st[i].dst,
			                           st[i].pi, st[i].pp);
		return;
	}
	for (; n > 0; st += k, n -= k) {
		k = n < PEER_DIAG_BURST ? n : PEER_DIAG_BURST;
		for (i = 0; i < k; i++) {
			peer_clear(st[i].pi);
			memset(st[i].pp, 0, sizeof *st[i].pp);
			q[i].client = st[i].client;
			q[i].dst = st[i].dst;
		}
		peer_diag_many(q, k);
		for (i = 0; i < k; i++)
			st[i].rv = q[i].rv == -1 ? -1
			                         : peer_take(&q[i].ps, st[i].pi,
			                                     st[i].pp);
	}
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
