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
 * previous record's or, for the first ones, the next record's: never 0.
 * q: what the record's own eventTime gave when it was parsed. */
static int64_t
batch_time(struct batch *b, const struct batch_pend *q)
{
	if (q->time_ok) {
		hold_piece_settime(&b->piece, q->time_ms);
		b->timed = 1;
		return b->last_t = q->time_ms;
	}
	b->d->notime++;
	log_warnx("%s: record %llu: no usable eventTime or @timestamp; using "
	          "the time of the %s record",
	          b->name, (unsigned long long)q->index,
	          b->timed ? "previous" : "next");
	return b->timed ? b->last_t : HOLD_NOTIME;
}

/* A source address that is neither an IP nor a service's name: 1 when
 * it must be reported. */
static int
batch_bad_ip(const struct ct_event *ev)
{
	const struct ct_str *src = &ev->f[CT_SRCIP];
	struct ip16 ip;

	return src->n != 0 && ip16_parse(src->p, src->n, &ip) != 0 &&
	       !detect_is_service(ev);
}

/* Reported from the packed copy: the parser's strings are gone by now. */
static void
batch_report_ip(struct batch *b, size_t pos)
{
	const struct ct_str *src;
	struct ct_event ev;

	hold_piece_get(&b->piece, pos, &ev);
	src = &ev.f[CT_SRCIP];
	b->d->badip++;
	log_warnx("%s: record %llu: unparseable sourceIPAddress \"%.*s\"",
	          b->name, (unsigned long long)ev.index,
	          (int)(src->n > 64 ? 64 : src->n), src->p);
}

/* The verdicts on the events parsed since the last: every one's dedup
 * slots fetched first, so that their cache misses overlap (one at a
 * time, each stalled the parse), then in record order each dropped as a
 * duplicate, or timed, checked and kept. Runs are sorted in bounded
 * sizes; one is kept open while its first records still wait for a
 * time. */
static void
batch_resolve(struct batch *b)
{
	struct dedup *dd = &b->d->dedup;
	struct batch_pend *q;
	int i;

	for (i = 0; i < b->npend; i++)
		if (b->pend[i].key != 0)
			dedup_prefetch(dd, b->pend[i].key);
	for (i = 0; i < b->npend; i++) {
		q = &b->pend[i];
		if (q->key != 0 && dedup_check(dd, q->key)) {
			b->d->dups++;
			hold_piece_drop(&b->piece, q->pos);
			continue;
		}
		hold_piece_retime(&b->piece, q->pos, batch_time(b, q));
		if (q->bad_ip)
			batch_report_ip(b, q->pos);
	}
	b->npend = 0;
	if (hold_piece_count(&b->piece) >= DETECT_BATCH && b->piece.notime == 0)
		hold_piece_close(&b->d->hold, &b->piece);
}

/* Packed, and its time and address read, at once (the parser's strings
 * do not outlive the callback); judged a few events later. */
static void
batch_event(const struct ct_event *in, void *arg)
{
	struct batch *b = arg;
	struct ct_event ev = *in;
	const struct ct_str *t = &ev.f[CT_TIME];
	struct batch_pend *q = &b->pend[b->npend++];

	ev.index += b->idx0;
	q->index = ev.index;
	q->key = ev.f[CT_EVENTID].p != NULL
	             ? dedup_key(&b->d->dedup, ev.f[CT_EVENTID].p,
	                         ev.f[CT_EVENTID].n)
	             : 0;
	q->time_ok =
	    t->p != NULL && timefmt_parse(t->p, t->n, &q->time_ms) == 0;
	q->bad_ip = batch_bad_ip(&ev);
	q->pos = hold_piece_count(&b->piece);
	hold_piece_add(&b->piece, &ev, 0); /* timed when judged */
	if (b->npend == BATCH_AHEAD)
		batch_resolve(b);
}

static void
batch_error(const char *what, uint64_t index, uint64_t offset, void *arg)
{
	struct batch *b = arg;

	batch_resolve(b); /* messages in record order */
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
		hold_piece_hint(&b->piece,
		                b->lines ? DETECT_LINES_HINT : len / 3 + 4096);
	if (b->lines)
		r = ct_parse_lines(buf, len, batch_event, batch_error, b, &c);
	else
		r = ct_parse(buf, len, batch_event, batch_error, b, &c);
	batch_resolve(b);
	if (r != 0) {
		b->d->malformed++;
		log_warnx("%s: not valid JSON after %llu records; rest of the "
		          "file skipped",
		          b->name, (unsigned long long)c.records);
	}
	b->idx0 += c.records + c.malformed;
	b->off0 += len;
	if (b->lines && hold_piece_count(&b->piece) < DETECT_LINES_RUN)
		return r; /* a read window is small: runs span several */
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
	uint64_t dropped;

	batch_resolve(b);
	dropped = hold_piece_close(h, &b->piece);

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
