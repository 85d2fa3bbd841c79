/* SPDX-License-Identifier: ISC */
/*
 * t_integrations.c: what a front end does with a connection once it
 * exists, end to end through nginx, the programs, PostgreSQL and the
 * fake of Meta: read it (GET /integrations, GET /integrations/instagram)
 * with its derived status and needsRefresh, disconnect it, refresh its
 * token by every rule Meta has, edit its settings, keep every user to
 * their own row, and serve the same answers under the other two
 * caller-authentication modes as plain CGI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define LONG_TTL	5184000		/* the fake's refresh expires_in, max */
#define DAY		86400

static const char	PATH_ALL[] = "/integrations";
static const char	PATH_ONE[] = "/integrations/instagram";
static const char	PATH_REFRESH[] = "/integrations/instagram/refresh";
static const char	PATH_SETTINGS[] = "/integrations/instagram/settings";

/* A new user connected to a new fake account; 1 if that worked. */
static int
connected_user(struct flow_user *u, long long *account, json_t **conn)
{
	json_t	*o = NULL;
	long	 st;

	flow_user_new(u);
	*account = flow_account(0);
	st = flow_connect(u, *account, NULL, &o);
	if (conn != NULL)
		*conn = o;
	else
		json_decref(o);
	return CHECK(st == 200);
}

/* GET one of the read routes as "u"; the parsed body. */
static json_t *
get(const struct flow_user *u, const char *path, long *status)
{
	return flow_req_json(u, "GET", path, NULL, status);
}

/* The instagram member of GET /integrations (new reference). */
static json_t *
get_summary(const struct flow_user *u)
{
	json_t	*o, *ig;
	long	 st;

	o = get(u, PATH_ALL, &st);
	CHECK(st == 200);
	CHECK(json_object_size(o) == 1);
	ig = json_object_get(json_object_get(o, "integrations"),
	    "instagram");
	json_incref(ig);
	json_decref(o);
	return ig;
}

static long
refresh(const struct flow_user *u, struct http_resp *r)
{
	return flow_req(u, "POST", PATH_REFRESH, NULL, "", r);
}

/* One column of the user's connection row, as text. */
static int
col(const struct flow_user *u, const char *name, char *out, size_t outsz)
{
	char	sql[512];

	(void)snprintf(sql, sizeof(sql), "SELECT %s::text FROM "
	    "oauth_connections WHERE " FLOW_CONN, name);
	return db_val(out, outsz, sql, u->id, NULL);
}

/* Set columns of the user's connection ("set" is SQL of ours). */
static int
set(const struct flow_user *u, const char *assignments)
{
	char	sql[1024];

	(void)snprintf(sql, sizeof(sql), "UPDATE oauth_connections SET %s "
	    "WHERE " FLOW_CONN, assignments);
	return db_exec(sql, u->id, NULL) == 1;
}

static long long
history(const struct flow_user *u)
{
	return db_long("SELECT count(*) FROM connection_history WHERE "
	    FLOW_CONN, u->id, NULL);
}

/* Seconds from now to a timestamp column of the user's connection. */
static long long
secs(const struct flow_user *u, const char *name)
{
	char	sql[512];

	(void)snprintf(sql, sizeof(sql), "SELECT extract(epoch FROM %s - "
	    "(now() AT TIME ZONE 'UTC'))::bigint FROM oauth_connections "
	    "WHERE " FLOW_CONN, name);
	return db_long(sql, u->id, NULL);
}

/* ------------------------------------------------------------ auth */

static void
t_caller_auth_required(void)
{
	static const char *const eps[][3] = {
		{ "GET", PATH_ALL, NULL },
		{ "GET", PATH_ONE, NULL },
		{ "DELETE", PATH_ONE, NULL },
		{ "POST", PATH_REFRESH, "" },
		{ "PATCH", PATH_SETTINGS, "{\"toneOfVoice\":\"x\"}" },
	};
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	char			 h[IG_MAX_JWT + 64], before[512], after[512];
	size_t			 i, k;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(col(&u, "(accesstoken, status, version, metadata)", before,
	    sizeof(before)) == 1);
	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		for (k = 0; flow_bad_authz(&u, k, h, sizeof(h)); k++) {
			flow_req_authz(&u, h, eps[i][0], eps[i][1], NULL,
			    eps[i][2], &r);
			if (!CHECK(r.status == 401))
				printf("  %s %s, bad auth %zu\n", eps[i][0],
				    eps[i][1], k);
			check_error(&r, 401, "unauthorized");
			CHECK(strstr(r.body, "fake_user_") == NULL);
			http_resp_free(&r);
		}
	/* Forged as the owner, none of it changed the row. */
	CHECK(col(&u, "(accesstoken, status, version, metadata)", after,
	    sizeof(after)) == 1 && strcmp(before, after) == 0);
	CHECK(fake_count("refresh") == 0);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ reads */

static void
t_never_connected(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	json_t			*o;
	char			*s;

	flow_user_new(&u);
	CHECK(flow_req(&u, "GET", PATH_ALL, NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(s != NULL && strcmp(s, "{\"integrations\":{\"instagram\":"
	    "{\"status\":\"disconnected\"}}}") == 0);
	free(s);
	json_decref(o);
	http_resp_free(&r);
	flow_req(&u, "GET", PATH_ONE, NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	flow_req(&u, "DELETE", PATH_ONE, NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	refresh(&u, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	flow_req(&u, "PATCH", PATH_SETTINGS, NULL, "{\"toneOfVoice\":\"calm\"}",
	    &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 0);
	flow_user_free(&u);
}

static void
t_connected_views(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*ex = NULL, *one, *sum;
	char			*a, *b;
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, &ex))
		return;
	CHECK(flow_req(&u, "GET", PATH_ONE, NULL, NULL, &r) == 200);
	check_no_store(&r);
	one = resp_json(&r);
	http_resp_free(&r);
	check_connection(one, n, "connected", "long");
	CHECK(strcmp(jstr(one, "id"), jstr(ex, "id")) == 0);
	CHECK(strcmp(jstr(one, "expiresAt"), jstr(ex, "expiresAt")) == 0);
	CHECK(strcmp(jstr(one, "connectedAt"), jstr(ex, "connectedAt")) == 0);
	sum = get_summary(&u);
	check_connection(sum, n, "connected", "long");
	/* The summary and the detail are one object. */
	a = json_dumps(one, JSON_COMPACT | JSON_SORT_KEYS);
	b = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
	free(a);
	free(b);
	json_decref(sum);
	json_decref(one);
	/* HEAD works where GET does, with no body. */
	CHECK(flow_req(&u, "HEAD", PATH_ONE, NULL, NULL, &r) == 200 &&
	    r.len == 0);
	http_resp_free(&r);
	json_decref(get(&u, PATH_ONE, &st));
	CHECK(st == 200);
	json_decref(ex);
	flow_user_free(&u);
}

/* One user never sees or touches another's connection. */
static void
t_user_isolation(void)
{
	struct flow_user	 a, b;
	struct http_resp	 r;
	long long		 n;
	json_t			*o;
	char			 before[1024], after[1024];

	CHECK(fake_reset());
	if (!connected_user(&a, &n, NULL))
		return;
	flow_user_new(&b);
	/* Due for refresh, so a refresh that reached it would happen. */
	flow_age_token(&a);
	CHECK(db_val(before, sizeof(before), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, a.id, NULL) == 1);
	o = get_summary(&b);
	CHECK(strcmp(jstr(o, "status"), "disconnected") == 0);
	CHECK(json_object_size(o) == 1);
	json_decref(o);
	flow_req(&b, "GET", PATH_ONE, NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	CHECK(strstr(r.body, "fake_user_") == NULL);
	http_resp_free(&r);
	flow_req(&b, "DELETE", PATH_ONE, NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	refresh(&b, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	flow_req(&b, "PATCH", PATH_SETTINGS, NULL,
	    "{\"systemPrompt\":\"hijacked\"}", &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	CHECK(db_val(after, sizeof(after), "SELECT c::text FROM "
	    "oauth_connections c WHERE " FLOW_CONN, a.id, NULL) == 1);
	CHECK(strcmp(before, after) == 0);
	CHECK(fake_count("refresh") == 0);
	o = get_summary(&a);
	CHECK(strcmp(jstr(o, "status"), "connected") == 0);
	json_decref(o);
	flow_user_free(&a);
	flow_user_free(&b);
}

/* ------------------------------------------------------------ status */

/* Past its expiry the connection reads "expired"; the row stays. */
static void
t_expired_status(void)
{
	struct flow_user	 u;
	long long		 n;
	json_t			*o;
	long			 st;
	char			 v[64];

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(set(&u, "expiresat = (now() AT TIME ZONE 'UTC') - "
	    "interval '1 day'"));
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200);
	check_connection(o, n, "expired", "long");
	CHECK(iso_near(jstr(o, "expiresAt"), -DAY, 120));
	json_decref(o);
	o = get_summary(&u);
	CHECK(strcmp(jstr(o, "status"), "expired") == 0);
	json_decref(o);
	CHECK(col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "active") == 0);
	flow_user_free(&u);
}

/* needsRefresh: expiry within IGCONNECT_REFRESH_WINDOW_DAYS (10). */
static void
t_needs_refresh_window(void)
{
	static const struct {
		int	days;
		int	needs;
	} cases[] = { { 2, 1 }, { 9, 1 }, { 11, 0 }, { 60, 0 } };
	struct flow_user	 u;
	long long		 n;
	json_t			*o;
	char			 sql[256];
	size_t			 i;
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(sql, sizeof(sql), "expiresat = (now() AT TIME "
		    "ZONE 'UTC') + interval '%d days'", cases[i].days);
		CHECK(set(&u, sql));
		o = get(&u, PATH_ONE, &st);
		CHECK(st == 200);
		CHECK(strcmp(jstr(o, "status"), "connected") == 0);
		CHECK(iso_near(jstr(o, "expiresAt"),
		    (long)cases[i].days * DAY, 120));
		if (!CHECK(json_is_boolean(json_object_get(o,
		    "needsRefresh")) && json_is_true(json_object_get(o,
		    "needsRefresh")) == cases[i].needs))
			printf("  %d days\n", cases[i].days);
		json_decref(o);
		o = get_summary(&u);
		CHECK(json_is_true(json_object_get(o, "needsRefresh")) ==
		    cases[i].needs);
		json_decref(o);
	}
	flow_user_free(&u);
}

/* ------------------------------------------------------------ delete */

static void
t_disconnect(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n, h0;
	json_t			*o = NULL, *ex = NULL;
	char			 v[256];

	CHECK(fake_reset());
	if (!connected_user(&u, &n, &ex))
		return;
	h0 = history(&u);
	CHECK(flow_req(&u, "DELETE", PATH_ONE, NULL, NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	CHECK(strcmp(jstr(o, "status"), "disconnected") == 0);
	CHECK(strcmp(jstr(o, "provider"), "instagram") == 0);
	CHECK(strcmp(jstr(o, "id"), jstr(ex, "id")) == 0);
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND accesstoken IS NULL AND refreshtoken IS NULL "
	    "AND status = 'disconnected'", u.id, NULL) == 1);
	CHECK(history(&u) == h0 + 1);
	/* Idempotent. */
	CHECK(flow_req(&u, "DELETE", PATH_ONE, NULL, NULL, &r) == 200);
	o = resp_json(&r);
	CHECK(strcmp(jstr(o, "status"), "disconnected") == 0);
	json_decref(o);
	http_resp_free(&r);
	o = get_summary(&u);
	CHECK(strcmp(jstr(o, "status"), "disconnected") == 0);
	json_decref(o);
	/* Nothing left to refresh. */
	refresh(&u, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	CHECK(col(&u, "accesstoken", v, sizeof(v)) == 0);
	json_decref(ex);
	flow_user_free(&u);
}

/* Connecting again after a disconnect revives the one row. */
static void
t_reconnect(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*o = NULL;
	char			 v[64];

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(flow_req(&u, "DELETE", PATH_ONE, NULL, NULL, &r) == 200);
	http_resp_free(&r);
	CHECK(flow_connect(&u, n, NULL, &o) == 200);
	check_connection(o, n, "connected", "long");
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 1);
	CHECK(col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "active") == 0);
	CHECK(col(&u, "accesstoken", v, sizeof(v)) == 1 &&
	    strncmp(v, "ig1.", 4) == 0);
	o = get_summary(&u);
	CHECK(strcmp(jstr(o, "status"), "connected") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ refresh */

/* Meta refreshes only tokens a day old (A.4): say when, don't ask. */
static void
t_refresh_too_early(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*o;
	char			 v[64], *end;
	long			 ra;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	refresh(&u, &r);
	check_error(&r, 409, "too_early");
	CHECK(resp_header(&r, "Retry-After", v, sizeof(v)));
	ra = strtol(v, &end, 10);
	if (!CHECK(*end == '\0' && ra > DAY - 300 && ra <= DAY))
		printf("  Retry-After: %s\n", v);
	o = resp_json(&r);
	CHECK(iso_near(jstr(o, "refreshableAt"), DAY, 300));
	json_decref(o);
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	flow_user_free(&u);
}

static void
t_refresh_ok(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n, h0;
	json_t			*o = NULL, *st;
	char			 before[1024], after[1024];
	long			 status;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	/* Five days left and a day old: due, and allowed. */
	CHECK(set(&u, "expiresat = (now() AT TIME ZONE 'UTC') + "
	    "interval '5 days'"));
	flow_age_token(&u);
	CHECK(col(&u, "accesstoken", before, sizeof(before)) == 1);
	h0 = history(&u);
	o = get(&u, PATH_ONE, &status);
	CHECK(json_is_true(json_object_get(o, "needsRefresh")));
	json_decref(o);
	CHECK(refresh(&u, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	check_connection(o, n, "connected", "long");
	CHECK(iso_near(jstr(o, "expiresAt"), LONG_TTL, 300));
	CHECK(json_is_false(json_object_get(o, "needsRefresh")));
	json_decref(o);
	CHECK(col(&u, "accesstoken", after, sizeof(after)) == 1);
	CHECK(strncmp(after, "ig1.", 4) == 0 && strcmp(before, after) != 0);
	CHECK(llabs(secs(&u, "tokenissuedat")) < 120);
	CHECK(llabs(secs(&u, "expiresat") - LONG_TTL) < 300);
	CHECK(history(&u) == h0 + 1);
	CHECK(fake_count("refresh") == 1);
	st = fake_get("/_fake/stats");
	CHECK(json_object_size(json_object_get(st, "refresh_by_token")) == 1);
	json_decref(st);
	/* The detail agrees with what refresh answered. */
	o = get(&u, PATH_ONE, &status);
	CHECK(status == 200);
	CHECK(iso_near(jstr(o, "expiresAt"), LONG_TTL, 300));
	json_decref(o);
	flow_user_free(&u);
}

/* Meta says the token was revoked: needs_reauth, and stop asking. */
static void
t_refresh_revoked(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*o;
	char			 v[64];
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	flow_age_token(&u);
	CHECK(fake_inject("{\"route\":\"refresh\",\"graph_error\":{\"code\":"
	    "190,\"error_subcode\":460}}"));
	refresh(&u, &r);
	check_error(&r, 409, "token_revoked");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 1);
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200);
	CHECK(strcmp(jstr(o, "status"), "needs_reauth") == 0);
	json_decref(o);
	o = get_summary(&u);
	CHECK(strcmp(jstr(o, "status"), "needs_reauth") == 0);
	json_decref(o);
	CHECK(col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "needs_reauth") == 0);
	refresh(&u, &r);
	check_error(&r, 409, "token_revoked");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 1);
	flow_user_free(&u);
}

/* An expired token cannot be refreshed (A.4): don't even ask Meta. */
static void
t_refresh_expired_locally(void)
{
	struct flow_user	u;
	struct http_resp	r;
	long long		n;
	char			v[64];

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	flow_age_token(&u);
	CHECK(set(&u, "expiresat = (now() AT TIME ZONE 'UTC') - "
	    "interval '1 hour'"));
	refresh(&u, &r);
	check_error(&r, 409, "token_revoked");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	CHECK(fake_count("ig_exchange") == 1);	/* the connect's only */
	/* Marked for a new login, and never offered to Meta again. */
	CHECK(col(&u, "status", v, sizeof(v)) == 1 &&
	    strcmp(v, "needs_reauth") == 0);
	flow_user_free(&u);
}

/* A short fallback token is upgraded at once, whatever its age. */
static void
t_refresh_upgrades_short(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	json_t			*o = NULL, *p;
	char			 before[1024], after[1024];
	long			 st;

	CHECK(fake_reset());
	/* Not transient, so not retried: exactly one failed exchange. */
	CHECK(fake_inject("{\"route\":\"ig_exchange\",\"graph_error\":"
	    "{\"code\":100}}"));
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, NULL, &o) == 200);
	CHECK(strcmp(jstr(o, "tokenKind"), "short") == 0);
	json_decref(o);
	p = fake_get("/_fake/inject");
	CHECK(json_integer_value(json_object_get(p, "pending")) == 0);
	json_decref(p);
	CHECK(col(&u, "accesstoken", before, sizeof(before)) == 1);
	CHECK(refresh(&u, &r) == 200);
	o = resp_json(&r);
	http_resp_free(&r);
	check_connection(o, n, "connected", "long");
	CHECK(iso_near(jstr(o, "expiresAt"), 5183944, 300));
	json_decref(o);
	CHECK(fake_count("ig_exchange") == 2);
	CHECK(fake_count("refresh") == 0);
	CHECK(col(&u, "accesstoken", after, sizeof(after)) == 1 &&
	    strcmp(before, after) != 0);
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200 && strcmp(jstr(o, "tokenKind"), "long") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ settings */

static long
patch(const struct flow_user *u, const char *body, json_t **o)
{
	struct http_resp	r;
	long			st;

	st = flow_req(u, "PATCH", PATH_SETTINGS, NULL, body, &r);
	if (o != NULL)
		*o = resp_json(&r);
	http_resp_free(&r);
	return st;
}

static void
t_settings(void)
{
	struct flow_user	 u;
	long long		 n;
	json_t			*o = NULL, *s;
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(patch(&u, "{\"systemPrompt\":\"You are helpful.\","
	    "\"toneOfVoice\":\"warm\",\"keyInformation\":\"Open 9\\u20135, "
	    "caf\\u00e9\"}", &o) == 200);
	check_connection(o, n, "connected", "long");
	s = json_object_get(o, "settings");
	CHECK(strcmp(jstr(s, "systemPrompt"), "You are helpful.") == 0);
	CHECK(strcmp(jstr(s, "toneOfVoice"), "warm") == 0);
	CHECK(strcmp(jstr(s, "keyInformation"),
	    "Open 9\xe2\x80\x93" "5, caf\xc3\xa9") == 0);
	CHECK(json_object_size(s) == 3);
	json_decref(o);
	/* A partial update merges. */
	CHECK(patch(&u, "{\"toneOfVoice\":\"formal\"}", &o) == 200);
	s = json_object_get(o, "settings");
	CHECK(strcmp(jstr(s, "systemPrompt"), "You are helpful.") == 0);
	CHECK(strcmp(jstr(s, "toneOfVoice"), "formal") == 0);
	CHECK(strlen(jstr(s, "keyInformation")) > 0);
	json_decref(o);
	/* And reads back. */
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200);
	s = json_object_get(o, "settings");
	CHECK(strcmp(jstr(s, "toneOfVoice"), "formal") == 0);
	CHECK(strcmp(jstr(s, "systemPrompt"), "You are helpful.") == 0);
	json_decref(o);
	o = get_summary(&u);
	CHECK(strcmp(jstr(json_object_get(o, "settings"), "toneOfVoice"),
	    "formal") == 0);
	json_decref(o);
	/* null removes one setting, as in a JSON merge patch (RFC 7396). */
	CHECK(patch(&u, "{\"keyInformation\":null}", &o) == 200);
	s = json_object_get(o, "settings");
	CHECK(json_object_get(s, "keyInformation") == NULL);
	CHECK(json_object_size(s) == 2);
	CHECK(strcmp(jstr(s, "toneOfVoice"), "formal") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* A JSON object {"key": "<n bytes of x>"} (new string). */
static char *
long_value(const char *key, size_t n)
{
	char	*v = malloc(n + 1), *b;
	json_t	*o;

	if (v == NULL)
		return NULL;
	memset(v, 'x', n);
	v[n] = '\0';
	o = json_pack("{s:s}", key, v);
	b = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(v);
	return b;
}

static void
t_settings_invalid(void)
{
	static const char *const bad[] = {
		"{\"colour\":\"red\"}",
		"{\"toneOfVoice\":\"ok\",\"extra\":\"no\"}",
		"{\"systemPrompt\":5}",
		"{\"toneOfVoice\":true}",
		"{\"toneOfVoice\":{\"a\":\"b\"}}",
		"{\"keyInformation\":[\"a\"]}",
		"not json",
		"[\"toneOfVoice\"]",
	};
	static const struct {
		const char	*key;
		size_t		 max;
	} caps[] = {
		{ "systemPrompt", 8192 },
		{ "toneOfVoice", 256 },
		{ "keyInformation", 8192 },
	};
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	json_t			*o;
	char			*b;
	size_t			 i;
	long			 st;

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(patch(&u, "{\"toneOfVoice\":\"kept\"}", NULL) == 200);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		flow_req(&u, "PATCH", PATH_SETTINGS, NULL, bad[i], &r);
		if (!CHECK(r.status == 400))
			printf("  body %s\n", bad[i]);
		check_error(&r, 400, "invalid_request");
		http_resp_free(&r);
	}
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200);
	CHECK(json_object_size(json_object_get(o, "settings")) == 1);
	CHECK(strcmp(jstr(json_object_get(o, "settings"), "toneOfVoice"),
	    "kept") == 0);
	json_decref(o);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		/* At the cap: fine; one byte more: refused. */
		b = long_value(caps[i].key, caps[i].max);
		CHECK(patch(&u, b, NULL) == 200);
		free(b);
		b = long_value(caps[i].key, caps[i].max + 1);
		flow_req(&u, "PATCH", PATH_SETTINGS, NULL, b, &r);
		if (!CHECK(r.status == 400))
			printf("  %s of %zu bytes\n", caps[i].key,
			    caps[i].max + 1);
		check_error(&r, 400, "invalid_request");
		http_resp_free(&r);
		free(b);
	}
	CHECK(patch(&u, "{\"toneOfVoice\":\"kept\",\"systemPrompt\":\"\","
	    "\"keyInformation\":\"\"}", NULL) == 200);
	/* Past the endpoint's 32 KiB body cap. */
	b = long_value("systemPrompt", 40000);
	flow_req(&u, "PATCH", PATH_SETTINGS, NULL, b, &r);
	check_error(&r, 413, "payload_too_large");
	http_resp_free(&r);
	free(b);
	o = get(&u, PATH_ONE, &st);
	CHECK(st == 200 && strcmp(jstr(json_object_get(o, "settings"),
	    "toneOfVoice"), "kept") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ CGI */

/*
 * Run an endpoint program as plain CGI (as under fcgiwrap or Apache)
 * with the stack's settings plus "vars" ("NAME=VALUE", NULL-terminated),
 * which are removed again afterwards.
 */
static int
cgi(const char *prog, const char *const *vars, char *out, size_t outsz)
{
	const char *const	 argv[] = { prog, NULL };
	char			*saved = NULL, name[128];
	const char		*eq, *auth;
	size_t			 i;
	int			 rc;

	if ((auth = getenv("IGCONNECT_AUTH")) != NULL)
		saved = strdup(auth);
	for (i = 0; vars[i] != NULL; i++) {
		eq = strchr(vars[i], '=');
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)(eq - vars[i]), vars[i]);
		setenv(name, eq + 1, 1);
	}
	rc = run_capture(argv, "/dev/null", out, outsz);
	for (i = 0; vars[i] != NULL; i++) {
		eq = strchr(vars[i], '=');
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)(eq - vars[i]), vars[i]);
		unsetenv(name);
	}
	if (saved != NULL)
		setenv("IGCONNECT_AUTH", saved, 1);
	free(saved);
	return rc;
}

static void
t_cgi_remote_user(void)
{
	struct flow_user	 u;
	long long		 n;
	char			 out[16384], ru[128], want[64], bearer[1024];
	const char		*with[] = { "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/integrations", "REQUEST_URI=/integrations",
	    "REQUEST_ID=cgiremoteuser0001", "IGCONNECT_AUTH=remote_user",
	    ru, NULL };
	const char		*without[] = { "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/integrations", "REQUEST_URI=/integrations",
	    "IGCONNECT_AUTH=remote_user", bearer, NULL };

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	(void)snprintf(ru, sizeof(ru), "REMOTE_USER=%s", u.id);
	CHECK(cgi("fcgi/integrations", with, out, sizeof(out)) == 0);
	CHECK(strstr(out, "Status: 200") != NULL);
	CHECK(strstr(out, "Cache-Control: no-store") != NULL);
	(void)snprintf(want, sizeof(want), "\"fake_user_%lld\"", n);
	CHECK(strstr(out, want) != NULL);
	(void)snprintf(want, sizeof(want), "\"%lld\"",
	    17841457215396811LL + n);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "\"connected\"") != NULL);
	/* No REMOTE_USER: nobody, even with a valid JWT at hand. */
	(void)snprintf(bearer, sizeof(bearer), "HTTP_AUTHORIZATION=Bearer %s",
	    u.jwt);
	CHECK(cgi("fcgi/integrations", without, out, sizeof(out)) == 0);
	CHECK(strstr(out, "Status: 401") != NULL);
	CHECK(strstr(out, "\"unauthorized\"") != NULL);
	CHECK(strstr(out, "fake_user_") == NULL);
	flow_user_free(&u);
}

static void
t_cgi_auth_none(void)
{
	struct flow_user	 u;
	long long		 n;
	char			 out[16384], xu[128], want[64];
	const char		*with[] = { "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/integrations/instagram",
	    "REQUEST_URI=/integrations/instagram", "IGCONNECT_AUTH=none",
	    xu, NULL };

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	(void)snprintf(xu, sizeof(xu), "HTTP_X_USER_ID=%s", u.id);
	CHECK(cgi("fcgi/integration", with, out, sizeof(out)) == 0);
	CHECK(strstr(out, "Status: 200") != NULL);
	(void)snprintf(want, sizeof(want), "\"fake_user_%lld\"", n);
	CHECK(strstr(out, want) != NULL);
	/* Mode none warns at every start. */
	CHECK(strstr(out, "warning") != NULL);
	flow_user_free(&u);
}

/* ------------------------------------------------------------ secrets */

/* Connect, refresh, read, disconnect: no token in any body or log. */
static void
t_no_secrets_leak(void)
{
	static const char *const paths[] = { PATH_ALL, PATH_ONE };
	struct flow_user	 u;
	struct flow_secrets	 s;
	struct http_resp	 r[5];
	long long		 n;
	size_t			 i, nr = 0;

	memset(&s, 0, sizeof(s));
	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	flow_age_token(&u);
	CHECK(refresh(&u, &r[nr++]) == 200);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		CHECK(flow_req(&u, "GET", paths[i], NULL, NULL,
		    &r[nr++]) == 200);
	CHECK(patch(&u, "{\"toneOfVoice\":\"plain\"}", NULL) == 200);
	CHECK(flow_req(&u, "DELETE", PATH_ONE, NULL, NULL, &r[nr++]) == 200);
	secrets_from_fake(&s);
	/* code, secret, short, long, and the long again at refresh. */
	CHECK(s.n >= 4);
	/* The caller's own JWT is a secret too. */
	secrets_add(&s, u.jwt);
	for (i = 0; i < nr; i++) {
		CHECK(!secrets_in(&s, r[i].body));
		CHECK(!secrets_in(&s, r[i].headers));
		http_resp_free(&r[i]);
	}
	msleep(200);
	CHECK(!secrets_in_logs(&s));
	secrets_free(&s);
	flow_user_free(&u);
}

/*
 * A user id in the query, a form or a JSON body must be the caller's:
 * naming anyone else is 403, on every endpoint, before
 * anything else happens; naming oneself is fine.
 */
static void
t_user_id_must_be_caller(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	char			 path[256], body[256];
	long			 st;
	json_t			*o;

	flow_user_new(&u);
	memset(&r, 0, sizeof(r));
	flow_req(&u, "GET", "/integrations?userId=someone-else", NULL, NULL,
	    &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	memset(&r, 0, sizeof(r));
	flow_req(&u, "GET", "/integrations/instagram?user_id=x%2Dy", NULL,
	    NULL, &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/integrations?userId=%s", u.id);
	o = flow_req_json(&u, "GET", path, NULL, &st);
	CHECK(st == 200);
	json_decref(o);
	o = flow_req_json(&u, "POST", "/oauth/instagram/exchange",
	    "{\"userId\":\"someone-else\",\"code\":\"c\",\"state\":"
	    "\"s\"}", &st);
	CHECK(st == 403 && strcmp(jstr(o, "error"), "forbidden") == 0);
	json_decref(o);
	o = flow_req_json(&u, "PATCH", "/integrations/instagram/settings",
	    "{\"userId\":42,\"toneOfVoice\":\"warm\"}", &st);
	CHECK(st == 403);
	json_decref(o);
	(void)snprintf(body, sizeof(body), "userId=other&code=c&state=s");
	memset(&r, 0, sizeof(r));
	flow_req(&u, "POST", "/oauth/instagram/exchange",
	    "application/x-www-form-urlencoded", body, &r);
	check_error(&r, 403, "forbidden");
	http_resp_free(&r);
	flow_user_free(&u);
}

/*
 * A bearer token is taken from the Authorization header only: the same
 * valid JWT in the query or in a form body authenticates nobody, and
 * no log keeps it.
 */
static void
t_token_in_query_refused(void)
{
	struct flow_user	 u;
	struct flow_secrets	 s;
	struct http_resp	 r;
	char			 path[IG_MAX_JWT + 64], body[IG_MAX_JWT + 64];

	flow_user_new(&u);
	memset(&s, 0, sizeof(s));
	secrets_add(&s, u.jwt);
	(void)snprintf(path, sizeof(path), "%s?access_token=%s", PATH_ALL,
	    u.jwt);
	flow_req_authz(&u, "", "GET", path, NULL, NULL, &r);
	check_error(&r, 401, "unauthorized");
	CHECK(!secrets_in(&s, r.body));
	http_resp_free(&r);
	(void)snprintf(body, sizeof(body), "access_token=%s", u.jwt);
	flow_req_authz(&u, "", "POST", PATH_REFRESH,
	    "application/x-www-form-urlencoded", body, &r);
	check_error(&r, 401, "unauthorized");
	http_resp_free(&r);
	/* The same token in its header is a caller. */
	CHECK(flow_req(&u, "GET", PATH_ALL, NULL, NULL, &r) == 200);
	http_resp_free(&r);
	msleep(200);
	CHECK(!secrets_in_logs(&s));
	secrets_free(&s);
	flow_user_free(&u);
}

/* The lines of service log "name" that hold "text"; -1 if unreadable. */
static long
log_lines(const char *name, const char *text)
{
	char			 path[4096], out[64];
	const char *const	 argv[] = { "grep", "-c", "-F", "--", text,
	    path, NULL };

	(void)snprintf(path, sizeof(path), "%s/log/%s",
	    env_or_die("IGCONNECT_VAR"), name);
	if (run_capture(argv, "/dev/null", out, sizeof(out)) > 1)
		return -1;
	return strtol(out, NULL, 10);
}

/*
 * A sealed token opens only in its own row: B's token copied into A's
 * row, or A's own token with one character changed, is refused when A
 * refreshes (a generic 500, one log line each, no call to Meta), and
 * A's row works again once its own token is back.
 */
static void
t_sealed_token_bound_to_row(void)
{
	static const char	 why[] = "sealed value failed authentication";
	struct flow_user	 a, b;
	struct http_resp	 r;
	long long		 n;
	char			 ta[1024], tb[1024], bad[1024], *p;
	long			 logged;

	CHECK(fake_reset());
	if (!connected_user(&a, &n, NULL))
		return;
	if (!connected_user(&b, &n, NULL)) {
		flow_user_free(&a);
		return;
	}
	flow_age_token(&a);
	CHECK(col(&a, "accesstoken", ta, sizeof(ta)) == 1);
	CHECK(col(&b, "accesstoken", tb, sizeof(tb)) == 1);
	/*
	 * One character of the nonce in A's "ig1.<key id>.<base64url>":
	 * every bit of it counts (the last character may carry unused
	 * bits), so the value decodes and fails authentication.
	 */
	(void)snprintf(bad, sizeof(bad), "%s", ta);
	if (!CHECK((p = strchr(bad + 4, '.')) != NULL && strlen(p) > 8))
		p = bad;
	p += 5;
	*p = *p == 'A' ? 'B' : 'A';
	logged = log_lines("integration-refresh.log", why);
	CHECK(logged >= 0);

	CHECK(db_exec("UPDATE oauth_connections SET accesstoken = $2 WHERE "
	    FLOW_CONN, a.id, tb, NULL) == 1);
	refresh(&a, &r);
	check_error(&r, 500, "internal_error");
	CHECK(strstr(r.body, "ig1.") == NULL);
	http_resp_free(&r);
	CHECK(db_exec("UPDATE oauth_connections SET accesstoken = $2 WHERE "
	    FLOW_CONN, a.id, bad, NULL) == 1);
	refresh(&a, &r);
	check_error(&r, 500, "internal_error");
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 0);
	msleep(200);
	CHECK(log_lines("integration-refresh.log", why) == logged + 2);

	CHECK(db_exec("UPDATE oauth_connections SET accesstoken = $2 WHERE "
	    FLOW_CONN, a.id, ta, NULL) == 1);
	CHECK(refresh(&a, &r) == 200);
	http_resp_free(&r);
	CHECK(fake_count("refresh") == 1);
	flow_user_free(&a);
	flow_user_free(&b);
}

/*
 * A lock held on the connections table makes a request wait no longer
 * than the programs' lock_timeout (5 s): a 503 with Retry-After, and
 * the same request works once the lock is gone.
 */
static void
t_db_lock_bounded(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n;
	time_t			 t0;
	char			 v[16];

	CHECK(fake_reset());
	if (!connected_user(&u, &n, NULL))
		return;
	CHECK(db_exec("BEGIN", NULL) == 0);
	CHECK(db_exec("LOCK TABLE oauth_connections IN ACCESS EXCLUSIVE MODE",
	    NULL) == 0);
	t0 = time(NULL);
	flow_req(&u, "GET", PATH_ONE, NULL, NULL, &r);
	if (!CHECK(time(NULL) - t0 <= 5 + 3))
		printf("  answered after %lld s\n",
		    (long long)(time(NULL) - t0));
	CHECK(db_exec("ROLLBACK", NULL) == 0);
	check_error(&r, 503, "unavailable");
	CHECK(resp_header(&r, "Retry-After", v, sizeof(v)) && atoi(v) > 0);
	http_resp_free(&r);
	CHECK(flow_req(&u, "GET", PATH_ONE, NULL, NULL, &r) == 200);
	http_resp_free(&r);
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_caller_auth_required),
	TEST(t_user_id_must_be_caller),
	TEST(t_never_connected),
	TEST(t_connected_views),
	TEST(t_user_isolation),
	TEST(t_expired_status),
	TEST(t_needs_refresh_window),
	TEST(t_disconnect),
	TEST(t_reconnect),
	TEST(t_refresh_too_early),
	TEST(t_refresh_ok),
	TEST(t_refresh_revoked),
	TEST(t_refresh_expired_locally),
	TEST(t_refresh_upgrades_short),
	TEST(t_settings),
	TEST(t_settings_invalid),
	TEST(t_cgi_remote_user),
	TEST(t_cgi_auth_none),
	TEST(t_no_secrets_leak),
	TEST(t_token_in_query_refused),
	TEST(t_sealed_token_bound_to_row),
	TEST(t_db_lock_bounded),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
