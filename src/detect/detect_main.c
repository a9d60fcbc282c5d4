/* imdsgate-detect: find stolen instance credentials in CloudTrail. main
 * does option parsing and start-up order only. */
#include "config.h"
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"
#include "detect/detect_follow.h"
#include "detect/detect_run.h"
#include "detect/perimeter.h"
#include "common/log.h"
#include "detect/state.h"
#include "detect/v1report.h"

#define EXIT_FINDINGS 3

static volatile int detect_stop;
static const char *detect_state;
static struct perimeter_opts detect_perim;

static void
usage(FILE *f)
{
	fprintf(f, "usage: imdsgate-detect [--proxy-log FILE]... "
	           "[--threat-list FILE]... [--ip-ranges FILE]\n"
	           "       [--own-ranges FILE]... [--user-agents FILE] "
	           "[--state FILE] [--follow]\n"
	           "       [--format json|asff|ocsf|text] [--on-finding CMD] "
	           "[-v] PATH...\n"
	           "       imdsgate-detect --v1-report AUDIT.LOG [--format "
	           "json|text]\n");
	fprintf(f, "       imdsgate-detect --perimeter DIR [--proxy-log "
	           "FILE]... [--state FILE]\n"
	           "       [--ip-ranges FILE] [--format json|text] PATH...\n");
}

static void
detect_onsig(int sig)
{
	(void)sig;
	detect_stop = 1;
}

static void
detect_save(struct detect *d)
{
	char err[512];

	if (detect_state != NULL && state_save(detect_state, &d->sessions,
	                                       &d->vpcs, err, sizeof err) != 0)
		log_warnx("%s", err);
}

static int
detect_format(const char *s, enum ffmt *f)
{
	static const char *names[] = {"json", "asff", "ocsf", "text"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum ffmt)i;
			return 0;
		}
	return -1;
}

/* Option values that load files: each error names FILE[:LINE]. */
static int
detect_option(struct detect *d, int c, const char *arg)
{
	char err[512];
	int r = 0;

	err[0] = '\0';
	switch (c) {
	case 'p':
		r = detect_proxy_load(d, arg, err, sizeof err);
		break;
	case 't':
		r = iprange_load_list(&d->threats, arg, err, sizeof err);
		d->have_threats = 1;
		break;
	case 'r':
		r = iprange_load_aws(&d->aws, arg, err, sizeof err);
		d->have_aws = 1;
		break;
	case 'O':
		r = iprange_load_list(&d->own, arg, err, sizeof err);
		d->have_own = 1;
		break;
	case 'u':
		r = detect_agents_load(d, arg, err, sizeof err);
		break;
	}
	if (r != 0)
		fprintf(stderr, "imdsgate-detect: %s\n", err);
	return r;
}

static const struct option longopts[] = {
    {"proxy-log", required_argument, NULL, 'p'},
    {"threat-list", required_argument, NULL, 't'},
    {"ip-ranges", required_argument, NULL, 'r'},
    {"own-ranges", required_argument, NULL, 'O'},
    {"user-agents", required_argument, NULL, 'u'},
    {"state", required_argument, NULL, 's'},
    {"follow", no_argument, NULL, 'f'},
    {"format", required_argument, NULL, 'F'},
    {"on-finding", required_argument, NULL, 'o'},
    {"v1-report", required_argument, NULL, '1'},
    {"perimeter", required_argument, NULL, 'P'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void
detect_summary(const struct detect *d)
{
	log_info("%llu events, %llu duplicates, %llu malformed or not "
	         "CloudTrail, %llu without time, %llu bad addresses, %llu "
	         "applied late, %llu applied early for memory, %zu sessions, "
	         "%zu other sessions, %zu findings",
	         (unsigned long long)d->events, (unsigned long long)d->dups,
	         (unsigned long long)d->malformed,
	         (unsigned long long)d->notime, (unsigned long long)d->badip,
	         (unsigned long long)d->hold.late,
	         (unsigned long long)d->hold.early, d->sessions.count,
	         d->workloads.n, d->findings.n);
}

static int
detect_main(struct detect *d, char **paths, int n, int follow, int verbose)
{
	char err[512];
	int bad = 0;

	if (detect_state != NULL &&
	    state_load(detect_state, &d->sessions, &d->intern, &d->vpcs, err,
	               sizeof err) != 0) {
		fprintf(stderr, "imdsgate-detect: %s\n", err);
		return 1;
	}
	detect_owners_index(d);
	if (follow) {
		d->findings.stream = stdout;
		d->live = 1;
	}
	if (detect_run_paths(d, paths, n) != 0)
		bad = 1;
	if (follow) {
		signal(SIGINT, detect_onsig);
		signal(SIGTERM, detect_onsig);
		detect_follow(d, paths, n, &detect_stop, detect_save);
		detect_run_flush(d);
		detect_save(d);
	} else {
		detect_save(d);
		findings_write(&d->findings, stdout);
	}
	if (verbose)
		detect_summary(d);
	if (bad)
		return 1;
	return d->findings.n > 0 ? EXIT_FINDINGS : 0;
}

/* --perimeter DIR: the policy compiler over the same inputs. */
static int
detect_perimeter(struct detect *d, char **paths, int n, int follow)
{
	if (follow || n == 0 ||
	    (d->findings.fmt != FMT_JSON && d->findings.fmt != FMT_TEXT)) {
		fprintf(stderr,
		        "imdsgate-detect: --perimeter needs a PATH, "
		        "takes --format json or text, and no --follow\n");
		return 2;
	}
	detect_perim.state = detect_state;
	detect_perim.text = d->findings.fmt == FMT_TEXT;
	return perimeter_run(d, &detect_perim, paths, n, stdout);
}

/* Options, then the run; every path out frees through main. */
static int
detect_args(struct detect *d, int argc, char **argv)
{
	const char *v1 = NULL;
	int c, follow = 0, verbose = 0;

	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			perimeter_opts_proxy(&detect_perim, optarg);
			/* FALLTHROUGH */
		case 't':
		case 'r':
		case 'O':
		case 'u':
			if (detect_option(d, c, optarg) != 0)
				return 2;
			break;
		case 's':
			detect_state = optarg;
			break;
		case 'f':
			follow = 1;
			break;
		case 'o':
			d->findings.on_finding = optarg;
			break;
		case '1':
			v1 = optarg;
			break;
		case 'P':
			detect_perim.dir = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'F':
			if (detect_format(optarg, &d->findings.fmt) == 0)
				break;
			fprintf(stderr, "imdsgate-detect: unknown format %s\n",
			        optarg);
			return 2;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("imdsgate-detect %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_setverbose(verbose);
	if (v1 != NULL)
		return v1report_run(v1, stdout, d->findings.fmt != FMT_TEXT);
	if (detect_perim.dir != NULL)
		return detect_perimeter(d, argv + optind, argc - optind,
		                        follow);
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	return detect_main(d, argv + optind, argc - optind, follow, verbose);
}

int
main(int argc, char **argv)
{
	struct detect d;
	int r;

	log_init("imdsgate-detect", LOG_TO_STDERR, 0);
	detect_init(&d);
	d.findings.now = (int64_t)time(NULL) * 1000;
	r = detect_args(&d, argc, argv);
	perimeter_opts_free(&detect_perim);
	fflush(stdout);
	detect_free(&d);
	return ferror(stdout) ? 1 : r;
}
