/* Responses as EC2's IMDS sends them: "Server: EC2ws", text/plain
 * metadata, and a small XHTML page for every error. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "proxy/http.h"
#include "sim/sim.h"

/* Send with IMDS's headers. evhttp leaves Content-Length out of HEAD
 * answers, and would send a body if we set one: give the length, keep
 * the body. */
static void
sim_reply_send(struct evhttp_request *req, int code, const char *type,
               const char *body, size_t len)
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
	evhttp_send_reply(req, code, http_reason(code), NULL);
}

void
sim_reply_text(struct evhttp_request *req, const char *body, size_t len)
{
	sim_reply_send(req, 200, "text/plain", body, len);
}

/* The page is fixed text: nothing from the request goes into it. */
void
sim_reply_error(struct evhttp_request *req, int code)
{
	char page[512];
	int n = http_error_page(page, sizeof page, code);

	sim_reply_send(req, code, "text/html", page, (size_t)n);
}
