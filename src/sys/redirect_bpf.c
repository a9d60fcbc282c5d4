/* The eBPF layer as it runs: programs and maps pinned under bpffs at
 * install (redirect_bpf_load.c), opened by path, attached to the cgroup
 * with BPF_F_ALLOW_MULTI (an attachment lives as long as the cgroup, not
 * our process: the layer survives a daemon restart). The daemon's monitor
 * holds the handle: it verifies the attachments, puts back what was
 * detached, and lists the daemon's own processes as exempt. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "common/xmalloc.h"
#include "sys/cgroup2.h"
#include "sys/imdsgate_bpf.h"
#include "sys/redirect_int.h"

const struct redirect_bpf_hook redirect_bpf_hooks[REDIRECT_BPF_HOOKS] = {
    {"connect4", "imdsgate_conn4", BPF_CGROUP_INET4_CONNECT},
    {"connect6", "imdsgate_conn6", BPF_CGROUP_INET6_CONNECT},
    {"getpeername4", "imdsgate_peer4", BPF_CGROUP_INET4_GETPEERNAME},
    {"getpeername6", "imdsgate_peer6", BPF_CGROUP_INET6_GETPEERNAME},
    {"sock_release", "imdsgate_release", BPF_CGROUP_INET_SOCK_RELEASE},
};
const char *const redirect_bpf_maps[REDIRECT_BPF_MAPS][2] = {
    {"map_cfg", "imdsgate_cfg"},
    {"map_exempt", "imdsgate_exempt"},
    {"map_ident", "imdsgate_ident"},
};

/* Where one pin lives: PIN_DIR/name. */
void
redirect_bpf_pin(const struct redirect_conf *rc, const char *name, char *out,
                 size_t len)
{
	const char *dir = rc->pin_dir[0] ? rc->pin_dir : REDIRECT_PIN_DIR;

	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		out[0] = '\0'; /* no such pin */
}

/* Is this the host's network namespace (the one pid 1 is in)? Attaching
 * to the whole cgroup tree from a container or a test's namespace would
 * send every other namespace's IMDS traffic to a proxy that is not theirs. */
static int
redirect_bpf_hostns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) == -1 ||
	    stat("/proc/1/ns/net", &init) == -1)
		return 0;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

/* The cgroup the layer attaches to, and is checked against. */
int
redirect_bpf_cgroup(const struct redirect_conf *rc, char *out, size_t len,
                    char *err, size_t errlen)
{
	if (rc->cgroup[0] == '\0') {
		if (cgroup2_mount(out, len) == -1) {
			snprintf(err, errlen, "no cgroup2 file system mounted");
			return -1;
		}
		if (!redirect_bpf_hostns()) {
			snprintf(
			    err, errlen,
			    "not in the host's network namespace: name the "
			    "cgroup to attach to ([redirect] cgroup)");
			return -1;
		}
	} else if ((size_t)snprintf(out, len, "%s", rc->cgroup) >= len)
		return -1;
	if (!cgroup2_is(out)) {
		snprintf(err, errlen, "%s: not a cgroup2 directory", out);
		return -1;
	}
	return 0;
}

/* 127.0.0.1 for 0.0.0.0: a wildcard listener is reached on loopback. */
static uint32_t
redirect_bpf_ip4(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

	if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
		return htonl(INADDR_LOOPBACK);
	return s4->sin_addr.s_addr;
}

/* The target the hooks rewrite to, in the bytes the kernel compares. */
int
redirect_bpf_cfg(const struct redirect_conf *rc, void *out)
{
	struct imdsgate_cfg *c = out;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&rc->to6;

	memset(c, 0, sizeof *c);
	c->magic = IMDSGATE_BPF_MAGIC;
	if (rc->to4.ss_family == AF_INET) {
		c->ip4 = redirect_bpf_ip4(&rc->to4);
		c->port4 = ((const struct sockaddr_in *)&rc->to4)->sin_port;
	}
	if (rc->to6.ss_family == AF_INET6) {
		memcpy(c->ip6, &s6->sin6_addr, 16);
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			memcpy(c->ip6, &in6addr_loopback, 16);
		c->port6 = s6->sin6_port;
	} else if (c->ip4 != 0) { /* no IPv6 listener: its IPv4 one, mapped */
		c->ip6[2] = htonl(0xffff);
		c->ip6[3] = c->ip4;
		c->port6 = c->port4;
	}
	return c->ip4 != 0 || c->port6 != 0 ? 0 : -1;
}

/* Open one pin (flags: 0, or BPF_F_RDONLY); -1 with err naming it. */
static int
redirect_bpf_get(const struct redirect_conf *rc, const char *name, __u32 flags,
                 char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = flags);
	char path[PATH_MAX];
	int fd;

	redirect_bpf_pin(rc, name, path, sizeof path);
	if ((fd = bpf_obj_get_opts(path, &o)) < 0)
		snprintf(err, errlen, "missing: %s: %s", path, strerror(errno));
	return fd < 0 ? -1 : fd;
}

/* Nothing open yet: every fd -1, so close is always safe. */
static void
redirect_bpf_init(struct redirect_bpf *h, const struct redirect_conf *rc)
{
	int i;

	memset(h, 0, sizeof *h);
	h->rc = *rc;
	h->cg = -1;
	for (i = 0; i < REDIRECT_BPF_HOOKS; i++)
		h->prog[i] = -1;
	for (i = 0; i < REDIRECT_BPF_MAPS; i++)
		h->map[i] = -1;
}

/* The kernel's id of each program (what a cgroup query lists). */
static int
redirect_bpf_ids(struct redirect_bpf *h, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	__u32 len;
	int i;

	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		memset(&info, 0, sizeof info);
		len = sizeof info;
		if (bpf_obj_get_info_by_fd(h->prog[i], &info, &len) != 0) {
			snprintf(err, errlen, "%s: %s",
			         redirect_bpf_hooks[i].pin, strerror(errno));
			return -1;
		}
		h->prog_id[i] = info.id;
	}
	return 0;
}

/* Everything pinned, opened at once: all or nothing. */
struct redirect_bpf *
redirect_bpf_open(const struct redirect_conf *rc, char *err, size_t errlen)
{
	struct redirect_bpf *h = xcalloc(1, sizeof *h);
	int i, ok;

	redirect_bpf_init(h, rc);
	ok = redirect_bpf_cgroup(rc, h->cgroup, sizeof h->cgroup, err,
	                         errlen) == 0;
	if (ok && (h->cg = open(h->cgroup,
	                        O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", h->cgroup, strerror(errno));
		ok = 0;
	}
	for (i = 0; ok && i < REDIRECT_BPF_HOOKS; i++)
		ok = (h->prog[i] = redirect_bpf_get(
		          rc, redirect_bpf_hooks[i].pin, 0, err, errlen)) != -1;
	for (i = 0; ok && i < REDIRECT_BPF_MAPS; i++)
		ok = (h->map[i] = redirect_bpf_get(rc, redirect_bpf_maps[i][0],
		                                   0, err, errlen)) != -1;
	if (ok && redirect_bpf_ids(h, err, errlen) == 0)
		return h;
	redirect_bpf_close(h);
	return NULL;
}

/* Closing leaves the layer as it is (pins and attachments stay). */
void
redirect_bpf_close(struct redirect_bpf *h)
{
	int i;

	if (h == NULL)
		return;
	if (h->cg != -1)
		close(h->cg);
	for (i = 0; i < REDIRECT_BPF_HOOKS; i++)
		if (h->prog[i] != -1)
			close(h->prog[i]);
	for (i = 0; i < REDIRECT_BPF_MAPS; i++)
		if (h->map[i] != -1)
			close(h->map[i]);
	free(h);
}

/* The records map, for the caller lookup. */
int
redirect_bpf_ident_fd(const struct redirect_bpf *h)
{
	return h != NULL ? h->map[REDIRECT_BPF_IDENT] : -1;
}

/* The records map again, read-only, for the worker: it may look up who
 * connected (the kernel lets a process without capabilities use a map fd
 * it was given, since Linux 6.5) but can write no map, the exemptions
 * least of all. -1 with err when the pin cannot be opened so. */
int
redirect_bpf_ident_reader(const struct redirect_bpf *h, char *err,
                          size_t errlen)
{
	return redirect_bpf_get(&h->rc,
	                        redirect_bpf_maps[REDIRECT_BPF_IDENT][0],
	                        BPF_F_RDONLY, err, errlen);
}

/* The daemon's own process: the hooks let it through as that uid only. */
int
redirect_bpf_exempt(struct redirect_bpf *h, pid_t pid, uid_t uid)
{
	__u32 k = (__u32)pid, v = (__u32)uid;

	return bpf_map_update_elem(h->map[REDIRECT_BPF_EXEMPT], &k, &v,
	                           BPF_ANY) == 0
	           ? 0
	           : -1;
}

/* A process of the daemon is gone: its pid may be reused. */
int
redirect_bpf_unexempt(struct redirect_bpf *h, pid_t pid)
{
	__u32 k = (__u32)pid;

	return bpf_map_delete_elem(h->map[REDIRECT_BPF_EXEMPT], &k) == 0 ||
	               errno == ENOENT
	           ? 0
	           : -1;
}

/* Stale entries are harmless (a pid must also run as the daemon's user)
 * but a new daemon starts from an empty list. */
void
redirect_bpf_exempt_clear(struct redirect_bpf *h)
{
	__u32 k;
	int fd = h->map[REDIRECT_BPF_EXEMPT];

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(fd, &k) != 0)
			break;
}

/* Is prog id attached to the cgroup at that hook? 1, 0, or -1. */
static int
redirect_bpf_attached(int cg, int type, unsigned id)
{
	__u32 ids[64], n = 64, flags = 0, i;

	if (bpf_prog_query(cg, (enum bpf_attach_type)type, 0, &flags, ids,
	                   &n) != 0)
		return -1;
	for (i = 0; i < n && i < 64; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* The configuration map says what rc wants? 1, 0, or -1. */
static int
redirect_bpf_cfg_ok(struct redirect_bpf *h)
{
	struct imdsgate_cfg want, have;
	__u32 k = 0;

	if (redirect_bpf_cfg(&h->rc, &want) == -1)
		return -1;
	if (bpf_map_lookup_elem(h->map[REDIRECT_BPF_CFG], &k, &have) != 0)
		return -1;
	return memcmp(&want, &have, sizeof want) == 0;
}

/* Whole only if all five programs are attached and the target is ours. */
int
redirect_bpf_check(struct redirect_bpf *h, char *err, size_t errlen)
{
	int i, r;

	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		r = redirect_bpf_attached(h->cg, redirect_bpf_hooks[i].type,
		                          h->prog_id[i]);
		if (r == -1) {
			snprintf(err, errlen, "query %s: %s", h->cgroup,
			         strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(err, errlen, "missing: %s not attached to %s",
			         redirect_bpf_hooks[i].pin, h->cgroup);
			return 1;
		}
	}
	if ((r = redirect_bpf_cfg_ok(h)) != 1) {
		snprintf(err, errlen, "partial: the redirect target differs");
		return r == -1 ? -1 : 1;
	}
	return 0;
}

/* The target, then whatever program is not attached. */
int
redirect_bpf_attach(struct redirect_bpf *h, char *err, size_t errlen)
{
	struct imdsgate_cfg cfg;
	__u32 k = 0;
	int i, r;

	if (redirect_bpf_cfg(&h->rc, &cfg) == -1) {
		snprintf(err, errlen, "no listen address to redirect to");
		return -1;
	}
	/* the target first: a program attached without it refuses IMDS */
	if (bpf_map_update_elem(h->map[REDIRECT_BPF_CFG], &k, &cfg, BPF_ANY)) {
		snprintf(err, errlen, "configuration map: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		r = redirect_bpf_attached(h->cg, redirect_bpf_hooks[i].type,
		                          h->prog_id[i]);
		if (r == 0 &&
		    bpf_prog_attach(h->prog[i], h->cg,
		                    redirect_bpf_hooks[i].type,
		                    BPF_F_ALLOW_MULTI) != 0 &&
		    errno != EEXIST)
			r = -1;
		if (r == -1) {
			snprintf(err, errlen, "attach %s to %s: %s",
			         redirect_bpf_hooks[i].pin, h->cgroup,
			         strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Put back what was detached, with the programs we hold. */
int
redirect_bpf_restore(struct redirect_bpf *h, char *err, size_t errlen)
{
	return redirect_bpf_attach(h, err, errlen);
}

/* For --redirect status: open the pins afresh and check. */
int
redirect_bpf_status(const struct redirect_conf *rc, char *err, size_t errlen)
{
	struct redirect_bpf *h;
	int rv;

	if ((h = redirect_bpf_open(rc, err, errlen)) == NULL)
		return strncmp(err, "missing:", 8) == 0 ? 1 : -1;
	rv = redirect_bpf_check(h, err, errlen);
	redirect_bpf_close(h);
	return rv;
}
