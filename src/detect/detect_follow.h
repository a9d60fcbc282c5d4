/* --follow: keep watching the inputs by polling (every
 * DETECT_FOLLOW_MS): lines appended to files, new objects in directories. */
#ifndef IMDSGATE_DETECT_FOLLOW_H
#define IMDSGATE_DETECT_FOLLOW_H
#include "detect/detect.h"

#define DETECT_FOLLOW_MS 200
#define DETECT_FOLLOW_MAXFILES 100000 /* objects remembered per run */

/* Runs until *stop becomes non-zero; each round also applies the events
 * the clock has moved DETECT_WINDOW_MS past, and calls save() after each
 * round that applied events. Events still held when it returns are the
 * caller's to flush (detect_run_flush). */
void detect_follow(struct detect *, char **paths, int npaths,
                   volatile int *stop, void (*save)(struct detect *));
#endif
