/* The files of DIR: per account (DIR/ACCOUNT/) the SCP, the role policy
 * and the commented list of exemptions. Each file is written whole under
 * a temporary name and renamed, so a reader never sees half a policy;
 * files of an earlier run's other shape (split or not) are removed. */
#include "config.h"
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "detect/perimeter_replay.h"

static const char *pm_shapes[] = {"scp.json",           "scp-1.json",
                                  "scp-2.json",         "role-policy.json",
                                  "role-policy-1.json", "role-policy-2.json"};

/* An account id names a directory: twelve digits, nothing else. */
static int
pm_account_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return i == 12;
}

/* Write text as it is to dir/name through dir/name.tmp: an SCP file is
 * exactly the characters counted against its limit. */
int
perimeter_write_file(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;
	int r;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	fputs(text, f);
	r = ferror(f) | fclose(f);
	if (r != 0 || rename(tmp, path) != 0) {
		log_warn("%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The exemptions, one per line with why, as comments say it. */
static char *
pm_exemptions_text(const struct pm_account *a)
{
	const char *type;
	char *s = NULL, name[160];
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		fatal("open_memstream");
	fprintf(f,
	        "# Services exempted from statement "
	        "DenyInstanceCredentialsOffVpcEndpoints\n"
	        "# (its NotAction) in scp*.json and role-policy*.json of "
	        "account %s:\n"
	        "# the account's instances called them only over public "
	        "endpoints.\n"
	        "# Create the VPC endpoint named for one, then compile "
	        "again: it drops out.\n",
	        a->id);
	for (i = 0; i < a->nex; i++) {
		if (perimeter_svc_endpoint(a->ex[i].service, NULL, name,
		                           sizeof name, &type) != 0)
			snprintf(name, sizeof name, "none exists");
		fprintf(f, "%s%s\t# %s: %llu public calls; endpoint %s%s\n",
		        a->ex[i].kept ? "" : "# ", a->ex[i].action,
		        a->ex[i].service, (unsigned long long)a->ex[i].calls,
		        name,
		        a->ex[i].kept ? "" : " (left out: the SCP limit)");
	}
	if (a->nex == 0)
		fprintf(f, "# (none: no service was reached only over "
		           "public endpoints)\n");
	fclose(f);
	return s;
}

static int
pm_write_account(const struct pm_account *a, const char *dir)
{
	char sub[4096];
	char *ex;
	size_t i;
	int r = 0;

	snprintf(sub, sizeof sub, "%s/%s", dir, a->id);
	if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
		log_warn("%s", sub);
		return -1;
	}
	for (i = 0; i < sizeof pm_shapes / sizeof pm_shapes[0]; i++) {
		char old[4200];
		snprintf(old, sizeof old, "%s/%s", sub, pm_shapes[i]);
		unlink(old);
	}
	for (i = 0; i < (size_t)a->nscp; i++)
		r |= perimeter_write_file(sub, a->scp[i].name, a->scp[i].text);
	for (i = 0; i < (size_t)a->nrole; i++)
		r |=
		    perimeter_write_file(sub, a->role[i].name, a->role[i].text);
	ex = pm_exemptions_text(a);
	r |= perimeter_write_file(sub, "exemptions.txt", ex);
	free(ex);
	return r;
}

int
perimeter_write_files(const struct pm_replay *rp, const char *dir)
{
	size_t i;
	int r = 0;

	for (i = 0; i < rp->n; i++) {
		if (!pm_account_ok(rp->v[i].id)) {
			log_warnx("account \"%.40s\" is not an account id: its "
			          "policies are in the report only",
			          rp->v[i].id);
			continue;
		}
		r |= pm_write_account(&rp->v[i], dir);
	}
	return r;
}
