/* imdsgated: option parsing and the start-up order, nothing else.
 * Order (imdsgated(8)): configuration, rules, audit log, listeners,
 * redirect, privilege drop, event loop. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit/audit.h"
#include "proxy/conf.h"
#include "proxy/daemon.h"
#include "proxy/instinfo.h"
#include "common/log.h"
#include "sys/privs.h"
#include "proxy/proxy.h"
#include "sys/redirect.h"
#include "rules/rules.h"

enum { OPT_EXPLAIN = 256, OPT_REDIRECT };

struct opts {
	const char *conf;
	int foreground, check, explain, verbose;
	const char *redirect;
};

static const char usage_text[] =
    "usage: imdsgated [-f] [-v] [-c FILE]          run the proxy\n"
    "       imdsgated -t [-c FILE]                 check configuration and "
    "rules\n"
    "       imdsgated --explain [-c FILE] USER METHOD PATH\n"
    "       imdsgated --redirect install|remove|status [-c FILE]\n"
    "  -c, --config FILE   configuration (default " CONF_DEFAULT_PATH ")\n"
    "  -f, --foreground    stay in the foreground, diagnostics to stderr\n"
    "  -t, --check         check and exit 0 (valid) or 2\n"
    "  -v, --verbose       debug diagnostics\n"
    "  -h, --help          this text        -V, --version   the version\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"check", no_argument, NULL, 't'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"redirect", required_argument, NULL, OPT_REDIRECT},
	    {NULL, 0, NULL, 0}};
	int ch;

	memset(o, 0, sizeof *o);
	o->conf = CONF_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:ftvhV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 't':
			o->check = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("imdsgated %s\n", PACKAGE_VERSION);
			exit(0);
		case OPT_EXPLAIN:
			o->explain = 1;
			break;
		case OPT_REDIRECT:
			o->redirect = optarg;
			break;
		default:
			usage(2);
		}
	}
	if ((o->explain && argc - optind != 3) ||
	    (!o->explain && argc != optind) ||
	    o->check + o->explain + (o->redirect != NULL) > 1)
		usage(2);
}

/* Any configuration problem exits 2 with FILE:LINE on stderr. */
static void
load_conf(const char *path, struct conf *conf)
{
	char err[1024];

	conf_defaults(conf);
	if (conf_load(path, conf, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s\n", err);
		exit(2);
	}
}

/* --redirect install|remove|status, for scripts and packaging. */
static int
run_redirect(const struct conf *conf, const char *action)
{
	struct redirect_conf rc;
	struct privs_user pu;
	char err[1024] = "";
	int r;

	if (privs_resolve(conf->user, &pu, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s: user: %s\n", conf->path, err);
		return 2;
	}
	redirect_conf_init(&rc, conf, pu.uid);
	if (!strcmp(action, "install")) {
		/* never point everyone's IMDS traffic at a port anyone may bind
		 */
		if (proxy_listen_check(conf, err, sizeof err) == -1) {
			fprintf(stderr, "imdsgated: %s\n", err);
			return 2;
		}
		r = redirect_install(&rc, err, sizeof err);
	} else if (!strcmp(action, "remove"))
		r = redirect_remove(&rc, err, sizeof err);
	else if (!strcmp(action, "status")) {
		r = redirect_status(&rc, err, sizeof err);
		printf("%s%s%s\n", r == 0 ? "installed" : "missing",
		       err[0] ? ": " : "", err);
		return r == 0 ? 0 : 1;
	} else
		usage(2);
	if (r != 0)
		fprintf(stderr, "imdsgated: redirect %s: %s\n", action, err);
	return r == 0 ? 0 : 1;
}

/* Install the interception rules if configured and missing. */
static void
start_redirect(const struct conf *conf, uid_t uid, struct redirect_conf *rc)
{
	char err[1024] = "";

	redirect_conf_init(rc, conf, uid);
	if (!conf->redirect_manage || redirect_status(rc, err, sizeof err) == 0)
		return;
	if (redirect_install(rc, err, sizeof err) != 0)
		fatalx("redirect install: %s", err);
	log_info("redirect installed");
}

static void
redirect_gap(void *arg, const char *what, int restored)
{
	(void)arg;
	log_warnx("redirect: %s%s", what, restored ? " (restored)" : "");
	audit_error("redirect", what);
}

/* Everything that needs root, in order; then the drop. */
static struct ruleset *
start_privileged(const struct opts *o, struct conf *conf, int *fds,
                 struct privs_user *pu, struct redirect_conf *rc)
{
	struct ruleset *rs;
	char err[1024];

	load_conf(o->conf, conf);
	if (proxy_listen_check(conf, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s\n", err);
		exit(2);
	}
	if ((rs = rules_load_dir(conf->rules_dir, err, sizeof err)) == NULL) {
		fprintf(stderr, "imdsgated: %s\n", err);
		exit(2);
	}
	if (privs_resolve(conf->user, pu, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s: user: %s\n", conf->path, err);
		exit(2);
	}
	if (audit_open(conf->audit, err, sizeof err) == -1)
		fatalx("%s", err);
	/* the daemon reopens it on SIGHUP after the drop: make it its own */
	audit_chown(pu->uid, pu->gid);
	if (proxy_listen_open(conf, fds, err, sizeof err) == -1)
		fatalx("%s", err);
	start_redirect(conf, pu->uid, rc);
	return rs;
}

static void
drop_privileges(const struct conf *conf, const struct privs_user *pu)
{
	cap_value_t caps[16];
	char err[1024];
	int n = privs_caps_needed(conf, caps, 16);

	if (privs_drop(pu, caps, n, err, sizeof err) == -1)
		fatalx("privilege drop: %s", err);
	if (geteuid() == 0 || getuid() == 0)
		fatalx("still uid 0 after the drop");
}

static int
run(const struct opts *o)
{
	struct instinfo_conf ic;
	struct daemon d;
	struct conf conf;
	struct privs_user pu;
	struct redirect_conf rc;
	struct ruleset *rs;
	int fds[CONF_MAXLISTEN];
	char *confabs;

	log_init("imdsgated", LOG_TO_STDERR, o->verbose);
	rs = start_privileged(o, &conf, fds, &pu, &rc);
	/* daemon() moves to /: a relative -c must still work on SIGHUP */
	confabs = realpath(o->conf, NULL);
	if (daemon_detach(o->foreground) == -1)
		fatal("daemon");
	if (!o->foreground)
		log_init("imdsgated", LOG_TO_SYSLOG, o->verbose);
	memset(&d, 0, sizeof d);
	d.confpath = confabs != NULL ? confabs : o->conf;
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	drop_privileges(&conf, &pu);
	d.px = proxy_new(d.base, &conf, rs);
	if (proxy_listen_start(d.px, fds, conf.nlisten) == -1)
		fatalx("cannot listen");
	daemon_instinfo_conf(&ic, &conf);
	d.inst = instinfo_start(d.base, &ic);
	if (conf.redirect_manage)
		d.rw = redirect_watch_start(d.base, &rc, conf.redirect_check_ms,
		                            redirect_gap, NULL);
	daemon_signals(&d);
	daemon_ready(o->foreground);
	event_base_dispatch(d.base);
	if (d.rw != NULL)
		redirect_watch_stop(d.rw);
	instinfo_stop(d.inst);
	daemon_signals_free(&d);
	proxy_free(d.px);
	audit_close();
	event_base_free(d.base);
	free(confabs);
	log_info("stopped");
	return 0;
}

/* -t: what would stop the daemon from starting, without starting it. */
static int
check(const struct conf *conf)
{
	char err[1024];

	if (proxy_listen_check(conf, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s\n", err);
		return 2;
	}
	return rules_check_dir(conf->rules_dir);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct conf conf;

	parse_opts(argc, argv, &o);
	if (o.check || o.explain || o.redirect != NULL) {
		load_conf(o.conf, &conf);
		if (o.check)
			return check(&conf);
		if (o.explain)
			return rules_explain_dir(conf.rules_dir, argv[optind],
			                         argv[optind + 1],
			                         argv[optind + 2]);
		return run_redirect(&conf, o.redirect);
	}
	return run(&o);
}
