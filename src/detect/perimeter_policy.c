/* The policies: three Deny statements on instance credentials
 * (ec2:SourceInstanceARN present), none of them on calls an AWS service
 * makes for the caller (aws:ViaAWSService) or on EC2's own
 * aws:ec2-infrastructure role (which attaches encrypted EBS volumes):
 *   1. no aws:SourceVpc (a public endpoint): denied, except the exempted
 *      services (NotAction);
 *   2. aws:SourceVpc not the instance's aws:EC2InstanceSourceVPC;
 *   3. aws:VpcSourceIp not its aws:EC2InstanceSourcePrivateIPv4.
 * The instance-side keys are the policy variables: they are always in the
 * request context of instance credentials, so a variable never goes
 * unresolved; the request-side keys are compared ...IfExists and the
 * public case has its own Null test.
 * An SCP counts every character (5,120); a role's policy does not count
 * whitespace (6,144 managed). Too large: split statement 1 from 2 and 3,
 * then leave out the least-called exemptions until statement 1 fits. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "detect/perimeter_replay.h"

#define PM_DUMP (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* The partition from the session ARN ("aws", "aws-cn", ...), if it is
 * one: the ARN comes from the log, the policy must stay valid IAM. */
static const char *
pm_partition(const char *p)
{
	size_t i;

	for (i = 0; p != NULL && p[i] != '\0'; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '-') || i > 16)
			return "aws";
	return p != NULL && i > 0 ? p : "aws";
}

/* The conditions every statement shares. */
static json_t *
pm_cond(const char *partition, int public_endpoint)
{
	char arn[96];
	json_t *c = json_object(), *null = json_object();

	snprintf(arn, sizeof arn, "arn:%s:iam::*:role/aws:ec2-infrastructure",
	         pm_partition(partition));
	json_object_set_new(null, "ec2:SourceInstanceARN",
	                    json_string("false"));
	if (public_endpoint)
		json_object_set_new(null, "aws:SourceVpc", json_string("true"));
	json_object_set_new(c, "Null", null);
	json_object_set_new(c, "BoolIfExists",
	                    json_pack("{s:s}", "aws:ViaAWSService", "false"));
	json_object_set_new(c, "ArnNotLikeIfExists",
	                    json_pack("{s:s}", "aws:PrincipalArn", arn));
	return c;
}

static json_t *
pm_stmt(const char *sid, const char *verb, json_t *action, json_t *cond)
{
	json_t *s = json_object();

	json_object_set_new(s, "Sid", json_string(sid));
	json_object_set_new(s, "Effect", json_string("Deny"));
	json_object_set_new(s, verb, action);
	json_object_set_new(s, "Resource", json_string("*"));
	json_object_set_new(s, "Condition", cond);
	return s;
}

/* Statement 1 with the first nkept exemptions. */
static json_t *
pm_stmt_public(const struct pm_account *a, size_t nkept)
{
	json_t *acts;
	size_t i;

	if (nkept == 0)
		return pm_stmt("DenyInstanceCredentialsOffVpcEndpoints",
		               "Action", json_string("*"),
		               pm_cond(a->partition, 1));
	acts = json_array();
	for (i = 0; i < nkept; i++)
		json_array_append_new(acts, json_string(a->ex[i].action));
	return pm_stmt("DenyInstanceCredentialsOffVpcEndpoints", "NotAction",
	               acts, pm_cond(a->partition, 1));
}

/* Statement 2 or 3: a request-side key against the instance's own. */
static json_t *
pm_stmt_match(const struct pm_account *a, const char *sid, const char *key,
              const char *var)
{
	json_t *c = pm_cond(a->partition, 0), *ne = json_object(), *all;

	json_object_set_new(ne, key, json_string(var));
	all = json_object();
	json_object_set_new(all, "StringNotEqualsIfExists", ne);
	json_object_update(all, c);
	json_decref(c);
	return pm_stmt(sid, "Action", json_string("*"), all);
}

/* A document of the statements in v[0..n) (references are kept). */
static json_t *
pm_doc(json_t **v, size_t n)
{
	json_t *d = json_object(), *st = json_array();
	size_t i;

	json_object_set_new(d, "Version", json_string("2012-10-17"));
	for (i = 0; i < n; i++)
		json_array_append(st, v[i]);
	json_object_set_new(d, "Statement", st);
	return d;
}

static size_t
pm_size(json_t **v, size_t n)
{
	json_t *d = pm_doc(v, n);
	size_t len = json_dumpb(d, NULL, 0, PM_DUMP);

	json_decref(d);
	return len;
}

static void
pm_emit(struct pm_doc *out, const char *name, json_t **v, size_t n,
        size_t limit, int pretty)
{
	json_t *d = pm_doc(v, n);
	char *text;

	snprintf(out->name, sizeof out->name, "%s", name);
	out->size = json_dumpb(d, NULL, 0, PM_DUMP);
	text = json_dumps(d, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER
	                            : PM_DUMP);
	if (text == NULL)
		fatalx("out of memory");
	/* Whitespace is free in a role policy: end it with a newline. */
	xasprintf(&out->text, "%s%s", text, pretty ? "\n" : "");
	free(text);
	out->limit = limit;
	json_decref(d);
}

/* One document if it fits, else statement 1 apart from 2 and 3. */
static int
pm_place(struct pm_doc *docs, const char *base, json_t **st, size_t limit,
         int pretty)
{
	char one[32], two[32];

	if (pm_size(st, 3) <= limit) {
		snprintf(one, sizeof one, "%s.json", base);
		pm_emit(&docs[0], one, st, 3, limit, pretty);
		return 1;
	}
	snprintf(one, sizeof one, "%s-1.json", base);
	snprintf(two, sizeof two, "%s-2.json", base);
	pm_emit(&docs[0], one, st, 1, limit, pretty);
	pm_emit(&docs[1], two, st + 1, 2, limit, pretty);
	return 2;
}

void
perimeter_policy(struct pm_account *a)
{
	json_t *st[3];
	size_t kept = a->nex;

	st[1] = pm_stmt_match(a, "DenyInstanceCredentialsOtherVpc",
	                      "aws:SourceVpc", "${aws:EC2InstanceSourceVPC}");
	st[2] = pm_stmt_match(a, "DenyInstanceCredentialsOtherAddress",
	                      "aws:VpcSourceIp",
	                      "${aws:EC2InstanceSourcePrivateIPv4}");
	for (;;) {
		st[0] = pm_stmt_public(a, kept);
		if (kept == 0 || pm_size(st, 1) <= PM_SCP_MAX)
			break;
		json_decref(st[0]);
		a->ex[--kept].kept = 0;
	}
	a->nscp = pm_place(a->scp, "scp", st, PM_SCP_MAX, 0);
	a->nrole = pm_place(a->role, "role-policy", st, PM_ROLE_MAX, 1);
	json_decref(st[0]);
	json_decref(st[1]);
	json_decref(st[2]);
}
