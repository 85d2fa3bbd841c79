/* SPDX-License-Identifier: ISC */
/*
 * t_http.c: the core Meta client (core/http.c) against the fake of Meta
 * over real TLS: verification with the test CA and without it, https
 * only, connection reuse, both error envelopes and their classes,
 * throttling, 5xx, oversized and malformed replies, a hanging server,
 * ids above 2^53 kept exact from the real code-exchange reply, and a
 * batch mixing form POSTs and a GET.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"

static struct ig_cfg	cfg;

static const char *
fake(void)
{
	return env_or_die("IGCONNECT_FAKE_URL");
}

/* POST a control request to the fake; returns the HTTP status. */
static long
control(const char *path, const char *json)
{
	const char *const	 h[] = { "Content-Type: application/json",
	    NULL };
	char			 url[1024];
	struct http_resp	 r;
	long			 st;

	(void)snprintf(url, sizeof(url), "%s%s", fake(), path);
	st = http_do("POST", url, h, json, strlen(json),
	    env_or_die("IGCONNECT_CA_FILE"), &r);
	http_resp_free(&r);
	return st;
}

static void
inject(const char *json)
{
	CHECK(control("/_fake/inject", json) == 200);
}

/* GET /me with the fake's knobs; the token need not be valid for most. */
static enum ig_err
get_me(struct ig_http *h, const char *token, json_t **reply,
    struct ig_meta_error *m)
{
	const struct ig_kv	q[] = { { "fields", "id,user_id,username" },
	    { "access_token", token }, { NULL, NULL } };

	return ig_http_call(h, fake(), "/v26.0/me", q, NULL, reply, m);
}

static void
t_tls_with_test_ca(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL;

	CHECK(h != NULL);
	CHECK(ig_http_call(h, fake(), "/_fake/clock", NULL, NULL, &reply,
	    NULL) == IG_OK);
	CHECK(json_is_integer(json_object_get(reply, "now")));
	json_decref(reply);
	ig_http_free(h);
}

/* Without our test CA the fake's certificate must not be accepted. */
static void
t_tls_verified_without_ca(void)
{
	struct ig_cfg	 c = cfg;
	struct ig_http	*h;
	json_t		*reply = NULL;

	c.ca_file = NULL;
	h = ig_http_new(&c);
	CHECK(ig_http_call(h, fake(), "/_fake/clock", NULL, NULL, &reply,
	    NULL) == IG_EUPSTREAM);
	CHECK(reply == NULL);
	ig_http_free(h);
}

static void
t_https_only(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL;
	char		 url[512];

	/* Same server, plain http: refused before any byte is sent. */
	(void)snprintf(url, sizeof(url), "http://%s", strstr(fake(), "://") +
	    3);
	CHECK(ig_http_call(h, url, "/_fake/clock", NULL, NULL, &reply,
	    NULL) == IG_EUPSTREAM);
	ig_http_free(h);
}

static void
t_connection_reused(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply;
	int		 i, ok = 1;

	for (i = 0; i < 20; i++) {
		reply = NULL;
		ok &= ig_http_call(h, fake(), "/_fake/clock", NULL, NULL,
		    &reply, NULL) == IG_OK;
		json_decref(reply);
	}
	CHECK(ok);
	CHECK(ig_http_connects(h) == 1);
	ig_http_free(h);
}

static void
t_graph_error_envelope(void)
{
	struct ig_http		*h = ig_http_new(&cfg);
	struct ig_meta_error	 m;
	json_t			*reply = NULL;

	inject("{\"route\":\"me\",\"graph_error\":{\"code\":190,"
	    "\"error_subcode\":460,\"type\":\"OAuthException\","
	    "\"message\":\"The session has been invalidated\"}}");
	CHECK(get_me(h, "IGAAunknown", &reply, &m) == IG_EMETA);
	CHECK(m.code == 190 && m.subcode == 460);
	CHECK(m.cls == IG_META_TOKEN);
	CHECK(strcmp(m.type, "OAuthException") == 0);
	CHECK(strlen(m.fbtrace_id) > 0);
	CHECK(reply == NULL);
	ig_http_free(h);
}

/* api.instagram.com speaks its own envelope (Instagram Login docs). */
static void
t_oauth_error_envelope(void)
{
	struct ig_http		*h = ig_http_new(&cfg);
	struct ig_meta_error	 m;
	json_t			*reply = NULL;
	const struct ig_kv	 form[] = {
	    { "client_id", cfg.ig_app_id },
	    { "client_secret", cfg.ig_app_secret },
	    { "grant_type", "authorization_code" },
	    { "redirect_uri", cfg.ig_redirect_uri },
	    { "code", "AQDnever-issued" }, { NULL, NULL } };

	CHECK(ig_http_call(h, fake(), "/oauth/access_token", NULL, form,
	    &reply, &m) == IG_EMETA);
	CHECK(m.status == 400 && m.code == 400);
	CHECK(m.cls == IG_META_OAUTH);
	CHECK(strcmp(m.type, "OAuthException") == 0);
	ig_http_free(h);
}

static void
t_rate_limit(void)
{
	struct ig_http		*h = ig_http_new(&cfg);
	struct ig_meta_error	 m;
	json_t			*reply = NULL;

	inject("{\"route\":\"me\",\"rate_limit\":true}");
	CHECK(get_me(h, "IGAAx", &reply, &m) == IG_ERATELIMIT);
	CHECK(m.cls == IG_META_RATELIMIT);
	inject("{\"route\":\"me\",\"graph_error\":{\"code\":80002,"
	    "\"type\":\"OAuthException\",\"message\":\"(#80002) There have "
	    "been too many calls to this Instagram account.\"}}");
	CHECK(get_me(h, "IGAAx", &reply, &m) == IG_ERATELIMIT);
	CHECK(m.code == 80002);
	ig_http_free(h);
}

static void
t_server_error_transient(void)
{
	struct ig_http		*h = ig_http_new(&cfg);
	struct ig_meta_error	 m;
	json_t			*reply = NULL;

	inject("{\"route\":\"me\",\"http_status\":500}");
	CHECK(get_me(h, "IGAAx", &reply, &m) == IG_EUPSTREAM);
	ig_http_free(h);
}

static void
t_oversized_reply_capped(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL;

	inject("{\"route\":\"me\",\"oversized\":1048576}");
	CHECK(get_me(h, "IGAAx", &reply, NULL) == IG_EUPSTREAM);
	CHECK(reply == NULL);
	ig_http_free(h);
}

static void
t_malformed_reply(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL;

	inject("{\"route\":\"me\",\"malformed\":true}");
	CHECK(get_me(h, "IGAAx", &reply, NULL) == IG_EUPSTREAM);
	CHECK(reply == NULL);
	ig_http_free(h);
}

/*
 * A 302 from Meta is an answer, not a place to go: the call fails and
 * the Location (a route of the same fake that would answer 200) is
 * never requested.
 */
static void
t_redirect_not_followed(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL, *st = NULL;
	char		 body[1024];
	long		 before = -1, after = -2;

	(void)snprintf(body, sizeof(body), "{\"route\":\"me\",\"redirect\":"
	    "\"%s/v26.0/me?fields=id&access_token=IGAAx\"}", fake());
	inject(body);
	if (ig_http_call(h, fake(), "/_fake/stats", NULL, NULL, &st, NULL) ==
	    IG_OK)
		before = (long)json_integer_value(json_object_get(
		    json_object_get(st, "requests"), "me"));
	json_decref(st);
	st = NULL;
	CHECK(get_me(h, "IGAAx", &reply, NULL) == IG_EUPSTREAM);
	CHECK(reply == NULL);
	if (ig_http_call(h, fake(), "/_fake/stats", NULL, NULL, &st, NULL) ==
	    IG_OK)
		after = (long)json_integer_value(json_object_get(
		    json_object_get(st, "requests"), "me"));
	json_decref(st);
	/* The one call that got the 302, and no second one to follow it. */
	CHECK(after == before + 1);
	ig_http_free(h);
}

/* A server that never answers costs at most the total timeout. */
static void
t_hang_times_out(void)
{
	struct ig_cfg	 c = cfg;
	struct ig_http	*h;
	json_t		*reply = NULL;
	time_t		 t0;

	c.http_timeout = 2;
	h = ig_http_new(&c);
	inject("{\"route\":\"me\",\"hang\":true}");
	t0 = time(NULL);
	CHECK(get_me(h, "IGAAx", &reply, NULL) == IG_EUPSTREAM);
	CHECK(time(NULL) - t0 <= 4);
	ig_http_free(h);
}

/* Follow the fake's authorize redirect and pull the code out of it. */
static int
authorize(char *code, size_t codesz)
{
	char		 url[4096], loc[4096], *p, *e;
	char		*ru;
	struct http_resp r;
	CURL		*c = curl_easy_init();

	ru = curl_easy_escape(c, cfg.ig_redirect_uri, 0);
	(void)snprintf(url, sizeof(url), "%s/oauth/authorize?client_id=%s&"
	    "redirect_uri=%s&response_type=code&scope=instagram_business_basic"
	    "&state=abc&fake_account=3&fake_consent=allow", fake(),
	    cfg.ig_app_id, ru);
	curl_free(ru);
	curl_easy_cleanup(c);
	http_do("GET", url, NULL, NULL, 0, cfg.ca_file, &r);
	if (r.status != 302 || !resp_header(&r, "Location", loc, sizeof(loc)) ||
	    (p = strstr(loc, "code=")) == NULL) {
		http_resp_free(&r);
		return 0;
	}
	p += 5;
	e = p + strcspn(p, "&#");
	(void)snprintf(code, codesz, "%.*s", (int)(e - p), p);
	http_resp_free(&r);
	return 1;
}

/* user_id arrives as a bare number above 2^53 and must stay exact. */
static void
t_big_ids_exact(void)
{
	struct ig_http	*h = ig_http_new(&cfg);
	json_t		*reply = NULL;
	char		 code[1024], *id = NULL;
	const struct ig_kv form[] = {
	    { "client_id", cfg.ig_app_id },
	    { "client_secret", cfg.ig_app_secret },
	    { "grant_type", "authorization_code" },
	    { "redirect_uri", cfg.ig_redirect_uri },
	    { "code", code }, { NULL, NULL } };

	CHECK(authorize(code, sizeof(code)));
	CHECK(ig_http_call(h, fake(), "/oauth/access_token", NULL, form,
	    &reply, NULL) == IG_OK);
	CHECK(json_is_integer(json_object_get(reply, "user_id")));
	CHECK(ig_json_id_dup(reply, "user_id", &id) == IG_OK);
	CHECK(id != NULL && strlen(id) == 17 &&
	    strtoull(id, NULL, 10) > (1ULL << 53));
	/* The fake's account 3 is 27281358591558845 + 3. */
	CHECK(id != NULL && strcmp(id, "27281358591558848") == 0);
	free(id);
	json_decref(reply);
	ig_http_free(h);
}

/* What a batch call came back with. */
struct	got {
	enum ig_err	 er;
	char		*user_id;
	long		 code;
};

static void
on_got(void *arg, enum ig_err er, const json_t *reply,
    const struct ig_meta_error *merr)
{
	struct got	*g = arg;

	g->er = er;
	g->code = merr->code;
	if (er == IG_OK && ig_json_id_dup(reply, "user_id", &g->user_id) !=
	    IG_OK)
		g->er = IG_EUPSTREAM;
}

/* The code exchange as a batch POST of its form, "code" borrowed. */
static void
exchange_call(struct ig_call *c, const char *code)
{
	memset(c, 0, sizeof(*c));
	c->base = fake();
	(void)snprintf(c->path, sizeof(c->path), "/oauth/access_token");
	c->post = 1;
	c->form[0] = (struct ig_kv){ "client_id", cfg.ig_app_id };
	c->form[1] = (struct ig_kv){ "client_secret", cfg.ig_app_secret };
	c->form[2] = (struct ig_kv){ "grant_type", "authorization_code" };
	c->form[3] = (struct ig_kv){ "redirect_uri", cfg.ig_redirect_uri };
	c->form[4] = (struct ig_kv){ "code", code };
}

/*
 * One batch: two code exchanges POSTed at once, one with a code that
 * was never issued, and a GET; each answered as ig_http_call() would.
 */
static void
t_batch_posts(void)
{
	struct ig_http_batch	*b = ig_http_batch_new(&cfg, 4);
	struct ig_call		 c;
	struct got		 got[4];
	char			 code[2][1024];
	size_t			 i;

	memset(got, 0, sizeof(got));
	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(authorize(code[0], sizeof(code[0])));
	CHECK(authorize(code[1], sizeof(code[1])));
	for (i = 0; i < 2; i++) {
		exchange_call(&c, code[i]);
		CHECK(ig_http_batch_add(b, &c, &got[i]) == IG_OK);
	}
	exchange_call(&c, "never-issued");
	CHECK(ig_http_batch_add(b, &c, &got[2]) == IG_OK);
	memset(&c, 0, sizeof(c));
	c.base = fake();
	(void)snprintf(c.path, sizeof(c.path), "/v26.0/me");
	c.query[0] = (struct ig_kv){ "access_token", "IGAAnot-a-token" };
	CHECK(ig_http_batch_add(b, &c, &got[3]) == IG_OK);
	CHECK(ig_http_batch_run(b, on_got) == IG_OK);
	for (i = 0; i < 2; i++)
		CHECK(got[i].er == IG_OK && got[i].user_id != NULL &&
		    strcmp(got[i].user_id, "27281358591558848") == 0);
	CHECK(got[2].er == IG_EMETA);
	CHECK(got[3].er == IG_EMETA && got[3].code == 190);
	for (i = 0; i < 4; i++)
		free(got[i].user_id);
	ig_http_batch_free(b);
}

static const struct ig_test tests[] = {
	TEST(t_tls_with_test_ca),
	TEST(t_tls_verified_without_ca),
	TEST(t_https_only),
	TEST(t_connection_reused),
	TEST(t_graph_error_envelope),
	TEST(t_oauth_error_envelope),
	TEST(t_rate_limit),
	TEST(t_server_error_transient),
	TEST(t_oversized_reply_capped),
	TEST(t_malformed_reply),
	TEST(t_redirect_not_followed),
	TEST(t_hang_times_out),
	TEST(t_big_ids_exact),
	TEST(t_batch_posts),
};

int
main(int argc, char *argv[])
{
	char	msg[256];
	int	rc;

	if (ig_cfg_load(&cfg, IG_NEED_INSTAGRAM, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "%s\n", msg);
		return 2;
	}
	ig_log_init("t_http", IG_LOG_ERR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)control("/_fake/reset", "{}");
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	(void)control("/_fake/reset", "{}");
	ig_cfg_free(&cfg);
	curl_global_cleanup();
	return rc;
}
