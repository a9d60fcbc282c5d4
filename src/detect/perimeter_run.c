/* The --perimeter mode from start to end: what is known from the state
 * and imdsgated's logs first, then the trail (the detector runs as usual,
 * the compiler watching every event), then decisions, policies, replay
 * and the files. */
#include "config.h"
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "detect/detect_run.h"
#include "detect/perimeter_replay.h"
#include "detect/state.h"

/* What was known before the trail. 0, or -1 with the message printed. */
static int
pm_run_load(struct detect *d, struct perimeter *p,
            const struct perimeter_opts *o)
{
	char err[512];
	int i;

	err[0] = '\0';
	if (o->state != NULL &&
	    (state_load(o->state, &d->sessions, &d->intern, &d->vpcs, err,
	                sizeof err) != 0 ||
	     perimeter_state_load(p, o->state, err, sizeof err) != 0))
		goto fail;
	for (i = 0; i < o->nproxies; i++)
		if (perimeter_proxy_load(p, o->proxies[i], err, sizeof err) !=
		    0)
			goto fail;
	return 0;
fail:
	fprintf(stderr, "imdsgate-detect: %s\n", err);
	return -1;
}

/* The detector's sessions keep the VPC of imdsgated's records of earlier
 * runs (--state): a fact like the others. */
static void
pm_run_sessions(struct detect *d, struct perimeter *p)
{
	struct pm_inst *in;
	const struct session *s;
	size_t i = 0;

	while ((s = session_next(&d->sessions, &i)) != NULL) {
		if (s->vpc == NULL || s->id[0] != 'i' ||
		    (in = perimeter_inst(p, s->id, strlen(s->id))) == NULL ||
		    in->vpc != NULL)
			continue;
		in->vpc = perimeter_intern(p, s->vpc, strlen(s->vpc));
		in->source = "imdsgated";
	}
}

static void
pm_run_replay(struct perimeter *p, struct detect *d, struct pm_replay *r)
{
	const uint64_t *s;
	uint64_t *t;
	size_t i, k;

	perimeter_decide(p, &d->findings);
	perimeter_accounts(p, r);
	for (i = 0; i < r->n; i++) {
		perimeter_policy(&r->v[i]);
		perimeter_tally(p, &r->v[i], &d->findings);
		s = (const uint64_t *)&r->v[i].total;
		t = (uint64_t *)&r->total;
		for (k = 0; k < sizeof r->total / sizeof *t; k++)
			t[k] += s[k];
		r->nthefts += r->v[i].nthefts;
	}
}

/* A report into dir/name, through memory. */
static int
pm_run_report(const struct perimeter *p, const struct pm_replay *r,
              const char *dir, int text)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	int rc;

	if (f == NULL)
		fatal("open_memstream");
	if (text)
		perimeter_report_text(p, r, dir, f);
	else
		perimeter_report_json(p, r, f);
	fclose(f);
	rc = perimeter_write_file(dir,
	                          text ? "perimeter.txt" : "perimeter.json", s);
	free(s);
	return rc;
}

static int
pm_run_write(const struct perimeter *p, const struct pm_replay *r,
             const struct perimeter_opts *o, FILE *out)
{
	char err[512];
	int rc = 0;

	if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
		log_warn("%s", o->dir);
		return -1;
	}
	rc |= perimeter_write_files(r, o->dir);
	rc |= pm_run_report(p, r, o->dir, 0);
	rc |= pm_run_report(p, r, o->dir, 1);
	if (o->text)
		perimeter_report_text(p, r, o->dir, out);
	else
		perimeter_report_json(p, r, out);
	if (o->state != NULL &&
	    perimeter_state_save(p, o->state, err, sizeof err) != 0) {
		log_warnx("%s", err);
		rc = -1;
	}
	return rc;
}

int
perimeter_run(struct detect *d, const struct perimeter_opts *o, char **paths,
              int npaths, FILE *out)
{
	struct perimeter p;
	struct pm_replay r;
	int i, bad = 0;

	perimeter_init(&p);
	if (pm_run_load(d, &p, o) != 0) {
		perimeter_free(&p);
		return 1;
	}
	d->observe = perimeter_observe;
	d->observe_arg = &p;
	/* one trail, however it is split across the paths */
	bad |= detect_run_paths(d, paths, npaths) != 0;
	d->observe = NULL;
	pm_run_sessions(d, &p);
	pm_run_replay(&p, d, &r);
	bad |= pm_run_write(&p, &r, o, out) != 0;
	log_debug("perimeter: %llu instance calls in %zu groups, %llu "
	          "instances and %llu endpoints named",
	          (unsigned long long)p.calls, p.ng,
	          (unsigned long long)p.learnt_insts,
	          (unsigned long long)p.learnt_eps);
	i = bad                                         ? 1
	    : r.total.breaks > 0 || r.total.unknown > 0 ? PM_EXIT_REVIEW
	                                                : PM_EXIT_CLEAN;
	perimeter_replay_free(&r);
	perimeter_free(&p);
	return i;
}

void
perimeter_opts_proxy(struct perimeter_opts *o, const char *path)
{
	o->proxies = xreallocarray(o->proxies, (size_t)o->nproxies + 1,
	                           sizeof *o->proxies);
	o->proxies[o->nproxies++] = path;
}

void
perimeter_opts_free(struct perimeter_opts *o)
{
	free(o->proxies);
	o->proxies = NULL;
	o->nproxies = 0;
}
