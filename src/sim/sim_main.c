/* imdsgate-sim: option parsing and start-up order only. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/addr.h"
#include "common/log.h"
#include "sim/sim.h"

static const char *sim_usage_text =
    "usage: imdsgate-sim [-fqv] [-c FILE] [-l ADDR:PORT]... [options]\n"
    "An IMDS simulator that answers as EC2's instance metadata service does.\n"
    "  -f, --foreground         stay in the foreground, log to stderr, print\n"
    "                           a line with \"ready\" once listening\n"
    "  -l, --listen ADDR:PORT   listen here (repeatable; default\n"
    "                           169.254.169.254:80; [fd00:ec2::254]:80 for "
    "IPv6)\n"
    "  -c, --config FILE        read settings from the [sim] section of FILE\n"
    "  -v, --verbose            log every request (method, path, status)\n"
    "  -q, --quiet              log nothing but errors\n"
    "      --tokens required|optional   IMDSv2 tokens (default required)\n"
    "      --instance-id ID     --account ID     --region NAME   --role NAME\n"
    "      --private-ipv4 IP    --public-ipv4 IP (\"\" for none)\n"
    "      --ipv6 IP (\"\" for none)   --mac MAC (repeatable)\n"
    "      --vpc-id ID          --subnet-id ID\n"
    "      --credential-lifetime SECONDS   (2..43200, default 21600)\n"
    "      --hop-limit N        IP TTL of token responses (default 1)\n"
    "      --user-data TEXT     serve TEXT at /latest/user-data (default: "
    "404)\n"
    "      --secrets-file PATH  write the current keys there on each rotation\n"
    "      --fault MODE         never-answer|reset|garbage|huge-body|slow\n"
    "  -h, --help               this text      -V, --version   the version\n"
    "No SecretAccessKey or Token is ever logged.\n";

/* Long options that map straight onto configuration keys. */
static const char *sim_keyopts[] = {
    "tokens",    "instance-id",  "account",      "region",
    "role",      "private-ipv4", "public-ipv4",  "ipv6",
    "mac",       "vpc-id",       "subnet-id",    "credential-lifetime",
    "hop-limit", "user-data",    "secrets-file", "fault"};
#define SIM_NKEYOPTS (sizeof sim_keyopts / sizeof sim_keyopts[0])

static struct option sim_opts[SIM_NKEYOPTS + 8] = {
    {"foreground", no_argument, NULL, 'f'},
    {"listen", required_argument, NULL, 'l'},
    {"config", required_argument, NULL, 'c'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};

static void
sim_opts_init(void)
{
	size_t i;

	for (i = 0; i < SIM_NKEYOPTS; i++) {
		sim_opts[7 + i].name = sim_keyopts[i];
		sim_opts[7 + i].has_arg = required_argument;
		sim_opts[7 + i].val = 256 + (int)i;
	}
}

static void NORETURN
sim_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "imdsgate-sim: %s\n", msg);
	fputs(sim_usage_text, stderr);
	exit(2);
}

/* First pass: only -c, --help and --version, so the file is read before
 * the command line overrides it. */
static const char *
sim_args_first(int argc, char **argv)
{
	const char *file = NULL;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "fl:c:vqhV", sim_opts, NULL)) !=
	       -1) {
		if (ch == 'c')
			file = optarg;
		else if (ch == 'h') {
			fputs(sim_usage_text, stdout);
			exit(0);
		} else if (ch == 'V') {
			printf("imdsgate-sim %s\n", PACKAGE_VERSION);
			exit(0);
		}
	}
	return file;
}

static void
sim_args(struct sim_conf *c, int argc, char **argv, int *fg)
{
	char err[256];
	int ch;
	const char *key;

	optind = 0;
	opterr = 1;
	c->phase = 1;
	while ((ch = getopt_long(argc, argv, "fl:c:vqhV", sim_opts, NULL)) !=
	       -1) {
		key = NULL;
		if (ch == 'f')
			*fg = 1;
		else if (ch == 'v')
			c->verbose = 1;
		else if (ch == 'q')
			c->quiet = 1;
		else if (ch == 'l')
			key = "listen";
		else if (ch >= 256 && ch < 256 + (int)SIM_NKEYOPTS)
			key = sim_keyopts[ch - 256];
		else if (ch != 'c')
			sim_usage(NULL);
		if (key != NULL &&
		    sim_conf_set(c, key, optarg, err, sizeof err) != 0) {
			fprintf(stderr, "imdsgate-sim: --%s\n", err);
			exit(2);
		}
	}
	if (optind < argc)
		sim_usage("unexpected argument");
}

static void
sim_ready(const struct sim_conf *c)
{
	char a[ADDR_STRLEN];
	int i;

	fprintf(stderr, "imdsgate-sim: ready, tokens %s, listening on",
	        c->tokens_required ? "required" : "optional");
	for (i = 0; i < c->nlisten; i++)
		fprintf(stderr, " %s", addr_fmt(&c->listen[i], a, sizeof a));
	fprintf(stderr, "%s\n", c->fault ? " (fault mode)" : "");
	fflush(stderr);
}

static void
sim_stop(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	event_base_loopbreak(arg);
}

/* Detach once listening, so a bad address is still reported on the
 * terminal with exit 1. */
static void
sim_detach(struct event_base *base, const struct sim_conf *c)
{
	/* Keep the directory: --secrets-file may be relative. */
	if (daemon(1, 0) != 0)
		fatal("daemon");
	if (event_reinit(base) != 0)
		fatalx("event_reinit");
	log_init("imdsgate-sim", LOG_TO_SYSLOG, c->verbose);
}

/* Free everything, so the sanitizers' leak check stays quiet. */
static void
sim_free(struct sim *sim)
{
	if (sim->rotate_ev != NULL)
		event_free(sim->rotate_ev);
	sim_tokens_free(sim->tokens);
	sim_tree_free(sim->tree);
	if (sim->http != NULL)
		evhttp_free(sim->http);
	while (sim->nlisteners > 0)
		evconnlistener_free(sim->listeners[--sim->nlisteners]);
	event_base_free(sim->base);
}

static void
sim_run(struct sim_conf *c, int fg)
{
	struct sim sim;
	struct event *term, *intr;

	memset(&sim, 0, sizeof sim);
	sim.conf = c;
	if ((sim.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	sim.tokens = sim_tokens_new();
	sim.tree = sim_instance_tree(c);
	sim_creds_init(&sim.role, c->lifetime, time(NULL));
	sim_creds_init(&sim.ec2, c->lifetime, time(NULL));
	if ((c->fault ? sim_fault_serve(&sim) : sim_serve(&sim)) != 0)
		exit(1);
	if (c->secrets_file != NULL &&
	    sim_secrets_write(c->secrets_file, &sim.role, &sim.ec2) != 0)
		exit(1);
	sim_rotate_check(&sim);
	if (!fg)
		sim_detach(sim.base, c);
	term = evsignal_new(sim.base, SIGTERM, sim_stop, sim.base);
	intr = evsignal_new(sim.base, SIGINT, sim_stop, sim.base);
	evsignal_add(term, NULL);
	evsignal_add(intr, NULL);
	if (fg)
		sim_ready(c);
	event_base_dispatch(sim.base);
	event_free(term);
	event_free(intr);
	sim_free(&sim);
}

int
main(int argc, char **argv)
{
	struct sim_conf c;
	const char *file;
	char err[512];
	int fg = 0;

	signal(SIGPIPE, SIG_IGN);
	log_init("imdsgate-sim", LOG_TO_STDERR, 0);
	sim_opts_init();
	sim_conf_init(&c);
	file = sim_args_first(argc, argv);
	if (file != NULL && sim_conf_load(&c, file, err, sizeof err) != 0) {
		fprintf(stderr, "imdsgate-sim: %s\n", err);
		sim_conf_free(&c);
		return 2;
	}
	sim_args(&c, argc, argv, &fg);
	sim_conf_finish(&c);
	sim_run(&c, fg);
	sim_conf_free(&c);
	return 0;
}
