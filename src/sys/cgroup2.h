/* The cgroup v2 hierarchy: where it is mounted (/sys/fs/cgroup on current
 * distributions, /sys/fs/cgroup/unified on hybrid hosts), as this process
 * sees it. */
#ifndef IMDSGATE_CGROUP2_H
#define IMDSGATE_CGROUP2_H

#include <stddef.h>

/* The first cgroup2 mount point; 0, or -1 when there is none. */
int cgroup2_mount(char *out, size_t len);
/* Is path a directory of a cgroup2 file system? 1 or 0. */
int cgroup2_is(const char *path);

#endif
