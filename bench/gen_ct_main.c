/* gen-cloudtrail: write a synthetic CloudTrail corpus of N events over M
 * instance role sessions for the detector benchmark, as gzip S3 objects
 * and/or JSON lines, and a manifest with the number of findings a correct
 * lock-IP detector reports on it. See bench/README.md. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_ct.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xmalloc.h"

#define GEN_USED 1	/* the session has made a call from its instance */
#define GEN_HIT 2	/* its key has been used by the thief */

struct gen_run {
	const struct gen_opts	*o;
	struct gen_out		*out;
	struct gen_rng		 r;
	struct buf		 ev;
	uint8_t			*fl;
	uint64_t		 next_ar;	/* next session to AssumeRole */
	uint64_t		 n_ar, n_run, n_calls, n_noise, n_thief, n_hit;
	int64_t			 first_t;	/* the second of first_idx[] */
	uint64_t		*first_idx;	/* sessions first used in it */
	size_t			 nfirst, first_cap;
};

static void
gen_usage(FILE *f)
{
	fprintf(f, "usage: gen-cloudtrail -n EVENTS -m SESSIONS -o DIR "
	    "[-f gz|jsonl|both] [-s SEED]\n"
	    "       [-x EXFIL_PPM] [--per-object N] [--per-file N] "
	    "[--start RFC3339] [--hours H]\n"
	    "EVENTS and SESSIONS take k and M suffixes (10M, 10k).\n");
}

/* "10M", "10k" or digits; 0 on error. */
static uint64_t
gen_count(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return 0;
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1e6, end++;
	return *end == '\0' ? (uint64_t)llround(v) : 0;
}

/* When session j gets its credentials: sessions are spread evenly over
 * [start - active, start + span), so a few began before the window (no
 * AssumeRole in the corpus, as with any real slice of a trail). */
static int64_t
gen_created(const struct gen_opts *o, uint64_t j)
{
	double u = (double)(gen_mix(o->seed ^ (j * 0x9e3779b97f4a7c15ULL) ^
	    0xa55) >> 11) * 0x1.0p-53;

	return o->start - o->active + (int64_t)floor((double)(o->span +
	    o->active) * ((double)j + u) / (double)o->sessions);
}

static void
gen_emit_ar(struct gen_run *g, uint64_t j, int64_t t)
{
	struct gen_session s;

	gen_session(g->o, j, gen_created(g->o, j), &s);
	if (s.dual && s.launched) {	/* launch events: evidence for both */
		gen_ev_runinstances(&g->ev, &s, t, &g->r);
		gen_out_event(g->out, s.stream, t, &g->ev);
		gen_ev_associate(&g->ev, &s, t, &g->r);
		gen_out_event(g->out, s.stream, t, &g->ev);
		g->n_run += 2;
	}
	gen_ev_assumerole(&g->ev, &s, t, &g->r);
	gen_out_event(g->out, s.stream, t, &g->ev);
	g->n_ar++;
}

/* AssumeRole for every session created up to time t (and up to session
 * `upto`, so no session is used before EC2 fetched its credentials). */
static void
gen_emit_ars(struct gen_run *g, int64_t t, uint64_t upto)
{
	int64_t c;

	while (g->next_ar < g->o->sessions) {
		c = gen_created(g->o, g->next_ar);
		if (c > t && g->next_ar > upto)
			break;
		if (c >= g->o->start)
			gen_emit_ar(g, g->next_ar, c > t ? t : c);
		g->next_ar++;
	}
}

/* A session active at t (created within `active` seconds before t). */
static uint64_t
gen_pick(struct gen_run *g, int64_t t)
{
	const struct gen_opts *o = g->o;
	double per = (double)(o->span + o->active) / (double)o->sessions;
	double hi = floor((double)(t - o->start + o->active) / per) - 1;
	double lo = ceil((double)(t - o->start) / per);

	if (hi > (double)o->sessions - 1)
		hi = (double)o->sessions - 1;
	if (hi < 0)
		hi = 0;
	if (lo < 0)
		lo = 0;
	if (lo > hi)
		return (uint64_t)hi;
	return (uint64_t)lo + gen_rand(&g->r) % ((uint64_t)(hi - lo) + 1);
}

/* Where the call on session s comes from: its first call from the
 * instance (so the lock is the instance's address; a dual-stack
 * instance's from either family), later ones mostly too, some through a
 * VPC endpoint or a service, and the thief's. */
/* Whether session idx made its first call in second t: its other calls
 * of that second come from the instance too, since a detector orders
 * events of one second by their (random) eventID. Unbounded: at the
 * window's start every session created before it makes its first call
 * at once (a fixed 64 let the 65th's endpoint call sort first, a lock
 * on its private address and a finding the manifest did not count). */
static int
gen_first_now(struct gen_run *g, uint64_t idx, int64_t t, int add)
{
	size_t i;

	if (g->first_t != t) {
		g->first_t = t;
		g->nfirst = 0;
	}
	for (i = 0; i < g->nfirst; i++)
		if (g->first_idx[i] == idx)
			return 1;
	if (!add)
		return 0;
	if (g->nfirst == g->first_cap) {
		g->first_cap = g->first_cap ? 2 * g->first_cap : 256;
		g->first_idx = xreallocarray(g->first_idx, g->first_cap,
		    sizeof *g->first_idx);
	}
	g->first_idx[g->nfirst++] = idx;
	return 0;
}

static enum gen_via
gen_via(struct gen_run *g, const struct gen_session *s, int64_t t)
{
	uint8_t *f = &g->fl[s->idx];
	double u;

	if (!(*f & GEN_USED)) {	/* locks the session on its instance */
		*f |= GEN_USED;
		gen_first_now(g, s->idx, t, 1);
		return GEN_FIRST;
	}
	if (gen_first_now(g, s->idx, t, 0))
		return GEN_FIRST;
	u = gen_unit(&g->r);
	if (s->compromised && u < 0.3) {
		*f |= GEN_HIT;
		g->n_thief++;
		return GEN_ATTACKER;
	}
	if (u < 0.35)
		return GEN_VPCE;
	if (u < 0.38)
		return GEN_SERVICE;
	return GEN_LEGIT;
}

static void
gen_emit_call(struct gen_run *g, int64_t t)
{
	struct gen_session s;
	uint64_t j;
	int stream;

	if (gen_unit(&g->r) < 0.10) {
		stream = (int)(gen_rand(&g->r) % GEN_NSTREAMS);
		gen_ev_noise(&g->ev, stream, t, &g->r);
		gen_out_event(g->out, stream, t, &g->ev);
		g->n_noise++;
		return;
	}
	j = gen_pick(g, t);
	gen_emit_ars(g, t, j);
	gen_session(g->o, j, gen_created(g->o, j), &s);
	gen_ev_call(&g->ev, &s, t, gen_via(g, &s, t), &g->r);
	gen_out_event(g->out, s.stream, t, &g->ev);
	g->n_calls++;
}

/* The events made at sessions' creation: AssumeRole, and RunInstances
 * and AssociateAddress for dual-stack instances. */
static uint64_t
gen_count_ars(const struct gen_opts *o)
{
	struct gen_session s;
	uint64_t j, n = 0;
	int64_t c;

	for (j = 0; j < o->sessions; j++)
		if ((c = gen_created(o, j)) >= o->start) {
			gen_session(o, j, c, &s);
			n += 1 + 2 * (s.dual && s.launched);
		}
	return n;
}

/* manifest.json: the counts, and the findings a correct detector
 * reports: one per stolen session (each thief uses one address). */
static void
gen_manifest(const struct gen_opts *o, struct gen_run *g,
    const uint64_t st[4], double secs)
{
	struct buf b;
	struct jsonw jw;
	char path[1024];
	FILE *f;
	uint64_t j;

	for (j = 0; j < o->sessions; j++)
		if (g->fl[j] & GEN_HIT)
			g->n_hit++;
	buf_init(&b);
	jw_begin(&jw, &b);
	jw_str(&jw, "generator", "gen-cloudtrail " PACKAGE_VERSION);
	jw_uint(&jw, "seed", o->seed);
	jw_uint(&jw, "events", o->events);
	jw_uint(&jw, "sessions", o->sessions);
	jw_uint(&jw, "assume_role_events", g->n_ar);
	jw_uint(&jw, "launch_events", g->n_run);
	jw_uint(&jw, "instance_calls", g->n_calls);
	jw_uint(&jw, "noise_events", g->n_noise);
	jw_uint(&jw, "thief_calls", g->n_thief);
	jw_uint(&jw, "expected_findings", g->n_hit);
	jw_str(&jw, "first_time", gen_time(o->start));
	jw_uint(&jw, "span_seconds", (uint64_t)o->span);
	jw_uint(&jw, "s3_objects", st[0]);
	jw_uint(&jw, "jsonl_files", st[1]);
	jw_uint(&jw, "bytes_json", st[2]);
	jw_uint(&jw, "bytes_gzip", st[3]);
	jw_double(&jw, "seconds", secs);
	jw_end(&jw);
	buf_addc(&b, '\n');
	snprintf(path, sizeof path, "%s/manifest.json", o->outdir);
	if ((f = fopen(path, "w")) == NULL || fputs(b.data, f) == EOF ||
	    fclose(f) != 0)
		fatal("%s", path);
	fputs(b.data, stdout);
	buf_free(&b);
}

static double
gen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole corpus, in time order. When the sessions' creation events
 * leave no room for calls (1M sessions in 1M events), dual-stack
 * instances get no launch events and call over IPv6 only, as those
 * launched before the window do. */
static void
gen_run(struct gen_opts *o)
{
	struct gen_run g = { .o = o };
	uint64_t i, calls, st[4];
	double t0 = gen_now();

	g.r.s = o->seed;
	if (gen_count_ars(o) >= o->events)
		o->nolaunch = 1;
	if ((calls = gen_count_ars(o)) >= o->events) {
		fprintf(stderr, "gen-cloudtrail: %" PRIu64 " sessions need more "
		    "than %" PRIu64 " events\n", o->sessions, o->events);
		exit(2);
	}
	calls = o->events - calls;
	g.fl = xcalloc(o->sessions, 1);
	g.out = gen_out_open(o);
	buf_init(&g.ev);
	for (i = 0; i < calls; i++)
		gen_emit_call(&g, o->start + (int64_t)((double)o->span *
		    ((double)i + 0.5) / (double)calls));
	gen_emit_ars(&g, o->start + o->span, 0);
	gen_out_close(g.out, &st[0], &st[1], &st[2], &st[3]);
	gen_manifest(o, &g, st, gen_now() - t0);
	buf_free(&g.ev);
	free(g.fl);
	free(g.first_idx);
}

static int
gen_format(struct gen_opts *o, const char *s)
{
	o->gz = strcmp(s, "gz") == 0 || strcmp(s, "both") == 0;
	o->jsonl = strcmp(s, "jsonl") == 0 || strcmp(s, "both") == 0;
	return o->gz || o->jsonl;
}

static void
gen_bad(const char *what, const char *val)
{
	fprintf(stderr, "gen-cloudtrail: bad %s: %s\n", what, val);
	gen_usage(stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "sessions", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "exfil-ppm", required_argument, NULL, 'x' },
		{ "per-object", required_argument, NULL, 'O' },
		{ "per-file", required_argument, NULL, 'F' },
		{ "start", required_argument, NULL, 'S' },
		{ "hours", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen_opts o = { .seed = 1, .exfil_ppm = 1000, .per_object = 1000,
	    .per_file = 100000, .start = 1793491200, .span = 86400,
	    .active = 3600, .gz = 1, .jsonl = 1 };
	int64_t ms;
	int c;

	log_init("gen-cloudtrail", LOG_TO_STDERR, 0);
	while ((c = getopt_long(argc, argv, "n:m:o:f:s:x:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': if ((o.events = gen_count(optarg)) == 0)
				gen_bad("event count", optarg);
			break;
		case 'm': if ((o.sessions = gen_count(optarg)) == 0)
				gen_bad("session count", optarg);
			break;
		case 'o': o.outdir = optarg; break;
		case 'f': if (!gen_format(&o, optarg))
				gen_bad("format", optarg);
			break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'x': if ((o.exfil_ppm = (uint32_t)gen_count(optarg)) >
			    1000000)
				gen_bad("exfil-ppm", optarg);
			break;
		case 'O': if ((o.per_object = (uint32_t)gen_count(optarg)) == 0)
				gen_bad("per-object", optarg);
			break;
		case 'F': if ((o.per_file = gen_count(optarg)) == 0)
				gen_bad("per-file", optarg);
			break;
		case 'S': if (timefmt_parse(optarg, strlen(optarg), &ms) != 0)
				gen_bad("start", optarg);
			o.start = ms / 1000;
			break;
		case 'H': if ((o.span = (int64_t)gen_count(optarg) * 3600) == 0)
				gen_bad("hours", optarg);
			break;
		case 'h': gen_usage(stdout); return 0;
		case 'V': puts("gen-cloudtrail " PACKAGE_VERSION); return 0;
		default: gen_usage(stderr); return 2;
		}
	}
	if (optind != argc || o.outdir == NULL || o.events == 0 ||
	    o.sessions == 0) {
		gen_usage(stderr);
		return 2;
	}
	gen_run(&o);
	return 0;
}
