/* ECS task, EKS Pod Identity and Lambda sessions (see
 * detect_workload.h): who was handed them, and their calls. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/detect.h"
#include "detect/detect_workload.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)
#define LAMBDA_ENV "exec-env/AWS_Lambda_"

void
detect_workload_free(void *p)
{
	struct workload *w = p;

	if (w->lock.cap > SESSION_INLINE)
		free(w->lock.more);
	free(w);
}

static struct workload *
detect_workload_get(struct detect *d, const struct detect_arn *a,
                    enum wkind kind)
{
	char key[400];
	struct dmap_slot *sl;
	struct workload *w;

	detect_arn_key(a, key, sizeof key);
	sl = dmap_put(&d->workloads, key, strlen(key));
	if ((w = sl->val) == NULL) {
		w = sl->val = xcalloc(1, sizeof *w);
		w->kind = kind;
		w->lock.cap = SESSION_INLINE;
		snprintf(w->lock.id, sizeof w->lock.id, "-");
	}
	return w;
}

/* The session ARN a service handed out: from assumedRoleUser, else built
 * from roleArn (arn:PART:iam::ACCT:role/PATH/NAME: the name is its last
 * part) and the session name. */
static int
detect_workload_arn(struct detect *d, const struct ct_event *ev,
                    struct detect_arn *a, char *buf, size_t len)
{
	const struct ct_str *r = &ev->f[CT_ROLEARN], *n = &ev->f[CT_SESSNAME];
	struct ct_str s = ev->f[CT_ASSUMED_ARN];
	const char *e = r->p + r->n, *iam, *colon, *name;

	if (s.p == NULL && r->p != NULL && n->p != NULL && r->n > 4 &&
	    memcmp(r->p, "arn:", 4) == 0 &&
	    (iam = memmem(r->p, r->n, ":iam::", 6)) != NULL &&
	    (colon = memchr(iam + 6, ':', (size_t)(e - iam - 6))) != NULL &&
	    (name = memrchr(r->p, '/', r->n)) != NULL && name > colon) {
		snprintf(buf, len, "arn:%.*s:sts::%.*s:assumed-role/%.*s/%.*s",
		         (int)(iam - r->p - 4), r->p + 4,
		         (int)(colon - iam - 6), iam + 6, (int)(e - name - 1),
		         name + 1, (int)n->n, n->p);
		s.p = buf;
		s.n = strlen(buf);
	}
	return detect_parse_arn(&d->intern, &s, a);
}

static const char *
detect_workload_intern(struct detect *d, const struct ct_str *s)
{
	return s->p != NULL ? dmap_intern(&d->intern, s->p, s->n) : NULL;
}

/* A pod's credentials fetched by its node's agent: the node's address is
 * evidence for the pod's. */
static void
detect_workload_node(struct detect *d, const struct ct_event *ev,
                     struct workload *w)
{
	const struct ct_str *src = &ev->f[CT_SRCIP];
	struct detect_arn node;
	struct ip16 ip;

	if (detect_parse_arn(&d->intern, &ev->f[CT_UI_ARN], &node) == 0 &&
	    node.inst[0] != '\0')
		snprintf(w->node, sizeof w->node, "%s", node.inst);
	if (src->n > 0 && ip16_parse(src->p, src->n, &ip) == 0)
		detect_session_add(d, &w->lock, &ip, SIP_KNOWN);
}

/* Which service handed the session out, if one this file follows. */
static int
detect_workload_kind(const struct ct_event *ev, enum wkind *k)
{
	const struct ct_str *by = ev->f[CT_UI_INVOKEDBY].n > 0
	                              ? &ev->f[CT_UI_INVOKEDBY]
	                              : &ev->f[CT_SRCIP];

	if (STREQ(ev->f[CT_NAME], "AssumeRoleForPodIdentity"))
		*k = WK_POD;
	else if (!STREQ(ev->f[CT_NAME], "AssumeRole"))
		return -1;
	else if (STREQ(*by, "ecs-tasks.amazonaws.com"))
		*k = WK_TASK;
	else if (STREQ(*by, "pods.eks.amazonaws.com"))
		*k = WK_POD;
	else if (STREQ(*by, "lambda.amazonaws.com"))
		*k = WK_LAMBDA;
	else
		return -1;
	return 0;
}

void
detect_workload_issue(struct detect *d, const struct ct_event *ev, int64_t t)
{
	struct detect_arn a;
	struct workload *w;
	enum wkind kind;
	char buf[400];

	if (detect_workload_kind(ev, &kind) != 0 ||
	    detect_workload_arn(d, ev, &a, buf, sizeof buf) != 0 ||
	    a.inst[0] != '\0')
		return;
	w = detect_workload_get(d, &a, kind);
	session_expire(&w->lock, t);
	if (w->lock.expires < t + SESSION_TTL_MS)
		w->lock.expires = t + SESSION_TTL_MS;
	if (kind != WK_POD)
		return;
	if (ev->f[CT_POD].p != NULL)
		w->pod = detect_workload_intern(d, &ev->f[CT_POD]);
	if (ev->f[CT_CLUSTER].p != NULL)
		w->cluster = detect_workload_intern(d, &ev->f[CT_CLUSTER]);
	if (ev->f[CT_NAMESPACE].p != NULL)
		w->ns = detect_workload_intern(d, &ev->f[CT_NAMESPACE]);
	if (ev->f[CT_SVCACCOUNT].p != NULL)
		w->sa = detect_workload_intern(d, &ev->f[CT_SVCACCOUNT]);
	if (!detect_is_service(ev))
		detect_workload_node(d, ev, w);
}

/* "exec-env/AWS_Lambda_python3.12" in a user agent, or NULL. */
static const char *
detect_workload_env(struct detect *d, const struct ct_str *ua)
{
	const char *p = ua->p != NULL ? memmem(ua->p, ua->n, LAMBDA_ENV,
	                                       sizeof LAMBDA_ENV - 1)
	                              : NULL;
	size_t n = 0;

	if (p == NULL)
		return NULL;
	while (p + n < ua->p + ua->n && p[n] != ' ' && p[n] != ']')
		n++;
	return dmap_intern(&d->intern, p, n);
}

static void
detect_workload_fill(const struct workload *w, const struct detect_arn *a,
                     struct detect_hit *h, char *name, size_t len)
{
	snprintf(name, len, "%.*s", a->nlen, a->name);
	if (w->kind == WK_TASK)
		h->w.task_id = name;
	else if (w->kind == WK_LAMBDA)
		h->w.function = name;
	else {
		h->w.pod = w->pod;
		h->w.ns = w->ns;
		h->w.sa = w->sa;
		h->w.cluster = w->cluster;
		h->w.node = w->node[0] != '\0' ? w->node : NULL;
	}
}

/* Lambda: from outside AWS, or not from the function's runtime. */
static const char *
detect_workload_lambda(struct detect *d, struct workload *w,
                       const struct ct_event *ev, const struct ip16 *ip,
                       char *why, size_t len)
{
	const char *env = detect_workload_env(d, &ev->f[CT_UA]);
	const char *ua = ev->f[CT_UA].p;

	if (ua != NULL && ev->f[CT_UA].n >= 16 &&
	    memcmp(ua + (ua[0] == '['), "awslambda-worker", 16) == 0)
		return NULL; /* the Lambda service's own calls */
	if (detect_outside(d, ip))
		return "Lambda execution role credentials used from an address "
		       "outside AWS's published ranges";
	if (w->runtime == NULL || env == w->runtime) {
		if (env != NULL)
			w->runtime = env;
		return NULL;
	}
	snprintf(why, len,
	         "Lambda execution role credentials used without the "
	         "function's runtime agent (%s)",
	         w->runtime);
	return why;
}

static void
detect_workload_lock(struct detect *d, struct workload *w, struct detect_hit *h,
                     const struct ip16 *ip)
{
	const struct session *node =
	    w->node[0] != '\0'
	        ? session_get(&d->sessions, w->node, strlen(w->node), 0)
	        : NULL;

	h->why = detect_lock(d, &w->lock, node, h->ev, h->t, ip);
	if (h->why == LOCK_OK)
		return;
	h->type = detect_where_type(
	    d, h->why, ip, w->kind == WK_TASK ? F_TASK_OUT : F_POD_OUT);
	detect_raise(d, h);
}

int
detect_workload_call(struct detect *d, const struct ct_event *ev, int64_t t,
                     const struct detect_arn *a, const struct ip16 *ip,
                     int ipok)
{
	struct detect_hit h = {.ev = ev, .t = t, .arn = a, .ip = ip};
	char key[400], name[80], why[256];
	struct workload *w;

	detect_arn_key(a, key, sizeof key);
	if ((w = dmap_get(&d->workloads, key, strlen(key))) == NULL) {
		if (detect_workload_env(d, &ev->f[CT_UA]) == NULL)
			return 0;
		w = detect_workload_get(d, a, WK_LAMBDA);
	}
	if (!ipok || detect_is_service(ev))
		return 1;
	h.s = &w->lock;
	detect_workload_fill(w, a, &h, name, sizeof name);
	if (w->kind != WK_LAMBDA) {
		detect_workload_lock(d, w, &h, ip);
		return 1;
	}
	if ((h.reason = detect_workload_lambda(d, w, ev, ip, why,
	                                       sizeof why)) != NULL) {
		h.type = F_LAMBDA;
		h.s = NULL;
		detect_raise(d, &h);
	}
	return 1;
}
