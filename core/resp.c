/* SPDX-License-Identifier: ISC */
/*
 * resp.c: answers.  JSON bodies are built with jansson, never printf of
 * request data; header values are fixed strings or values we made.
 * Every answer carries Cache-Control: no-store (OAuth responses must not
 * be cached, RFC 6749 5.1) and the request id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static enum ig_err
answer(struct ig_req *r, int status, const char *ctype, const char *body,
    size_t len, long retry_after)
{
	char		 head[512], extra[64] = "";
	int		 n;
	enum ig_err	 er;

	if (ig_resp_sent(r))
		return IG_EINPUT;
	ig_req_set_status(r, status);
	if (status == 401)
		(void)snprintf(extra, sizeof(extra),
		    "WWW-Authenticate: Bearer\r\n");
	else if (retry_after > 0)
		(void)snprintf(extra, sizeof(extra), "Retry-After: %ld\r\n",
		    retry_after);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Request-Id: %s\r\n%s\r\n",
	    status, reason(status), ctype, len, ig_req_id(r), extra);
	if (n < 0 || (size_t)n >= sizeof(head))
		return IG_ESYS;
	if ((er = ig_req_write(r, head, (size_t)n)) != IG_OK)
		return er;
	if (ig_req_method(r) == IG_METHOD_HEAD || len == 0)
		return IG_OK;
	return ig_req_write(r, body, len);
}

char *
ig_json_text(const json_t *v, char *buf, size_t sz, size_t *len)
{
	char	*s;

	/* Most bodies fit the caller's buffer: none grown a step at a time. */
	*len = json_dumpb(v, buf, sz, JSON_COMPACT);
	if (*len > 0 && *len <= sz)
		return buf;
	if ((s = json_dumps(v, JSON_COMPACT)) != NULL)
		*len = strlen(s);
	return s;
}

enum ig_err
ig_resp_json(struct ig_req *r, int status, json_t *body)
{
	char		 buf[4096], *s;
	size_t		 len;
	enum ig_err	 er;

	if ((s = ig_json_text(body, buf, sizeof(buf), &len)) == NULL)
		return ig_resp_fail(r, IG_ENOMEM);
	er = answer(r, status, "application/json", s, len, 0);
	if (s != buf)
		free(s);
	return er;
}

enum ig_err
ig_resp_error_ex(struct ig_req *r, int status, const char *code,
    const char *text, long retry_after, json_t *extra)
{
	json_t		*o;
	char		 buf[1024], *s = NULL;
	size_t		 len;
	enum ig_err	 er;

	o = json_pack("{s:s, s:s, s:s}", "error", code,
	    "error_description", text, "request_id", ig_req_id(r));
	if (o == NULL || (extra != NULL && json_object_update(o, extra)) ||
	    (s = ig_json_text(o, buf, sizeof(buf), &len)) == NULL) {
		json_decref(o);
		/* A fixed body, so even out of memory gets an answer. */
		return answer(r, 503, "application/json",
		    "{\"error\":\"unavailable\"}", 23, 0);
	}
	er = answer(r, status, "application/json", s, len, retry_after);
	if (s != buf)
		free(s);
	json_decref(o);
	return er;
}

enum ig_err
ig_resp_error(struct ig_req *r, int status, const char *code,
    const char *text, long retry_after)
{
	return ig_resp_error_ex(r, status, code, text, retry_after, NULL);
}

/* Meta's fbtrace ids are short base64-ish strings; anything else is dropped. */
static int
trace_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n < 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=_-") == n;
}

enum ig_err
ig_resp_meta(struct ig_req *r, enum ig_err er,
    const struct ig_meta_error *m)
{
	json_t		*extra;
	enum ig_err	 rc;

	if (er == IG_ERATELIMIT)
		return ig_resp_error(r, 503, "upstream_rate_limited",
		    "Meta is throttling calls for this app or account; retry "
		    "later", m->retry_after > 0 ? m->retry_after : 60);
	if (er == IG_EMETA && m->cls == IG_META_OAUTH && m->status == 400)
		return ig_resp_error(r, 400, "invalid_grant", "Meta rejected "
		    "the authorization code (expired, used, or for another "
		    "redirect URI); start the login again", 0);
	if (er == IG_EMETA && m->cls == IG_META_TOKEN)
		return ig_resp_error(r, 401, "token_revoked", "the Instagram "
		    "token is expired or revoked; connect the account again",
		    0);
	if (er == IG_EUPSTREAM)
		return ig_resp_error(r, 502, "upstream_error", "Meta did not "
		    "answer usefully; try again", 0);
	if (er != IG_EMETA)
		return ig_resp_fail(r, er);
	extra = json_pack("{s:I}", "meta_code", (json_int_t)m->code);
	if (extra != NULL && m->subcode != 0)
		(void)json_object_set_new(extra, "meta_subcode",
		    json_integer(m->subcode));
	if (extra != NULL && trace_ok(m->fbtrace_id))
		(void)json_object_set_new(extra, "fbtrace_id",
		    json_string(m->fbtrace_id));
	rc = ig_resp_error_ex(r, 502, "upstream_error", "Meta refused the "
	    "call; see meta_code", 0, extra);
	json_decref(extra);
	return rc;
}

void
ig_iso8601(char out[21], time_t t)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		out[0] = '\0';
}

enum ig_err
ig_resp_fail(struct ig_req *r, enum ig_err er)
{
	return ig_resp_error(r, ig_err_http(er), ig_err_code(er),
	    ig_strerror(er), 0);
}

enum ig_err
ig_resp_text(struct ig_req *r, int status, const char *text)
{
	return answer(r, status, "text/plain; charset=utf-8", text,
	    strlen(text), 0);
}
