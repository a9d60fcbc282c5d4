/* Refusals, rate-limited per uid. Every refusal was once written, so one
 * user could flood the log (25 MB/s) until its file system was full and
 * other records were lost. Each uid (and, together, the connections whose
 * owner is unknown) may write AUDIT_FOLD_RATE refusal records a second,
 * in bursts of AUDIT_FOLD_BURST; beyond that its refusals are folded:
 * counted, by status, into a `refusals_folded` record written a second
 * after the first one folded. So every refusal is either recorded or
 * counted, and a flood costs the log at most a few records a second. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "common/timefmt.h"
#include "common/xmalloc.h"
#include "sys/peer.h"

#define AUDIT_FOLD_BUCKETS 64
#define AUDIT_FOLD_MAX 4096     /* uids followed at once */
#define AUDIT_FOLD_WINDOW 1000  /* ms from the first folded to its record */
#define AUDIT_FOLD_STATUSES 200 /* 400 to 599 */

struct audit_fold {
	uid_t uid;
	int known; /* the connection's owner was known */
	char user[64];
	double credit;     /* records it may still write now */
	int64_t refill_ms; /* when credit was last topped up */
	uint64_t folded;
	int64_t first_ms; /* monotonic, of the first folded */
	struct timespec first, last;
	uint32_t status[AUDIT_FOLD_STATUSES];
	struct audit_fold *next;
};

static struct audit_fold *audit_folds[AUDIT_FOLD_BUCKETS];
static int audit_nfolds;

/* The uid's state (unknown owners share one), made on first use; NULL
 * when too many uids are followed already. */
static struct audit_fold *
audit_fold_get(const struct peer_info *p, int64_t now_ms)
{
	uid_t uid = p != NULL ? p->uid : (uid_t)-1;
	struct audit_fold **b = &audit_folds[uid % AUDIT_FOLD_BUCKETS], *f;

	for (f = *b; f != NULL; f = f->next)
		if (f->uid == uid && f->known == (p != NULL))
			return f;
	if (audit_nfolds >= AUDIT_FOLD_MAX)
		return NULL;
	f = xcalloc(1, sizeof *f);
	f->uid = uid;
	f->known = p != NULL;
	if (p != NULL)
		memcpy(f->user, p->user, sizeof f->user);
	f->user[sizeof f->user - 1] = '\0';
	f->credit = AUDIT_FOLD_BURST;
	f->refill_ms = now_ms;
	f->next = *b;
	*b = f;
	audit_nfolds++;
	return f;
}

/* Credit accrues at the rate, up to the burst. */
static void
audit_fold_refill(struct audit_fold *f, int64_t now_ms)
{
	if (now_ms > f->refill_ms)
		f->credit +=
		    (double)(now_ms - f->refill_ms) * AUDIT_FOLD_RATE / 1000.0;
	if (f->credit > AUDIT_FOLD_BURST)
		f->credit = AUDIT_FOLD_BURST;
	f->refill_ms = now_ms;
}

int
audit_refusal(const struct audit_req *r, int64_t now_ms)
{
	struct audit_fold *f = audit_fold_get(r->peer, now_ms);
	int s = r->status - 400;

	if (f == NULL)
		return audit_request(r);
	audit_fold_refill(f, now_ms);
	if (f->credit >= 1) {
		f->credit -= 1;
		return audit_request(r);
	}
	clock_gettime(CLOCK_REALTIME, &f->last);
	if (f->folded++ == 0) {
		f->first = f->last;
		f->first_ms = now_ms;
	}
	if (s >= 0 && s < AUDIT_FOLD_STATUSES)
		f->status[s]++;
	return 1;
}

/* The record of what one uid had folded; then it starts afresh. */
static void
audit_fold_record(struct audit_fold *f)
{
	char ts[TIMEFMT_LEN], key[8];
	struct jsonw jw;

	audit_record_begin(&jw, "refusals_folded");
	if (f->known) {
		jw_uint(&jw, "uid", f->uid);
		jw_str(&jw, "user", f->user);
	}
	jw_uint(&jw, "folded", f->folded);
	jw_str(&jw, "first", timefmt_rfc3339ms(&f->first, ts));
	jw_str(&jw, "last", timefmt_rfc3339ms(&f->last, ts));
	jw_obj_begin(&jw, "statuses");
	for (int i = 0; i < AUDIT_FOLD_STATUSES; i++) {
		if (f->status[i] == 0)
			continue;
		snprintf(key, sizeof key, "%d", 400 + i);
		jw_uint(&jw, key, f->status[i]);
	}
	jw_obj_end(&jw);
	audit_record_end(&jw);
	f->folded = 0;
	memset(f->status, 0, sizeof f->status);
}

int
audit_fold_flush(int64_t now_ms)
{
	struct audit_fold **pp, *f;
	int pending = 0;

	for (int i = 0; i < AUDIT_FOLD_BUCKETS; i++)
		for (pp = &audit_folds[i]; (f = *pp) != NULL;) {
			if (f->folded > 0 &&
			    now_ms - f->first_ms >= AUDIT_FOLD_WINDOW)
				audit_fold_record(f);
			audit_fold_refill(f, now_ms);
			pending += f->folded > 0;
			if (f->folded == 0 && f->credit >= AUDIT_FOLD_BURST) {
				*pp = f->next; /* quiet again: forget it */
				free(f);
				audit_nfolds--;
			} else
				pp = &f->next;
		}
	return pending;
}
