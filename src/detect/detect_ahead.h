/* Reading the next whole input (a gzip S3 object, a JSON document) on a
 * second thread while the current one is parsed: decompression is a third
 * of the detector's work on gzip objects, and it need not wait for the
 * parse. Inputs are still parsed one at a time and in order; only their
 * reading overlaps, so the findings and messages are the same. */
#ifndef IMDSGATE_DETECT_AHEAD_H
#define IMDSGATE_DETECT_AHEAD_H
#include <pthread.h>
#include <stddef.h>

#include "detect/ct_input.h"

/* Inputs of at most this size give their buffer back for the next one. */
#define AHEAD_KEEP ((size_t)64 << 20)

struct ahead {
	pthread_t th;
	int running;         /* a thread was started and not yet joined */
	const char *path;    /* what it reads */
	struct ct_blob blob; /* the content it reads into */
	struct ct_blob raw;  /* the file as read: the thread's, kept */
	struct ct_blob give; /* a parsed input's buffer, to fill again */
	int rc;              /* ct_input_load's */
	char err[256];
};

/* Start reading path (ct_input_load) on a thread. 0, or -1 when no
 * thread could be started: the caller then reads it itself. */
int ahead_start(struct ahead *, const char *path);
/* A parsed input's buffer, handed back to be filled again. */
void ahead_give(struct ahead *, struct ct_blob *);
/* Whether path is what a started thread reads. */
int ahead_has(const struct ahead *, const char *path);
/* Wait for the thread and take what ct_input_read gave: its return value,
 * the blob, or the message in err. */
int ahead_take(struct ahead *, struct ct_blob *, char *err, size_t errlen);
/* Wait for a thread still running; free every buffer. */
void ahead_end(struct ahead *);
#endif
