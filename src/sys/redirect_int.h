/* Layers and backends of the interception (redirect.c picks them). */
#ifndef IMDSGATE_REDIRECT_INT_H
#define IMDSGATE_REDIRECT_INT_H

#include <stddef.h>

#include "common/buf.h"
#include "sys/redirect.h"

#define REDIRECT_IMDS4 "169.254.169.254"
#define REDIRECT_IMDS6 "fd00:ec2::254"
#define REDIRECT_TABLE "imdsgate"      /* nft: table inet imdsgate */
#define REDIRECT_CHAIN "IMDSGATE"      /* iptables: nat chain */
#define REDIRECT_FCHAIN "IMDSGATE-FWD" /* iptables: filter chain */

/* Is the nft backend usable here (netlink nf_tables answers)? */
int redirect_nft_usable(void);
int redirect_nft_install(const struct redirect_conf *, char *, size_t);
int redirect_nft_remove(const struct redirect_conf *, char *, size_t);
int redirect_nft_status(const struct redirect_conf *, char *, size_t);
/* The ruleset text install loads (also used by the unit test). */
void redirect_nft_ruleset(const struct redirect_conf *, struct buf *);

int redirect_ipt_install(const struct redirect_conf *, char *, size_t);
int redirect_ipt_remove(const struct redirect_conf *, char *, size_t);
int redirect_ipt_status(const struct redirect_conf *, char *, size_t);
/* The rule lines of our chains as iptables-save prints them. */
void redirect_ipt_rules(const struct redirect_conf *, int v6, int nat,
                        struct buf *);

/* The eBPF layer (redirect_bpf.c). usable: 1, or 0 with the reason. */
int redirect_bpf_usable(const struct redirect_conf *, char *why, size_t);
int redirect_bpf_install(const struct redirect_conf *, char *, size_t);
int redirect_bpf_remove(const struct redirect_conf *, char *, size_t);
int redirect_bpf_status(const struct redirect_conf *, char *, size_t);

/* Run argv with input on stdin, stdout into out (may be NULL), with
 * CAP_NET_ADMIN raised into the child's ambient set when we are not root.
 * Returns the exit status, or -1. */
int redirect_exec(char *const argv[], const char *input, struct buf *out);

#endif

/* The eBPF layer's parts (redirect_bpf.c, redirect_bpf_load.c): one
 * program per hook, pinned under the pin directory by these names, and
 * the three maps. */
#define REDIRECT_BPF_HOOKS 5
#define REDIRECT_BPF_MAPS 3
struct redirect_bpf_hook {
	const char *pin;  /* file name under the pin directory */
	const char *prog; /* program name in imdsgate.bpf.c */
	int type;         /* enum bpf_attach_type */
};
extern const struct redirect_bpf_hook redirect_bpf_hooks[REDIRECT_BPF_HOOKS];
extern const char *const redirect_bpf_maps[REDIRECT_BPF_MAPS][2]; /* pin, map */
enum { REDIRECT_BPF_CFG, REDIRECT_BPF_EXEMPT, REDIRECT_BPF_IDENT };

struct redirect_bpf {
	struct redirect_conf rc;
	char cgroup[PATH_MAX]; /* resolved */
	int cg;                /* its directory */
	int prog[REDIRECT_BPF_HOOKS];
	unsigned prog_id[REDIRECT_BPF_HOOKS];
	int map[REDIRECT_BPF_MAPS];
};

/* The cgroup to attach to (rc->cgroup, or the cgroup2 root when this is
 * the host's network namespace); 0, or -1 with err. */
int redirect_bpf_cgroup(const struct redirect_conf *, char *out, size_t len,
                        char *err, size_t errlen);
/* PIN_DIR/name into out. */
void redirect_bpf_pin(const struct redirect_conf *, const char *name, char *out,
                      size_t len);
/* The configuration map's value for rc (imdsgate_bpf.h); -1 when rc has
 * no target. */
int redirect_bpf_cfg(const struct redirect_conf *, void *cfg);
/* Attach what is missing and write the configuration map. */
int redirect_bpf_attach(struct redirect_bpf *, char *err, size_t errlen);
