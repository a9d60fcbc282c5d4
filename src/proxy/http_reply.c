/* Answers the proxy gives itself, byte for byte as the IMDS (and
 * imdsgate-sim) gives them, so a refused client sees exactly what a
 * hardened instance would send and takes its usual, tested path. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy/http.h"

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

/* The XHTML page IMDS sends with every error the proxy makes (the 401's
 * layout, docs/imds.md); fixed text only. proxy-basic.sh compares these
 * byte for byte with imdsgate-sim's own copy of IMDS's pages. */
int
http_error_page(char *page, size_t len, int status)
{
	const char *reason = http_reason(status);

	return snprintf(
	    page, len,
	    "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
	    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
	    "\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" "
	    "lang=\"en\">\n <head>\n  <title>%d - %s</title>\n </head>\n"
	    " <body>\n  <h1>%d - %s</h1>\n </body>\n</html>\n",
	    status, reason, status, reason);
}

void
http_reply_error(struct buf *out, int status, int head_only, int close)
{
	char page[512], date[64];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	n = http_error_page(page, sizeof page, status);
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_addf(out,
	         "HTTP/1.1 %d %s\r\nServer: EC2ws\r\n"
	         "Content-Type: text/html\r\nAccept-Ranges: none\r\n"
	         "Date: %s\r\nContent-Length: %d\r\n%s\r\n",
	         status, http_reason(status), date, n,
	         close ? "Connection: close\r\n" : "");
	if (!head_only)
		buf_add(out, page, (size_t)n);
}
