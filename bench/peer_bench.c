/* Cost of one caller lookup: sock_diag alone, and with the /proc scan
 * when N other processes of the same uid exist: cold for a client
 * started after them (newest, searched first) and before them (oldest,
 * searched last: the worst case), and warm (recent-pid cache); with -B,
 * the same clients connect to 169.254.169.254:80 from inside CGROUP,
 * where the eBPF layer (installed there for the run, removed after)
 * sends them here and records them: the lookup reads that record.
 *   bench/peer_bench [-n NPROC] [-i ITERATIONS] [-B CGROUP]   (as root:
 *   the processes run as nobody, so root's own processes are not scanned;
 *   CGROUP: a cgroup v2 directory made for the run) */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "sys/peer.h"
#include "sys/peer_int.h"
#include "sys/redirect.h"

#define BENCH_UID 65534

static pid_t *kids;
static int nkids;
static const char *cgroup; /* -B: clients go through the eBPF layer */
static struct redirect_conf rc;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Move pid into the -B cgroup. */
static int
join(pid_t pid)
{
	char path[4096];
	FILE *f;
	int rv;

	snprintf(path, sizeof path, "%s/cgroup.procs", cgroup);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rv = fprintf(f, "%d\n", (int)pid) > 0 ? 0 : -1;
	return fclose(f) == 0 ? rv : -1;
}

/* -B: the eBPF layer on the cgroup, sending IMDS to lport here. */
static void
layer(int lport)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&rc.to4;
	char err[512];

	redirect_conf_init(&rc);
	rc.backend = REDIRECT_BPF;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4->sin_port = htons(lport);
	snprintf(rc.cgroup, sizeof rc.cgroup, "%s", cgroup);
	snprintf(rc.pin_dir, sizeof rc.pin_dir, "/sys/fs/bpf/igbench-%d",
	    (int)getpid());
	if (redirect_install(&rc, err, sizeof err) == -1) {
		fprintf(stderr, "peer_bench: eBPF layer: %s\n", err);
		exit(1);
	}
}

/* A child as nobody, holding a few fds like a real process, waiting. */
static pid_t
spawn(int connect_to)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	pid_t pid;
	int fd;

	if ((pid = fork()) != 0)
		return pid;
	if (cgroup != NULL && join(getpid()) == -1)
		_exit(1);
	if (getuid() == 0 && (setgid(BENCH_UID) == -1 || setuid(BENCH_UID) == -1))
		_exit(1);
	for (fd = 0; fd < 4; fd++)
		if (dup(2) == -1)
			_exit(1);
	if (connect_to > 0) {
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(connect_to);
		if (cgroup != NULL) /* to IMDS: the eBPF layer sends it here */
			sin.sin_addr.s_addr = htonl(0xa9fea9fe), sin.sin_port = htons(80);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
			_exit(1);
	}
	pause();
	_exit(0);
}

/* Time iters calls of one step; print the average in microseconds. */
static void
bench(const char *what, int iters, const struct sockaddr_storage *cl,
    const struct sockaddr_storage *dst, int diag_only, int cold)
{
	struct peer_info pi;
	struct peer_sock ps;
	double t0 = now_us();
	int i, fails = 0;

	for (i = 0; i < iters; i++) {
		if (cold)
			peer_proc_forget();
		if (diag_only ? peer_diag(cl, dst, &ps) :
		    peer_lookup(cl, dst, &pi))
			fails++;
	}
	printf("%-34s %9.1f us/lookup (%d iterations, %d failed)%s%s%s\n",
	    what, (now_us() - t0) / iters, iters, fails,
	    diag_only ? "" : "  pid ",
	    diag_only ? "" : (pi.pid ? "found" : "not found"),
	    pi.source == PEER_SRC_BPF ? " (eBPF record)" : "");
}

/* The eBPF layer's record read for each lookup, cold (no recent pid:
 * none is used on this path) and with the exe check and cgroup. */
static void
bench_bpf(int iters, struct sockaddr_storage cl[2],
    struct sockaddr_storage dst[2])
{
	struct redirect_bpf *h;
	char err[512];

	if ((h = redirect_bpf_open(&rc, err, sizeof err)) == NULL) {
		fprintf(stderr, "peer_bench: %s\n", err);
		return;
	}
	peer_set_bpf(redirect_bpf_ident_fd(h));
	bench("eBPF record, client newest", iters * 10, &cl[1], &dst[1], 0, 1);
	bench("eBPF record, client oldest", iters * 10, &cl[0], &dst[0], 0, 1);
	peer_set_process(0);
	bench("eBPF record, process_info = no", iters * 10, &cl[0], &dst[0], 0,
	    1);
	peer_set_process(1);
	peer_set_bpf(-1);
	redirect_bpf_close(h);
}

/* Accept one client; its address and the address it connected to. */
static void
take(int lfd, struct sockaddr_storage *cl, struct sockaddr_storage *dst)
{
	socklen_t len = sizeof *cl;
	int afd = accept(lfd, NULL, NULL);

	getpeername(afd, (struct sockaddr *)cl, &len);
	len = sizeof *dst;
	getsockname(afd, (struct sockaddr *)dst, &len);
}

/* A client, then nproc idle processes, then another client. */
static void
setup(int nproc, struct sockaddr_storage cl[2], struct sockaddr_storage dst[2])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int lfd, i;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 4) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("listen");
		exit(1);
	}
	if (cgroup != NULL)
		layer(ntohs(sin.sin_port));
	kids = calloc((size_t)nproc + 2, sizeof *kids);
	kids[nkids++] = spawn(ntohs(sin.sin_port));
	take(lfd, &cl[0], &dst[0]);
	for (i = 0; i < nproc; i++)
		kids[nkids++] = spawn(0);
	kids[nkids++] = spawn(ntohs(sin.sin_port));
	take(lfd, &cl[1], &dst[1]);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage cl[2], dst[2];
	int c, nproc = 1000, iters = 200, i;
	char err[512];

	while ((c = getopt(argc, argv, "n:i:B:")) != -1) {
		if (c == 'n')
			nproc = atoi(optarg);
		else if (c == 'i')
			iters = atoi(optarg);
		else if (c == 'B')
			cgroup = optarg;
		else {
			fprintf(stderr, "usage: peer_bench [-n NPROC] [-i ITER] "
			    "[-B CGROUP]\n");
			return 2;
		}
	}
	setup(nproc, cl, dst);
	printf("%d processes of uid %d besides the clients\n", nproc,
	    getuid() == 0 ? BENCH_UID : (int)getuid());
	bench("sock_diag only", iters * 10, &cl[1], &dst[1], 1, 0);
	bench("cold, client newest", iters, &cl[1], &dst[1], 0, 1);
	bench("cold, client oldest (worst)", iters, &cl[0], &dst[0], 0, 1);
	bench("warm (recent-pid cache)", iters * 10, &cl[0], &dst[0], 0, 0);
	if (cgroup != NULL)
		bench_bpf(iters, cl, dst);
	peer_set_process(0);
	bench("process_info = no", iters * 10, &cl[0], &dst[0], 0, 0);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	if (cgroup != NULL)
		redirect_remove(&rc, err, sizeof err);
	return 0;
}
