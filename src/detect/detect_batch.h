/* One input's events on their way into the reorder window: parsed a piece
 * at a time, deduplicated by eventID, checked (time, source address) and
 * reported with the input's name and record numbers while those are still
 * known, then packed into the window. */
#ifndef IMDSGATE_DETECT_BATCH_H
#define IMDSGATE_DETECT_BATCH_H
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

#define BATCH_AHEAD 16 /* events parsed before their dedup verdicts */

struct batch {
	struct detect *d;
	const char *name;
	struct hold_piece piece;
	int64_t last_t;          /* the last timed record's time */
	int timed;               /* a record of this input had a time */
	uint64_t idx0, off0;     /* record and byte numbers before this piece */
	uint64_t late0;          /* the window's late count when opened */
	int lines;               /* pieces of a JSON lines file */
	struct batch_pend {      /* events awaiting their dedup verdict */
		uint64_t key;    /* dedup key, or 0: no eventID */
		uint64_t index;  /* record number */
		int64_t time_ms; /* its eventTime, when time_ok */
		size_t pos;      /* in the piece */
		int time_ok;     /* it has one */
		int bad_ip;      /* a sourceIPAddress to report */
	} pend[BATCH_AHEAD];
	int npend;
};

void batch_open(struct batch *, struct detect *, const char *name, int lines);
/* One piece of the input; record numbers continue from the last piece.
 * Its events go into the window, which then moves on. */
int batch_parse(struct batch *, const char *buf, size_t len);
void batch_close(struct batch *);
#endif
