/* Who is on the other end of a connection, in two steps:
 *   1. peer_lookup_uid: cheap and synchronous: the uid that owns the
 *      client socket, from the kernel by the connection's address tuple
 *      (netlink sock_diag), refusing anything that is not a live socket
 *      of a process (a closed client's TIME_WAIT entry reads uid 0);
 *   2. peer_lookup_start: the process that connected, its groups, exe and
 *      cgroup: from the record the eBPF layer made at connect(), else from
 *      a bounded search of /proc; completes through a callback (answered
 *      by the privileged monitor, docs/interception.md) and can be
 *      cancelled when the connection dies. */
#ifndef IMDSGATE_PEER_H
#define IMDSGATE_PEER_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define PEER_MAXGROUPS 64

/* How the identity was established (audit field `ident`). */
enum peer_source {
	PEER_SRC_NONE,  /* step one only */
	PEER_SRC_BPF,   /* recorded by the kernel at connect() */
	PEER_SRC_PROC,  /* the process found holding the socket in /proc */
	PEER_SRC_OWNER, /* the socket's owner only (no process found) */
};

struct peer_info {
	uid_t uid;
	gid_t gid;                  /* primary gid: the real one */
	gid_t gids[PEER_MAXGROUPS]; /* supplementary */
	int ngids;
	char user[64];         /* name, or the uid as text */
	pid_t pid;             /* 0 when not found */
	pid_t tid;             /* the thread that connected; 0 when not known */
	char comm[17];         /* "" when not found */
	char exe[256];         /* "" when not found */
	int exe_verified;      /* exe is the file the process runs */
	uint64_t cgroup_id;    /* 0 when not known */
	char cgroup[256];      /* path in the cgroup2 tree; "" root/unknown */
	char container_id[65]; /* Docker/containerd/ECS/podman; "" none */
	enum peer_source source;
};

/* What step one learnt for step two. */
struct peer_pending {
	uint64_t cookie;     /* the client socket's (SO_COOKIE) */
	unsigned long inode; /* its inode */
	uid_t uid;           /* its owner */
	int complete;        /* a fake lookup filled everything */
};

/* client: the peer address of the accepted socket; dst: the address the
 * client's socket is connected to (the original destination before a NAT
 * redirect, else the accepted socket's own address). 0, or -1 when the
 * owner cannot be determined (the proxy then refuses the request: fail
 * closed). */
int peer_lookup_uid(const struct sockaddr_storage *client,
                    const struct sockaddr_storage *dst, struct peer_info *,
                    struct peer_pending *);

/* Step one for a burst of connections (those accepted in one go): one
 * sock_diag round trip for all of them (up to PEER_BURST together); rv as
 * peer_lookup_uid's. */
#define PEER_BURST 32
struct peer_step {
	const struct sockaddr_storage *client, *dst;
	struct peer_info *pi;
	struct peer_pending *pp;
	int rv;
};
void peer_lookup_uids(struct peer_step *, int n);

/* Step two. Returns 1 when pi is complete already (no callback), 0 when
 * the answer comes later through done(arg, ok) (*q then cancels it), -1
 * on failure (refuse). pi must stay valid until done or cancel. */
typedef void (*peer_done_fn)(void *arg, int ok);
struct peer_query;
int peer_lookup_start(struct peer_info *, const struct peer_pending *,
                      peer_done_fn, void *arg, struct peer_query **q);
void peer_lookup_cancel(struct peer_query *);

/* Both steps at once, synchronously, in this process (tools, tests). */
int peer_lookup(const struct sockaddr_storage *client,
                const struct sockaddr_storage *dst, struct peer_info *);
/* Step two synchronously in this process. */
void peer_lookup_rest(struct peer_info *, const struct peer_pending *);

/* Step two answered by another process: send(ctx, id, pending) asks (0 or
 * -1), cancel(ctx, id) withdraws; the answer is handed to
 * peer_remote_done. NULL: answer in this process. */
struct peer_remote {
	int (*send)(void *ctx, uint32_t id, const struct peer_pending *);
	void (*cancel)(void *ctx, uint32_t id);
	void *ctx;
};
void peer_set_remote(const struct peer_remote *);
void peer_remote_done(uint32_t id, int ok, const struct peer_info *);

/* Tests and benchmarks substitute the kernel lookup with a fake. */
typedef int (*peer_lookup_fn)(const struct sockaddr_storage *,
                              const struct sockaddr_storage *,
                              struct peer_info *);
void peer_set_lookup(peer_lookup_fn);
/* on = 0: no /proc at all (no exe, no fallback search: the owner and the
 * user database's groups when there is no connect() record), so the
 * monitor needs neither CAP_SYS_PTRACE nor CAP_DAC_READ_SEARCH. */
void peer_set_process(int on);
/* The eBPF layer's record map (redirect_bpf_ident_fd), for answers in
 * this process; -1 none. */
void peer_set_bpf(int map_fd);
/* The worker's read-only descriptor of that map: it reads the records
 * itself where the kernel lets it and the monitor named that process a
 * moment ago (no round trip), else asks the monitor as before. */
void peer_set_bpf_reader(int map_fd);

#endif
