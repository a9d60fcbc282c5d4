/* Reading a run's inputs ahead of their parse, on a second thread:
 * decompression is a third to a half of the detector's work on gzip
 * objects, and it need not wait for the parse. The parse of an input
 * takes very different times (most objects in 1-2 ms, some in 10 ms or
 * more, when the reorder window applies what it held), so the thread may
 * run several inputs ahead. Inputs are still parsed one at a time and in
 * order, and every message is the parser's, so the findings and the
 * messages are the same as when read one by one. */
#ifndef IMDSGATE_DETECT_AHEAD_H
#define IMDSGATE_DETECT_AHEAD_H
#include <pthread.h>
#include <stddef.h>

#include "detect/ct_input.h"

#define AHEAD_MAX 8 /* inputs read and not yet parsed, at most */
/* Their content, at most (one input more is read past it): a few
 * objects' worth, never a trail's. */
#define AHEAD_BYTES ((size_t)64 << 20)
/* Buffers of at most this size are kept and filled again (a new one
 * costs a page fault every 4 KiB); larger ones are freed. */
#define AHEAD_KEEP ((size_t)64 << 20)

/* Whether path is read a window at a time (JSON lines) rather than
 * whole: then 1 and the descriptor it was recognised on. */
typedef int ahead_lines_fn(const char *path, int *fd);

struct ahead_item {
	const char *path;    /* NULL: nothing to read (stdin, read before) */
	int fd;              /* >= 0: a JSON lines file, opened, not read */
	int rc;              /* else ct_input_load's, with blob or err */
	struct ct_blob blob; /* the content */
	char err[256];
	int ready; /* filled (under the lock) */
};

struct ahead {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
	ahead_lines_fn *lines;
	struct ahead_item *v;
	size_t n, next, done; /* the thread's next; items given back */
	size_t held;          /* content bytes of filled items not given back */
	struct ct_blob raw;   /* the file as read: the thread's */
	struct ct_blob spare[AHEAD_MAX + 1];
	int nspare;
};

/* Read the n inputs in paths (NULL: none) in order, ahead of their parse:
 * on a thread when there are several (and it can be started), else each
 * when asked for. */
void ahead_start(struct ahead *, char *const *paths, size_t n,
                 ahead_lines_fn *);
/* Input i once read; inputs are taken in order, each given back (with
 * ahead_done) before the next is taken. */
struct ahead_item *ahead_take(struct ahead *, size_t i);
/* Input i is parsed: its buffer goes back for reuse. */
void ahead_done(struct ahead *, size_t i);
/* Stop the thread and free everything (descriptors not used are closed). */
void ahead_end(struct ahead *);
#endif
