/* imdsgated's `instance` records as the perimeter compiler reads them:
 * the instance's VPC and every private IPv4 of its interfaces (the
 * primary among them). The detector reads the same file for its own
 * purposes and reports its malformed lines; they are skipped here. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/perimeter.h"

static void
pm_proxy_ips(struct pm_inst *in, json_t *arr)
{
	struct ip16 ip;
	const char *s;
	json_t *v;
	size_t i;

	in->nips = 0;
	in->complete = 1;
	json_array_foreach(arr, i, v)
	{
		if ((s = json_string_value(v)) == NULL ||
		    ip16_parse(s, strlen(s), &ip) != 0)
			continue;
		if (in->nips == PM_MAXIPS) {
			in->complete = 0;
			break;
		}
		in->ips[in->nips++] = ip;
	}
	in->complete &= in->nips > 0;
}

/* The latest record of an instance wins: its network may have changed. */
static void
pm_proxy_instance(struct perimeter *p, json_t *r)
{
	const char *id = json_string_value(json_object_get(r, "instance_id"));
	const char *vpc = json_string_value(json_object_get(r, "vpc_id"));
	struct pm_inst *in;

	if (id == NULL || (in = perimeter_inst(p, id, strlen(id))) == NULL)
		return;
	if (vpc != NULL && strncmp(vpc, "vpc-", 4) == 0) {
		in->vpc = perimeter_intern(p, vpc, strlen(vpc));
		in->source = "imdsgated";
	}
	if (json_is_array(json_object_get(r, "private_ips")))
		pm_proxy_ips(in, json_object_get(r, "private_ips"));
}

int
perimeter_proxy_load(struct perimeter *p, const char *path, char *err,
                     size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	const char *ev;
	json_t *r;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if ((r = json_loads(line, 0, NULL)) == NULL)
			continue;
		ev = json_string_value(json_object_get(r, "event"));
		if (ev != NULL && strcmp(ev, "instance") == 0)
			pm_proxy_instance(p, r);
		json_decref(r);
	}
	free(line);
	fclose(f);
	return 0;
}
