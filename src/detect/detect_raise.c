/* Raising a finding (see detect.h): the session's ARNs, the key's
 * fetching process, the addresses expected, the role id and session name
 * its narrow revocation needs, the instance of an affiliated account the
 * address belongs to, and a title that says why. */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"

struct raise_buf {
	char sess[320], role[300], exp[1024], title[768];
	char rid[64], name[80], src[24], acct[24], ip[64];
};

/* The subject of a title: whose credentials. */
static const char *
raise_subject(enum ftype t)
{
	switch (t) {
	case F_TASK_OUT:
	case F_TASK_IN:
		return "ECS task role credentials";
	case F_POD_OUT:
	case F_POD_IN:
		return "EKS Pod Identity credentials";
	default:
		return "Instance credentials";
	}
}

/* The first address the session was locked on at first use, unproven. */
static const char *
raise_unproven_ip(const struct session *s, char *out, size_t len)
{
	const struct sip *v;
	int i;

	for (i = 0; i < s->nips; i++) {
		v = session_ip(s, i);
		if ((v->flags & (SIP_LEARNED | SIP_KNOWN)) == SIP_LEARNED)
			return ip16_fmt(&v->ip, out, len);
	}
	return NULL;
}

/* Why the address is not the session's, in words. */
static void
raise_reason(const struct detect_hit *h, char *out, size_t len)
{
	const char *who = raise_subject(h->type);

	if (h->reason != NULL)
		snprintf(out, len, "%s", h->reason);
	else if (h->why == LOCK_NOTAWS)
		snprintf(out, len,
		         "%s used from an address outside AWS's published "
		         "ranges",
		         who);
	else if (h->why == LOCK_NEWCLASS)
		snprintf(out, len,
		         "%s used from a %s address, a class the session was "
		         "not locked on, with no evidence it is its own",
		         who, session_class_name(session_class(h->ip)));
	else if (h->why == LOCK_EGRESS)
		snprintf(out, len,
		         "%s used from a public address that is not its VPC's "
		         "NAT egress",
		         who);
	else
		snprintf(out, len, "%s", findings_title(h->type));
}

/* The instance the source address is an address of, if another one. */
static void
raise_owner(struct detect *d, const struct detect_hit *h, struct finding_in *in,
            struct raise_buf *b)
{
	struct session *o;
	size_t n = strlen(b->title);

	if (h->ip == NULL || h->type == F_OUTSIDE ||
	    (o = owners_get(&d->owners, h->ip)) == NULL || o == h->s)
		return;
	snprintf(b->src, sizeof b->src, "%s", o->id);
	in->src_instance = b->src;
	if (o->account != NULL) {
		snprintf(b->acct, sizeof b->acct, "%s", o->account);
		in->src_account = b->acct;
	}
	if (o->account == NULL || h->arn == NULL)
		snprintf(b->title + n, sizeof b->title - n,
		         ", from instance %s", o->id);
	else if (strlen(o->account) != (size_t)h->arn->alen ||
	         memcmp(o->account, h->arn->acct, (size_t)h->arn->alen) != 0)
		snprintf(b->title + n, sizeof b->title - n,
		         ", from instance %s of affiliated account %s", o->id,
		         o->account);
	else
		snprintf(b->title + n, sizeof b->title - n,
		         ", from instance %s of the same account", o->id);
}

static void
raise_unproven(const struct detect_hit *h, struct finding_in *in,
               struct raise_buf *b)
{
	char ip[64];
	size_t n = strlen(b->title);

	if (h->s == NULL || h->why == LOCK_OK || !session_unproven(h->s) ||
	    raise_unproven_ip(h->s, ip, sizeof ip) == NULL)
		return;
	in->unproven = 1;
	snprintf(b->title + n, sizeof b->title - n,
	         "; the session was locked on %s at its first use with no "
	         "evidence (that first user may have been the thief)",
	         ip);
}

/* "AROA…:NAME" → the role id, and the session name as written. */
static void
raise_ids(const struct detect_hit *h, struct finding_in *in,
          struct raise_buf *b)
{
	const struct ct_str *p = &h->ev->f[CT_UI_PRINCIPAL];
	const char *c;

	snprintf(b->name, sizeof b->name, "%.*s", h->arn->nlen, h->arn->name);
	in->session_name = b->name;
	if (p->p == NULL || p->n < 5 || memcmp(p->p, "AROA", 4) != 0 ||
	    (c = memchr(p->p, ':', p->n)) == NULL ||
	    (size_t)(c - p->p) >= sizeof b->rid)
		return;
	snprintf(b->rid, sizeof b->rid, "%.*s", (int)(c - p->p), p->p);
	in->role_id = b->rid;
}

static void
raise_session(struct detect *d, const struct detect_hit *h,
              struct finding_in *in, struct raise_buf *b)
{
	const struct detect_arn *a = h->arn;

	detect_arn_fmt(a, b->sess, sizeof b->sess, b->role, sizeof b->role);
	in->instance = a->inst[0] != '\0' ? a->inst : NULL;
	in->session_arn = b->sess;
	in->role_arn = b->role;
	raise_ids(h, in, b);
	if (h->s != NULL && h->s->nips > 0)
		in->expected = session_ips_fmt(h->s, b->exp, sizeof b->exp);
	if (h->ip != NULL && h->type != F_MALICIOUS)
		raise_owner(d, h, in, b);
	raise_unproven(h, in, b);
}

void
detect_raise(struct detect *d, const struct detect_hit *h)
{
	struct finding_in in = {
	    .ev = h->ev, .t = h->t, .ip = h->ipstr, .w = h->w};
	const struct ct_str *key = &h->ev->f[CT_UI_KEY];
	struct detect_key *k;
	struct raise_buf b;

	if (in.ip == NULL && h->ip != NULL) /* formatted only when needed */
		in.ip = ip16_fmt(h->ip, b.ip, sizeof b.ip);
	raise_reason(h, b.title, sizeof b.title);
	if (h->arn != NULL)
		raise_session(d, h, &in, &b);
	else if (h->ev->f[CT_UI_ARN].p != NULL) {
		snprintf(b.sess, sizeof b.sess, "%.*s",
		         (int)h->ev->f[CT_UI_ARN].n, h->ev->f[CT_UI_ARN].p);
		in.session_arn = b.sess;
	}
	if (strcmp(b.title, findings_title(h->type)) != 0)
		in.title = b.title;
	if (key->p != NULL && (k = dmap_get(&d->keys, key->p, key->n)) != NULL)
		in.process = k->process;
	findings_add(&d->findings, h->type, &in);
}
