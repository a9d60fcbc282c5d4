/* The layout shared by the eBPF interception programs (imdsgate.bpf.c,
 * compiled for the kernel) and the daemon that loads them and reads their
 * records (redirect_bpf.c, peer_bpf.c): fixed-width fields only, the same
 * bytes on both sides. */
#ifndef IMDSGATE_BPF_H
#define IMDSGATE_BPF_H

#include <linux/types.h>

#define IMDSGATE_BPF_MAGIC 0x696d6467U /* "imdg": cfg written */
#define IMDSGATE_BPF_GROUPS 32         /* supplementary groups kept */
#define IMDSGATE_BPF_IDENTS 16384      /* records (live client sockets) */
#define IMDSGATE_BPF_EXEMPT 16         /* daemon processes */

/* Where redirected connections go: the proxy's listeners. Addresses and
 * ports in network order, as the kernel hands them to the hooks. */
struct imdsgate_cfg {
	__u32 magic;
	__u32 ip4;    /* 127.0.0.1 */
	__u32 ip6[4]; /* ::1, or ::ffff:ip4 without an IPv6 listener */
	__u16 port4;
	__u16 port6;
};

/* Who connected, taken from the task at connect(): the record the proxy
 * decides on. uid and gid are the real ids; groups the supplementary
 * groups of the task's credentials (a setgid program's egid is not among
 * them); exe_dev/exe_ino identify the executable it ran then. */
struct imdsgate_ident {
	__u64 cgroup_id;
	__u64 exe_ino;
	__u64 ktime_ns; /* CLOCK_MONOTONIC at connect */
	__u32 exe_dev;  /* the kernel's dev_t: major << 20 | minor */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 ngroups; /* in groups; more were truncated */
	__u32 groups[IMDSGATE_BPF_GROUPS];
	__u32 daddr[4]; /* where it meant to go (v4: daddr[0]) */
	__u16 family;   /* AF_INET or AF_INET6 of that address */
	__u16 dport;
	char comm[16];
};

#endif
