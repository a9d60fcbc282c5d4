/* Step two in the worker, without the monitor, when it can be done
 * there: the worker reads the connect() record itself (a read-only
 * descriptor of the eBPF layer's map; no capability needed since Linux
 * 6.5) and names what the record points at from the monitor's answer for
 * the same process less than a second ago. Only names are recalled: the
 * user's (by uid), the executable's (by pid and the device and inode of
 * the file the process ran at connect()) and the cgroup's (by its id).
 * Who connected (uid, gid, groups, pid, comm, cgroup id) is always this
 * connection's own record, read from the kernel. A miss, a process that
 * exec'd another file or a pid reused by another file, asks the monitor
 * as before; so does every connection on a kernel that refuses the map to
 * a process without capabilities. The round trip to the monitor was the
 * largest cost of a new connection (issue 18). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "sys/imdsgate_bpf.h"
#include "sys/peer_int.h"

#define PEER_RECALL 16 /* processes remembered, for a second */

static struct {
	struct peer_recall_key k;
	struct timespec at; /* 0: empty */
	int exe_verified;
	char user[sizeof(((struct peer_info *)0)->user)];
	char exe[sizeof(((struct peer_info *)0)->exe)];
	char cgroup[sizeof(((struct peer_info *)0)->cgroup)];
	char container_id[sizeof(((struct peer_info *)0)->container_id)];
} peer_recalls[PEER_RECALL];
static unsigned peer_recalls_next;

/* Can this process read the map? A kernel before 6.5 (or a sysctl)
 * refuses bpf() to a process without capabilities: say so once and let
 * the monitor read every record. Returns fd, or -1 (closed). */
int
peer_recall_probe(int fd)
{
	struct imdsgate_ident v;
	__u64 k = 0;

	if (fd < 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &k, &v) == 0 || errno == ENOENT)
		return fd;
	log_info("eBPF records: read by the monitor (this process may not: "
	         "%s)",
	         strerror(errno));
	close(fd);
	return -1;
}

/* The same process, running the same file, as the same user? */
static int
peer_recall_same(const struct peer_recall_key *a,
                 const struct peer_recall_key *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->dev == b->dev &&
	       a->ino == b->ino && a->cgroup_id == b->cgroup_id;
}

/* The names the monitor gave for k less than a second ago, into pi. */
static int
peer_recall_names(const struct peer_recall_key *k, struct peer_info *pi)
{
	struct timespec now;
	unsigned i;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == -1)
		return 0;
	for (i = 0; i < PEER_RECALL; i++) {
		if (peer_recalls[i].at.tv_sec == 0 ||
		    !peer_recall_same(&peer_recalls[i].k, k))
			continue;
		if (!peer_cache_fresh(&now, &peer_recalls[i].at))
			return 0;
		memcpy(pi->user, peer_recalls[i].user, sizeof pi->user);
		memcpy(pi->exe, peer_recalls[i].exe, sizeof pi->exe);
		pi->exe_verified = peer_recalls[i].exe_verified;
		memcpy(pi->cgroup, peer_recalls[i].cgroup, sizeof pi->cgroup);
		memcpy(pi->container_id, peer_recalls[i].container_id,
		       sizeof pi->container_id);
		return 1;
	}
	return 0;
}

/* 1: pi is complete (this connection's record, recalled names); 0: ask
 * the monitor (k says what its answer may be remembered under). */
int
peer_recall(int fd, const struct peer_pending *pp, struct peer_info *pi,
            struct peer_recall_key *k)
{
	struct peer_info r;
	dev_t dev;
	ino_t ino;

	memset(k, 0, sizeof *k);
	memset(&r, 0, sizeof r);
	if (fd < 0 || peer_bpf_get(fd, pp->cookie, &r, &dev, &ino) != 1 ||
	    ino == 0)
		return 0;
	k->pid = r.pid;
	k->uid = r.uid;
	k->dev = dev;
	k->ino = ino;
	k->cgroup_id = r.cgroup_id;
	k->valid = 1;
	if (!peer_recall_names(k, &r))
		return 0;
	*pi = r;
	return 1;
}

/* The monitor's answer for the record k was read from: its names. */
void
peer_recall_learn(const struct peer_recall_key *k, const struct peer_info *ans)
{
	struct timespec now;
	unsigned i;

	if (!k->valid || ans->source != PEER_SRC_BPF || ans->pid != k->pid ||
	    ans->uid != k->uid || ans->cgroup_id != k->cgroup_id ||
	    clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == -1)
		return;
	for (i = 0; i < PEER_RECALL; i++) /* one entry per key */
		if (peer_recalls[i].at.tv_sec != 0 &&
		    peer_recall_same(&peer_recalls[i].k, k))
			break;
	if (i == PEER_RECALL)
		i = peer_recalls_next++ % PEER_RECALL;
	peer_recalls[i].k = *k;
	peer_recalls[i].at = now;
	peer_recalls[i].exe_verified = ans->exe_verified;
	memcpy(peer_recalls[i].user, ans->user, sizeof ans->user);
	memcpy(peer_recalls[i].exe, ans->exe, sizeof ans->exe);
	memcpy(peer_recalls[i].cgroup, ans->cgroup, sizeof ans->cgroup);
	memcpy(peer_recalls[i].container_id, ans->container_id,
	       sizeof ans->container_id);
}
