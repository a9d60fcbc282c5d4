/* The replay report as JSON, for pipelines (its fields are listed in
 * imdsgate-detect(1)). Unknown VPCs are the string "unknown", never a
 * guess. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "detect/perimeter_replay.h"

#define PM_SET(o, k, v) json_object_set_new((o), (k), (v))

static json_t *
pm_str(const char *s)
{
	return s != NULL ? json_string(s) : json_string("unknown");
}

static json_t *
pm_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

static json_t *
pm_counts(const struct pm_count *c)
{
	return json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "calls",
	    (json_int_t)c->calls, "allowed", (json_int_t)c->allowed,
	    "allowed_address_unchecked", (json_int_t)c->unchecked,
	    "via_aws_service", (json_int_t)c->via, "ec2_infrastructure",
	    (json_int_t)c->infra, "exempted", (json_int_t)c->exempted, "denied",
	    (json_int_t)c->denied, "stopped", (json_int_t)c->stopped,
	    "would_break", (json_int_t)c->breaks, "unknown",
	    (json_int_t)c->unknown);
}

static json_t *
pm_reasons(const struct pm_count *c)
{
	return json_pack(
	    "{s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I}}",
	    "denied_without_exemptions", "public_endpoint",
	    (json_int_t)c->r_public, "other_vpc", (json_int_t)c->r_vpc,
	    "other_address", (json_int_t)c->r_ip, "unknown_because",
	    "instance_vpc_unknown", (json_int_t)c->u_inst,
	    "endpoint_vpc_unknown", (json_int_t)c->u_ep,
	    "private_source_without_endpoint", (json_int_t)c->u_noep,
	    "identity_credentials", (json_int_t)c->u_identity);
}

/* What the policy does to a group, in one word. */
const char *
perimeter_outcome(const struct pm_group *g)
{
	if (g->verdict == PV_UNKNOWN)
		return "unknown";
	if (g->exempt)
		return "exempted";
	if (g->verdict == PV_PUBLIC || g->verdict == PV_OTHER_VPC ||
	    g->verdict == PV_OTHER_IP)
		return g->theft ? "stopped" : "would_break";
	return "allowed";
}

static json_t *
pm_example(const struct perimeter *p, const struct pm_group *g)
{
	json_t *o = json_object();
	char ip[64];

	PM_SET(o, "event_id", json_string(g->event_id));
	PM_SET(o, "event_name", json_string(g->event_name));
	PM_SET(o, "event_time", pm_time(g->t));
	PM_SET(o, "instance_id", json_string(g->inst));
	PM_SET(o, "source_ip",
	       g->ipok ? json_string(ip16_fmt(&g->ip, ip, sizeof ip))
	               : json_null());
	PM_SET(o, "vpc_endpoint_id",
	       g->vpce ? json_string(g->vpce) : json_null());
	PM_SET(o, "instance_vpc", pm_str(perimeter_inst_vpc(p, g->inst)));
	PM_SET(o, "endpoint_vpc",
	       g->vpce ? pm_str(perimeter_ep_vpc(p, g->vpce)) : json_null());
	PM_SET(o, "outcome", json_string(perimeter_outcome(g)));
	PM_SET(o, "verdict", json_string(perimeter_verdict_name(g->verdict)));
	if (g->why != PW_NONE)
		PM_SET(o, "because", json_string(perimeter_why_name(g->why)));
	PM_SET(o, "calls_like_it", json_integer((json_int_t)g->count));
	return o;
}

static json_t *
pm_rows(const struct perimeter *p, const struct pm_account *a)
{
	json_t *arr = json_array(), *o, *ex;
	size_t i;
	int k;

	for (i = 0; i < a->nrows; i++) {
		const struct pm_row *r = &a->rows[i];
		o = json_pack("{s:s,s:s}", "role", r->role, "service",
		              r->service);
		json_object_update_new(o, pm_counts(&r->c));
		json_object_update_new(o, pm_reasons(&r->c));
		ex = json_array();
		for (k = 0; k < r->nex; k++)
			json_array_append_new(ex, pm_example(p, r->ex[k]));
		PM_SET(o, "examples", ex);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
pm_docs(const struct pm_account *a, const struct pm_doc *d, int n)
{
	json_t *arr = json_array();
	char file[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(file, sizeof file, "%s/%s", a->id, d[i].name);
		json_array_append_new(
		    arr, json_pack("{s:s,s:I,s:I}", "file", file, "characters",
		                   (json_int_t)d[i].size, "limit",
		                   (json_int_t)d[i].limit));
	}
	return arr;
}

static json_t *
pm_exempts(const struct pm_account *a, int kept)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < a->nex; i++)
		if (a->ex[i].kept == kept)
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:I}", "service",
			                   a->ex[i].service, "action",
			                   a->ex[i].action, "public_calls",
			                   (json_int_t)a->ex[i].calls));
	return arr;
}

static json_t *
pm_strings(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

static json_t *
pm_policies(const struct pm_account *a)
{
	char file[64];
	json_t *o = json_object();

	PM_SET(o, "scp", pm_docs(a, a->scp, a->nscp));
	PM_SET(o, "role_policy", pm_docs(a, a->role, a->nrole));
	PM_SET(o, "attach_role_policy_to", pm_strings(a->roles, a->nroles));
	PM_SET(o, "exempted_services", pm_exempts(a, 1));
	PM_SET(o, "not_exempted_size_limit", pm_exempts(a, 0));
	snprintf(file, sizeof file, "%s/exemptions.txt", a->id);
	PM_SET(o, "exemptions_file", json_string(file));
	return o;
}

static json_t *
pm_needs(const struct pm_account *a)
{
	json_t *arr = json_array(), *o;
	const char *type;
	char name[160];
	size_t i;

	for (i = 0; i < a->nneeds; i++) {
		const struct pm_need *n = &a->needs[i];
		int ok = perimeter_svc_endpoint(n->service, n->region, name,
		                                sizeof name, &type) == 0;
		o = json_object();
		PM_SET(o, "vpc_id", pm_str(n->vpc));
		PM_SET(o, "region", pm_str(n->region));
		PM_SET(o, "event_source", json_string(n->service));
		PM_SET(o, "service_name", ok ? json_string(name) : json_null());
		PM_SET(o, "type", ok ? json_string(type) : json_null());
		PM_SET(o, "calls", json_integer((json_int_t)n->calls));
		PM_SET(o, "instances", pm_strings(n->insts, n->ninsts));
		PM_SET(o, "more_instances", json_integer((json_int_t)n->more));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* A finding's calls: all denied, none, some, or not known. */
const char *
perimeter_theft_outcome(const struct pm_theft *t)
{
	if (t->denied == t->calls)
		return "stopped";
	if (t->allowed == t->calls)
		return "not_stopped";
	if (t->denied + t->unknown == t->calls)
		return t->denied > 0 ? "stopped_or_unknown" : "unknown";
	return t->denied > 0 ? "partly_stopped" : "not_stopped_or_unknown";
}

static json_t *
pm_thefts(const struct pm_account *a)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < a->nthefts; i++) {
		const struct pm_theft *t = &a->thefts[i];
		o = json_object();
		PM_SET(o, "type", json_string(findings_type(t->f->type)));
		PM_SET(o, "instance_id", json_string(t->f->instance));
		PM_SET(o, "source_ip", json_string(t->f->ip));
		PM_SET(o, "session_arn", json_string(t->f->session_arn));
		PM_SET(o, "first_seen", pm_time(t->f->first));
		PM_SET(o, "outcome", json_string(perimeter_theft_outcome(t)));
		PM_SET(o, "calls", json_integer((json_int_t)t->calls));
		PM_SET(o, "denied", json_integer((json_int_t)t->denied));
		PM_SET(o, "allowed", json_integer((json_int_t)t->allowed));
		PM_SET(o, "unknown", json_integer((json_int_t)t->unknown));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
pm_account(const struct perimeter *p, const struct pm_account *a)
{
	json_t *o = json_object();

	PM_SET(o, "account_id", json_string(a->id));
	PM_SET(o, "policies", pm_policies(a));
	PM_SET(o, "totals", pm_counts(&a->total));
	json_object_update_new(json_object_get(o, "totals"),
	                       pm_reasons(&a->total));
	PM_SET(o, "replay", pm_rows(p, a));
	PM_SET(o, "endpoints_to_create", pm_needs(a));
	PM_SET(o, "stolen_credential_uses", pm_thefts(a));
	PM_SET(o, "unknown_vpc",
	       json_pack("{s:o,s:o}", "instances",
	                 pm_strings(a->unk_insts, a->nunk_insts), "endpoints",
	                 pm_strings(a->unk_eps, a->nunk_eps)));
	return o;
}

void
perimeter_report_json(const struct perimeter *p, const struct pm_replay *r,
                      FILE *out)
{
	json_t *doc = json_object(), *accts = json_array();
	size_t i;

	for (i = 0; i < r->n; i++)
		json_array_append_new(accts, pm_account(p, &r->v[i]));
	PM_SET(doc, "instance_calls", json_integer((json_int_t)p->calls));
	PM_SET(doc, "totals", pm_counts(&r->total));
	PM_SET(doc, "stolen_credential_uses",
	       json_integer((json_int_t)r->nthefts));
	PM_SET(doc, "accounts", accts);
	json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(doc);
}
