/* Reading a credential response for the audit log. The body holds a
 * SecretAccessKey and a Token: this file copies out only the two fields
 * the log may carry, each checked against a strict shape, so a weird or
 * hostile body can never smuggle a secret into a record. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "audit/audit.h"
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

/* Copy the top-level member key into out when check accepts it. */
static int
audit_extract_field(json_t *obj, const char *key, char *out, size_t outlen,
                    int (*check)(const char *, size_t))
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t len;

	if (v == NULL || !json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= outlen || strlen(s) != len || !check(s, len))
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
audit_extract_creds(const char *body, size_t len, struct audit_creds *c)
{
	json_error_t err;
	json_t *root;
	int bad_akid, bad_exp;

	memset(c, 0, sizeof *c);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		/* Duplicate keys: which AccessKeyId would IMDS clients use?
		 * Record the fetch, trust neither. */
		if (json_error_code(&err) == json_error_duplicate_key) {
			c->problem = "duplicate keys in credential body";
			return 0;
		}
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	bad_akid =
	    audit_extract_field(root, "AccessKeyId", c->access_key_id,
	                        sizeof c->access_key_id, audit_extract_akid_ok);
	bad_exp =
	    audit_extract_field(root, "Expiration", c->expiration,
	                        sizeof c->expiration, audit_extract_exp_ok);
	if (bad_akid)
		c->problem = "no valid AccessKeyId in credential body";
	else if (bad_exp)
		c->problem = "no valid Expiration in credential body";
	json_decref(root);
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
