/* Who is on the other end of a connection: the uid that owns the client
 * socket (from the kernel, by the connection's address tuple, with netlink
 * sock_diag), its groups, and where it can be found the process. */
#ifndef IMDSGATE_PEER_H
#define IMDSGATE_PEER_H

#include <sys/socket.h>
#include <sys/types.h>

#define PEER_MAXGROUPS 64

struct peer_info {
	uid_t uid;
	gid_t gid;                  /* primary gid */
	gid_t gids[PEER_MAXGROUPS]; /* supplementary */
	int ngids;
	char user[64]; /* name, or the uid as text */
	pid_t pid;     /* 0 when not found */
	char comm[17]; /* "" when not found */
	char exe[256]; /* "" when not found */
};

/* client: the peer address of the accepted socket; dst: the address the
 * client connected to (the original destination before the redirect).
 * Returns 0, or -1 when the owner cannot be determined (the proxy then
 * refuses the request: fail closed). */
int peer_lookup(const struct sockaddr_storage *client,
                const struct sockaddr_storage *dst, struct peer_info *);

/* The same lookup in two steps, so the proxy can apply its per-uid limits
 * on the cheap kernel answer before paying for the /proc scan:
 * peer_lookup_uid fills pi->uid (sock_diag only; 0 or -1 as above),
 * peer_lookup_rest the process, the user name and the groups. */
struct peer_pending {
	unsigned long inode;
	int complete; /* a fake lookup filled everything */
};
int peer_lookup_uid(const struct sockaddr_storage *client,
                    const struct sockaddr_storage *dst, struct peer_info *,
                    struct peer_pending *);
void peer_lookup_rest(struct peer_info *, const struct peer_pending *);

/* Tests and benchmarks substitute the kernel lookup with a fake. */
typedef int (*peer_lookup_fn)(const struct sockaddr_storage *,
                              const struct sockaddr_storage *,
                              struct peer_info *);
void peer_set_lookup(peer_lookup_fn);
/* on = 0: skip the /proc scan (no pid, comm, exe; groups from the user
 * database), so the daemon needs neither CAP_SYS_PTRACE nor
 * CAP_DAC_READ_SEARCH. Default on. */
void peer_set_process(int on);

#endif
