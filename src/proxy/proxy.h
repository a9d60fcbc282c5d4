/* imdsgated's proxy, as the daemon sees it: the object, its listeners,
 * reload and graceful stop. Everything runs on one event base. The parts
 * inside (connection, request, upstream, pool, limits) are declared in
 * proxy_int.h. */
#ifndef IMDSGATE_PROXY_H
#define IMDSGATE_PROXY_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "proxy/conf.h"

struct event_base;
struct event;
struct evconnlistener;
struct token_table;
struct proxy_pool;
struct ruleset;
struct pconn;
struct preq;
struct proxy_uid;

struct proxy {
	struct event_base *base;
	struct conf conf;
	struct timeval client_tv; /* conf.client_timeout_ms */
	struct ruleset *rules;
	struct token_table *tokens;
	struct evconnlistener *lis[CONF_MAXLISTEN];
	/* each one's bound address, its accepted sockets' local address
	 * (family 0: a wildcard, asked of each socket) */
	struct sockaddr_storage lis_addr[CONF_MAXLISTEN];
	int nlis;
	struct event *pause_ev;
	struct event *stop_ev;
	struct event *expire_ev;
	struct event *reap_ev; /* frees dead connections from the loop */
	struct event *fold_ev; /* writes folded refusals' summaries */
	struct event *turn_ev; /* the end of a loop turn (proxy_turn.c) */
	int turn_wanted;
	TAILQ_HEAD(, pconn) dirty;    /* answers to write at the turn's end */
	TAILQ_HEAD(, pconn) arriving; /* accepted, to identify as a burst */
	struct event *arrive_ev;
	TAILQ_HEAD(, preq) commits; /* credentials waiting for their record */
	struct preq *spare_req;     /* request structures to reuse */
	int nspare_req;
	int stopping;
	int nconns;
	TAILQ_HEAD(, pconn) conns; /* alive */
	TAILQ_HEAD(, pconn) reap;  /* dead, unreferenced, to be freed */
	LIST_HEAD(, proxy_uid) uids;
	struct proxy_pool *pools;
	int64_t last_limit_log;
	int64_t last_evict_log;
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

#endif
