/* Driver for tests/integration/proxy-instinfo.sh (not a TAP test itself):
 * runs the instance poller against an IMDS and writes the audit log, as
 * imdsgated would. SIGHUP: reopen the log and refresh; SIGUSR1: write an
 * error record (to see instance_id on it); SIGTERM: stop.
 *   test_instinfo UPSTREAM AUDITLOG POLL_SECONDS [require_token]
 * AUDITLOG "syslog" goes to $TEST_SYSLOG_PATH when set (not /dev/log). */
#include "config.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "audit/audit.h"
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
	struct instinfo_conf c;
	char err[256];
	int i;

	if (argc < 4)
		fatalx("usage: test_instinfo UPSTREAM AUDITLOG POLL_SECONDS");
	log_init("test_instinfo", LOG_TO_STDERR, 0);
	memset(&c, 0, sizeof c);
	if (addr_parse(argv[1], -1, &c.upstream, err, sizeof err) != 0)
		fatalx("%s", err);
	c.has_upstream = 1;
	c.timeout_ms = 4000; /* imdsgated's default: upstream + connect */
	c.poll_ms = atoi(argv[3]) * 1000;
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
	fprintf(stderr, "test_instinfo: ready\n");
	event_base_dispatch(base);
	instinfo_stop(ii);
	for (i = 0; i < 4; i++)
		event_free(ev[i]);
	event_base_free(base);
	audit_close();
	return 0;
}
