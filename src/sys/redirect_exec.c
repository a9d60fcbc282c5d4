/* Running iptables-restore / -save for the iptables backend. There is no
 * library API for xtables, so we exec; an unprivileged daemon passes its
 * CAP_NET_ADMIN to the child only, through the ambient set. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "sys/redirect_int.h"

/* In the child: make CAP_NET_ADMIN (and CAP_NET_RAW, which
 * iptables-legacy needs for its raw socket) survive the exec through the
 * inheritable and ambient sets; only what we hold is raised, and nothing
 * at all when we are root. */
static void
redirect_exec_caps(void)
{
	cap_value_t want[] = {CAP_NET_ADMIN, CAP_NET_RAW};
	cap_flag_value_t have;
	cap_t c;
	size_t i;

	if (geteuid() == 0 || (c = cap_get_proc()) == NULL)
		return;
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (cap_get_flag(c, want[i], CAP_PERMITTED, &have) == 0 &&
		    have == CAP_SET)
			cap_set_flag(c, CAP_INHERITABLE, 1, &want[i], CAP_SET);
	}
	if (cap_set_proc(c) == 0)
		for (i = 0; i < sizeof want / sizeof want[0]; i++)
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, want[i], 0,
			      0);
	cap_free(c);
}

/* The child's side: pipes onto 0, 1 and 2, a fixed PATH, then exec. */
static void
redirect_exec_child(char *const argv[], int in, int out)
{
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(127);
	redirect_exec_caps();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	execvp(argv[0], argv);
	dprintf(2, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Write all of input; a child that died early must not kill the daemon
 * with SIGPIPE: block it meanwhile and discard one raised here. */
static void
redirect_exec_feed(int in, const char *input)
{
	size_t len = input ? strlen(input) : 0, off = 0;
	struct timespec zero = {0, 0};
	sigset_t pipe, old;
	ssize_t n;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	while (off < len && (n = write(in, input + off, len - off)) > 0)
		off += (size_t)n;
	close(in);
	if (!sigismember(&old, SIGPIPE)) {
		while (sigtimedwait(&pipe, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
}

/* Feed input, collect output until EOF. */
static void
redirect_exec_io(int in, int out, const char *input, struct buf *ob)
{
	char tmp[4096];
	ssize_t n;

	redirect_exec_feed(in, input);
	while ((n = read(out, tmp, sizeof tmp)) > 0 ||
	       (n == -1 && errno == EINTR))
		if (n > 0 && ob != NULL)
			buf_add(ob, tmp, (size_t)n);
	close(out);
}

/* Returns the child's exit status, or -1 when it could not run. */
int
redirect_exec(char *const argv[], const char *input, struct buf *out)
{
	int pin[2], pout[2], st;
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(pout, O_CLOEXEC) == -1) {
		close(pin[0]);
		close(pin[1]);
		return -1;
	}
	if ((pid = fork()) == -1)
		st = -1;
	else if (pid == 0)
		redirect_exec_child(argv, pin[0], pout[1]);
	close(pin[0]);
	close(pout[1]);
	if (pid == -1) {
		close(pin[1]);
		close(pout[0]);
		return -1;
	}
	redirect_exec_io(pin[1], pout[0], input, out);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
