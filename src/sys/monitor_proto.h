/* The messages between imdsgated's two processes over their socketpair
 * (SOCK_SEQPACKET: one message per send, boundaries kept). Every message
 * has a fixed size for its type; the receiver drops anything else. Both
 * ends are the same binary, so structures travel as they are. */
#ifndef IMDSGATE_MONITOR_PROTO_H
#define IMDSGATE_MONITOR_PROTO_H

#include <stdint.h>

#include "sys/peer.h"

enum monitor_type {
	MONITOR_GO = 1,       /* monitor -> worker: exempted, start */
	MONITOR_READY,        /* worker -> monitor: accepting connections */
	MONITOR_IDENT,        /* worker -> monitor: who is behind a socket */
	MONITOR_IDENT_CANCEL, /* worker -> monitor: that connection is gone */
	MONITOR_IDENTIFIED,   /* monitor -> worker: the answer */
	MONITOR_GAP,          /* monitor -> worker: a layer was missing */
};

struct monitor_hdr {
	uint32_t type;
	uint32_t id; /* the query (IDENT*), else 0 */
};

struct monitor_ident { /* MONITOR_IDENT */
	struct monitor_hdr h;
	struct peer_pending pp;
};

struct monitor_identified { /* MONITOR_IDENTIFIED */
	struct monitor_hdr h;
	int32_t ok;
	struct peer_info pi;
};

struct monitor_gap { /* MONITOR_GAP: for the audit `error` record */
	struct monitor_hdr h;
	int32_t restored;
	char layer[16];
	char what[480];
};

/* The largest message: the receive buffer. */
union monitor_msg {
	struct monitor_hdr h;
	struct monitor_ident ident;
	struct monitor_identified identified;
	struct monitor_gap gap;
};

#endif
