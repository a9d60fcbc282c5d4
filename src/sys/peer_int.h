/* Internals of the caller lookup, shared by peer*.c, the monitor and the
 * benchmark, which times each step on its own. */
#ifndef IMDSGATE_PEER_INT_H
#define IMDSGATE_PEER_INT_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "sys/peer.h"

struct event_base;

/* The name caches (the monitor's in peer_exe.c and peer_resolve.c, the
 * worker's in peer_recall.c) keep an answer for a second of
 * CLOCK_MONOTONIC_COARSE time: whether then is that fresh at now (a clock
 * gone backwards is not). */
static inline int
peer_cache_fresh(const struct timespec *now, const struct timespec *then)
{
	long ns = (now->tv_sec - then->tv_sec) * 1000000000L +
	          (now->tv_nsec - then->tv_nsec);

	return ns >= 0 && ns < 1000000000L;
}

/* The client socket as sock_diag reports it (peer.c). */
struct peer_sock {
	uid_t uid;
	unsigned long inode;
	uint64_t cookie;
	int state; /* TCP_ESTABLISHED, ... */
};
/* 0 found, -1 no such socket (or no answer). */
int peer_diag(const struct sockaddr_storage *client,
              const struct sockaddr_storage *dst, struct peer_sock *);
/* A burst of lookups (peer_diag.c), one round trip for all; rv as
 * peer_diag's. At most PEER_DIAG_BURST go together (more: one at a time). */
#define PEER_DIAG_BURST PEER_BURST
struct peer_diag_q {
	const struct sockaddr_storage *client, *dst;
	struct peer_sock ps;
	int rv;
};
void peer_diag_many(struct peer_diag_q *, int n);
/* Is it a live socket a process owns? TIME_WAIT entries and orphans
 * (the client closed) read uid 0 and inode 0: never taken for root. */
int peer_sock_live(const struct peer_sock *);

/* The connect() record (peer_bpf.c): 1 found (pi filled: uid, groups,
 * pid, tid, comm, cgroup id; exe_dev/exe_ino for the exe check), 0 none,
 * -1 error. */
int peer_bpf_get(int map_fd, uint64_t cookie, struct peer_info *,
                 dev_t *exe_dev, ino_t *exe_ino);

/* The worker's step two from the record and remembered names
 * (peer_recall.c). The key: what the names were looked up for. */
struct peer_recall_key {
	pid_t pid;
	uid_t uid;
	dev_t dev;
	ino_t ino;
	uint64_t cgroup_id;
	int valid; /* a record was read */
};
/* fd if this process may read the map, else -1 (fd closed). */
int peer_recall_probe(int map_fd);
/* 1 pi complete, 0 ask the monitor; k is filled for peer_recall_learn. */
int peer_recall(int map_fd, const struct peer_pending *, struct peer_info *,
                struct peer_recall_key *k);
void peer_recall_learn(const struct peer_recall_key *k,
                       const struct peer_info *answer);

/* pid's executable into pi->exe (peer_exe.c), verified when the file at
 * that path in our mount namespace has dev/ino (or, with dev 0, is the
 * file /proc/PID/exe itself opens): pi->exe_verified. 0, or -1 when the
 * process is gone or not readable. */
int peer_exe(pid_t pid, dev_t dev, ino_t ino, struct peer_info *);

/* The cgroup's path below the cgroup2 root from its id ("/" for the
 * root), and the container id in a path (peer_cgroup.c). 0 or -1. */
int peer_cgroup_path(uint64_t id, char *out, size_t len);
int peer_cgroup_container(const char *path, char *out, size_t len);
/* From /proc/PID/cgroup (no record: the holder's cgroup). */
int peer_cgroup_of_pid(pid_t pid, char *out, size_t len);

/* A bounded, resumable search of /proc for the process holding
 * socket:[inode], among uid's processes (peer_proc.c). step does at most
 * `work` units (a /proc entry looked at or an fd link read) and returns 1
 * found (pi: pid, comm, real gid, groups; exe not filled), 0 not found or
 * the scan's own budget spent, -1 not finished (call again). */
#define PEER_SCAN_SLICE 256    /* units per step, between other work */
#define PEER_SCAN_BUDGET 20000 /* units per connection, then give up */
struct peer_scan;
struct peer_scan *peer_scan_new(uid_t uid, unsigned long inode);
int peer_scan_step(struct peer_scan *, int work, struct peer_info *);
void peer_scan_free(struct peer_scan *);
/* Empty the recent-pid cache (benchmarks measure the cold case). */
void peer_proc_forget(void);

/* Step two (peer_resolve.c): the record when there is one, else the
 * search, else the owner alone; then the user's name, exe, cgroup. */
struct peer_resolver;
typedef void (*peer_resolved_fn)(void *arg, uint32_t id,
                                 const struct peer_info *);
/* base NULL: each search runs to its end at once (synchronous). */
struct peer_resolver *peer_resolver_new(struct event_base *, int bpf_fd,
                                        int proc);
void peer_resolver_free(struct peer_resolver *);
void peer_resolver_start(struct peer_resolver *, uint32_t id,
                         const struct peer_pending *, peer_resolved_fn,
                         void *arg);
void peer_resolver_cancel(struct peer_resolver *, uint32_t id);
/* The same, at once, in this process. */
void peer_resolve_now(int bpf_fd, int proc, const struct peer_pending *,
                      struct peer_info *);
/* Name and groups from the user database (no process known). */
void peer_userdb(struct peer_info *, int need_groups);

#endif
