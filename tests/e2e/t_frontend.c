/* SPDX-License-Identifier: ISC */
/*
 * t_frontend.c: answers a front end can act on.  A 401 says why the
 * caller was not taken; a dead Instagram token is not a 401; user ids
 * are what apps use (emails, names in any script); settings typed in a
 * textarea keep their CR LF; a multipart body is refused, not ignored;
 * HEAD on the authorize URL makes no state; a page of an origin in
 * IGCONNECT_CORS_ORIGINS (tests/run sets https://app.example.test) may
 * call the API from a browser, and no other origin may.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

/* GET "path" with the Authorization header line "authz" ("" none). */
static long
get_as(const char *authz, const char *path, struct http_resp *r)
{
	const char	*hdrs[] = { authz, NULL };

	return http_do("GET", stack_url(path), authz[0] != '\0' ? hdrs :
	    NULL, NULL, 0, NULL, r);
}

/* The error_description of "r" holds "want", and no token. */
static void
check_why(struct http_resp *r, const char *want, const char *token)
{
	json_t	*o = resp_json(r);

	check_error(r, 401, "unauthorized");
	if (!CHECK(strstr(jstr(o, "error_description"), want) != NULL))
		printf("  got: %s\n", jstr(o, "error_description"));
	CHECK(token == NULL || strstr(r->body, token) == NULL);
	json_decref(o);
}

static void
t_401_says_why(void)
{
	struct http_resp	 r;
	char			 authz[4096];
	char			*jwt;

	get_as("", "/integrations", &r);
	check_why(&r, "no Authorization header", NULL);
	http_resp_free(&r);
	get_as("Authorization: Basic dTpw", "/integrations", &r);
	check_why(&r, "Bearer", NULL);
	http_resp_free(&r);
	jwt = flow_jwt("u-expired", -600, NULL);
	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s", jwt);
	get_as(authz, "/integrations", &r);
	check_why(&r, "expired", jwt);
	http_resp_free(&r);
	free(jwt);
	jwt = flow_jwt("u-other", 300, "another secret that is long enough 01");
	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s", jwt);
	get_as(authz, "/integrations", &r);
	check_why(&r, "signature", jwt);
	http_resp_free(&r);
	free(jwt);
	/* Further ahead than IGCONNECT_JWT_MAX_TTL (30 days). */
	jwt = flow_jwt("u-long", 31 * 86400, NULL);
	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s", jwt);
	get_as(authz, "/integrations", &r);
	check_why(&r, "IGCONNECT_JWT_MAX_TTL", jwt);
	http_resp_free(&r);
	free(jwt);
}

/* The ids apps really have are callers, and get their users row. */
static void
t_user_ids(void)
{
	static char		 longest[256];
	const char		*ids[] = { "jane+test@example.com",
				    "O'Brien", "\xc3\x89mile \xe6\x97\xa5\xe6\x9c\xac",
				    "auth0|5f7c8ec7c33c6c004bbafe82", longest };
	struct http_resp	 r;
	char			 authz[4096];
	char			*jwt;
	size_t			 i;

	memset(longest, 'x', 255);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		jwt = flow_jwt(ids[i], 300, NULL);
		(void)snprintf(authz, sizeof(authz),
		    "Authorization: Bearer %s", jwt);
		CHECK(get_as(authz, "/integrations", &r) == 200);
		http_resp_free(&r);
		/* The authorize URL makes the users row. */
		if (!CHECK(get_as(authz, "/oauth/instagram/url", &r) == 200))
			printf("  id %zu: %s\n", i, r.body);
		http_resp_free(&r);
		CHECK(db_long("SELECT count(*) FROM users WHERE externalid = $1",
		    ids[i], NULL) == 1);
		free(jwt);
	}
}

/* A textarea's CR LF is kept; other controls are refused by name. */
static void
t_settings_crlf(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	json_t			*o;

	CHECK(fake_reset());
	flow_user_new(&u);
	if (!CHECK(flow_connect(&u, flow_account(0), NULL, NULL) == 200))
		return;
	CHECK(flow_req(&u, "PATCH", "/integrations/instagram/settings", NULL,
	    "{\"keyInformation\":\"line one\\r\\nline two\\r\\n\"}", &r) ==
	    200);
	o = resp_json(&r);
	CHECK(strcmp(jstr(json_object_get(o, "settings"), "keyInformation"),
	    "line one\r\nline two\r\n") == 0);
	json_decref(o);
	http_resp_free(&r);
	flow_req(&u, "PATCH", "/integrations/instagram/settings", NULL,
	    "{\"toneOfVoice\":\"calm\",\"systemPrompt\":\"a\\u0007b\"}", &r);
	check_error(&r, 400, "invalid_request");
	CHECK(strstr(r.body, "systemPrompt") != NULL);
	http_resp_free(&r);
	flow_user_free(&u);
}

/* What PHP's curl sends for an array is refused, saying what to send. */
static void
t_multipart_refused(void)
{
	struct flow_user	u;
	struct http_resp	r;

	flow_user_new(&u);
	flow_req(&u, "POST", "/oauth/instagram/exchange",
	    "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"code\"\r\n\r\nabc\r\n--XyZ--\r\n", &r);
	check_error(&r, 415, "unsupported_media_type");
	CHECK(strstr(r.body, "http_build_query") != NULL);
	http_resp_free(&r);
	flow_user_free(&u);
}

/* HEAD must not have the side effect of a GET: no state is made. */
static void
t_head_makes_no_state(void)
{
	struct flow_user	u;
	struct http_resp	r;
	long long		before;

	flow_user_new(&u);
	before = db_long("SELECT count(*) FROM oauth_states", NULL);
	CHECK(flow_req(&u, "HEAD", "/oauth/instagram/url", NULL, NULL, &r) ==
	    405);
	http_resp_free(&r);
	CHECK(db_long("SELECT count(*) FROM oauth_states", NULL) == before);
	flow_user_free(&u);
}

#define ORIGIN	"https://app.example.test"

/* "method" on "path" with "hdrs"; the value of header "name" or "". */
static long
with_headers(const char *method, const char *path, const char *const *hdrs,
    const char *name, char *val, size_t sz, struct http_resp *r)
{
	long	st = http_do(method, stack_url(path), hdrs, NULL, 0, NULL, r);

	if (!resp_header(r, name, val, sz))
		val[0] = '\0';
	return st;
}

static void
t_cors(void)
{
	const char *const	 ok[] = { "Origin: " ORIGIN, NULL };
	const char *const	 evil[] = { "Origin: https://evil.example",
				    NULL };
	const char *const	 pre[] = { "Origin: " ORIGIN,
				    "Access-Control-Request-Method: PATCH",
				    "Access-Control-Request-Headers: "
				    "authorization, content-type", NULL };
	const char *const	 pre_evil[] = { "Origin: https://evil.example",
				    "Access-Control-Request-Method: PATCH",
				    NULL };
	struct http_resp	 r;
	char			 v[256];

	/* An answer, an error here, an allowed page can read. */
	CHECK(with_headers("GET", "/integrations", ok,
	    "Access-Control-Allow-Origin", v, sizeof(v), &r) == 401);
	CHECK(strcmp(v, ORIGIN) == 0);
	CHECK(resp_header(&r, "Access-Control-Expose-Headers", v,
	    sizeof(v)) && strstr(v, "X-Request-Id") != NULL);
	http_resp_free(&r);
	with_headers("GET", "/integrations", evil,
	    "Access-Control-Allow-Origin", v, sizeof(v), &r);
	CHECK(v[0] == '\0');
	http_resp_free(&r);
	/* Preflights, for an allowed origin and for another. */
	CHECK(with_headers("OPTIONS", "/integrations/instagram/settings", pre,
	    "Access-Control-Allow-Methods", v, sizeof(v), &r) == 204);
	CHECK(strstr(v, "PATCH") != NULL);
	CHECK(resp_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)) &&
	    strcmp(v, ORIGIN) == 0);
	CHECK(resp_header(&r, "Access-Control-Allow-Headers", v, sizeof(v)) &&
	    strstr(v, "Authorization") != NULL);
	http_resp_free(&r);
	CHECK(with_headers("OPTIONS", "/integrations/instagram/settings",
	    pre_evil, "Access-Control-Allow-Origin", v, sizeof(v), &r) ==
	    403);
	CHECK(v[0] == '\0');
	http_resp_free(&r);
}

/*
 * /oauth/ is rate limited per client: a client on 127.254.0.0/16 (the
 * stack limits it like any other) gets JSON 429s with Retry-After once
 * past the burst, whatever X-Forwarded-For it sends; the exempt
 * loopback caller, a backend, does not.
 */
static void
t_rate_limited(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	char			 authz[4096], ra[16], xff[64];
	const char		*hdrs[] = { authz, NULL };
	const char		*spoofed[] = { authz, xff, NULL };
	int			 i, limited = 0, exempt_limited = 0;

	flow_user_new(&u);
	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s",
	    u.jwt);
	for (i = 0; i < 40; i++) {
		if (http_do_from("127.254.0.9", "GET",
		    stack_url("/oauth/instagram/url"), hdrs, NULL, 0, NULL,
		    &r) == 429 && limited++ == 0) {
			check_error(&r, 429, "rate_limited");
			CHECK(resp_header(&r, "Retry-After", ra, sizeof(ra)) &&
			    atoi(ra) > 0);
		}
		http_resp_free(&r);
	}
	for (i = 0; i < 40; i++) {
		exempt_limited += http_do("GET",
		    stack_url("/oauth/instagram/url"), hdrs, NULL, 0, NULL,
		    &r) == 429;
		http_resp_free(&r);
	}
	if (!CHECK(limited > 0))
		printf("  no 429 in 40 requests\n");
	CHECK(exempt_limited == 0);
	/*
	 * A client that names another address in each X-Forwarded-For is
	 * still itself: nginx takes the TCP peer, so the limit holds.
	 */
	limited = 0;
	for (i = 0; i < 40; i++) {
		(void)snprintf(xff, sizeof(xff), "X-Forwarded-For: 10.%d.%d.7",
		    i / 200, i % 200);
		limited += http_do_from("127.254.0.10", "GET",
		    stack_url("/oauth/instagram/url"), spoofed, NULL, 0, NULL,
		    &r) == 429;
		http_resp_free(&r);
	}
	if (!CHECK(limited > 0))
		printf("  no 429 in 40 requests with X-Forwarded-For\n");
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_rate_limited),
	TEST(t_cors),
	TEST(t_401_says_why),
	TEST(t_user_ids),
	TEST(t_settings_crlf),
	TEST(t_multipart_refused),
	TEST(t_head_makes_no_state),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
