/* Loading range tables from threat lists and AWS's ip-ranges.json. */
#include "config.h"
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "detect/iprange.h"

int
iprange_load_list(struct iprange_set *set, const char *path, char *err,
                  size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512], *s, *e;
	int lineno = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);
		     e--)
			;
		if (e > s && iprange_add(set, s, e - s) != 0) {
			snprintf(err, errlen, "%s:%d: not an IP or CIDR", path,
			         lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	iprange_finish(set);
	return 0;
}

static int
iprange_load_array(struct iprange_set *set, json_t *root, const char *arr,
                   const char *key)
{
	json_t *a = json_object_get(root, arr), *v;
	const char *s;
	size_t i;

	json_array_foreach(a, i, v)
	{
		s = json_string_value(json_object_get(v, key));
		if (s != NULL && iprange_add(set, s, strlen(s)) != 0)
			return -1;
	}
	return 0;
}

int
iprange_load_aws(struct iprange_set *set, const char *path, char *err,
                 size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);

	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	if (iprange_load_array(set, root, "prefixes", "ip_prefix") != 0 ||
	    iprange_load_array(set, root, "ipv6_prefixes", "ipv6_prefix") !=
	        0) {
		snprintf(err, errlen, "%s: bad prefix", path);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	iprange_finish(set);
	return 0;
}
