/* Test front end: `rules-tool -t DIR` checks a rules directory and
 * `rules-tool DIR USER METHOD PATH` explains a request, through the same
 * one-call API imdsgated uses for -t and --explain. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "rules/rules.h"

int
main(int argc, char **argv)
{
	log_init("rules-tool", LOG_TO_STDERR, 0);
	if (argc == 3 && strcmp(argv[1], "-t") == 0)
		return rules_check_dir(argv[2]);
	if (argc == 5)
		return rules_explain_dir(argv[1], argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: rules-tool -t DIR | DIR USER METHOD PATH\n");
	return 2;
}
