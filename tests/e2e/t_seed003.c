/* SPDX-License-Identifier: ISC */
/*
 * t_seed003.c: seed 003's front end against its compatibility routes,
 * end to end through nginx, the programs, PostgreSQL and the fake of
 * Meta, as the seed's document describes it: GET /auth/instagram/login
 * for {authUrl, redirectTo}, Instagram's redirect back to its callback
 * page, POST /api/integrations/instagram/callback, the integrations
 * page (GET /api/integrations?userId=), the connection card (GET and
 * DELETE /api/integrations/instagram/:userId) and the refresh.  Every
 * member is checked with its JSON type; errors are {ok: false, error,
 * message, requestId}.  A front end's own token ({accessToken}) is
 * refused unless the operator turns it on; with it on (the program run
 * as CGI with IGCONNECT_ACCEPT_CLIENT_TOKENS=1), a short-lived token is
 * upgraded, a long-lived one kept, and one Meta does not know refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define LONG_TTL	5184000		/* a long-lived token: 60 days */
#define EXCHANGE_TTL	5183944		/* the fake's ig_exchange expires_in */
#define DAY		86400

static const char	PATH_LOGIN[] = "/auth/instagram/login";
static const char	PATH_CALLBACK[] =
    "/api/integrations/instagram/callback";
static const char	PATH_ALL[] = "/api/integrations";
static const char	PATH_REFRESH[] = "/api/integrations/instagram/refresh";

/* What nginx's seed 003 location passes, and the operator's switch. */
static const char *const client_tokens_on[] = {
	"IGCONNECT_COMPAT=seed003", "IGCONNECT_ACCEPT_CLIENT_TOKENS=1", NULL
};

/* "/api/integrations/instagram/ID" (a buffer of this file). */
static const char *
path_one(const char *id)
{
	static char	p[256];

	(void)snprintf(p, sizeof(p), "/api/integrations/instagram/%s", id);
	return p;
}

/* "/api/integrations?userId=ID" (a buffer of this file). */
static const char *
path_all(const char *id)
{
	static char	p[256];

	(void)snprintf(p, sizeof(p), "%s?userId=%s", PATH_ALL, id);
	return p;
}

/*
 * Seed 003's error body: {ok: false, error, message, requestId}, with
 * the error's own members if it has any, never the canonical names.
 */
static void
check_error003(const struct http_resp *r, long status, const char *code)
{
	json_t	*o = resp_json(r);
	char	 rid[128];

	if (!CHECK(r->status == status))
		printf("  expected %ld %s, got %ld: %.300s\n", status, code,
		    r->status, r->body);
	/* The seed's four, and the error's own members (refreshableAt...). */
	CHECK(json_object_get(o, "ok") != NULL &&
	    json_object_get(o, "message") != NULL &&
	    json_object_get(o, "requestId") != NULL);
	CHECK(json_object_get(o, "error_description") == NULL &&
	    json_object_get(o, "request_id") == NULL);
	CHECK(json_is_false(json_object_get(o, "ok")));
	if (!CHECK(strcmp(jstr(o, "error"), code) == 0))
		printf("  error \"%s\", not \"%s\"\n", jstr(o, "error"), code);
	CHECK(strlen(jstr(o, "message")) > 0);
	CHECK(resp_header(r, "X-Request-Id", rid, sizeof(rid)) &&
	    strlen(rid) > 0 && strcmp(rid, jstr(o, "requestId")) == 0);
	check_no_store(r);
	json_decref(o);
}

/*
 * Seed 003's connection of fake account "n" with "status": each member
 * with its type, the ids exact, the times ISO 8601.
 */
static void
check_card(const json_t *c, long long n, const char *status)
{
	char	 want[256];
	json_t	*v;

	CHECK(jkeys_are(c, "id", "status", "username", "name", "followers",
	    "profilePictureUrl", "biography", "website", "connectedAt",
	    "lastSync", "expiresAt", "needsRefresh", NULL));
	CHECK(strlen(jstr(c, "id")) == 36);
	CHECK(strcmp(jstr(c, "status"), status) == 0);
	(void)snprintf(want, sizeof(want), "@fake_user_%lld", n);
	CHECK(strcmp(jstr(c, "username"), want) == 0);
	(void)snprintf(want, sizeof(want), "Fake User %lld", n);
	CHECK(strcmp(jstr(c, "name"), want) == 0);
	v = json_object_get(c, "followers");
	CHECK(json_is_integer(v) && json_integer_value(v) == 1000 + 37 * n);
	(void)snprintf(want, sizeof(want), "https://scontent.cdninstagram.com"
	    "/v/t51.2885-19/fake_user_%lld.jpg?_nc_ht=scontent.cdninstagram"
	    ".com&oe=6740A1B2", n);
	CHECK(strcmp(jstr(c, "profilePictureUrl"), want) == 0);
	(void)snprintf(want, sizeof(want), "Fake account %lld \xe2\x80\x94 "
	    "caf\xc3\xa9 & \"tests\"", n);
	CHECK(strcmp(jstr(c, "biography"), want) == 0);
	if (n % 2 == 0) {
		(void)snprintf(want, sizeof(want),
		    "https://example.com/fake_user_%lld", n);
		CHECK(strcmp(jstr(c, "website"), want) == 0);
	} else
		CHECK(json_is_null(json_object_get(c, "website")));
	CHECK(iso_time(jstr(c, "connectedAt")) != -1);
	CHECK(iso_time(jstr(c, "lastSync")) != -1);
	if (strcmp(status, "disconnected") == 0)
		CHECK(json_is_null(json_object_get(c, "expiresAt")));
	else
		CHECK(iso_time(jstr(c, "expiresAt")) != -1);
	CHECK(json_is_boolean(json_object_get(c, "needsRefresh")));
}

/* {ok: true, connection} of account "n"; the connection, borrowed. */
static const json_t *
check_ok_card(const json_t *o, long long n, const char *status)
{
	const json_t	*c = json_object_get(o, "connection");

	CHECK(jkeys_are(o, "ok", "connection", NULL));
	CHECK(json_is_true(json_object_get(o, "ok")));
	check_card(c, n, status);
	return c;
}

/*
 * GET /auth/instagram/login as "u": {authUrl, redirectTo}, one URL of
 * Instagram's authorize page at the fake, into "d".  The status.
 */
static long
login(const struct flow_user *u, struct flow_dance *d)
{
	struct http_resp	 r;
	json_t			*o;
	char			 want[1024];
	long			 st;

	memset(d, 0, sizeof(*d));
	st = flow_req(u, "GET", PATH_LOGIN, NULL, NULL, &r);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	if (st != 200) {
		json_decref(o);
		return st;
	}
	CHECK(jkeys_are(o, "authUrl", "redirectTo", NULL));
	CHECK(strcmp(jstr(o, "authUrl"), jstr(o, "redirectTo")) == 0);
	(void)snprintf(want, sizeof(want), "%s/oauth/authorize?client_id=%s&",
	    env_or_die("IGCONNECT_INSTAGRAM_WWW_URL"),
	    env_or_die("INSTAGRAM_APP_ID"));
	CHECK(strncmp(jstr(o, "authUrl"), want, strlen(want)) == 0);
	(void)snprintf(d->authurl, sizeof(d->authurl), "%s",
	    jstr(o, "authUrl"));
	CHECK(flow_query_param(d->authurl, "state", d->state,
	    sizeof(d->state)) && strlen(d->state) == IG_STATE_LEN);
	json_decref(o);
	return st;
}

/* POST "body" (stolen) to the callback as "u". */
static long
callback(const struct flow_user *u, json_t *body, struct http_resp *r)
{
	char	*s = json_dumps(body, JSON_COMPACT);
	long	 st;

	json_decref(body);
	st = flow_req(u, "POST", PATH_CALLBACK, NULL, s != NULL ? s : "{}",
	    r);
	free(s);
	return st;
}

/*
 * The front end's whole connect: the login URL, Instagram's consent
 * (the fake's, for account "n"), and the callback page posting the code
 * and state its URL holds.  The callback's status; its body in "*body".
 */
static long
connect003(const struct flow_user *u, long long n, json_t **body)
{
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 knobs[64];
	long			 st;

	*body = NULL;
	if (!CHECK(login(u, &d) == 200))
		return 0;
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	if (!CHECK(flow_authorize(&d, knobs) && d.code[0] != '\0'))
		return 0;
	CHECK(strcmp(d.rstate, d.state) == 0);
	st = callback(u, json_pack("{s:s, s:s}", "code", d.code, "state",
	    d.rstate), &r);
	*body = resp_json(&r);
	http_resp_free(&r);
	return st;
}

/* A new user connected to a new fake account; 1 if that worked. */
static int
connected_user(struct flow_user *u, long long *n)
{
	json_t	*o;
	long	 st;

	flow_user_new(u);
	*n = flow_account(0);
	st = connect003(u, *n, &o);
	json_decref(o);
	return CHECK(st == 200);
}

/* The callback as CGI with client tokens allowed, {accessToken}. */
static long
callback_token_on(const struct flow_user *u, const char *token,
    struct http_resp *r)
{
	json_t	*o = json_pack("{s:s}", "accessToken", token);
	char	*s = json_dumps(o, JSON_COMPACT);
	long	 st;

	json_decref(o);
	st = flow_cgi(u, "oauth-exchange", client_tokens_on, "POST",
	    PATH_CALLBACK, s, r);
	free(s);
	return st;
}

/* ------------------------------------------------------------ login */

static void
t_login(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;

	flow_user_new(&u);
	CHECK(login(&u, &d) == 200);
	/* The state in the URL is the caller's, waiting for the callback. */
	CHECK(db_long("SELECT count(*) FROM oauth_states s JOIN users u ON "
	    "u.id = s.userid WHERE u.externalid = $1", u.id, NULL) == 1);
	flow_req_authz(&u, "", "GET", PATH_LOGIN, NULL, NULL, &r);
	check_error003(&r, 401, "unauthorized");
	http_resp_free(&r);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ callback */

static void
t_connect(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	const json_t		*c;
	json_t			*o = NULL;
	char			 knobs[64];

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(login(&u, &d) == 200);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	CHECK(flow_authorize(&d, knobs) && d.code[0] != '\0');
	CHECK(callback(&u, json_pack("{s:s, s:s}", "code", d.code, "state",
	    d.rstate), &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	c = check_ok_card(o, n, "connected");
	CHECK(strcmp(jstr(c, "id"), flow_conn_id(&u)) == 0);
	CHECK(iso_near(jstr(c, "expiresAt"), EXCHANGE_TTL, 300));
	CHECK(iso_near(jstr(c, "connectedAt"), 0, 120));
	CHECK(json_is_false(json_object_get(c, "needsRefresh")));
	json_decref(o);
	/* A state serves once. */
	callback(&u, json_pack("{s:s, s:s}", "code", d.code, "state",
	    d.rstate), &r);
	check_error003(&r, 400, "invalid_state");
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 1);
	flow_user_free(&u);
}

static void
t_callback_refused(void)
{
	struct flow_user	 u, v;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(1);
	char			 knobs[64];

	CHECK(fake_reset());
	flow_user_new(&u);
	flow_user_new(&v);
	callback(&u, json_object(), &r);
	check_error003(&r, 400, "invalid_request");
	http_resp_free(&r);
	callback(&u, json_pack("{s:s, s:s}", "code", "abc", "state",
	    "not-a-state"), &r);
	check_error003(&r, 400, "invalid_state");
	http_resp_free(&r);
	/* Another user's state is no state of ours. */
	CHECK(login(&v, &d) == 200);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	CHECK(flow_authorize(&d, knobs));
	callback(&u, json_pack("{s:s, s:s}", "code", d.code, "state",
	    d.rstate), &r);
	check_error003(&r, 400, "invalid_state");
	http_resp_free(&r);
	/* A user id in the body must be the caller's. */
	callback(&u, json_pack("{s:s, s:s, s:s}", "userId", v.id, "code",
	    d.code, "state", d.rstate), &r);
	check_error003(&r, 403, "forbidden");
	http_resp_free(&r);
	flow_req_authz(&u, "", "POST", PATH_CALLBACK, NULL, "{}", &r);
	check_error003(&r, 401, "unauthorized");
	http_resp_free(&r);
	/* nginx's own 405: the canonical body, its request id too. */
	flow_req(&u, "GET", PATH_CALLBACK, NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0 && flow_conn_rows(&v) == 0);
	flow_user_free(&u);
	flow_user_free(&v);
}

/* ------------------------------------------------- the front end's token */

/* Off by default: refused before Meta is asked, nothing stored. */
static void
t_access_token_off(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	json_t			*o;
	char			 tok[512];

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(fake_token(flow_account(0), "long", tok, sizeof(tok)));
	callback(&u, json_pack("{s:s}", "accessToken", tok), &r);
	check_error003(&r, 400, "invalid_request");
	o = resp_json(&r);
	CHECK(strstr(jstr(o, "message"), "IGCONNECT_ACCEPT_CLIENT_TOKENS") !=
	    NULL);
	json_decref(o);
	http_resp_free(&r);
	CHECK(fake_count("me") == 0 && fake_count("ig_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/* Switched on: a short-lived token is exchanged for a long-lived one. */
static void
t_access_token_short_upgraded(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(0), minted;
	const json_t		*c;
	json_t			*o, *st;
	char			 tok[512], kind[32];

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(fake_token(n, "short", tok, sizeof(tok)));
	st = fake_get("/_fake/stats");
	minted = json_integer_value(json_object_get(st, "tokens"));
	json_decref(st);
	CHECK(callback_token_on(&u, tok, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	c = check_ok_card(o, n, "connected");
	CHECK(strcmp(jstr(c, "id"), flow_conn_id(&u)) == 0);
	CHECK(iso_near(jstr(c, "expiresAt"), EXCHANGE_TTL, 300));
	CHECK(strstr(r.body, tok) == NULL);
	json_decref(o);
	http_resp_free(&r);
	CHECK(fake_count("ig_exchange") == 1);
	st = fake_get("/_fake/stats");
	CHECK(json_integer_value(json_object_get(st, "tokens")) ==
	    minted + 1);
	json_decref(st);
	CHECK(db_val(kind, sizeof(kind), "SELECT metadata->>'tokenKind' FROM "
	    "oauth_connections WHERE " FLOW_CONN, u.id, NULL) == 1 &&
	    strcmp(kind, "long") == 0);
	flow_user_free(&u);
}

/* A long-lived token is kept: Meta exchanges only short-lived ones. */
static void
t_access_token_long_kept(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(1), minted;
	json_t			*o, *st;
	char			 tok[512], kind[32];
	long			 status;

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(fake_token(n, "long", tok, sizeof(tok)));
	st = fake_get("/_fake/stats");
	minted = json_integer_value(json_object_get(st, "tokens"));
	json_decref(st);
	CHECK(callback_token_on(&u, tok, &r) == 200);
	o = resp_json(&r);
	check_ok_card(o, n, "connected");
	/* At most 60 days are left of a token of unknown age. */
	CHECK(iso_near(jstr(json_object_get(o, "connection"), "expiresAt"),
	    LONG_TTL, 300));
	json_decref(o);
	http_resp_free(&r);
	CHECK(fake_count("ig_exchange") == 1);
	st = fake_get("/_fake/stats");
	CHECK(json_integer_value(json_object_get(st, "tokens")) == minted);
	json_decref(st);
	CHECK(db_val(kind, sizeof(kind), "SELECT metadata->>'tokenKind' FROM "
	    "oauth_connections WHERE " FLOW_CONN, u.id, NULL) == 1 &&
	    strcmp(kind, "long") == 0);
	/* The row works: the card reads it through nginx. */
	o = flow_req_json(&u, "GET", path_one(u.id), NULL, &status);
	CHECK(status == 200);
	check_ok_card(o, n, "connected");
	json_decref(o);
	flow_user_free(&u);
}

/* A token Meta does not know: refused, nothing exchanged or stored. */
static void
t_access_token_unknown(void)
{
	struct flow_user	 u;
	struct http_resp	 r;

	CHECK(fake_reset());
	flow_user_new(&u);
	callback_token_on(&u, "IGAAnotatokenthefakeeverissued0123456789",
	    &r);
	check_error003(&r, 400, "invalid_grant");
	http_resp_free(&r);
	CHECK(fake_count("me") == 1 && fake_count("ig_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ reads */

static void
t_integrations_page(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	long long		 n;
	const json_t		*ig, *p;
	json_t			*o, *one;
	char			*s, want[256];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&v);
	/* Never connected: the status, and nulls. */
	CHECK(flow_req(&v, "GET", path_all(v.id), NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	s = json_dumps(o, JSON_COMPACT);
	CHECK(s != NULL && strcmp(s, "{\"ok\":true,\"integrations\":"
	    "{\"instagram\":{\"status\":\"disconnected\",\"connectedAccount\":"
	    "null,\"profile\":null,\"expiresAt\":null,\"needsRefresh\":"
	    "false}}}") == 0);
	free(s);
	json_decref(o);
	http_resp_free(&r);
	if (!connected_user(&u, &n))
		return;
	o = flow_req_json(&u, "GET", path_all(u.id), NULL, &st);
	CHECK(st == 200);
	CHECK(jkeys_are(o, "ok", "integrations", NULL));
	CHECK(json_is_true(json_object_get(o, "ok")));
	CHECK(jkeys_are(json_object_get(o, "integrations"), "instagram",
	    NULL));
	ig = json_object_get(json_object_get(o, "integrations"), "instagram");
	CHECK(jkeys_are(ig, "status", "connectedAccount", "profile",
	    "expiresAt", "needsRefresh", NULL));
	CHECK(strcmp(jstr(ig, "status"), "connected") == 0);
	(void)snprintf(want, sizeof(want), "@fake_user_%lld", n);
	CHECK(strcmp(jstr(ig, "connectedAccount"), want) == 0);
	CHECK(json_is_false(json_object_get(ig, "needsRefresh")));
	p = json_object_get(ig, "profile");
	CHECK(jkeys_are(p, "username", "name", "profilePictureUrl",
	    "followersCount", "followsCount", "mediaCount", "biography",
	    "website", NULL));
	CHECK(strcmp(jstr(p, "username"), want + 1) == 0);
	(void)snprintf(want, sizeof(want), "Fake User %lld", n);
	CHECK(strcmp(jstr(p, "name"), want) == 0);
	CHECK(strncmp(jstr(p, "profilePictureUrl"), "https://", 8) == 0);
	CHECK(json_integer_value(json_object_get(p, "followersCount")) ==
	    1000 + 37 * n);
	CHECK(json_integer_value(json_object_get(p, "followsCount")) ==
	    100 + n);
	CHECK(json_integer_value(json_object_get(p, "mediaCount")) ==
	    10 + n % 1000);
	CHECK(strlen(jstr(p, "biography")) > 0);
	/* Odd accounts have no website: null, as Meta gave none. */
	CHECK(n % 2 == 1 && json_is_null(json_object_get(p, "website")));
	/* The card and the page agree. */
	one = flow_req_json(&u, "GET", path_one(u.id), NULL, &st);
	CHECK(st == 200);
	CHECK(strcmp(jstr(ig, "expiresAt"), jstr(json_object_get(one,
	    "connection"), "expiresAt")) == 0);
	json_decref(one);
	json_decref(o);
	/* The seed's path with its slash, and without a userId. */
	(void)snprintf(want, sizeof(want), "%s/?userId=%s", PATH_ALL, u.id);
	o = flow_req_json(&u, "GET", want, NULL, &st);
	CHECK(st == 200 && strcmp(jstr(json_object_get(json_object_get(o,
	    "integrations"), "instagram"), "status"), "connected") == 0);
	json_decref(o);
	o = flow_req_json(&u, "GET", PATH_ALL, NULL, &st);
	CHECK(st == 200);
	json_decref(o);
	/* Another user's id: 403, and nothing of theirs. */
	flow_req(&v, "GET", path_all(u.id), NULL, NULL, &r);
	check_error003(&r, 403, "forbidden");
	CHECK(strstr(r.body, "fake_user_") == NULL);
	http_resp_free(&r);
	flow_user_free(&u);
	flow_user_free(&v);
}

static void
t_connection_card(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	long long		 n;
	const json_t		*c;
	json_t			*o;

	CHECK(fake_reset());
	if (!connected_user(&u, &n))
		return;
	flow_user_new(&v);
	CHECK(flow_req(&u, "GET", path_one(u.id), NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	c = check_ok_card(o, n, "connected");
	CHECK(strcmp(jstr(c, "id"), flow_conn_id(&u)) == 0);
	json_decref(o);
	/* Another user's card: 403, whoever asks. */
	flow_req(&v, "GET", path_one(u.id), NULL, NULL, &r);
	check_error003(&r, 403, "forbidden");
	CHECK(strstr(r.body, "fake_user_") == NULL);
	http_resp_free(&r);
	flow_req(&u, "GET", path_one(v.id), NULL, NULL, &r);
	check_error003(&r, 403, "forbidden");
	http_resp_free(&r);
	/* Never connected: 404. */
	flow_req(&v, "GET", path_one(v.id), NULL, NULL, &r);
	check_error003(&r, 404, "not_found");
	http_resp_free(&r);
	flow_req(&u, "PUT", path_one(u.id), NULL, "{}", &r);
	check_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	flow_user_free(&u);
	flow_user_free(&v);
}

/* A user id a path must escape, as identity providers make them. */
static void
t_escaped_user_id(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	char			 escaped[128];
	json_t			*o;
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(escaped, sizeof(escaped), "auth0%%7C%s", u.id);
	(void)snprintf(u.id, sizeof(u.id), "auth0|%.50s", escaped + 8);
	free(u.jwt);
	u.jwt = flow_jwt(u.id, 300, NULL);
	CHECK(connect003(&u, n, &o) == 200);
	json_decref(o);
	o = flow_req_json(&u, "GET", path_one(escaped), NULL, &st);
	if (!CHECK(st == 200))
		printf("  %s as %s: %ld\n", path_one(escaped), u.id, st);
	check_ok_card(o, n, "connected");
	json_decref(o);
	o = flow_req_json(&u, "GET", path_all(escaped), NULL, &st);
	CHECK(st == 200 && strcmp(jstr(json_object_get(json_object_get(o,
	    "integrations"), "instagram"), "status"), "connected") == 0);
	json_decref(o);
	flow_user_free(&u);
}

static void
t_disconnect(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	long long		 n, m;
	json_t			*o;
	char			*s, before[1024], after[1024];
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n) || !connected_user(&v, &m))
		return;
	CHECK(db_val(before, sizeof(before), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, v.id, NULL) == 1);
	/* Not another user's. */
	flow_req(&u, "DELETE", path_one(v.id), NULL, NULL, &r);
	check_error003(&r, 403, "forbidden");
	http_resp_free(&r);
	CHECK(db_val(after, sizeof(after), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, v.id, NULL) == 1);
	CHECK(strcmp(before, after) == 0);
	CHECK(flow_req(&u, "DELETE", path_one(u.id), NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	s = json_dumps(o, JSON_COMPACT);
	CHECK(s != NULL && strcmp(s, "{\"ok\":true}") == 0);
	free(s);
	json_decref(o);
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE " FLOW_CONN
	    " AND status = 'disconnected' AND accesstoken IS NULL", u.id,
	    NULL) == 1);
	/* The page shows no account any more; the card says why. */
	o = flow_req_json(&u, "GET", path_all(u.id), NULL, &st);
	s = json_dumps(json_object_get(json_object_get(o, "integrations"),
	    "instagram"), JSON_COMPACT);
	CHECK(st == 200 && s != NULL && strcmp(s, "{\"status\":"
	    "\"disconnected\",\"connectedAccount\":null,\"profile\":null,"
	    "\"expiresAt\":null,\"needsRefresh\":false}") == 0);
	free(s);
	json_decref(o);
	o = flow_req_json(&u, "GET", path_one(u.id), NULL, &st);
	CHECK(st == 200);
	check_ok_card(o, n, "disconnected");
	json_decref(o);
	/* Again: still {ok: true}. */
	CHECK(flow_req(&u, "DELETE", path_one(u.id), NULL, NULL, &r) == 200);
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
	const json_t		*c;
	json_t			*o;
	char			 v[64];

	CHECK(fake_reset());
	if (!connected_user(&u, &n))
		return;
	/* Meta refreshes only tokens a day old. */
	flow_req(&u, "POST", PATH_REFRESH, NULL, "", &r);
	check_error003(&r, 409, "too_early");
	CHECK(resp_header(&r, "Retry-After", v, sizeof(v)) &&
	    strtol(v, NULL, 10) > DAY - 300);
	o = resp_json(&r);
	CHECK(iso_time(jstr(o, "refreshableAt")) > time(NULL));
	json_decref(o);
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	flow_age_token(&u);
	CHECK(flow_req(&u, "POST", PATH_REFRESH, NULL, "", &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	c = check_ok_card(o, n, "connected");
	CHECK(iso_near(jstr(c, "expiresAt"), LONG_TTL, 300));
	json_decref(o);
	CHECK(fake_count("refresh") == 1);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ secrets */

/* Every answer of the seed's routes, and the logs: no token anywhere. */
static void
t_no_token_in_answers(void)
{
	struct flow_user	 u;
	struct flow_secrets	 s;
	struct http_resp	 r[6];
	long long		 n = flow_account(0);
	json_t			*o;
	char			 tok[512];
	size_t			 i, nr = 0;

	memset(&s, 0, sizeof(s));
	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(connect003(&u, n, &o) == 200);
	json_decref(o);
	flow_req(&u, "GET", path_all(u.id), NULL, NULL, &r[nr++]);
	flow_req(&u, "GET", path_one(u.id), NULL, NULL, &r[nr++]);
	flow_age_token(&u);
	flow_req(&u, "POST", PATH_REFRESH, NULL, "", &r[nr++]);
	CHECK(fake_token(n, "short", tok, sizeof(tok)));
	callback_token_on(&u, tok, &r[nr++]);
	flow_req(&u, "DELETE", path_one(u.id), NULL, NULL, &r[nr++]);
	secrets_from_fake(&s);
	secrets_add(&s, tok);
	CHECK(s.n >= 5);
	for (i = 0; i < nr; i++) {
		CHECK(r[i].status == 200);
		CHECK(!secrets_in(&s, r[i].body));
		CHECK(!secrets_in(&s, r[i].headers));
		http_resp_free(&r[i]);
	}
	check_secrets_kept(&s, &u);
	secrets_free(&s);
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_login),
	TEST(t_connect),
	TEST(t_callback_refused),
	TEST(t_access_token_off),
	TEST(t_access_token_short_upgraded),
	TEST(t_access_token_long_kept),
	TEST(t_access_token_unknown),
	TEST(t_integrations_page),
	TEST(t_connection_card),
	TEST(t_escaped_user_id),
	TEST(t_disconnect),
	TEST(t_refresh),
	TEST(t_no_token_in_answers),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
