/* SPDX-License-Identifier: ISC */
/*
 * t_seed004.c: seed 004's front end against its compatibility routes,
 * end to end through nginx, the programs, PostgreSQL and the fake of
 * Meta, as the seed's guide describes it: the front end sends the user
 * to Instagram's authorize page itself (its own app id and redirect
 * URI, no state from us), then POSTs {code, redirectUri} to
 * /integrations/instagram/token, and later POST
 * /integrations/instagram/refresh/:integrationId; Meta calls
 * /integrations/instagram/webhook.  Answers are {integration, token,
 * expiresAt} with times as "2023-06-01T00:00:00.000Z" and instagramId
 * an exact string; errors keep the canonical body.  No token is in any
 * answer unless the operator turns IGCONNECT_RETURN_TOKENS on (the
 * programs run as CGI with it), and then only in seed 004's members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "../lib/hook.h"

#define LONG_TTL	5184000		/* a long-lived token: 60 days */
#define EXCHANGE_TTL	5183944		/* the fake's ig_exchange expires_in */
#define APP_SCOPED	27281358591558845LL	/* the fake's ids, + N */
#define IG_ID		17841457215396811LL

static const char	PATH_TOKEN[] = "/integrations/instagram/token";
static const char	PATH_WEBHOOK[] = "/integrations/instagram/webhook";

/* What nginx's seed 004 location passes, and the operator's switch. */
static const char *const tokens_on[] = {
	"IGCONNECT_COMPAT=seed004", "IGCONNECT_RETURN_TOKENS=1", NULL
};

/* "/integrations/instagram/refresh/ID" (a buffer of this file). */
static const char *
path_refresh(const char *id)
{
	static char	p[256];

	(void)snprintf(p, sizeof(p), "/integrations/instagram/refresh/%s",
	    id);
	return p;
}

/* The redirect URIs the stack allows: INSTAGRAM_REDIRECT_URI and more. */
static const char *
redirect_uri(int alt)
{
	static char	 uri[1024];
	const char	*list = env_or_die("IGCONNECT_REDIRECT_URIS");
	const char	*comma = strchr(list, ',');

	if (!alt)
		return env_or_die("INSTAGRAM_REDIRECT_URI");
	(void)snprintf(uri, sizeof(uri), "%s", comma != NULL ? comma + 1 :
	    list);
	return uri;
}

/*
 * What the seed's front end does before it calls us: Instagram's
 * authorize URL from its own settings, the user's consent (the fake's,
 * for account "n"), and the code from the redirect, into "code".
 */
static int
authorize(long long n, const char *redirect, char *code, size_t codesz)
{
	struct flow_dance	 d;
	char			*e, knobs[64];

	memset(&d, 0, sizeof(d));
	e = curl_easy_escape(NULL, redirect, 0);
	(void)snprintf(d.authurl, sizeof(d.authurl), "%s/oauth/authorize?"
	    "client_id=%s&redirect_uri=%s&response_type=code&scope="
	    "instagram_business_basic,instagram_business_content_publish",
	    env_or_die("IGCONNECT_INSTAGRAM_WWW_URL"),
	    env_or_die("INSTAGRAM_APP_ID"), e != NULL ? e : "");
	curl_free(e);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	if (!CHECK(flow_authorize(&d, knobs) && d.code[0] != '\0'))
		return 0;
	(void)snprintf(code, codesz, "%s", d.code);
	return 1;
}

/* {code, redirectUri} (either may be NULL) as JSON text; free it. */
static char *
token_body(const char *code, const char *redirect)
{
	json_t	*o = json_object();
	char	*s;

	if (code != NULL)
		json_object_set_new(o, "code", json_string(code));
	if (redirect != NULL)
		json_object_set_new(o, "redirectUri", json_string(redirect));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* POST /integrations/instagram/token as "u". */
static long
token(const struct flow_user *u, const char *code, const char *redirect,
    struct http_resp *r)
{
	char	*s = token_body(code, redirect);
	long	 st;

	st = flow_req(u, "POST", PATH_TOKEN, NULL, s, r);
	free(s);
	return st;
}

/* The same through the program run as CGI with "vars". */
static long
token_cgi(const struct flow_user *u, const char *const *vars,
    const char *code, const char *redirect, struct http_resp *r)
{
	char	*s = token_body(code, redirect);
	long	 st;

	st = flow_cgi(u, "oauth-exchange", vars, "POST", PATH_TOKEN, s, r);
	free(s);
	return st;
}

/*
 * A login with our state (GET /oauth/instagram/url through nginx, the
 * fake's consent for account "n"), its {code, state} then POSTed to
 * "path" served by oauth-exchange as CGI with "vars".
 */
static long
login_cgi(const struct flow_user *u, const char *const *vars,
    const char *path, long long n, struct http_resp *r)
{
	struct flow_dance	 d;
	char			 knobs[64], *s;
	json_t			*o;
	long			 st;

	memset(r, 0, sizeof(*r));
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	if (!CHECK(flow_start(u, NULL, &d) == 200 &&
	    flow_authorize(&d, knobs) && d.code[0] != '\0'))
		return 0;
	o = json_pack("{s:s, s:s}", "code", d.code, "state", d.rstate);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	st = flow_cgi(u, "oauth-exchange", vars, "POST", path, s, r);
	free(s);
	return st;
}

/* "YYYY-MM-DDTHH:MM:SS.000Z", as the seed writes times, as a time. */
static time_t
iso_ms(const char *s)
{
	char	plain[21];

	if (strlen(s) != 24 || strcmp(s + 19, ".000Z") != 0)
		return -1;
	(void)snprintf(plain, sizeof(plain), "%.19sZ", s);
	return iso_time(plain);
}

/*
 * {integration: {id, name, [token,] expiresAt, instagramId}, [token,]
 * expiresAt} of the user's connection to account "n", the token
 * members present exactly when "tok" is not NULL (and then into it).
 * The expiry as a time.
 */
static time_t
check_integration(const json_t *o, const struct flow_user *u, long long n,
    char *tok, size_t toksz)
{
	const json_t	*in = json_object_get(o, "integration");
	char		 want[64];

	if (tok == NULL) {
		CHECK(jkeys_are(o, "integration", "expiresAt", NULL));
		CHECK(jkeys_are(in, "id", "name", "expiresAt", "instagramId",
		    NULL));
	} else {
		CHECK(jkeys_are(o, "integration", "token", "expiresAt", NULL));
		CHECK(jkeys_are(in, "id", "name", "token", "expiresAt",
		    "instagramId", NULL));
		CHECK(strlen(jstr(o, "token")) > 0);
		CHECK(strcmp(jstr(o, "token"), jstr(in, "token")) == 0);
		(void)snprintf(tok, toksz, "%s", jstr(o, "token"));
	}
	CHECK(strcmp(jstr(in, "id"), flow_conn_id(u)) == 0);
	CHECK(strcmp(jstr(in, "name"), "INSTAGRAM") == 0);
	/* Above 2^53: only a string keeps it exact. */
	(void)snprintf(want, sizeof(want), "%lld", IG_ID + n);
	CHECK(json_is_string(json_object_get(in, "instagramId")) &&
	    strcmp(jstr(in, "instagramId"), want) == 0);
	CHECK(iso_ms(jstr(in, "expiresAt")) != -1);
	CHECK(strcmp(jstr(in, "expiresAt"), jstr(o, "expiresAt")) == 0);
	return iso_ms(jstr(o, "expiresAt"));
}

/* A new user connected through the seed's route to a new account. */
static int
connected_user(struct flow_user *u, long long *n)
{
	struct http_resp	r;
	char			code[1024];
	long			st;

	flow_user_new(u);
	*n = flow_account(0);
	if (!authorize(*n, redirect_uri(0), code, sizeof(code)))
		return 0;
	st = token(u, code, redirect_uri(0), &r);
	http_resp_free(&r);
	return CHECK(st == 200);
}

/* 1 if the fake takes "tok" as account "n"'s token (GET /me). */
static int
fake_knows(const char *tok, long long n)
{
	struct http_resp	 r;
	char			 url[4096], want[64], *e;
	json_t			*o;
	int			 ok;

	e = curl_easy_escape(NULL, tok, 0);
	(void)snprintf(url, sizeof(url), "%s/me?fields=id&access_token=%s",
	    env_or_die("IGCONNECT_GRAPH_INSTAGRAM_URL"), e != NULL ? e : "");
	curl_free(e);
	flow_http(NULL, "GET", url, NULL, NULL, 0, &r);
	o = resp_json(&r);
	(void)snprintf(want, sizeof(want), "%lld", APP_SCOPED + n);
	ok = r.status == 200 && strcmp(jstr(o, "id"), want) == 0;
	json_decref(o);
	http_resp_free(&r);
	return ok;
}

/* ------------------------------------------------------------ token */

static void
t_token_exchange(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	json_t			*o, *req;
	char			 code[1024];

	CHECK(fake_reset());
	flow_user_new(&u);
	if (!authorize(n, redirect_uri(0), code, sizeof(code)))
		return;
	CHECK(token(&u, code, redirect_uri(0), &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	CHECK(labs((long)(check_integration(o, &u, n, NULL, 0) - time(NULL)) -
	    EXCHANGE_TTL) < 300);
	json_decref(o);
	CHECK(flow_conn_rows(&u) == 1);
	/* The code went to Meta with the redirect URI the front end used. */
	CHECK(fake_count("code_exchange") == 1);
	req = fake_get("/_fake/requests?route=code_exchange&limit=1");
	CHECK(strcmp(jstr(json_object_get(json_array_get(json_object_get(req,
	    "requests"), 0), "form"), "redirect_uri"), redirect_uri(0)) == 0);
	json_decref(req);
	/* A code serves once: Meta refuses it again. */
	token(&u, code, redirect_uri(0), &r);
	check_error(&r, 400, "invalid_grant");
	http_resp_free(&r);
	flow_user_free(&u);
}

/* Any redirect URI of the allow-list, the one the login used. */
static void
t_token_other_allowed_redirect(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(1);
	json_t			*o;
	char			 code[1024];

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(strcmp(redirect_uri(1), redirect_uri(0)) != 0);
	if (!authorize(n, redirect_uri(1), code, sizeof(code)))
		return;
	CHECK(token(&u, code, redirect_uri(1), &r) == 200);
	o = resp_json(&r);
	http_resp_free(&r);
	check_integration(o, &u, n, NULL, 0);
	json_decref(o);
	flow_user_free(&u);
}

/* Without a state the redirect URI is what we check: before Meta. */
static void
t_token_refused(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	char			 code[1024], slash[1024], *s;

	CHECK(fake_reset());
	flow_user_new(&u);
	flow_user_new(&v);
	if (!authorize(n, redirect_uri(0), code, sizeof(code)))
		return;
	token(&u, code, "https://evil.example/callback", &r);
	check_error(&r, 400, "invalid_request");
	CHECK(strstr(r.body, "redirectUri") != NULL);
	http_resp_free(&r);
	/* Byte for byte: a trailing slash is another URI. */
	(void)snprintf(slash, sizeof(slash), "%s/", redirect_uri(0));
	token(&u, code, slash, &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	token(&u, code, NULL, &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	token(&u, NULL, redirect_uri(0), &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	flow_req(&u, "POST", PATH_TOKEN, NULL, "{\"userId\":\"someone-else\","
	    "\"code\":\"c\",\"redirectUri\":\"x\"}", &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	s = token_body(code, redirect_uri(0));
	flow_req_authz(&u, "", "POST", PATH_TOKEN, NULL, s, &r);
	check_error(&r, 401, "unauthorized");
	http_resp_free(&r);
	free(s);
	flow_req(&u, "GET", PATH_TOKEN, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0);
	/* The code is still good for its own front end. */
	CHECK(token(&v, code, redirect_uri(0), &r) == 200);
	http_resp_free(&r);
	flow_user_free(&u);
	flow_user_free(&v);
}

/* ------------------------------------------------------------ refresh */

static void
t_refresh(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*o;
	char			 id[64];

	CHECK(fake_reset());
	if (!connected_user(&u, &n))
		return;
	(void)snprintf(id, sizeof(id), "%s", flow_conn_id(&u));
	/* Meta refreshes only tokens a day old. */
	flow_req(&u, "POST", path_refresh(id), NULL, NULL, &r);
	check_error(&r, 409, "too_early");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	flow_age_token(&u);
	CHECK(flow_req(&u, "POST", path_refresh(id), NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	CHECK(labs((long)(check_integration(o, &u, n, NULL, 0) - time(NULL)) -
	    LONG_TTL) < 300);
	json_decref(o);
	CHECK(fake_count("refresh") == 1);
	flow_user_free(&u);
}

/* Another user's integration, or none at all: 404, nothing refreshed. */
static void
t_refresh_not_yours(void)
{
	static const char *const unknown[] = {
		"00000000-0000-4000-8000-000000000000", "not-an-id", "%2e%2e",
	};
	struct flow_user	 u, v, w;
	struct http_resp	 r;
	long long		 n, m;
	char			 uid[64], vid[64], before[1024], after[1024];
	size_t			 i;

	CHECK(fake_reset());
	if (!connected_user(&u, &n) || !connected_user(&v, &m))
		return;
	flow_user_new(&w);
	flow_age_token(&u);
	flow_age_token(&v);
	(void)snprintf(uid, sizeof(uid), "%s", flow_conn_id(&u));
	(void)snprintf(vid, sizeof(vid), "%s", flow_conn_id(&v));
	CHECK(db_val(before, sizeof(before), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, u.id, NULL) == 1);
	flow_req(&v, "POST", path_refresh(uid), NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	CHECK(strstr(r.body, "fake_user_") == NULL);
	http_resp_free(&r);
	flow_req(&w, "POST", path_refresh(uid), NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	flow_req(&u, "POST", path_refresh(vid), NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		flow_req(&u, "POST", path_refresh(unknown[i]), NULL, NULL, &r);
		if (!CHECK(r.status == 404))
			printf("  id %s\n", unknown[i]);
		check_error(&r, 404, "not_found");
		http_resp_free(&r);
	}
	CHECK(db_val(after, sizeof(after), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, u.id, NULL) == 1);
	CHECK(strcmp(before, after) == 0);
	CHECK(fake_count("refresh") == 0);
	flow_user_free(&u);
	flow_user_free(&v);
	flow_user_free(&w);
}

/* ------------------------------------------------------------ tokens */

/* The switch off (the stack's default): no token in any answer. */
static void
t_no_token_by_default(void)
{
	struct flow_user	 u;
	struct flow_secrets	 s;
	struct http_resp	 r[2];
	long long		 n;
	char			 id[64];
	size_t			 i;

	memset(&s, 0, sizeof(s));
	CHECK(fake_reset());
	if (!connected_user(&u, &n))
		return;
	(void)snprintf(id, sizeof(id), "%s", flow_conn_id(&u));
	flow_age_token(&u);
	CHECK(flow_req(&u, "POST", path_refresh(id), NULL, NULL, &r[0]) ==
	    200);
	CHECK(flow_req(&u, "GET", "/integrations/instagram", NULL, NULL,
	    &r[1]) == 200);
	secrets_from_fake(&s);
	CHECK(s.n >= 4);
	for (i = 0; i < 2; i++) {
		CHECK(strstr(r[i].body, "\"token\"") == NULL);
		CHECK(!secrets_in(&s, r[i].body));
		CHECK(!secrets_in(&s, r[i].headers));
		http_resp_free(&r[i]);
	}
	check_secrets_kept(&s, &u);
	secrets_free(&s);
	flow_user_free(&u);
}

/*
 * IGCONNECT_RETURN_TOKENS=1: seed 004's token members hold the live
 * token, after the exchange and after a refresh; no other route or
 * shape shows it even so.
 */
static void
t_tokens_when_switched_on(void)
{
	static const char *const canonical_on[] = {
		"IGCONNECT_RETURN_TOKENS=1", NULL
	};
	static const char *const seed003_on[] = {
		"IGCONNECT_COMPAT=seed003", "IGCONNECT_RETURN_TOKENS=1", NULL
	};
	struct flow_user	 u, v, w;
	struct flow_secrets	 s;
	struct http_resp	 r;
	long long		 n = flow_account(0), m = flow_account(1);
	long long		 k = flow_account(0);
	json_t			*o;
	char			 code[1024], first[512], second[512], id[64];

	memset(&s, 0, sizeof(s));
	CHECK(fake_reset());
	flow_user_new(&u);
	if (!authorize(n, redirect_uri(0), code, sizeof(code)))
		return;
	CHECK(token_cgi(&u, tokens_on, code, redirect_uri(0), &r) == 200);
	CHECK(strstr(r.headers, "no-store") != NULL);
	o = resp_json(&r);
	http_resp_free(&r);
	check_integration(o, &u, n, first, sizeof(first));
	json_decref(o);
	CHECK(fake_knows(first, n));
	/* A refresh answers the new token. */
	(void)snprintf(id, sizeof(id), "%s", flow_conn_id(&u));
	flow_age_token(&u);
	CHECK(flow_cgi(&u, "integration-refresh", tokens_on, "POST",
	    path_refresh(id), NULL, &r) == 200);
	o = resp_json(&r);
	http_resp_free(&r);
	check_integration(o, &u, n, second, sizeof(second));
	json_decref(o);
	CHECK(strcmp(first, second) != 0 && fake_knows(second, n));
	/* Still 404 for an id not the caller's, token or not. */
	flow_cgi(&u, "integration-refresh", tokens_on, "POST",
	    path_refresh("00000000-0000-4000-8000-000000000000"), NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	/* The canonical API and seed 003 never show it. */
	flow_cgi(&u, "integration", canonical_on, "GET",
	    "/integrations/instagram", NULL, &r);
	CHECK(r.status == 200 && strstr(r.body, second) == NULL &&
	    strstr(r.body, "\"token\"") == NULL);
	http_resp_free(&r);
	flow_user_new(&v);
	CHECK(login_cgi(&v, canonical_on, "/oauth/instagram/exchange", m,
	    &r) == 200);
	CHECK(strstr(r.body, "\"token\"") == NULL);
	secrets_from_fake(&s);
	CHECK(s.n >= 4 && !secrets_in(&s, r.body));
	http_resp_free(&r);
	flow_user_new(&w);
	CHECK(login_cgi(&w, seed003_on, "/api/integrations/instagram/callback",
	    k, &r) == 200);
	CHECK(strstr(r.body, "\"token\"") == NULL);
	secrets_free(&s);
	secrets_from_fake(&s);
	CHECK(!secrets_in(&s, r.body));
	http_resp_free(&r);
	secrets_free(&s);
	flow_user_free(&u);
	flow_user_free(&v);
	flow_user_free(&w);
}

/* ------------------------------------------------------------ webhook */

static void
t_webhook(void)
{
	struct http_resp	 r;
	char			 path[1024], sig[HOOK_SIGLEN], hdr[128], *e;
	char			*body;
	const char		*h[3];
	json_t			*o;
	size_t			 len;

	/* Meta's subscription handshake. */
	e = curl_easy_escape(NULL,
	    env_or_die("INSTAGRAM_WEBHOOK_VERIFY_TOKEN"), 0);
	(void)snprintf(path, sizeof(path), "%s?hub.mode=subscribe&"
	    "hub.verify_token=%s&hub.challenge=1158201444", PATH_WEBHOOK, e);
	curl_free(e);
	CHECK(http_do("GET", stack_url(path), NULL, NULL, 0, NULL, &r) ==
	    200);
	CHECK(strcmp(r.body, "1158201444") == 0);
	http_resp_free(&r);
	(void)snprintf(path, sizeof(path), "%s?hub.mode=subscribe&"
	    "hub.verify_token=wrong&hub.challenge=1158201444", PATH_WEBHOOK);
	http_do("GET", stack_url(path), NULL, NULL, 0, NULL, &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	/* A signed delivery is stored; a badly signed one is not. */
	body = hook_delivery((const char *const[]){ "17841400000000004" }, 1,
	    2);
	len = strlen(body);
	hook_sign(sig, env_or_die("INSTAGRAM_APP_SECRET"), body, len);
	(void)snprintf(hdr, sizeof(hdr), "X-Hub-Signature-256: %s", sig);
	h[0] = "Content-Type: application/json";
	h[1] = hdr;
	h[2] = NULL;
	CHECK(http_do("POST", stack_url(PATH_WEBHOOK), h, body, len, NULL,
	    &r) == 200);
	o = resp_json(&r);
	CHECK(jkeys_are(o, "received", "duplicate", NULL) &&
	    json_is_true(json_object_get(o, "received")) &&
	    json_is_false(json_object_get(o, "duplicate")));
	json_decref(o);
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM webhook_events WHERE body = "
	    "convert_to($1, 'UTF8')", body, NULL) == 1);
	body[len - 2] = ' ';
	http_do("POST", stack_url(PATH_WEBHOOK), h, body, len, NULL, &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM webhook_events WHERE body = "
	    "convert_to($1, 'UTF8')", body, NULL) == 0);
	free(body);
}

static const struct ig_test tests[] = {
	TEST(t_token_exchange),
	TEST(t_token_other_allowed_redirect),
	TEST(t_token_refused),
	TEST(t_refresh),
	TEST(t_refresh_not_yours),
	TEST(t_no_token_by_default),
	TEST(t_tokens_when_switched_on),
	TEST(t_webhook),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
