/* SPDX-License-Identifier: ISC */
/*
 * t_seed001.c: seed 001's front end against the stack, through the
 * compatibility routes of nginx.conf.sample (the local stack enables
 * them) and the fake of Meta: its own paths, bodies and headers (a
 * Bearer JWT, JSON), answered in its own shapes, field by field.  The
 * seed is a Facebook Login app: the login is Facebook's dialog without
 * asking for it.  Then: several Pages and the choice on the same route,
 * a user who never connected, another user's id in a path or a body,
 * the seed's error body with its request id, and no token in any
 * answer, row or log.
 *
 * Fake ids for fake_account=N (tests/fakemeta/README.md): the Page i of
 * the Facebook user is 134895700000000 + 100N + i; a linked Page i
 * holds account N+i-1, IG_ID 17841457215396811+N+i-1, username
 * fake_user_{N+i-1}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define API		"/api/instagram"
#define IMAGE		"https://cdn.example.com/seed001.jpg"

/* Every answer of the seed's routes so far, for the secrets check. */
static char	*heard;
static size_t	 heardlen;

static void
hear(const struct http_resp *r)
{
	size_t	 h = r->headers != NULL ? strlen(r->headers) : 0;
	char	*p;

	if ((p = realloc(heard, heardlen + h + r->len + 1)) == NULL)
		return;
	heard = p;
	memcpy(heard + heardlen, r->headers != NULL ? r->headers : "", h);
	memcpy(heard + heardlen + h, r->body != NULL ? r->body : "", r->len);
	heardlen += h + r->len;
	heard[heardlen] = '\0';
}

/*
 * A request as the seed's front end makes it: "Authorization: Bearer"
 * with the user's JWT ("authz" non-NULL replaces that line, "" sends
 * none), a JSON body.  The status; the answer in "r".
 */
static long
call_authz(const struct flow_user *u, const char *authz, const char *method,
    const char *path, const char *body, struct http_resp *r)
{
	long	st;

	st = flow_req_authz(u, authz, method, path, NULL, body, r);
	hear(r);
	return st;
}

static long
call(const struct flow_user *u, const char *method, const char *path,
    const char *body, struct http_resp *r)
{
	return call_authz(u, NULL, method, path, body, r);
}

/* call() with the answer parsed (new reference, or NULL). */
static json_t *
call_json(const struct flow_user *u, const char *method, const char *path,
    const char *body, long *status)
{
	struct http_resp	 r;
	json_t			*o;

	*status = call(u, method, path, body, &r);
	o = resp_json(&r);
	http_resp_free(&r);
	return o;
}

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

/* Member "k" of "o" is the string of the number "want". */
static int
id_is(const json_t *o, const char *k, long long want)
{
	char	buf[32];

	(void)snprintf(buf, sizeof(buf), "%lld", want);
	return json_is_string(json_object_get(o, k)) &&
	    strcmp(jstr(o, k), buf) == 0;
}

/* Member "k" of "o" is the string "want". */
static int
str_is(const json_t *o, const char *k, const char *want)
{
	return json_is_string(json_object_get(o, k)) &&
	    strcmp(jstr(o, k), want) == 0;
}

/*
 * CHECK that "r" is the seed's error: status "status", exactly
 * {success: false, message, error: "code", requestId} plus "extra"
 * members of the error, requestId the X-Request-Id, not stored.
 */
static void
check_failure(const struct http_resp *r, long status, const char *code,
    size_t extra)
{
	json_t	*o = resp_json(r);
	char	 rid[128];

	if (!CHECK(r->status == status))
		printf("  expected %ld %s, got %ld: %.300s\n", status, code,
		    r->status, r->body);
	CHECK(json_is_object(o) && json_object_size(o) == 4 + extra);
	CHECK(json_is_false(json_object_get(o, "success")));
	CHECK(json_is_string(json_object_get(o, "message")) &&
	    jstr(o, "message")[0] != '\0');
	CHECK(str_is(o, "error", code));
	CHECK(json_is_string(json_object_get(o, "requestId")) &&
	    jstr(o, "requestId")[0] != '\0');
	CHECK(resp_header(r, "X-Request-Id", rid, sizeof(rid)) &&
	    strcmp(rid, jstr(o, "requestId")) == 0);
	check_no_store(r);
	json_decref(o);
}

/* call() expecting the seed's error. */
static void
call_fails(const struct flow_user *u, const char *method, const char *path,
    const char *body, long status, const char *code)
{
	struct http_resp	r;

	(void)call(u, method, path, body, &r);
	check_failure(&r, status, code, 0);
	http_resp_free(&r);
}

/*
 * CHECK that "a" is the seed's "instagram" object of fake account "n":
 * "@username", name and picture, and with "info" isConnected and
 * connectedAt too, nothing else.
 */
static void
check_account(const json_t *a, long long n, int info)
{
	char	want[256];

	CHECK(json_is_object(a) && json_object_size(a) == (info ? 5u : 3u));
	(void)snprintf(want, sizeof(want), "@fake_user_%lld", n);
	CHECK(str_is(a, "username", want));
	(void)snprintf(want, sizeof(want), "Fake User %lld", n);
	CHECK(str_is(a, "name", want));
	(void)snprintf(want, sizeof(want), "https://scontent.cdninstagram.com"
	    "/v/t51.2885-19/fake_user_%lld.jpg?_nc_ht=scontent.cdninstagram"
	    ".com&oe=6740A1B2", n);
	CHECK(str_is(a, "profilePictureUrl", want));
	if (info)
		CHECK(iso_near(jstr(a, "connectedAt"), 0, 600));
}

/*
 * GET /api/instagram/oauth-url and log in at the fake with "knobs":
 * the dance's state, URL and code.  1 if both answered.
 */
static int
login(const struct flow_user *u, const char *query, const char *knobs,
    struct flow_dance *d)
{
	char	 path[256];
	json_t	*o;
	long	 st;

	memset(d, 0, sizeof(*d));
	(void)snprintf(path, sizeof(path), API "/oauth-url%s",
	    query != NULL ? query : "");
	o = call_json(u, "GET", path, NULL, &st);
	(void)snprintf(d->state, sizeof(d->state), "%s", jstr(o, "state"));
	(void)snprintf(d->authurl, sizeof(d->authurl), "%s",
	    jstr(o, "oauthUrl"));
	json_decref(o);
	return st == 200 && flow_authorize(d, knobs);
}

/* POST /api/instagram/callback {code, state, userId} as the seed does. */
static json_t *
callback(const struct flow_user *u, const struct flow_dance *d,
    const char *user_id, long *status)
{
	json_t	*b, *o;
	char	*s;

	b = json_pack("{s:s, s:s, s:s}", "code", d->code, "state", d->state,
	    "userId", user_id);
	s = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	o = call_json(u, "POST", API "/callback", s != NULL ? s : "{}",
	    status);
	free(s);
	return o;
}

/* Log in as fake account "n" with "knobs" and call back: 200. */
static int
connect_seed(const struct flow_user *u, long long n, const char *knobs)
{
	struct flow_dance	 d;
	char			 k[256];
	json_t			*o;
	long			 st;

	(void)snprintf(k, sizeof(k), "&fake_account=%lld%s", n,
	    knobs != NULL ? knobs : "");
	if (!login(u, NULL, k, &d) || d.code[0] == '\0')
		return 0;
	o = callback(u, &d, u->id, &st);
	json_decref(o);
	return st == 200;
}

/*
 * CHECK that no token or secret the fake saw since its reset is in any
 * answer heard, or in the user's rows or the logs.
 */
static void
check_no_secrets(const struct flow_user *u)
{
	struct flow_secrets	s;

	memset(&s, 0, sizeof(s));
	secrets_from_fake(&s);
	/* The code, the app secret, the user tokens, the Page token. */
	CHECK(s.n >= 4);
	CHECK(heard != NULL && !secrets_in(&s, heard));
	check_secrets_kept(&s, u);
	secrets_free(&s);
}

static json_t *
info(const struct flow_user *u, const char *whose, long *status)
{
	char	path[256];

	(void)snprintf(path, sizeof(path), API "/info/%s", whose);
	return call_json(u, "GET", path, NULL, status);
}

/* The oauth-url answer: exactly {success, oauthUrl, state}, Facebook's. */
static void
t_seed001_oauth_url(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	json_t			*o;
	char			 v[1024], want[512];
	long			 st;

	flow_user_new(&u);
	CHECK(call(&u, "GET", API "/oauth-url", NULL, &r) == 200);
	check_no_store(&r);
	o = resp_json(&r);
	http_resp_free(&r);
	CHECK(json_is_object(o) && json_object_size(o) == 3);
	CHECK(json_is_true(json_object_get(o, "success")));
	CHECK(json_is_string(json_object_get(o, "state")) &&
	    strlen(jstr(o, "state")) >= 32);
	(void)snprintf(want, sizeof(want), "%s/v26.0/dialog/oauth?",
	    getenv("IGCONNECT_FACEBOOK_WWW_URL"));
	CHECK(strncmp(jstr(o, "oauthUrl"), want, strlen(want)) == 0);
	CHECK(flow_query_param(jstr(o, "oauthUrl"), "client_id", v,
	    sizeof(v)) && strcmp(v, getenv("FACEBOOK_APP_ID")) == 0);
	CHECK(flow_query_param(jstr(o, "oauthUrl"), "state", v, sizeof(v)) &&
	    strcmp(v, jstr(o, "state")) == 0);
	CHECK(flow_query_param(jstr(o, "oauthUrl"), "scope", v, sizeof(v)) &&
	    strstr(v, "instagram_content_publish") != NULL &&
	    strstr(v, "pages_show_list") != NULL);
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_states s JOIN users x ON "
	    "x.id = s.userid WHERE x.externalid = $1 AND s.flavor = "
	    "'facebook'", u.id, NULL) == 1);

	/* A login that names its flavor still gets it. */
	o = call_json(&u, "GET", API "/oauth-url?flavor=instagram", NULL,
	    &st);
	(void)snprintf(want, sizeof(want), "%s/oauth/authorize?",
	    getenv("IGCONNECT_INSTAGRAM_WWW_URL"));
	CHECK(st == 200 && json_is_true(json_object_get(o, "success")));
	CHECK(strncmp(jstr(o, "oauthUrl"), want, strlen(want)) == 0);
	json_decref(o);
	flow_user_free(&u);
}

/*
 * The seed's whole life of a connection: connect, info, publish an
 * image, disconnect, info again.
 */
static void
t_seed001_flow(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	long long		 n = flow_account(0);
	json_t			*o, *j;
	char			 knobs[64], body[512], acct[32];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld", n);
	if (!CHECK(login(&u, NULL, knobs, &d) && d.code[0] != '\0'))
		goto out;
	o = callback(&u, &d, u.id, &st);
	CHECK(st == 200);
	CHECK(json_is_object(o) && json_object_size(o) == 3);
	CHECK(json_is_true(json_object_get(o, "success")));
	CHECK(str_is(o, "message", "Instagram connected successfully"));
	check_account(json_object_get(o, "instagram"), n, 0);
	json_decref(o);
	/* A Facebook Login link: the account of the user's Page. */
	(void)snprintf(acct, sizeof(acct), "%lld", page_id(n, 1));
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND metadata->>'flavor' = 'facebook' AND "
	    "metadata->>'facebookPageId' = $2 AND status = 'active'", u.id,
	    acct, NULL) == 1);

	o = info(&u, u.id, &st);
	CHECK(st == 200);
	CHECK(json_is_object(o) && json_object_size(o) == 2);
	CHECK(json_is_true(json_object_get(o, "success")));
	check_account(json_object_get(o, "instagram"), n, 1);
	CHECK(json_is_true(json_object_get(json_object_get(o, "instagram"),
	    "isConnected")));
	json_decref(o);

	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\",\"imageUrl\":"
	    "\"" IMAGE "\",\"caption\":\"made with seed 001\"}", u.id);
	o = call_json(&u, "POST", API "/publish", body, &st);
	CHECK(st == 201);
	CHECK(json_is_object(o) && json_object_size(o) == 3);
	CHECK(json_is_true(json_object_get(o, "success")));
	CHECK(str_is(o, "message", "Published to Instagram"));
	j = json_object_get(o, "job");
	CHECK(json_is_object(j) && strlen(jstr(j, "jobId")) == 36);
	CHECK(str_is(j, "status", "published"));
	CHECK(str_is(j, "mediaType", "IMAGE"));
	CHECK(json_is_string(json_object_get(j, "mediaId")) &&
	    strspn(jstr(j, "mediaId"), "0123456789") ==
	    strlen(jstr(j, "mediaId")) && jstr(j, "mediaId")[0] != '\0');
	CHECK(strncmp(jstr(j, "permalink"), "https://www.instagram.com/p/",
	    28) == 0);
	CHECK(str_is(json_object_get(j, "request"), "imageUrl", IMAGE));
	CHECK(json_object_get(json_object_get(j, "request"), "userId") ==
	    NULL);
	CHECK(iso_near(jstr(j, "publishedAt"), 0, 600));
	json_decref(o);
	(void)snprintf(acct, sizeof(acct), "%lld", ig_id(n, 1));
	o = fake_get("/_fake/stats");
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_object_get(o, "publishing"), acct), "media")) == 1);
	json_decref(o);

	(void)snprintf(body, sizeof(body), API "/disconnect/%s", u.id);
	o = call_json(&u, "POST", body, NULL, &st);
	CHECK(st == 200);
	CHECK(json_is_object(o) && json_object_size(o) == 2);
	CHECK(json_is_true(json_object_get(o, "success")));
	CHECK(str_is(o, "message", "Instagram disconnected"));
	json_decref(o);
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND status = 'disconnected' AND accesstoken IS NULL",
	    u.id, NULL) == 1);

	/* Disconnected: the same account, isConnected false. */
	o = info(&u, u.id, &st);
	CHECK(st == 200 && json_is_true(json_object_get(o, "success")));
	check_account(json_object_get(o, "instagram"), n, 1);
	CHECK(json_is_false(json_object_get(json_object_get(o, "instagram"),
	    "isConnected")));
	json_decref(o);
	check_no_secrets(&u);
out:
	flow_user_free(&u);
}

/*
 * Meta refuses the image (its container ends in ERROR): 202 as
 * canonical, and no success in the seed's answer.
 */
static void
t_seed001_publish_fails(void)
{
	struct flow_user	 u;
	json_t			*o, *j;
	char			 body[512];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (!CHECK(connect_seed(&u, flow_account(1), NULL)))
		goto out;
	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\",\"imageUrl\":"
	    "\"" IMAGE "?fake_error=2207052\"}", u.id);
	o = call_json(&u, "POST", API "/publish", body, &st);
	CHECK(st == 202);
	CHECK(json_is_object(o) && json_object_size(o) == 4);
	CHECK(json_is_false(json_object_get(o, "success")));
	CHECK(str_is(o, "message", "Publishing to Instagram failed"));
	CHECK(str_is(o, "error", "container_error"));
	j = json_object_get(o, "job");
	CHECK(str_is(j, "status", "failed"));
	CHECK(strstr(jstr(json_object_get(j, "error"), "text"), "2207052") !=
	    NULL);
	CHECK(json_object_get(j, "mediaId") == NULL);
	json_decref(o);
out:
	flow_user_free(&u);
}

/*
 * Two Pages with an account: the seed's error body, with what a choice
 * needs; the choice finished on the seed's callback route.
 */
static void
t_seed001_choice(void)
{
	struct flow_user	 u;
	struct flow_dance	 d;
	struct http_resp	 r;
	long long		 n = flow_account(1);
	json_t			*o, *c, *cands;
	char			 knobs[128], body[2048];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=3"
	    "&fake_linked=1,3", n);
	if (!CHECK(login(&u, NULL, knobs, &d) && d.code[0] != '\0'))
		goto out;
	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\",\"state\":\"%s\","
	    "\"userId\":\"%s\"}", d.code, d.state, u.id);
	(void)call(&u, "POST", API "/callback", body, &r);
	check_failure(&r, 409, "account_choice_required", 3);
	o = resp_json(&r);
	http_resp_free(&r);
	CHECK(strlen(jstr(o, "selection")) == 43);
	CHECK(iso_near(jstr(o, "expiresAt"), 600, 60));
	cands = json_object_get(o, "candidates");
	CHECK(json_array_size(cands) == 2);
	c = json_array_get(cands, 0);
	CHECK(id_is(c, "pageId", page_id(n, 1)));
	CHECK(id_is(c, "businessAccountId", ig_id(n, 1)));
	c = json_array_get(cands, 1);
	CHECK(id_is(c, "pageId", page_id(n, 3)));
	CHECK(id_is(c, "businessAccountId", ig_id(n, 3)));

	(void)snprintf(body, sizeof(body), "{\"selection\":\"%s\",\"pageId\":"
	    "\"%lld\",\"userId\":\"%s\"}", jstr(o, "selection"), page_id(n, 3),
	    u.id);
	json_decref(o);
	o = call_json(&u, "POST", API "/callback", body, &st);
	CHECK(st == 200 && json_is_true(json_object_get(o, "success")));
	CHECK(str_is(o, "message", "Instagram connected successfully"));
	check_account(json_object_get(o, "instagram"), n + 2, 0);
	json_decref(o);
	check_no_secrets(&u);
out:
	flow_user_free(&u);
}

/*
 * Never connected: info is isConnected false with nulls (the seed's
 * front end shows "Connect"); disconnecting or publishing is 404.
 */
static void
t_seed001_never_connected(void)
{
	struct flow_user	 u;
	const json_t		*a;
	json_t			*o;
	char			 path[256], body[256];
	long			 st;

	flow_user_new(&u);
	o = info(&u, u.id, &st);
	CHECK(st == 200);
	CHECK(json_is_object(o) && json_object_size(o) == 2);
	CHECK(json_is_true(json_object_get(o, "success")));
	a = json_object_get(o, "instagram");
	CHECK(json_is_object(a) && json_object_size(a) == 5);
	CHECK(json_is_null(json_object_get(a, "username")));
	CHECK(json_is_null(json_object_get(a, "name")));
	CHECK(json_is_null(json_object_get(a, "profilePictureUrl")));
	CHECK(json_is_false(json_object_get(a, "isConnected")));
	CHECK(json_is_null(json_object_get(a, "connectedAt")));
	json_decref(o);

	(void)snprintf(path, sizeof(path), API "/disconnect/%s", u.id);
	call_fails(&u, "POST", path, NULL, 404, "not_found");
	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\",\"imageUrl\":"
	    "\"" IMAGE "\"}", u.id);
	call_fails(&u, "POST", API "/publish", body, 404, "not_found");
	CHECK(db_long("SELECT count(*) FROM publish_jobs j JOIN users x ON "
	    "x.id = j.userid WHERE x.externalid = $1", u.id, NULL) == 0);
	flow_user_free(&u);
}

/*
 * Another user's id, in a path or a body: 403 in the seed's shape, and
 * nothing done: the other user stays connected, the state stays usable.
 */
static void
t_seed001_other_user(void)
{
	struct flow_user	 u, other;
	struct flow_dance	 d;
	json_t			*o;
	char			 path[256], body[512];
	long			 st;

	CHECK(fake_reset());
	flow_user_new(&u);
	flow_user_new(&other);
	CHECK(connect_seed(&other, flow_account(0), NULL));

	(void)snprintf(path, sizeof(path), API "/info/%s", other.id);
	call_fails(&u, "GET", path, NULL, 403, "forbidden");
	(void)snprintf(path, sizeof(path), API "/disconnect/%s", other.id);
	call_fails(&u, "POST", path, NULL, 403, "forbidden");
	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\",\"imageUrl\":"
	    "\"" IMAGE "\"}", other.id);
	call_fails(&u, "POST", API "/publish", body, 403, "forbidden");
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE "
	    FLOW_CONN " AND status = 'active'", other.id, NULL) == 1);
	CHECK(db_long("SELECT count(*) FROM publish_jobs j JOIN users x ON "
	    "x.id = j.userid WHERE x.externalid = $1", other.id, NULL) == 0);

	/* A callback naming another user is refused before the state. */
	if (CHECK(login(&u, NULL, "&fake_account=3", &d) &&
	    d.code[0] != '\0')) {
		o = callback(&u, &d, other.id, &st);
		CHECK(st == 403 && str_is(o, "error", "forbidden"));
		json_decref(o);
		o = callback(&u, &d, u.id, &st);
		CHECK(st == 200 && json_is_true(json_object_get(o,
		    "success")));
		json_decref(o);
	}
	flow_user_free(&other);
	flow_user_free(&u);
}

/* The seed's error body on each route, with its request id. */
static void
t_seed001_errors(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	char			 body[256];

	flow_user_new(&u);
	(void)call_authz(&u, "", "GET", API "/oauth-url", NULL, &r);
	check_failure(&r, 401, "unauthorized", 0);
	http_resp_free(&r);
	(void)snprintf(body, sizeof(body), "{\"code\":\"AQDx\",\"state\":"
	    "\"no-such-state\",\"userId\":\"%s\"}", u.id);
	call_fails(&u, "POST", API "/callback", body, 400, "invalid_state");
	call_fails(&u, "POST", API "/callback", "{\"code\":", 400,
	    "invalid_request");
	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\"}", u.id);
	call_fails(&u, "POST", API "/callback", body, 400, "invalid_request");
	CHECK(connect_seed(&u, flow_account(1), NULL));
	(void)snprintf(body, sizeof(body), "{\"userId\":\"%s\",\"caption\":"
	    "\"no picture\"}", u.id);
	call_fails(&u, "POST", API "/publish", body, 400, "invalid_request");
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_seed001_oauth_url),
	TEST(t_seed001_flow),
	TEST(t_seed001_publish_fails),
	TEST(t_seed001_choice),
	TEST(t_seed001_never_connected),
	TEST(t_seed001_other_user),
	TEST(t_seed001_errors),
};

int
main(int argc, char *argv[])
{
	int	rc;

	if (!flow_init())
		return 1;
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	flow_end();
	free(heard);
	return rc;
}
