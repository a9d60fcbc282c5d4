/* Aggregating findings (see findings.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "detect/findings.h"
#include "common/log.h"
#include "common/xmalloc.h"

static const struct {
	const char *name, *title;
	double severity;
} findings_types[F_NTYPES] = {
    {"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
     "Instance credentials used from outside AWS", 8.0},
    {"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
     "Instance credentials used from another AWS address", 8.0},
    {"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
     "API called from an address on a custom threat list", 5.0},
    {"imdsgate:CredentialNotIssuedByProxy",
     "Instance key never handed out by imdsgated", 8.0},
    {"imdsgate:IMDSv1CredentialDelivery",
     "Credentials delivered by IMDSv1 where imdsgated requires tokens", 5.0},
    {"imdsgate:UnexpectedUserAgent",
     "Instance credentials used with an unexpected user agent", 5.0},
    {"imdsgate:ConsoleFederationFromInstanceCredentials",
     "Console sign-in federated from instance credentials", 8.0},
    {"imdsgate:TaskCredentialExfiltration.OutsideAWS",
     "ECS task role credentials used from outside AWS", 8.0},
    {"imdsgate:TaskCredentialExfiltration.InsideAWS",
     "ECS task role credentials used from another AWS address", 8.0},
    {"imdsgate:PodCredentialExfiltration.OutsideAWS",
     "EKS Pod Identity credentials used from outside AWS", 8.0},
    {"imdsgate:PodCredentialExfiltration.InsideAWS",
     "EKS Pod Identity credentials used from another AWS address", 8.0},
    {"imdsgate:LambdaCredentialExfiltration",
     "Lambda execution role credentials used outside the function", 8.0},
};

const char *
findings_type(enum ftype t)
{
	return findings_types[t].name;
}
const char *
findings_title(enum ftype t)
{
	return findings_types[t].title;
}
double
findings_severity(enum ftype t)
{
	return findings_types[t].severity;
}

static char *
findings_dup(const struct ct_str *s)
{
	return s->p != NULL ? xstrndup(s->p, s->n) : NULL;
}

static char *
findings_sdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct finding *
findings_new(struct findings *fs, enum ftype t, const struct finding_in *in)
{
	struct finding *f = xcalloc(1, sizeof *f);
	const struct ct_event *ev = in->ev;

	f->type = t;
	f->first = f->last = in->t;
	f->seq = fs->n;
	f->account =
	    findings_dup(ev->f[CT_UI_ACCOUNT].p ? &ev->f[CT_UI_ACCOUNT]
	                                        : &ev->f[CT_RECIPIENT]);
	f->region = findings_dup(&ev->f[CT_REGION]);
	f->instance = findings_sdup(in->instance);
	f->role_arn = findings_sdup(in->role_arn);
	f->session_arn = findings_sdup(in->session_arn);
	f->key = findings_dup(&ev->f[CT_UI_KEY]);
	f->ip = findings_sdup(in->ip);
	f->ua = findings_dup(&ev->f[CT_UA]);
	f->expected = findings_sdup(in->expected);
	f->process = findings_sdup(in->process);
	f->title = findings_sdup(in->title);
	f->src_account = findings_sdup(in->src_account);
	f->src_instance = findings_sdup(in->src_instance);
	f->role_id = findings_sdup(in->role_id);
	f->session_name = findings_sdup(in->session_name);
	f->task_id = findings_sdup(in->w.task_id);
	f->pod = findings_sdup(in->w.pod);
	f->ns = findings_sdup(in->w.ns);
	f->sa = findings_sdup(in->w.sa);
	f->cluster = findings_sdup(in->w.cluster);
	f->node = findings_sdup(in->w.node);
	f->function = findings_sdup(in->w.function);
	f->unproven = in->unproven;
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->v = xreallocarray(fs->v, fs->cap, sizeof *fs->v);
	}
	fs->v[fs->n++] = f;
	return f;
}

/* Hand the finding to the user's command on its stdin. */
static void
findings_run(const struct findings *fs, const struct finding *f)
{
	FILE *p;
	int st;

	fflush(NULL);
	if ((p = popen(fs->on_finding, "w")) == NULL) {
		log_warn("--on-finding");
		return;
	}
	findings_write_one(&(struct findings){.fmt = FMT_JSON, .now = fs->now},
	                   f, p);
	st = pclose(p);
	if (st != 0)
		log_warnx("--on-finding command exited with status %d",
		          WIFEXITED(st) ? WEXITSTATUS(st) : st);
}

static int
findings_idcmp(int64_t ta, const char *a, size_t alen, int64_t tb,
               const char *b)
{
	int c;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	c = strncmp(a, b, alen);
	return c != 0 ? c : (b[alen] != '\0' ? -1 : 0);
}

/* The earliest FINDING_MAXIDS events, whatever order they came in. */
static void
findings_keep_id(struct finding *f, int64_t t, const struct ct_str *id)
{
	int i, c;

	for (i = 0; i < f->nids; i++)
		if ((c = findings_idcmp(t, id->p, id->n, f->event_t[i],
		                        f->event_ids[i])) <= 0) {
			if (c == 0)
				return;
			break;
		}
	if (i == FINDING_MAXIDS)
		return;
	if (f->nids == FINDING_MAXIDS)
		free(f->event_ids[--f->nids]);
	memmove(&f->event_ids[i + 1], &f->event_ids[i],
	        (f->nids - i) * sizeof *f->event_ids);
	memmove(&f->event_t[i + 1], &f->event_t[i],
	        (f->nids - i) * sizeof *f->event_t);
	f->event_ids[i] = xstrndup(id->p, id->n);
	f->event_t[i] = t;
	f->nids++;
}

/* A later sighting that names the affiliated instance fills it in. */
static void
findings_learn(struct finding *f, const struct finding_in *in)
{
	if (f->src_instance != NULL || in->src_instance == NULL)
		return;
	f->src_instance = xstrdup(in->src_instance);
	f->src_account = findings_sdup(in->src_account);
	free(f->title);
	f->title = findings_sdup(in->title);
}

int
findings_add(struct findings *fs, enum ftype t, const struct finding_in *in)
{
	char key[512];
	struct dmap_slot *d;
	struct finding *f;
	const struct ct_str *id = &in->ev->f[CT_EVENTID];
	int n = snprintf(key, sizeof key, "%d|%s|%s", (int)t,
	                 in->session_arn ? in->session_arn : "",
	                 in->ip ? in->ip : "");

	d = dmap_put(&fs->map, key,
	             n < (int)sizeof key ? (size_t)n : sizeof key - 1);
	if ((f = d->val) == NULL)
		f = d->val = findings_new(fs, t, in);
	else
		findings_learn(f, in);
	f->count++;
	if (in->t < f->first)
		f->first = in->t;
	if (in->t > f->last)
		f->last = in->t;
	if (id->p != NULL)
		findings_keep_id(f, in->t, id);
	if (f->count > 1)
		return 0;
	if (fs->stream != NULL) {
		findings_write_one(fs, f, fs->stream);
		fflush(fs->stream);
	}
	if (fs->on_finding != NULL)
		findings_run(fs, f);
	return 1;
}

static int
findings_cmp(const void *a, const void *b)
{
	const struct finding *x = *(struct finding *const *)a;
	const struct finding *y = *(struct finding *const *)b;
	int c;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if ((c = strcmp(x->session_arn ? x->session_arn : "",
	                y->session_arn ? y->session_arn : "")) != 0)
		return c;
	return strcmp(x->ip ? x->ip : "", y->ip ? y->ip : "");
}

void
findings_write(struct findings *fs, FILE *out)
{
	size_t i;

	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof *fs->v, findings_cmp);
	if (fs->fmt == FMT_TEXT && fs->n > 0)
		findings_text_header(out);
	for (i = 0; i < fs->n; i++)
		findings_write_one(fs, fs->v[i], out);
}

static void
findings_free_one(void *p)
{
	struct finding *f = p;
	int i;

	free(f->account);
	free(f->region);
	free(f->instance);
	free(f->role_arn);
	free(f->session_arn);
	free(f->key);
	free(f->ip);
	free(f->ua);
	free(f->expected);
	free(f->process);
	free(f->title);
	free(f->src_account);
	free(f->src_instance);
	free(f->role_id);
	free(f->session_name);
	free(f->task_id);
	free(f->pod);
	free(f->ns);
	free(f->sa);
	free(f->cluster);
	free(f->node);
	free(f->function);
	for (i = 0; i < f->nids; i++)
		free(f->event_ids[i]);
	free(f);
}

void
findings_free(struct findings *fs)
{
	dmap_free(&fs->map, findings_free_one);
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}
