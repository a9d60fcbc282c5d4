/* Cost of one caller lookup: sock_diag alone, and with the /proc scan
 * when N other processes of the same uid exist: cold for a client
 * started after them (newest, searched first) and before them (oldest,
 * searched last: the worst case), and warm (recent-pid cache).
 *   bench/peer_bench [-n NPROC] [-i ITERATIONS]   (as root: the
 *   processes run as nobody, so root's own processes are not scanned) */
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

#define BENCH_UID 65534

static pid_t *kids;
static int nkids;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
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
	if (getuid() == 0 && (setgid(BENCH_UID) == -1 || setuid(BENCH_UID) == -1))
		_exit(1);
	for (fd = 0; fd < 4; fd++)
		if (dup(2) == -1)
			_exit(1);
	if (connect_to > 0) {
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(connect_to);
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
	printf("%-34s %9.1f us/lookup (%d iterations, %d failed)%s%s\n", what,
	    (now_us() - t0) / iters, iters, fails, diag_only ? "" : "  pid ",
	    diag_only ? "" : (pi.pid ? "found" : "not found"));
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

	while ((c = getopt(argc, argv, "n:i:")) != -1) {
		if (c == 'n')
			nproc = atoi(optarg);
		else if (c == 'i')
			iters = atoi(optarg);
		else {
			fprintf(stderr, "usage: peer_bench [-n NPROC] [-i ITER]\n");
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
	peer_set_process(0);
	bench("process_info = no", iters * 10, &cl[0], &dst[0], 0, 0);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
