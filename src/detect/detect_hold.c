/* The reorder window (see detect_hold.h): pieces of input are packed and
 * sorted into runs, and a heap merges the runs in event-time order. */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "detect/detect_hold.h"

/* Slots of the packed form: fields, then IPs, instances, interfaces. */
#define SLOT_IPS CT_NFIELDS
#define SLOT_INST (SLOT_IPS + CT_MAXIPS)
#define SLOT_ENIS (SLOT_INST + CT_MAXIDS)
#define SLOT_END (SLOT_ENIS + CT_MAXIDS)

struct hold_ev {
	int64_t t;
	uint64_t index;
	size_t off;     /* packed fields in the arena */
	uint64_t idkey; /* the eventID's first 8 bytes, big-endian */
	uint32_t len, idrel, idlen; /* the eventID at off + idrel */
	int hasid;
};
/* The window's memory accounting (DETECT_HOLD_MAX) counts these. */
_Static_assert(sizeof(struct hold_ev) <= 48, "hold_ev grew");

struct hold_run {
	struct buf arena;
	struct hold_ev *v;
	size_t n, cap, next, bytes;
};

void
hold_init(struct hold *h)
{
	memset(h, 0, sizeof *h);
}

void
hold_piece_open(struct hold_piece *p, struct hold *h)
{
	memset(p, 0, sizeof *p);
	p->hold = h;
}

void
hold_piece_hint(struct hold_piece *p, size_t bytes)
{
	p->hint = bytes;
}

size_t
hold_piece_count(const struct hold_piece *p)
{
	return p->run != NULL ? p->run->n : 0;
}

/* One string at p: slot, length (LEB128), bytes. The end. */
static unsigned char *
hold_pack(unsigned char *p, int slot, const struct ct_str *s)
{
	size_t n = s->n;

	*p++ = (unsigned char)slot;
	do {
		*p++ = (unsigned char)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
		n >>= 7;
	} while (n > 0);
	memcpy(p, s->p, s->n);
	return p + s->n;
}

/* Room for the event in the arena, reserved once: at most 11 bytes of
 * slot and length per string. */
static unsigned char *
hold_room(struct hold_run *r, const struct ct_event *ev)
{
	size_t need = 1, i;

	for (i = 0; i < CT_NFIELDS; i++)
		need += ev->f[i].p != NULL ? ev->f[i].n + 11 : 0;
	for (i = 0; i < (size_t)ev->nips; i++)
		need += ev->ips[i].n + 11;
	for (i = 0; i < (size_t)ev->ninstances; i++)
		need += ev->instances[i].n + 11;
	for (i = 0; i < (size_t)ev->nenis; i++)
		need += ev->enis[i].n + 11;
	if (r->arena.len + need > r->arena.cap) {
		r->arena.cap = (r->arena.len + need) * 2;
		r->arena.data = xreallocarray(r->arena.data, 1, r->arena.cap);
	}
	return (unsigned char *)r->arena.data + r->arena.len;
}

/* Ordered as memcmp orders the ids' starts (zero-padded: a shorter id
 * sorts first, as with memcmp and then length), so most ties in time
 * are settled without reading the ids from the arena. */
static uint64_t
hold_idkey(const struct ct_str *id)
{
	const unsigned char *p = (const unsigned char *)id->p;
	uint64_t k = 0;
	size_t i;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (id->n >= 8) {
		memcpy(&k, p, 8);
		return __builtin_bswap64(k);
	}
#endif
	for (i = 0; i < 8; i++)
		k = k << 8 | (i < id->n ? p[i] : 0);
	return k;
}

static void
hold_pack_all(struct hold_run *r, struct hold_ev *e, const struct ct_event *ev)
{
	unsigned char *p = hold_room(r, ev), *base = p;
	int i;

	for (i = 0; i < CT_NFIELDS; i++) {
		if (ev->f[i].p == NULL)
			continue;
		p = hold_pack(p, i, &ev->f[i]);
		if (i == CT_EVENTID) {
			e->hasid = 1;
			e->idrel = (uint32_t)((size_t)(p - base) - ev->f[i].n);
			e->idlen = (uint32_t)ev->f[i].n;
			e->idkey = hold_idkey(&ev->f[i]);
		}
	}
	for (i = 0; i < ev->nips; i++)
		p = hold_pack(p, SLOT_IPS + i, &ev->ips[i]);
	for (i = 0; i < ev->ninstances; i++)
		p = hold_pack(p, SLOT_INST + i, &ev->instances[i]);
	for (i = 0; i < ev->nenis; i++)
		p = hold_pack(p, SLOT_ENIS + i, &ev->enis[i]);
	r->arena.len += (size_t)(p - base);
}

/* A run to fill: one given back earlier (its memory is mapped already:
 * no page faults), else a new one, reserved to the piece's hint. */
static struct hold_run *
hold_run_new(struct hold_piece *p)
{
	struct hold *h = p->hold;
	struct hold_run *r;

	if (h != NULL && h->nspare > 0) {
		r = h->spare[--h->nspare];
		r->n = r->next = r->bytes = 0;
		r->arena.len = 0;
	} else {
		r = xcalloc(1, sizeof *r);
		buf_init(&r->arena);
	}
	if (p->hint > r->arena.cap) { /* no chain of doublings per piece */
		r->arena.data = xreallocarray(r->arena.data, 1, p->hint);
		r->arena.cap = p->hint;
	}
	return r;
}

void
hold_piece_add(struct hold_piece *p, const struct ct_event *ev, int64_t t)
{
	struct hold_run *r = p->run;
	struct hold_ev *e;

	if (r == NULL)
		r = p->run = hold_run_new(p);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
	}
	e = &r->v[r->n++];
	memset(e, 0, sizeof *e);
	e->t = t;
	e->index = ev->index;
	e->off = r->arena.len;
	hold_pack_all(r, e, ev);
	e->len = (uint32_t)(r->arena.len - e->off);
	if (t == HOLD_NOTIME)
		p->notime++;
}

void
hold_piece_settime(struct hold_piece *p, int64_t t)
{
	size_t i;

	if (p->notime == 0 || p->run == NULL)
		return;
	for (i = 0; i < p->run->n; i++)
		if (p->run->v[i].t == HOLD_NOTIME)
			p->run->v[i].t = t;
	p->notime = 0;
}

/* Back from the packed form: views into the run's arena. */
static void
hold_unpack(const struct hold_run *r, const struct hold_ev *e,
            struct ct_event *ev)
{
	const unsigned char *p = (const unsigned char *)r->arena.data + e->off,
	                    *end = p + e->len;
	struct ct_str s;
	int slot, shift;

	memset(ev->f, 0,
	       sizeof ev->f); /* the arrays are read to their counts */
	ev->nips = ev->ninstances = ev->nenis = 0;
	ev->index = e->index;
	while (p < end) {
		slot = *p++;
		s.n = 0;
		shift = 0;
		do {
			s.n |= (size_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		s.p = (const char *)p;
		p += s.n;
		if (slot < SLOT_IPS)
			ev->f[slot] = s;
		else if (slot < SLOT_INST)
			ev->ips[ev->nips++] = s;
		else if (slot < SLOT_ENIS)
			ev->instances[ev->ninstances++] = s;
		else if (slot < SLOT_END)
			ev->enis[ev->nenis++] = s;
	}
}

void
hold_piece_get(const struct hold_piece *p, size_t i, struct ct_event *ev)
{
	hold_unpack(p->run, &p->run->v[i], ev);
}

void
hold_piece_retime(struct hold_piece *p, size_t i, int64_t t)
{
	struct hold_ev *e = &p->run->v[i];

	if (e->t == HOLD_NOTIME && t != HOLD_NOTIME)
		p->notime--;
	else if (e->t != HOLD_NOTIME && t == HOLD_NOTIME)
		p->notime++;
	e->t = t;
}

void
hold_piece_drop(struct hold_piece *p, size_t i)
{
	hold_piece_retime(p, i, HOLD_DROP);
}

/* Time, then eventID, then input position: every split reads alike. */
static int
hold_cmp_ev(const struct hold_run *ra, const struct hold_ev *a,
            const struct hold_run *rb, const struct hold_ev *b)
{
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->hasid != b->hasid)
		return a->hasid ? 1 : -1;
	if (a->idkey != b->idkey)
		return a->idkey < b->idkey ? -1 : 1;
	c = n ? memcmp(ra->arena.data + a->off + a->idrel,
	               rb->arena.data + b->off + b->idrel, n)
	      : 0;
	if (c != 0 || a->idlen != b->idlen)
		return c != 0 ? c : (a->idlen < b->idlen ? -1 : 1);
	return a->index < b->index ? -1 : a->index > b->index;
}

static int
hold_sort_cmp(const void *x, const void *y, void *arg)
{
	const struct hold_run *r = arg;

	return hold_cmp_ev(r, x, r, y);
}

static int
hold_run_cmp(const struct hold_run *a, const struct hold_run *b)
{
	return hold_cmp_ev(a, &a->v[a->next], b, &b->v[b->next]);
}

static void
hold_run_free(struct hold_run *r)
{
	if (r == NULL)
		return;
	buf_free(&r->arena);
	free(r->v);
	free(r);
}

/* A run applied to the end: kept for the next piece, a few at most. */
static void
hold_run_done(struct hold *h, struct hold_run *r)
{
	if (h->nspare < HOLD_SPARES)
		h->spare[h->nspare++] = r;
	else
		hold_run_free(r);
}

static void
hold_swap(struct hold *h, size_t i, size_t j)
{
	struct hold_run *t = h->heap[i];

	h->heap[i] = h->heap[j];
	h->heap[j] = t;
}

static void
hold_sift_down(struct hold *h, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < h->nheap && hold_run_cmp(h->heap[l], h->heap[m]) < 0)
			m = l;
		if (l + 1 < h->nheap &&
		    hold_run_cmp(h->heap[l + 1], h->heap[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		hold_swap(h, i, m);
		i = m;
	}
}

static void
hold_push(struct hold *h, struct hold_run *r)
{
	size_t i;

	if (h->nheap == h->capheap) {
		h->capheap = h->capheap ? h->capheap * 2 : 64;
		h->heap = xreallocarray(h->heap, h->capheap, sizeof *h->heap);
	}
	i = h->nheap++;
	h->heap[i] = r;
	while (i > 0 && hold_run_cmp(h->heap[i], h->heap[(i - 1) / 2]) < 0) {
		hold_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/* Drop the events that never got a time; the newest time moves on. */
static uint64_t
hold_run_prepare(struct hold *h, struct hold_run *r)
{
	size_t i, o = 0;
	uint64_t dropped = 0;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].t == HOLD_DROP)
			continue; /* a duplicate */
		if (r->v[i].t == HOLD_NOTIME) {
			dropped++;
			continue;
		}
		if (h->done > 0 && r->v[i].t < h->applied)
			h->late++;
		if (!h->any || r->v[i].t > h->newest)
			h->newest = r->v[i].t;
		h->any = 1;
		r->v[o++] = r->v[i];
	}
	r->n = o;
	return dropped;
}

/* A run is only read from now on: give back what doubling reserved
 * when that is much. */
static void
hold_run_shrink(struct hold_run *r)
{
	if (r->arena.cap > r->arena.len + r->arena.len / 4 + 4096) {
		r->arena.data =
		    xreallocarray(r->arena.data, 1, r->arena.len + 1);
		r->arena.cap = r->arena.len + 1;
	}
	if (r->cap > r->n + r->n / 4 + 64) {
		r->v = xreallocarray(r->v, r->n, sizeof *r->v);
		r->cap = r->n;
	}
}

uint64_t
hold_piece_close(struct hold *h, struct hold_piece *p)
{
	struct hold_run *r = p->run;
	uint64_t dropped;

	hold_piece_open(p, h);
	if (r == NULL)
		return 0;
	dropped = hold_run_prepare(h, r);
	if (r->n == 0) {
		hold_run_done(h, r);
		return dropped;
	}
	if (r->n > 1)
		qsort_r(r->v, r->n, sizeof *r->v, hold_sort_cmp, r);
	hold_run_shrink(r);
	r->bytes = r->arena.cap + r->cap * sizeof *r->v + sizeof *r;
	h->bytes += r->bytes;
	h->held += r->n;
	hold_push(h, r);
	return dropped;
}

#define HOLD_AHEAD 4 /* events of a run prefetched ahead */

static void
hold_prefetch(const struct hold_run *r, const struct hold_ev *e)
{
	const char *p = r->arena.data + e->off;
	uint32_t i;

	for (i = 0; i < e->len; i += 64)
		__builtin_prefetch(p + i);
}

/* The oldest held event to the detector. */
static void
hold_apply_one(struct hold *h, hold_apply_cb *cb, void *arg)
{
	struct hold_run *r = h->heap[0];
	struct hold_ev *e = &r->v[r->next];
	struct ct_event ev;

	if (r->next + HOLD_AHEAD < r->n) /* held for minutes: not cached */
		hold_prefetch(r, &r->v[r->next + HOLD_AHEAD]);
	hold_unpack(r, e, &ev);
	if (h->done++ == 0 || e->t > h->applied)
		h->applied = e->t;
	h->held--;
	cb(&ev, e->t, arg);
	if (++r->next < r->n) {
		hold_sift_down(h, 0);
		return;
	}
	h->bytes -= r->bytes;
	h->heap[0] = h->heap[--h->nheap];
	hold_run_done(h, r);
	if (h->nheap > 0)
		hold_sift_down(h, 0);
}

void
hold_release(struct hold *h, int64_t upto, hold_apply_cb *cb, void *arg)
{
	while (h->nheap > 0 && h->heap[0]->v[h->heap[0]->next].t < upto)
		hold_apply_one(h, cb, arg);
}

void
hold_advance(struct hold *h, hold_apply_cb *cb, void *arg)
{
	if (!h->any)
		return;
	hold_release(h, h->newest - DETECT_WINDOW_MS, cb, arg);
	while (h->bytes > DETECT_HOLD_MAX && h->nheap > 0) {
		h->early++;
		hold_apply_one(h, cb, arg);
	}
}

void
hold_flush(struct hold *h, hold_apply_cb *cb, void *arg)
{
	while (h->nheap > 0)
		hold_apply_one(h, cb, arg);
}

void
hold_free(struct hold *h)
{
	size_t i;

	for (i = 0; i < h->nheap; i++)
		hold_run_free(h->heap[i]);
	for (i = 0; i < (size_t)h->nspare; i++)
		hold_run_free(h->spare[i]);
	free(h->heap);
	memset(h, 0, sizeof *h);
}
