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
	size_t off, idoff; /* packed fields and eventID in the arena */
	uint32_t len, idlen;
	int hasid;
};

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
hold_piece_open(struct hold_piece *p)
{
	memset(p, 0, sizeof *p);
}

size_t
hold_piece_count(const struct hold_piece *p)
{
	return p->run != NULL ? p->run->n : 0;
}

/* One string: slot, length (LEB128), bytes. */
static void
hold_pack(struct buf *a, int slot, const struct ct_str *s)
{
	unsigned char v[12];
	size_t n = s->n;
	int i = 0;

	v[i++] = (unsigned char)slot;
	do {
		v[i++] = (unsigned char)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
		n >>= 7;
	} while (n > 0);
	buf_add(a, v, (size_t)i);
	buf_add(a, s->p, s->n);
}

static void
hold_pack_all(struct hold_run *r, struct hold_ev *e, const struct ct_event *ev)
{
	int i;

	for (i = 0; i < CT_NFIELDS; i++) {
		if (ev->f[i].p == NULL)
			continue;
		hold_pack(&r->arena, i, &ev->f[i]);
		if (i == CT_EVENTID) {
			e->hasid = 1;
			e->idoff = r->arena.len - ev->f[i].n;
			e->idlen = (uint32_t)ev->f[i].n;
		}
	}
	for (i = 0; i < ev->nips; i++)
		hold_pack(&r->arena, SLOT_IPS + i, &ev->ips[i]);
	for (i = 0; i < ev->ninstances; i++)
		hold_pack(&r->arena, SLOT_INST + i, &ev->instances[i]);
	for (i = 0; i < ev->nenis; i++)
		hold_pack(&r->arena, SLOT_ENIS + i, &ev->enis[i]);
}

void
hold_piece_add(struct hold_piece *p, const struct ct_event *ev, int64_t t)
{
	struct hold_run *r = p->run;
	struct hold_ev *e;

	if (r == NULL) {
		r = p->run = xcalloc(1, sizeof *r);
		buf_init(&r->arena);
	}
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

	memset(ev, 0, sizeof *ev);
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
	c = n ? memcmp(ra->arena.data + a->idoff, rb->arena.data + b->idoff, n)
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

/* A run is only read from now on: give back what doubling reserved. */
static void
hold_run_shrink(struct hold_run *r)
{
	r->arena.data = xreallocarray(r->arena.data, 1, r->arena.len + 1);
	r->arena.cap = r->arena.len + 1;
	r->v = xreallocarray(r->v, r->n, sizeof *r->v);
	r->cap = r->n;
}

uint64_t
hold_piece_close(struct hold *h, struct hold_piece *p)
{
	struct hold_run *r = p->run;
	uint64_t dropped;

	hold_piece_open(p);
	if (r == NULL)
		return 0;
	dropped = hold_run_prepare(h, r);
	if (r->n == 0) {
		hold_run_free(r);
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

/* The oldest held event to the detector. */
static void
hold_apply_one(struct hold *h, hold_apply_cb *cb, void *arg)
{
	struct hold_run *r = h->heap[0];
	struct hold_ev *e = &r->v[r->next];
	struct ct_event ev;

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
	hold_run_free(r);
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
	free(h->heap);
	memset(h, 0, sizeof *h);
}
