/* Driver for tests/integration/audit-instinfo.sh (not a TAP test itself):
 * runs the instance poller against an IMDS and writes the audit log, as
 * imdsgated would. SIGHUP: reopen the log and refresh; SIGUSR1: write an
 * error record (to see instance_id on it); SIGTERM: stop.
 *   test_audit_instinfo UPSTREAM AUDITLOG POLL_SECONDS [require_token]
 * AUDITLOG "syslog" goes to $TEST_SYSLOG_PATH when set (not /dev/log). */
#include "config.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "audit/audit.h"
#include "proxy/conf.h"
#include "proxy/instinfo.h"
#include "common/log.h"

static struct instinfo *ii;

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGHUP) {
		audit_reopen();
		instinfo_refresh(ii);
	} else if (sig == SIGUSR1)
		audit_error("test", "marker");
	else
		event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT };
	struct event_base *base;
	struct event *ev[4];
	struct conf c;
	char err[256];
	int i;

	if (argc < 4)
		fatalx("usage: test_audit_instinfo UPSTREAM AUDITLOG POLL_SECONDS");
	log_init("test_audit_instinfo", LOG_TO_STDERR, 0);
	conf_defaults(&c);
	if (addr_parse(argv[1], -1, &c.upstream4, err, sizeof err) != 0)
		fatalx("%s", err);
	c.instance_poll_ms = atoi(argv[3]) * 1000;
	c.require_token = argc < 5 || strcmp(argv[4], "0") != 0;
	if (getenv("TEST_SYSLOG_PATH") != NULL)
		audit_dest_set_syslog_path(getenv("TEST_SYSLOG_PATH"));
	if (audit_open(argv[2], err, sizeof err) != 0)
		fatalx("%s", err);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 4; i++) {
		ev[i] = evsignal_new(base, sigs[i], on_signal, base);
		evsignal_add(ev[i], NULL);
	}
	ii = instinfo_start(base, &c);
	fprintf(stderr, "test_audit_instinfo: ready\n");
	event_base_dispatch(base);
	instinfo_stop(ii);
	for (i = 0; i < 4; i++)
		event_free(ev[i]);
	event_base_free(base);
	audit_close();
	return 0;
}
