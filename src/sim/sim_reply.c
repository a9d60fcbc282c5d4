/* Responses as EC2's IMDS sends them: "Server: EC2ws", text/plain
 * metadata, and a small XHTML page for every error. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "sim/sim.h"

/* IMDS's XHTML error page around "404 - Not Found", with the
 * indentation of the DOCTYPE's second line: the service sends two
 * layouts (docs/imds.md has the captures). */
#define SIM_PAGE(indent, what)                                                 \
	"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"                    \
	"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 "                       \
	"Transitional//EN\"\n" indent                                          \
	"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"       \
	"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" "        \
	"lang=\"en\">\n"                                                       \
	" <head>\n"                                                            \
	"  <title>" what "</title>\n"                                          \
	" </head>\n"                                                           \
	" <body>\n"                                                            \
	"  <h1>" what "</h1>\n"                                                \
	" </body>\n"                                                           \
	"</html>\n"
/* The 404 of a missing path: a 339-byte page, two tabs and a space. */
#define SIM_PAGE_PATH(what) SIM_PAGE("\t\t ", what)
/* The 401 of the token check: a 343-byte page, one tab. The 400, 403
 * and 405 have not been captured: they take this layout, the proxy's. */
#define SIM_PAGE_TOKEN(what) SIM_PAGE("\t", what)

/* The simulator's own copy of IMDS's answers: it is the reference the
 * proxy's pages are tested against, so nothing here comes from the
 * proxy's code. */
static const struct sim_status {
	int code;
	const char *reason;
	const char *page;
} sim_statuses[] = {
    {200, "OK", NULL},
    {400, "Bad Request", SIM_PAGE_TOKEN("400 - Bad Request")},
    {401, "Unauthorized", SIM_PAGE_TOKEN("401 - Unauthorized")},
    {403, "Forbidden", SIM_PAGE_TOKEN("403 - Forbidden")},
    {404, "Not Found", SIM_PAGE_PATH("404 - Not Found")},
    {405, "Method Not Allowed", SIM_PAGE_TOKEN("405 - Method Not Allowed")},
    {500, "Internal Server Error",
     SIM_PAGE_TOKEN("500 - Internal Server Error")},
};

/* The entry for code; a code the simulator never sends is a 500. */
static const struct sim_status *
sim_status(int code)
{
	size_t i, n = sizeof sim_statuses / sizeof sim_statuses[0];

	for (i = 0; i < n; i++)
		if (sim_statuses[i].code == code)
			return &sim_statuses[i];
	return &sim_statuses[n - 1];
}

/* Send with IMDS's headers. evhttp leaves Content-Length out of HEAD
 * answers, and would send a body if we set one: give the length, keep
 * the body. */
static void
sim_reply_send(struct evhttp_request *req, const struct sim_status *st,
               const char *type, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char n[24];

	evhttp_add_header(h, "Server", "EC2ws");
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Accept-Ranges", "none");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof n, "%zu", len);
		evhttp_add_header(h, "Content-Length", n);
	} else
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	evhttp_send_reply(req, st->code, st->reason, NULL);
}

void
sim_reply_text(struct evhttp_request *req, const char *body, size_t len)
{
	sim_reply_send(req, sim_status(200), "text/plain", body, len);
}

/* The page is fixed text: nothing from the request goes into it. */
void
sim_reply_error(struct evhttp_request *req, int code)
{
	const struct sim_status *st = sim_status(code);

	sim_reply_send(req, st, "text/html", st->page, strlen(st->page));
}
