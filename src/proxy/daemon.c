/* Signals, reload and readiness for imdsgated. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "audit/audit.h"
#include "proxy/conf.h"
#include "proxy/daemon.h"
#include "proxy/instinfo.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "rules/rules.h"

int
daemon_detach(int foreground)
{
	if (foreground || getenv("NOTIFY_SOCKET") != NULL)
		return 0;
	return daemon(0, 0);
}

/* Tests wait for the line, systemd for READY=1: both mean "accepting".
 * The line comes from the worker before its loop runs (nothing it logs
 * comes before it); READY=1 from the main process, the monitor, once the
 * worker said so (systemd takes it only from there). */
void
daemon_ready(int foreground)
{
	if (foreground) {
		fprintf(stderr, "imdsgated: ready\n");
		fflush(stderr);
	}
}

void
daemon_notify_ready(void)
{
	if (getenv("NOTIFY_SOCKET") != NULL)
		sd_notify(0, "READY=1");
}

/* The instance poller's share of the configuration: the IPv4 upstream
 * (else the IPv6 one), the time a request may take, the interval. */
void
daemon_instinfo_conf(struct instinfo_conf *ic, const struct conf *c)
{
	const struct sockaddr_storage *up = conf_upstream_for(c, AF_INET);

	memset(ic, 0, sizeof *ic);
	if (up == NULL)
		up = conf_upstream_for(c, AF_INET6);
	if (up != NULL) {
		ic->upstream = *up;
		ic->has_upstream = 1;
	}
	ic->timeout_ms = c->upstream_timeout_ms + c->connect_timeout_ms;
	ic->poll_ms = c->instance_poll_ms;
	ic->require_token = c->require_token;
}

int
daemon_reload(struct daemon *d)
{
	struct instinfo_conf ic;
	struct conf conf;
	struct ruleset *rs;
	char err[1024];

	conf_defaults(&conf);
	if (conf_load(d->confpath, &conf, err, sizeof err) == -1) {
		log_warnx("reload failed, keeping the old configuration: %s",
		          err);
		return -1;
	}
	if ((rs = rules_load_dir(conf.rules_dir, err, sizeof err)) == NULL) {
		log_warnx("reload failed, keeping the old rules: %s", err);
		return -1;
	}
	proxy_reload(d->px, &conf, rs);
	audit_reopen();
	if (d->inst != NULL) {
		daemon_instinfo_conf(&ic, &conf);
		instinfo_set_conf(d->inst, &ic);
		instinfo_refresh(d->inst);
	}
	log_info("reloaded %s: %zu rule(s)", d->confpath, rules_count(rs));
	return 0;
}

static void
daemon_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon *d = arg;

	(void)ev;
	if (sig == SIGHUP) {
		if (d->px->stopping == 0)
			daemon_reload(d);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	proxy_stop(d->px);
}

void
daemon_signals(struct daemon *d)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		d->sig[d->nsig] =
		    evsignal_new(d->base, sigs[i], daemon_signal, d);
		evsignal_add(d->sig[d->nsig++], NULL);
	}
}

void
daemon_signals_free(struct daemon *d)
{
	for (int i = 0; i < d->nsig; i++)
		event_free(d->sig[i]);
	d->nsig = 0;
}
