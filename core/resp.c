/* SPDX-License-Identifier: ISC */
/*
 * resp.c: answers.  A handler records data or an error value in its
 * request (ig_reply, ig_refuse); ig_answer_send() shapes what it recorded
 * (shape.c) and writes it, once.  JSON bodies are built with jansson,
 * or printed by jout.c with the same escapes, never printf of request
 * data; header values are fixed strings or values we made.  Every answer
 * carries Cache-Control: no-store (OAuth responses must not be cached,
 * RFC 6749 5.1) and the request id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

/* Seconds a client waits after a 503 that names no time of its own. */
#define RETRY_503	5

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
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

/* CORS (Fetch standard): what a page of an allowed origin may read. */
static int
cors_headers(const struct ig_answer *a, char *out, size_t sz)
{
	if (a->origin[0] == '\0')
		return 0;
	return snprintf(out, sz, "Access-Control-Allow-Origin: %s\r\n"
	    "Access-Control-Expose-Headers: X-Request-Id, Retry-After\r\n"
	    "Vary: Origin\r\n", a->origin);
}

/* The answer's own headers beyond the fixed ones, into "out". */
static int
extra_headers(const struct ig_answer *a, int status, char *out, size_t sz)
{
	int	n = 0, k;

	out[0] = '\0';
	if (status == 401)
		n = snprintf(out, sz, "WWW-Authenticate: Bearer\r\n");
	else if (a->retry_after > 0)
		n = snprintf(out, sz, "Retry-After: %ld\r\n", a->retry_after);
	else if (status == 503)
		/* Down for now (the database, say): when to come back. */
		n = snprintf(out, sz, "Retry-After: %d\r\n", RETRY_503);
	if (n < 0 || (size_t)n >= sz)
		return 0;
	k = cors_headers(a, out + n, sz - (size_t)n);
	if (k < 0 || (size_t)k >= sz - (size_t)n)
		return 0;
	n += k;
	if (a->cookie != NULL) {
		k = snprintf(out + n, sz - (size_t)n, "Set-Cookie: %s\r\n",
		    a->cookie);
		if (k < 0 || (size_t)k >= sz - (size_t)n)
			return 0;
	}
	return 1;
}

static enum ig_err
write_answer(struct ig_req *r, int status, const char *ctype,
    const char *body, size_t len)
{
	struct ig_answer	*a = ig_req_answer(r);
	char			 head[1536], extra[1024];
	int			 n;
	enum ig_err		 er;

	ig_req_set_status(r, status);
	if (!extra_headers(a, status, extra, sizeof(extra)))
		return IG_ESYS;
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

/* Write "body" (stolen) as JSON; out of memory still gets an answer. */
static enum ig_err
write_json(struct ig_req *r, int status, json_t *body)
{
	char		 buf[4096], *s = NULL;
	size_t		 len;
	enum ig_err	 er;

	if (body == NULL || (s = ig_json_text(body, buf, sizeof(buf), &len)) ==
	    NULL) {
		json_decref(body);
		/* A fixed body, so even out of memory gets an answer. */
		return write_answer(r, 503, "application/json",
		    "{\"error\":\"unavailable\"}", 23);
	}
	er = write_answer(r, status, "application/json", s, len);
	if (s != buf)
		free(s);
	json_decref(body);
	return er;
}

static void
forget_error(struct ig_answer *a)
{
	free(a->why);
	a->why = NULL;
	json_decref(a->extra);
	a->extra = NULL;
	a->err = IG_OK;
}

static void
forget_data(struct ig_answer *a)
{
	json_decref(a->body);
	a->body = NULL;
	free(a->json);
	a->json = NULL;
	free(a->text);
	a->text = NULL;
	ig_free_secret(a->token);
	a->token = NULL;
}

void
ig_answer_clear(struct ig_answer *a)
{
	forget_error(a);
	forget_data(a);
	free(a->cookie);
	a->cookie = NULL;
	ig_free_secret(a->token);
	a->token = NULL;
}

void
ig_reply_token(struct ig_req *r, char *token)
{
	struct ig_answer	*a = ig_req_answer(r);

	ig_free_secret(a->token);
	a->token = token;
}

enum ig_err
ig_reply(struct ig_req *r, int status, json_t *body)
{
	struct ig_answer	*a = ig_req_answer(r);

	if (body == NULL)
		return IG_ENOMEM;
	/* What was given before goes; headers such as a cookie stay. */
	forget_error(a);
	forget_data(a);
	a->body = body;
	ig_req_set_status(r, status);
	return IG_OK;
}

enum ig_err
ig_reply_printed(struct ig_req *r, int status, char *json, size_t len)
{
	struct ig_answer	*a = ig_req_answer(r);

	forget_error(a);
	forget_data(a);
	a->json = json;
	a->json_len = len;
	ig_req_set_status(r, status);
	return IG_OK;
}

enum ig_err
ig_reply_text(struct ig_req *r, int status, const char *text)
{
	struct ig_answer	*a = ig_req_answer(r);
	char			*copy;

	if ((copy = ig_strdup(text)) == NULL)
		return IG_ENOMEM;
	forget_error(a);
	forget_data(a);
	a->text = copy;
	ig_req_set_status(r, status);
	return IG_OK;
}

enum ig_err
ig_reply_cookie(struct ig_req *r, const char *name, const char *value,
    long max_age)
{
	struct ig_answer	*a = ig_req_answer(r);
	char			 buf[512];
	int			 n;

	n = snprintf(buf, sizeof(buf), "%s=%s; Max-Age=%ld; Path=/; Secure; "
	    "HttpOnly; SameSite=Lax", name, value, max_age);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return IG_EINPUT;
	free(a->cookie);
	if ((a->cookie = ig_strdup(buf)) == NULL)
		return IG_ENOMEM;
	return IG_OK;
}

void
ig_reply_retry_after(struct ig_req *r, long seconds)
{
	ig_req_answer(r)->retry_after = seconds;
}

enum ig_err
ig_refuse_with(struct ig_req *r, enum ig_err er, const char *why,
    json_t *extra)
{
	struct ig_answer	*a = ig_req_answer(r);

	forget_error(a);
	forget_data(a);
	a->err = er;
	a->extra = extra;
	/* Without its own text the error keeps the table's. */
	if (why != NULL)
		a->why = ig_strdup(why);
	ig_req_set_status(r, ig_err_http(er));
	return er;
}

enum ig_err
ig_refuse(struct ig_req *r, enum ig_err er, const char *why)
{
	return ig_refuse_with(r, er, why, NULL);
}

/* Meta's fbtrace ids are short base64-ish strings; anything else is dropped. */
static int
trace_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n < 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=_-") == n;
}

/*
 * The permission Meta's message names ("(#200) Requires
 * instagram_business_content_publish permission"), into "out"; "" when
 * none.  Only a name of Meta's permission vocabulary is taken from the
 * message, never its words.
 */
static void
named_permission(const char *msg, char *out, size_t sz)
{
	static const char *const prefixes[] = { "instagram_", "pages_",
	    "business_management", "ads_" };
	const char	*p;
	size_t		 i, n;

	out[0] = '\0';
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if ((p = strstr(msg, prefixes[i])) == NULL)
			continue;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		if (n < sz && n < 64) {
			memcpy(out, p, n);
			out[n] = '\0';
		}
		return;
	}
}

/* Codes 10 and 200-299: Meta's word for a permission the call lacks. */
static enum ig_err
refuse_permission(struct ig_req *r, const struct ig_meta_error *m)
{
	char	 perm[64];
	json_t	*extra;

	named_permission(m->message, perm, sizeof(perm));
	extra = json_pack("{s:I}", "meta_code", (json_int_t)m->code);
	if (extra != NULL && perm[0] != '\0')
		(void)json_object_set_new(extra, "permission",
		    json_string(perm));
	return ig_refuse_with(r, IG_EPERMISSION, NULL, extra);
}

enum ig_err
ig_refuse_meta(struct ig_req *r, enum ig_err er,
    const struct ig_meta_error *m)
{
	json_t	*extra;

	if (er == IG_ERATELIMIT) {
		ig_reply_retry_after(r, m->retry_after > 0 ? m->retry_after :
		    60);
		return ig_refuse(r, er, "Meta is throttling calls for this "
		    "app or account; retry later");
	}
	if (er == IG_EMETA && m->cls == IG_META_OAUTH && m->status == 400)
		return ig_refuse(r, IG_EGRANT, NULL);
	if (er == IG_EMETA && m->cls == IG_META_TOKEN)
		return ig_refuse(r, IG_EREVOKED, NULL);
	if (er == IG_EMETA && m->cls == IG_META_PERMISSION)
		return refuse_permission(r, m);
	if (er == IG_EUPSTREAM)
		return ig_refuse(r, er, "Meta did not answer usefully; try "
		    "again");
	if (er != IG_EMETA)
		return ig_refuse(r, er, NULL);
	extra = json_pack("{s:I}", "meta_code", (json_int_t)m->code);
	if (extra != NULL && m->subcode != 0)
		(void)json_object_set_new(extra, "meta_subcode",
		    json_integer(m->subcode));
	if (extra != NULL && trace_ok(m->fbtrace_id))
		(void)json_object_set_new(extra, "fbtrace_id",
		    json_string(m->fbtrace_id));
	return ig_refuse_with(r, er, "Meta refused the call; see meta_code",
	    extra);
}

/* "v" (0 to 99) as two digits at "p". */
static void
two_digits(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* Digit by digit: strftime() took a thousand instructions a call. */
void
ig_iso8601(char out[21], time_t t)
{
	struct tm	tm;
	int		year;

	out[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 1000 - 1900 ||
	    tm.tm_year > 9999 - 1900)
		return;
	year = tm.tm_year + 1900;
	two_digits(out, year / 100);
	two_digits(out + 2, year % 100);
	two_digits(out + 5, tm.tm_mon + 1);
	two_digits(out + 8, tm.tm_mday);
	two_digits(out + 11, tm.tm_hour);
	two_digits(out + 14, tm.tm_min);
	two_digits(out + 17, tm.tm_sec);
	out[4] = out[7] = '-';
	out[10] = 'T';
	out[13] = out[16] = ':';
	out[19] = 'Z';
	out[20] = '\0';
}

time_t
ig_iso8601_parse(const char *s)
{
	static const char	form[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm		tm;
	size_t			i;
	int			n = 0;

	/* sscanf's %d also takes a sign or blanks: "T23:-1:60Z" is not it. */
	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &n) != 6 || n != 20 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return timegm(&tm);
}

static enum ig_err
send_error(struct ig_req *r, const struct ig_answer *a)
{
	struct ig_fault	f;

	f.status = ig_err_http(a->err);
	f.code = ig_err_code(a->err);
	f.text = a->why != NULL ? a->why : ig_strerror(a->err);
	f.request_id = ig_req_id(r);
	f.extra = a->extra;
	return write_json(r, f.status, ig_shape_error(r, &f));
}

/*
 * The request's Origin if IGCONNECT_CORS_ORIGINS lists it exactly, into
 * "out"; else "".  Only then is it echoed: it is then our own value.
 */
static void
allowed_origin(const struct ig_cfg *cfg, const struct ig_req *r, char *out,
    size_t sz)
{
	const char	*o, *p, *end;
	size_t		 n;

	out[0] = '\0';
	/* Without a list, no need to look for the header among them all. */
	if (cfg->cors_origins == NULL ||
	    (o = ig_req_env_once(r, "HTTP_ORIGIN")) == NULL ||
	    (n = strlen(o)) >= sz)
		return;
	for (p = cfg->cors_origins; *p != '\0'; p = *end != '\0' ? end + 1 :
	    end) {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) == n && memcmp(p, o, n) == 0) {
			memcpy(out, o, n + 1);
			return;
		}
	}
}

/* The methods in "methods", "GET, HEAD", for Allow-Methods. */
static void
method_list(unsigned methods, char *out, size_t sz)
{
	static const struct { unsigned bit; const char *name; } m[] = {
		{ IG_METHOD_GET, "GET" }, { IG_METHOD_HEAD, "HEAD" },
		{ IG_METHOD_POST, "POST" }, { IG_METHOD_PUT, "PUT" },
		{ IG_METHOD_PATCH, "PATCH" }, { IG_METHOD_DELETE, "DELETE" },
	};
	size_t	i, len = 0;
	int	k;

	out[0] = '\0';
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if ((methods & m[i].bit) == 0)
			continue;
		k = snprintf(out + len, sz - len, "%s%s", len > 0 ? ", " : "",
		    m[i].name);
		if (k < 0 || (size_t)k >= sz - len)
			return;
		len += (size_t)k;
	}
}

/*
 * A CORS preflight (Fetch standard, "CORS-preflight request"): 204 with
 * what an allowed origin may send; any other origin gets no CORS header,
 * so the browser stops there.
 */
static enum ig_err
send_preflight(struct ig_req *r, struct ig_answer *a)
{
	char	head[1024], methods[64];
	int	n;

	if (a->origin[0] == '\0') {
		a->err = IG_EFORBIDDEN;
		a->why = ig_strdup("this origin may not call the API from a "
		    "browser (IGCONNECT_CORS_ORIGINS)");
		return send_error(r, a);
	}
	method_list(ig_req_methods(r), methods, sizeof(methods));
	ig_req_set_status(r, 204);
	n = snprintf(head, sizeof(head), "Status: 204 No Content\r\n"
	    "Access-Control-Allow-Origin: %s\r\n"
	    "Access-Control-Allow-Methods: %s\r\n"
	    "Access-Control-Allow-Headers: Authorization, Content-Type, "
	    "Idempotency-Key\r\n"
	    "Access-Control-Max-Age: 600\r\n"
	    "Vary: Origin\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n\r\n", a->origin, methods, ig_req_id(r));
	if (n < 0 || (size_t)n >= sizeof(head))
		return IG_ESYS;
	return ig_req_write(r, head, (size_t)n);
}

/* The route has a shape of its own for data (shape.c). */
static int
shaped(const struct ig_req *r)
{
	const struct ig_route	*rt = ig_req_route(r);

	return rt != NULL && rt->shape != NULL;
}

enum ig_err
ig_answer_send(struct ig_req *r, const struct ig_cfg *cfg, enum ig_err er)
{
	struct ig_answer	*a = ig_req_answer(r);
	struct ig_shaping	 s;

	if (a->sent)
		return IG_EINPUT;
	a->sent = 1;
	allowed_origin(cfg, r, a->origin, sizeof(a->origin));
	if (ig_req_method(r) == IG_METHOD_OPTIONS && a->err == IG_OK)
		return send_preflight(r, a);
	/* The error a handler returns wins over what it recorded before. */
	if (er != IG_OK && er != a->err) {
		forget_error(a);
		a->err = er;
	}
	if (a->err == IG_OK && a->body == NULL && a->json == NULL &&
	    a->text == NULL)
		a->err = IG_ESYS;	/* a handler that gave nothing */
	if (a->err != IG_OK)
		return send_error(r, a);
	if (a->text != NULL)
		return write_answer(r, ig_resp_status(r),
		    "text/plain; charset=utf-8", a->text, strlen(a->text));
	if (a->json != NULL && !shaped(r))
		return write_answer(r, ig_resp_status(r), "application/json",
		    a->json, a->json_len);
	if (a->json != NULL && (a->body = json_loadb(a->json, a->json_len, 0,
	    NULL)) == NULL)
		return write_json(r, 503, NULL);
	s.cfg = cfg;
	s.req = r;
	s.status = ig_resp_status(r);
	s.body = a->body;
	s.token = a->token;
	return write_json(r, s.status, ig_shape_data(&s));
}
