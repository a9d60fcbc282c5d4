/* Diagnostics to stderr in the foreground, to syslog (and so journald)
 * as a daemon. Messages are always formatted from a constant format. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"

static const char *log_prog = "imdsgate";
static enum log_dest log_dest = LOG_TO_STDERR;
static int log_verbose;

void
log_init(const char *progname, enum log_dest dest, int verbose)
{
	log_prog = progname;
	log_dest = dest;
	log_verbose = verbose;
	if (dest == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

/* One line per message; errno text appended when asked for. */
__attribute__((format(printf, 3, 0))) static void
log_vemit(int prio, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_dest == LOG_TO_SYSLOG) {
		if (with_errno)
			syslog(prio, "%s: %s", msg, strerror(saved));
		else
			syslog(prio, "%s", msg);
	} else {
		if (with_errno)
			fprintf(stderr, "%s: %s: %s\n", log_prog, msg,
			        strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_prog, msg);
		fflush(stderr);
	}
	errno = saved;
}

#define LOG_BODY(prio, with_errno)                                             \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vemit(prio, with_errno, fmt, ap);                          \
		va_end(ap);                                                    \
	} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 1);
}
void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verbose)
		LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
