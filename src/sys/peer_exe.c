/* The caller's executable, and whether its path can be believed: a path
 * read from /proc/PID/exe is the path in the process's own mount
 * namespace, where an unprivileged user can bind-mount any file over
 * /usr/bin/aws. The path is "verified" only when the file at that path
 * here, in our namespace, is the very file the process runs (same device
 * and inode as the connect() record says, or as /proc/PID/exe opens). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "sys/peer_int.h"

/* Read the path, then believe it only if it names the same file here. */
int
peer_exe(pid_t pid, dev_t dev, ino_t ino, struct peer_info *pi)
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
