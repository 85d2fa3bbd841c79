/* SPDX-License-Identifier: ISC */
/*
 * t_events.c: GET /integrations/instagram/events, the connected
 * account's recent webhook entries for a front end to show: newest
 * first, with the relay's status, the caller's own only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "../lib/hook.h"

#define PATH	"/integrations/instagram/events"

/* Connect "u" to a fresh fake account; its professional id into "ig". */
static int
connected(struct flow_user *u, char *ig, size_t sz)
{
	json_t	*o = NULL;
	int	 ok;

	flow_user_new(u);
	ok = flow_connect(u, flow_account(0), NULL, &o) == 200 &&
	    strlen(jstr(o, "businessAccountId")) > 0;
	if (ok)
		(void)snprintf(ig, sz, "%s", jstr(o, "businessAccountId"));
	json_decref(o);
	return ok;
}

/* Meta delivers "n" entries for account "ig". */
static void
deliver(const char *ig, int n)
{
	const char	*accts[] = { ig };
	char		*body = hook_delivery(accts, 1, n);

	CHECK(hook_post(body, strlen(body), env_or_die("INSTAGRAM_APP_SECRET"),
	    NULL) == 200);
	free(body);
}

static void
t_events(void)
{
	struct flow_user	 u, v;
	struct http_resp	 r;
	char			 ig[32], other[32];
	json_t			*o, *e;
	long			 st;

	CHECK(fake_reset());
	if (!CHECK(connected(&u, ig, sizeof(ig)) &&
	    connected(&v, other, sizeof(other))))
		return;
	o = flow_req_json(&u, "GET", PATH, NULL, &st);
	CHECK(st == 200 && json_array_size(json_object_get(o, "events")) == 0);
	json_decref(o);
	deliver(ig, 3);
	deliver(other, 1);
	o = flow_req_json(&u, "GET", PATH "?limit=2", NULL, &st);
	CHECK(st == 200 && json_object_size(o) == 1);
	CHECK(json_array_size(json_object_get(o, "events")) == 2);
	e = json_array_get(json_object_get(o, "events"), 0);
	CHECK(strcmp(jstr(json_object_get(e, "entry"), "id"), ig) == 0);
	CHECK(strcmp(jstr(e, "status"), "pending") == 0);
	CHECK(strcmp(jstr(e, "field"), "comments") == 0);
	CHECK(strcmp(jstr(e, "object"), "instagram") == 0);
	CHECK(json_is_false(json_object_get(e, "isTest")));
	CHECK(iso_near(jstr(e, "receivedAt"), 0, 120));
	/* Newest first: ids are strings, in decreasing order. */
	CHECK(atoll(jstr(e, "id")) > atoll(jstr(json_array_get(
	    json_object_get(o, "events"), 1), "id")));
	json_decref(o);
	o = flow_req_json(&v, "GET", PATH, NULL, &st);
	CHECK(st == 200 && json_array_size(json_object_get(o, "events")) == 1);
	json_decref(o);
	flow_req(&u, "GET", PATH "?limit=101", NULL, NULL, &r);
	check_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	flow_user_free(&u);
	flow_user_free(&v);
	/* Never connected: nothing to show. */
	flow_user_new(&u);
	flow_req(&u, "GET", PATH, NULL, NULL, &r);
	check_error(&r, 404, "not_found");
	http_resp_free(&r);
	flow_user_free(&u);
}

static const struct ig_test tests[] = {
	TEST(t_events),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
