/* The interception that sends every TCP connection to the IMDS addresses
 * into imdsgated, in two independent layers (docs/interception.md):
 *   - the eBPF layer: cgroup connect hooks rewrite the destination before
 *     the connection exists and record who made it (redirect_bpf.c);
 *   - the netfilter layer: a NAT redirect in a table of our own ("imdsgate",
 *     nft family inet; or chain IMDSGATE in the iptables nat table), so a
 *     firewalld reload or Docker restart cannot silently take it with theirs.
 * Either one alone keeps IMDS closed to everyone but the daemon. */
#ifndef IMDSGATE_REDIRECT_H
#define IMDSGATE_REDIRECT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct event_base;

enum redirect_backend {
	REDIRECT_AUTO,    /* eBPF where it works, plus nft, else iptables */
	REDIRECT_BPF,     /* the eBPF layer alone */
	REDIRECT_NFT,     /* nft alone */
	REDIRECT_IPTABLES /* iptables alone */
};

/* The layers, as bits of redirect_layers(). */
#define REDIRECT_LAYER_BPF 1
#define REDIRECT_LAYER_NET 2 /* nft or iptables */

#define REDIRECT_PIN_DIR "/sys/fs/bpf/imdsgate"

/* What the interception needs to know, and nothing of the daemon's
 * configuration file (the proxy maps its configuration onto this). */
struct redirect_conf {
	enum redirect_backend backend;
	int port;                    /* nft/iptables: loopback port */
	struct sockaddr_storage to4; /* eBPF: IPv4 target (family 0: none) */
	struct sockaddr_storage to6; /* eBPF: IPv6 target (family 0: none) */
	uid_t exempt_uid;            /* the daemon's own traffic */
	uint32_t mark;               /* nft/iptables: and its mark, 0 none */
	int ipv6;                    /* also fd00:ec2::254 */
	const char *iptables;        /* REDIRECT_IPTABLES: the command
	                              * ("iptables-legacy", "iptables-nft"),
	                              * NULL: the one `iptables` runs */
	char cgroup[PATH_MAX];       /* eBPF: cgroup v2 directory attached
	                              * to; "": the root of the cgroup2 mount */
	char pin_dir[PATH_MAX];      /* eBPF: where the programs and maps
	                              * are pinned; "": REDIRECT_PIN_DIR */
	uid_t pin_owner;             /* who may open the pins besides root
	                              * (the daemon's user); -1 none */
};

/* Defaults: nothing set but the backend (AUTO) and no exemption. */
void redirect_conf_init(struct redirect_conf *);

/* The layers this configuration runs on this host: AUTO drops the eBPF
 * layer where it cannot work, saying why in why (once per process). */
int redirect_layers(const struct redirect_conf *, char *why, size_t whylen);
/* The name of a layer for messages: "bpf", "nft" or "iptables". */
const char *redirect_layer_name(const struct redirect_conf *, int layer);

/* Idempotent: install leaves exactly one copy of each layer; remove
 * deletes only ours (every layer, whatever the backend). status returns
 * 0 when complete, 1 when missing or partial (with what in err), -1 on
 * error. The _layer forms act on one layer. */
int redirect_install(const struct redirect_conf *, char *err, size_t errlen);
int redirect_remove(const struct redirect_conf *, char *err, size_t errlen);
int redirect_status(const struct redirect_conf *, char *err, size_t errlen);
int redirect_layer_install(const struct redirect_conf *, int layer, char *err,
                           size_t errlen);
int redirect_layer_status(const struct redirect_conf *, int layer, char *err,
                          size_t errlen);

/* The eBPF layer at run time (redirect_bpf.c): the daemon's monitor opens
 * the pinned programs and maps once, while it may, and keeps them. */
struct redirect_bpf;

/* Self-check: every interval_ms (the eBPF layer more often: it sends no
 * notification), and at once on a netlink netfilter event, verify each
 * layer; on a gap restore it and call on_gap (which writes the audit
 * `error` record), once per layer and event. bpf: the open eBPF layer
 * (NULL: the configuration runs without it). */
typedef void (*redirect_gap_cb)(void *arg, const char *layer, const char *what,
                                int restored);
struct redirect_watch;
struct redirect_watch *redirect_watch_start(struct event_base *,
                                            const struct redirect_conf *,
                                            struct redirect_bpf *bpf,
                                            int interval_ms, redirect_gap_cb,
                                            void *);
void redirect_watch_stop(struct redirect_watch *);

struct redirect_bpf *redirect_bpf_open(const struct redirect_conf *, char *err,
                                       size_t errlen);
void redirect_bpf_close(struct redirect_bpf *);
/* Let one process of the daemon (pid, running as uid) reach IMDS itself;
 * forget it again. 0 or -1. */
int redirect_bpf_exempt(struct redirect_bpf *, pid_t, uid_t);
int redirect_bpf_unexempt(struct redirect_bpf *, pid_t);
/* Forget every exemption (a new daemon starts). */
void redirect_bpf_exempt_clear(struct redirect_bpf *);
/* The map of connect() records (imdsgate_bpf.h), -1 when not open. */
int redirect_bpf_ident_fd(const struct redirect_bpf *);
/* A new read-only descriptor of it (the worker's), or -1 with err. */
int redirect_bpf_ident_reader(const struct redirect_bpf *, char *err,
                              size_t errlen);
/* Verify / restore with the handle's programs (0, 1 or -1 as status). */
int redirect_bpf_check(struct redirect_bpf *, char *err, size_t errlen);
int redirect_bpf_restore(struct redirect_bpf *, char *err, size_t errlen);

#endif
