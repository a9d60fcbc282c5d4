/* Session ARNs (see detect_arn.h). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect_arn.h"

int
detect_is_instance_id(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n < 10 || n > 19 ||
	    tolower((unsigned char)s[0]) != 'i' || s[1] != '-')
		return 0;
	for (i = 2; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "arn:PART:sts::ACCT:" → part and account; the rest after it. */
static const char *
detect_arn_head(const char *p, const char *e, struct detect_arn *out)
{
	const char *part, *ar, *acct;

	if (e - p < 20 || memcmp(p, "arn:", 4) != 0)
		return NULL;
	part = p + 4;
	if ((ar = memchr(part, ':', e - part)) == NULL || e - ar < 7 ||
	    (memcmp(ar, ":sts::", 6) && memcmp(ar, ":iam::", 6)))
		return NULL;
	out->part = part;
	out->plen = (int)(ar - part);
	acct = ar + 6;
	if ((ar = memchr(acct, ':', e - acct)) == NULL)
		return NULL;
	out->acct = acct;
	out->alen = (int)(ar - acct);
	return ar;
}

int
detect_parse_arn(struct dmap *intern, const struct ct_str *a,
                 struct detect_arn *out)
{
	const char *e = a->p + a->n, *ar, *slash;
	size_t i, n;

	if (a->p == NULL || (ar = detect_arn_head(a->p, e, out)) == NULL ||
	    e - ar < 14 || memcmp(ar, ":assumed-role/", 14) != 0)
		return -1;
	ar += 14;
	if ((slash = memchr(ar, '/', e - ar)) == NULL || slash + 1 == e)
		return -1;
	out->name = slash + 1;
	out->nlen = (int)(e - slash - 1);
	out->inst[0] = '\0';
	n = (size_t)out->nlen;
	if (detect_is_instance_id(out->name, n)) {
		for (i = 0; i < n; i++)
			out->inst[i] =
			    (char)tolower((unsigned char)out->name[i]);
		out->inst[n] = '\0';
	}
	out->role = dmap_intern(intern, ar, slash - ar);
	out->identity = strcmp(out->role, "aws:ec2-instance") == 0;
	return 0;
}

void
detect_arn_fmt(const struct detect_arn *a, char *session, size_t slen,
               char *role, size_t rlen)
{
	if (a->inst[0] != '\0')
		snprintf(session, slen, "arn:%.*s:sts::%.*s:assumed-role/%s/%s",
		         a->plen, a->part, a->alen, a->acct, a->role, a->inst);
	else
		snprintf(session, slen,
		         "arn:%.*s:sts::%.*s:assumed-role/%s/%.*s", a->plen,
		         a->part, a->alen, a->acct, a->role, a->nlen, a->name);
	snprintf(role, rlen, "arn:%.*s:iam::%.*s:role/%s", a->plen, a->part,
	         a->alen, a->acct, a->role);
}

void
detect_arn_key(const struct detect_arn *a, char *out, size_t len)
{
	snprintf(out, len, "%.*s/%s/%.*s", a->alen, a->acct, a->role, a->nlen,
	         a->name);
}
