/* The process behind a socket: the socket's inode is found among the
 * /proc/PID/fd links. Only processes of the socket's uid are searched
 * (the owner of /proc/PID is the process's euid, one fstatat each), and
 * the scan stops at the first match, so a lookup costs about one readlink
 * per open fd of that user's processes. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "sys/peer_int.h"

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

/* The value after "Key:\t" in a status file, or NULL. */
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

/* Does any of the four ids on a status Uid: line equal uid? Catches a
 * process that is not dumpable (its /proc/PID is then owned by root). */
static int
peer_proc_hasuid(int pdfd, uid_t uid)
{
	char st[8192];
	const char *v;
	char *end;
	int i;

	if (peer_proc_read(pdfd, "status", st, sizeof st) == -1)
		return 0;
	if ((v = peer_proc_field(st, "Uid")) == NULL)
		return 0;
	for (i = 0; i < 4; i++) {
		unsigned long u = strtoul(v, &end, 10);
		if (end == v)
			return 0;
		if ((uid_t)u == uid)
			return 1;
		v = end;
	}
	return 0;
}

/* Fill the effective gid and the supplementary groups from status:
 * what the process really holds, not what the user database says. */
static void
peer_proc_groups(int pdfd, struct peer_info *pi)
{
	char st[8192];
	const char *v;
	char *end;

	if (peer_proc_read(pdfd, "status", st, sizeof st) == -1)
		return;
	if ((v = peer_proc_field(st, "Gid")) != NULL) {
		strtoul(v, &end, 10); /* real gid: skip to the effective */
		pi->gid = (gid_t)strtoul(end, NULL, 10);
	}
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

/* comm and exe of the process found (exe needs ptrace access). */
static void
peer_proc_fill(int pdfd, pid_t pid, struct peer_info *pi)
{
	ssize_t n;

	pi->pid = pid;
	if (peer_proc_read(pdfd, "comm", pi->comm, sizeof pi->comm) > 0)
		pi->comm[strcspn(pi->comm, "\n")] = '\0';
	n = readlinkat(pdfd, "exe", pi->exe, sizeof pi->exe - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	peer_proc_groups(pdfd, pi);
}

/* Does this process hold the socket? One readlink per open fd. */
static int
peer_proc_holds(int pdfd, const char *want)
{
	struct dirent *de;
	char link[64];
	DIR *d;
	ssize_t n;
	int fd, found = 0;

	if ((fd = openat(pdfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fd, de->d_name, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(d);
	return found;
}

/* Pids that recently held a caller's socket: long-running clients (an
 * SDK refreshing credentials) connect again and again, so try them
 * first. A stale or reused pid costs one failed check: the socket inode
 * itself is what decides. Single-threaded use (the proxy's event loop). */
#define PEER_RECENT 16
static pid_t peer_recent[PEER_RECENT];
static unsigned peer_recent_next;

/* Check one pid: owned by uid (or, not strict, root-owned with uid in
 * its status) and holding want; fill pi when it does. */
static int
peer_proc_try(int procfd, pid_t pid, uid_t uid, const char *want, int strict,
              struct peer_info *pi)
{
	char name[16];
	struct stat sb;
	int pdfd, found = 0;

	snprintf(name, sizeof name, "%d", (int)pid);
	if (fstatat(procfd, name, &sb, 0) == -1 ||
	    sb.st_uid != (strict ? uid : 0))
		return 0; /* one syscall for each process not of uid */
	if ((pdfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return 0;
	if ((strict || peer_proc_hasuid(pdfd, uid)) &&
	    peer_proc_holds(pdfd, want)) {
		peer_proc_fill(pdfd, pid, pi);
		found = 1;
	}
	close(pdfd);
	return found;
}

/* Every pid in /proc, ascending, in *out (malloc'd); returns how many.
 * Nothing is stat'ed here: ownership is checked lazily, newest first, so
 * the usual case (a caller that just started) costs a few syscalls. */
static int
peer_proc_list(DIR *proc, pid_t **out)
{
	struct dirent *de;
	size_t n = 0, cap = 512;
	pid_t *v = malloc(cap * sizeof *v), *nv;

	rewinddir(proc);
	while (v != NULL && (de = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			if ((nv = realloc(v, (cap *= 2) * sizeof *v)) == NULL)
				break;
			v = nv;
		}
		v[n++] = (pid_t)atoi(de->d_name);
	}
	*out = v;
	return v == NULL ? 0 : (int)n;
}

/* One pass, newest process first: a caller is most often a process that
 * just started (a CLI, a script), and pids grow with time. strict: only
 * processes owned by uid; else also root-owned ones naming uid in their
 * status (a non-dumpable process of uid shows as root's). */
static int
peer_proc_pass(DIR *proc, const pid_t *v, int n, uid_t uid, const char *want,
               int strict, struct peer_info *pi)
{
	int i, found = 0;

	for (i = n - 1; i >= 0 && !found; i--)
		found = peer_proc_try(dirfd(proc), v[i], uid, want, strict, pi);
	return found;
}

/* The recent pids first; remember the one found. */
static int
peer_proc_cached(DIR *proc, uid_t uid, const char *want, struct peer_info *pi)
{
	int i;

	for (i = 0; i < PEER_RECENT; i++)
		if (peer_recent[i] != 0 &&
		    (peer_proc_try(dirfd(proc), peer_recent[i], uid, want, 1,
		                   pi) ||
		     (uid != 0 && peer_proc_try(dirfd(proc), peer_recent[i],
		                                uid, want, 0, pi))))
			return 1;
	return 0;
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

/* Find the process that holds socket:[inode]; 0 when found. */
int
peer_proc_find(uid_t uid, unsigned long inode, struct peer_info *pi)
{
	char want[64];
	pid_t *v;
	DIR *proc;
	int found, n;

	snprintf(want, sizeof want, "socket:[%lu]", inode);
	if ((proc = opendir("/proc")) == NULL)
		return -1;
	found = peer_proc_cached(proc, uid, want, pi);
	if (!found) {
		n = peer_proc_list(proc, &v);
		found = peer_proc_pass(proc, v, n, uid, want, 1, pi);
		if (!found && uid != 0)
			found = peer_proc_pass(proc, v, n, uid, want, 0, pi);
		free(v);
	}
	closedir(proc);
	if (found)
		peer_proc_remember(pi->pid);
	return found ? 0 : -1;
}

/* Benchmarks measure the cold case. */
void
peer_proc_forget(void)
{
	memset(peer_recent, 0, sizeof peer_recent);
}
