/* SPDX-License-Identifier: ISC */
/*
 * t_seed000.c: seed 000's front end signs in with Instagram, through
 * nginx.conf.sample's seed 000 locations, as its document describes:
 * GET /client/oauth/url?platform=instagram, Instagram's consent, then
 * POST /client/oauth/exchange-code {platform, code, state}.  The answer
 * is checked member by member with its JSON types; the JWT it issues is
 * a caller of the canonical API; the state is bound to the browser by a
 * __Host- cookie, and IGCONNECT_SIGNIN_STATE=client (a front end that
 * makes its own state) is played through the program in CGI mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define COOKIE	"__Host-igconnect-signin"

/* What a browser keeps between the two calls. */
struct	browser {
	char	cookie[256];	/* "name=value", "" if none */
	char	state[128];
	char	url[4096];
};

/* GET /client/oauth/url?platform="platform"; the status. */
static long
get_url(const char *platform, struct browser *b, struct http_resp *r)
{
	char	path[256], set[512];
	json_t	*o;
	long	st;

	(void)snprintf(path, sizeof(path), "/client/oauth/url?platform=%s",
	    platform);
	memset(b, 0, sizeof(*b));
	st = http_do("GET", stack_url(path), NULL, NULL, 0, NULL, r);
	if (st != 200)
		return st;
	if (resp_header(r, "Set-Cookie", set, sizeof(set)))
		(void)snprintf(b->cookie, sizeof(b->cookie), "%.*s",
		    (int)strcspn(set, ";"), set);
	if ((o = resp_json(r)) != NULL) {
		(void)snprintf(b->state, sizeof(b->state), "%s",
		    json_string_value(json_object_get(o, "state")) != NULL ?
		    json_string_value(json_object_get(o, "state")) : "");
		(void)snprintf(b->url, sizeof(b->url), "%s",
		    json_string_value(json_object_get(o, "url")) != NULL ?
		    json_string_value(json_object_get(o, "url")) : "");
		json_decref(o);
	}
	return st;
}

/* Instagram's consent for fake account "account": the code, or "". */
static void
consent(const struct browser *b, long long account, char *code, size_t sz)
{
	struct flow_dance	d;
	char			knobs[64];

	memset(&d, 0, sizeof(d));
	(void)snprintf(d.authurl, sizeof(d.authurl), "%s", b->url);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", account);
	code[0] = '\0';
	if (CHECK(flow_authorize(&d, knobs)))
		(void)snprintf(code, sz, "%s", d.code);
}

/* POST /client/oauth/exchange-code as the browser "b"; the status. */
static long
exchange(const struct browser *b, const char *platform, const char *code,
    const char *state, struct http_resp *r)
{
	char		 cookie[300], *s;
	const char	*hdrs[] = { "Content-Type: application/json", cookie,
			    NULL };
	json_t		*o;
	long		 st;

	(void)snprintf(cookie, sizeof(cookie), "Cookie: %s", b->cookie);
	if (b->cookie[0] == '\0')
		hdrs[1] = NULL;
	o = json_pack("{s:s, s:s, s:s}", "platform", platform, "code", code,
	    "state", state);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	st = http_do("POST", stack_url("/client/oauth/exchange-code"), hdrs,
	    s, strlen(s), NULL, r);
	free(s);
	return st;
}

/* A string member of "o", or "". */
static const char *
str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Seed 000's answer, member by member; its user id into "user". */
static void
check_signed_in(const json_t *o, char *user, size_t sz)
{
	const json_t	*u = json_object_get(o, "user");
	const json_t	*c = json_object_get(o, "credentials");
	const json_t	*p = json_object_get(u, "profile");
	const json_t	*t;

	CHECK(json_object_size(o) == 3);
	CHECK(json_is_string(json_object_get(o, "token")));
	CHECK(json_is_object(u) && json_object_size(u) == 3);
	CHECK(strncmp(str(u, "id"), "instagram:", 10) == 0);
	CHECK(json_is_null(json_object_get(u, "email")));
	CHECK(json_is_object(p) && json_object_size(p) == 4);
	CHECK(json_is_string(json_object_get(p, "id")) &&
	    strspn(str(p, "id"), "0123456789") == strlen(str(p, "id")));
	CHECK(strcmp(str(u, "id") + 10, str(p, "id")) == 0);
	CHECK(json_is_string(json_object_get(p, "username")) &&
	    str(p, "username")[0] != '@');
	CHECK(json_is_string(json_object_get(p, "name")));
	CHECK(strncmp(str(p, "profilePicture"), "https://", 8) == 0);
	CHECK(json_is_object(c) && json_object_size(c) == 3);
	CHECK(strcmp(str(c, "provider"), "instagram") == 0);
	CHECK(json_equal(json_object_get(c, "userProfile"), p));
	t = json_object_get(c, "connectedAt");
	/* Epoch milliseconds, as Date.getTime() gives. */
	CHECK(json_is_integer(t) && json_integer_value(t) > 1700000000000LL &&
	    json_integer_value(t) <= (json_int_t)time(NULL) * 1000 + 1000);
	(void)snprintf(user, sz, "%s", str(u, "id"));
}

/* GET /integrations with the issued JWT: the account's username. */
static void
check_caller(const json_t *o, const char *username)
{
	struct http_resp	 r;
	char			 authz[4096];
	const char		*hdrs[] = { authz, NULL };
	json_t			*b, *ig;

	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s",
	    str(o, "token"));
	CHECK(http_do("GET", stack_url("/integrations"), hdrs, NULL, 0, NULL,
	    &r) == 200);
	b = resp_json(&r);
	ig = json_object_get(json_object_get(b, "integrations"), "instagram");
	CHECK(strcmp(str(ig, "status"), "connected") == 0);
	CHECK(strcmp(str(ig, "username"), username) == 0);
	json_decref(b);
	http_resp_free(&r);
}

/* Sign in as fake account "account"; the answer, or NULL. */
static json_t *
sign_in(long long account)
{
	struct browser		 b;
	struct http_resp	 r;
	char			 code[1024];
	json_t			*o = NULL;

	CHECK(get_url("instagram", &b, &r) == 200);
	http_resp_free(&r);
	consent(&b, account, code, sizeof(code));
	if (CHECK(exchange(&b, "instagram", code, b.state, &r) == 200))
		o = resp_json(&r);
	/* It carries a JWT: never cached. */
	check_no_store(&r);
	http_resp_free(&r);
	return o;
}

/* The first call: {url, state} and the cookie's attributes. */
static void
t_url(void)
{
	struct browser		b;
	struct http_resp	r;
	char			set[512];
	const char		*p;
	json_t			*o;

	CHECK(get_url("instagram", &b, &r) == 200);
	o = resp_json(&r);
	CHECK(json_object_size(o) == 2);
	CHECK(strlen(str(o, "state")) == 43);
	CHECK(strstr(str(o, "url"), "/oauth/authorize?") != NULL);
	CHECK(strstr(str(o, "url"), str(o, "state")) != NULL);
	CHECK(resp_header(&r, "Set-Cookie", set, sizeof(set)));
	CHECK(strncmp(set, COOKIE "=", sizeof(COOKIE)) == 0);
	CHECK(strstr(set, "; Secure") != NULL);
	CHECK(strstr(set, "; HttpOnly") != NULL);
	CHECK(strstr(set, "; SameSite=Lax") != NULL);
	CHECK(strstr(set, "; Path=/") != NULL);
	CHECK(strstr(set, "Domain") == NULL);
	/* It lives no longer than the state: ten minutes at most. */
	CHECK((p = strstr(set, "; Max-Age=")) != NULL &&
	    atol(p + 10) > 0 && atol(p + 10) <= 600);
	json_decref(o);
	http_resp_free(&r);
}

/* Sign in, twice: the same account is the same user, whose JWT works. */
static void
t_signin(void)
{
	long long	 account = flow_account(0);
	char		 first[160], again[160];
	json_t		*o;

	CHECK(fake_reset());
	if ((o = sign_in(account)) == NULL)
		return;
	check_signed_in(o, first, sizeof(first));
	check_caller(o, str(json_object_get(json_object_get(o, "user"),
	    "profile"), "username"));
	json_decref(o);
	if ((o = sign_in(account)) == NULL)
		return;
	check_signed_in(o, again, sizeof(again));
	CHECK(strcmp(first, again) == 0);
	check_caller(o, str(json_object_get(json_object_get(o, "user"),
	    "profile"), "username"));
	json_decref(o);
	if ((o = sign_in(flow_account(0))) == NULL)
		return;
	check_signed_in(o, again, sizeof(again));
	CHECK(strcmp(first, again) != 0);
	json_decref(o);
}

/* An error of seed 000's shape, with our code and the request id. */
static void
check_error000(struct http_resp *r, long status, const char *code,
    const char *text)
{
	char	 rid[64];
	json_t	*o = resp_json(r);

	CHECK(r->status == status);
	CHECK(text == NULL || strcmp(str(o, "error"), text) == 0);
	CHECK(json_is_string(json_object_get(o, "error")));
	CHECK(strcmp(str(o, "code"), code) == 0);
	CHECK(resp_header(r, "X-Request-Id", rid, sizeof(rid)) &&
	    strcmp(str(o, "requestId"), rid) == 0);
	json_decref(o);
}

/*
 * The state belongs to the browser that asked for it: no cookie, or
 * another browser's, is invalid_state and leaves the state alone.
 */
static void
t_cookie_bound(void)
{
	struct browser		b, other;
	struct http_resp	r;
	char			code[1024], keep[256];

	CHECK(fake_reset());
	CHECK(get_url("instagram", &b, &r) == 200);
	http_resp_free(&r);
	CHECK(get_url("instagram", &other, &r) == 200);
	http_resp_free(&r);
	consent(&b, flow_account(0), code, sizeof(code));
	memcpy(keep, b.cookie, sizeof(keep));
	b.cookie[0] = '\0';
	exchange(&b, "instagram", code, b.state, &r);
	check_error000(&r, 400, "invalid_state", NULL);
	http_resp_free(&r);
	memcpy(b.cookie, other.cookie, sizeof(b.cookie));
	exchange(&b, "instagram", code, b.state, &r);
	check_error000(&r, 400, "invalid_state", NULL);
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 0);
	/* The right browser still signs in, once. */
	memcpy(b.cookie, keep, sizeof(b.cookie));
	CHECK(exchange(&b, "instagram", code, b.state, &r) == 200);
	http_resp_free(&r);
	exchange(&b, "instagram", code, b.state, &r);
	check_error000(&r, 400, "invalid_state", NULL);
	http_resp_free(&r);
}

/* Seed 000's own error: 400 {error: "Invalid platform"}. */
static void
t_platform(void)
{
	struct browser		b;
	struct http_resp	r;

	get_url("google", &b, &r);
	check_error000(&r, 400, "invalid_request", "Invalid platform");
	http_resp_free(&r);
	CHECK(get_url("instagram", &b, &r) == 200);
	http_resp_free(&r);
	exchange(&b, "facebook", "AQBxfakecode123456", b.state, &r);
	check_error000(&r, 400, "invalid_request", "Invalid platform");
	http_resp_free(&r);
}

/*
 * IGCONNECT_SIGNIN_STATE=client: a front end that made its own state
 * signs in with no cookie; igconnect never issued that state.
 */
static void
t_client_state(void)
{
	const char *const	 argv[] = { "fcgi/signin", NULL };
	char			 path[] = "/tmp/t_seed000.XXXXXX";
	char			 code[1024], len[24], out[16384], user[160];
	struct browser		 b;
	struct http_resp	 r;
	json_t			*o;
	char			*s, *body;
	int			 fd;

	CHECK(fake_reset());
	CHECK(get_url("instagram", &b, &r) == 200);
	http_resp_free(&r);
	consent(&b, flow_account(1), code, sizeof(code));
	o = json_pack("{s:s, s:s, s:s}", "platform", "instagram", "code",
	    code, "state", "made-by-the-front-end");
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!CHECK((fd = mkstemp(path)) != -1))
		return;
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	(void)close(fd);
	(void)snprintf(len, sizeof(len), "%zu", strlen(s));
	free(s);
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	setenv("CONTENT_LENGTH", len, 1);
	setenv("IGCONNECT_COMPAT", "seed000", 1);
	setenv("IGCONNECT_SIGNIN_STATE", "client", 1);
	CHECK(run_capture(argv, path, out, sizeof(out)) == 0);
	unsetenv("REQUEST_METHOD");
	unsetenv("CONTENT_TYPE");
	unsetenv("CONTENT_LENGTH");
	unsetenv("IGCONNECT_COMPAT");
	unsetenv("IGCONNECT_SIGNIN_STATE");
	(void)unlink(path);
	CHECK(strstr(out, "Status: 200 OK\r\n") != NULL);
	if ((body = strstr(out, "\r\n\r\n{")) == NULL)
		return;
	o = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL);
	if (CHECK(o != NULL))
		check_signed_in(o, user, sizeof(user));
	json_decref(o);
}

/* Neither answer holds a token Meta issued. */
static void
t_no_meta_token(void)
{
	struct browser		 b;
	struct http_resp	 r;
	struct flow_secrets	 sec;
	char			 code[1024];

	CHECK(fake_reset());
	memset(&sec, 0, sizeof(sec));
	CHECK(get_url("instagram", &b, &r) == 200);
	http_resp_free(&r);
	consent(&b, flow_account(0), code, sizeof(code));
	CHECK(exchange(&b, "instagram", code, b.state, &r) == 200);
	secrets_from_fake(&sec);
	CHECK(sec.n > 0);
	CHECK(!secrets_in(&sec, r.body));
	CHECK(!secrets_in(&sec, r.headers));
	http_resp_free(&r);
	secrets_free(&sec);
}

static const struct ig_test tests[] = {
	TEST(t_url),
	TEST(t_signin),
	TEST(t_cookie_bound),
	TEST(t_platform),
	TEST(t_client_state),
	TEST(t_no_meta_token),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
