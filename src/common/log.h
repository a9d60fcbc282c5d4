/* Diagnostics log: what the operator reads (stderr or syslog), kept apart
 * from the JSON audit log, which is data for machines. */
#ifndef IMDSGATE_LOG_H
#define IMDSGATE_LOG_H

#include <stdarg.h>

#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))

enum log_dest { LOG_TO_STDERR, LOG_TO_SYSLOG };

void log_init(const char *progname, enum log_dest dest, int verbose);
void log_setverbose(int verbose);
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_warnx(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_info(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTFLIKE(1, 2);
/* fatal exits 1 (a runtime error, as docs/interfaces.md asks). */
void fatal(const char *fmt, ...) PRINTFLIKE(1, 2) NORETURN;
void fatalx(const char *fmt, ...) PRINTFLIKE(1, 2) NORETURN;

#endif
