/* Privilege separation (OpenBSD relayd's): imdsgated runs as two
 * processes. The worker accepts connections, parses HTTP and decides; it
 * holds no capability at all. The monitor keeps only what the layers and
 * the caller lookup need (CAP_NET_ADMIN, CAP_BPF, CAP_SYS_PTRACE,
 * CAP_DAC_READ_SEARCH; docs/interception.md) and answers the worker's
 * fixed-size requests (monitor_proto.h) over a socketpair. Either one
 * ending ends the other: systemd restarts the pair, and meanwhile the
 * layers, which outlive both, keep IMDS closed. */
#ifndef IMDSGATE_MONITOR_H
#define IMDSGATE_MONITOR_H

#include <sys/types.h>

struct event_base;
struct redirect_conf;
struct redirect_bpf;

struct monitor_conf {
	const struct redirect_conf *rc; /* the layers the watch keeps */
	struct redirect_bpf *bpf;       /* the open eBPF layer, or NULL */
	int manage;                     /* restore the layers */
	int check_ms;                   /* how often (the watch's interval) */
	int proc;                       /* /proc: exe, the fallback search */
	uid_t uid;                      /* the worker's user (exempted) */
	void (*ready)(void);            /* the worker accepts connections */
};

/* Fork the worker. Returns 0 in the worker, the worker's pid in the
 * monitor, -1 on failure; *fd is this side's end of the socketpair. */
pid_t monitor_fork(int *fd);
/* The monitor's life (after its privilege drop): answer the worker, keep
 * the layers, pass SIGHUP and SIGTERM on, until the worker is gone.
 * Returns the exit status for main. */
int monitor_run(const struct monitor_conf *, pid_t worker, int fd);

/* The worker's side (monitor_client.c). Wait for the monitor's go (the
 * worker's exemption is in place): 0, or -1 when the monitor is gone. */
int monitor_client_wait(int fd);
/* Serve step two of the caller lookup through the monitor and report
 * gaps of the layers to gap (the audit record); the worker exits when the
 * monitor does. */
typedef void (*monitor_gap_fn)(const char *layer, const char *what,
                               int restored);
struct monitor_client;
struct monitor_client *monitor_client_start(struct event_base *, int fd,
                                            monitor_gap_fn);
/* Tell the monitor the worker accepts connections (readiness). */
void monitor_client_ready(struct monitor_client *);
void monitor_client_free(struct monitor_client *);

#endif
