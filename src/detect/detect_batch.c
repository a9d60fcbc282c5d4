/* One input's events into the reorder window (see detect_batch.h). */
#include "config.h"
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "common/timefmt.h"
#include "detect/detect_batch.h"
#include "detect/detect_run.h"

void
batch_open(struct batch *b, struct detect *d, const char *name, int lines)
{
	memset(b, 0, sizeof *b);
	b->d = d;
	b->name = name;
	b->lines = lines;
	b->late0 = d->hold.late;
	hold_piece_open(&b->piece, &d->hold);
	d->input = name;
}

/* The record's time; a record without one takes its neighbour's, the
 * previous record's or, for the first ones, the next record's: never 0. */
static int64_t
batch_time(struct batch *b, const struct ct_event *ev)
{
	const struct ct_str *t = &ev->f[CT_TIME];
	int64_t ms;

	if (t->p != NULL && timefmt_parse(t->p, t->n, &ms) == 0) {
		hold_piece_settime(&b->piece, ms);
		b->timed = 1;
		return b->last_t = ms;
	}
	b->d->notime++;
	log_warnx("%s: record %llu: no usable eventTime or @timestamp; using "
	          "the time of the %s record",
	          b->name, (unsigned long long)ev->index,
	          b->timed ? "previous" : "next");
	return b->timed ? b->last_t : HOLD_NOTIME;
}

/* A source address that is neither an IP nor a service's name. */
static void
batch_check_ip(struct batch *b, const struct ct_event *ev)
{
	const struct ct_str *src = &ev->f[CT_SRCIP];
	struct ip16 ip;

	if (src->n == 0 || ip16_parse(src->p, src->n, &ip) == 0 ||
	    detect_is_service(ev))
		return;
	b->d->badip++;
	log_warnx("%s: record %llu: unparseable sourceIPAddress \"%.*s\"",
	          b->name, (unsigned long long)ev->index,
	          (int)(src->n > 64 ? 64 : src->n), src->p);
}

/* Runs are sorted in bounded sizes; one is kept open while its first
 * records still wait for a time. */
static void
batch_event(const struct ct_event *in, void *arg)
{
	struct batch *b = arg;
	struct ct_event ev = *in;
	int64_t t;

	if (ev.f[CT_EVENTID].p != NULL &&
	    dedup_seen(&b->d->dedup, ev.f[CT_EVENTID].p, ev.f[CT_EVENTID].n)) {
		b->d->dups++;
		return;
	}
	ev.index += b->idx0;
	t = batch_time(b, &ev);
	batch_check_ip(b, &ev);
	hold_piece_add(&b->piece, &ev, t);
	if (hold_piece_count(&b->piece) >= DETECT_BATCH && b->piece.notime == 0)
		hold_piece_close(&b->d->hold, &b->piece);
}

static void
batch_error(const char *what, uint64_t index, uint64_t offset, void *arg)
{
	struct batch *b = arg;

	b->d->malformed++;
	index += b->idx0;
	if (offset != 0) {
		offset += b->off0;
		log_warnx("%s: record %llu (byte %llu): %s; skipped", b->name,
		          (unsigned long long)index, (unsigned long long)offset,
		          what);
	} else
		log_warnx("%s: record %llu: %s; skipped", b->name,
		          (unsigned long long)index, what);
}

int
batch_parse(struct batch *b, const char *buf, size_t len)
{
	struct ct_counts c = {0, 0, 0};
	int r;

	if (hold_piece_count(&b->piece) == 0)
		hold_piece_hint(&b->piece, len / 3 + 4096);
	if (b->lines)
		r = ct_parse_lines(buf, len, batch_event, batch_error, b, &c);
	else
		r = ct_parse(buf, len, batch_event, batch_error, b, &c);
	if (r != 0) {
		b->d->malformed++;
		log_warnx("%s: not valid JSON after %llu records; rest of the "
		          "file skipped",
		          b->name, (unsigned long long)c.records);
	}
	b->idx0 += c.records + c.malformed;
	b->off0 += len;
	if (b->piece.notime == 0) {
		hold_piece_close(&b->d->hold, &b->piece);
		hold_advance(&b->d->hold, detect_apply, b->d);
	}
	return r;
}

void
batch_close(struct batch *b)
{
	struct hold *h = &b->d->hold;
	uint64_t dropped = hold_piece_close(h, &b->piece);

	if (dropped > 0) {
		b->d->malformed += dropped;
		log_warnx("%s: no record has a usable time; %llu records "
		          "skipped",
		          b->name, (unsigned long long)dropped);
	}
	if (h->late > b->late0)
		log_warnx(
		    "%s: %llu events older than events already applied "
		    "(delivered more than %lld minutes late); applied out "
		    "of order",
		    b->name, (unsigned long long)(h->late - b->late0),
		    DETECT_WINDOW_MS / 60000);
	hold_advance(h, detect_apply, b->d);
}
