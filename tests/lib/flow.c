/* SPDX-License-Identifier: ISC */
/* flow.c: see flow.h. */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "ig.h"
#include "check.h"
#include "client.h"
#include "flow.h"

#define MAX_PARAMS	8

static struct ig_cfg	 cfg;
static int		 cfg_loaded;
static PGconn		*admin;
static unsigned		 nusers;		/* users made so far */
static unsigned		 naddrs;		/* addresses handed out */
static long long	 naccounts;		/* accounts handed out */

int
flow_init(void)
{
	char	msg[256];

	if (ig_cfg_load(&cfg, IG_NEED_AUTH, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "%s\n", msg);
		return 0;
	}
	cfg_loaded = 1;
	ig_log_init("flow", IG_LOG_ERR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 1;
}

int
flow_test_main(int argc, char *argv[], const struct ig_test *tests,
    size_t ntests)
{
	int	rc;

	if (!flow_init())
		return 2;
	rc = ig_test_main(argc, argv, tests, ntests);
	(void)fake_reset();
	flow_end();
	return rc;
}

void
flow_end(void)
{
	if (admin != NULL)
		PQfinish(admin);
	admin = NULL;
	if (cfg_loaded)
		ig_cfg_free(&cfg);
	cfg_loaded = 0;
	curl_global_cleanup();
}

const struct ig_cfg *
flow_cfg(void)
{
	return &cfg;
}

/* ------------------------------------------------------------ users */

/* "src" (NULL: "") into "dst", truncated. */
static void
copy(char *dst, size_t dstsz, const char *src)
{
	(void)snprintf(dst, dstsz, "%s", src != NULL ? src : "");
}

char *
flow_jwt(const char *sub, long ttl, const char *secret)
{
	struct ig_cfg	 c = cfg;
	json_t		*claims;
	char		*jwt = NULL;

	/* A copy of the configuration that differs only in its secret. */
	if (secret != NULL) {
		c.jwt_secret = (char *)(uintptr_t)secret;
		c.jwt_secret_len = strlen(secret);
	}
	claims = json_pack("{s:s, s:I}", "sub", sub,
	    "exp", (json_int_t)(time(NULL) + ttl));
	if (claims == NULL || ig_jwt_sign(&c, claims, &jwt) != IG_OK)
		jwt = NULL;
	json_decref(claims);
	return jwt;
}

/* base64url of the text "s" into "out" (large enough). */
static void
b64_text(char *out, size_t outsz, const char *s)
{
	size_t	n = strlen(s);

	if (ig_b64url_len(n) + 1 <= outsz)
		ig_b64url_enc(out, (const unsigned char *)s, n);
	else
		copy(out, outsz, "");
}

int
flow_bad_authz(const struct flow_user *u, size_t i, char *out,
    size_t outsz)
{
	char	*jwt = NULL, *sig, claims[256], h64[128], c64[384];

	switch (i) {
	case 0:
		copy(out, outsz, "");		/* no header at all */
		return 1;
	case 1:
		copy(out, outsz, "Authorization: Basic dXNlcjpwYXNz");
		return 1;
	case 2:
		copy(out, outsz, "Authorization: Bearer ");
		return 1;
	case 3:
		/* alg "none" with valid claims and no signature. */
		(void)snprintf(claims, sizeof(claims),
		    "{\"sub\":\"%s\",\"exp\":%lld}", u->id,
		    (long long)time(NULL) + 300);
		b64_text(h64, sizeof(h64),
		    "{\"alg\":\"none\",\"typ\":\"JWT\"}");
		b64_text(c64, sizeof(c64), claims);
		(void)snprintf(out, outsz, "Authorization: Bearer %s.%s.", h64,
		    c64);
		return 1;
	case 4:
		jwt = flow_jwt(u->id, -600, NULL);	/* expired */
		break;
	case 5:
		jwt = flow_jwt(u->id, 300,
		    "another-secret-that-is-long-enough-0123456789");
		break;
	case 6:
		/* A middle character: every bit of it is signature. */
		if ((jwt = flow_jwt(u->id, 300, NULL)) != NULL &&
		    (sig = strrchr(jwt, '.')) != NULL && strlen(sig) > 10)
			sig[6] = sig[6] == 'A' ? 'B' : 'A';
		break;
	default:
		return 0;
	}
	(void)snprintf(out, outsz, "Authorization: Bearer %s",
	    jwt != NULL ? jwt : "x");
	free(jwt);
	return 1;
}

void
flow_user_readdress(struct flow_user *u)
{
	unsigned	n = naddrs++;
	unsigned	p = (unsigned)getpid();

	/* 127.0.0.1 stays the stack's own; these never collide with it. */
	(void)snprintf(u->addr, sizeof(u->addr), "127.%u.%u.%u",
	    64 + (p % 128), 1 + (n / 250) % 250, 1 + n % 250);
}

void
flow_user_new(struct flow_user *u)
{
	memset(u, 0, sizeof(*u));
	(void)snprintf(u->id, sizeof(u->id), "t-%ld-%u", (long)getpid(),
	    nusers++);
	u->jwt = flow_jwt(u->id, 300, NULL);
	flow_user_readdress(u);
}

void
flow_user_free(struct flow_user *u)
{
	free(u->jwt);
	u->jwt = NULL;
}

long long
flow_account(int even)
{
	long long	base = 2 * (((long long)getpid() % 100000) * 100 +
	    naccounts++);

	/* Accounts past 2 keep 1 and 2 for the fake's own self-test. */
	return 10 + base + (even ? 0 : 1);
}

/* ------------------------------------------------------------ HTTP */

long
flow_http(const char *addr, const char *method, const char *url,
    const char *const *headers, const char *body, size_t len,
    struct http_resp *r)
{
	return http_do_from(addr, method, url, headers, body, len,
	    strncmp(url, "https:", 6) == 0 ? env_or_die("IGCONNECT_CA_FILE") :
	    NULL, r);
}

long
flow_req_authz(const struct flow_user *u, const char *authz,
    const char *method, const char *path, const char *ctype,
    const char *body, struct http_resp *r)
{
	const char	*h[3] = { NULL, NULL, NULL };
	char		 auth[IG_MAX_JWT + 64], ct[128];
	size_t		 n = 0;

	if (authz == NULL && u != NULL && u->jwt != NULL) {
		(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    u->jwt);
		h[n++] = auth;
	} else if (authz != NULL && *authz != '\0')
		h[n++] = authz;
	if (body != NULL) {
		(void)snprintf(ct, sizeof(ct), "Content-Type: %s",
		    ctype != NULL ? ctype : "application/json");
		h[n++] = ct;
	}
	return flow_http(u != NULL ? u->addr : NULL, method, stack_url(path),
	    h, body, body != NULL ? strlen(body) : 0, r);
}

long
flow_req(const struct flow_user *u, const char *method, const char *path,
    const char *ctype, const char *body, struct http_resp *r)
{
	return flow_req_authz(u, NULL, method, path, ctype, body, r);
}

json_t *
flow_req_json(const struct flow_user *u, const char *method,
    const char *path, const char *body, long *status)
{
	struct http_resp	 r;
	json_t			*o;

	*status = flow_req(u, method, path, NULL, body, &r);
	o = resp_json(&r);
	http_resp_free(&r);
	return o;
}

/* ------------------------------------------------------------ CGI */

/* In the child: the request as CGI variables (RFC 3875 4.1), then exec. */
static void
cgi_exec(const struct flow_user *u, const char *prog,
    const char *const *vars, const char *method, const char *path,
    size_t len)
{
	const char	*q = strchr(path, '?');
	char		 buf[IG_MAX_JWT + 64], name[128];
	const char	*eq;
	size_t		 i;

	setenv("REQUEST_METHOD", method, 1);
	setenv("REQUEST_URI", path, 1);
	(void)snprintf(buf, sizeof(buf), "%.*s", q != NULL ?
	    (int)(q - path) : (int)strlen(path), path);
	setenv("DOCUMENT_URI", buf, 1);
	setenv("QUERY_STRING", q != NULL ? q + 1 : "", 1);
	if (u != NULL && u->jwt != NULL) {
		(void)snprintf(buf, sizeof(buf), "Bearer %s", u->jwt);
		setenv("HTTP_AUTHORIZATION", buf, 1);
	}
	if (len > 0) {
		setenv("CONTENT_TYPE", "application/json", 1);
		(void)snprintf(buf, sizeof(buf), "%zu", len);
		setenv("CONTENT_LENGTH", buf, 1);
	}
	for (i = 0; vars != NULL && vars[i] != NULL; i++)
		if ((eq = strchr(vars[i], '=')) != NULL) {
			(void)snprintf(name, sizeof(name), "%.*s",
			    (int)(eq - vars[i]), vars[i]);
			setenv(name, eq + 1, 1);
		}
	(void)snprintf(buf, sizeof(buf), "fcgi/%s", prog);
	execl(buf, buf, (char *)NULL);
	_exit(127);
}

/* A CGI answer (RFC 3875 6.2): header lines, an empty line, the body. */
static void
cgi_parse(const char *out, struct http_resp *r)
{
	const char	*end = strstr(out, "\r\n\r\n");
	char		 v[64];

	if (end == NULL) {
		r->body = strdup(out);
		r->headers = strdup("");
	} else {
		r->headers = strndup(out, (size_t)(end - out) + 2);
		r->body = strdup(end + 4);
	}
	r->len = r->body != NULL ? strlen(r->body) : 0;
	if (resp_header(r, "Status", v, sizeof(v)))
		r->status = strtol(v, NULL, 10);
}

long
flow_cgi(const struct flow_user *u, const char *prog,
    const char *const *vars, const char *method, const char *path,
    const char *body, struct http_resp *r)
{
	char	 out[65536], log[4096];
	size_t	 len = body != NULL ? strlen(body) : 0, n = 0;
	ssize_t	 k;
	pid_t	 pid;
	int	 in[2], res[2], fd, status;

	memset(r, 0, sizeof(*r));
	(void)snprintf(log, sizeof(log), "%s/log/cgi.log",
	    env_or_die("IGCONNECT_VAR"));
	fflush(stdout);
	if (pipe(in) == -1)
		return 0;
	if (pipe(res) == -1 || (pid = fork()) == -1) {
		close(in[0]);
		close(in[1]);
		return 0;
	}
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) !=
		    -1)
			dup2(fd, STDERR_FILENO);
		dup2(in[0], STDIN_FILENO);
		dup2(res[1], STDOUT_FILENO);
		close(in[1]);
		close(res[0]);
		cgi_exec(u, prog, vars, method, path, len);
	}
	close(in[0]);
	close(res[1]);
	/* A test's body is far below a pipe's buffer: written at once. */
	if (len > 0 && write(in[1], body, len) != (ssize_t)len)
		printf("  could not write the CGI body\n");
	close(in[1]);
	while (n + 1 < sizeof(out) &&
	    (k = read(res[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(res[0]);
	(void)waitpid(pid, &status, 0);
	cgi_parse(out, r);
	return r->status;
}

/* ------------------------------------------------------------ the dance */

long
flow_start(const struct flow_user *u, const char *query,
    struct flow_dance *d)
{
	struct http_resp	 r;
	char			 path[4096];
	json_t			*o;
	long			 st;

	memset(d, 0, sizeof(*d));
	(void)snprintf(path, sizeof(path), "/oauth/instagram/url%s",
	    query != NULL ? query : "");
	st = flow_req(u, "GET", path, NULL, NULL, &r);
	if ((o = resp_json(&r)) != NULL) {
		copy(d->state, sizeof(d->state), jstr(o, "state"));
		copy(d->authurl, sizeof(d->authurl), jstr(o, "authUrl"));
		copy(d->expires, sizeof(d->expires), jstr(o, "expiresAt"));
	}
	json_decref(o);
	http_resp_free(&r);
	return st;
}

/* Percent-decode "n" bytes of "s" into "out" ("+" is a space). */
static void
unescape(char *out, size_t outsz, const char *s, size_t n)
{
	char	*t, *p;
	int	 len = 0;

	if ((t = strndup(s, n)) == NULL) {
		copy(out, outsz, "");
		return;
	}
	for (p = t; *p != '\0'; p++)
		if (*p == '+')
			*p = ' ';
	p = curl_easy_unescape(NULL, t, 0, &len);
	copy(out, outsz, p);
	curl_free(p);
	free(t);
}

int
flow_query_param(const char *url, const char *name, char *out,
    size_t outsz)
{
	const char	*q, *end, *p, *amp;
	size_t		 nl = strlen(name);

	copy(out, outsz, "");
	if ((q = strchr(url, '?')) == NULL)
		return 0;
	q++;
	if ((end = strchr(q, '#')) == NULL)
		end = q + strlen(q);
	for (p = q; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((size_t)(amp - p) > nl && strncmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			unescape(out, outsz, p + nl + 1,
			    (size_t)(amp - p) - nl - 1);
			return 1;
		}
		if (amp == end)
			break;
	}
	return 0;
}

int
flow_authorize(struct flow_dance *d, const char *knobs)
{
	struct http_resp	 r;
	char			 url[8192];
	long			 st;

	/* Answer the fake's consent page as the user would (A.1). */
	(void)snprintf(url, sizeof(url), "%s&fake_consent=allow%s",
	    d->authurl, knobs != NULL ? knobs : "");
	st = flow_http(NULL, "GET", url, NULL, NULL, 0, &r);
	if (st == 302)
		(void)resp_header(&r, "Location", d->location,
		    sizeof(d->location));
	http_resp_free(&r);
	(void)flow_query_param(d->location, "code", d->code,
	    sizeof(d->code));
	(void)flow_query_param(d->location, "error", d->error,
	    sizeof(d->error));
	(void)flow_query_param(d->location, "state", d->rstate,
	    sizeof(d->rstate));
	return st == 302;
}

long
flow_exchange(const struct flow_user *u, const char *code,
    const char *state, struct http_resp *r)
{
	json_t	*o = json_object();
	char	*s;
	long	 st;

	if (code != NULL)
		json_object_set_new(o, "code", json_string(code));
	if (state != NULL)
		json_object_set_new(o, "state", json_string(state));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	st = flow_req(u, "POST", "/oauth/instagram/exchange", NULL,
	    s != NULL ? s : "{}", r);
	free(s);
	return st;
}

long
flow_exchange_form(const struct flow_user *u, const char *code,
    const char *state, struct http_resp *r)
{
	char	*c, *s, body[4096];
	long	 st;

	c = curl_easy_escape(NULL, code, 0);
	s = curl_easy_escape(NULL, state, 0);
	(void)snprintf(body, sizeof(body), "code=%s&state=%s",
	    c != NULL ? c : "", s != NULL ? s : "");
	curl_free(c);
	curl_free(s);
	st = flow_req(u, "POST", "/oauth/instagram/exchange",
	    "application/x-www-form-urlencoded", body, r);
	return st;
}

long
flow_connect(const struct flow_user *u, long long account,
    const char *knobs, json_t **body)
{
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 k[1024];
	long			 st;

	if (body != NULL)
		*body = NULL;
	if (flow_start(u, NULL, &d) != 200)
		return 0;
	(void)snprintf(k, sizeof(k), "&fake_account=%lld%s", account,
	    knobs != NULL ? knobs : "");
	if (!flow_authorize(&d, k) || d.code[0] == '\0')
		return 0;
	st = flow_exchange(u, d.code, d.state, &r);
	if (body != NULL)
		*body = resp_json(&r);
	http_resp_free(&r);
	return st;
}

long
flow_connect_fb(const struct flow_user *u, const char *knobs, json_t **body)
{
	struct flow_dance	 d;
	struct http_resp	 r;
	long			 st;

	if (body != NULL)
		*body = NULL;
	if (flow_start(u, "?flavor=facebook", &d) != 200 ||
	    !flow_authorize(&d, knobs) || d.code[0] == '\0')
		return 0;
	st = flow_exchange(u, d.code, d.state, &r);
	if (body != NULL)
		*body = resp_json(&r);
	http_resp_free(&r);
	return st;
}

/* ------------------------------------------------------------ the fake */

static const char *
fake_url(const char *path)
{
	static _Thread_local char	url[2048];

	(void)snprintf(url, sizeof(url), "%s%s",
	    env_or_die("IGCONNECT_FAKE_URL"), path);
	return url;
}

long
fake_post(const char *path, const char *json)
{
	const char *const	 h[] = { "Content-Type: application/json",
	    NULL };
	struct http_resp	 r;
	long			 st;

	st = flow_http(NULL, "POST", fake_url(path), h, json, strlen(json),
	    &r);
	http_resp_free(&r);
	return st;
}

json_t *
fake_get(const char *path)
{
	struct http_resp	 r;
	json_t			*o = NULL;

	if (flow_http(NULL, "GET", fake_url(path), NULL, NULL, 0, &r) == 200)
		o = resp_json(&r);
	http_resp_free(&r);
	return o;
}

int
fake_token(long long account, const char *kind, char *out, size_t outsz)
{
	const char *const	 h[] = { "Content-Type: application/json",
	    NULL };
	struct http_resp	 r;
	char			 body[128];
	json_t			*o = NULL;

	(void)snprintf(body, sizeof(body), "{\"account\":%lld,\"kind\":"
	    "\"%s\"}", account, kind);
	if (flow_http(NULL, "POST", fake_url("/_fake/tokens"), h, body,
	    strlen(body), &r) == 200)
		o = resp_json(&r);
	http_resp_free(&r);
	copy(out, outsz, jstr(o, "access_token"));
	json_decref(o);
	return out[0] != '\0';
}

int
fake_reset(void)
{
	return fake_post("/_fake/reset", "{}") == 200;
}

int
fake_inject(const char *json)
{
	return fake_post("/_fake/inject", json) == 200;
}

long
fake_count(const char *route)
{
	json_t		*o = fake_get("/_fake/stats"), *v;
	long		 n = -1;

	v = json_object_get(json_object_get(o, "requests"), route);
	if (json_is_integer(v))
		n = (long)json_integer_value(v);
	json_decref(o);
	return n;
}

/* ------------------------------------------------------------ secrets */

void
secrets_add(struct flow_secrets *s, const char *v)
{
	size_t	i;

	/* Short strings would match by accident and prove nothing. */
	if (v == NULL || strlen(v) < 8 || s->n >= sizeof(s->v) /
	    sizeof(s->v[0]))
		return;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	if ((s->v[s->n] = strdup(v)) != NULL)
		s->n++;
}

void
secrets_free(struct flow_secrets *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

void
secrets_from_fake(struct flow_secrets *s)
{
	static const char *const routes[] = { "code_exchange",
	    "ig_exchange", "refresh", "me", "node", "fb_code_exchange",
	    "fb_exchange", "fb_accounts", "debug_token" };
	static const char *const names[] = { "access_token", "code",
	    "client_secret", "fb_exchange_token", "input_token" };
	json_t		*o, *e, *a;
	const char	*v;
	char		 path[128];
	size_t		 i, j, k;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		(void)snprintf(path, sizeof(path),
		    "/_fake/requests?route=%s&limit=128", routes[i]);
		o = fake_get(path);
		json_array_foreach(json_object_get(o, "requests"), j, e) {
			for (k = 0; k < sizeof(names) / sizeof(names[0]);
			    k++) {
				secrets_add(s, jstr(json_object_get(e,
				    "query"), names[k]));
				secrets_add(s, jstr(json_object_get(e,
				    "form"), names[k]));
			}
			a = json_object_get(e, "headers");
			v = jstr(a, "authorization");
			if (strncasecmp(v, "Bearer ", 7) == 0)
				secrets_add(s, v + 7);
		}
		json_decref(o);
	}
}

int
secrets_in(const struct flow_secrets *s, const char *text)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (strstr(text, s->v[i]) != NULL)
			return 1;
	return 0;
}

/* 1 if "needle" occurs in the "n" bytes at "hay", which may hold NULs. */
static int
contains(const char *hay, size_t n, const char *needle)
{
	size_t		 k = strlen(needle);
	const char	*p = hay, *end = hay + n;

	while (k > 0 && (size_t)(end - p) >= k &&
	    (p = memchr(p, needle[0], (size_t)(end - p - k + 1))) != NULL) {
		if (memcmp(p, needle, k) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* 1 if a secret occurs in the file "path" (binary-safe). */
static int
secrets_in_file(const struct flow_secrets *s, const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, k, i;
	int	 found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	for (;;) {
		if (n + 65536 > cap) {
			char *p = realloc(buf, cap + 65536 * 4);

			if (p == NULL)
				break;
			buf = p;
			cap += 65536 * 4;
		}
		if ((k = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += k;
	}
	fclose(f);
	for (i = 0; buf != NULL && i < s->n && !found; i++)
		found = contains(buf, n, s->v[i]);
	free(buf);
	return found;
}

int
secrets_in_logs(const struct flow_secrets *s)
{
	char		 dir[4096], path[8192];
	DIR		*d;
	struct dirent	*e;
	int		 found = 0;

	(void)snprintf(dir, sizeof(dir), "%s/log",
	    env_or_die("IGCONNECT_VAR"));
	if ((d = opendir(dir)) == NULL)
		return 1;	/* cannot tell: count it as found */
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((found = secrets_in_file(s, path)))
			printf("  secret found in %s\n", path);
	}
	closedir(d);
	return found;
}

void
check_secrets_kept(const struct flow_secrets *s, const struct flow_user *u)
{
	char	v[8192];

	CHECK(db_val(v, sizeof(v), "SELECT c::text FROM oauth_connections c "
	    "WHERE " FLOW_CONN, u->id, NULL) == 1);
	CHECK(!secrets_in(s, v));
	CHECK(db_val(v, sizeof(v), "SELECT coalesce(string_agg(h::text, ' '),"
	    " '') FROM connection_history h WHERE " FLOW_CONN, u->id,
	    NULL) == 1);
	CHECK(!secrets_in(s, v));
	/* Service logs are written line by line; nginx's after the answer. */
	msleep(200);
	CHECK(!secrets_in_logs(s));
}

/* ------------------------------------------------------------ database */

static PGconn *
db(void)
{
	if (admin != NULL && PQstatus(admin) == CONNECTION_OK)
		return admin;
	if (admin != NULL)
		PQfinish(admin);
	admin = PQconnectdb(env_or_die("IGCONNECT_DB_ADMIN_URL"));
	if (PQstatus(admin) != CONNECTION_OK)
		printf("  could not connect to the database: %s",
		    PQerrorMessage(admin));
	return admin;
}

void
db_reset(void)
{
	PQfinish(admin);
	admin = NULL;
}

static PGresult *
db_run(const char *sql, va_list ap)
{
	const char	*p[MAX_PARAMS];
	int		 n = 0;
	PGresult	*res;

	while (n < MAX_PARAMS && (p[n] = va_arg(ap, const char *)) != NULL)
		n++;
	res = PQexecParams(db(), sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		printf("  query failed: %s  %s", sql,
		    PQresultErrorMessage(res));
	return res;
}

int
db_val(char *out, size_t outsz, const char *sql, ...)
{
	PGresult	*res;
	va_list		 ap;
	int		 rc = -1;

	copy(out, outsz, "");
	va_start(ap, sql);
	res = db_run(sql, ap);
	va_end(ap);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		rc = 0;
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
			copy(out, outsz, PQgetvalue(res, 0, 0));
			rc = 1;
		}
	}
	PQclear(res);
	return rc;
}

long long
db_long(const char *sql, ...)
{
	PGresult	*res;
	va_list		 ap;
	long long	 v = -1;

	va_start(ap, sql);
	res = db_run(sql, ap);
	va_end(ap);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
	    !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

long
db_exec(const char *sql, ...)
{
	PGresult	*res;
	va_list		 ap;
	long		 n = -1;

	va_start(ap, sql);
	res = db_run(sql, ap);
	va_end(ap);
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		n = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return n;
}

long long
flow_conn_rows(const struct flow_user *u)
{
	return db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u->id, NULL);
}

const char *
flow_conn_id(const struct flow_user *u)
{
	static char	id[64];

	(void)db_val(id, sizeof(id), "SELECT id::text FROM oauth_connections "
	    "WHERE " FLOW_CONN, u->id, NULL);
	return id;
}

void
flow_age_token(const struct flow_user *u)
{
	CHECK(db_exec("UPDATE oauth_connections SET tokenissuedat = "
	    "tokenissuedat - interval '25 hours' WHERE " FLOW_CONN, u->id,
	    NULL) == 1);
	CHECK(fake_post("/_fake/clock", "{\"advance\":90000}") == 200);
}

/* ------------------------------------------------------------ shapes */

/* The number that "n" decimal digits at "s" spell. */
static int
digits(const char *s, size_t n)
{
	int	v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

time_t
iso_time(const char *s)
{
	static const char	 shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm		 tm;
	size_t			 i;

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return -1;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    s[i] != shape[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	return timegm(&tm);
}

const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

const char *
jnth(const json_t *a, size_t i)
{
	const char	*s = json_string_value(json_array_get(a, i));

	return s != NULL ? s : "";
}

int
jkeys_are(const json_t *o, ...)
{
	va_list		 ap;
	const char	*k;
	size_t		 n = 0;
	int		 ok = json_is_object(o);

	va_start(ap, o);
	while ((k = va_arg(ap, const char *)) != NULL) {
		n++;
		if (json_object_get(o, k) == NULL) {
			printf("  no member \"%s\"\n", k);
			ok = 0;
		}
	}
	va_end(ap);
	if (ok && json_object_size(o) != n) {
		printf("  %zu members, not %zu\n", json_object_size(o), n);
		ok = 0;
	}
	return ok;
}

void
check_no_store(const struct http_resp *r)
{
	char	v[256];

	CHECK(resp_header(r, "Cache-Control", v, sizeof(v)) &&
	    strstr(v, "no-store") != NULL);
}

void
check_error(const struct http_resp *r, long status, const char *code)
{
	json_t	*o = resp_json(r);
	char	 rid[128];

	if (!CHECK(r->status == status))
		printf("  expected %ld %s, got %ld: %.300s\n", status, code,
		    r->status, r->body);
	CHECK(o != NULL && json_is_object(o));
	CHECK(strcmp(jstr(o, "error"), code) == 0);
	CHECK(strlen(jstr(o, "error_description")) > 0);
	CHECK(strlen(jstr(o, "request_id")) > 0);
	CHECK(resp_header(r, "X-Request-Id", rid, sizeof(rid)) &&
	    strcmp(rid, jstr(o, "request_id")) == 0);
	check_no_store(r);
	json_decref(o);
}

/* An integer member equal to "want". */
static int
jint_is(const json_t *o, const char *k, long long want)
{
	json_t	*v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) == want;
}

/* 8-4-4-4-12 lower- or upper-case hex. */
static int
is_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return 0;
	}
	return 1;
}

int
iso_near(const char *iso, long ahead, long slack)
{
	time_t	t = iso_time(iso), now = time(NULL);

	return t != -1 && t >= now + ahead - slack && t <= now + ahead + slack;
}

void
check_connection(const json_t *c, long long n, const char *status,
    const char *kind)
{
	char	 want[256];
	json_t	*sc, *v;
	size_t	 i;
	char	*dump;

	CHECK(json_is_object(c));
	CHECK(is_uuid(jstr(c, "id")));
	CHECK(strcmp(jstr(c, "provider"), "instagram") == 0);
	CHECK(strcmp(jstr(c, "status"), status) == 0);
	CHECK(strcmp(jstr(c, "flavor"), "instagram") == 0);
	/* Both ids exceed 2^53: exact, and strings (ids beyond 2^53). */
	(void)snprintf(want, sizeof(want), "%lld", 27281358591558845LL + n);
	CHECK(strcmp(jstr(c, "providerUserId"), want) == 0);
	(void)snprintf(want, sizeof(want), "%lld", 17841457215396811LL + n);
	CHECK(strcmp(jstr(c, "businessAccountId"), want) == 0);
	(void)snprintf(want, sizeof(want), "fake_user_%lld", n);
	CHECK(strcmp(jstr(c, "username"), want) == 0);
	(void)snprintf(want, sizeof(want), "Fake User %lld", n);
	CHECK(strcmp(jstr(c, "name"), want) == 0);
	(void)snprintf(want, sizeof(want), "https://scontent.cdninstagram.com"
	    "/v/t51.2885-19/fake_user_%lld.jpg?_nc_ht=scontent.cdninstagram"
	    ".com&oe=6740A1B2", n);
	CHECK(strcmp(jstr(c, "profilePictureUrl"), want) == 0);
	CHECK(jint_is(c, "followersCount", 1000 + 37 * n));
	CHECK(jint_is(c, "followsCount", 100 + n));
	CHECK(jint_is(c, "mediaCount", 10 + n % 1000));
	/* Sent by the fake as \u escapes; must come back as UTF-8. */
	(void)snprintf(want, sizeof(want), "Fake account %lld \xe2\x80\x94 "
	    "caf\xc3\xa9 & \"tests\"", n);
	CHECK(strcmp(jstr(c, "biography"), want) == 0);
	if (n % 2 == 0) {
		(void)snprintf(want, sizeof(want),
		    "https://example.com/fake_user_%lld", n);
		CHECK(strcmp(jstr(c, "website"), want) == 0);
	} else
		CHECK(json_object_get(c, "website") == NULL);
	CHECK(strcasecmp(jstr(c, "accountType"), "BUSINESS") == 0);
	sc = json_object_get(c, "scopes");
	CHECK(json_is_array(sc) && json_array_size(sc) >= 1);
	json_array_foreach(sc, i, v)
		CHECK(json_is_string(v) &&
		    strncmp(json_string_value(v), "instagram_business_", 19) ==
		    0);
	CHECK(strcmp(jstr(c, "tokenKind"), kind) == 0);
	CHECK(iso_time(jstr(c, "expiresAt")) != -1);
	CHECK(json_is_boolean(json_object_get(c, "needsRefresh")));
	CHECK(iso_time(jstr(c, "connectedAt")) != -1);
	CHECK(iso_time(jstr(c, "lastSyncedAt")) != -1);
	CHECK(json_is_object(json_object_get(c, "settings")));
	/* No token under any name. */
	dump = json_dumps(c, JSON_COMPACT);
	CHECK(dump != NULL && strstr(dump, "ccess_token") == NULL &&
	    strstr(dump, "ccessToken") == NULL &&
	    strstr(dump, "efreshToken") == NULL);
	free(dump);
}
