/* The fallback when there is no connect() record (no eBPF layer, or the
 * caller outside its cgroup): the process holding the socket, found by
 * its inode among the /proc/PID/fd links of the socket owner's processes.
 * The search is bounded and resumable: it does a slice of work at a time
 * (the monitor answers other callers in between) and gives up after a
 * budget per connection, so a socket no process holds (one parked in
 * flight with SCM_RIGHTS) costs its owner's lookup a few milliseconds,
 * never everyone's. Groups are the holder's real gid and supplementary
 * groups, never its effective gid: a setgid program that inherited the
 * socket lends no group. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "common/xmalloc.h"
#include "sys/peer_int.h"

/* Pids that recently held a caller's socket: long-running clients (an
 * SDK refreshing credentials) connect again and again, so try them
 * first. A stale or reused pid costs one failed check: the socket inode
 * itself is what decides. */
#define PEER_RECENT 16
static pid_t peer_recent[PEER_RECENT];
static unsigned peer_recent_next;

enum { SCAN_RECENT, SCAN_LIST, SCAN_STRICT, SCAN_LOOSE, SCAN_DONE };

struct peer_scan {
	uid_t uid;
	char want[64]; /* "socket:[INODE]" */
	int stage;
	int idx;
	int spent;
	pid_t *pids; /* every pid in /proc, ascending */
	int npids;
	DIR *fds; /* the fd directory being read */
	int pdfd; /* its /proc/PID */
	pid_t cur;
};

/* Read a small /proc file relative to dirfd; returns its length or -1. */
static ssize_t
peer_proc_read(int dfd, const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The value after "Key:" in a status file, or NULL. */
static const char *
peer_proc_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return p + klen + 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* Is uid among the four ids of a Uid: line? which: 0 real, -1 any.
 * (A process that is not dumpable has its /proc/PID owned by root.) */
static int
peer_proc_hasuid(const char *st, uid_t uid, int any)
{
	const char *v = peer_proc_field(st, "Uid");
	char *end;
	int i;

	for (i = 0; v != NULL && i < (any ? 4 : 1); i++) {
		unsigned long u = strtoul(v, &end, 10);
		if (end == v)
			return 0;
		if ((uid_t)u == uid)
			return 1;
		v = end;
	}
	return 0;
}

/* The real gid and the supplementary groups of a status file: what the
 * user's own login gave the process, not what a setgid exec added. */
static void
peer_proc_groups(const char *st, struct peer_info *pi)
{
	const char *v;
	char *end;

	if ((v = peer_proc_field(st, "Gid")) != NULL)
		pi->gid = (gid_t)strtoul(v, NULL, 10);
	pi->ngids = 0;
	if ((v = peer_proc_field(st, "Groups")) == NULL)
		return;
	while (pi->ngids < PEER_MAXGROUPS) {
		unsigned long g = strtoul(v, &end, 10);
		if (end == v)
			break;
		pi->gids[pi->ngids++] = (gid_t)g;
		v = end;
	}
}

/* The holder: pid, comm and, when its real uid is the socket's owner,
 * its groups (else the caller takes the user database's). */
static void
peer_proc_fill(struct peer_scan *s, struct peer_info *pi)
{
	char st[8192];

	pi->pid = s->cur;
	if (peer_proc_read(s->pdfd, "comm", pi->comm, sizeof pi->comm) > 0)
		pi->comm[strcspn(pi->comm, "\n")] = '\0';
	pi->gid = (gid_t)-1;
	if (peer_proc_read(s->pdfd, "status", st, sizeof st) != -1 &&
	    peer_proc_hasuid(st, s->uid, 0))
		peer_proc_groups(st, pi);
	pi->source = PEER_SRC_PROC;
}

/* Stop reading the current process. */
static void
peer_scan_drop(struct peer_scan *s)
{
	if (s->fds != NULL)
		closedir(s->fds);
	if (s->pdfd != -1)
		close(s->pdfd);
	s->fds = NULL;
	s->pdfd = -1;
}

/* Start reading pid's fds if it may be the holder: owned by uid
 * (strict), or root-owned naming uid in its status (loose). */
static void
peer_scan_open(struct peer_scan *s, int procfd, pid_t pid, int strict)
{
	char name[16], st[8192];
	struct stat sb;
	int fd;

	snprintf(name, sizeof name, "%d", (int)pid);
	if (fstatat(procfd, name, &sb, 0) == -1 ||
	    sb.st_uid != (strict ? s->uid : 0))
		return; /* one syscall for each process not of uid */
	if ((s->pdfd = openat(procfd, name,
	                      O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	s->spent++;
	if ((!strict &&
	     (peer_proc_read(s->pdfd, "status", st, sizeof st) == -1 ||
	      !peer_proc_hasuid(st, s->uid, 1))) ||
	    (fd = openat(s->pdfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	        -1 ||
	    (s->fds = fdopendir(fd)) == NULL) {
		peer_scan_drop(s);
		return;
	}
	s->cur = pid;
}

/* Read up to *work fd links of the current process: 1 when it holds the
 * socket. */
static int
peer_scan_fds(struct peer_scan *s, int *work)
{
	struct dirent *de;
	char link[64];
	ssize_t n;

	while (*work > 0 && (de = readdir(s->fds)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(*work)--;
		s->spent++;
		n = readlinkat(dirfd(s->fds), de->d_name, link,
		               sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, s->want) == 0)
			return 1;
	}
	if (*work > 0)
		peer_scan_drop(s); /* read to its end */
	return 0;
}

/* Every pid in /proc, ascending. Nothing is stat'ed here: ownership is
 * checked lazily, newest first, so the usual case (a caller that just
 * started) costs a few syscalls. */
static void
peer_scan_list(struct peer_scan *s, int procfd)
{
	struct dirent *de;
	size_t cap = 512;
	DIR *d;
	int fd;

	s->pids = xcalloc(cap, sizeof *s->pids);
	if ((fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	        -1 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if ((size_t)s->npids == cap)
			s->pids =
			    xreallocarray(s->pids, cap *= 2, sizeof *s->pids);
		s->pids[s->npids++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	s->spent += s->npids / 16;
}

/* The next process to look at, by stage: recent pids, then every pid
 * newest first owned by uid, then (uid not root) root-owned ones. */
static void
peer_scan_next(struct peer_scan *s, int procfd)
{
	if (s->stage == SCAN_RECENT) {
		if (s->idx < PEER_RECENT) {
			pid_t p = peer_recent[s->idx++];
			if (p != 0)
				peer_scan_open(s, procfd, p, 1);
			return;
		}
		s->stage = SCAN_LIST;
	}
	if (s->stage == SCAN_LIST) {
		peer_scan_list(s, procfd);
		s->stage = SCAN_STRICT;
		s->idx = s->npids - 1;
		return;
	}
	if (s->idx < 0) {
		s->stage = s->stage == SCAN_STRICT && s->uid != 0 ? SCAN_LOOSE
		                                                  : SCAN_DONE;
		s->idx = s->npids - 1;
		return;
	}
	s->spent++;
	peer_scan_open(s, procfd, s->pids[s->idx--], s->stage == SCAN_STRICT);
}

/* Keep the last PEER_RECENT distinct pids found, oldest overwritten. */
static void
peer_proc_remember(pid_t pid)
{
	int i;

	for (i = 0; i < PEER_RECENT; i++)
		if (peer_recent[i] == pid)
			return;
	peer_recent[peer_recent_next++ % PEER_RECENT] = pid;
}

static int peer_procfd = -1;

/* A search for socket:[inode] among uid's processes, not started yet. */
struct peer_scan *
peer_scan_new(uid_t uid, unsigned long inode)
{
	struct peer_scan *s = xcalloc(1, sizeof *s);

	s->uid = uid;
	s->pdfd = -1;
	snprintf(s->want, sizeof s->want, "socket:[%lu]", inode);
	if (peer_procfd == -1)
		peer_procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s;
}

/* At most work units, then back to the caller; the budget ends it. */
int
peer_scan_step(struct peer_scan *s, int work, struct peer_info *pi)
{
	while (work > 0 && s->stage != SCAN_DONE &&
	       s->spent < PEER_SCAN_BUDGET && peer_procfd != -1) {
		if (s->fds == NULL) {
			peer_scan_next(s, peer_procfd);
			work--;
			continue;
		}
		if (peer_scan_fds(s, &work)) {
			peer_proc_fill(s, pi);
			peer_proc_remember(s->cur);
			peer_scan_drop(s);
			return 1;
		}
	}
	return work > 0 || s->stage == SCAN_DONE ||
	               s->spent >= PEER_SCAN_BUDGET || peer_procfd == -1
	           ? 0
	           : -1;
}

/* Wherever the search stopped. */
void
peer_scan_free(struct peer_scan *s)
{
	if (s == NULL)
		return;
	peer_scan_drop(s);
	free(s->pids);
	free(s);
}

/* Benchmarks measure the cold case. */
void
peer_proc_forget(void)
{
	memset(peer_recent, 0, sizeof peer_recent);
}
