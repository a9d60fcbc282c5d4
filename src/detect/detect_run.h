/* Feeding inputs to the detector: each file or stdin read whole (a JSON
 * lines file a small window at a time), its events deduplicated by eventID
 * and handed to the reorder window (detect_hold.h), which applies them to
 * detect_event in event-time order across every input. */
#ifndef IMDSGATE_DETECT_RUN_H
#define IMDSGATE_DETECT_RUN_H
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

#define DETECT_BATCH 65536     /* events per sorted run of the window */
#define DETECT_LINES_RUN 16384 /* JSON lines events per run, at least */
#define DETECT_LINES_HINT (DETECT_LINES_RUN * 600) /* its packed bytes */
#ifndef DETECT_READ
#define DETECT_READ ((size_t)1 << 20) /* JSON lines read window */
#endif

/* Every path (a file, "-", or a directory walked) read as one trail: the
 * inputs in the order their events start (ct_order_key), the events
 * applied in event-time order. Everything is applied on return unless
 * d->live (--follow). Returns 0 (malformed content is reported and
 * skipped), or -1 when a path cannot be read at all (the others are
 * still read). */
int detect_run_paths(struct detect *, char *const *paths, int n);
/* detect_run_paths of one path. */
int detect_run_path(struct detect *, const char *path);
/* A buffer already in memory (CT_PADDING readable bytes after len);
 * applied on return unless d->live. */
int detect_run_buffer(struct detect *, const char *name, const char *buf,
                      size_t len);
/* Apply every event still held: the end of the trail. */
void detect_run_flush(struct detect *);
/* --follow: also apply what the clock (ms) says no late event can
 * precede any more: CloudTrail's lateness is measured from real time. */
void detect_run_tick(struct detect *, int64_t now_ms);
#endif
