/* Where audit records go: a file, syslog or stdout. Each record leaves in
 * one write() or send(), so lines from one writer never interleave or
 * tear; nothing here may block or kill the proxy, so a failing
 * destination drops the record and says so at most once a minute. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/buf.h"
#include "common/log.h"

#define AUDIT_WARN_EVERY 60            /* seconds between failure reports */
#define AUDIT_BATCH_MAX (64 * 1024)    /* a batch is written at this size */
#define AUDIT_SYSLOG_PRI (10 << 3 | 6) /* authpriv.info */
#define AUDIT_SYSLOG_TAG "imdsgate-audit"

enum audit_kind { AD_NONE, AD_FILE, AD_SYSLOG, AD_STDOUT };

static struct {
	enum audit_kind kind;
	int fd;
	int is_sock; /* stdout is a socket (journald) */
	char path[PATH_MAX];
	char syslog_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	time_t lastwarn;
	int warned;
	unsigned long dropped, dropped_reported;
	/* batching (audit_dest_batch): records wait here for one write */
	int batching;
	struct buf batch;
	unsigned nbatch; /* records in it */
	int failed;      /* a record was dropped since the last flush */
	void (*kick)(void *);
	void *kick_arg;
	int together; /* what is queued now stays in one batch */
	void (*written)(void *, int);
	void *written_arg;
} ad = {.fd = -1, .syslog_path = "/dev/log"};

void
audit_dest_set_syslog_path(const char *p)
{
	snprintf(ad.syslog_path, sizeof ad.syslog_path, "%s", p);
}

unsigned long
audit_dest_dropped(void)
{
	return ad.dropped;
}

/* Why the file was refused, when errno alone would not say it. */
static const char *audit_dest_why;

/* An existing log must be a file of its own: never followed through a
 * symbolic link (a user who can write the directory would otherwise point
 * the root-started daemon at any file), never a FIFO or socket a user
 * made (its reader would get every record), never a file with another
 * hard link. Character devices only root can make (/dev/null). */
static int
audit_dest_check_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		audit_dest_why = "not a regular file, refusing it";
	else if (S_ISREG(st.st_mode) && st.st_nlink != 1)
		audit_dest_why = "has other hard links, refusing it";
	else
		return fcntl(fd, F_SETFL, O_APPEND) == -1 ? -1 : 0;
	errno = EPERM;
	return -1;
}

/* Created 0640 whatever the umask: the log names users and processes. */
static int
audit_dest_open_file(const char *path)
{
	int fd;

	audit_dest_why = NULL;
	fd = open(path,
	          O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC |
	              O_NOFOLLOW,
	          0640);
	if (fd != -1) {
		if (fchmod(fd, 0640) == -1)
			log_warn("audit log %s: chmod", path);
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY |
	                    O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			audit_dest_why = "a symbolic link, refusing it";
		else if (errno == ENXIO) /* a FIFO nobody reads yet */
			audit_dest_why = "not a regular file, refusing it";
		return -1;
	}
	if (audit_dest_check_file(fd) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* errno, or what audit_dest_open_file found wrong with the file. */
static const char *
audit_dest_strerror(int e)
{
	return audit_dest_why != NULL ? audit_dest_why : strerror(e);
}

/* A datagram socket connected to the syslog daemon, never blocking. */
static int
audit_dest_open_syslog(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", ad.syslog_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
audit_dest_open_fd(void)
{
	struct stat st;

	switch (ad.kind) {
	case AD_FILE:
		return audit_dest_open_file(ad.path);
	case AD_SYSLOG:
		return audit_dest_open_syslog();
	case AD_STDOUT:
		ad.is_sock =
		    fstat(STDOUT_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
		return STDOUT_FILENO;
	default:
		errno = EINVAL;
		return -1;
	}
}

static void
audit_dest_close_fd(void)
{
	if (ad.fd != -1 && ad.fd != STDOUT_FILENO)
		close(ad.fd);
	ad.fd = -1;
}

int
audit_open(const char *spec, char *err, size_t errlen)
{
	audit_dest_close_fd();
	ad.dropped = ad.dropped_reported = 0;
	ad.warned = 0;
	if (strcmp(spec, "syslog") == 0)
		ad.kind = AD_SYSLOG;
	else if (strcmp(spec, "stdout") == 0)
		ad.kind = AD_STDOUT;
	else if (spec[0] == '/' && strlen(spec) < sizeof ad.path) {
		ad.kind = AD_FILE;
		snprintf(ad.path, sizeof ad.path, "%s", spec);
	} else {
		ad.kind = AD_NONE;
		snprintf(err, errlen,
		         "audit log \"%s\": not an absolute path, "
		         "syslog or stdout",
		         spec);
		return -1;
	}
	/* syslog may come up after us: a missing socket is retried. */
	if ((ad.fd = audit_dest_open_fd()) == -1 && ad.kind != AD_SYSLOG) {
		snprintf(err, errlen, "audit log %s: %s", spec,
		         audit_dest_strerror(errno));
		ad.kind = AD_NONE;
		return -1;
	}
	return 0;
}

/* logrotate renamed the file: write to a new one. If the new one cannot
 * be opened, keep writing to the old one rather than lose records. */
void
audit_reopen(void)
{
	int fd;

	audit_dest_flush(); /* what is queued belongs to the old file */
	if (ad.kind == AD_FILE || ad.kind == AD_SYSLOG) {
		if ((fd = audit_dest_open_fd()) == -1)
			log_warnx(
			    "audit log %s: reopen failed, keeping the old "
			    "one: %s",
			    ad.kind == AD_FILE ? ad.path : ad.syslog_path,
			    audit_dest_strerror(errno));
		else {
			audit_dest_close_fd();
			ad.fd = fd;
		}
	}
}

/* Give the open log file to the daemon's user, so it can reopen it after
 * the privilege drop: the descriptor, never the path (a path could have
 * been swapped for a link since it was opened). */
void
audit_chown(uid_t uid, gid_t gid)
{
	if (ad.kind == AD_FILE && ad.fd != -1 && fchown(ad.fd, uid, gid) == -1)
		log_warn("audit log %s: chown", ad.path);
}

void
audit_close(void)
{
	audit_dest_flush();
	audit_dest_close_fd();
	ad.kind = AD_NONE;
}

/* Report a failing destination at most once a minute, with a count. */
static void
audit_dest_failed(const char *what, unsigned n)
{
	struct timespec now;

	ad.failed = 1;
	ad.dropped += n;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ad.warned && now.tv_sec - ad.lastwarn < AUDIT_WARN_EVERY)
		return;
	ad.warned = 1;
	ad.lastwarn = now.tv_sec;
	log_warn("audit log %s: %s; record dropped (%lu dropped so far)",
	         ad.kind == AD_FILE     ? ad.path
	         : ad.kind == AD_SYSLOG ? "syslog"
	                                : "stdout",
	         what, ad.dropped);
}

/* A short write to a file (disk full) would leave half a line: cut it
 * off so every line in the file stays a whole record. */
static void
audit_dest_untear(ssize_t n)
{
	struct stat st;

	if (n > 0 && fstat(ad.fd, &st) == 0 && st.st_size >= n)
		(void)ftruncate(ad.fd, st.st_size - n);
}

static ssize_t
audit_dest_send(const char *p, size_t len)
{
	if (ad.kind == AD_SYSLOG || (ad.kind == AD_STDOUT && ad.is_sock))
		return send(ad.fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(ad.fd, p, len);
}

/* RFC 3164 framing, understood by rsyslog, syslog-ng and journald. */
static void
audit_dest_syslog_header(struct buf *b)
{
	char stamp[32];
	struct tm tm;
	time_t t = time(NULL);

	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	buf_addf(b, "<%d>%s %s[%ld]: ", AUDIT_SYSLOG_PRI, stamp,
	         AUDIT_SYSLOG_TAG, (long)getpid());
}

/* Lines (records, \n-terminated, or one syslog datagram) out in one
 * write() or send(): 0, or -1 when they were dropped. */
static int
audit_dest_out(const char *p, size_t len, unsigned n)
{
	ssize_t w;

	if (ad.fd == -1 && (ad.kind != AD_SYSLOG ||
	                    (ad.fd = audit_dest_open_syslog()) == -1)) {
		audit_dest_failed("not open", n);
		return -1;
	}
	w = audit_dest_send(p, len);
	if (w == (ssize_t)len)
		return 0;
	if (w >= 0 && ad.kind == AD_FILE)
		audit_dest_untear(w);
	if (w >= 0)
		errno = EIO;
	audit_dest_failed(w >= 0 ? "short write" : "write", n);
	/* syslogd restarted: connect afresh for the next record. */
	if (ad.kind == AD_SYSLOG && w < 0 && errno != EAGAIN)
		audit_dest_close_fd();
	return -1;
}

/* One record: syslog framing, or a line; sent now, or queued. */
int
audit_dest_write(const char *json, size_t len)
{
	struct buf b;
	int r;

	if (ad.kind == AD_NONE)
		return -1;
	if (ad.batching && ad.kind != AD_SYSLOG) {
		buf_add(&ad.batch, json, len);
		buf_addc(&ad.batch, '\n');
		if (ad.nbatch++ == 0 && ad.kick != NULL)
			ad.kick(ad.kick_arg);
		if (ad.batch.len >= AUDIT_BATCH_MAX && !ad.together)
			audit_dest_flush();
		return 0;
	}
	buf_init(&b);
	if (ad.kind == AD_SYSLOG)
		audit_dest_syslog_header(&b);
	buf_add(&b, json, len);
	if (ad.kind != AD_SYSLOG)
		buf_addc(&b, '\n');
	r = audit_dest_out(b.data, b.len, 1);
	buf_free(&b);
	return r;
}

/* Write what is queued (one write()); -1 when it, or any record since the
 * last flush, was dropped. */
int
audit_dest_flush(void)
{
	int r;

	if (ad.nbatch > 0) {
		r = audit_dest_out(ad.batch.data, ad.batch.len, ad.nbatch);
		buf_reset(&ad.batch);
		ad.nbatch = 0;
		if (ad.written != NULL)
			ad.written(ad.written_arg, r == 0);
	}
	r = ad.failed ? -1 : 0;
	ad.failed = 0;
	return r;
}

/* Batching: records wait for audit_dest_flush, which the caller runs once
 * an event-loop turn (kick is called when a first record waits); NULL
 * kick: write each record at once again. syslog is never batched (one
 * datagram a record). */
void
audit_dest_batch(void (*kick)(void *), void *arg)
{
	audit_dest_flush();
	ad.kick = kick;
	ad.kick_arg = arg;
	ad.batching = kick != NULL;
	if (!ad.batching)
		buf_free(&ad.batch);
}

/* written(arg, ok) after each batch is written (ok) or dropped: a batch
 * is written in one write(), all of it or none of it. */
void
audit_dest_on_written(void (*written)(void *, int), void *arg)
{
	ad.written = written;
	ad.written_arg = arg;
}

/* Records queued between audit_dest_together(1) and (0) go out in the
 * same batch (a full batch waits for the end of the group), so they are
 * written or dropped together. */
void
audit_dest_together(int on)
{
	ad.together = on;
	if (!on && ad.batching && ad.batch.len >= AUDIT_BATCH_MAX)
		audit_dest_flush();
}
