/* SPDX-License-Identifier: ISC */
/*
 * t_publish.c: publishing end to end (publishing docs), through nginx,
 * fcgi/media, PostgreSQL, igconnect-publish and the fake of Meta: an
 * image at once, a reel that processes for a while, a carousel, a story,
 * a scheduled post and its cancellation, one post for three requests of
 * one Idempotency-Key, exactly one post when media_publish's answer is
 * lost after Meta published, two workers over 200 due jobs, the quota,
 * containers that end in ERROR or EXPIRED, bad input that never reaches
 * Meta, and another user's job.  The fake counts containers,
 * media_publish calls and posts per account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define MEDIA	"/integrations/instagram/media"
#define IMG	"\"imageUrl\":\"https://cdn.example.com/p.jpg\""

/* A connected user of fake account "n". */
static int
connected(struct flow_user *u, long long n, const char *knobs)
{
	flow_user_new(u);
	return flow_connect(u, n, knobs, NULL) == 200;
}

static void
account_id(long long n, char *out, size_t sz)
{
	(void)snprintf(out, sz, "%lld", 17841457215396811LL + n);
}

/* POST a publish request, with an Idempotency-Key when "key" is set. */
static json_t *
post(const struct flow_user *u, const char *body, const char *key,
    long *status)
{
	char			 authz[4200], idem[300];
	const char		*h[4];
	struct http_resp	 r;
	json_t			*o;
	size_t			 n = 0;

	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s",
	    u->jwt);
	h[n++] = authz;
	h[n++] = "Content-Type: application/json";
	if (key != NULL) {
		(void)snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
		h[n++] = idem;
	}
	h[n] = NULL;
	*status = flow_http(u->addr, "POST", stack_url(MEDIA), h, body,
	    strlen(body), &r);
	o = resp_json(&r);
	http_resp_free(&r);
	return o;
}

/* The fake's count "what" (containers, media_publish_calls, media). */
static long long
fake_pub(long long n, const char *what)
{
	char		 acct[32];
	json_t		*o = fake_get("/_fake/stats");
	long long	 v;

	account_id(n, acct, sizeof(acct));
	v = json_integer_value(json_object_get(json_object_get(json_object_get(
	    o, "publishing"), acct), what));
	json_decref(o);
	return v;
}

static int
run_worker(void)
{
	const char *const	argv[] = { "tools/igconnect-publish", "--once",
	    NULL };

	return run_cmd(argv);
}

/* Make the user's unfinished jobs due now (real time; the fake has its own). */
static void
due_now(const struct flow_user *u)
{
	CHECK(db_exec("UPDATE publish_jobs SET nextAttemptAt = now(), "
	    "publishAt = LEAST(publishAt, now()) WHERE step IS NOT NULL AND "
	    "userId = (SELECT id FROM users WHERE externalId = $1)", u->id,
	    NULL) >= 0);
}

static json_t *
get_job(const struct flow_user *u, const char *id, long *status)
{
	char	path[128];

	(void)snprintf(path, sizeof(path), MEDIA "/%s", id);
	return flow_req_json(u, "GET", path, NULL, status);
}

static void
t_pub_image(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	long			 st;
	json_t			*o;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	o = post(&u, "{" IMG ",\"caption\":\"Hello #igconnect @friend\","
	    "\"altText\":\"a view\"}", NULL, &st);
	CHECK(st == 201);
	CHECK(strcmp(jstr(o, "status"), "published") == 0);
	CHECK(jstr(o, "mediaId")[0] != '\0');
	CHECK(strncmp(jstr(o, "permalink"), "https://www.instagram.com/p/",
	    28) == 0);
	CHECK(strlen(jstr(o, "jobId")) == 36);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);
	CHECK(fake_pub(n, "media_publish_calls") == 1);
	flow_user_free(&u);
}

/* A reel processes for two minutes of Meta's time: 202, then the worker. */
static void
t_pub_reel_processing(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1);
	long			 st;
	json_t			*o, *g;
	char			 id[64];

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	o = post(&u, "{\"mediaType\":\"REELS\",\"videoUrl\":\"https://cdn."
	    "example.com/r.mp4?fake_secs=120\",\"caption\":\"reel\","
	    "\"shareToFeed\":true,\"thumbOffset\":1500}", NULL, &st);
	CHECK(st == 202 && strcmp(jstr(o, "status"), "processing") == 0);
	(void)snprintf(id, sizeof(id), "%s", jstr(o, "jobId"));
	json_decref(o);
	due_now(&u);
	CHECK(run_worker() == 0);
	g = get_job(&u, id, &st);
	CHECK(st == 200 && strcmp(jstr(g, "status"), "processing") == 0);
	json_decref(g);
	CHECK(fake_post("/_fake/clock", "{\"advance\":180}") == 200);
	due_now(&u);
	CHECK(run_worker() == 0);
	g = get_job(&u, id, &st);
	CHECK(st == 200 && strcmp(jstr(g, "status"), "published") == 0);
	CHECK(strstr(jstr(g, "permalink"), "/reel/") != NULL);
	json_decref(g);
	CHECK(fake_pub(n, "media") == 1);
	flow_user_free(&u);
}

static void
t_pub_carousel_and_story(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	long			 st;
	json_t			*o;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	o = post(&u, "{\"mediaType\":\"CAROUSEL\",\"caption\":\"three\","
	    "\"children\":[{\"imageUrl\":\"https://cdn.example.com/1.jpg\","
	    "\"altText\":\"one\"},{\"imageUrl\":\"https://cdn.example.com/"
	    "2.jpg\"},{\"imageUrl\":\"https://cdn.example.com/3.jpg\"}]}",
	    NULL, &st);
	CHECK(st == 201 && strcmp(jstr(o, "status"), "published") == 0);
	CHECK(json_array_size(json_object_get(o, "containerIds")) == 4);
	json_decref(o);
	CHECK(fake_pub(n, "containers") == 4 && fake_pub(n, "media") == 1);
	o = post(&u, "{\"mediaType\":\"STORIES\"," IMG "}", NULL, &st);
	CHECK(st == 201 && strstr(jstr(o, "permalink"), "/stories/") != NULL);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 2);
	flow_user_free(&u);
}

/*
 * A post for later: nothing before its time, published after; another
 * canceled before it, never published, and not cancelable twice.
 */
static void
t_pub_scheduled(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1);
	long			 st;
	json_t			*o;
	char			 body[256], at[21], id[64], path[128];

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	ig_iso8601(at, time(NULL) + 3600);
	(void)snprintf(body, sizeof(body), "{" IMG ",\"publishAt\":\"%s\"}",
	    at);
	o = post(&u, body, NULL, &st);
	CHECK(st == 202 && strcmp(jstr(o, "status"), "scheduled") == 0);
	CHECK(strcmp(jstr(o, "publishAt"), at) == 0);
	(void)snprintf(id, sizeof(id), "%s", jstr(o, "jobId"));
	json_decref(o);
	CHECK(run_worker() == 0);
	CHECK(fake_pub(n, "containers") == 0);
	due_now(&u);
	CHECK(run_worker() == 0);
	o = get_job(&u, id, &st);
	CHECK(strcmp(jstr(o, "status"), "published") == 0);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);

	o = post(&u, body, NULL, &st);
	(void)snprintf(path, sizeof(path), MEDIA "/%s", jstr(o, "jobId"));
	json_decref(o);
	o = flow_req_json(&u, "DELETE", path, NULL, &st);
	CHECK(st == 200 && strcmp(jstr(o, "status"), "canceled") == 0);
	json_decref(o);
	due_now(&u);
	CHECK(run_worker() == 0);
	CHECK(fake_pub(n, "media") == 1);
	o = flow_req_json(&u, "DELETE", path, NULL, &st);
	CHECK(st == 409 && strcmp(jstr(o, "error"), "conflict") == 0);
	json_decref(o);
	flow_user_free(&u);
}

/* One key, three requests: one job, one post; another body: 409. */
static void
t_pub_idempotency(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	long			 st;
	json_t			*o;
	char			 first[64];
	int			 i;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	first[0] = '\0';
	for (i = 0; i < 3; i++) {
		o = post(&u, "{" IMG ",\"caption\":\"once\"}", "order-4711", &st);
		CHECK(st == 201);
		if (i == 0)
			(void)snprintf(first, sizeof(first), "%s",
			    jstr(o, "jobId"));
		else
			CHECK(strcmp(jstr(o, "jobId"), first) == 0);
		json_decref(o);
	}
	CHECK(fake_pub(n, "media") == 1 && fake_pub(n, "containers") == 1);
	o = post(&u, "{" IMG ",\"caption\":\"twice?\"}", "order-4711", &st);
	CHECK(st == 409 && strcmp(jstr(o, "error"), "conflict") == 0);
	json_decref(o);
	o = post(&u, "{" IMG ",\"caption\":\"once\",\"idempotencyKey\":"
	    "\"other\"}", "order-4711", &st);
	CHECK(st == 400);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);
	flow_user_free(&u);
}

/*
 * media_publish publishes, then its answer is lost: the job reads the
 * container before anything else, finds it PUBLISHED and the post by
 * its caption, and never asks Meta to publish again.
 */
static void
t_pub_lost_answer(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(1);
	long			 st;
	json_t			*o;
	char			 id[64];

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	CHECK(fake_inject("{\"route\":\"media_publish\",\"drop\":true,"
	    "\"after\":true}"));
	o = post(&u, "{" IMG ",\"caption\":\"lost answer\"}", NULL, &st);
	CHECK(st == 202 && strcmp(jstr(o, "status"), "publishing") == 0);
	(void)snprintf(id, sizeof(id), "%s", jstr(o, "jobId"));
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);
	due_now(&u);
	CHECK(run_worker() == 0);
	o = get_job(&u, id, &st);
	CHECK(strcmp(jstr(o, "status"), "published") == 0);
	CHECK(jstr(o, "mediaId")[0] != '\0');
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);
	CHECK(fake_pub(n, "media_publish_calls") == 1);
	flow_user_free(&u);
}

/* Two workers at once over 200 due jobs: each posted exactly once. */
static void
t_pub_two_workers(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	const char *const	 both[] = { "sh", "-c", "tools/igconnect-publish "
	    "--once --batch 7 & tools/igconnect-publish --once --batch 5; "
	    "wait", NULL };
	long			 st;
	json_t			*o;
	char			 body[256], at[21];
	int			 i, ok = 1;

	CHECK(fake_reset());
	CHECK(fake_post("/_fake/quota", "{\"total\":1000}") == 200);
	if (!CHECK(connected(&u, n, NULL)))
		return;
	ig_iso8601(at, time(NULL) + 3600);
	for (i = 0; i < 200 && ok; i++) {
		(void)snprintf(body, sizeof(body), "{" IMG ",\"caption\":"
		    "\"post %d\",\"publishAt\":\"%s\"}", i, at);
		o = post(&u, body, NULL, &st);
		ok = st == 202;
		json_decref(o);
	}
	CHECK(ok);
	due_now(&u);
	CHECK(run_cmd(both) == 0);
	due_now(&u);
	CHECK(run_cmd(both) == 0);
	CHECK(fake_pub(n, "media") == 200);
	CHECK(fake_pub(n, "media_publish_calls") == 200);
	CHECK(fake_pub(n, "containers") == 200);
	CHECK(db_long("SELECT count(*) FROM publish_jobs WHERE status = "
	    "'published' AND userId = (SELECT id FROM users WHERE "
	    "externalId = $1)", u.id, NULL) == 200);
	flow_user_free(&u);
}

/* At Meta's limit: 429 with Retry-After, then published after the reset. */
static void
t_pub_quota(void)
{
	struct flow_user	 u;
	struct http_resp	 r;
	long long		 n = flow_account(1);
	long			 st;
	json_t			*o;
	char			 id[64];

	CHECK(fake_reset());
	CHECK(fake_post("/_fake/quota", "{\"total\":1}") == 200);
	if (!CHECK(connected(&u, n, NULL)))
		return;
	o = post(&u, "{" IMG ",\"caption\":\"first\"}", NULL, &st);
	CHECK(st == 201);
	json_decref(o);
	o = post(&u, "{" IMG ",\"caption\":\"second\"}", NULL, &st);
	CHECK(st == 429 && strcmp(jstr(o, "error"),
	    "publish_limit_reached") == 0);
	CHECK(strcmp(jstr(o, "status"), "scheduled") == 0);
	(void)snprintf(id, sizeof(id), "%s", jstr(o, "jobId"));
	json_decref(o);
	CHECK(fake_pub(n, "media") == 1);
	CHECK(fake_post("/_fake/clock", "{\"advance\":86460}") == 200);
	due_now(&u);
	CHECK(run_worker() == 0);
	memset(&r, 0, sizeof(r));
	o = get_job(&u, id, &st);
	CHECK(strcmp(jstr(o, "status"), "published") == 0);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 2);
	flow_user_free(&u);
}

static void
t_pub_container_fails(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0);
	long			 st;
	json_t			*o;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	o = post(&u, "{\"imageUrl\":\"https://cdn.example.com/x.jpg?"
	    "fake_error=2207052\"}", NULL, &st);
	CHECK(strcmp(jstr(o, "status"), "failed") == 0);
	CHECK(strcmp(jstr(json_object_get(o, "error"), "code"),
	    "container_error") == 0);
	CHECK(strstr(jstr(json_object_get(o, "error"), "text"), "2207052") !=
	    NULL);
	json_decref(o);
	o = post(&u, "{\"imageUrl\":\"https://cdn.example.com/x.jpg?"
	    "fake_expire\"}", NULL, &st);
	if (!CHECK(strcmp(jstr(o, "status"), "failed") == 0))
		printf("  answered %ld: %s %s\n", st, jstr(o, "status"),
		    jstr(json_object_get(o, "error"), "code"));
	CHECK(strcmp(jstr(json_object_get(o, "error"), "code"),
	    "container_expired") == 0);
	json_decref(o);
	CHECK(fake_pub(n, "media") == 0);
	flow_user_free(&u);
}

/* Each bad request: 400 with the error shape, nothing sent to Meta. */
static void
t_pub_bad_input(void)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"imageUrl\":\"http://cdn.example.com/a.jpg\"}",
		"{\"imageUrl\":\"https://user:pw@cdn.example.com/a.jpg\"}",
		"{\"imageUrl\":\"https://127.0.0.1/a.jpg\"}",
		"{\"imageUrl\":\"https://10.1.2.3/a.jpg\"}",
		"{\"imageUrl\":\"https://[::1]/a.jpg\"}",
		"{\"imageUrl\":\"https://localhost/a.jpg\"}",
		"{\"imageUrl\":\"https://192.168.0.9/a.jpg\"}",
		"{\"mediaType\":\"GIF\"," IMG "}",
		"{\"mediaType\":\"REELS\"," IMG "}",
		"{" IMG ",\"videoUrl\":\"https://cdn.example.com/v.mp4\"}",
		"{\"mediaType\":\"CAROUSEL\",\"children\":[{" IMG "}]}",
		"{\"mediaType\":\"CAROUSEL\",\"children\":[{" IMG ",\"caption\":"
		    "\"no\"},{" IMG "}]}",
		"{" IMG ",\"publishAt\":\"2020-01-01T00:00:00Z\"}",
		"{" IMG ",\"publishAt\":\"2099-01-01T00:00:00Z\"}",
		"{" IMG ",\"publishAt\":\"tomorrow\"}",
		"{" IMG ",\"caption\":\"#1 #2 #3 #4 #5 #6 #7 #8 #9 #10 #11 #12 "
		    "#13 #14 #15 #16 #17 #18 #19 #20 #21 #22 #23 #24 #25 #26 #27 "
		    "#28 #29 #30 #31\"}",
		"{" IMG ",\"caption\":\"@a @b @c @d @e @f @g @h @i @j @k @l @m "
		    "@n @o @p @q @r @s @t @u\"}",
		"{" IMG ",\"surprise\":1}",
		"{" IMG ",\"thumbOffset\":-1}",
	};
	struct flow_user	 u;
	long long		 n = flow_account(1);
	char			 big[2400 * 2 + 64];
	long			 st;
	json_t			*o;
	size_t			 i;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, n, NULL)))
		return;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = post(&u, bad[i], NULL, &st);
		if (!CHECK(st == 400 && strcmp(jstr(o, "error"),
		    "invalid_request") == 0 &&
		    jstr(o, "error_description")[0] != '\0'))
			printf("  case %zu\n", i);
		json_decref(o);
	}
	(void)snprintf(big, sizeof(big), "{" IMG ",\"caption\":\"");
	memset(big + strlen(big), 'x', 2201);
	(void)snprintf(big + strlen(big), 8, "\"}");
	o = post(&u, big, NULL, &st);
	CHECK(st == 400);
	json_decref(o);
	CHECK(fake_pub(n, "containers") == 0);
	CHECK(fake_pub(n, "media_publish_calls") == 0);
	flow_user_free(&u);
}

/* Another user's job is not there; a user without the permission: 403. */
static void
t_pub_other_user_and_scope(void)
{
	struct flow_user	 a, b;
	long			 st;
	json_t			*o, *g;
	char			 path[128];

	CHECK(fake_reset());
	if (!CHECK(connected(&a, flow_account(0), NULL)))
		return;
	o = post(&a, "{" IMG "}", NULL, &st);
	(void)snprintf(path, sizeof(path), MEDIA "/%s", jstr(o, "jobId"));
	json_decref(o);
	flow_user_new(&b);
	g = flow_req_json(&b, "GET", path, NULL, &st);
	CHECK(st == 404 && strcmp(jstr(g, "error"), "not_found") == 0);
	json_decref(g);
	g = flow_req_json(&b, "DELETE", path, NULL, &st);
	CHECK(st == 404);
	json_decref(g);
	g = flow_req_json(&a, "GET", MEDIA "?status=published&limit=5", NULL,
	    &st);
	CHECK(st == 200 && json_array_size(json_object_get(g, "jobs")) == 1);
	json_decref(g);
	flow_user_free(&b);
	if (CHECK(connected(&b, flow_account(1), "&fake_permissions="
	    "instagram_business_basic"))) {
		o = post(&b, "{" IMG "}", NULL, &st);
		CHECK(st == 403 && strcmp(jstr(o, "error"),
		    "insufficient_scope") == 0);
		CHECK(strstr(jstr(o, "error_description"),
		    "instagram_business_content_publish") != NULL);
		json_decref(o);
	}
	flow_user_free(&a);
	flow_user_free(&b);
}

static const struct ig_test tests[] = {
	TEST(t_pub_image),
	TEST(t_pub_reel_processing),
	TEST(t_pub_carousel_and_story),
	TEST(t_pub_scheduled),
	TEST(t_pub_idempotency),
	TEST(t_pub_lost_answer),
	TEST(t_pub_two_workers),
	TEST(t_pub_quota),
	TEST(t_pub_container_fails),
	TEST(t_pub_bad_input),
	TEST(t_pub_other_user_and_scope),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
