/* Reading a run's inputs ahead of their parse (see detect_ahead.h). */
#include "config.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "detect/ct_input.h"
#include "detect/detect_ahead.h"

/* A buffer given back earlier, or an empty one (under the lock). */
static struct ct_blob
ahead_spare(struct ahead *a)
{
	struct ct_blob b = {NULL, 0, 0};

	if (a->nspare > 0)
		b = a->spare[--a->nspare];
	return b;
}

/* Read one input into its item: only what ct_input_load and the lines
 * test touch, nothing the parse uses. */
static void
ahead_fill(struct ahead *a, struct ahead_item *it, struct ct_blob b)
{
	it->blob = b;
	if (it->path == NULL || a->lines(it->path, &it->fd))
		return;
	it->rc = ct_input_load(it->path, &it->blob, &a->raw, it->err,
	                       sizeof it->err);
	if (a->raw.cap > AHEAD_KEEP) /* not kept for the rest of the run */
		ct_input_free(&a->raw);
}

/* Whether the thread must wait: enough read ahead, in count or bytes.
 * Never when nothing is: the parse may be waiting for that input. */
static int
ahead_full(const struct ahead *a)
{
	return a->next > a->done &&
	       (a->next - a->done >= AHEAD_MAX || a->held > AHEAD_BYTES);
}

/* The thread: each input in order, as far ahead as ahead_full allows. */
static void *
ahead_main(void *arg)
{
	struct ahead *a = arg;
	struct ct_blob b;
	size_t i;

	pthread_mutex_lock(&a->mu);
	while (!a->stop && a->next < a->n) {
		if (ahead_full(a)) {
			pthread_cond_wait(&a->cv, &a->mu);
			continue;
		}
		i = a->next;
		b = ahead_spare(a);
		pthread_mutex_unlock(&a->mu);
		ahead_fill(a, &a->v[i], b);
		pthread_mutex_lock(&a->mu);
		a->v[i].ready = 1;
		a->held += a->v[i].blob.len;
		a->next++;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Signals stay with the main thread: the thread starts with all blocked. */
void
ahead_start(struct ahead *a, char *const *paths, size_t n,
            ahead_lines_fn *lines)
{
	sigset_t all, old;
	size_t i;

	memset(a, 0, sizeof *a);
	a->lines = lines;
	a->n = n;
	a->v = xcalloc(n > 0 ? n : 1, sizeof *a->v);
	for (i = 0; i < n; i++) {
		a->v[i].path = paths[i];
		a->v[i].fd = -1;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (n < 2)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a->running = pthread_create(&a->th, NULL, ahead_main, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

struct ahead_item *
ahead_take(struct ahead *a, size_t i)
{
	struct ahead_item *it = &a->v[i];

	pthread_mutex_lock(&a->mu);
	if (a->running) {
		while (!it->ready)
			pthread_cond_wait(&a->cv, &a->mu);
	} else {
		ahead_fill(a, it, ahead_spare(a));
		it->ready = 1;
		a->held += it->blob.len;
	}
	pthread_mutex_unlock(&a->mu);
	return it;
}

void
ahead_done(struct ahead *a, size_t i)
{
	struct ahead_item *it = &a->v[i];

	pthread_mutex_lock(&a->mu);
	a->held -= it->blob.len;
	if (it->blob.cap <= AHEAD_KEEP && a->nspare <= AHEAD_MAX) {
		it->blob.len = 0;
		a->spare[a->nspare++] = it->blob;
	} else
		ct_input_free(&it->blob);
	memset(&it->blob, 0, sizeof it->blob);
	a->done++;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

void
ahead_end(struct ahead *a)
{
	size_t i;

	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->running)
		pthread_join(a->th, NULL);
	for (i = 0; i < a->n; i++) {
		if (a->v[i].fd >= 0)
			close(a->v[i].fd);
		ct_input_free(&a->v[i].blob);
	}
	while (a->nspare > 0)
		ct_input_free(&a->spare[--a->nspare]);
	ct_input_free(&a->raw);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a->v);
}
