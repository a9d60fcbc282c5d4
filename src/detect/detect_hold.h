/* The reorder window. CloudTrail writes several objects per account,
 * region and 5-minute period and delivers events up to about 15 minutes
 * late, so the order objects are read in says little about the order of
 * their events. Every event read is held here and applied to the detector
 * in eventTime order (ties in eventID order) once no older event can
 * still come: when the newest event read (or, under --follow, the clock)
 * is DETECT_WINDOW_MS past it. So one file, many objects, any object
 * names and any order of the inputs give the same findings. Events are
 * kept packed (their few fields, about 400 bytes each); the window never
 * holds more than DETECT_HOLD_MAX bytes: past that, the oldest events are
 * applied early and counted. */
#ifndef IMDSGATE_DETECT_HOLD_H
#define IMDSGATE_DETECT_HOLD_H
#include <stddef.h>
#include <stdint.h>

#include "detect/ct_json.h"

#define DETECT_WINDOW_MS (20LL * 60 * 1000) /* 15 min late + 5 min objects */
#define DETECT_HOLD_MAX ((size_t)1 << 30)   /* bytes held at most */
#define HOLD_NOTIME INT64_MIN     /* an event whose time is not known yet */
#define HOLD_DROP (INT64_MIN + 1) /* an event taken out (a duplicate) */

struct hold_run;      /* the sorted events of one piece of input */
#define HOLD_SPARES 4 /* applied runs kept for reuse */

struct hold {
	struct hold_run **heap; /* runs by their next event */
	size_t nheap, capheap;
	int64_t newest;  /* newest event time read */
	int64_t applied; /* time of the last event applied */
	size_t bytes;    /* memory held */
	uint64_t held;   /* events held now */
	uint64_t done;   /* events applied */
	uint64_t late;   /* events read after younger ones were applied */
	uint64_t early;  /* events applied before their window closed */
	int any;         /* newest and applied are set */
	struct hold_run *spare[HOLD_SPARES];
	int nspare;
};

/* Events of one input piece, packed, not yet in time order. */
struct hold_piece {
	struct hold *hold; /* whose spare runs it may take */
	struct hold_run *run;
	uint64_t notime; /* events waiting for a time (HOLD_NOTIME) */
	size_t hint;     /* bytes to reserve for its packed events */
};

typedef void hold_apply_cb(const struct ct_event *, int64_t t, void *arg);

void hold_init(struct hold *);
void hold_piece_open(struct hold_piece *, struct hold *);
/* The packed size to expect (a third of the input's JSON is plenty). */
void hold_piece_hint(struct hold_piece *, size_t bytes);
/* Add one event (its strings are copied) at time t, or HOLD_NOTIME. */
void hold_piece_add(struct hold_piece *, const struct ct_event *, int64_t t);
/* The piece's event i (0 the first added), as views into the piece
 * (valid until the next add); its time set to t; or taken out (never
 * applied, not counted as dropped). */
void hold_piece_get(const struct hold_piece *, size_t i, struct ct_event *);
void hold_piece_retime(struct hold_piece *, size_t i, int64_t t);
void hold_piece_drop(struct hold_piece *, size_t i);
/* Give the events waiting for a time the time t. */
void hold_piece_settime(struct hold_piece *, int64_t t);
/* Sort the piece into the window; events still without a time are
 * dropped (returned). The piece can be opened again. */
uint64_t hold_piece_close(struct hold *, struct hold_piece *);
size_t hold_piece_count(const struct hold_piece *);
/* Apply, in order, every held event older than upto. */
void hold_release(struct hold *, int64_t upto, hold_apply_cb *, void *arg);
/* Apply what the window allows: older than newest - DETECT_WINDOW_MS,
 * and the oldest beyond DETECT_HOLD_MAX bytes. */
void hold_advance(struct hold *, hold_apply_cb *, void *arg);
void hold_flush(struct hold *, hold_apply_cb *, void *arg);
void hold_free(struct hold *);
#endif
