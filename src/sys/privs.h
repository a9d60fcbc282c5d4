/* Privilege drop with libcap, in a fixed order (docs/style.md): resolve the
 * user, setgroups, setresgid, setresuid, then keep exactly the listed
 * capabilities (permitted and effective), empty the inheritable and
 * ambient sets and the bounding set of everything else. */
#ifndef IMDSGATE_PRIVS_H
#define IMDSGATE_PRIVS_H

#include <stddef.h>
#include <sys/capability.h>
#include <sys/types.h>

struct privs_user {
	uid_t uid;
	gid_t gid;
};

/* Look the user up; refuse uid 0 (the daemon never runs as root by
 * accident). Returns 0 or -1 with err. */
int privs_resolve(const char *user, struct privs_user *, char *err,
                  size_t errlen);
/* Root, or holding any capability: a process that can do harm if its
 * configuration is careless (and can drop to another user). */
int privs_privileged(void);
/* Drop to that user keeping only keep[0..nkeep). Returns 0 or -1. */
int privs_drop(const struct privs_user *, const cap_value_t *keep, int nkeep,
               char *err, size_t errlen);

/* What the privileged side of the daemon (its monitor) must be able to
 * do; the side that parses requests keeps nothing. */
struct privs_needs {
	int proc;      /* name other users' processes: /proc/PID/fd, exe */
	int net_admin; /* restore nft/iptables rules, attach eBPF programs */
	int net_raw;   /* iptables-legacy's raw socket */
	int bpf;       /* the eBPF layer's maps, programs and cgroups */
};

/* The capabilities for those needs (each named with its reason in
 * docs/interception.md); returns how many were written. */
int privs_caps_needed(const struct privs_needs *, cap_value_t *caps, int max);

#endif
