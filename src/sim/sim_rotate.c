/* Credential rotation on a timer, so the secrets file always holds what
 * the next request would get, even when nobody asks. */
#include "config.h"

#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "sim/sim.h"

static void
sim_rotate_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	sim_rotate_check(arg);
}

/* Rotate what is due, rewrite the secrets file, re-arm the timer. */
void
sim_rotate_check(struct sim *sim)
{
	struct timeval tv = {0, 0};
	struct timespec ts;
	time_t now, next;
	int64_t ms;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;

	r = sim_creds_tick(&sim->role, now);
	r |= sim_creds_tick(&sim->ec2, now);
	if (r) {
		/* The key id is not a secret; the secret and token are. */
		if (!sim->conf->quiet)
			log_info(
			    "new credentials %s (role) and %s (ec2-instance)",
			    sim->role.cur.akid, sim->ec2.cur.akid);
		if (sim->conf->secrets_file != NULL)
			sim_secrets_write(sim->conf->secrets_file, &sim->role,
			                  &sim->ec2);
	}
	if (sim->rotate_ev == NULL) {
		sim->rotate_ev = evtimer_new(sim->base, sim_rotate_cb, sim);
		if (sim->rotate_ev == NULL)
			fatalx("evtimer_new");
	}
	next = sim->role.next < sim->ec2.next ? sim->role.next : sim->ec2.next;
	/* Wake just after the second turns, never in a tight loop. */
	ms = (int64_t)(next - now) * 1000 - ts.tv_nsec / 1000000 + 5;
	if (ms < 5)
		ms = 5;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(sim->rotate_ev, &tv);
}
