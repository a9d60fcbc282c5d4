/* Internals of the peer lookup shared by peer.c, peer_proc.c and the
 * benchmark, which times each step on its own. */
#ifndef IMDSGATE_PEER_INT_H
#define IMDSGATE_PEER_INT_H

#include <sys/socket.h>
#include <sys/types.h>

#include "sys/peer.h"

/* uid and socket inode of the client socket (sock_diag); 0 or -1. */
int peer_diag(const struct sockaddr_storage *client,
              const struct sockaddr_storage *dst, uid_t *uid,
              unsigned long *inode);
/* The process holding socket inode, owned by uid: fills pid, comm, exe,
 * gid and gids from /proc. 0 when found, -1 when not. */
int peer_proc_find(uid_t uid, unsigned long inode, struct peer_info *);
/* Empty the recent-pid cache (benchmarks measure the cold case). */
void peer_proc_forget(void);

#endif
