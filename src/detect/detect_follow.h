/* --follow: keep watching the inputs by polling (every
 * DETECT_FOLLOW_MS): lines appended to files, new objects in directories. */
#ifndef IMDSGATE_DETECT_FOLLOW_H
#define IMDSGATE_DETECT_FOLLOW_H
#include "detect/detect.h"

#define DETECT_FOLLOW_MS 200
#define DETECT_FOLLOW_MAXFILES 100000 /* objects remembered per run */

/* Runs until *stop becomes non-zero; calls save() after each round that
 * saw new events. */
void detect_follow(struct detect *, char **paths, int npaths,
                   volatile int *stop, void (*save)(struct detect *));
#endif
