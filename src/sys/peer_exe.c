/* The caller's executable, and whether its path can be believed: a path
 * read from /proc/PID/exe is the path in the process's own mount
 * namespace, where an unprivileged user can bind-mount any file over
 * /usr/bin/aws. The path is "verified" only when the file at that path
 * here, in our namespace, is the very file the process runs (same device
 * and inode as the connect() record says, or as /proc/PID/exe opens).
 * What a record named is remembered for a second. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "sys/peer_int.h"

#define PEER_EXE_CACHE 16 /* processes remembered, for a second */

/* What a process's connect() record named (its pid and the device and
 * inode of the file it ran) and what that came to (path, verified): a
 * process making one connection after another is named without reading
 * /proc again (readlink and stat, the monitor's dearest calls per
 * connection). A key holds the file itself, so an exec of another file,
 * or another process under a reused pid running another file, misses;
 * the path is at most a second old. */
static struct {
	pid_t pid;
	dev_t dev;
	ino_t ino;
	struct timespec at; /* 0: empty */
	int verified;
	char path[sizeof(((struct peer_info *)0)->exe)];
} peer_exes[PEER_EXE_CACHE];
static unsigned peer_exes_next;

/* 1 when the record's file was looked up less than a second ago. */
static int
peer_exe_cached(pid_t pid, dev_t dev, ino_t ino, const struct timespec *now,
                struct peer_info *pi)
{
	unsigned i;

	for (i = 0; i < PEER_EXE_CACHE; i++) {
		if (peer_exes[i].at.tv_sec == 0 || peer_exes[i].pid != pid ||
		    peer_exes[i].dev != dev || peer_exes[i].ino != ino)
			continue;
		if (!peer_cache_fresh(now, &peer_exes[i].at))
			return 0;
		memcpy(pi->exe, peer_exes[i].path, sizeof pi->exe);
		pi->exe_verified = peer_exes[i].verified;
		return 1;
	}
	return 0;
}

static void
peer_exe_remember(pid_t pid, dev_t dev, ino_t ino, const struct timespec *now,
                  const struct peer_info *pi)
{
	unsigned i = peer_exes_next++ % PEER_EXE_CACHE;

	peer_exes[i].pid = pid;
	peer_exes[i].dev = dev;
	peer_exes[i].ino = ino;
	peer_exes[i].at = *now;
	peer_exes[i].verified = pi->exe_verified;
	memcpy(peer_exes[i].path, pi->exe, sizeof peer_exes[i].path);
}

/* Read the path, then believe it only if it names the same file here. */
static int
peer_exe_read(pid_t pid, dev_t dev, ino_t ino, struct peer_info *pi)
{
	char link[64];
	struct stat real, here;
	ssize_t n;

	pi->exe[0] = '\0';
	pi->exe_verified = 0;
	snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
	n = readlink(link, pi->exe, sizeof pi->exe - 1);
	if (n <= 0)
		return -1;
	pi->exe[n] = '\0';
	if (dev == 0 && ino == 0) { /* no record: the file it runs now */
		if (stat(link, &real) == -1)
			return 0;
		dev = real.st_dev;
		ino = real.st_ino;
	}
	pi->exe_verified = stat(pi->exe, &here) == 0 && here.st_dev == dev &&
	                   here.st_ino == ino;
	return 0;
}

/* From the cache when a connect() record names the file (dev, ino), else
 * from /proc. */
int
peer_exe(pid_t pid, dev_t dev, ino_t ino, struct peer_info *pi)
{
	struct timespec now;
	int keyed = dev != 0 || ino != 0;

	if (keyed && clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == 0 &&
	    now.tv_sec != 0) {
		if (peer_exe_cached(pid, dev, ino, &now, pi))
			return 0;
		if (peer_exe_read(pid, dev, ino, pi) == -1)
			return -1;
		peer_exe_remember(pid, dev, ino, &now, pi);
		return 0;
	}
	return peer_exe_read(pid, dev, ino, pi);
}
