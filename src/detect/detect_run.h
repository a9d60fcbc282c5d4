/* Feeding inputs to the detector: each file or stdin read whole, its
 * events deduplicated by eventID, put in time order (in batches of
 * DETECT_BATCH) and handed to detect_event. */
#ifndef IMDSGATE_DETECT_RUN_H
#define IMDSGATE_DETECT_RUN_H
#include <stddef.h>

#include "detect/detect.h"

#define DETECT_BATCH 65536
#define DETECT_CHUNK ((size_t)32 << 20) /* JSON lines read window */

/* A file, "-", or a directory walked in CloudTrail time order.
 * Returns 0 (malformed content is reported and skipped), or -1 when the
 * path cannot be read at all. */
int detect_run_path(struct detect *, const char *path);
/* A buffer already in memory (CT_PADDING readable bytes after len). */
int detect_run_buffer(struct detect *, const char *name, const char *buf,
                      size_t len);
#endif
