/* imdsgated: option parsing and the start-up order, nothing else.
 * Order (imdsgated(8)): configuration, rules, audit log, listeners, the
 * interception layers (opened, installed when missing), then the split:
 * the monitor keeps the few capabilities the layers and the caller lookup
 * need, the worker (the proxy) drops every one and runs the event loop. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sys/prctl.h>

#include "audit/audit.h"
#include "common/log.h"
#include "proxy/conf.h"
#include "proxy/daemon.h"
#include "proxy/instinfo.h"
#include "proxy/proxy.h"
#include "rules/rules.h"
#include "sys/monitor.h"
#include "sys/peer.h"
#include "sys/privs.h"
#include "sys/redirect.h"

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

/* What --redirect status prints for one layer; 0 complete, else 1. */
static int
redirect_print(const struct redirect_conf *rc, int layer)
{
	char err[1024] = "";
	int r = redirect_layer_status(rc, layer, err, sizeof err);

	printf("%s: %s%s%s\n", redirect_layer_name(rc, layer),
	       r == 0   ? "installed"
	       : r == 1 ? "missing"
	                : "error",
	       err[0] && r != 0 ? ": " : "", r != 0 ? err : "");
	return r == 0 ? 0 : 1;
}

/* Under `backend = auto`, a host without eBPF runs the netfilter layer
 * alone: said once, not an error. */
static int
redirect_layers_said(const struct redirect_conf *rc, FILE *out)
{
	char why[256] = "";
	int layers = redirect_layers(rc, why, sizeof why);

	if (rc->backend == REDIRECT_AUTO && !(layers & REDIRECT_LAYER_BPF))
		fprintf(out, "%seBPF layer unavailable: %s; %s alone\n",
		        out == stdout ? "bpf: " : "imdsgated: ", why,
		        redirect_layer_name(rc, REDIRECT_LAYER_NET));
	return layers;
}

/* --redirect install|remove|status, for scripts and packaging. */
static int
run_redirect(const struct conf *conf, const char *action)
{
	struct redirect_conf rc;
	struct privs_user pu;
	char err[1024] = "";
	int layers, l, rv = 0;

	if (privs_resolve(conf->user, &pu, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s: user: %s\n", conf->path, err);
		return 2;
	}
	conf_redirect(conf, pu.uid, &rc);
	if (strcmp(action, "remove") == 0) {
		if ((rv = redirect_remove(&rc, err, sizeof err)) != 0)
			fprintf(stderr, "imdsgated: redirect remove: %s\n",
			        err);
		return rv == 0 ? 0 : 1;
	}
	if (strcmp(action, "install") != 0 && strcmp(action, "status") != 0)
		usage(2);
	/* never point everyone's IMDS traffic at a port anyone may bind */
	if (*action == 'i' && proxy_listen_check(conf, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s\n", err);
		return 2;
	}
	layers = redirect_layers_said(&rc, *action == 's' ? stdout : stderr);
	for (l = REDIRECT_LAYER_BPF; l <= REDIRECT_LAYER_NET; l <<= 1) {
		if (!(layers & l))
			continue;
		if (*action == 's')
			rv |= redirect_print(&rc, l);
		else if (redirect_layer_install(&rc, l, err, sizeof err) != 0) {
			fprintf(stderr,
			        "imdsgated: redirect install (%s): %s\n",
			        redirect_layer_name(&rc, l), err);
			rv = 1;
		}
	}
	return rv;
}

/* The eBPF layer as the daemon starts: opened for the monitor while it
 * still may (pins made at boot, or installed here when we are root), and
 * whatever was detached put back. Without it under `auto` the netfilter
 * layer works alone; `bpf` alone must have it. */
static struct redirect_bpf *
start_bpf(const struct conf *conf, const struct redirect_conf *rc)
{
	struct redirect_bpf *bpf;
	char err[1024] = "";

	bpf = redirect_bpf_open(rc, err, sizeof err);
	if (bpf == NULL && conf->redirect_manage &&
	    redirect_layer_install(rc, REDIRECT_LAYER_BPF, err, sizeof err) ==
	        0) {
		log_info("redirect installed (bpf)");
		bpf = redirect_bpf_open(rc, err, sizeof err);
	}
	if (bpf != NULL && conf->redirect_manage &&
	    redirect_bpf_check(bpf, err, sizeof err) != 0 &&
	    redirect_bpf_restore(bpf, err, sizeof err) != 0)
		log_warnx("eBPF layer: %s", err);
	if (bpf == NULL && rc->backend == REDIRECT_BPF)
		fatalx("eBPF layer: %s (imdsgated --redirect install)", err);
	if (bpf == NULL)
		log_warnx("eBPF layer not open: %s (imdsgated --redirect "
		          "install); the netfilter layer alone",
		          err);
	return bpf;
}

/* The layers as the daemon starts: the netfilter layer installed when
 * missing (a daemon started without the boot-time unit), the eBPF layer
 * opened. */
static struct redirect_bpf *
start_redirect(const struct conf *conf, const struct redirect_conf *rc)
{
	char err[1024] = "";
	int layers;

	layers = redirect_layers_said(rc, stderr);
	if ((layers & REDIRECT_LAYER_NET) && conf->redirect_manage &&
	    redirect_layer_status(rc, REDIRECT_LAYER_NET, err, sizeof err)) {
		if (redirect_layer_install(rc, REDIRECT_LAYER_NET, err,
		                           sizeof err) != 0)
			fatalx("redirect install (%s): %s",
			       redirect_layer_name(rc, REDIRECT_LAYER_NET),
			       err);
		log_info("redirect installed (%s)",
		         redirect_layer_name(rc, REDIRECT_LAYER_NET));
	}
	return (layers & REDIRECT_LAYER_BPF) ? start_bpf(conf, rc) : NULL;
}

/* A gap the monitor found (and restored): one audit record. */
static void
redirect_gap(const char *layer, const char *what, int restored)
{
	char detail[600];

	snprintf(detail, sizeof detail, "%s: %s%s", layer, what,
	         restored ? " (restored)" : " (not restored)");
	audit_error("redirect", detail);
}

/* Started by a user who is neither root nor holds a capability (a
 * developer trying rules on loopback): run as that user, unprivileged,
 * with no redirect to keep and any port. */
static int unprivileged;

/* The unprivileged run's identity: the caller's own. */
static void
start_unprivileged(struct conf *conf, struct privs_user *pu)
{
	pu->uid = getuid();
	pu->gid = getgid();
	conf->redirect_manage = 0;
	log_info("not started as root: running as uid %u without "
	         "privileges, redirect not managed",
	         (unsigned)pu->uid);
}

/* Everything that needs root, in order. */
static struct ruleset *
start_privileged(const struct opts *o, struct conf *conf, int *fds,
                 struct privs_user *pu)
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
	if (unprivileged)
		start_unprivileged(conf, pu);
	else if (privs_resolve(conf->user, pu, err, sizeof err) == -1) {
		fprintf(stderr, "imdsgated: %s: user: %s\n", conf->path, err);
		exit(2);
	}
	if (audit_open(conf->audit, err, sizeof err) == -1)
		fatalx("%s", err);
	/* the daemon reopens it on SIGHUP after the drop: make it its own */
	audit_chown(pu->uid, pu->gid);
	if (proxy_listen_open(conf, fds, err, sizeof err) == -1)
		fatalx("%s", err);
	return rs;
}

/* The monitor keeps what its configuration needs and nothing else. */
static void
drop_monitor(const struct conf *conf, const struct privs_user *pu)
{
	struct privs_needs need;
	cap_value_t caps[16];
	char err[1024];
	int n;

	conf_privs(conf, &need);
	n = unprivileged ? 0 : privs_caps_needed(&need, caps, 16);
	if (privs_drop(pu, caps, n, err, sizeof err) == -1)
		fatalx("privilege drop: %s", err);
	if (geteuid() == 0 || getuid() == 0)
		fatalx("still uid 0 after the drop");
}

/* The worker keeps no capability at all (CapEff 0), and dies with the
 * monitor. */
static void
drop_worker(const struct privs_user *pu, pid_t monitor)
{
	char err[1024];

	if (privs_drop(pu, NULL, 0, err, sizeof err) == -1)
		fatalx("privilege drop: %s", err);
	if (geteuid() == 0 || getuid() == 0)
		fatalx("still uid 0 after the drop");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != monitor)
		fatalx("the monitor is gone");
}

/* The worker accepts connections: READY=1 is the main process's. */
static void
monitor_ready(void)
{
	daemon_notify_ready();
}

/* The one link of the worker to the eBPF layer: a read-only descriptor
 * of the connect() records (else the monitor reads every record). */
static int
worker_reader(const struct redirect_bpf *bpf)
{
	char err[1024];
	int fd;

	if (bpf == NULL)
		return -1;
	if ((fd = redirect_bpf_ident_reader(bpf, err, sizeof err)) == -1)
		log_warnx("eBPF records: read by the monitor (%s)", err);
	return fd;
}

/* The proxy, in the worker. */
static int
run_worker(const struct opts *o, struct conf *conf, struct ruleset *rs,
           const int *fds, char *confabs, int mfd)
{
	struct monitor_client *mc;
	struct instinfo_conf ic;
	struct daemon d;

	if (monitor_client_wait(mfd) == -1)
		fatalx("the monitor did not start");
	memset(&d, 0, sizeof d);
	d.confpath = confabs != NULL ? confabs : o->conf;
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	mc = monitor_client_start(d.base, mfd, redirect_gap);
	d.px = proxy_new(d.base, conf, rs);
	if (proxy_listen_start(d.px, fds, conf->nlisten) == -1)
		fatalx("cannot listen");
	daemon_instinfo_conf(&ic, conf);
	d.inst = instinfo_start(d.base, &ic);
	daemon_signals(&d);
	daemon_ready(o->foreground);
	monitor_client_ready(mc);
	event_base_dispatch(d.base);
	instinfo_stop(d.inst);
	daemon_signals_free(&d);
	proxy_free(d.px);
	monitor_client_free(mc);
	audit_close();
	event_base_free(d.base);
	free(confabs);
	log_info("stopped");
	return 0;
}

/* The monitor, once the worker is forked. */
static int
run_monitor(const struct conf *conf, const struct privs_user *pu,
            const struct redirect_conf *rc, struct redirect_bpf *bpf,
            const int *fds, pid_t worker, int mfd)
{
	struct monitor_conf mc;
	int i, st;

	for (i = 0; i < conf->nlisten; i++) /* the worker's alone */
		close(fds[i]);
	drop_monitor(conf, pu);
	peer_set_process(conf->peer_process);
	memset(&mc, 0, sizeof mc);
	mc.rc = rc;
	mc.bpf = bpf;
	mc.manage = conf->redirect_manage;
	mc.check_ms = conf->redirect_check_ms;
	mc.proc = conf->peer_process;
	mc.uid = pu->uid;
	mc.ready = monitor_ready;
	st = monitor_run(&mc, worker, mfd);
	redirect_bpf_close(bpf);
	return st;
}

static int
run(const struct opts *o)
{
	struct conf conf;
	struct privs_user pu;
	struct redirect_conf rc;
	struct redirect_bpf *bpf;
	struct ruleset *rs;
	int fds[CONF_MAXLISTEN], mfd, rfd;
	char *confabs;
	pid_t worker, monitor;

	log_init("imdsgated", LOG_TO_STDERR, o->verbose);
	unprivileged = !privs_privileged();
	rs = start_privileged(o, &conf, fds, &pu);
	conf_redirect(&conf, pu.uid, &rc);
	bpf = unprivileged ? NULL : start_redirect(&conf, &rc);
	/* daemon() moves to /: a relative -c must still work on SIGHUP */
	confabs = realpath(o->conf, NULL);
	if (daemon_detach(o->foreground) == -1)
		fatal("daemon");
	if (!o->foreground)
		log_init("imdsgated", LOG_TO_SYSLOG, o->verbose);
	monitor = getpid();
	rfd = worker_reader(bpf);
	if ((worker = monitor_fork(&mfd)) == -1)
		fatal("fork");
	if (worker == 0) {
		redirect_bpf_close(bpf); /* nothing of the layers in here */
		drop_worker(&pu, monitor);
		peer_set_bpf_reader(rfd);
		return run_worker(o, &conf, rs, fds, confabs, mfd);
	}
	if (rfd != -1)
		close(rfd);
	rules_unref(rs);
	audit_close();
	free(confabs);
	return run_monitor(&conf, &pu, &rc, bpf, fds, worker, mfd);
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
