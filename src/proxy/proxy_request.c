/* The pipeline for one request, in a fixed order: parse (done by the
 * client side), normalise, peer, token, rules, forward. Each refusal is
 * answered as the IMDS would answer it and audited once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>

#include "audit/audit.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/token.h"
#include "common/xmalloc.h"

/* One audit record per request, written when its answer is complete. */
static void
proxy_request_audit(struct preq *r)
{
	struct audit_req a;

	if (r->done)
		return;
	r->done = 1;
	memset(&a, 0, sizeof a);
	a.peer = r->c->peer_ok ? &r->c->peer : NULL;
	a.client = r->c->client_str;
	a.method = r->http.method_str[0] ? r->http.method_str : "-";
	a.path = r->http.target[0] ? r->http.target : "-";
	a.status = r->status;
	a.bytes = r->bytes;
	a.allow = r->allow;
	a.rule = r->dec.rule;
	a.audit_mode = r->c->px->conf.mode == MODE_AUDIT;
	a.imds_version = r->http.has_token || r->is_token_put ? 2 : 1;
	a.reason = r->reason;
	audit_request(&a);
}

void
proxy_request_free(struct preq *r)
{
	if (!r->done) {
		if (r->reason == NULL)
			r->reason = "connection closed";
		proxy_request_audit(r);
	}
	if (r->up != NULL)
		proxy_upstream_abort(r->up);
	if (r->rules != NULL)
		rules_unref(r->rules);
	if (r->cred != NULL) {
		explicit_bzero(r->cred, r->credlen);
		free(r->cred);
	}
	explicit_bzero(r->http.token, sizeof r->http.token);
	free(r);
}

/* The answer is complete (the last byte is queued toward the client). */
void
proxy_request_finish(struct preq *r)
{
	proxy_request_audit(r);
	if (r->cred != NULL)
		audit_credential_fetch(r->c->peer_ok ? &r->c->peer : NULL,
		                       r->upath, r->cred, r->credlen);
	proxy_client_req_done(r->c);
}

/* Answer locally, as the IMDS would. */
void
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
	proxy_request_finish(r);
}

/* Token rules (docs/imds.md): returns the refusal reason, or NULL to go on. */
static const char *
proxy_request_token(struct preq *r)
{
	struct proxy *px = r->c->px;
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
	struct pconn *c = r->c;
	struct rules_caller rc;

	rc.uid = c->peer.uid;
	rc.gid = c->peer.gid;
	rc.gids = c->peer.gids;
	rc.ngids = (size_t)c->peer.ngids;
	r->rules = rules_ref(c->px->rules);
	rules_match(r->rules, &rc, r->http.method_str, r->np.path, &r->dec);
	r->allow = r->dec.allow;
}

/* Every check before forwarding; returns the refusal's status (reason
 * and close set), or 0 to forward. */
static int
proxy_request_check(struct pconn *c, struct preq *r, const char **reason,
                    int *close)
{
	int audit = c->px->conf.mode == MODE_AUDIT;
	const char *why = NULL, *tok;

	*close = 0;
	if (normpath_request(r->http.target, strlen(r->http.target), &r->np,
	                     &why) == -1 ||
	    normpath_upstream(&r->np, r->upath, sizeof r->upath) == -1) {
		*reason = why ? why : "path cannot be normalised";
		return 400;
	}
	if (!c->peer_ok) {
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

void
proxy_request_start(struct pconn *c, struct preq *r)
{
	const char *reason = NULL;
	int status, close;

	r->keepalive = r->http.keepalive;
	if ((status = proxy_request_check(c, r, &reason, &close)) != 0)
		proxy_request_reply(r, status, reason, close);
	else
		proxy_upstream_forward(r);
}
