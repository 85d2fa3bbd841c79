/* SPDX-License-Identifier: ISC */
/*
 * t_oauth.c: the OAuth endpoints end to end (GET /oauth/instagram/url,
 * POST /oauth/instagram/exchange) through nginx, the programs,
 * PostgreSQL and the fake of Meta: the authorize URL and its state,
 * every way a state can be wrong, the exchange and the connection it
 * stores, each of Meta's failures and what the caller sees of it,
 * concurrent exchanges, and secrets kept out of bodies, the database
 * and the logs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define SCOPES_ENC	"instagram_business_basic%2C" \
			"instagram_business_content_publish%2C" \
			"instagram_business_manage_messages%2C" \
			"instagram_business_manage_comments%2C" \
			"instagram_business_manage_insights"
#define SCOPES		"instagram_business_basic," \
			"instagram_business_content_publish," \
			"instagram_business_manage_messages," \
			"instagram_business_manage_comments," \
			"instagram_business_manage_insights"
#define LONG_TTL	5183944		/* the fake's ig_exchange expires_in */

/* Rows of oauth_states whose hash is $1 or $2 (see state_hashes()). */
#define STATE_IS	"statehash IN (decode($1, 'hex'), decode($2, 'hex'))"

/*
 * The two readings of "the SHA-256 of the state": of its text, or of
 * the 32 random bytes it encodes.  Tests accept either, and send only
 * hashes to PostgreSQL: its log records every parameter, and the state
 * itself must never be there.
 */
static void
state_hashes(const char *state, char text[65], char raw[65])
{
	unsigned char	 md[32], bytes[64];
	size_t		 n = 0;

	(void)ig_sha256(state, strlen(state), md);
	ig_hex(text, md, 32);
	if (ig_b64url_dec(bytes, sizeof(bytes), &n, state, strlen(state)) !=
	    IG_OK)
		n = 0;
	(void)ig_sha256(bytes, n, md);
	ig_hex(raw, md, 32);
}

/* A state as RFC 6749 10.12 wants it: base64url of 32 random bytes. */
static int
is_state(const char *s)
{
	return strlen(s) == 43 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

/* One column of the user's connection row. */
static int
conn_col(const struct flow_user *u, const char *col, char *out,
    size_t outsz)
{
	char	sql[512];

	(void)snprintf(sql, sizeof(sql), "SELECT %s::text FROM "
	    "oauth_connections WHERE " FLOW_CONN, col);
	return db_val(out, outsz, sql, u->id, NULL);
}

/* Seconds from now to a timestamp column of the user's connection. */
static long long
conn_secs(const struct flow_user *u, const char *col)
{
	char	sql[512];

	(void)snprintf(sql, sizeof(sql), "SELECT extract(epoch FROM %s - "
	    "(now() AT TIME ZONE 'UTC'))::bigint FROM oauth_connections "
	    "WHERE " FLOW_CONN, col);
	return db_long(sql, u->id, NULL);
}

static long long
history_rows(const struct flow_user *u)
{
	return db_long("SELECT count(*) FROM connection_history WHERE "
	    FLOW_CONN, u->id, NULL);
}

/* Start and authorize a dance for "account"; 1 if both worked. */
static int
dance(const struct flow_user *u, struct flow_dance *d, long long account,
    const char *knobs)
{
	char	k[512];

	(void)snprintf(k, sizeof(k), "&fake_account=%lld%s", account,
	    knobs != NULL ? knobs : "");
	return CHECK(flow_start(u, NULL, d) == 200) &&
	    CHECK(flow_authorize(d, k)) && CHECK(d->code[0] != '\0');
}

/*
 * A dance whose exchange is expected to fail with "status" "code" once
 * the fake was given "inject" (NULL: nothing).  The reply goes into
 * "r" (an empty one if the dance itself failed).
 */
static void
exchange_fails(const char *inject, long status, const char *code,
    struct http_resp *r)
{
	struct flow_user	u;
	struct flow_dance	d;

	flow_user_new(&u);
	CHECK(fake_reset());
	if (inject != NULL)
		CHECK(fake_inject(inject));
	memset(r, 0, sizeof(*r));
	if (dance(&u, &d, flow_account(1), NULL)) {
		flow_exchange(&u, d.code, d.state, r);
		check_error(r, status, code);
		CHECK(strstr(r->body, d.code) == NULL);
		CHECK(strstr(r->body, d.state) == NULL);
	} else {
		r->body = strdup("");
		r->headers = strdup("");
	}
	/* The caller was told it failed: nothing half-stored behind that. */
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ the URL */

static void
t_url_shape(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	json_t			*o;
	const char		*url, *state;
	char			 want[1024], v[1024];

	flow_user_new(&u);
	CHECK(flow_req(&u, "GET", "/oauth/instagram/url", NULL, NULL,
	    &r) == 200);
	check_no_store(&r);
	CHECK(resp_header(&r, "Content-Type", v, sizeof(v)) &&
	    strncmp(v, "application/json", 16) == 0);
	o = resp_json(&r);
	url = jstr(o, "authUrl");
	state = jstr(o, "state");
	CHECK(is_state(state));
	(void)snprintf(want, sizeof(want), "%s/oauth/authorize?",
	    env_or_die("IGCONNECT_INSTAGRAM_WWW_URL"));
	CHECK(strncmp(url, want, strlen(want)) == 0);
	CHECK(flow_query_param(url, "client_id", v, sizeof(v)) &&
	    strcmp(v, env_or_die("INSTAGRAM_APP_ID")) == 0);
	CHECK(flow_query_param(url, "redirect_uri", v, sizeof(v)) &&
	    strcmp(v, env_or_die("INSTAGRAM_REDIRECT_URI")) == 0);
	CHECK(flow_query_param(url, "response_type", v, sizeof(v)) &&
	    strcmp(v, "code") == 0);
	CHECK(flow_query_param(url, "scope", v, sizeof(v)) &&
	    strcmp(v, SCOPES) == 0);
	/* Commas encoded, as Meta's own example (Instagram Login docs). */
	CHECK(strstr(url, "scope=" SCOPES_ENC) != NULL);
	CHECK(flow_query_param(url, "state", v, sizeof(v)) &&
	    strcmp(v, state) == 0);
	/* Valid ten minutes. */
	CHECK(iso_near(jstr(o, "expiresAt"), 600, 60));
	json_decref(o);
	http_resp_free(&r);
	flow_user_free(&u);
}

/* Fresh, unguessable, and kept only as a hash bound to the caller. */
static void
t_url_state_stored_hashed(void)
{
	struct flow_user	u;
	struct flow_dance	d1, d2;
	char			h1[65], h2[65], v[8192];

	flow_user_new(&u);
	CHECK(flow_start(&u, NULL, &d1) == 200);
	CHECK(flow_start(&u, NULL, &d2) == 200);
	CHECK(is_state(d1.state) && is_state(d2.state));
	CHECK(strcmp(d1.state, d2.state) != 0);
	state_hashes(d1.state, h1, h2);
	CHECK(db_long("SELECT count(*) FROM oauth_states WHERE " STATE_IS,
	    h1, h2, NULL) == 1);
	CHECK(db_val(v, sizeof(v), "SELECT u.externalid FROM oauth_states s "
	    "JOIN users u ON u.id = s.userid WHERE s." STATE_IS, h1, h2,
	    NULL) == 1 && strcmp(v, u.id) == 0);
	CHECK(db_val(v, sizeof(v), "SELECT redirecturi FROM oauth_states "
	    "WHERE " STATE_IS, h1, h2, NULL) == 1 &&
	    strcmp(v, env_or_die("INSTAGRAM_REDIRECT_URI")) == 0);
	CHECK(db_long("SELECT extract(epoch FROM expiresat - (now() AT TIME "
	    "ZONE 'UTC'))::bigint FROM oauth_states WHERE " STATE_IS, h1, h2,
	    NULL) > 540);
	/* Every row of this user, as text: neither state appears. */
	CHECK(db_val(v, sizeof(v), "SELECT string_agg(s::text, ' ') FROM "
	    "oauth_states s WHERE userid = (SELECT id FROM users WHERE "
	    "externalid = $1)", u.id, NULL) == 1);
	CHECK(strstr(v, d1.state) == NULL && strstr(v, d2.state) == NULL);
	CHECK(db_long("SELECT count(*) FROM oauth_states WHERE userid = "
	    "(SELECT id FROM users WHERE externalid = $1)", u.id, NULL) == 2);
	flow_user_free(&u);
}

/* A second registered redirect URI is used all the way through. */
static void
t_url_redirect_allowed(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 alt[1024], q[2048], v[1024], h1[65], h2[65];
	char			*enc;
	json_t			*o, *e;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(alt, sizeof(alt), "%s-alt",
	    env_or_die("INSTAGRAM_REDIRECT_URI"));
	enc = curl_easy_escape(NULL, alt, 0);
	(void)snprintf(q, sizeof(q), "?redirect_uri=%s", enc);
	curl_free(enc);
	CHECK(flow_start(&u, q, &d) == 200);
	CHECK(flow_query_param(d.authurl, "redirect_uri", v, sizeof(v)) &&
	    strcmp(v, alt) == 0);
	state_hashes(d.state, h1, h2);
	CHECK(db_val(v, sizeof(v), "SELECT redirecturi FROM oauth_states "
	    "WHERE " STATE_IS, h1, h2, NULL) == 1 && strcmp(v, alt) == 0);
	(void)snprintf(q, sizeof(q), "&fake_account=%lld", flow_account(0));
	CHECK(flow_authorize(&d, q));
	CHECK(strncmp(d.location, alt, strlen(alt)) == 0 &&
	    d.location[strlen(alt)] == '?');
	CHECK(strcmp(d.rstate, d.state) == 0);
	/* The fake refuses a redirect_uri other than the authorize one. */
	CHECK(flow_exchange(&u, d.code, d.state, &r) == 200);
	http_resp_free(&r);
	o = fake_get("/_fake/requests?route=code_exchange");
	e = json_array_get(json_object_get(o, "requests"), 0);
	CHECK(strcmp(jstr(json_object_get(e, "form"), "redirect_uri"),
	    alt) == 0);
	/* A POST from the server, the secret in its body, none in its URL. */
	CHECK(strcmp(jstr(e, "method"), "POST") == 0);
	CHECK(json_object_size(json_object_get(e, "query")) == 0);
	CHECK(strcmp(jstr(json_object_get(e, "form"), "client_secret"),
	    env_or_die("INSTAGRAM_APP_SECRET")) == 0);
	CHECK(strcmp(jstr(json_object_get(e, "form"), "grant_type"),
	    "authorization_code") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/*
 * What a caller adds to the request never reaches the authorize URL:
 * client_id, scope, response_type and state stay the configured ones.
 */
static void
t_url_ignores_request_params(void)
{
	struct flow_user	u;
	struct flow_dance	d;
	char			v[1024];

	flow_user_new(&u);
	CHECK(flow_start(&u, "?client_id=evil&scope=instagram_business_basic"
	    "%2Cinstagram_business_manage_messages%2Cevil&response_type=token"
	    "&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &d) == 200);
	CHECK(flow_query_param(d.authurl, "client_id", v, sizeof(v)) &&
	    strcmp(v, env_or_die("INSTAGRAM_APP_ID")) == 0);
	CHECK(flow_query_param(d.authurl, "scope", v, sizeof(v)) &&
	    strcmp(v, SCOPES) == 0);
	CHECK(flow_query_param(d.authurl, "response_type", v, sizeof(v)) &&
	    strcmp(v, "code") == 0);
	CHECK(flow_query_param(d.authurl, "redirect_uri", v, sizeof(v)) &&
	    strcmp(v, env_or_die("INSTAGRAM_REDIRECT_URI")) == 0);
	CHECK(is_state(d.state) && strcmp(d.state,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") != 0);
	CHECK(flow_query_param(d.authurl, "state", v, sizeof(v)) &&
	    strcmp(v, d.state) == 0);
	CHECK(strstr(d.authurl, "evil") == NULL);
	flow_user_free(&u);
}

static void
t_url_redirect_refused(void)
{
	static const char *const bad[] = {
		"?redirect_uri=https%3A%2F%2Fevil.example%2Fdemo%2Fcallback",
		"?redirect_uri=javascript%3Aalert(1)",
	};
	struct flow_user	 u;
	struct http_resp	 r;
	char			 q[2048], *enc;
	size_t			 i;

	flow_user_new(&u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(q, sizeof(q), "/oauth/instagram/url%s",
		    bad[i]);
		flow_req(&u, "GET", q, NULL, NULL, &r);
		check_error(&r, 400, "invalid_request");
		http_resp_free(&r);
	}
	/* A prefix of an allowed URI is not allowed (exact match). */
	(void)snprintf(q, sizeof(q), "%s/x",
	    env_or_die("INSTAGRAM_REDIRECT_URI"));
	enc = curl_easy_escape(NULL, q, 0);
	(void)snprintf(q, sizeof(q), "/oauth/instagram/url?redirect_uri=%s",
	    enc);
	curl_free(enc);
	flow_req(&u, "GET", q, NULL, NULL, &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM oauth_states WHERE userid = "
	    "(SELECT id FROM users WHERE externalid = $1)", u.id, NULL) <= 0);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ auth */

/* Every way a caller can fail to authenticate, on both endpoints. */
static void
t_caller_auth_required(void)
{
	static const char *const eps[][2] = {
		{ "GET", "/oauth/instagram/url" },
		{ "POST", "/oauth/instagram/exchange" },
	};
	struct flow_user	 u;
	struct http_resp	 r;
	char			 h[IG_MAX_JWT + 64];
	size_t			 i, k;

	flow_user_new(&u);
	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		for (k = 0; flow_bad_authz(&u, k, h, sizeof(h)); k++) {
			flow_req_authz(&u, h, eps[i][0], eps[i][1], NULL,
			    strcmp(eps[i][0], "POST") == 0 ?
			    "{\"code\":\"abc\",\"state\":\"x\"}" : NULL, &r);
			if (!CHECK(r.status == 401))
				printf("  %s %s, bad auth %zu\n", eps[i][0],
				    eps[i][1], k);
			check_error(&r, 401, "unauthorized");
			http_resp_free(&r);
		}
	/* None of that created a user. */
	CHECK(db_long("SELECT count(*) FROM users WHERE externalid = $1",
	    u.id, NULL) == 0);
	flow_user_free(&u);
}

static void
t_methods(void)
{
	struct flow_user	u;
	struct http_resp	r;

	flow_user_new(&u);
	flow_req(&u, "POST", "/oauth/instagram/url", NULL, "{}", &r);
	check_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	flow_req(&u, "GET", "/oauth/instagram/exchange", NULL, NULL, &r);
	check_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ exchange */

static void
t_exchange_json(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(1);	/* even: a website */
	char			 v[4096], want[64];
	json_t			*o = NULL, *sc;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, n, NULL)) {
		CHECK(strcmp(d.rstate, d.state) == 0);
		CHECK(flow_exchange(&u, d.code, d.state, &r) == 200);
		check_no_store(&r);
		o = resp_json(&r);
		http_resp_free(&r);
	}
	check_connection(o, n, "connected", "long");
	sc = json_object_get(o, "scopes");
	CHECK(json_array_size(sc) == 5);
	CHECK(strcmp(jnth(sc, 0),
	    "instagram_business_basic") == 0);
	CHECK(iso_near(jstr(o, "expiresAt"), LONG_TTL, 120));
	CHECK(json_is_false(json_object_get(o, "needsRefresh")));
	CHECK(iso_near(jstr(o, "connectedAt"), 0, 120));
	CHECK(json_object_size(json_object_get(o, "settings")) == 0);
	/* The row: one, as the body says, tokens sealed. */
	CHECK(flow_conn_rows(&u) == 1);
	CHECK(conn_col(&u, "id", v, sizeof(v)) == 1 &&
	    strcmp(v, jstr(o, "id")) == 0);
	(void)snprintf(want, sizeof(want), "%lld", 27281358591558845LL + n);
	CHECK(conn_col(&u, "provideruserid", v, sizeof(v)) == 1 &&
	    strcmp(v, want) == 0);
	(void)snprintf(want, sizeof(want), "%lld", 17841457215396811LL + n);
	CHECK(conn_col(&u, "businessaccountid", v, sizeof(v)) == 1 &&
	    strcmp(v, want) == 0);
	CHECK(conn_col(&u, "accesstoken", v, sizeof(v)) == 1 &&
	    strncmp(v, "ig1.", 4) == 0);
	CHECK(conn_col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "active") == 0);
	CHECK(conn_col(&u, "scopes", v, sizeof(v)) == 1 &&
	    strstr(v, "instagram_business_basic") != NULL);
	CHECK(llabs(conn_secs(&u, "expiresat") - LONG_TTL) < 120);
	CHECK(llabs(conn_secs(&u, "tokenissuedat")) < 120);
	CHECK(history_rows(&u) == 1);
	json_decref(o);
	flow_user_free(&u);
}

/* The same dance with an urlencoded body; an odd account has no site. */
static void
t_exchange_form(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(0);	/* odd */
	json_t			*o = NULL;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, n, NULL)) {
		CHECK(flow_exchange_form(&u, d.code, d.state, &r) == 200);
		o = resp_json(&r);
		http_resp_free(&r);
	}
	check_connection(o, n, "connected", "long");
	CHECK(json_object_get(o, "website") == NULL);
	CHECK(flow_conn_rows(&u) == 1);
	json_decref(o);
	flow_user_free(&u);
}

/* Meta appends "#_" to the redirect; a pasted code may keep it (A.1). */
static void
t_exchange_code_fragment(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 code[1100];
	long long		 n = flow_account(0);
	json_t			*o = NULL;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, n, NULL)) {
		CHECK(strstr(d.location, "#_") != NULL);
		(void)snprintf(code, sizeof(code), "%s#_", d.code);
		CHECK(flow_exchange(&u, code, d.state, &r) == 200);
		o = resp_json(&r);
		http_resp_free(&r);
	}
	check_connection(o, n, "connected", "long");
	json_decref(o);
	flow_user_free(&u);
}

/* Granted less than asked (but the basic scope): stored as granted. */
static void
t_exchange_partial_scopes(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	json_t			*o = NULL, *sc;

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, "&fake_permissions=instagram_business_basic,"
	    "instagram_business_content_publish", &o) == 200);
	check_connection(o, n, "connected", "long");
	sc = json_object_get(o, "scopes");
	CHECK(json_array_size(sc) == 2);
	CHECK(strcmp(jnth(sc, 0),
	    "instagram_business_basic") == 0);
	CHECK(strcmp(jnth(sc, 1),
	    "instagram_business_content_publish") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* Meta's documented data-wrapped reply reads the same (A.2). */
static void
t_exchange_wrapped_reply(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	json_t			*o = NULL;

	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"code_exchange\",\"wrapped\":true}"));
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, NULL, &o) == 200);
	check_connection(o, n, "connected", "long");
	CHECK(json_array_size(json_object_get(o, "scopes")) == 5);
	json_decref(o);
	flow_user_free(&u);
}

/* The recorded reply without permissions: the requested scopes stand. */
static void
t_exchange_bare_reply(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	json_t			*o = NULL;

	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"code_exchange\",\"wrapped\":"
	    "\"bare\"}"));
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, NULL, &o) == 200);
	check_connection(o, n, "connected", "long");
	CHECK(json_array_size(json_object_get(o, "scopes")) == 5);
	json_decref(o);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ states */

/* A state nobody issued: refused before Meta is asked. */
static void
t_state_unknown(void)
{
	struct flow_user	u;
	struct http_resp	r;

	CHECK(fake_reset());
	flow_user_new(&u);
	flow_exchange(&u, "AQBxfakecode123456", "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAA", &r);
	check_error(&r, 400, "invalid_state");
	http_resp_free(&r);
	/* Not even shaped like one. */
	CHECK(flow_exchange(&u, "AQBxfakecode123456", "short", &r) == 400);
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 0);
	flow_user_free(&u);
}

static void
t_state_expired(void)
{
	struct flow_user	u;
	struct flow_dance	d;
	struct http_resp	r;
	char			h1[65], h2[65];

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, flow_account(0), NULL)) {
		state_hashes(d.state, h1, h2);
		CHECK(db_exec("UPDATE oauth_states SET expiresat = "
		    "(now() AT TIME ZONE 'UTC') - interval '1 minute' "
		    "WHERE " STATE_IS, h1, h2, NULL) == 1);
		flow_exchange(&u, d.code, d.state, &r);
		check_error(&r, 400, "invalid_state");
		http_resp_free(&r);
	}
	CHECK(fake_count("code_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/* Single use: the same state twice. */
static void
t_state_replay(void)
{
	struct flow_user	u;
	struct flow_dance	d;
	struct http_resp	r;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, flow_account(0), NULL)) {
		CHECK(flow_exchange(&u, d.code, d.state, &r) == 200);
		http_resp_free(&r);
		flow_exchange(&u, d.code, d.state, &r);
		check_error(&r, 400, "invalid_state");
		http_resp_free(&r);
	}
	CHECK(fake_count("code_exchange") == 1);
	CHECK(flow_conn_rows(&u) == 1);
	flow_user_free(&u);
}

/* Bound to its user: B cannot use A's, and trying does not burn it. */
static void
t_state_other_user(void)
{
	struct flow_user	 a, b;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	json_t			*o = NULL;

	CHECK(fake_reset());
	flow_user_new(&a);
	flow_user_new(&b);
	if (dance(&a, &d, n, NULL)) {
		flow_exchange(&b, d.code, d.state, &r);
		check_error(&r, 400, "invalid_state");
		http_resp_free(&r);
		CHECK(fake_count("code_exchange") == 0);
		CHECK(flow_conn_rows(&b) == 0);
		CHECK(flow_exchange(&a, d.code, d.state, &r) == 200);
		o = resp_json(&r);
		http_resp_free(&r);
	}
	check_connection(o, n, "connected", "long");
	CHECK(flow_conn_rows(&a) == 1);
	CHECK(flow_conn_rows(&b) == 0);
	json_decref(o);
	flow_user_free(&a);
	flow_user_free(&b);
}

/* A used code with a fresh state: Meta says no, the caller sees why. */
static void
t_code_reused(void)
{
	struct flow_user	u;
	struct flow_dance	d1, d2;
	struct http_resp	r;
	char			v[64];

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d1, flow_account(0), NULL)) {
		CHECK(flow_exchange(&u, d1.code, d1.state, &r) == 200);
		http_resp_free(&r);
		CHECK(flow_start(&u, NULL, &d2) == 200);
		flow_exchange(&u, d1.code, d2.state, &r);
		check_error(&r, 400, "invalid_grant");
		CHECK(strstr(r.body, d1.code) == NULL);
		http_resp_free(&r);
	}
	CHECK(fake_count("code_exchange") == 2);
	/* The earlier connection is untouched. */
	CHECK(flow_conn_rows(&u) == 1);
	CHECK(conn_col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "active") == 0);
	flow_user_free(&u);
}

/* The user said no on Meta's page; the front end reports it. */
static void
t_denied(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	json_t			*o;
	char			*s;

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(flow_start(&u, NULL, &d) == 200);
	CHECK(flow_authorize(&d, "&fake_deny=1"));
	CHECK(strcmp(d.error, "access_denied") == 0 && d.code[0] == '\0');
	/* A code beside the denial changes nothing: it is a denial. */
	o = json_pack("{s:s, s:s, s:s, s:s}", "state", d.state, "error",
	    d.error, "error_description", "denied CANARY-DENY-7731 <b>x</b>",
	    "code", "AQBxfakecode123456");
	s = json_dumps(o, JSON_COMPACT);
	flow_req(&u, "POST", "/oauth/instagram/exchange", NULL, s, &r);
	check_error(&r, 400, "access_denied");
	CHECK(strstr(r.body, "CANARY-DENY") == NULL);
	http_resp_free(&r);
	free(s);
	json_decref(o);
	/* The state was consumed. */
	flow_exchange(&u, "AQBxfakecode123456", d.state, &r);
	check_error(&r, 400, "invalid_state");
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 0);
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/* Bodies that say neither what happened nor anything usable. */
static void
t_exchange_bad_bodies(void)
{
	static const char *const bodies[] = { "not json at all", "[1,2]",
	    "{\"code\":5,\"state\":true}" };
	struct flow_user	u;
	struct flow_dance	d;
	struct http_resp	r;
	char			b[256];
	size_t			i;

	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(flow_start(&u, NULL, &d) == 200);
	(void)snprintf(b, sizeof(b), "{\"state\":\"%s\"}", d.state);
	flow_req(&u, "POST", "/oauth/instagram/exchange", NULL, b, &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	flow_req(&u, "POST", "/oauth/instagram/exchange", NULL, "{}", &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		flow_req(&u, "POST", "/oauth/instagram/exchange", NULL,
		    bodies[i], &r);
		check_error(&r, 400, "invalid_request");
		http_resp_free(&r);
	}
	CHECK(fake_count("code_exchange") == 0);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ Meta fails */

static void
t_insufficient_scope(void)
{
	struct flow_user	u;
	struct flow_dance	d;
	struct http_resp	r;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, flow_account(0),
	    "&fake_permissions=instagram_business_content_publish")) {
		flow_exchange(&u, d.code, d.state, &r);
		check_error(&r, 400, "insufficient_scope");
		http_resp_free(&r);
	}
	CHECK(flow_conn_rows(&u) == 0);
	flow_user_free(&u);
}

/*
 * The long-lived exchange fails for a reason other than the token: the
 * short token is kept with its true expiry (seed 002's fallback).
 */
static void
t_long_lived_fallback(void)
{
	static const char *const faults[] = {
		"{\"route\":\"ig_exchange\",\"http_status\":500,\"count\":-1}",
		"{\"route\":\"ig_exchange\",\"http_status\":500,\"count\":3}",
		"{\"route\":\"ig_exchange\",\"graph_error\":{\"code\":100,"
		    "\"message\":\"Unsupported request - method type: get\","
		    "\"type\":\"IGApiException\"}}",
	};
	struct flow_user	 u;
	long long		 n;
	json_t			*o;
	char			 v[64];
	size_t			 i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		CHECK(fake_reset());
		CHECK(fake_inject(faults[i]));
		flow_user_new(&u);
		n = flow_account(0);
		o = NULL;
		if (!CHECK(flow_connect(&u, n, NULL, &o) == 200))
			printf("  fault %zu\n", i);
		check_connection(o, n, "connected", "short");
		CHECK(iso_near(jstr(o, "expiresAt"), 3600, 60));
		CHECK(llabs(conn_secs(&u, "expiresat") - 3600) < 60);
		CHECK(conn_col(&u, "accesstoken", v, sizeof(v)) == 1 &&
		    strncmp(v, "ig1.", 4) == 0);
		CHECK(fake_count("ig_exchange") >= 1 &&
		    fake_count("ig_exchange") <= 3);
		json_decref(o);
		flow_user_free(&u);
	}
}

/* Code 190 means the token is dead: the caller must log in again. */
static void
t_token_revoked(void)
{
	static const char *const faults[] = {
		"{\"route\":\"ig_exchange\",\"graph_error\":{\"code\":190,"
		    "\"error_subcode\":460}}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":190,"
		    "\"error_subcode\":460},\"count\":-1}",
	};
	struct http_resp	r;
	size_t			i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		exchange_fails(faults[i], 409, "token_revoked", &r);
		http_resp_free(&r);
	}
}

/* Throttling, by flag and by every throttling code (C.2, C.3). */
static void
t_rate_limited(void)
{
	static const char *const faults[] = {
		"{\"route\":\"me\",\"rate_limit\":true,\"count\":-1}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":80002},"
		    "\"count\":-1}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":4},\"count\":-1}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":17},\"count\":-1}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":32},\"count\":-1}",
		"{\"route\":\"me\",\"graph_error\":{\"code\":613},"
		    "\"count\":-1}",
	};
	struct http_resp	r;
	char			v[64], *end;
	size_t			i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		exchange_fails(faults[i], 503, "upstream_rate_limited", &r);
		if (!CHECK(resp_header(&r, "Retry-After", v, sizeof(v)) &&
		    strtol(v, &end, 10) > 0 && *end == '\0'))
			printf("  fault %zu\n", i);
		CHECK(fake_count("me") >= 1 && fake_count("me") <= 3);
		http_resp_free(&r);
	}
}

/* A code is single use: a 5xx on its exchange is never retried. */
static void
t_code_exchange_5xx_not_retried(void)
{
	struct http_resp	r;

	exchange_fails("{\"route\":\"code_exchange\",\"http_status\":500,"
	    "\"count\":-1}", 502, "upstream_error", &r);
	http_resp_free(&r);
	CHECK(fake_count("code_exchange") == 1);
	CHECK(fake_count("ig_exchange") == 0);
}

/* The profile read is idempotent: retried, boundedly. */
static void
t_me_5xx_retried(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	long			 base;
	json_t			*o = NULL;

	exchange_fails("{\"route\":\"me\",\"http_status\":500,\"count\":-1}",
	    502, "upstream_error", &r);
	http_resp_free(&r);
	CHECK(fake_count("me") >= 1 && fake_count("me") <= 3);

	/* How many profile reads a clean exchange makes, then one 500. */
	CHECK(fake_reset());
	flow_user_new(&v);
	CHECK(flow_connect(&v, flow_account(0), NULL, NULL) == 200);
	base = fake_count("me");
	CHECK(base >= 1);
	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"me\",\"http_status\":500,"
	    "\"count\":1}"));
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, NULL, &o) == 200);
	check_connection(o, n, "connected", "long");
	CHECK(fake_count("me") == base + 1);
	json_decref(o);
	flow_user_free(&u);
	flow_user_free(&v);
}

/* Any other Graph error: 502 with Meta's code, never Meta's words. */
static void
t_graph_error_other(void)
{
	struct http_resp	 r;
	json_t			*o;

	exchange_fails("{\"route\":\"me\",\"count\":-1,\"graph_error\":"
	    "{\"code\":100,\"message\":\"Unsupported get request CANARY-GE-"
	    "5521\",\"type\":\"GraphMethodException\"}}", 502,
	    "upstream_error", &r);
	o = resp_json(&r);
	CHECK(json_is_integer(json_object_get(o, "meta_code")) &&
	    json_integer_value(json_object_get(o, "meta_code")) == 100);
	/* Meta's trace id, for a support ticket with Meta. */
	CHECK(strlen(jstr(o, "fbtrace_id")) > 0);
	CHECK(strstr(r.body, "CANARY-GE") == NULL);
	json_decref(o);
	http_resp_free(&r);
}

/*
 * Meta's permission errors (10, 200-299) are 403 insufficient_permission
 * naming the permission, not a 502: the fix is the user's or the app's.
 */
static void
t_graph_error_permission(void)
{
	struct http_resp	 r;
	json_t			*o;

	exchange_fails("{\"route\":\"me\",\"count\":-1,\"graph_error\":"
	    "{\"code\":200,\"message\":\"(#200) Requires "
	    "instagram_business_basic permission CANARY-PE-3391\","
	    "\"type\":\"OAuthException\"}}", 403, "insufficient_permission",
	    &r);
	o = resp_json(&r);
	CHECK(json_integer_value(json_object_get(o, "meta_code")) == 200);
	CHECK(strcmp(jstr(o, "permission"), "instagram_business_basic") == 0);
	CHECK(strstr(r.body, "CANARY-PE") == NULL);
	json_decref(o);
	http_resp_free(&r);
	exchange_fails("{\"route\":\"me\",\"count\":-1,\"graph_error\":"
	    "{\"code\":10,\"message\":\"(#10) Application does not have "
	    "permission for this action\",\"type\":\"OAuthException\"}}",
	    403, "insufficient_permission", &r);
	o = resp_json(&r);
	CHECK(json_object_get(o, "permission") == NULL);
	json_decref(o);
	http_resp_free(&r);
}

/*
 * A code sent in the URL is refused before anything uses it, and no log
 * keeps it: not the programs', not nginx's access or error log, even
 * when nginx itself rejects the request (413).
 */
static void
t_code_in_query_never_logged(void)
{
	static const char	 canary[] = "CANARYCODEQ7731";
	struct flow_user	 u;
	struct flow_secrets	 sec;
	struct http_resp	 r;
	char			 path[256], *big;

	CHECK(fake_reset());
	flow_user_new(&u);
	memset(&sec, 0, sizeof(sec));
	secrets_add(&sec, canary);
	(void)snprintf(path, sizeof(path), "/oauth/instagram/exchange?code=%s"
	    "&state=x", canary);
	flow_req(&u, "POST", path, NULL, "{}", &r);
	check_error(&r, 400, "invalid_request");
	CHECK(strstr(r.body, "request body") != NULL);
	CHECK(strstr(r.body, canary) == NULL);
	http_resp_free(&r);
	if ((big = malloc(64 * 1024)) != NULL) {
		memset(big, 'a', 64 * 1024 - 1);
		big[64 * 1024 - 1] = '\0';
		CHECK(flow_req(&u, "POST", path, "application/x-www-form-"
		    "urlencoded", big, &r) == 413);
		http_resp_free(&r);
		free(big);
	}
	CHECK(fake_count("code_exchange") == 0);
	CHECK(!secrets_in_logs(&sec));
	secrets_free(&sec);
	flow_user_free(&u);
}

/* Meta never answers the code exchange: 502 after the HTTP timeout. */
static void
t_code_exchange_hangs(void)
{
	struct http_resp	r;
	time_t			t0 = time(NULL);
	long			limit = flow_cfg()->http_timeout;

	exchange_fails("{\"route\":\"code_exchange\",\"hang\":true}", 502,
	    "upstream_error", &r);
	http_resp_free(&r);
	if (!CHECK(time(NULL) - t0 <= limit + 10))
		printf("  took %lld s, timeout %ld s\n",
		    (long long)(time(NULL) - t0), limit);
	CHECK(fake_count("code_exchange") == 1);
}

/* ------------------------------------------------------------ races */

#define RACERS	20

struct	racer {
	struct flow_user	 u;
	struct flow_dance	 d;
	pthread_barrier_t	*go;
	long			 status;
};

static void *
race(void *arg)
{
	struct racer		*c = arg;
	struct http_resp	 r;

	pthread_barrier_wait(c->go);
	c->status = flow_exchange(&c->u, c->d.code, c->d.state, &r);
	http_resp_free(&r);
	return NULL;
}

/*
 * Twenty exchanges for one user at once (twenty tabs, a double click):
 * no server error and one row, the unique key doing its job.  Each
 * racer has its own client address so nginx's per-address limit does
 * not decide the outcome.
 */
static void
t_concurrent_exchanges(void)
{
	struct flow_user	 u;
	struct racer		 c[RACERS];
	pthread_t		 th[RACERS];
	pthread_barrier_t	 go;
	long long		 n = flow_account(0);
	char			 k[64];
	int			 i, started = 0, ok = 0, bad = 0;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(k, sizeof(k), "&fake_account=%lld", n);
	for (i = 0; i < RACERS; i++) {
		c[i].u = u;
		flow_user_readdress(&c[i].u);
		CHECK(flow_start(&c[i].u, NULL, &c[i].d) == 200);
		CHECK(flow_authorize(&c[i].d, k) && c[i].d.code[0] != '\0');
		c[i].status = -1;
	}
	pthread_barrier_init(&go, NULL, RACERS);
	for (i = 0; i < RACERS; i++) {
		c[i].go = &go;
		if (pthread_create(&th[i], NULL, race, &c[i]) != 0)
			break;
		started++;
	}
	CHECK(started == RACERS);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < started; i++) {
		if (c[i].status == 200)
			ok++;
		else if (c[i].status < 400 || c[i].status >= 500) {
			bad++;
			printf("  racer %d: status %ld\n", i, c[i].status);
		}
	}
	CHECK(bad == 0);
	CHECK(ok >= 1);
	CHECK(flow_conn_rows(&u) == 1);
	CHECK(history_rows(&u) == ok);
	CHECK(db_long("SELECT count(*) FROM users WHERE externalid = $1",
	    u.id, NULL) == 1);
	flow_user_free(&u);
}

/*
 * One state, its code and its caller, twenty times at once (a replayed
 * callback): the state is consumed once, so exactly one exchange
 * reaches Meta and succeeds; every other is invalid_state.
 */
static void
t_state_replay_parallel(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct racer		 c[RACERS];
	pthread_t		 th[RACERS];
	pthread_barrier_t	 go;
	int			 i, started = 0, ok = 0, refused = 0;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (!dance(&u, &d, flow_account(0), NULL)) {
		flow_user_free(&u);
		return;
	}
	pthread_barrier_init(&go, NULL, RACERS);
	for (i = 0; i < RACERS; i++) {
		c[i].u = u;
		flow_user_readdress(&c[i].u);
		c[i].d = d;
		c[i].go = &go;
		c[i].status = -1;
		if (pthread_create(&th[i], NULL, race, &c[i]) != 0)
			break;
		started++;
	}
	CHECK(started == RACERS);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < started; i++) {
		if (c[i].status == 200)
			ok++;
		else if (c[i].status == 400)
			refused++;
		else
			printf("  racer %d: status %ld\n", i, c[i].status);
	}
	CHECK(ok == 1);
	CHECK(refused == RACERS - 1);
	CHECK(fake_count("code_exchange") == 1);
	CHECK(flow_conn_rows(&u) == 1);
	CHECK(history_rows(&u) == 1);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ secrets */

/*
 * After a full dance: no token, code, state or app secret in the
 * response, in the stored row (other than sealed), or in any log.
 */
static void
t_no_secrets_leak(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct flow_secrets	 s;
	struct http_resp	 r;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	CHECK(fake_reset());
	flow_user_new(&u);
	if (dance(&u, &d, flow_account(0), NULL)) {
		CHECK(flow_exchange(&u, d.code, d.state, &r) == 200);
		secrets_add(&s, d.code);
		secrets_add(&s, d.state);
	}
	secrets_from_fake(&s);
	/* code, client_secret, short token (ig_exchange), long token (me). */
	CHECK(s.n >= 4);
	CHECK(r.body != NULL && !secrets_in(&s, r.body));
	CHECK(r.headers != NULL && !secrets_in(&s, r.headers));
	http_resp_free(&r);
	check_secrets_kept(&s, &u);
	secrets_free(&s);
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_url_shape),
	TEST(t_url_state_stored_hashed),
	TEST(t_url_redirect_allowed),
	TEST(t_url_redirect_refused),
	TEST(t_url_ignores_request_params),
	TEST(t_caller_auth_required),
	TEST(t_methods),
	TEST(t_exchange_json),
	TEST(t_exchange_form),
	TEST(t_exchange_code_fragment),
	TEST(t_exchange_partial_scopes),
	TEST(t_exchange_wrapped_reply),
	TEST(t_exchange_bare_reply),
	TEST(t_state_unknown),
	TEST(t_state_expired),
	TEST(t_state_replay),
	TEST(t_state_other_user),
	TEST(t_code_reused),
	TEST(t_denied),
	TEST(t_exchange_bad_bodies),
	TEST(t_insufficient_scope),
	TEST(t_long_lived_fallback),
	TEST(t_token_revoked),
	TEST(t_rate_limited),
	TEST(t_code_exchange_5xx_not_retried),
	TEST(t_me_5xx_retried),
	TEST(t_graph_error_other),
	TEST(t_graph_error_permission),
	TEST(t_code_in_query_never_logged),
	TEST(t_code_exchange_hangs),
	TEST(t_concurrent_exchanges),
	TEST(t_state_replay_parallel),
	TEST(t_no_secrets_leak),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
