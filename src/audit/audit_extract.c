/* Reading a credential response for the audit log. The body holds a
 * SecretAccessKey and a Token: this file copies out only the two fields
 * the log may carry, each checked against a strict shape, so a weird or
 * hostile body can never smuggle a secret into a record. */
#include "config.h"

#include <string.h>

#include "audit/audit_int.h"
#include "common/timefmt.h"

#define AKID_MIN 16
#define AKID_MAX 128

/* AWS key ids are upper-case letters and digits (AKIA..., ASIA...); a
 * secret or token (base64: lower case, '+', '/', '=') never fits. */
static int
audit_extract_akid_ok(const char *s, size_t len)
{
	size_t i;

	if (len < AKID_MIN || len > AKID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	}
	return 1;
}

/* Only a real RFC 3339 timestamp of sane length goes into the log. */
static int
audit_extract_exp_ok(const char *s, size_t len)
{
	int64_t ms;

	return len <= 40 && timefmt_parse(s, len, &ms) == 0;
}

/* A kept field counts when it was a string of the right size and shape;
 * otherwise whatever was copied is wiped (it may be the secret a hostile
 * body put under that name). */
static int
audit_extract_take(const struct audit_json_field *f,
                   int (*check)(const char *, size_t))
{
	if (f->found && f->is_string && f->len < f->outlen &&
	    strlen(f->out) == f->len && check(f->out, f->len))
		return 0;
	explicit_bzero(f->out, f->outlen);
	return -1;
}

int
audit_extract_creds(const char *body, size_t len, struct audit_creds *c)
{
	struct audit_json_field f[2] = {
	    {"AccessKeyId", c->access_key_id, sizeof c->access_key_id, 0, 0, 0},
	    {"Expiration", c->expiration, sizeof c->expiration, 0, 0, 0}};
	enum audit_json_result r;
	int bad_akid, bad_exp;

	memset(c, 0, sizeof *c);
	r = audit_json_read(body, len, f, 2);
	if (r != AUDIT_JSON_OBJECT) {
		explicit_bzero(c, sizeof *c);
		/* Duplicate keys: which AccessKeyId would IMDS clients use?
		 * Record the fetch, trust neither. */
		if (r != AUDIT_JSON_DUPLICATE)
			return -1;
		c->problem = "duplicate keys in credential body";
		return 0;
	}
	bad_akid = audit_extract_take(&f[0], audit_extract_akid_ok);
	bad_exp = audit_extract_take(&f[1], audit_extract_exp_ok);
	if (bad_akid)
		c->problem = "no valid AccessKeyId in credential body";
	else if (bad_exp)
		c->problem = "no valid Expiration in credential body";
	return 0;
}

int
audit_extract_role(const char *path, char *role, size_t rolelen, int *identity)
{
	size_t end, start;

	*identity = strstr(path, "/identity-credentials/") != NULL;
	end = strcspn(path, "?#");
	while (end > 0 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	if (end == start || end - start >= rolelen)
		return -1;
	memcpy(role, path + start, end - start);
	role[end - start] = '\0';
	return 0;
}
