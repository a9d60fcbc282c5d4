/* Unit tests for the audit destinations: file mode and append, reopen for
 * logrotate (and keeping the old file when the new one cannot be made),
 * failing destinations (/dev/full, a full tmpfs, no permission, a dead
 * syslog, a stdout nobody reads) that drop records without blocking or
 * tearing lines, and several writers that never interleave. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/log.h"
#include "tap.h"

static char dir[] = "/tmp/test_audit_dest.XXXXXX";

/* Lines in a file, and how many of them are not whole JSON objects. */
static int
count_lines(const char *path, int *bad)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	json_t *o;

	*bad = 0;
	while (f != NULL && (len = getline(&line, &cap, f)) != -1) {
		n++;
		o = json_loadb(line, (size_t)len, 0, NULL);
		*bad +=
		    o == NULL || !json_is_object(o) || line[len - 1] != '\n';
		json_decref(o);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	return f == NULL ? -1 : n;
}

static char *
path_in(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void
emit(int n)
{
	int i;

	for (i = 0; i < n; i++)
		audit_error("test", "a record");
}

static void
test_file_mode(void)
{
	char err[256];
	struct stat st;
	int bad;
	mode_t old = umask(077);

	ok(audit_open(path_in("a.log"), err, sizeof err) == 0, "open a.log");
	umask(old);
	emit(3);
	ok(stat(path_in("a.log"), &st) == 0 && (st.st_mode & 0777) == 0640,
	   "created 0640 despite umask 077 (mode %o)", st.st_mode & 0777);
	ok(audit_open(path_in("a.log"), err, sizeof err) == 0, "open again");
	emit(2);
	is_int(count_lines(path_in("a.log"), &bad), 5,
	       "appended, not truncated");
	is_int(bad, 0, "all lines whole");
	ok(audit_open("relative.log", err, sizeof err) == -1 &&
	       strstr(err, "relative.log") != NULL,
	   "relative path refused: %s", err);
	ok(audit_open(path_in("nodir/a.log"), err, sizeof err) == -1 &&
	       strstr(err, "nodir/a.log") != NULL,
	   "missing dir: error names it: %s", err);
}

/* EACCES: as root, drop to nobody in a child first. */
static void
test_eacces(void)
{
	char err[256];
	pid_t pid;
	int st;

	chmod(dir, 0755);
	mkdir(path_in("denied"), 0555);
	if ((pid = fork()) == 0) {
		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		_exit(audit_open(path_in("denied/a.log"), err, sizeof err) ==
		                  -1 &&
		              strstr(err, "Permission denied") != NULL
		          ? 0
		          : 1);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "unwritable dir: EACCES reported");
}

static void
test_reopen(void)
{
	char err[256];
	int bad;

	mkdir(path_in("rot"), 0755);
	ok(audit_open(path_in("rot/r.log"), err, sizeof err) == 0,
	   "open rot/r.log");
	emit(3);
	rename(path_in("rot/r.log"), path_in("rot/r.log.1"));
	emit(1); /* still to the renamed file, as logrotate expects */
	audit_reopen();
	emit(2);
	is_int(count_lines(path_in("rot/r.log.1"), &bad), 4,
	       "rotated file has 4");
	is_int(count_lines(path_in("rot/r.log"), &bad), 2, "new file has 2");
	/* The directory vanished: keep writing to the old file. */
	rename(path_in("rot"), path_in("rot.old"));
	audit_reopen();
	emit(1);
	is_int(count_lines(path_in("rot.old/r.log"), &bad), 3,
	       "reopen failure keeps the old file");
	audit_close();
}

/* Run fn with stderr captured; return how many warnings it printed. */
static int
warnings_during(void (*fn)(void))
{
	int saved = dup(2), fd, bad;
	char *p = path_in("stderr.txt");

	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	fn();
	dup2(saved, 2);
	close(saved);
	(void)bad;
	return count_lines(p, &bad);
}

static void
emit100(void)
{
	emit(100);
}

static void
emit20000(void)
{
	emit(20000);
}

static void
test_dev_full(void)
{
	char err[256];
	int w;

	ok(audit_open("/dev/full", err, sizeof err) == 0, "open /dev/full");
	w = warnings_during(emit100);
	is_int(audit_dest_dropped(), 100, "ENOSPC: all 100 records dropped");
	is_int(w, 1, "ENOSPC: reported once, not 100 times");
	audit_close();
}

/* A 16 KiB tmpfs in a private mount namespace: records stop fitting
 * mid-line; the file must still hold only whole lines. */
static int
full_tmpfs_child(void)
{
	char err[256], *mnt = path_in("tiny"), big[3000];
	int bad, n;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=16k") != 0)
		return 2;
	if (audit_open(path_in("tiny/a.log"), err, sizeof err) != 0)
		return 3;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (n = 0; n < 20; n++)
		audit_error("fill", big);
	if (audit_dest_dropped() == 0)
		return 4;
	n = count_lines(path_in("tiny/a.log"), &bad);
	return n > 0 && bad == 0 ? 0 : 5;
}

static void
test_full_tmpfs(void)
{
	pid_t pid;
	int st;

	if (getuid() != 0) {
		printf("ok %d # SKIP full tmpfs needs root\n", ++tap_n);
		return;
	}
	mkdir(path_in("tiny"), 0755);
	if ((pid = fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2); /* the expected warning */
		_exit(full_tmpfs_child());
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "full tmpfs: records dropped, no torn line (child status %d)",
	   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Four processes, 500 records each, one file: whole lines only. */
static void
test_no_interleave(void)
{
	char err[256], detail[2000];
	pid_t pids[4];
	int i, k, st, bad, good = 1;

	ok(audit_open(path_in("multi.log"), err, sizeof err) == 0,
	   "open multi.log");
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			for (k = 0; k < 500; k++) {
				memset(detail, 'a' + i, sizeof detail);
				detail[(k * 37) % (sizeof detail - 1) + 1] =
				    '\0';
				audit_error("writer", detail);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		good &= waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st);
	ok(good, "writers finished");
	is_int(count_lines(path_in("multi.log"), &bad), 2000, "2000 lines");
	is_int(bad, 0, "no interleaved or torn line");
	audit_close();
}

static int
bind_dgram(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		return -1;
	return fd;
}

static void
test_syslog(void)
{
	char err[256], msg[4096], want[64], *sock = path_in("log.sock");
	ssize_t n;
	int fd;
	json_t *o;

	fd = bind_dgram(sock);
	audit_dest_set_syslog_path(sock);
	ok(audit_open("syslog", err, sizeof err) == 0, "open syslog");
	audit_error("syslog", "test");
	n = recv(fd, msg, sizeof msg - 1, MSG_DONTWAIT);
	msg[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof want, " imdsgate-audit[%ld]: {", (long)getpid());
	ok(n > 0 && strncmp(msg, "<86>", 4) == 0,
	   "syslog: authpriv.info priority");
	ok(strstr(msg, want) != NULL, "syslog: tag and pid");
	o = strchr(msg, '{') ? json_loads(strchr(msg, '{'), 0, NULL) : NULL;
	ok(o != NULL &&
	       !strcmp(json_string_value(json_object_get(o, "what")), "syslog"),
	   "syslog: the record is whole JSON");
	json_decref(o);
	close(fd);
	unlink(sock);
	warnings_during(emit100);
	is_int(audit_dest_dropped(), 100, "syslog gone: dropped, no crash");
	fd = bind_dgram(sock);
	audit_error("syslog", "back");
	ok(recv(fd, msg, sizeof msg, MSG_DONTWAIT) > 0,
	   "syslog back: reconnected");
	close(fd);
	audit_close();
}

/* journald's stdout is a socket; when nobody reads it we must not block. */
static void
test_stdout_unread(void)
{
	char err[256], buf[8192];
	int sv[2], saved = dup(1), opened;
	ssize_t n;

	fflush(stdout);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	dup2(sv[0], 1);
	opened = audit_open("stdout", err, sizeof err) == 0; /* no TAP here */
	audit_error("stdout", "first");
	n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
	warnings_during(emit20000);
	dup2(saved, 1);
	close(saved);
	ok(opened, "open stdout");
	ok(n > 0 && buf[n - 1] == '\n' && buf[0] == '{',
	   "stdout: a line arrived (%zd bytes)", n);
	ok(audit_dest_dropped() > 0,
	   "stdout unread: %lu dropped, never blocked", audit_dest_dropped());
	audit_close();
	close(sv[0]), close(sv[1]);
}

static int kicks;

static void
ok_silent_error(int i)
{
	char d[32];

	snprintf(d, sizeof d, "record %d", i);
	audit_error("batch", d);
}

static void
kick(void *arg)
{
	(void)arg;
	kicks++;
}

/* Batching (the daemon's way): records wait for one write at the end of
 * the loop turn; a rotation or a close writes them first; a failed write
 * drops them all and says so to the flush. */
static void
test_batch(void)
{
	char err[256];
	int bad, i;
	unsigned long before;

	mkdir(path_in("bat"), 0755);
	ok(audit_open(path_in("bat/b.log"), err, sizeof err) == 0,
	   "open bat/b.log");
	audit_dest_batch(kick, NULL);
	for (i = 0; i < 100; i++)
		ok_silent_error(i);
	is_int(count_lines(path_in("bat/b.log"), &bad), 0,
	       "batch: nothing written before the flush");
	is_int(kicks, 1, "batch: the caller was kicked once, at the first");
	is_int(audit_dest_flush(), 0, "batch: the flush succeeds");
	is_int(count_lines(path_in("bat/b.log"), &bad), 100,
	       "batch: 100 whole lines after it");
	is_int(bad, 0, "batch: no torn line");
	audit_error("batch", "before rotation");
	rename(path_in("bat/b.log"), path_in("bat/b.log.1"));
	audit_reopen();
	audit_error("batch", "after rotation");
	audit_dest_flush();
	is_int(count_lines(path_in("bat/b.log.1"), &bad), 101,
	       "batch: a rotation writes what waited to the old file");
	is_int(count_lines(path_in("bat/b.log"), &bad), 1,
	       "batch: and the rest to the new one");
	ok(audit_open("/dev/full", err, sizeof err) == 0, "batch: /dev/full");
	before = audit_dest_dropped();
	for (i = 0; i < 50; i++)
		ok_silent_error(i);
	is_int(audit_dest_flush(), -1, "batch: a failed write fails the flush");
	is_int(audit_dest_dropped() - before, 50,
	       "batch: all 50 queued records counted as dropped");
	is_int(audit_dest_flush(), 0, "batch: the next flush starts clean");
	audit_dest_batch(NULL, NULL);
	audit_close();
}

static int written_ok[64], nwritten;

static void
on_written(void *arg, int ok)
{
	(void)arg;
	if (nwritten < 64)
		written_ok[nwritten] = ok;
	nwritten++;
}

/* A group of records (a credential_fetch and its request's record) is
 * never split across two writes, even past the batch's size; the caller
 * is told of every batch, written or dropped. */
static void
test_together(void)
{
	char err[256], big[2048];
	int bad, i;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mkdir(path_in("tog"), 0755);
	ok(audit_open(path_in("tog/t.log"), err, sizeof err) == 0,
	   "open tog/t.log");
	audit_dest_batch(kick, NULL);
	audit_dest_on_written(on_written, NULL);
	audit_dest_together(1);
	for (i = 0; i < 100; i++) /* 200 kB: three batches' worth */
		audit_error("together", big);
	is_int(nwritten, 0, "together: a full batch waits for the group");
	is_int(count_lines(path_in("tog/t.log"), &bad), 0,
	       "together: nothing written inside the group");
	audit_dest_together(0);
	is_int(nwritten, 1, "together: the group's end writes the full batch");
	is_int(written_ok[0], 1, "together: told it was written");
	is_int(count_lines(path_in("tog/t.log"), &bad), 100,
	       "together: all 100 in that one write");
	audit_error("together", "alone");
	is_int(nwritten, 1, "together: not told before the flush");
	audit_dest_flush();
	is_int(nwritten, 2, "together: told at the flush");
	audit_dest_flush();
	is_int(nwritten, 2, "together: an empty flush tells nothing");
	ok(audit_open("/dev/full", err, sizeof err) == 0,
	   "together: /dev/full");
	audit_dest_together(1);
	audit_error("together", "first of two");
	audit_error("together", "second of two");
	audit_dest_together(0);
	audit_dest_flush();
	ok(nwritten == 3 && written_ok[2] == 0,
	   "together: told the batch was dropped");
	audit_dest_on_written(NULL, NULL);
	audit_dest_batch(NULL, NULL);
	audit_close();
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	log_init("test_audit_dest", LOG_TO_STDERR, 0);
	test_file_mode();
	test_eacces();
	test_reopen();
	test_dev_full();
	test_full_tmpfs();
	test_no_interleave();
	test_syslog();
	test_stdout_unread();
	test_batch();
	test_together();
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	wait(NULL);
	return tap_done();
}
