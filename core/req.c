/* SPDX-License-Identifier: ISC */
/*
 * req.c: one request, FastCGI or plain CGI (RFC 3875).  The body is
 * capped by CONTENT_LENGTH before a byte is read; query, form and JSON
 * parameters are parsed once against the endpoint's table, so handlers
 * only ever see values that passed their validator.  Pointers taken from
 * libfcgi never outlive the request (freed before FCGX_Finish_r).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "ig.h"
#include "extern.h"

struct	ig_req {
	FCGX_Request			*fcgx;	/* NULL in CGI mode */
	const struct ig_endpoint	*ep;
	unsigned			 method;
	char				 rid[48];
	struct ig_buf			 body;
	json_t				*json;
	char				**vals;	/* one per ep->params */
	int				 status;	/* 0: not answered */
	struct ig_answer		 answer;
	int				 compat;	/* shape.c's index */
	const struct ig_route		*route;	/* NULL: canonical */
	char				*path_id;	/* route->path_id's */
};

static const struct {
	const char	*name;
	unsigned	 bit;
} methods[] = {
	{ "GET", IG_METHOD_GET },
	{ "HEAD", IG_METHOD_HEAD },
	{ "POST", IG_METHOD_POST },
	{ "PUT", IG_METHOD_PUT },
	{ "PATCH", IG_METHOD_PATCH },
	{ "DELETE", IG_METHOD_DELETE },
	{ "OPTIONS", IG_METHOD_OPTIONS },
};

/*
 * In CGI mode the variables are the process environment, read with
 * getenv(3): a cached "environ" goes stale when anything calls setenv.
 */
const char *
ig_req_env(const struct ig_req *r, const char *name)
{
	if (r->fcgx == NULL)
		return getenv(name);
	return FCGX_GetParam(name, r->fcgx->envp);
}

const char *
ig_req_env_once(const struct ig_req *r, const char *name)
{
	size_t		  n = strlen(name);
	char		**e;
	int		  seen = 0;

	if (r->fcgx == NULL)
		return getenv(name);	/* an environment has no repeats */
	for (e = r->fcgx->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			seen++;
	return seen == 1 ? FCGX_GetParam(name, r->fcgx->envp) : NULL;
}

int
ig_req_cookie(const struct ig_req *r, const char *name, char *out,
    size_t outsz)
{
	const char	*p = ig_req_env_once(r, "HTTP_COOKIE"), *end;
	size_t		 n = strlen(name), len;
	int		 seen = 0;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " ");
		end = p + strcspn(p, ";");
		len = (size_t)(end - p);
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			/* The same name twice: which one did we set? */
			if (seen++ > 0 || len - n - 1 >= outsz)
				return 0;
			memcpy(out, p + n + 1, len - n - 1);
			out[len - n - 1] = '\0';
		}
		p = *end == ';' ? end + 1 : end;
	}
	return seen == 1;
}

unsigned
ig_req_method(const struct ig_req *r)
{
	return r->method;
}

const char *
ig_req_get(const struct ig_req *r, size_t idx)
{
	return idx < r->ep->nparams ? r->vals[idx] : NULL;
}

const char *
ig_req_body(const struct ig_req *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data != NULL ? r->body.data : "";
}

json_t *
ig_req_json(const struct ig_req *r)
{
	return r->json;
}

const char *
ig_req_id(const struct ig_req *r)
{
	return r->rid;
}

void
ig_req_set_status(struct ig_req *r, int status)
{
	r->status = status;
}

struct ig_answer *
ig_req_answer(struct ig_req *r)
{
	return &r->answer;
}

unsigned
ig_req_methods(const struct ig_req *r)
{
	return r->ep->methods;
}

int
ig_req_compat(const struct ig_req *r)
{
	return r->compat;
}

const struct ig_route *
ig_req_route(const struct ig_req *r)
{
	return r->route;
}

int
ig_req_routed(const struct ig_req *r)
{
	return r->compat != 0;
}

const char *
ig_req_path_id(const struct ig_req *r, enum ig_path_id kind)
{
	return r->route != NULL && r->route->path_id == kind ? r->path_id :
	    NULL;
}

int
ig_req_stateless(const struct ig_req *r)
{
	return r->route != NULL && r->route->stateless;
}

int
ig_resp_sent(const struct ig_req *r)
{
	return r->status != 0;
}

int
ig_resp_status(const struct ig_req *r)
{
	return r->status;
}

enum ig_err
ig_req_write(struct ig_req *r, const char *p, size_t n)
{
	if (n > INT32_MAX)
		return IG_EINPUT;
	if (r->fcgx != NULL) {
		if (FCGX_PutStr(p, (int)n, r->fcgx->out) != (int)n)
			return IG_ESYS;
	} else if (fwrite(p, 1, n, stdout) != n)
		return IG_ESYS;
	return IG_OK;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding; "form": '+' is a space (HTML forms, not paths). */
static enum ig_err
decode(const char *in, size_t n, int form, char **out)
{
	size_t	i, o = 0;
	char	*s;
	int	hi, lo;

	if ((s = ig_malloc(n + 1)) == NULL)
		return IG_ENOMEM;
	for (i = 0; i < n; i++) {
		if (in[i] == '+' && form)
			s[o++] = ' ';
		else if (in[i] != '%')
			s[o++] = in[i];
		else if (i + 2 < n &&
		    (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)in[i + 2])) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			goto bad;
		if (s[o - 1] == '\0')
			goto bad;
	}
	s[o] = '\0';
	*out = s;
	return IG_OK;
bad:
	free(s);
	*out = NULL;
	return IG_EINPUT;
}

enum ig_err
ig_url_decode(const char *in, size_t n, char **out)
{
	return decode(in, n, 1, out);
}

/* Refuse naming the parameter (a name from our table, never data). */
static void
reject_param(struct ig_req *r, const char *why, const char *name)
{
	char	text[160];

	(void)snprintf(text, sizeof(text), "%s parameter \"%s\"", why, name);
	(void)ig_refuse(r, IG_EINPUT, text);
}

/* The endpoint's name for "name" if it takes it only in a body. */
static const char *
body_only(const struct ig_req *r, const char *name, size_t namelen)
{
	const char *const	*b;

	for (b = r->ep->body_only; b != NULL && *b != NULL; b++)
		if (strlen(*b) == namelen && memcmp(*b, name, namelen) == 0)
			return *b;
	return NULL;
}

/*
 * Store one decoded value if the table knows its name; 0 on rejection.
 * A NULL "val" is a JSON member that is not a string.
 */
static int
accept_value(struct ig_req *r, int in_query, const char *name,
    size_t namelen, const char *val, size_t vallen)
{
	const struct ig_param	*p;
	const char		*secret;
	char			 why[160];
	size_t			 i;

	if (in_query && (secret = body_only(r, name, namelen)) != NULL) {
		(void)snprintf(why, sizeof(why), "\"%s\" belongs in the "
		    "request body, never in the URL (URLs are logged)", secret);
		(void)ig_refuse(r, IG_EINPUT, why);
		return 0;
	}
	for (i = 0; i < r->ep->nparams; i++) {
		p = &r->ep->params[i];
		if (strlen(p->name) != namelen ||
		    memcmp(p->name, name, namelen) != 0)
			continue;
		if (r->vals[i] != NULL) {
			reject_param(r, "duplicate", p->name);
			return 0;
		}
		if (val == NULL ||
		    vallen > (p->maxlen != 0 ? p->maxlen : IG_MAX_PARAM) ||
		    memchr(val, '\0', vallen) != NULL ||
		    (p->valid != NULL && !p->valid(val, vallen))) {
			reject_param(r, "invalid", p->name);
			return 0;
		}
		if ((r->vals[i] = ig_strndup(val, vallen)) == NULL) {
			(void)ig_refuse(r, IG_ENOMEM, NULL);
			return 0;
		}
		return 1;
	}
	return 1;	/* unknown parameters are ignored */
}

/* "a=1&b=2" as in a query string or an urlencoded form. */
static int
parse_pairs(struct ig_req *r, int in_query, const char *s, size_t n)
{
	const char	*p = s, *end = s + n, *amp, *eq;
	char		*name, *val;
	size_t		 count = 0;
	int		 ok;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (++count > IG_MAX_PARAMS) {
			(void)ig_refuse(r, IG_EINPUT, "too many parameters");
			return 0;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (ig_url_decode(p, (size_t)(eq - p), &name) != IG_OK) {
			(void)ig_refuse(r, IG_EINPUT,
			    "malformed parameter encoding");
			return 0;
		}
		if (eq == amp)
			val = ig_strdup("");
		else if (ig_url_decode(eq + 1, (size_t)(amp - eq - 1), &val) !=
		    IG_OK)
			val = NULL;
		if (val == NULL) {
			free(name);
			(void)ig_refuse(r, IG_EINPUT,
			    "malformed parameter encoding");
			return 0;
		}
		ok = accept_value(r, in_query, name, strlen(name), val,
		    strlen(val));
		free(name);
		ig_free_secret(val);
		if (!ok)
			return 0;
		p = amp + 1;
	}
	return 1;
}

static int
parse_json(struct ig_req *r)
{
	const char	*k;
	json_t		*v;

	r->json = json_loadb(r->body.data, r->body.len,
	    JSON_REJECT_DUPLICATES, NULL);
	if (r->json == NULL || !json_is_object(r->json)) {
		(void)ig_refuse(r, IG_EINPUT, "the body is not a JSON object");
		return 0;
	}
	json_object_foreach(r->json, k, v) {
		if (json_is_null(v))
			continue;
		if (!accept_value(r, 0, k, strlen(k), json_is_string(v) ?
		    json_string_value(v) : NULL, json_string_length(v)))
			return 0;
	}
	return 1;
}

static int
has_type(const char *ct, const char *want)
{
	size_t	n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* CONTENT_LENGTH: digits only, in range, checked before any read. */
static int
read_body(struct ig_req *r, size_t cap)
{
	const char	*cl = ig_req_env(r, "CONTENT_LENGTH");
	unsigned long	 n = 0;
	char		 chunk[4096];
	size_t		 got, want;
	int		 k;

	if (cl == NULL || *cl == '\0')
		return 1;
	if (!ig_valid_digits(cl, strlen(cl)) || strlen(cl) > 12) {
		(void)ig_refuse(r, IG_EINPUT, "malformed Content-Length");
		return 0;
	}
	n = strtoul(cl, NULL, 10);
	if (n > cap) {
		(void)ig_refuse(r, IG_ETOOBIG,
		    "the request body is too large");
		return 0;
	}
	ig_buf_init(&r->body, cap);
	for (got = 0; got < n; got += want) {
		want = n - got < sizeof(chunk) ? n - got : sizeof(chunk);
		if (r->fcgx != NULL)
			k = FCGX_GetStr(chunk, (int)want, r->fcgx->in);
		else
			k = (int)fread(chunk, 1, want, stdin);
		if (k != (int)want) {
			(void)ig_refuse(r, IG_EINPUT, "the request body is "
			    "shorter than Content-Length");
			return 0;
		}
		if (ig_buf_add(&r->body, chunk, want) != IG_OK) {
			(void)ig_refuse(r, IG_ENOMEM, NULL);
			return 0;
		}
	}
	/* Only what a read put there: a small body left the rest unused. */
	ig_wipe(chunk, n < sizeof(chunk) ? n : sizeof(chunk));
	return 1;
}

static void
set_request_id(struct ig_req *r)
{
	const char	*id = ig_req_env(r, "REQUEST_ID");
	unsigned char	 rnd[8];

	if (id != NULL && strlen(id) < sizeof(r->rid) &&
	    ig_valid_alnum(id, strlen(id))) {
		memcpy(r->rid, id, strlen(id) + 1);
		return;
	}
	if (ig_rand_bytes(rnd, sizeof(rnd)) != IG_OK)
		memset(rnd, 0, sizeof(rnd));
	ig_hex(r->rid, rnd, sizeof(rnd));
}

/*
 * The shape nginx's location (or Apache's SetEnv) asks for.  Apache
 * renames the variables of a request it rewrote with a REDIRECT_ prefix.
 */
static int
find_route(struct ig_req *r)
{
	const char	*name = ig_req_env(r, "IGCONNECT_COMPAT");

	if (name == NULL && r->fcgx == NULL)
		name = getenv("REDIRECT_IGCONNECT_COMPAT");
	if ((r->compat = ig_compat_find(name)) < 0) {
		r->compat = 0;
		ig_log_err("IGCONNECT_COMPAT names no known shape");
		(void)ig_refuse(r, IG_ESYS, "this route is misconfigured");
		return 0;
	}
	r->route = ig_route_find(r->ep->name, r->compat);
	return 1;
}

/*
 * An id unreadable from the path is "", which matches no user and no
 * connection.
 */
char *
ig_req_path_id_parse(const char *uri)
{
	const char	*slash;
	char		*id;
	size_t		 n;

	n = strcspn(uri, "?");
	for (slash = uri + n; slash > uri && slash[-1] != '/'; slash--)
		continue;
	n -= (size_t)(slash - uri);
	if (n == 0 || n > 3 * IG_MAX_USER_ID ||
	    decode(slash, n, 0, &id) != IG_OK)
		id = ig_strdup("");
	return id;
}

/* The id a route keeps in its path's last segment. */
static int
read_path_id(struct ig_req *r)
{
	const char	*uri = ig_req_env(r, "REQUEST_URI");

	if (r->route == NULL || r->route->path_id == IG_PATH_NONE)
		return 1;
	if ((r->path_id = ig_req_path_id_parse(uri != NULL ? uri : "")) ==
	    NULL) {
		(void)ig_refuse(r, IG_ENOMEM, NULL);
		return 0;
	}
	return 1;
}

static void
parse(struct ig_req *r, const struct ig_cfg *cfg)
{
	const char	*m, *q, *ct;
	size_t		 i;

	if (!find_route(r) || !read_path_id(r))
		return;
	if ((m = ig_req_env(r, "REQUEST_METHOD")) != NULL)
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (strcmp(m, methods[i].name) == 0)
				r->method = methods[i].bit;
	/* A preflight has no body to read: the answer layer answers it. */
	if (r->method == IG_METHOD_OPTIONS)
		return;
	/*
	 * A route whose POST stands for another method (a seed's API) takes
	 * nothing else: where no web server limits its methods (Apache), a
	 * GET of POST /api/instagram/disconnect/:userId must not answer
	 * "disconnected" after only reading the connection.
	 */
	if (r->route != NULL && r->route->post_as != 0)
		r->method = r->method == IG_METHOD_POST ? r->route->post_as : 0;
	if ((r->method & r->ep->methods) == 0) {
		(void)ig_refuse(r, IG_EMETHOD,
		    "method not allowed on this resource");
		return;
	}
	if (!read_body(r, r->ep->raw_body ? (size_t)cfg->webhook_max_body :
	    r->ep->max_body != 0 ? r->ep->max_body : (size_t)cfg->max_body))
		return;
	if ((q = ig_req_env(r, "QUERY_STRING")) != NULL &&
	    !parse_pairs(r, 1, q, strlen(q)))
		return;
	if (r->body.len == 0 || r->ep->raw_body)
		return;
	ct = ig_req_env(r, "CONTENT_TYPE");
	/* PHP's curl sends an array this way: say so rather than ignore it. */
	if (has_type(ct, "multipart/form-data"))
		(void)ig_refuse(r, IG_EMEDIATYPE, "multipart/form-data is not "
		    "read: send JSON, or a form (in PHP, CURLOPT_POSTFIELDS "
		    "with http_build_query())");
	else if (has_type(ct, "application/x-www-form-urlencoded"))
		(void)parse_pairs(r, 0, r->body.data, r->body.len);
	else if (has_type(ct, "application/json") ||
	    /* fetch() with a string body says text/plain, or nothing. */
	    ((ct == NULL || *ct == '\0' || has_type(ct, "text/plain")) &&
	    r->body.data[0] == '{'))
		(void)parse_json(r);
}

struct ig_req *
ig_req_new(FCGX_Request *fcgx, const struct ig_endpoint *ep,
    const struct ig_cfg *cfg)
{
	struct ig_req	*r;

	if ((r = ig_calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fcgx = fcgx;
	r->ep = ep;
	ig_buf_init(&r->body, 0);
	set_request_id(r);
	if ((r->vals = ig_calloc(ep->nparams, sizeof(char *))) == NULL) {
		(void)ig_refuse(r, IG_ENOMEM, NULL);
		return r;
	}
	parse(r, cfg);
	return r;
}

void
ig_req_free(struct ig_req *r)
{
	size_t	i;

	if (r == NULL)
		return;
	if (r->vals != NULL)
		for (i = 0; i < r->ep->nparams; i++)
			ig_free_secret(r->vals[i]);
	free(r->vals);
	ig_buf_free(&r->body);
	json_decref(r->json);
	ig_answer_clear(&r->answer);
	free(r->path_id);
	free(r);
}
