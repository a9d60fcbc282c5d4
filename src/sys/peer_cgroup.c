/* The caller's cgroup by the id the kernel recorded at connect(): the
 * cgroup2 directory is opened by handle (its id is its kernfs inode) and
 * named through /proc/self/fd, so the path is right even when the process
 * has exited or moved since. From the path, the container: Docker,
 * containerd and CRI-O, podman and ECS name a container's cgroup after
 * its 64-hex id. Paths are cached: a host has few cgroups, seen often. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/cgroup2.h"
#include "sys/peer_int.h"

#define PEER_CG_CACHE 64
#define PEER_FILEID_KERNFS 0xfe

static struct {
	uint64_t id;
	char path[256];
} peer_cg_cache[PEER_CG_CACHE];
static unsigned peer_cg_next;
static char peer_cg_root[4096];
static int peer_cg_rootfd = -1;

/* The cgroup2 mount, opened once (handles are resolved against it). */
static int
peer_cgroup_root(void)
{
	if (peer_cg_rootfd != -1)
		return 0;
	if (cgroup2_mount(peer_cg_root, sizeof peer_cg_root) == -1)
		return -1;
	peer_cg_rootfd = open(peer_cg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return peer_cg_rootfd == -1 ? -1 : 0;
}

/* Open the cgroup directory with this id and read its path back; the
 * mount point's prefix is dropped. Needs CAP_DAC_READ_SEARCH. */
static int
peer_cgroup_lookup(uint64_t id, char *out, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	char link[64], path[4096];
	size_t rl;
	ssize_t n;
	int fd;

	h.fh.handle_bytes = sizeof h.id;
	h.fh.handle_type = PEER_FILEID_KERNFS;
	h.id = id;
	fd = open_by_handle_at(peer_cg_rootfd, &h.fh,
	                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	close(fd);
	rl = strlen(peer_cg_root);
	if (n <= 0 || (size_t)n < rl || strncmp(path, peer_cg_root, rl) != 0)
		return -1;
	path[n] = '\0';
	snprintf(out, len, "%s", path[rl] == '\0' ? "/" : path + rl);
	return 0;
}

/* By id, through the cache: the process may be gone. */
int
peer_cgroup_path(uint64_t id, char *out, size_t len)
{
	unsigned i;

	if (id == 0 || peer_cgroup_root() == -1)
		return -1;
	for (i = 0; i < PEER_CG_CACHE; i++)
		if (peer_cg_cache[i].id == id) {
			snprintf(out, len, "%s", peer_cg_cache[i].path);
			return 0;
		}
	if (peer_cgroup_lookup(id, out, len) == -1)
		return -1;
	i = peer_cg_next++ % PEER_CG_CACHE;
	peer_cg_cache[i].id = id;
	snprintf(peer_cg_cache[i].path, sizeof peer_cg_cache[i].path, "%s",
	         out);
	return 0;
}

/* A run of exactly 64 hex digits in one path component, as container
 * runtimes write ids: "docker-ID.scope", "cri-containerd-ID.scope",
 * "crio-ID.scope", "libpod-ID.scope", ".../docker/ID", ECS's
 * ".../ecs/TASK/ID". The last such component wins (nested cgroups). */
static int
peer_cgroup_hex64(const char *comp, size_t clen, const char **at)
{
	size_t i, run = 0;

	for (i = 0; i <= clen; i++) {
		if (i < clen && isxdigit((unsigned char)comp[i]) &&
		    !isupper((unsigned char)comp[i])) {
			run++;
			continue;
		}
		if (run == 64) {
			*at = comp + i - 64;
			return 1;
		}
		run = 0;
	}
	return 0;
}

/* The last 64-hex component of the path, if any. */
int
peer_cgroup_container(const char *path, char *out, size_t len)
{
	const char *p = path, *e, *at, *found = NULL;

	while (*p != '\0') {
		p += strspn(p, "/");
		e = p + strcspn(p, "/");
		if (e > p && peer_cgroup_hex64(p, (size_t)(e - p), &at))
			found = at;
		p = e;
	}
	if (found == NULL || len < 65)
		return -1;
	memcpy(out, found, 64);
	out[64] = '\0';
	return 0;
}

/* The v2 line ("0::/path") of /proc/PID/cgroup: the fallback's cgroup. */
int
peer_cgroup_of_pid(pid_t pid, char *out, size_t len)
{
	char path[64], line[4096];
	FILE *f;
	int rv = -1;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (rv == -1 && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 3);
			rv = 0;
		}
	fclose(f);
	return rv;
}
