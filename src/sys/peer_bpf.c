/* The record the eBPF layer made when the client called connect(): who
 * connected (real uid and gid, supplementary groups, process and thread,
 * command name, cgroup, the executable's device and inode), kept by the
 * kernel under the socket's cookie. Whoever holds the socket now (a
 * child, a process it was passed to, a setgid program) changes nothing. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <sys/sysmacros.h>

#include "sys/imdsgate_bpf.h"
#include "sys/peer_int.h"

/* The kernel's dev_t (major << 20 | minor) in user space's encoding. */
static dev_t
peer_bpf_dev(__u32 kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/* The record under the cookie sock_diag gave; a missing one is not an error. */
int
peer_bpf_get(int fd, uint64_t cookie, struct peer_info *pi, dev_t *exe_dev,
             ino_t *exe_ino)
{
	struct imdsgate_ident r;
	__u64 k = cookie;
	__u32 i;

	if (fd < 0 || cookie == 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &k, &r) != 0)
		return errno == ENOENT ? 0 : -1;
	pi->uid = r.uid;
	pi->gid = r.gid;
	pi->ngids = 0;
	for (i = 0;
	     i < r.ngroups && i < IMDSGATE_BPF_GROUPS && i < PEER_MAXGROUPS;
	     i++)
		pi->gids[pi->ngids++] = r.groups[i];
	pi->pid = (pid_t)r.tgid;
	pi->tid = (pid_t)r.tid;
	memcpy(pi->comm, r.comm, sizeof r.comm);
	pi->comm[sizeof r.comm] = '\0';
	pi->cgroup_id = r.cgroup_id;
	*exe_dev = r.exe_ino != 0 ? peer_bpf_dev(r.exe_dev) : 0;
	*exe_ino = (ino_t)r.exe_ino;
	pi->source = PEER_SRC_BPF;
	return 1;
}
