/* The SQLite session store (see state.h). */
#include "config.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/state.h"
#include "common/xmalloc.h"

static const char state_schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, peer TEXT,"
    " role TEXT, expires INTEGER, flags INTEGER, ips BLOB);"
    "CREATE TABLE IF NOT EXISTS vpc_egress (scope TEXT, ip BLOB, flags "
    "INTEGER);"
    "CREATE TABLE IF NOT EXISTS vpc_endpoints (scope TEXT, service TEXT,"
    " id TEXT);";

/* A column that files of earlier versions lack. */
static int
state_column(sqlite3 *db, const char *col)
{
	char sql[128];
	sqlite3_stmt *st;

	snprintf(sql, sizeof sql, "SELECT %s FROM sessions LIMIT 0", col);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return SQLITE_OK;
	}
	snprintf(sql, sizeof sql, "ALTER TABLE sessions ADD COLUMN %s TEXT",
	         col);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Files written before VPCs were tracked lack sessions.vpc, those before
 * affiliated accounts were named sessions.account. */
static int
state_upgrade(sqlite3 *db)
{
	int r = state_column(db, "vpc");

	return r == SQLITE_OK ? state_column(db, "account") : r;
}

static sqlite3 *
state_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, state_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    state_upgrade(db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* One row back into the table: ips is an array of struct sip. */
static void
state_row(sqlite3_stmt *st, struct session_table *t, struct dmap *intern)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *peer = (const char *)sqlite3_column_text(st, 1);
	const char *role = (const char *)sqlite3_column_text(st, 2);
	const char *vpc = (const char *)sqlite3_column_text(st, 6);
	const char *acct = (const char *)sqlite3_column_text(st, 7);
	const struct sip *ips = sqlite3_column_blob(st, 5);
	int i, n = sqlite3_column_bytes(st, 5) / (int)sizeof *ips;
	struct session *s;

	if (id == NULL || (s = session_get(t, id, strlen(id), 1)) == NULL)
		return;
	if (peer != NULL && *peer != '\0')
		s->peer = dmap_intern(intern, peer, strnlen(peer, 23));
	if (role != NULL)
		s->role = dmap_intern(intern, role, strlen(role));
	if (vpc != NULL && *vpc != '\0')
		s->vpc = dmap_intern(intern, vpc, strlen(vpc));
	if (acct != NULL && *acct != '\0')
		s->account = dmap_intern(intern, acct, strlen(acct));
	s->expires = sqlite3_column_int64(st, 3);
	s->flags |= (uint8_t)sqlite3_column_int(st, 4);
	for (i = 0; i < n; i++)
		session_add(s, &ips[i].ip, ips[i].flags);
}

/* The scope a saved row names: a session's own (see detect_scope), else
 * a VPC's in vpcs. */
static struct vpc_scope *
state_scope(struct session_table *t, struct dmap *vpcs, const char *scope)
{
	struct session *s = session_get(t, scope, strlen(scope), 0);

	if (s == NULL || strcmp(s->id, scope) != 0)
		return detect_vpc_get(vpcs, scope);
	if (s->scope == NULL)
		s->scope = xcalloc(1, sizeof *s->scope);
	return s->scope;
}

/* A VPC's learnt NAT egress address or endpoint back into vpcs. */
static void
state_vpc_row(sqlite3_stmt *st, struct session_table *t, struct dmap *intern,
              struct dmap *vpcs, int endpoint)
{
	const char *scope = (const char *)sqlite3_column_text(st, 0);
	const char *svc, *id;
	struct vpc_scope *v;

	if (scope == NULL)
		return;
	v = state_scope(t, vpcs, scope);
	if (!endpoint) {
		if (sqlite3_column_bytes(st, 1) == 16)
			detect_vpc_add_egress(
			    v, sqlite3_column_blob(st, 1),
			    (uint8_t)sqlite3_column_int(st, 2));
		return;
	}
	svc = (const char *)sqlite3_column_text(st, 1);
	id = (const char *)sqlite3_column_text(st, 2);
	if (svc != NULL && id != NULL)
		detect_vpc_add_endpoint(
		    v, dmap_intern(intern, svc, strlen(svc)), id, strlen(id));
}

static int
state_query(sqlite3 *db, const char *sql, struct session_table *t,
            struct dmap *intern, struct dmap *vpcs, int kind)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (kind == 0)
			state_row(st, t, intern);
		else
			state_vpc_row(st, t, intern, vpcs, kind == 2);
	sqlite3_finalize(st);
	return 0;
}

int
state_load(const char *path, struct session_table *t, struct dmap *intern,
           struct dmap *vpcs, char *err, size_t errlen)
{
	sqlite3 *db = state_open(path, err, errlen);

	if (db == NULL)
		return -1;
	if (state_query(db,
	                "SELECT id, peer, role, expires, flags, ips, vpc, "
	                "account FROM sessions",
	                t, intern, vpcs, 0) != 0 ||
	    state_query(db, "SELECT scope, ip, flags FROM vpc_egress", t,
	                intern, vpcs, 1) != 0 ||
	    state_query(db, "SELECT scope, service, id FROM vpc_endpoints", t,
	                intern, vpcs, 2) != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_close(db);
	return 0;
}

static void
state_put(sqlite3_stmt *st, const struct session *s)
{
	struct sip ips[SESSION_MAXIPS];
	int i;

	for (i = 0; i < s->nips; i++)
		ips[i] = *session_ip(s, i);
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->peer != NULL ? s->peer : "", -1,
	                  SQLITE_STATIC);
	if (s->role != NULL)
		sqlite3_bind_text(st, 3, s->role, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, s->expires);
	sqlite3_bind_int(st, 5, s->flags);
	sqlite3_bind_blob(st, 6, ips, (int)(s->nips * sizeof *ips),
	                  SQLITE_TRANSIENT);
	if (s->vpc != NULL)
		sqlite3_bind_text(st, 7, s->vpc, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (s->account != NULL)
		sqlite3_bind_text(st, 8, s->account, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* One scope's egress addresses and endpoints. */
static void
state_put_vpc(sqlite3_stmt *eg, sqlite3_stmt *ep, const char *scope,
              const struct vpc_scope *v)
{
	int i;

	for (i = 0; i < v->negress; i++) {
		sqlite3_bind_text(eg, 1, scope, -1, SQLITE_STATIC);
		sqlite3_bind_blob(eg, 2, &v->egress[i].ip, 16, SQLITE_STATIC);
		sqlite3_bind_int(eg, 3, v->egress[i].flags);
		sqlite3_step(eg);
		sqlite3_reset(eg);
	}
	for (i = 0; i < v->nep; i++) {
		sqlite3_bind_text(ep, 1, scope, -1, SQLITE_STATIC);
		sqlite3_bind_text(ep, 2, v->ep[i].service, -1, SQLITE_STATIC);
		sqlite3_bind_text(ep, 3, v->ep[i].id, -1, SQLITE_STATIC);
		sqlite3_step(ep);
		sqlite3_reset(ep);
	}
}

static int
state_save_vpcs(sqlite3 *db, const struct session_table *t,
                const struct dmap *vpcs)
{
	sqlite3_stmt *eg = NULL, *ep = NULL;
	const struct session *s;
	size_t i;
	int r = -1;

	if (sqlite3_exec(db,
	                 "DELETE FROM vpc_egress; DELETE FROM vpc_endpoints;",
	                 NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "INSERT INTO vpc_egress VALUES (?,?,?)", -1,
	                       &eg, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "INSERT INTO vpc_endpoints VALUES (?,?,?)",
	                       -1, &ep, NULL) == SQLITE_OK) {
		for (i = 0; i < vpcs->cap; i++)
			if (vpcs->s[i].key != NULL)
				state_put_vpc(eg, ep, vpcs->s[i].key,
				              vpcs->s[i].val);
		for (i = 0; (s = session_next(t, &i)) != NULL;)
			if (s->scope != NULL)
				state_put_vpc(eg, ep, s->id, s->scope);
		r = 0;
	}
	sqlite3_finalize(eg);
	sqlite3_finalize(ep);
	return r;
}

int
state_save(const char *path, const struct session_table *t,
           const struct dmap *vpcs, char *err, size_t errlen)
{
	sqlite3 *db = state_open(path, err, errlen);
	sqlite3_stmt *st;
	const struct session *s;
	size_t i = 0;

	if (db == NULL)
		return -1;
	sqlite3_exec(db, "BEGIN; DELETE FROM sessions;", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO sessions (id, peer, role, expires,"
	                       " flags, ips, vpc, account)"
	                       " VALUES (?,?,?,?,?,?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK ||
	    state_save_vpcs(db, t, vpcs) != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		sqlite3_close(db);
		return -1;
	}
	while ((s = session_next(t, &i)) != NULL)
		state_put(st, s);
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_close(db);
	return 0;
}
