/* Installing and removing the eBPF layer (as root: `imdsgated --redirect
 * install` at boot). The programs come from the skeleton bpftool generated
 * at build time; they are pinned with the maps under the pin directory,
 * whose files belong to the daemon's user (so its monitor can open them
 * without root) inside a directory only root can enter. Installing again
 * keeps the pinned maps (the records and the daemon's exemptions go on)
 * and replaces a program only when the new build differs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "common/xmalloc.h"
#include "sys/imdsgate_bpf.skel.h"
#include "sys/redirect_int.h"

static char redirect_bpf_msg[256];

/* libbpf reports what failed (verifier, BTF, permissions) on its print
 * hook: keep the last warning for our error message, print nothing. */
static int
redirect_bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof redirect_bpf_msg];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (line[0] != '\0')
		memcpy(redirect_bpf_msg, line, sizeof line);
	return 0;
}

/* The pin directory's parent must be a bpf file system; the usual one,
 * /sys/fs/bpf, is mounted when absent (as systemd does at boot). */
static int
redirect_bpf_fs(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	struct statfs sf;
	char *slash;

	snprintf(parent, sizeof parent, "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent)
		*slash = '\0';
	if (statfs(parent, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (strcmp(parent, "/sys/fs/bpf") == 0 &&
	    mount("bpf", parent, "bpf", 0, "mode=0700") == 0)
		return 0;
	snprintf(err, errlen, "%s: not a bpf file system (mount -t bpf bpf %s)",
	         parent, parent);
	return -1;
}

/* Root's own directory: the daemon's user cannot add or remove pins. */
static int
redirect_bpf_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (chown(dir, 0, 0) == -1 || chmod(dir, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Each map keeps its pin: libbpf reuses a compatible pinned map, and
 * pins the new one where there was none. An incompatible one (another
 * layout, from an older build) is replaced. */
static void
redirect_bpf_pin_maps(const struct redirect_conf *rc, struct bpf_object *obj)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int i;

	for (i = 0; i < REDIRECT_BPF_MAPS; i++) {
		m = bpf_object__find_map_by_name(obj, redirect_bpf_maps[i][1]);
		redirect_bpf_pin(rc, redirect_bpf_maps[i][0], path,
		                 sizeof path);
		if (m != NULL)
			bpf_map__set_pin_path(m, path);
	}
}

/* Maps of another layout (an older build) give way to this one's. */
static void
redirect_bpf_unpin_maps(const struct redirect_conf *rc)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < REDIRECT_BPF_MAPS; i++) {
		redirect_bpf_pin(rc, redirect_bpf_maps[i][0], path,
		                 sizeof path);
		unlink(path);
	}
}

/* Open and load the skeleton (rc: with its pinned maps; NULL: a trial
 * load); NULL with err (libbpf's reason). A pinned map of another layout
 * (an older build) is unpinned and the load tried once more. */
static struct imdsgate_bpf *
redirect_bpf_skel(const struct redirect_conf *rc, int retry, char *err,
                  size_t errlen)
{
	struct imdsgate_bpf *s;
	int e;

	libbpf_set_print(redirect_bpf_print);
	redirect_bpf_msg[0] = '\0';
	if ((s = imdsgate_bpf__open()) == NULL) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return NULL;
	}
	if (rc != NULL)
		redirect_bpf_pin_maps(rc, s->obj);
	if ((e = imdsgate_bpf__load(s)) == 0)
		return s;
	imdsgate_bpf__destroy(s);
	if (rc != NULL && retry && strstr(redirect_bpf_msg, "reuse") != NULL) {
		redirect_bpf_unpin_maps(rc);
		return redirect_bpf_skel(rc, 0, err, errlen);
	}
	snprintf(err, errlen, "load: %s%s%s", strerror(-e),
	         redirect_bpf_msg[0] ? ": " : "", redirect_bpf_msg);
	return NULL;
}

/* The tag (a hash of the instructions) of a program. */
static int
redirect_bpf_tag(int fd, unsigned char tag[8])
{
	struct bpf_prog_info info;
	__u32 len = sizeof info;

	memset(&info, 0, sizeof info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return -1;
	memcpy(tag, info.tag, 8);
	return 0;
}

/* Keep the pinned program when it is this build's; else attach the new
 * one before the old goes (never a moment without the hook), then pin it
 * in the old one's place. Returns the fd to use, or -1. */
static int
redirect_bpf_place(const struct redirect_conf *rc, int cg, int i, int fresh,
                   char *err, size_t errlen)
{
	const struct redirect_bpf_hook *k = &redirect_bpf_hooks[i];
	unsigned char t1[8], t2[8];
	char path[PATH_MAX];
	int old;

	redirect_bpf_pin(rc, k->pin, path, sizeof path);
	if ((old = bpf_obj_get(path)) >= 0) {
		if (redirect_bpf_tag(old, t1) == 0 &&
		    redirect_bpf_tag(fresh, t2) == 0 && memcmp(t1, t2, 8) == 0)
			return old;
		if (bpf_prog_attach(fresh, cg, k->type, BPF_F_ALLOW_MULTI) !=
		        0 &&
		    errno != EEXIST) {
			snprintf(err, errlen, "attach %s: %s", k->pin,
			         strerror(errno));
			close(old);
			return -1;
		}
		bpf_prog_detach2(old, cg, k->type);
		close(old);
		unlink(path);
	}
	if (bpf_obj_pin(fresh, path) != 0) {
		snprintf(err, errlen, "pin %s: %s", path, strerror(errno));
		return -1;
	}
	return dup(fresh);
}

/* The pins belong to the daemon's user, mode 0600. */
static void
redirect_bpf_own(const struct redirect_conf *rc)
{
	char path[PATH_MAX];
	int i;

	if (rc->pin_owner == (uid_t)-1)
		return;
	for (i = 0; i < REDIRECT_BPF_HOOKS + REDIRECT_BPF_MAPS; i++) {
		redirect_bpf_pin(
		    rc,
		    i < REDIRECT_BPF_HOOKS
		        ? redirect_bpf_hooks[i].pin
		        : redirect_bpf_maps[i - REDIRECT_BPF_HOOKS][0],
		    path, sizeof path);
		if (chown(path, rc->pin_owner, (gid_t)-1) == 0)
			chmod(path, 0600);
	}
}

/* Each program placed (pinned, or kept) under the pin directory. */
static int
redirect_bpf_place_all(const struct redirect_conf *rc, struct imdsgate_bpf *s,
                       int cg, char *err, size_t errlen)
{
	struct bpf_program *p;
	int i, fd;

	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		p = bpf_object__find_program_by_name(
		    s->obj, redirect_bpf_hooks[i].prog);
		if (p == NULL) {
			snprintf(err, errlen, "no program %s in the object",
			         redirect_bpf_hooks[i].prog);
			return -1;
		}
		fd = redirect_bpf_place(rc, cg, i, bpf_program__fd(p), err,
		                        errlen);
		if (fd == -1)
			return -1;
		close(fd);
	}
	return 0;
}

/* Programs placed, then attached through a handle like the monitor's. */
static int
redirect_bpf_setup(const struct redirect_conf *rc, struct imdsgate_bpf *s,
                   char *err, size_t errlen)
{
	struct redirect_bpf *h;
	char cgpath[PATH_MAX];
	int cg, rv;

	if (redirect_bpf_cgroup(rc, cgpath, sizeof cgpath, err, errlen) == -1)
		return -1;
	if ((cg = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", cgpath, strerror(errno));
		return -1;
	}
	rv = redirect_bpf_place_all(rc, s, cg, err, errlen);
	close(cg);
	redirect_bpf_own(rc);
	if (rv == 0 && (h = redirect_bpf_open(rc, err, errlen)) == NULL)
		rv = -1;
	if (rv == 0) {
		rv = redirect_bpf_attach(h, err, errlen);
		redirect_bpf_close(h);
	}
	return rv;
}

/* As root: bpffs, root's directory, the programs placed and attached. */
int
redirect_bpf_install(const struct redirect_conf *rc, char *err, size_t errlen)
{
	const char *dir = rc->pin_dir[0] ? rc->pin_dir : REDIRECT_PIN_DIR;
	struct imdsgate_bpf *s;
	char cg[PATH_MAX];
	int rv;

	if (redirect_bpf_cgroup(rc, cg, sizeof cg, err, errlen) == -1 ||
	    redirect_bpf_fs(dir, err, errlen) == -1 ||
	    redirect_bpf_dir(dir, err, errlen) == -1)
		return -1;
	if ((s = redirect_bpf_skel(rc, 1, err, errlen)) == NULL)
		return -1;
	rv = redirect_bpf_setup(rc, s, err, errlen);
	imdsgate_bpf__destroy(s);
	return rv;
}

/* Is any program pinned (so there may be attachments to undo)? */
static int
redirect_bpf_pinned(const struct redirect_conf *rc)
{
	char path[PATH_MAX];
	struct stat sb;
	int i;

	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		redirect_bpf_pin(rc, redirect_bpf_hooks[i].pin, path,
		                 sizeof path);
		if (stat(path, &sb) == 0)
			return 1;
	}
	return 0;
}

/* Detach our programs from the cgroup, then every pin and the directory.
 * Nothing pinned is success (idempotent); pins whose cgroup cannot be
 * found stay (unpinned, an attached program could no longer be named). */
int
redirect_bpf_remove(const struct redirect_conf *rc, char *err, size_t errlen)
{
	const char *dir = rc->pin_dir[0] ? rc->pin_dir : REDIRECT_PIN_DIR;
	char cgpath[PATH_MAX], path[PATH_MAX], e2[256] = "";
	int cg = -1, fd, i;

	if (!redirect_bpf_pinned(rc))
		goto unpin;
	if (redirect_bpf_cgroup(rc, cgpath, sizeof cgpath, e2, sizeof e2) ==
	        -1 ||
	    (cg = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eBPF layer kept: %s",
		         cg == -1 && e2[0] ? e2 : strerror(errno));
		return -1;
	}
	for (i = 0; i < REDIRECT_BPF_HOOKS; i++) {
		redirect_bpf_pin(rc, redirect_bpf_hooks[i].pin, path,
		                 sizeof path);
		if ((fd = bpf_obj_get(path)) < 0)
			continue;
		bpf_prog_detach2(fd, cg, redirect_bpf_hooks[i].type);
		close(fd);
		unlink(path);
	}
	close(cg);
unpin:
	redirect_bpf_unpin_maps(rc);
	if (rmdir(dir) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Installed already (someone with the rights pinned it), or loadable
 * here: BTF, the helpers and CAP_BPF/CAP_PERFMON are all checked by one
 * real load, discarded at once. */
int
redirect_bpf_usable(const struct redirect_conf *rc, char *why, size_t len)
{
	struct imdsgate_bpf *s;
	char cg[PATH_MAX], path[PATH_MAX];
	struct stat sb;

	if (redirect_bpf_cgroup(rc, cg, sizeof cg, why, len) == -1)
		return 0;
	redirect_bpf_pin(rc, redirect_bpf_hooks[0].pin, path, sizeof path);
	if (stat(path, &sb) == 0 || errno == EACCES)
		return 1;
	if (access("/sys/kernel/btf/vmlinux", R_OK) == -1) {
		snprintf(why, len,
		         "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return 0;
	}
	if ((s = redirect_bpf_skel(NULL, 0, why, len)) == NULL)
		return 0;
	imdsgate_bpf__destroy(s);
	return 1;
}
