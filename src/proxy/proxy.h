/* imdsgated's proxy: listeners, client connections, the per-request
 * pipeline (parse, normalise, peer, token, rules, forward) and the
 * keep-alive pool toward the IMDS. Everything runs on one event base. */
#ifndef IMDSGATE_PROXY_H
#define IMDSGATE_PROXY_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "proxy/conf.h"
#include "proxy/http.h"
#include "rules/normpath.h"
#include "sys/peer.h"
#include "rules/rules.h"

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

struct event_base;
struct bufferevent;
struct evconnlistener;
struct token_table;
struct proxy_pool;
struct pupstream;

struct proxy_uid {
	uid_t uid;
	int count;
	LIST_ENTRY(proxy_uid) entry;
};

struct preq { /* one request in progress */
	struct pconn *c;
	struct http_req http;
	struct normpath np;
	char upath[NORMPATH_MAX + 64];
	struct ruleset *rules; /* the set it started with */
	struct rules_decision dec;
	int status;
	uint64_t bytes;
	const char *reason;
	int allow;
	int imds_version;
	int keepalive;
	int is_token_put;
	int is_cred;
	int retried;
	int done;   /* audited */
	char *cred; /* a credential body, for the audit */
	size_t credlen;
	struct pupstream *up;
};

struct pconn { /* one client connection */
	struct proxy *px;
	struct bufferevent *bev;
	struct sockaddr_storage client, dst;
	char client_str[64];
	int redirected;
	int peer_ok;
	struct peer_info peer;
	struct peer_query *ident; /* step two of the lookup, in flight */
	struct proxy_uid *uidc;
	int closing;
	int eof;               /* the client sent FIN */
	int lingering;         /* half-closed, draining */
	struct event *head_ev; /* deadline for a whole head */
	size_t discarded;
	struct preq *req;
	TAILQ_ENTRY(pconn) entry;
};

struct proxy {
	struct event_base *base;
	struct conf conf;
	struct ruleset *rules;
	struct token_table *tokens;
	struct evconnlistener *lis[CONF_MAXLISTEN];
	int nlis;
	struct event *pause_ev;
	struct event *stop_ev;
	struct event *expire_ev;
	int stopping;
	int nconns;
	TAILQ_HEAD(, pconn) conns;
	LIST_HEAD(, proxy_uid) uids;
	struct proxy_pool *pools;
	int64_t last_limit_log;
};

/* proxy.c: the object, reload and stop. rules is taken over. */
struct proxy *proxy_new(struct event_base *, const struct conf *,
                        struct ruleset *);
void proxy_free(struct proxy *);
void proxy_reload(struct proxy *, const struct conf *, struct ruleset *);
void proxy_stop(struct proxy *);

/* proxy_listen.c: listening sockets are taken from systemd or opened
 * before the privilege drop and the fork; proxy_listen_start wraps them
 * once the base exists. proxy_listen_check refuses, for a privileged
 * daemon, a listen port any user could bind while it is down (0 or -1
 * with err): call it before proxy_listen_open. */
int proxy_listen_check(const struct conf *, char *err, size_t errlen);
int proxy_listen_open(const struct conf *, int *fds, char *err, size_t errlen);
int proxy_listen_start(struct proxy *, const int *fds, int nfds);
void proxy_listen_stop(struct proxy *);

/* proxy_client.c */
void proxy_client_new(struct proxy *, int fd, const struct sockaddr *,
                      int socklen);
void proxy_client_send(struct pconn *, const void *, size_t);
void proxy_client_req_done(struct pconn *);
void proxy_client_free(struct pconn *);
/* Over a connection limit? Logs it (at most once a second). */
int proxy_limits_take(struct proxy *, struct pconn *);
void proxy_limits_release(struct proxy *, struct pconn *);

/* proxy_request.c: the pipeline for one parsed request. */
void proxy_request_start(struct pconn *, struct preq *);
void proxy_request_reply(struct preq *, int status, const char *reason,
                         int close);
void proxy_request_finish(struct preq *);
void proxy_request_free(struct preq *);

/* proxy_upstream.c: forward req upstream and stream the answer back. */
void proxy_upstream_forward(struct preq *);
void proxy_upstream_abort(struct pupstream *);
void proxy_upstream_resume(struct pupstream *);

/* proxy_pool.c: keep-alive connections per upstream address. */
struct bufferevent *
proxy_pool_get(struct proxy *, const struct sockaddr_storage *, int *reused);
void proxy_pool_put(struct proxy *, const struct sockaddr_storage *,
                    struct bufferevent *);
void proxy_pool_free(struct proxy *);

#endif
