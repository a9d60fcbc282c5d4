/* Step two of the caller lookup, where the privileges are (the monitor,
 * or a tool run as root): the connect() record when the eBPF layer made
 * one, in constant time; else a bounded search of /proc; else the
 * socket's owner alone. Searches are fair: one at a time per uid, the
 * uids taking turns slice by slice, a short queue per uid (beyond it the
 * owner alone answers at once), so one user's expensive lookups never
 * delay another's, and a record answers at once whatever is queued. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "sys/peer_int.h"

#define PEER_UID_QUEUE 8 /* searches waiting per uid */

struct peer_job {
	uint32_t id;
	struct peer_info pi;
	struct peer_scan *scan;
	peer_resolved_fn fn;
	void *arg;
	struct peer_uidq *q;
	TAILQ_ENTRY(peer_job) entry;
};

struct peer_uidq { /* one uid's searches, oldest first */
	uid_t uid;
	int n;
	TAILQ_HEAD(, peer_job) jobs;
	TAILQ_ENTRY(peer_uidq) entry;
};

struct peer_resolver {
	struct event_base *base;
	int bpf_fd;
	int proc;
	struct event *work;
	TAILQ_HEAD(, peer_uidq) ring; /* uids with searches, taking turns */
};

#define PEER_USER_CACHE 8 /* uids whose names are remembered, a second */

static struct {
	uid_t uid;
	struct timespec at; /* 0: empty */
	char name[sizeof(((struct peer_info *)0)->user)];
} peer_users[PEER_USER_CACHE];
static unsigned peer_users_next;

/* A name looked up less than a second ago, for the record of the next
 * connection of the same uid: the user database lookup is five system
 * calls (open, fstat, read, lseek, close of /etc/passwd) per connection,
 * half of the monitor's work for a connect() record. Only the name: the
 * name is informational next to the uid, and groups are never cached. */
static int
peer_userdb_cached(struct peer_info *pi, const struct timespec *now)
{
	unsigned i;

	for (i = 0; i < PEER_USER_CACHE; i++) {
		if (peer_users[i].at.tv_sec == 0 ||
		    peer_users[i].uid != pi->uid)
			continue;
		if (!peer_cache_fresh(now, &peer_users[i].at))
			return 0;
		memcpy(pi->user, peer_users[i].name, sizeof pi->user);
		return 1;
	}
	return 0;
}

static void
peer_userdb_remember(const struct peer_info *pi, const struct timespec *now)
{
	unsigned i;

	for (i = 0; i < PEER_USER_CACHE; i++)
		if (peer_users[i].at.tv_sec != 0 &&
		    peer_users[i].uid == pi->uid)
			break;
	if (i == PEER_USER_CACHE)
		i = peer_users_next++ % PEER_USER_CACHE;
	peer_users[i].uid = pi->uid;
	peer_users[i].at = *now;
	memcpy(peer_users[i].name, pi->user, sizeof peer_users[i].name);
}

/* User name and, when no process said, groups from the user database
 * (what the user would get at login: her own, never more). */
void
peer_userdb(struct peer_info *pi, int need_groups)
{
	struct passwd pw, *pwp = NULL;
	struct timespec now;
	char buf[4096];
	int n = PEER_MAXGROUPS;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == -1)
		now.tv_sec = 0; /* no cache */
	if (!need_groups && now.tv_sec != 0 && peer_userdb_cached(pi, &now))
		return;
	if (getpwuid_r(pi->uid, &pw, buf, sizeof buf, &pwp) != 0 ||
	    pwp == NULL) {
		snprintf(pi->user, sizeof pi->user, "%u", (unsigned)pi->uid);
		if (need_groups)
			pi->gid = (gid_t)-1;
		return;
	}
	snprintf(pi->user, sizeof pi->user, "%s", pw.pw_name);
	if (now.tv_sec != 0)
		peer_userdb_remember(pi, &now);
	if (!need_groups)
		return;
	pi->gid = pw.pw_gid;
	if (getgrouplist(pw.pw_name, pw.pw_gid, pi->gids, &n) == -1)
		n = PEER_MAXGROUPS; /* truncated: keep what fits */
	pi->ngids = n;
}

/* The cgroup (the root is no information) and the container in it. */
static void
peer_resolve_cgroup(struct peer_info *pi, int proc)
{
	int r = -1;

	if (pi->cgroup_id != 0)
		r = peer_cgroup_path(pi->cgroup_id, pi->cgroup,
		                     sizeof pi->cgroup);
	else if (proc && pi->pid > 0)
		r = peer_cgroup_of_pid(pi->pid, pi->cgroup, sizeof pi->cgroup);
	if (r == -1 || strcmp(pi->cgroup, "/") == 0) {
		pi->cgroup[0] = '\0';
		return;
	}
	peer_cgroup_container(pi->cgroup, pi->container_id,
	                      sizeof pi->container_id);
}

/* Everything after the process is known (or not): exe, cgroup, user. */
static void
peer_resolve_finish(struct peer_info *pi, int proc, dev_t dev, ino_t ino)
{
	if (proc && pi->pid > 0)
		peer_exe(pi->pid, dev, ino, pi);
	peer_resolve_cgroup(pi, proc);
	if (pi->source == PEER_SRC_NONE)
		pi->source = PEER_SRC_OWNER;
	peer_userdb(pi, pi->source == PEER_SRC_OWNER || pi->gid == (gid_t)-1);
}

/* A fresh answer for the socket's owner. */
static void
peer_resolve_init(struct peer_info *pi, const struct peer_pending *pp)
{
	memset(pi, 0, sizeof *pi);
	pi->uid = pp->uid;
	pi->gid = (gid_t)-1;
}

/* The record, when there is one: 1 done (pi complete), 0 not. */
static int
peer_resolve_record(int bpf_fd, int proc, const struct peer_pending *pp,
                    struct peer_info *pi)
{
	dev_t dev = 0;
	ino_t ino = 0;

	if (peer_bpf_get(bpf_fd, pp->cookie, pi, &dev, &ino) != 1)
		return 0;
	peer_resolve_finish(pi, proc, dev, ino);
	return 1;
}

/* Record, else the whole bounded search, else the owner. */
void
peer_resolve_now(int bpf_fd, int proc, const struct peer_pending *pp,
                 struct peer_info *pi)
{
	struct peer_scan *s;
	int r = 0;

	peer_resolve_init(pi, pp);
	if (peer_resolve_record(bpf_fd, proc, pp, pi))
		return;
	if (proc && pp->inode != 0) {
		s = peer_scan_new(pp->uid, pp->inode);
		while ((r = peer_scan_step(s, PEER_SCAN_SLICE, pi)) == -1)
			;
		peer_scan_free(s);
	}
	if (r != 1)
		peer_resolve_init(pi, pp);
	peer_resolve_finish(pi, proc, 0, 0);
}

static void peer_resolver_work(evutil_socket_t, short, void *);

/* The monitor's resolver: searches run in slices on base. */
struct peer_resolver *
peer_resolver_new(struct event_base *base, int bpf_fd, int proc)
{
	struct peer_resolver *r = xcalloc(1, sizeof *r);

	r->base = base;
	r->bpf_fd = bpf_fd;
	r->proc = proc;
	TAILQ_INIT(&r->ring);
	if (base != NULL)
		r->work = evtimer_new(base, peer_resolver_work, r);
	return r;
}

/* Remove a job (answered or cancelled), and its uid once idle. */
static void
peer_job_free(struct peer_resolver *r, struct peer_job *j)
{
	struct peer_uidq *q = j->q;

	TAILQ_REMOVE(&q->jobs, j, entry);
	peer_scan_free(j->scan);
	free(j);
	if (--q->n == 0) {
		TAILQ_REMOVE(&r->ring, q, entry);
		free(q);
	}
}

/* Pending searches are dropped (the worker is gone). */
void
peer_resolver_free(struct peer_resolver *r)
{
	struct peer_uidq *q;

	if (r == NULL)
		return;
	while ((q = TAILQ_FIRST(&r->ring)) != NULL)
		peer_job_free(r, TAILQ_FIRST(&q->jobs));
	if (r->work != NULL)
		event_free(r->work);
	free(r);
}

/* The next slice soon, after the loop has looked for other requests. */
static void
peer_resolver_arm(struct peer_resolver *r)
{
	struct timeval zero = {0, 0};

	if (!TAILQ_EMPTY(&r->ring) && !evtimer_pending(r->work, NULL))
		evtimer_add(r->work, &zero);
}

/* The uid's queue, created at the end of the ring; NULL when full. */
static struct peer_uidq *
peer_resolver_uidq(struct peer_resolver *r, uid_t uid)
{
	struct peer_uidq *q;

	TAILQ_FOREACH(q, &r->ring, entry)
	if (q->uid == uid)
		return q->n < PEER_UID_QUEUE ? q : NULL;
	q = xcalloc(1, sizeof *q);
	q->uid = uid;
	TAILQ_INIT(&q->jobs);
	TAILQ_INSERT_TAIL(&r->ring, q, entry);
	return q;
}

/* A record answers at once; a search waits its uid's turn. */
void
peer_resolver_start(struct peer_resolver *r, uint32_t id,
                    const struct peer_pending *pp, peer_resolved_fn fn,
                    void *arg)
{
	struct peer_uidq *q = NULL;
	struct peer_info pi;
	struct peer_job *j;

	if (r->base == NULL) {
		peer_resolve_now(r->bpf_fd, r->proc, pp, &pi);
		fn(arg, id, &pi);
		return;
	}
	peer_resolve_init(&pi, pp);
	if (peer_resolve_record(r->bpf_fd, r->proc, pp, &pi) || !r->proc ||
	    pp->inode == 0 || (q = peer_resolver_uidq(r, pp->uid)) == NULL) {
		if (pi.source != PEER_SRC_BPF)
			peer_resolve_finish(&pi, r->proc, 0, 0);
		fn(arg, id, &pi);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->id = id;
	j->fn = fn;
	j->arg = arg;
	j->q = q;
	j->scan = peer_scan_new(pp->uid, pp->inode);
	peer_resolve_init(&j->pi, pp);
	TAILQ_INSERT_TAIL(&q->jobs, j, entry);
	q->n++;
	peer_resolver_arm(r);
}

/* The connection is gone: stop searching for it. */
void
peer_resolver_cancel(struct peer_resolver *r, uint32_t id)
{
	struct peer_uidq *q;
	struct peer_job *j;

	TAILQ_FOREACH(q, &r->ring, entry)
	TAILQ_FOREACH(j, &q->jobs, entry)
	if (j->id == id) {
		peer_job_free(r, j);
		return;
	}
}

/* One slice of the first search of the uid whose turn it is; that uid
 * goes to the end of the ring. */
static void
peer_resolver_work(evutil_socket_t fd, short ev, void *arg)
{
	struct peer_resolver *r = arg;
	struct peer_uidq *q = TAILQ_FIRST(&r->ring);
	struct peer_job *j;
	int st;

	if (q == NULL)
		return;
	TAILQ_REMOVE(&r->ring, q, entry);
	TAILQ_INSERT_TAIL(&r->ring, q, entry);
	j = TAILQ_FIRST(&q->jobs);
	st = peer_scan_step(j->scan, PEER_SCAN_SLICE, &j->pi);
	if (st != -1) {
		if (st == 0) /* not found: the owner alone */
			peer_resolve_init(
			    &j->pi, &(struct peer_pending){.uid = q->uid});
		peer_resolve_finish(&j->pi, r->proc, 0, 0);
		j->fn(j->arg, j->id, &j->pi);
		peer_job_free(r, j);
	}
	peer_resolver_arm(r);
}
