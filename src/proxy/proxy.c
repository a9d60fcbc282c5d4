/* The proxy object: its configuration and ruleset (swapped whole on
 * reload), the token table, connection limits and graceful stop. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>

#include "audit/audit.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"
#include "proxy/token.h"
#include "rules/rules.h"
#include "sys/peer.h"

#define PROXY_EXPIRE_MS 60000 /* sweep expired tokens */

/* Expired tokens are useless; sweep them so the table stays small. A
 * token is forgotten a sweep after it expired, not at once: a request
 * made with it just after expiry is refused as "expired token", as it is
 * the moment it expires, never as "unknown token" depending on when the
 * sweep happened to run (the audit reason a user reads, and a test's). */
static void
proxy_expire(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy *px = arg;
	struct timeval tv = {PROXY_EXPIRE_MS / 1000, 0};

	(void)fd;
	(void)ev;
	token_expire(px->tokens, token_now_ms() - PROXY_EXPIRE_MS);
	evtimer_add(px->expire_ev, &tv);
}

/* Dead connections are freed here, from the loop, after every callback
 * that could still hold one has returned. */
static void
proxy_reap(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	proxy_client_reap(arg);
}

/* Folded refusals get their summary record a second after the first;
 * the timer runs only while some are pending. */
static void
proxy_fold(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	if (audit_fold_flush(token_now_ms()) > 0)
		proxy_fold_arm(arg);
}

void
proxy_fold_arm(struct proxy *px)
{
	struct timeval tv = {1, 0};

	if (!evtimer_pending(px->fold_ev, NULL))
		evtimer_add(px->fold_ev, &tv);
}

/* client_timeout as libevent takes it, shared by every connection. */
static void
proxy_client_tv(struct proxy *px)
{
	px->client_tv.tv_sec = px->conf.client_timeout_ms / 1000;
	px->client_tv.tv_usec = (px->conf.client_timeout_ms % 1000) * 1000;
}

struct proxy *
proxy_new(struct event_base *base, const struct conf *conf,
          struct ruleset *rules)
{
	struct proxy *px = xcalloc(1, sizeof *px);
	struct timeval tv = {PROXY_EXPIRE_MS / 1000, 0};

	px->base = base;
	px->conf = *conf;
	proxy_client_tv(px);
	px->rules = rules;
	px->tokens = token_new();
	TAILQ_INIT(&px->conns);
	TAILQ_INIT(&px->reap);
	TAILQ_INIT(&px->arriving);
	px->arrive_ev = event_new(base, -1, 0, proxy_identify_arrivals, px);
	LIST_INIT(&px->uids);
	px->reap_ev = event_new(base, -1, 0, proxy_reap, px);
	px->fold_ev = evtimer_new(base, proxy_fold, px);
	TAILQ_INIT(&px->commits);
	proxy_turn_init(px);
	px->expire_ev = evtimer_new(base, proxy_expire, px);
	evtimer_add(px->expire_ev, &tv);
	peer_set_process(conf->peer_process);
	return px;
}

void
proxy_free(struct proxy *px)
{
	while (!TAILQ_EMPTY(&px->conns))
		proxy_client_lost(TAILQ_FIRST(&px->conns), NULL);
	proxy_client_reap(px);
	event_free(px->reap_ev);
	event_free(px->arrive_ev);
	audit_fold_flush(INT64_MAX); /* what is still folded, then forget */
	event_free(px->fold_ev);
	proxy_turn_free(px);
	proxy_request_spares_free(px);
	proxy_listen_stop(px);
	proxy_pool_free(px);
	if (px->pause_ev != NULL)
		event_free(px->pause_ev);
	if (px->stop_ev != NULL)
		event_free(px->stop_ev);
	event_free(px->expire_ev);
	token_free(px->tokens);
	rules_unref(px->rules);
	free(px);
}

/* Validated by the caller; requests in flight keep their own reference
 * to the old ruleset. Listen addresses, the user and process_info are
 * fixed at start (sockets bound and capabilities chosen as root). */
void
proxy_reload(struct proxy *px, const struct conf *conf, struct ruleset *rules)
{
	struct conf old = px->conf;

	if (conf->nlisten != old.nlisten ||
	    memcmp(conf->listen, old.listen, sizeof conf->listen) != 0)
		log_warnx("reload: listen addresses change only on restart");
	if (strcmp(conf->user, old.user) != 0)
		log_warnx("reload: user changes only on restart");
	if (conf->peer_process != old.peer_process)
		log_warnx("reload: process_info changes only on restart "
		          "(the capabilities it needs are fixed at start)");
	rules_unref(px->rules);
	px->rules = rules;
	px->conf = *conf;
	memcpy(px->conf.listen, old.listen, sizeof old.listen);
	px->conf.nlisten = old.nlisten;
	memcpy(px->conf.user, old.user, sizeof old.user);
	px->conf.peer_process = old.peer_process;
	proxy_client_tv(px);
}

/* The stop bound expired: leave with whatever is still in flight. */
static void
proxy_stop_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy *px = arg;

	(void)fd;
	(void)ev;
	log_warnx("stop: %d connection(s) still busy, closing", px->nconns);
	event_base_loopexit(px->base, NULL);
}

/* Stop accepting, close idle connections, let busy ones finish. */
void
proxy_stop(struct proxy *px)
{
	struct pconn *c, *n;
	struct timeval tv = {PROXY_STOP_MS / 1000, 0};

	if (px->stopping)
		return;
	px->stopping = 1;
	proxy_listen_stop(px);
	for (c = TAILQ_FIRST(&px->conns); c != NULL; c = n) {
		n = TAILQ_NEXT(c, entry);
		if (c->req == NULL && proxy_client_pending(c) == 0)
			proxy_client_lost(c, NULL);
	}
	if (px->nconns == 0) {
		event_base_loopexit(px->base, NULL);
		return;
	}
	px->stop_ev = evtimer_new(px->base, proxy_stop_timeout, px);
	evtimer_add(px->stop_ev, &tv);
}
