/* Privilege drop in the fixed order of privs.h, each step checked: a
 * daemon that half-dropped is worse than one that refused to start. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>

#include "sys/privs.h"

#define PRIVS_ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* Name or number; never uid 0: running the proxy as root by accident
 * would hand every caller a root-privileged parser. */
int
privs_resolve(const char *user, struct privs_user *pu, char *err, size_t errlen)
{
	struct passwd *pw;
	char *end;
	unsigned long n;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		n = strtoul(user, &end, 10);
		if (*user == '\0' || *end != '\0' ||
		    (pw = getpwuid((uid_t)n)) == NULL)
			return PRIVS_ERR("user %s: no such user", user);
	}
	if (pw->pw_uid == 0)
		return PRIVS_ERR("user %s: refusing to run as uid 0", user);
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return 0;
}

/* Set P and E to exactly caps[0..n), I empty. */
static int
privs_setcaps(const cap_value_t *caps, int n)
{
	cap_t c;
	int rv = 0;

	if ((c = cap_init()) == NULL)
		return -1;
	if (n > 0 && (cap_set_flag(c, CAP_PERMITTED, n, caps, CAP_SET) == -1 ||
	              cap_set_flag(c, CAP_EFFECTIVE, n, caps, CAP_SET) == -1))
		rv = -1;
	if (rv == 0)
		rv = cap_set_proc(c);
	cap_free(c);
	return rv;
}

/* Is cap among keep[0..n)? */
static int
privs_kept(cap_value_t cap, const cap_value_t *keep, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (keep[i] == cap)
			return 1;
	return 0;
}

/* Empty the bounding set of all but keep (needs CAP_SETPCAP in E), so
 * no later exec can regain what was dropped. */
static int
privs_bound(const cap_value_t *keep, int n)
{
	cap_value_t c;

	for (c = 0; c <= CAP_LAST_CAP; c++) {
		if (privs_kept(c, keep, n) || !CAP_IS_SUPPORTED(c))
			continue;
		if (cap_drop_bound(c) == -1)
			return -1;
	}
	return 0;
}

/* Is cap in our permitted set (so we may make it effective)? */
static int
privs_have(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t c;

	if ((c = cap_get_proc()) == NULL)
		return 0;
	cap_get_flag(c, cap, CAP_PERMITTED, &v);
	cap_free(c);
	return v == CAP_SET;
}

int
privs_privileged(void)
{
	cap_t have, none;
	int r;

	if (geteuid() == 0)
		return 1;
	if ((have = cap_get_proc()) == NULL)
		return 1;
	none = cap_init();
	r = none == NULL || cap_compare(have, none) != 0;
	cap_free(have);
	if (none != NULL)
		cap_free(none);
	return r;
}

/* The last step for both paths: bounding set, P=E=keep, no ambient, no
 * new privileges across exec. */
static int
privs_trim(const cap_value_t *keep, int n, char *err, size_t errlen)
{
	cap_value_t tmp[CAP_LAST_CAP + 2];
	int i;

	for (i = 0; i < n && i <= CAP_LAST_CAP; i++)
		tmp[i] = keep[i];
	if (privs_have(CAP_SETPCAP) || privs_kept(CAP_SETPCAP, keep, n)) {
		tmp[i] = CAP_SETPCAP;
		if (privs_setcaps(tmp, i + 1) == -1)
			return PRIVS_ERR("cap_set_proc: %s", strerror(errno));
		if (privs_bound(keep, n) == -1)
			return PRIVS_ERR("cap_drop_bound: %s", strerror(errno));
	}
	if (privs_setcaps(keep, n) == -1)
		return PRIVS_ERR("keeping %d capabilities: %s", n,
		                 strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		return PRIVS_ERR("clearing ambient capabilities: %s",
		                 strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return PRIVS_ERR("no_new_privs: %s", strerror(errno));
	return 0;
}

/* Switch ids keeping the permitted set across setresuid; the effective
 * set is cleared by the kernel and rebuilt by privs_trim. */
static int
privs_switch(const struct privs_user *pu, char *err, size_t errlen)
{
	uid_t r, e, s;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		return PRIVS_ERR("keepcaps: %s", strerror(errno));
	if (setgroups(1, &pu->gid) == -1)
		return PRIVS_ERR("setgroups: %s", strerror(errno));
	if (setresgid(pu->gid, pu->gid, pu->gid) == -1)
		return PRIVS_ERR("setresgid: %s", strerror(errno));
	if (setresuid(pu->uid, pu->uid, pu->uid) == -1)
		return PRIVS_ERR("setresuid: %s", strerror(errno));
	if (getresuid(&r, &e, &s) == -1 || r != pu->uid || e != pu->uid ||
	    s != pu->uid)
		return PRIVS_ERR("uid did not change");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

/* Drop to pu keeping only keep; already that user (systemd User= with
 * AmbientCapabilities=): only trim the capabilities. */
int
privs_drop(const struct privs_user *pu, const cap_value_t *keep, int nkeep,
           char *err, size_t errlen)
{
	uid_t r, e, s;

	if (pu->uid == 0)
		return PRIVS_ERR("refusing to run as uid 0");
	if (getresuid(&r, &e, &s) == -1)
		return PRIVS_ERR("getresuid: %s", strerror(errno));
	if (r != pu->uid || e != pu->uid || s != pu->uid) {
		if (privs_switch(pu, err, errlen) == -1)
			return -1;
	}
	if (privs_trim(keep, nkeep, err, errlen) == -1)
		return -1;
	if (setuid(0) != -1)
		return PRIVS_ERR("could regain uid 0 after the drop");
	return 0;
}

/* Add cap to caps[0..*n) unless there or full. */
static void
privs_add(cap_value_t cap, cap_value_t *caps, int *n, int max)
{
	if (*n < max && !privs_kept(cap, caps, *n))
		caps[(*n)++] = cap;
}

/* Each capability for one reason (docs/interception.md): reading other
 * users' /proc/PID/fd (search the directory, readlink the entries) and
 * exe; restoring the interception (plus a raw socket for
 * iptables-legacy); the eBPF layer's maps (CAP_BPF), and finding its
 * pins in root's directory and cgroups by id (CAP_DAC_READ_SEARCH).
 * Listening sockets are bound before the drop. */
int
privs_caps_needed(const struct privs_needs *need, cap_value_t *caps, int max)
{
	int n = 0;

	if (need->proc) {
		privs_add(CAP_DAC_READ_SEARCH, caps, &n, max);
		privs_add(CAP_SYS_PTRACE, caps, &n, max);
	}
	if (need->net_admin)
		privs_add(CAP_NET_ADMIN, caps, &n, max);
	if (need->net_raw)
		privs_add(CAP_NET_RAW, caps, &n, max);
	if (need->bpf) {
		privs_add(CAP_BPF, caps, &n, max);
		privs_add(CAP_DAC_READ_SEARCH, caps, &n, max);
	}
	return n;
}
