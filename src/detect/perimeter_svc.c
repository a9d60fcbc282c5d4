/* From a CloudTrail event source to what the policy and the report name:
 * the IAM action prefix ("s3" for s3.amazonaws.com) and the VPC endpoint
 * service that carries it. Most follow the event source; the table holds
 * the exceptions AWS documents. */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "detect/perimeter_replay.h"

#define PM_SUFFIX ".amazonaws.com"

static const struct {
	const char *source; /* event source without .amazonaws.com */
	const char *action; /* IAM prefix, NULL: the same */
	const char *ep;     /* endpoint service, NULL: com.amazonaws.R.source */
	const char *type;   /* NULL: Interface */
} pm_svc[] = {
    {"monitoring", "cloudwatch", NULL, NULL},
    {"tagging", "tag", NULL, NULL},
    {"s3", NULL, NULL, "Gateway"},
    {"dynamodb", NULL, NULL, "Gateway"},
    {"iam", NULL, "com.amazonaws.iam", NULL}, /* global */
    {"route53", NULL, "com.amazonaws.route53", NULL},
    {"signin", NULL, "", NULL}, /* the console's: no endpoint */
};

/* The source's prefix, if it is NAME.amazonaws.com with a plain name. */
static size_t
pm_svc_prefix(const char *source)
{
	size_t n = strlen(source), k = sizeof PM_SUFFIX - 1, i;

	if (n <= k || strcmp(source + n - k, PM_SUFFIX) != 0 || n - k > 63)
		return 0;
	for (i = 0; i < n - k; i++)
		if (!((source[i] >= 'a' && source[i] <= 'z') ||
		      (source[i] >= '0' && source[i] <= '9') ||
		      source[i] == '-'))
			return 0;
	return n - k;
}

static int
pm_svc_find(const char *source, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof pm_svc / sizeof pm_svc[0]; i++)
		if (strlen(pm_svc[i].source) == n &&
		    memcmp(pm_svc[i].source, source, n) == 0)
			return (int)i;
	return -1;
}

int
perimeter_svc_action(const char *source, char *out, size_t len)
{
	size_t n = pm_svc_prefix(source);
	int i;

	if (n == 0)
		return -1;
	if ((i = pm_svc_find(source, n)) >= 0 && pm_svc[i].action != NULL)
		snprintf(out, len, "%s:*", pm_svc[i].action);
	else
		snprintf(out, len, "%.*s:*", (int)n, source);
	return 0;
}

int
perimeter_svc_endpoint(const char *source, const char *region, char *out,
                       size_t len, const char **type)
{
	size_t n = pm_svc_prefix(source);
	int i;

	*type = "Interface";
	if (n == 0)
		return -1;
	if ((i = pm_svc_find(source, n)) >= 0) {
		if (pm_svc[i].ep != NULL && pm_svc[i].ep[0] == '\0')
			return -1;
		if (pm_svc[i].type != NULL)
			*type = pm_svc[i].type;
		if (pm_svc[i].ep != NULL) {
			snprintf(out, len, "%s", pm_svc[i].ep);
			return 0;
		}
	}
	snprintf(out, len, "com.amazonaws.%s.%.*s",
	         region != NULL ? region : "REGION", (int)n, source);
	return 0;
}
