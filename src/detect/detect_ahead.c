/* Reading the next input on a second thread (see detect_ahead.h). */
#include "config.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "detect/ct_input.h"
#include "detect/detect_ahead.h"

/* The thread: only ct_input_read, which touches nothing the parse uses. */
static void *
ahead_main(void *arg)
{
	struct ahead *a = arg;

	a->rc =
	    ct_input_load(a->path, &a->blob, &a->raw, a->err, sizeof a->err);
	return NULL;
}

/* Signals stay with the main thread: the thread starts with all blocked. */
int
ahead_start(struct ahead *a, const char *path)
{
	sigset_t all, old;
	int r;

	a->path = path;
	a->blob = a->give;
	memset(&a->give, 0, sizeof a->give);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&a->th, NULL, ahead_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		a->give = a->blob;
		return -1;
	}
	a->running = 1;
	return 0;
}

int
ahead_has(const struct ahead *a, const char *path)
{
	return a->running && a->path == path;
}

int
ahead_take(struct ahead *a, struct ct_blob *b, char *err, size_t errlen)
{
	pthread_join(a->th, NULL);
	a->running = 0;
	*b = a->blob;
	memset(&a->blob, 0, sizeof a->blob);
	if (a->rc != 0)
		snprintf(err, errlen, "%s", a->err);
	return a->rc;
}

/* Only a buffer of a usual size is kept: one that held a huge input
 * would stay allocated for the rest of the run. */
void
ahead_give(struct ahead *a, struct ct_blob *b)
{
	if (b->cap <= AHEAD_KEEP && a->give.data == NULL) {
		a->give = *b;
		memset(b, 0, sizeof *b);
	} else
		ct_input_free(b);
}

void
ahead_end(struct ahead *a)
{
	char err[256];
	struct ct_blob b;

	if (a->running && ahead_take(a, &b, err, sizeof err) == 0)
		ct_input_free(&b);
	ct_input_free(&a->blob);
	ct_input_free(&a->raw);
	ct_input_free(&a->give);
}
