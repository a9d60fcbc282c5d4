/* Inside the proxy: one owner per request. A client connection
 * (proxy_client.c) reads request heads and writes answers; the request
 * (proxy_request.c) is the state machine from parsed head to audit
 * record; the upstream (proxy_upstream.c) carries one request to the
 * IMDS and its answer back. The connection and the upstream report to
 * the request through the narrow calls below and never reach through it
 * into each other. */
#ifndef IMDSGATE_PROXY_INT_H
#define IMDSGATE_PROXY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "audit/audit.h"
#include "proxy/http.h"
#include "proxy/proxy.h"
#include "sys/peer.h"

#define PROXY_MAX_BODY (1024 * 1024)    /* any upstream body */
#define PROXY_MAX_CRED_BODY (64 * 1024) /* bodies we inspect */
#define PROXY_POOL_IDLE                                                        \
	64                             /* idle upstreams kept per address:     \
	                                * as many as clients in flight, or     \
	                                * each request pays a connect() */
#define PROXY_STREAM_HIGH (256 * 1024) /* client output before pausing */
#define PROXY_STOP_MS 5000             /* graceful stop bound */
#define PROXY_ACCEPT_PAUSE_MS 200      /* after EMFILE */
#define PROXY_LINGER_MS 1000           /* drain after our close */
#define PROXY_LINGER_MAX (64 * 1024)
/* A connection's input and output: no more head is read while answers
 * wait unsent (a slow reader with a deep pipeline would otherwise grow
 * the output without bound), no more input than one head and a little */
#define PROXY_CLIENT_OUT_MAX (16 * 1024)
#define PROXY_CLIENT_IN_MAX (32 * 1024)
#define PROXY_CONN_REQUESTS 1000         /* per connection, then it closes */
#define PROXY_CLIENT_SOCKBUF (64 * 1024) /* SO_SNDBUF, SO_RCVBUF */

struct bufferevent;
struct evbuffer;
struct event;
struct preq;
struct pupstream;

struct proxy_uid { /* connections of one uid */
	uid_t uid;
	int count;
	TAILQ_HEAD(, pconn) conns; /* oldest first */
	LIST_ENTRY(proxy_uid) entry;
};

enum pconn_state {
	PCONN_IDENTIFYING, /* who is calling: nothing is read until known */
	PCONN_READING,     /* waiting for the next request head */
	PCONN_BUSY,        /* a request owns the connection */
	PCONN_CLOSING,     /* the last answer goes out, then we close */
	PCONN_LINGERING    /* half-closed, draining what the client sends */
};

struct pconn { /* one client connection */
	struct proxy *px;
	int references; /* the loop's, a request's, a lookup's */
	int dead;       /* closed; freed once unreferenced */
	enum pconn_state state;
	struct bufferevent *bev; /* the output side (proxy_client_io.c) */
	struct event *rev;       /* the input side: our own reads */
	struct evbuffer *in;
	struct sockaddr_storage client, dst;
	struct sockaddr_storage local; /* its listener's; family 0: unknown */
	char client_str[64];
	int peer_ok;
	struct peer_info peer;
	struct audit_caller caller; /* peer rendered for its records */
	struct peer_query *ident;   /* step two of the lookup, in flight */
	struct proxy_uid *uidc;
	int eof;             /* the client sent FIN */
	int client_closes;   /* its last request was whole and asked to close */
	int arriving;        /* on px->arriving */
	int dirty;           /* on px->dirty: output to write */
	int wait_write;      /* the socket was full: libevent writes */
	int out_wait;        /* reading stopped until the output drains */
	int in_full;         /* the input is at its bound: not read */
	int parse_now;       /* rev activated to parse what is buffered */
	int watched;         /* rev was added once (until then it is not) */
	unsigned nreq;       /* requests started on it */
	struct event *timer; /* the caller lookup, then a whole head */
	size_t discarded;
	struct preq *req;
	TAILQ_ENTRY(pconn) entry;  /* px->conns, then px->reap */
	TAILQ_ENTRY(pconn) uentry; /* its uid's */
	TAILQ_ENTRY(pconn) dentry; /* px->dirty */
	TAILQ_ENTRY(pconn) aentry; /* px->arriving */
};

/* proxy_client.c: the connection's life, and proxy_client_io.c its
 * bytes. The request sends through it and says when it is over; nothing
 * else of the connection is its business. */
void proxy_client_new(struct proxy *, int fd, const struct sockaddr *,
                      int socklen, const struct sockaddr_storage *local);
void proxy_client_send(struct pconn *, const void *, size_t);
void proxy_client_send_from(struct pconn *, struct evbuffer *, size_t);
size_t proxy_client_pending(struct pconn *); /* output not yet sent */
int proxy_client_idle(struct pconn *);       /* may be closed to make room */
void proxy_client_done(struct pconn *, int keepalive);
/* Close now (the request in progress is recorded with why); the memory
 * goes once nothing refers to it, from the event loop. */
void proxy_client_lost(struct pconn *, const char *why);
void proxy_client_ref(struct pconn *);
void proxy_client_unref(struct pconn *);
void proxy_client_reap(struct proxy *);
/* At the end of the turn: write the queued output to the socket. */
void proxy_client_flush(struct pconn *);
/* Inside the connection (proxy_client.c <-> proxy_client_io.c). */
void proxy_client_io_init(struct pconn *, int fd);
void proxy_client_io_free(struct pconn *);
void proxy_client_watch(struct pconn *); /* read as the state wants */
void proxy_client_first(struct pconn *); /* the first head, if it came */
void proxy_client_parse(struct pconn *); /* the next buffered head */
void proxy_client_parse_later(struct pconn *);
void proxy_client_hold(struct pconn *);
void proxy_client_unhold(struct pconn *);
void proxy_client_close(struct pconn *);
void proxy_client_finish(struct pconn *);
void proxy_client_arm(struct pconn *);
void proxy_client_disarm(struct pconn *);

/* proxy_turn.c: the end of an event-loop turn (audit records, then
 * credentials waiting for theirs, then the clients' output). */
void proxy_turn_init(struct proxy *);
void proxy_turn_free(struct proxy *);
void proxy_turn_want(struct proxy *);

/* proxy_identify.c: who is calling. The uid for every connection
 * accepted in one go, together, as soon as the loop turns (the limits need
 * it); the rest (process, groups) completes through
 * proxy_client_identified, at once or later; a lost connection cancels
 * it. */
void proxy_identify_arrive(struct pconn *);
void proxy_identify_arrivals(evutil_socket_t, short, void *px);
void proxy_identify_rest(struct pconn *, const struct peer_pending *);
void proxy_identify_cancel(struct pconn *);
void proxy_client_identified(struct pconn *);
/* Step one is done (c->peer_ok says how): limits, then step two. */
void proxy_client_admit(struct pconn *, const struct peer_pending *);

/* proxy_request.c: the state machine of one request, from parsed head to
 * its one audit record. proxy_request_parse returns NULL while the head
 * is incomplete, else a request (*used: bytes of the head, or -1 when it
 * was refused and the rest of the input is to be dropped). */
struct preq *proxy_request_parse(struct pconn *, const char *, size_t,
                                 int *used);
void proxy_request_start(struct preq *, int last); /* last: then close */
void proxy_request_drained(struct preq *);         /* client output is out */
void proxy_request_abort(struct preq *, const char *why);
/* A batch of audit records was written (ok) or dropped: the credentials
 * waiting for theirs learn it; at the end of the turn they are sent or
 * refused. */
void proxy_request_written(struct proxy *, int ok);
void proxy_request_commit_all(struct proxy *);
void proxy_request_spares_free(struct proxy *);

/* proxy_upstream.c: one request carried to the IMDS, its answer back. */
struct pupstream_req { /* what goes upstream, built by the request */
	const struct http_req *http;
	const char *path; /* the normalised target */
};
struct pupstream_cb {
	/* the head is parsed: 0 to go on, -1 to refuse the answer (502);
	 * body_len -1: until the upstream closes */
	int (*head)(void *, const struct http_resp *, const char *head,
	            size_t len, int64_t body_len);
	/* n body bytes are in the buffer: take them all; 0, 1 to pause
	 * (resume with proxy_upstream_resume), -1 too large (502) */
	int (*body)(void *, struct evbuffer *, size_t n);
	void (*done)(void *); /* the body is complete */
	/* given up: status to answer when nothing was sent yet */
	void (*fail)(void *, int status, const char *why);
};
/* NULL when no connection can be started (logged). */
struct pupstream *proxy_upstream_start(struct proxy *,
                                       const struct sockaddr_storage *,
                                       const struct pupstream_req *,
                                       const struct pupstream_cb *, void *);
void proxy_upstream_resume(struct pupstream *);
void proxy_upstream_abort(struct pupstream *);

/* The connection is readable (proxy_pool.c tells it). */
void proxy_upstream_readable(struct pupstream *, short what);

/* proxy_pool.c: connections to the IMDS, kept alive per address. */
struct proxy_upconn {
	struct bufferevent *bev; /* connecting, and what a full socket
	                          * does not take */
	struct event *rev;       /* our reads (persistent) */
	struct evbuffer *in;
	struct pupstream *up; /* its request; NULL while idle */
	struct proxy_pool *pool;
	struct proxy_upconn *next; /* idle list */
};
/* An idle connection to the address (*reused), or a new one being made
 * (NULL: none could be started). */
struct proxy_upconn *
proxy_pool_get(struct proxy *, const struct sockaddr_storage *, int *reused);
void proxy_pool_put(struct proxy *, struct proxy_upconn *);
void proxy_upconn_free(struct proxy_upconn *);
int proxy_upconn_fill(struct proxy_upconn *); /* 1, 0 EOF, -1, 2 none */
void proxy_pool_free(struct proxy *);

/* proxy.c: refusals were folded (audit_refusal): write their summaries
 * when due, from a timer. */
void proxy_fold_arm(struct proxy *);

/* proxy_limits.c: connection limits. Over a limit? Logs it (at most once
 * a second). */
int proxy_limits_take(struct proxy *, struct pconn *);
void proxy_limits_release(struct proxy *, struct pconn *);

#endif
