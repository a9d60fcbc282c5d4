/* The replay report for people: per account, the policy files and their
 * sizes, the exemptions, a table of calls per role and service with
 * examples, the endpoints to create, the findings stopped, and every VPC
 * the input did not name. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "detect/perimeter_replay.h"

#define U(x) ((unsigned long long)(x))

static void
pm_t_docs(const struct pm_account *a, FILE *out)
{
	int i;

	for (i = 0; i < a->nscp; i++)
		fprintf(out, "    %-20s %5zu of %zu characters (SCP)\n",
		        a->scp[i].name, a->scp[i].size, a->scp[i].limit);
	for (i = 0; i < a->nrole; i++)
		fprintf(out,
		        "    %-20s %5zu of %zu characters without whitespace "
		        "(role policy)\n",
		        a->role[i].name, a->role[i].size, a->role[i].limit);
	fprintf(out, "    attach the role policy to:");
	for (i = 0; i < (int)a->nroles; i++)
		fprintf(out, "%s %s", i ? "," : "", a->roles[i]);
	fprintf(out, "%s\n", a->nroles ? "" : " (no instance role seen)");
}

static void
pm_t_exempts(const struct pm_account *a, FILE *out)
{
	size_t i;
	int any[2] = {0, 0};

	for (i = 0; i < a->nex; i++)
		any[a->ex[i].kept] = 1;
	if (any[1])
		fprintf(out, "  Exempted services (called only over public "
		             "endpoints; see exemptions.txt):\n");
	for (i = 0; i < a->nex; i++)
		if (a->ex[i].kept)
			fprintf(out, "    %-24s %-32s %llu public calls\n",
			        a->ex[i].action, a->ex[i].service,
			        U(a->ex[i].calls));
	if (any[0])
		fprintf(out,
		        "  Not exempted: the SCP would exceed %d "
		        "characters (their calls would break):\n",
		        PM_SCP_MAX);
	for (i = 0; i < a->nex; i++)
		if (!a->ex[i].kept)
			fprintf(out, "    %-24s %-32s %llu public calls\n",
			        a->ex[i].action, a->ex[i].service,
			        U(a->ex[i].calls));
	if (!any[0] && !any[1])
		fprintf(out, "  No service exempted.\n");
}

static void
pm_t_example(const struct perimeter *p, const struct pm_group *g, FILE *out)
{
	const char *vpc = perimeter_inst_vpc(p, g->inst);
	time_t t = (time_t)(g->t / 1000);
	char ip[64], when[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "      %-12s %s %s %s (VPC %s) from %s",
	        perimeter_outcome(g), when, g->event_name, g->inst,
	        vpc != NULL ? vpc : "unknown",
	        g->ipok ? ip16_fmt(&g->ip, ip, sizeof ip) : "-");
	if (g->vpce != NULL)
		fprintf(out, " via %s", g->vpce);
	fprintf(out, ": %s%s%s, %llu call%s like it [%s]\n",
	        perimeter_verdict_name(g->verdict), g->why ? ", " : "",
	        perimeter_why_name(g->why), U(g->count),
	        g->count == 1 ? "" : "s", g->event_id);
}

static void
pm_t_rows(const struct perimeter *p, const struct pm_account *a, FILE *out)
{
	int wr = 4, ws = 7, k;
	size_t i;

	for (i = 0; i < a->nrows; i++) {
		if ((int)strlen(a->rows[i].role) > wr)
			wr = (int)strlen(a->rows[i].role);
		if ((int)strlen(a->rows[i].service) > ws)
			ws = (int)strlen(a->rows[i].service);
	}
	fprintf(out, "  Replay (calls made with instance credentials):\n");
	fprintf(out, "    %-*s %-*s %7s %7s %7s %7s %7s %7s %7s\n", wr, "ROLE",
	        ws, "SERVICE", "CALLS", "ALLOWED", "EXEMPT", "DENIED",
	        "STOPPED", "BREAK", "UNKNOWN");
	for (i = 0; i < a->nrows; i++) {
		const struct pm_row *r = &a->rows[i];
		fprintf(out,
		        "    %-*s %-*s %7llu %7llu %7llu %7llu %7llu %7llu "
		        "%7llu\n",
		        wr, r->role, ws, r->service, U(r->c.calls),
		        U(r->c.allowed + r->c.via + r->c.infra),
		        U(r->c.exempted), U(r->c.denied), U(r->c.stopped),
		        U(r->c.breaks), U(r->c.unknown));
		for (k = 0; k < r->nex; k++)
			pm_t_example(p, r->ex[k], out);
	}
}

static void
pm_t_needs(const struct pm_account *a, FILE *out)
{
	const char *type;
	char name[160];
	size_t i, k;

	if (a->nneeds == 0)
		return;
	fprintf(out, "  VPC endpoints to create (to need no exemption):\n");
	for (i = 0; i < a->nneeds; i++) {
		const struct pm_need *n = &a->needs[i];
		if (perimeter_svc_endpoint(n->service, n->region, name,
		                           sizeof name, &type) != 0) {
			snprintf(name, sizeof name, "no endpoint for %s",
			         n->service);
			type = "-";
		}
		fprintf(out, "    %-22s %s (%s): %llu call%s from",
		        n->vpc != NULL ? n->vpc : "unknown", name, type,
		        U(n->calls), n->calls == 1 ? "" : "s");
		for (k = 0; k < n->ninsts; k++)
			fprintf(out, " %s", n->insts[k]);
		if (n->more > 0)
			fprintf(out, " and about %llu more", U(n->more));
		fprintf(out, "\n");
	}
}

static void
pm_t_thefts(const struct pm_account *a, FILE *out)
{
	size_t i;

	if (a->nthefts == 0)
		return;
	fprintf(out, "  Findings on instance credentials, their calls under "
	             "the policy:\n");
	for (i = 0; i < a->nthefts; i++) {
		const struct pm_theft *t = &a->thefts[i];
		fprintf(out,
		        "    %-22s %s %s from %s: %llu of %llu calls "
		        "denied, %llu unknown\n",
		        perimeter_theft_outcome(t), findings_type(t->f->type),
		        t->f->instance, t->f->ip, U(t->denied), U(t->calls),
		        U(t->unknown));
	}
}

static void
pm_t_unknown(const struct pm_account *a, FILE *out)
{
	size_t i;

	if (a->nunk_insts > 0) {
		fprintf(out, "  Instances whose VPC is unknown:");
		for (i = 0; i < a->nunk_insts; i++)
			fprintf(out, " %s", a->unk_insts[i]);
		fprintf(out, "\n");
	}
	if (a->nunk_eps > 0) {
		fprintf(out, "  Endpoints whose VPC is unknown:");
		for (i = 0; i < a->nunk_eps; i++)
			fprintf(out, " %s", a->unk_eps[i]);
		fprintf(out, "\n");
	}
}

static void
pm_t_totals(const struct pm_count *c, FILE *out)
{
	fprintf(out,
	        "%llu calls: %llu allowed, %llu exempted, %llu denied (%llu "
	        "stopped, %llu would break), %llu unknown\n",
	        U(c->calls), U(c->allowed + c->via + c->infra), U(c->exempted),
	        U(c->denied), U(c->stopped), U(c->breaks), U(c->unknown));
}

void
perimeter_report_text(const struct perimeter *p, const struct pm_replay *r,
                      const char *dir, FILE *out)
{
	size_t i;

	fprintf(out, "Perimeter policies in %s for %zu account%s; ", dir, r->n,
	        r->n == 1 ? "" : "s");
	pm_t_totals(&r->total, out);
	for (i = 0; i < r->n; i++) {
		const struct pm_account *a = &r->v[i];
		fprintf(out, "\nAccount %s\n  Policies (in %s/%s/):\n", a->id,
		        dir, a->id);
		pm_t_docs(a, out);
		pm_t_exempts(a, out);
		pm_t_rows(p, a, out);
		fprintf(out, "  Total: ");
		pm_t_totals(&a->total, out);
		pm_t_needs(a, out);
		pm_t_thefts(a, out);
		pm_t_unknown(a, out);
	}
}
