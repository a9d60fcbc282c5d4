/* JSON laid out as the real IMDS lays it out ("key" : "value", two-space
 * indent): clients parse either, but a byte-for-byte look-alike keeps
 * the proxy's tests honest. Strings go through jw_escape. */
#include "config.h"

#include <string.h>

#include "common/jsonw.h"
#include "sim/sim.h"

void
sim_json_begin(struct sim_json *j, struct buf *b)
{
	j->b = b;
	j->n = 0;
	buf_addc(b, '{');
}

static void
sim_json_key(struct sim_json *j, const char *key)
{
	buf_addstr(j->b, j->n++ ? ",\n  " : "\n  ");
	jw_escape(j->b, key, strlen(key));
	buf_addstr(j->b, " : ");
}

void
sim_json_str(struct sim_json *j, const char *key, const char *val)
{
	sim_json_key(j, key);
	jw_escape(j->b, val, strlen(val));
}

void
sim_json_null(struct sim_json *j, const char *key)
{
	sim_json_key(j, key);
	buf_addstr(j->b, "null");
}

void
sim_json_end(struct sim_json *j)
{
	buf_addstr(j->b, "\n}");
}
