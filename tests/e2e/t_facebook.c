/* SPDX-License-Identifier: ISC */
/*
 * t_facebook.c: the Facebook Login flavor end to end, through nginx, the
 * programs, PostgreSQL and the fake of Meta (Facebook Login docs): the dialog
 * URL, a connect whose Page is on the second page of /me/accounts, the
 * choice between two Pages and its single-use selection, no eligible
 * Page, a denial, appsecret_proof on every call, data access expiring
 * soon, seed 002's fallback, the jobs on Page tokens (sync through the
 * Facebook host, never a refresh), a revoked Page token, and no token
 * in plain text anywhere.
 *
 * Fake ids for fake_account=N: Facebook user 10161234567890000+N; its
 * Page i is 134895700000000 + 100N + i; a linked Page i holds account
 * N+i-1, whose IG_ID is 17841457215396811+N+i-1 and username
 * fake_user_{N+i-1} (tests/fakemeta/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "../lib/hook.h"

#define FB_SCOPES	"pages_show_list,pages_read_engagement," \
			"instagram_basic,instagram_content_publish," \
			"instagram_manage_comments,instagram_manage_insights," \
			"business_management"

static long long
page_id(long long n, int i)
{
	return 134895700000000LL + 100 * n + i;
}

static long long
ig_id(long long n, int i)
{
	return 17841457215396811LL + n + i - 1;
}

/* GET the dialog URL and "log in" at the fake with "knobs". */
static int
login(const struct flow_user *u, struct flow_dance *d, const char *knobs)
{
	return flow_start(u, "?flavor=facebook", d) == 200 &&
	    flow_authorize(d, knobs);
}

/* A stats counter of the fake (top level), or -1. */
static long long
fake_stat(const char *name)
{
	json_t		*o = fake_get("/_fake/stats");
	long long	 v = -1;

	if (json_is_integer(json_object_get(o, name)))
		v = json_integer_value(json_object_get(o, name));
	json_decref(o);
	return v;
}

static int
id_is(const json_t *o, const char *k, long long want)
{
	char	buf[32];

	(void)snprintf(buf, sizeof(buf), "%lld", want);
	return strcmp(jstr(o, k), buf) == 0;
}

/* Run a job program once (the stack's environment is ours). */
static int
run_job(const char *prog)
{
	const char *const	argv[] = { prog, "--once", NULL };

	return run_cmd(argv);
}

static void
t_fb_authorize_url(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 v[1024], prefix[512];

	flow_user_new(&u);
	if (CHECK(flow_start(&u, "?flavor=facebook", &d) == 200)) {
		(void)snprintf(prefix, sizeof(prefix), "%s/v26.0/dialog/oauth?",
		    getenv("IGCONNECT_FACEBOOK_WWW_URL"));
		CHECK(strncmp(d.authurl, prefix, strlen(prefix)) == 0);
		CHECK(flow_query_param(d.authurl, "client_id", v, sizeof(v)) &&
		    strcmp(v, getenv("FACEBOOK_APP_ID")) == 0);
		CHECK(flow_query_param(d.authurl, "redirect_uri", v,
		    sizeof(v)) && strcmp(v, getenv("INSTAGRAM_REDIRECT_URI")) ==
		    0);
		CHECK(flow_query_param(d.authurl, "response_type", v,
		    sizeof(v)) && strcmp(v, "code") == 0);
		CHECK(flow_query_param(d.authurl, "scope", v, sizeof(v)) &&
		    strcmp(v, FB_SCOPES) == 0);
		CHECK(!flow_query_param(d.authurl, "config_id", v, sizeof(v)));
		CHECK(flow_query_param(d.authurl, "state", v, sizeof(v)) &&
		    strcmp(v, d.state) == 0);
	}
	memset(&r, 0, sizeof(r));
	flow_req(&u, "GET", "/oauth/instagram/url?flavor=myspace", NULL, NULL,
	    &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	flow_user_free(&u);
}

/*
 * The Page with the account is the second of two, one Page per page of
 * /me/accounts: the exchange follows paging.next to it.
 */
static void
t_fb_connect_second_page(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0), checks, fails;
	json_t			*o = NULL;
	char			 knobs[256], v[64], user[32];

	CHECK(fake_reset());
	flow_user_new(&u);
	checks = fake_stat("proof_checks");
	fails = fake_stat("proof_failures");
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=2"
	    "&fake_linked=2&fake_page_size=1", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	CHECK(strcmp(jstr(o, "flavor"), "facebook") == 0);
	CHECK(strcmp(jstr(o, "status"), "connected") == 0);
	CHECK(strcmp(jstr(o, "tokenKind"), "page") == 0);
	CHECK(json_is_null(json_object_get(o, "expiresAt")));
	CHECK(id_is(o, "facebookPageId", page_id(n, 2)));
	CHECK(id_is(o, "businessAccountId", ig_id(n, 2)));
	CHECK(id_is(o, "providerUserId", 10161234567890000LL + n));
	(void)snprintf(user, sizeof(user), "fake_user_%lld", n + 1);
	CHECK(strcmp(jstr(o, "username"), user) == 0);
	CHECK(iso_near(jstr(o, "dataAccessExpiresAt"), 90 * 86400L, 120));
	CHECK(json_is_false(json_object_get(o, "needsRefresh")));
	CHECK(json_object_get(o, "access_token") == NULL);
	json_decref(o);
	/* Both pages of /me/accounts were read. */
	CHECK(fake_count("fb_accounts") == 2);
	CHECK(fake_count("debug_token") == 1);
	/* Every call to graph.facebook.com carried a correct proof. */
	CHECK(fake_stat("proof_checks") > checks);
	CHECK(fake_stat("proof_failures") == fails);
	CHECK(db_val(v, sizeof(v), "SELECT accesstoken FROM oauth_connections "
	    "WHERE " FLOW_CONN, u.id, NULL) == 1 && strncmp(v, "ig1.", 4) == 0);
	CHECK(db_val(v, sizeof(v), "SELECT refreshtoken FROM "
	    "oauth_connections WHERE " FLOW_CONN, u.id, NULL) == 1 &&
	    strncmp(v, "ig1.", 4) == 0);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND expiresat IS NULL AND metadata->>'flavor' = "
	    "'facebook'", u.id, NULL) == 1);
	flow_user_free(&u);
}

/*
 * Two Pages with an account: 409 with both and a selection; a Page not
 * offered is refused and leaves the selection usable, another user
 * cannot use it, the choice links exactly one row, and the selection
 * then is spent.
 */
static void
t_fb_account_choice(void)
{
	struct flow_user	 u, other;
	long long		 n = flow_account(1);
	long			 st;
	json_t			*o = NULL, *c, *cands;
	char			 knobs[256], body[512], user[32];
	const char		*sel;

	CHECK(fake_reset());
	flow_user_new(&u);
	flow_user_new(&other);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=3"
	    "&fake_linked=1,3", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 409);
	CHECK(strcmp(jstr(o, "error"), "account_choice_required") == 0);
	cands = json_object_get(o, "candidates");
	CHECK(json_array_size(cands) == 2);
	c = json_array_get(cands, 0);
	CHECK(id_is(c, "pageId", page_id(n, 1)) &&
	    id_is(c, "businessAccountId", ig_id(n, 1)));
	(void)snprintf(user, sizeof(user), "fake_user_%lld", n);
	CHECK(strcmp(jstr(c, "username"), user) == 0);
	CHECK(jstr(c, "pageName")[0] != '\0');
	CHECK(strncmp(jstr(c, "profilePictureUrl"), "https://", 8) == 0);
	c = json_array_get(cands, 1);
	CHECK(id_is(c, "pageId", page_id(n, 3)) &&
	    id_is(c, "businessAccountId", ig_id(n, 3)));
	sel = jstr(o, "selection");
	CHECK(strlen(sel) == 43);
	CHECK(iso_near(jstr(o, "expiresAt"), 600, 30));
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 0);

	/* Page 2 has no account: not offered. */
	(void)snprintf(body, sizeof(body), "{\"selection\":\"%s\","
	    "\"pageId\":\"%lld\"}", sel, page_id(n, 2));
	json_decref(flow_req_json(&u, "POST", "/oauth/instagram/exchange",
	    body, &st));
	CHECK(st == 400);
	/* The other user cannot finish it. */
	(void)snprintf(body, sizeof(body), "{\"selection\":\"%s\","
	    "\"pageId\":\"%lld\"}", sel, page_id(n, 3));
	c = flow_req_json(&other, "POST", "/oauth/instagram/exchange", body,
	    &st);
	CHECK(st == 400 && strcmp(jstr(c, "error"), "invalid_selection") == 0);
	json_decref(c);
	/* The owner chooses the third Page, by its account id. */
	(void)snprintf(body, sizeof(body), "{\"selection\":\"%s\","
	    "\"instagramAccountId\":\"%lld\"}", sel, ig_id(n, 3));
	c = flow_req_json(&u, "POST", "/oauth/instagram/exchange", body, &st);
	CHECK(st == 200);
	CHECK(id_is(c, "facebookPageId", page_id(n, 3)));
	CHECK(id_is(c, "businessAccountId", ig_id(n, 3)));
	CHECK(strcmp(jstr(c, "tokenKind"), "page") == 0);
	json_decref(c);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 1);
	/* Spent. */
	c = flow_req_json(&u, "POST", "/oauth/instagram/exchange", body, &st);
	CHECK(st == 400 && strcmp(jstr(c, "error"), "invalid_selection") == 0);
	json_decref(c);
	CHECK(db_long("SELECT count(*) FROM account_selections s JOIN users "
	    "x ON x.id = s.userid WHERE x.externalid = $1", u.id, NULL) == 0);
	json_decref(o);
	flow_user_free(&other);
	flow_user_free(&u);
}

/* A choice made with the code itself needs no second request. */
static void
t_fb_choice_with_code(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	long long		 n = flow_account(0);
	long			 st;
	json_t			*o;
	char			 knobs[256], body[2048];

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=2"
	    "&fake_linked=1,2", n);
	if (CHECK(login(&u, &d, knobs) && d.code[0] != '\0')) {
		(void)snprintf(body, sizeof(body), "{\"code\":\"%s\",\"state\":"
		    "\"%s\",\"pageId\":\"%lld\"}", d.code, d.state,
		    page_id(n, 2));
		o = flow_req_json(&u, "POST", "/oauth/instagram/exchange", body,
		    &st);
		CHECK(st == 200 && id_is(o, "businessAccountId", ig_id(n, 2)));
		json_decref(o);
	}
	flow_user_free(&u);
}

static void
t_fb_no_instagram_account(void)
{
	struct flow_user	 u;
	json_t			*o = NULL;
	char			 knobs[128];

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld"
	    "&fake_pages=3&fake_unlinked=1", flow_account(0));
	CHECK(flow_connect_fb(&u, knobs, &o) == 400);
	CHECK(strcmp(jstr(o, "error"), "no_instagram_account") == 0);
	CHECK(strstr(jstr(o, "error_description"), "Page") != NULL);
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 0);
	flow_user_free(&u);
}

static void
t_fb_denied(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	char			 body[512];

	flow_user_new(&u);
	if (CHECK(login(&u, &d, "&fake_deny=1"))) {
		CHECK(strcmp(d.error, "access_denied") == 0);
		CHECK(strstr(d.location, "#_=_") != NULL);
		(void)snprintf(body, sizeof(body), "{\"state\":\"%s\","
		    "\"error\":\"%s\",\"error_reason\":\"user_denied\"}",
		    d.state, d.error);
		memset(&r, 0, sizeof(r));
		flow_req(&u, "POST", "/oauth/instagram/exchange", NULL, body,
		    &r);
		check_error(&r, 400, "access_denied");
		http_resp_free(&r);
	}
	flow_user_free(&u);
}

/* Data access ending within the refresh window: needsRefresh. */
static void
t_fb_data_access_soon(void)
{
	struct flow_user	 u;
	json_t			*o = NULL;
	char			 knobs[128];

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld"
	    "&fake_data_access_days=5", flow_account(1));
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	CHECK(iso_near(jstr(o, "dataAccessExpiresAt"), 5 * 86400L, 120));
	CHECK(json_is_true(json_object_get(o, "needsRefresh")));
	CHECK(strcmp(jstr(o, "status"), "connected") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/*
 * The long-lived exchange fails (not for the token): the short-lived
 * user token's Page token is kept, marked short, with its true expiry.
 */
static void
t_fb_fallback(void)
{
	struct flow_user	 u;
	json_t			*o = NULL;
	char			 knobs[128];

	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"fb_exchange\",\"graph_error\":"
	    "{\"code\":100,\"message\":\"(#100) Invalid parameter\","
	    "\"type\":\"OAuthException\"}}"));
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld"
	    "&fake_short_lived=1", flow_account(0));
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	CHECK(strcmp(jstr(o, "tokenKind"), "short") == 0);
	CHECK(strcmp(jstr(o, "flavor"), "facebook") == 0);
	CHECK(iso_near(jstr(o, "expiresAt"), 3600, 120));
	json_decref(o);
	flow_user_free(&u);
}

/*
 * POST .../refresh: a short-lived Facebook link is upgraded (the user
 * token made long-lived, the same Page linked again); a Page token has
 * nothing to refresh.
 */
static void
t_fb_refresh(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1);
	json_t			*o = NULL;
	char			 knobs[128];
	long			 st;

	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"fb_exchange\",\"graph_error\":"
	    "{\"code\":100,\"message\":\"(#100) Invalid parameter\","
	    "\"type\":\"OAuthException\"}}"));
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=2"
	    "&fake_linked=2&fake_short_lived=1", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	CHECK(strcmp(jstr(o, "tokenKind"), "short") == 0);
	json_decref(o);
	o = flow_req_json(&u, "POST", "/integrations/instagram/refresh", NULL,
	    &st);
	CHECK(st == 200);
	CHECK(strcmp(jstr(o, "tokenKind"), "page") == 0);
	CHECK(json_is_null(json_object_get(o, "expiresAt")));
	CHECK(id_is(o, "facebookPageId", page_id(n, 2)));
	CHECK(id_is(o, "businessAccountId", ig_id(n, 2)));
	json_decref(o);
	CHECK(fake_count("fb_exchange") == 2);
	o = flow_req_json(&u, "POST", "/integrations/instagram/refresh", NULL,
	    &st);
	CHECK(st == 400 && strcmp(jstr(o, "error"), "invalid_request") == 0);
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN, u.id, NULL) == 1);
	flow_user_free(&u);
}

/*
 * IGCONNECT_APPSECRET_PROOF_INSTAGRAM=1 adds the proof, with the
 * Instagram app secret, to graph.instagram.com calls: an Instagram
 * Login sync fails without it where the fake requires it, and succeeds
 * with it, with no wrong proof sent.
 */
static void
t_instagram_proof_on_demand(void)
{
	struct flow_user	 u;
	long long		 fails;
	const char		*fake = getenv("IGCONNECT_FAKE_URL");
	char			 ig_url[256];

	/*
	 * The stack points every Meta host at the one fake; the job gets
	 * graph.instagram.com by another name of it, so the proof the
	 * Facebook host always gets cannot stand in for this one.
	 */
	if (!CHECK(fake != NULL && strncmp(fake, "https://127.0.0.1:", 18) ==
	    0))
		return;
	(void)snprintf(ig_url, sizeof(ig_url), "https://localhost:%s",
	    fake + 18);
	CHECK(setenv("IGCONNECT_GRAPH_INSTAGRAM_URL", ig_url, 1) == 0);
	CHECK(fake_reset());
	flow_user_new(&u);
	CHECK(flow_connect(&u, flow_account(0), NULL, NULL) == 200);
	CHECK(fake_post("/_fake/proof", "{\"instagram\":true}") == 200);
	CHECK(db_exec("UPDATE oauth_connections SET lastsyncedat = now() - "
	    "interval '2 days' WHERE " FLOW_CONN, u.id, NULL) == 1);
	fails = fake_stat("proof_failures");
	CHECK(run_job("tools/igconnect-sync") == 0);
	CHECK(fake_stat("proof_failures") > fails);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND lastsyncedat > now() - interval '1 minute'",
	    u.id, NULL) == 0);

	CHECK(db_exec("UPDATE oauth_connections SET syncnextat = NULL, "
	    "syncattempts = 0, syncstate = 'ok' WHERE " FLOW_CONN, u.id,
	    NULL) == 1);
	fails = fake_stat("proof_failures");
	CHECK(setenv("IGCONNECT_APPSECRET_PROOF_INSTAGRAM", "1", 1) == 0);
	CHECK(run_job("tools/igconnect-sync") == 0);
	(void)unsetenv("IGCONNECT_APPSECRET_PROOF_INSTAGRAM");
	(void)setenv("IGCONNECT_GRAPH_INSTAGRAM_URL", fake, 1);
	CHECK(fake_stat("proof_failures") == fails);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND lastsyncedat > now() - interval '1 minute'",
	    u.id, NULL) == 1);
	CHECK(fake_reset());
	flow_user_free(&u);
}

/*
 * Meta's callbacks and deliveries for a Facebook-flavored account: an
 * entry for its business account id links to the connection, and a
 * deauthorize signed_request signed with the Meta app's secret for the
 * Facebook user ends it.
 */
static void
t_fb_callbacks(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(0);
	const char		*secret = getenv("FACEBOOK_APP_SECRET");
	const char		*accts[1];
	json_t			*o = NULL;
	char			 knobs[128], acct[32], json[256], sr[1024];
	char			 form[1200], *body;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	json_decref(o);
	(void)snprintf(acct, sizeof(acct), "%lld", ig_id(n, 1));
	accts[0] = acct;
	body = hook_delivery(accts, 1, 1);
	CHECK(body != NULL && hook_post(body, strlen(body), secret, NULL) ==
	    200);
	free(body);
	CHECK(db_long("SELECT count(*) FROM webhook_entries e JOIN "
	    "oauth_connections c ON c.id = e.connectionid WHERE "
	    "e.accountid = $2 AND c.userid = (SELECT id FROM users WHERE "
	    "externalid = $1)", u.id, acct, NULL) == 1);

	(void)snprintf(json, sizeof(json), "{\"algorithm\":\"HMAC-SHA256\","
	    "\"issued_at\":%lld,\"user_id\":\"%lld\"}",
	    (long long)time(NULL), 10161234567890000LL + n);
	hook_signed_request(sr, sizeof(sr), secret, json);
	(void)snprintf(form, sizeof(form), "signed_request=%s", sr);
	memset(&r, 0, sizeof(r));
	CHECK(http_do("POST", stack_url(HOOK_PATH "/deauthorize"),
	    (const char *const []){ "Content-Type: "
	    "application/x-www-form-urlencoded", NULL }, form, strlen(form),
	    NULL, &r) == 200);
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND status = 'needs_reauth' AND accesstoken IS NULL "
	    "AND refreshtoken IS NULL", u.id, NULL) == 1);
	flow_user_free(&u);
}

/*
 * The jobs on a Page token: the refresh job never touches it; the sync
 * job reads the profile on the Facebook host and debug_token; once the
 * user revokes (190), the sync marks it needs_reauth.
 */
static void
t_fb_jobs(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1), checks, fails;
	json_t			*o = NULL;
	char			 knobs[128], body[128], sealed[1024], v[1024];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	json_decref(o);
	fails = fake_stat("proof_failures");
	checks = fake_stat("proof_checks");

	CHECK(db_val(sealed, sizeof(sealed), "SELECT accesstoken FROM "
	    "oauth_connections WHERE " FLOW_CONN, u.id, NULL) == 1);
	CHECK(run_job("tools/igconnect-refresh") == 0);
	CHECK(db_val(v, sizeof(v), "SELECT accesstoken FROM "
	    "oauth_connections WHERE " FLOW_CONN, u.id, NULL) == 1 &&
	    strcmp(v, sealed) == 0);
	CHECK(db_long("SELECT count(*) FROM connection_history WHERE "
	    FLOW_CONN " AND event <> 'connected'", u.id, NULL) == 0);

	CHECK(db_exec("UPDATE oauth_connections SET lastsyncedat = now() - "
	    "interval '2 days', metadata = metadata - 'dataAccessExpiresAt', "
	    "scopes = '{}' WHERE " FLOW_CONN, u.id, NULL) == 1);
	CHECK(run_job("tools/igconnect-sync") == 0);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND lastsyncedat > now() - interval '1 minute' AND "
	    "metadata ? 'dataAccessExpiresAt' AND 'instagram_basic' = "
	    "ANY (scopes)", u.id, NULL) == 1);
	CHECK(fake_count("debug_token") >= 1);
	CHECK(fake_stat("proof_checks") > checks);
	CHECK(fake_stat("proof_failures") == fails);

	(void)snprintf(body, sizeof(body), "{\"account\":%lld,\"flavor\":"
	    "\"facebook\"}", n);
	CHECK(fake_post("/_fake/revoke", body) == 200);
	CHECK(db_exec("UPDATE oauth_connections SET lastsyncedat = now() - "
	    "interval '2 days' WHERE " FLOW_CONN, u.id, NULL) == 1);
	CHECK(run_job("tools/igconnect-sync") == 0);
	o = flow_req_json(&u, "GET", "/integrations/instagram", NULL, &st);
	CHECK(st == 200 && strcmp(jstr(o, "status"), "needs_reauth") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/*
 * A Facebook-flavored account publishes on graph.facebook.com with its
 * Page token and appsecret_proof, in the business account's path.
 */
static void
t_fb_publish(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1), fails;
	json_t			*o = NULL, *st_json;
	char			 knobs[128], acct[32];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	json_decref(o);
	fails = fake_stat("proof_failures");
	o = flow_req_json(&u, "POST", "/integrations/instagram/media",
	    "{\"imageUrl\":\"https://cdn.example.com/fb.jpg\",\"caption\":"
	    "\"from a Page\"}", &st);
	CHECK(st == 201 && strcmp(jstr(o, "status"), "published") == 0);
	json_decref(o);
	CHECK(fake_stat("proof_failures") == fails);
	(void)snprintf(acct, sizeof(acct), "%lld", ig_id(n, 1));
	st_json = fake_get("/_fake/stats");
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_object_get(st_json, "publishing"), acct), "media")) == 1);
	json_decref(st_json);
	flow_user_free(&u);
}

/* No user or Page token in answers, rows, history or logs. */
static void
t_fb_no_plain_tokens(void)
{
	struct flow_user	 u;
	struct flow_secrets	 s;
	json_t			*o = NULL;
	char			*text, knobs[128];

	memset(&s, 0, sizeof(s));
	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=2"
	    "&fake_linked=2", flow_account(0));
	CHECK(flow_connect_fb(&u, knobs, &o) == 200);
	secrets_from_fake(&s);
	/* The code, the app secret, the user tokens, the Page token. */
	CHECK(s.n >= 4);
	text = o != NULL ? json_dumps(o, 0) : NULL;
	CHECK(text != NULL && !secrets_in(&s, text));
	free(text);
	json_decref(o);
	check_secrets_kept(&s, &u);
	secrets_free(&s);
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_fb_authorize_url),
	TEST(t_fb_connect_second_page),
	TEST(t_fb_account_choice),
	TEST(t_fb_choice_with_code),
	TEST(t_fb_no_instagram_account),
	TEST(t_fb_denied),
	TEST(t_fb_data_access_soon),
	TEST(t_fb_fallback),
	TEST(t_fb_refresh),
	TEST(t_instagram_proof_on_demand),
	TEST(t_fb_callbacks),
	TEST(t_fb_jobs),
	TEST(t_fb_publish),
	TEST(t_fb_no_plain_tokens),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
