/* The destination a redirected connection was originally sent to
 * (SO_ORIGINAL_DST, IP6T_SO_ORIGINAL_DST). */
#ifndef IMDSGATE_ORIGDST_H
#define IMDSGATE_ORIGDST_H

#include <sys/socket.h>

/* Returns 1 when fd was redirected (out = original destination), 0 when
 * it was not (out = the local address, as for a direct connection), -1 on
 * error. */
int origdst_get(int fd, struct sockaddr_storage *out);
/* The same when the socket's local address is known already (an accepted
 * socket of a listener bound to one address: no getsockname). */
int origdst_get_at(int fd, const struct sockaddr_storage *local,
                   struct sockaddr_storage *out);

#endif
