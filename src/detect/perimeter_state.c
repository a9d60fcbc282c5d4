/* The perimeter compiler's facts in the --state database, in tables of
 * their own beside the detector's: an instance launched or an endpoint
 * created months before today's trail keeps its VPC. */
#include "config.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "detect/perimeter.h"

static const char pm_schema[] =
    "CREATE TABLE IF NOT EXISTS perimeter_instances (id TEXT PRIMARY KEY,"
    " vpc TEXT, source TEXT, ips TEXT, complete INTEGER);"
    "CREATE TABLE IF NOT EXISTS perimeter_endpoints (id TEXT PRIMARY KEY,"
    " vpc TEXT, service TEXT, account TEXT);";

static sqlite3 *
pm_state_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, pm_schema, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static const char *
pm_col(struct perimeter *p, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL && *s != '\0' ? perimeter_intern(p, s, strlen(s))
	                               : NULL;
}

/* "10.0.1.5,10.0.1.6" back into the instance's addresses. */
static void
pm_state_ips(struct pm_inst *in, const char *s)
{
	size_t n;

	in->nips = 0;
	while (s != NULL && *s != '\0' && in->nips < PM_MAXIPS) {
		n = strcspn(s, ",");
		if (ip16_parse(s, n, &in->ips[in->nips]) == 0)
			in->nips++;
		s += n + (s[n] == ',');
	}
}

static void
pm_state_inst(struct perimeter *p, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	struct pm_inst *in;

	if (id == NULL || (in = perimeter_inst(p, id, strlen(id))) == NULL)
		return;
	in->vpc = pm_col(p, st, 1);
	in->source = in->vpc != NULL ? "state" : NULL;
	pm_state_ips(in, (const char *)sqlite3_column_text(st, 3));
	in->complete = in->nips > 0 && sqlite3_column_int(st, 4) != 0;
}

static void
pm_state_ep(struct perimeter *p, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	struct pm_ep *e;

	if (id == NULL || (e = perimeter_ep(p, id, strlen(id))) == NULL)
		return;
	e->vpc = pm_col(p, st, 1);
	e->service = pm_col(p, st, 2);
	e->account = pm_col(p, st, 3);
}

int
perimeter_state_load(struct perimeter *p, const char *path, char *err,
                     size_t errlen)
{
	sqlite3 *db = pm_state_open(path, err, errlen);
	sqlite3_stmt *st;
	int r = 0;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT * FROM perimeter_instances", -1, &st,
	                       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			pm_state_inst(p, st);
		sqlite3_finalize(st);
	} else
		r = -1;
	if (sqlite3_prepare_v2(db, "SELECT * FROM perimeter_endpoints", -1, &st,
	                       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			pm_state_ep(p, st);
		sqlite3_finalize(st);
	} else
		r = -1;
	if (r != 0)
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_close(db);
	return r;
}

static int
pm_state_put_inst(sqlite3_stmt *st, const char *id, const struct pm_inst *in)
{
	char ip[64];
	struct buf b;
	int i, r;

	buf_init(&b);
	for (i = 0; i < in->nips; i++)
		buf_addf(&b, "%s%s", i ? "," : "",
		         ip16_fmt(&in->ips[i], ip, sizeof ip));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->vpc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b.data != NULL ? b.data : "", -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, in->complete);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	buf_free(&b);
	return r;
}

static int
pm_state_put_ep(sqlite3_stmt *st, const char *id, const struct pm_ep *e)
{
	int r;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->vpc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->account, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return r;
}

/* Every instance and endpoint with something known, in one transaction. */
static int
pm_state_write(const struct perimeter *p, sqlite3 *db)
{
	sqlite3_stmt *si = NULL, *se = NULL;
	size_t i;
	int r = 0;

	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO perimeter_instances "
	                       "VALUES (?,?,?,?,?)",
	                       -1, &si, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO perimeter_endpoints "
	                       "VALUES (?,?,?,?)",
	                       -1, &se, NULL) != SQLITE_OK)
		r = -1;
	for (i = 0; r == 0 && i < p->insts.cap; i++) {
		const struct pm_inst *in = p->insts.s[i].val;
		if (p->insts.s[i].key != NULL &&
		    (in->vpc != NULL || in->nips > 0))
			r = pm_state_put_inst(si, p->insts.s[i].key, in);
	}
	for (i = 0; r == 0 && i < p->eps.cap; i++)
		if (p->eps.s[i].key != NULL &&
		    ((const struct pm_ep *)p->eps.s[i].val)->vpc != NULL)
			r = pm_state_put_ep(se, p->eps.s[i].key,
			                    p->eps.s[i].val);
	sqlite3_finalize(si);
	sqlite3_finalize(se);
	return r;
}

int
perimeter_state_save(const struct perimeter *p, const char *path, char *err,
                     size_t errlen)
{
	sqlite3 *db = pm_state_open(path, err, errlen);
	int r;

	if (db == NULL)
		return -1;
	r = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	            pm_state_write(p, db) == 0 &&
	            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
	        ? 0
	        : -1;
	if (r != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return r;
}
