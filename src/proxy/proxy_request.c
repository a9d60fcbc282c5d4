/* One request, from its parsed head to its audit record: the state
 * machine of the proxy. In a fixed order: normalise, peer, token, rules,
 * then either a local answer (as the IMDS would give it) or the upstream,
 * whose answer comes back through the callbacks below. Whatever happens
 * (answered, refused, upstream failure, client gone) the request ends in
 * exactly one place, which writes its record. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "audit/audit.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"
#include "proxy/token.h"
#include "rules/normpath.h"
#include "rules/rules.h"

#define PROXY_DEFAULT_TTL 21600 /* IMDS's maximum, if none is said */

enum preq_state {
	PREQ_PARSED,    /* checks to run */
	PREQ_FORWARDED, /* waiting for the upstream's head */
	PREQ_BODY,      /* the upstream's body is coming */
	PREQ_COMMIT,    /* credentials held until their record is written */
	PREQ_ENDED      /* answered or abandoned, and recorded */
};

struct preq {
	struct pconn *c; /* referenced */
	struct proxy *px;
	enum preq_state state;
	int bad_head;          /* refused by the parser */
	struct ruleset *rules; /* the set it started with */
	struct rules_decision dec;
	int status;
	uint64_t bytes;
	const char *reason;
	int allow;
	int keepalive;
	int is_token_put;
	int is_cred;
	int refused;   /* answered by us with a 4xx: may be folded */
	int head_sent; /* the answer's head is queued to the client */
	int hold;      /* the body is read whole before it is sent */
	int recorded;  /* its record is queued with its credential_fetch */
	int written;   /* their batch: -1 not yet out, 0 dropped, 1 written */
	size_t cap;
	long token_ttl;
	int64_t forwarded_ms; /* a token PUT: when it went to the IMDS */
	struct pupstream *up;
	TAILQ_ENTRY(preq) commit; /* px->commits, while PREQ_COMMIT */
	struct preq *next_spare;  /* px->spare_req */
	/* Kept across reuse (proxy_request_get clears what is above): the
	 * buffers keep their memory, the parsers write what follows. */
	struct buf head;       /* the upstream's head, filtered */
	struct evbuffer *body; /* a held body: the upstream's bytes, moved,
	                        * never copied */
	struct normpath np;
	char upath[NORMPATH_MAX + 64];
	struct http_req http;
};

#define PROXY_REQ_SPARE 64              /* request structures kept */
#define PROXY_REQ_SPARE_BUF (64 * 1024) /* larger buffers are not */

static const struct pupstream_cb proxy_request_upcb;

/* A request structure, a spare one when there is one (a request costs no
 * 16 kB allocation and clearing); only the fields before its buffers are
 * cleared. */
static struct preq *
proxy_request_get(struct proxy *px)
{
	struct preq *r = px->spare_req;

	if (r != NULL) {
		px->spare_req = r->next_spare;
		px->nspare_req--;
	} else {
		r = xmalloc(sizeof *r);
		buf_init(&r->head);
		r->body = evbuffer_new();
	}
	memset(r, 0, offsetof(struct preq, head));
	buf_reset(&r->head);
	return r;
}

static void
proxy_request_put(struct proxy *px, struct preq *r)
{
	if (px->nspare_req >= PROXY_REQ_SPARE ||
	    r->head.cap > PROXY_REQ_SPARE_BUF) {
		buf_free(&r->head);
		evbuffer_free(r->body);
		free(r);
		return;
	}
	r->next_spare = px->spare_req;
	px->spare_req = r;
	px->nspare_req++;
}

/* At exit. */
void
proxy_request_spares_free(struct proxy *px)
{
	struct preq *r;

	while ((r = px->spare_req) != NULL) {
		px->spare_req = r->next_spare;
		buf_free(&r->head);
		evbuffer_free(r->body);
		free(r);
	}
	px->nspare_req = 0;
}

struct preq *
proxy_request_parse(struct pconn *c, const char *buf, size_t len, int *used)
{
	struct preq *r = proxy_request_get(c->px);

	if ((*used = http_req_parse(buf, len, &r->http)) == 0) {
		proxy_request_put(c->px, r);
		return NULL;
	}
	r->bad_head = *used < 0;
	r->c = c;
	r->px = c->px;
	proxy_client_ref(c);
	return r;
}

/* A held body that did not go out (a refused credential, an abandoned
 * request) is wiped, not just dropped. */
static void
proxy_request_wipe(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);

	if (len > 0) {
		explicit_bzero(evbuffer_pullup(b, -1), len);
		evbuffer_drain(b, len);
	}
}

/* Nothing of a request outlives it: the token and a held body (a
 * credential, a token) are wiped before the structure is reused. */
static void
proxy_request_free(struct preq *r)
{
	if (r->up != NULL)
		proxy_upstream_abort(r->up);
	if (r->rules != NULL)
		rules_unref(r->rules);
	proxy_request_wipe(r->body);
	explicit_bzero(r->http.token,
	               strnlen(r->http.token, sizeof r->http.token));
	proxy_request_put(r->px, r);
}

/* The request's record (a credential body had its own before it went
 * out); a refusal may be folded into its uid's summary instead. 0 written
 * or queued, -1 dropped. */
static int
proxy_request_record(struct preq *r)
{
	struct audit_req a;

	memset(&a, 0, sizeof a);
	a.peer = r->c->peer_ok ? &r->c->peer : NULL;
	a.caller = r->c->caller.json != NULL ? &r->c->caller : NULL;
	a.client = r->c->client_str;
	a.method = r->http.method_str[0] ? r->http.method_str : "-";
	a.path = r->http.target[0] ? r->http.target : "-";
	a.status = r->status;
	a.bytes = r->bytes;
	a.allow = r->allow;
	a.rule = r->dec.rule;
	a.audit_mode = r->px->conf.mode == MODE_AUDIT;
	a.imds_version = r->http.has_token || r->is_token_put ? 2 : 1;
	a.reason = r->reason;
	if (!r->refused)
		return audit_request(&a);
	switch (audit_refusal(&a, token_now_ms())) {
	case 1:
		proxy_fold_arm(r->px);
		return 0;
	case 0:
		return 0;
	default:
		return -1;
	}
}

/* Every answered request ends here, once: recorded, then the connection
 * goes on (or closes). */
static void
proxy_request_end(struct preq *r)
{
	struct pconn *c = r->c;
	int keepalive = r->keepalive;

	r->state = PREQ_ENDED;
	if (!r->recorded)
		proxy_request_record(r);
	/* a whole request (a head: no body is accepted) asking to close */
	c->client_closes = !r->bad_head && !r->http.keepalive;
	proxy_request_free(r);
	proxy_client_done(c, keepalive);
	proxy_client_unref(c);
}

/* The connection is gone before the answer was complete: record why. */
void
proxy_request_abort(struct preq *r, const char *why)
{
	struct pconn *c = r->c;

	if (r->status == 0 && why != NULL)
		r->reason = why;
	if (r->reason == NULL)
		r->reason = "connection closed";
	if (r->state == PREQ_COMMIT)
		TAILQ_REMOVE(&r->px->commits, r, commit);
	r->state = PREQ_ENDED;
	/* queued with its credential_fetch already (as answered: the
	 * client went in the same turn), never twice */
	if (!r->recorded)
		proxy_request_record(r);
	proxy_request_free(r);
	proxy_client_unref(c);
}

/* Answer locally, as the IMDS would. */
static void
proxy_request_reply(struct preq *r, int status, const char *reason, int close)
{
	struct buf b;

	if (close)
		r->keepalive = 0;
	r->status = status;
	r->reason = reason;
	buf_init(&b);
	http_reply_error(&b, status, r->http.method == HTTP_HEAD,
	                 !r->keepalive);
	r->bytes =
	    r->http.method == HTTP_HEAD
	        ? 0
	        : (uint64_t)(b.len -
	                     (size_t)(strstr(b.data, "\r\n\r\n") + 4 - b.data));
	proxy_client_send(r->c, b.data, b.len);
	buf_free(&b);
	proxy_request_end(r);
}

/* Refused by us (a 4xx, as the IMDS would answer it). */
static void
proxy_request_refuse(struct preq *r, int status, const char *reason, int close)
{
	r->refused = 1;
	proxy_request_reply(r, status, reason, close);
}

/* Token rules (docs/imds.md): returns the refusal reason, or NULL to go on. */
static const char *
proxy_request_token(struct preq *r)
{
	struct proxy *px = r->px;
	enum token_verdict v;

	if (r->is_token_put)
		return NULL;
	if (!r->http.has_token) {
		if (px->conf.require_token && !(r->dec.allow && r->dec.imdsv1))
			return "missing token";
		return NULL;
	}
	v = token_check(px->tokens, r->http.token, strlen(r->http.token),
	                r->c->peer.uid, token_now_ms());
	if (v == TOKEN_OK ||
	    (v == TOKEN_OTHER_UID && !px->conf.bind_token_to_uid))
		return NULL;
	if (v == TOKEN_UNKNOWN && !px->conf.bind_token_to_uid)
		return NULL; /* the IMDS judges tokens it issued before us */
	return token_verdict_str(v);
}

static int
proxy_request_is_cred(const char *path)
{
	static const char iam[] = "/meta-data/iam/security-credentials/";
	static const char idc[] =
	    "/meta-data/identity-credentials/ec2/security-credentials/";

	return !strncmp(path, iam, sizeof iam - 1) ||
	       !strncmp(path, idc, sizeof idc - 1);
}

/* The rules' verdict for this caller. */
static void
proxy_request_rules(struct preq *r)
{
	const struct peer_info *p = &r->c->peer;
	struct rules_caller rc;

	rc.uid = p->uid;
	rc.gid = p->gid;
	rc.gids = p->gids;
	rc.ngids = (size_t)p->ngids;
	r->rules = rules_ref(r->px->rules);
	rules_match(r->rules, &rc, r->http.method_str, r->np.path, &r->dec);
	r->allow = r->dec.allow;
}

/* Every check before forwarding; returns the refusal's status (reason
 * and close set), or 0 to forward. */
static int
proxy_request_check(struct preq *r, const char **reason, int *close)
{
	int audit = r->px->conf.mode == MODE_AUDIT;
	const char *why = NULL, *tok;

	*close = 0;
	if (normpath_request(r->http.target, strlen(r->http.target), &r->np,
	                     &why) == -1 ||
	    normpath_upstream(&r->np, r->upath, sizeof r->upath) == -1) {
		*reason = why ? why : "path cannot be normalised";
		return 400;
	}
	if (!r->c->peer_ok) {
		*reason = "socket owner unknown";
		*close = 1;
		return 403;
	}
	if (r->http.method == HTTP_PUT && r->http.has_xff) {
		*reason = "PUT with X-Forwarded-For";
		return 403;
	}
	r->is_token_put =
	    r->http.method == HTTP_PUT && !strcmp(r->np.path, "/api/token");
	r->is_cred = proxy_request_is_cred(r->np.path);
	proxy_request_rules(r);
	if ((tok = proxy_request_token(r)) != NULL) {
		*reason = r->reason = tok;
		/* a foreign or expired token is refused in audit mode too:
		 * the client just fetches its own, nothing breaks */
		if (!audit || strcmp(tok, "missing token") != 0)
			return 401;
	}
	if (!r->dec.allow) {
		*reason = r->dec.rule ? "denied by rule" : "no rule matches";
		if (!audit)
			return 403;
		r->reason = "would be denied (audit mode)";
	}
	return 0;
}

/* To the IMDS of the client's address family. */
static void
proxy_request_forward(struct preq *r)
{
	const struct sockaddr_storage *ss;
	struct pupstream_req u;

	ss = conf_upstream_for(&r->px->conf, r->c->dst.ss_family);
	if (ss == NULL) {
		proxy_request_reply(r, 502, "no upstream for this family", 0);
		return;
	}
	u.http = &r->http;
	u.path = r->upath;
	if (r->is_token_put)
		r->forwarded_ms = token_now_ms();
	r->state = PREQ_FORWARDED;
	r->up = proxy_upstream_start(r->px, ss, &u, &proxy_request_upcb, r);
	if (r->up == NULL)
		proxy_request_reply(r, 502, "cannot connect upstream", 0);
}

void
proxy_request_start(struct preq *r, int last)
{
	const char *reason = NULL;
	int status, close;

	if (r->bad_head) {
		proxy_request_refuse(r, r->http.status, r->http.why, 1);
		return;
	}
	r->keepalive = r->http.keepalive && !last;
	if ((status = proxy_request_check(r, &reason, &close)) != 0)
		proxy_request_refuse(r, status, reason, close);
	else
		proxy_request_forward(r);
}

/* The client took what was queued: let a paused upstream go on. */
void
proxy_request_drained(struct preq *r)
{
	if (r->up != NULL)
		proxy_upstream_resume(r->up);
}

/* Head to the client, framed by us: the length we know, keep-alive as
 * the client asked. */
static void
proxy_request_send_head(struct preq *r, int64_t len)
{
	char d[24], *p = d + sizeof d;
	uint64_t u = (uint64_t)len;

	if (len >= 0) {
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		buf_add(&r->head, "Content-Length: ", 16);
		buf_add(&r->head, p, (size_t)(d + sizeof d - p));
		buf_add(&r->head, "\r\n", 2);
	}
	if (!r->keepalive)
		buf_addstr(&r->head, "Connection: close\r\n");
	buf_addstr(&r->head, "\r\n");
	proxy_client_send(r->c, r->head.data, r->head.len);
	r->head_sent = 1;
}

/* The upstream's head: decide how the body travels. A body the proxy
 * must read (credentials for the audit, tokens for the token table, or
 * one without a length) is held whole, bounded; others are streamed. */
static int
proxy_request_up_head(void *arg, const struct http_resp *s, const char *head,
                      size_t n, int64_t len)
{
	struct preq *r = arg;

	r->status = s->status;
	r->token_ttl = s->token_ttl;
	http_resp_filter(head, n, &r->head);
	r->hold = len != 0 && (r->is_cred || r->is_token_put || len < 0);
	r->cap = r->is_cred || r->is_token_put ? PROXY_MAX_CRED_BODY
	                                       : PROXY_MAX_BODY;
	if (len > (int64_t)r->cap)
		return -1;
	r->state = PREQ_BODY;
	if (!r->hold)
		proxy_request_send_head(r, s->content_length);
	return 0;
}

/* Body bytes: held (bounded) or on to the client, pausing the upstream
 * while the client's output is high. */
static int
proxy_request_up_body(void *arg, struct evbuffer *in, size_t n)
{
	struct preq *r = arg;

	if (r->hold) {
		if (evbuffer_get_length(r->body) + n > r->cap)
			return -1;
		evbuffer_remove_buffer(in, r->body, n);
		return 0;
	}
	proxy_client_send_from(r->c, in, n);
	r->bytes += n;
	return proxy_client_pending(r->c) > PROXY_STREAM_HIGH;
}

/* The token the IMDS just issued: remember its hash, owner and expiry.
 * Its life is counted from before the IMDS issued it, so it ends here
 * first: a token past its time is refused by the proxy ("expired token",
 * audited), never passed on for the IMDS to refuse without a reason. */
static void
proxy_request_learn(struct preq *r)
{
	long ttl = r->token_ttl < 0 ? PROXY_DEFAULT_TTL : r->token_ttl;
	size_t len = evbuffer_get_length(r->body);
	const char *b = (const char *)evbuffer_pullup(r->body, -1);

	while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == '\r'))
		len--;
	token_add(r->px->tokens, b, len, r->c->peer.uid,
	          r->forwarded_ms + (int64_t)ttl * 1000);
}

/* Say, at most once a minute and with a count, that credentials were
 * refused because their record could not be written. */
static void
proxy_request_cred_unrecorded(struct preq *r)
{
	static int64_t last;
	static unsigned long n;
	int64_t now = token_now_ms();

	n++;
	if (last != 0 && now - last < 60000)
		return;
	last = now;
	log_warnx("%s: credentials refused (503): their credential_fetch "
	          "record could not be written (%lu refused so far)",
	          r->c->client_str, n);
	audit_error("credential refused",
	            "its credential_fetch record could not be written");
}

/* The held body goes out. */
static void
proxy_request_deliver(struct preq *r)
{
	r->bytes = evbuffer_get_length(r->body);
	proxy_request_send_head(r, (int64_t)r->bytes);
	proxy_client_send_from(r->c, r->body, (size_t)r->bytes);
	proxy_request_end(r);
}

/* Its credential_fetch record could not be written: refuse. */
static void
proxy_request_cred_refuse(struct preq *r)
{
	proxy_request_cred_unrecorded(r);
	proxy_request_reply(r, 503, "credential record not written", 0);
}

/* The request's record as it will be answered (200, the body), queued
 * together with its credential_fetch record: one batch, one write, both
 * written or both dropped. 0, or -1 when the record was dropped (syslog,
 * which is not batched). */
static int
proxy_request_prerecord(struct preq *r)
{
	r->bytes = evbuffer_get_length(r->body);
	if (proxy_request_record(r) == -1)
		return -1;
	r->recorded = 1;
	r->written = -1;
	r->state = PREQ_COMMIT;
	TAILQ_INSERT_TAIL(&r->px->commits, r, commit);
	return 0;
}

/* A credential body goes out only once its credential_fetch record is
 * written: never a credential without its record (fail closed). The
 * records are queued with the turn's others; the body waits for the end
 * of the turn, when they are written (proxy_request_commit_all). */
static void
proxy_request_cred(struct preq *r)
{
	int rc, pre = -1;

	audit_dest_together(1);
	rc = audit_credential_fetch_by(
	    r->c->caller.json != NULL ? &r->c->caller : NULL, r->upath,
	    (const char *)evbuffer_pullup(r->body, -1),
	    evbuffer_get_length(r->body));
	if (rc == 0)
		pre = proxy_request_prerecord(r);
	audit_dest_together(0);
	if (rc == 1) /* not credentials (a listing): nothing to wait for */
		proxy_request_deliver(r);
	else if (rc == 0 && pre == 0)
		proxy_turn_want(r->px);
	else
		proxy_request_cred_refuse(r);
}

/* A batch of audit records left: the credentials waiting for it learn
 * whether their records were written (every waiting one not told yet had
 * its records in this batch: they are queued together, then it waits). */
void
proxy_request_written(struct proxy *px, int ok)
{
	struct preq *r;

	for (r = TAILQ_FIRST(&px->commits); r != NULL;
	     r = TAILQ_NEXT(r, commit))
		if (r->written == -1)
			r->written = ok;
}

/* The end of the turn, its records out: send the credentials whose
 * records were written, refuse (503, recorded anew: the first record was
 * dropped with the credential_fetch) the others. Not told at all: their
 * records were sent at once, unbatched (syslog), and succeeded. */
void
proxy_request_commit_all(struct proxy *px)
{
	struct preq *r;

	while ((r = TAILQ_FIRST(&px->commits)) != NULL) {
		TAILQ_REMOVE(&px->commits, r, commit);
		r->state = PREQ_BODY;
		if (r->written != 0)
			proxy_request_deliver(r);
		else {
			r->recorded = 0;
			proxy_request_cred_refuse(r);
		}
	}
}

/* The upstream's answer is complete: a held body goes out now, or, for
 * credentials, once their record is written. */
static void
proxy_request_up_done(void *arg)
{
	struct preq *r = arg;

	r->up = NULL;
	if (!r->hold) {
		proxy_request_end(r);
		return;
	}
	if (r->is_token_put && r->status == 200)
		proxy_request_learn(r);
	if (r->is_cred && r->status == 200)
		proxy_request_cred(r);
	else
		proxy_request_deliver(r);
}

/* The upstream gave up: a clean local answer when nothing was sent yet,
 * else the client connection is cut (a truncated body must not look
 * complete). */
static void
proxy_request_up_fail(void *arg, int status, const char *why)
{
	struct preq *r = arg;

	r->up = NULL;
	if (!r->head_sent) {
		proxy_request_reply(r, status, why, 0);
		return;
	}
	r->reason = why;
	r->keepalive = 0;
	proxy_request_end(r);
}

static const struct pupstream_cb proxy_request_upcb = {
    proxy_request_up_head, proxy_request_up_body, proxy_request_up_done,
    proxy_request_up_fail};
