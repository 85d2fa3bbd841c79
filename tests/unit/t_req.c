/* SPDX-License-Identifier: ISC */
/*
 * t_req.c: request parsing and caller authentication, driven the way a
 * CGI request arrives: variables in the environment, the body on stdin.
 * The answer the parser writes on an error goes to /dev/null; the tests
 * read its status with ig_resp_status().
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ig.h"
#include "extern.h"
#include "../lib/check.h"

enum { P_MODE, P_STATE, P_CODE, P__MAX };

static const struct ig_param params[P__MAX] = {
	[P_MODE] = { "hub.mode", 16, ig_valid_alnum },
	[P_STATE] = { "state", 43, ig_valid_state },
	[P_CODE] = { "code", 64, ig_valid_token },
};

static const struct ig_endpoint ep = {
	.name = "t_req",
	.methods = IG_METHOD_GET | IG_METHOD_POST,
	.max_body = 256,
	.params = params,
	.nparams = P__MAX,
};

static struct ig_cfg	cfg;
static const char	state[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456";

static void
clear_env(void)
{
	static const char *const vars[] = { "REQUEST_METHOD", "QUERY_STRING",
	    "CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_ID", "REMOTE_USER",
	    "HTTP_AUTHORIZATION", "HTTP_X_USER_ID", NULL };
	size_t	i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
}

/*
 * Parse a request with "method", "query" and "body" (content type
 * "ctype").  The caller frees the request.  Whatever the parser answers
 * is written to /dev/null.
 */
static struct ig_req	*parse_quietly(void);

static struct ig_req *
make(const char *method, const char *query, const char *ctype,
    const char *body)
{
	char		 len[32], path[] = "/tmp/t_req.XXXXXX";
	int		 fd;

	clear_env();
	setenv("REQUEST_METHOD", method, 1);
	if (query != NULL)
		setenv("QUERY_STRING", query, 1);
	if (ctype != NULL)
		setenv("CONTENT_TYPE", ctype, 1);
	if (body != NULL) {
		(void)snprintf(len, sizeof(len), "%zu", strlen(body));
		setenv("CONTENT_LENGTH", len, 1);
	}
	fd = mkstemp(path);
	if (body != NULL && write(fd, body, strlen(body)) < 0)
		return NULL;
	close(fd);
	if (freopen(path, "r", stdin) == NULL)
		return NULL;
	unlink(path);
	return parse_quietly();
}

/* ig_req_new() on the current environment, its answer sent nowhere. */
static struct ig_req *
parse_quietly(void)
{
	struct ig_req	*r;
	int		 out, saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	out = open("/dev/null", O_WRONLY);
	dup2(out, STDOUT_FILENO);
	r = ig_req_new(NULL, &ep, &cfg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(out);
	close(saved);
	return r;
}

static void
t_query_dotted_names(void)
{
	struct ig_req	*r = make("GET", "hub.mode=subscribe&other=1", NULL,
	    NULL);

	CHECK(r != NULL && !ig_resp_sent(r));
	CHECK(r != NULL && strcmp(ig_req_get(r, P_MODE), "subscribe") == 0);
	CHECK(r != NULL && ig_req_get(r, P_STATE) == NULL);
	ig_req_free(r);
}

static void
t_percent_decoded_once(void)
{
	struct ig_req	*r = make("GET", "code=a%252Bb", NULL, NULL);

	CHECK(r != NULL && strcmp(ig_req_get(r, P_CODE), "a%2Bb") == 0);
	ig_req_free(r);
}

static void
t_duplicate_rejected(void)
{
	char		 q[256];
	struct ig_req	*r;

	(void)snprintf(q, sizeof(q), "state=%s&state=%s", state, state);
	r = make("GET", q, NULL, NULL);
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
	/* The same name in the query and in the body is a duplicate too. */
	(void)snprintf(q, sizeof(q), "state=%s", state);
	r = make("POST", q, "application/x-www-form-urlencoded", q);
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
}

static void
t_invalid_and_long_rejected(void)
{
	struct ig_req	*r;

	r = make("GET", "state=short", NULL, NULL);
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
	r = make("GET", "hub.mode=abcdefghijklmnopq", NULL, NULL);	/* 17 */
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
	r = make("GET", "code=a%00b", NULL, NULL);
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
	r = make("GET", "code=%zz", NULL, NULL);
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
}

static void
t_form_body(void)
{
	char		 b[256];
	struct ig_req	*r;

	(void)snprintf(b, sizeof(b), "code=AQD-x_y&state=%s", state);
	r = make("POST", NULL, "application/x-www-form-urlencoded", b);
	CHECK(r != NULL && !ig_resp_sent(r));
	CHECK(r != NULL && strcmp(ig_req_get(r, P_CODE), "AQD-x_y") == 0);
	CHECK(r != NULL && strcmp(ig_req_get(r, P_STATE), state) == 0);
	ig_req_free(r);
}

static void
t_json_body(void)
{
	char		 b[256];
	struct ig_req	*r;

	(void)snprintf(b, sizeof(b), "{\"code\":\"c1\",\"state\":\"%s\","
	    "\"extra\":[1,2]}", state);
	r = make("POST", NULL, "application/json; charset=utf-8", b);
	CHECK(r != NULL && !ig_resp_sent(r));
	CHECK(r != NULL && strcmp(ig_req_get(r, P_CODE), "c1") == 0);
	CHECK(r != NULL && json_is_array(json_object_get(ig_req_json(r),
	    "extra")));
	ig_req_free(r);
	r = make("POST", NULL, "application/json", "{\"code\":5}");
	CHECK(r != NULL && ig_resp_status(r) == 400);	/* not a string */
	ig_req_free(r);
	r = make("POST", NULL, "application/json", "[\"code\"]");
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
	r = make("POST", NULL, "application/json",
	    "{\"code\":\"a\",\"code\":\"b\"}");
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
}

static void
t_body_caps(void)
{
	char		 big[300];
	struct ig_req	*r;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r = make("POST", NULL, "text/plain", big);	/* 299 > 256 */
	CHECK(r != NULL && ig_resp_status(r) == 413);
	ig_req_free(r);
	r = make("POST", NULL, "text/plain", "abc");
	setenv("CONTENT_LENGTH", "-3", 1);
	ig_req_free(r);
	r = parse_quietly();	/* malformed length */
	CHECK(r != NULL && ig_resp_status(r) == 400);
	ig_req_free(r);
}

static void
t_method_not_allowed(void)
{
	struct ig_req	*r = make("DELETE", NULL, NULL, NULL);

	CHECK(r != NULL && ig_resp_status(r) == 405);
	ig_req_free(r);
	r = make("TRACE", NULL, NULL, NULL);
	CHECK(r != NULL && ig_resp_status(r) == 405);
	ig_req_free(r);
}

static void
t_request_id(void)
{
	struct ig_req	*r = make("GET", NULL, NULL, NULL);

	CHECK(r != NULL && strlen(ig_req_id(r)) == 16);
	ig_req_free(r);
	setenv("REQUEST_ID", "bad id\r\nX: y", 1);
	r = parse_quietly();
	CHECK(r != NULL && strchr(ig_req_id(r), '\n') == NULL);
	ig_req_free(r);
	setenv("REQUEST_ID", "0123456789abcdef0123456789abcdef", 1);
	r = parse_quietly();
	CHECK(r != NULL && strcmp(ig_req_id(r),
	    "0123456789abcdef0123456789abcdef") == 0);
	ig_req_free(r);
}

static void
t_auth_jwt(void)
{
	struct ig_req	*r = make("GET", NULL, NULL, NULL);
	json_t		*claims;
	char		*jwt = NULL, hdr[4200], user[IG_MAX_USER_ID + 1];

	cfg.auth = IG_AUTH_JWT;
	claims = json_pack("{s:s, s:I}", "sub", "user-42", "exp",
	    (json_int_t)time(NULL) + 300);
	CHECK(ig_jwt_sign(&cfg, claims, &jwt) == IG_OK);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_EAUTH);
	(void)snprintf(hdr, sizeof(hdr), "Bearer %s", jwt);
	setenv("HTTP_AUTHORIZATION", hdr, 1);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_OK);
	CHECK(strcmp(user, "user-42") == 0);
	setenv("HTTP_AUTHORIZATION", jwt, 1);	/* no "Bearer " */
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_EAUTH);
	/* A JWT in the query is never read. */
	unsetenv("HTTP_AUTHORIZATION");
	setenv("REMOTE_USER", "user-42", 1);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_EAUTH);
	free(jwt);
	json_decref(claims);
	ig_req_free(r);
}

static void
t_auth_remote_user_and_none(void)
{
	struct ig_req	*r = make("GET", NULL, NULL, NULL);
	char		 user[IG_MAX_USER_ID + 1];

	cfg.auth = IG_AUTH_REMOTE_USER;
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_EAUTH);
	setenv("REMOTE_USER", "alice@example.com", 1);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_OK);
	CHECK(strcmp(user, "alice@example.com") == 0);
	setenv("REMOTE_USER", "bad user", 1);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_EAUTH);
	cfg.auth = IG_AUTH_NONE;
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_OK);
	CHECK(strcmp(user, "local") == 0);
	setenv("HTTP_X_USER_ID", "dev-7", 1);
	CHECK(ig_auth_caller(&cfg, r, user, sizeof(user)) == IG_OK);
	CHECK(strcmp(user, "dev-7") == 0);
	cfg.auth = IG_AUTH_JWT;
	ig_req_free(r);
}

static const struct ig_test tests[] = {
	TEST(t_query_dotted_names),
	TEST(t_percent_decoded_once),
	TEST(t_duplicate_rejected),
	TEST(t_invalid_and_long_rejected),
	TEST(t_form_body),
	TEST(t_json_body),
	TEST(t_body_caps),
	TEST(t_method_not_allowed),
	TEST(t_request_id),
	TEST(t_auth_jwt),
	TEST(t_auth_remote_user_and_none),
};

int
main(int argc, char *argv[])
{
	static char	secret[] = "0123456789abcdef0123456789abcdef-test";
	int		rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_body = IG_MAX_BODY;
	cfg.jwt_secret = secret;
	cfg.jwt_secret_len = strlen(secret);
	ig_log_init("t_req", IG_LOG_ERR);
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	clear_env();
	return rc;
}
