/* SPDX-License-Identifier: ISC */
/*
 * t_req.c: request parsing, caller authentication and the answer layer,
 * driven the way a CGI request arrives: variables in the environment,
 * the body on stdin.  The tests read the status the parser decided with
 * ig_resp_status(), and what ig_answer_send() writes from a file.
 */
#include <sys/socket.h>

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
	    "HTTP_AUTHORIZATION", "HTTP_X_USER_ID", "HTTP_COOKIE",
	    "IGCONNECT_COMPAT", "REDIRECT_IGCONNECT_COMPAT", NULL };
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
	setenv("REMOTE_USER", "bad\tuser", 1);
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

static void
t_cookie(void)
{
	struct ig_req	*r = make("GET", NULL, NULL, NULL);
	char		 v[8];

	CHECK(!ig_req_cookie(r, "__Host-x", v, sizeof(v)));
	setenv("HTTP_COOKIE", "a=1; __Host-xy=2;__Host-x=abc; b=", 1);
	CHECK(ig_req_cookie(r, "__Host-x", v, sizeof(v)) &&
	    strcmp(v, "abc") == 0);
	CHECK(ig_req_cookie(r, "b", v, sizeof(v)) && strcmp(v, "") == 0);
	CHECK(!ig_req_cookie(r, "__Host", v, sizeof(v)));
	/* Twice: which one is ours?  Too long: not ours either. */
	setenv("HTTP_COOKIE", "__Host-x=abc; __Host-x=abd", 1);
	CHECK(!ig_req_cookie(r, "__Host-x", v, sizeof(v)));
	setenv("HTTP_COOKIE", "__Host-x=abcdefgh", 1);
	CHECK(!ig_req_cookie(r, "__Host-x", v, sizeof(v)));
	ig_req_free(r);
}

/* What ig_answer_send() writes for "r" after "er", into "out". */
static void
send_to(struct ig_req *r, enum ig_err er, char *out, size_t sz)
{
	char	 path[] = "/tmp/t_req_out.XXXXXX";
	int	 fd, saved;
	ssize_t	 n;

	fd = mkstemp(path);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	(void)ig_answer_send(r, &cfg, er);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, sz - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

/* A shape named by IGCONNECT_COMPAT must exist: else 500, not a guess. */
static void
t_compat_names(void)
{
	struct ig_req	*r;

	clear_env();
	setenv("REQUEST_METHOD", "GET", 1);
	setenv("IGCONNECT_COMPAT", "seed999", 1);
	r = parse_quietly();
	CHECK(r != NULL && ig_resp_status(r) == 500);
	ig_req_free(r);
	setenv("IGCONNECT_COMPAT", "seed003", 1);
	r = parse_quietly();
	CHECK(r != NULL && !ig_resp_sent(r) && ig_req_compat(r) > 0);
	ig_req_free(r);
	/* Apache's name for it after a rewrite, in CGI mode. */
	unsetenv("IGCONNECT_COMPAT");
	setenv("REDIRECT_IGCONNECT_COMPAT", "seed003", 1);
	r = parse_quietly();
	CHECK(r != NULL && ig_req_compat(r) == ig_compat_find("seed003"));
	ig_req_free(r);
}

/* One error value, answered in the canonical shape and in a seed's. */
static void
t_error_shapes(void)
{
	struct ig_req	*r;
	char		 out[4096], want[128];

	r = make("GET", NULL, NULL, NULL);
	send_to(r, ig_refuse(r, IG_ESTATE, NULL), out, sizeof(out));
	CHECK(strncmp(out, "Status: 400 Bad Request\r\n", 25) == 0);
	CHECK(strstr(out, "\"error\":\"invalid_state\"") != NULL);
	(void)snprintf(want, sizeof(want), "\"request_id\":\"%s\"",
	    ig_req_id(r));
	CHECK(strstr(out, want) != NULL);
	ig_req_free(r);
	setenv("IGCONNECT_COMPAT", "seed003", 1);
	r = parse_quietly();
	send_to(r, ig_refuse(r, IG_ESTATE, "why"), out, sizeof(out));
	CHECK(strstr(out, "{\"ok\":false,\"error\":\"invalid_state\","
	    "\"message\":\"why\",\"requestId\":") != NULL);
	ig_req_free(r);
}

/* Data with a cookie; a handler that gave nothing is a 500. */
static void
t_reply(void)
{
	struct ig_req	*r = make("GET", NULL, NULL, NULL);
	char		 out[4096];

	CHECK(ig_reply(r, 201, json_pack("{s:i}", "n", 1)) == IG_OK);
	CHECK(ig_reply_cookie(r, "__Host-c", "v", 60) == IG_OK);
	send_to(r, IG_OK, out, sizeof(out));
	CHECK(strncmp(out, "Status: 201 Created\r\n", 21) == 0);
	CHECK(strstr(out, "\r\nSet-Cookie: __Host-c=v; Max-Age=60; Path=/; "
	    "Secure; HttpOnly; SameSite=Lax\r\n") != NULL);
	CHECK(strstr(out, "\r\n\r\n{\"n\":1}") != NULL);
	/* Only once. */
	CHECK(ig_answer_send(r, &cfg, IG_OK) != IG_OK);
	ig_req_free(r);
	r = make("GET", NULL, NULL, NULL);
	send_to(r, IG_OK, out, sizeof(out));
	CHECK(strncmp(out, "Status: 500 ", 12) == 0);
	ig_req_free(r);
	/* The database is down: a 503 that says when to come back. */
	r = make("GET", NULL, NULL, NULL);
	send_to(r, IG_EDB, out, sizeof(out));
	CHECK(strncmp(out, "Status: 503 ", 12) == 0);
	CHECK(strstr(out, "\r\nRetry-After: 5\r\n") != NULL);
	ig_req_free(r);
}

/* ig_fcgi_peek() on the bytes "p" (n), the writer's side then shut. */
static int
peek_at(const unsigned char *p, size_t n, size_t *left)
{
	unsigned char	 buf[256];
	ssize_t		 k;
	int		 s[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1 ||
	    (n > 0 && write(s[1], p, n) != (ssize_t)n))
		return -1;
	(void)shutdown(s[1], SHUT_WR);
	r = (int)ig_fcgi_peek(s[0]);
	/* Nothing was taken: libfcgi reads every byte after it. */
	k = read(s[0], buf, sizeof(buf));
	*left = k > 0 ? (size_t)k : 0;
	close(s[0]);
	close(s[1]);
	return r;
}

/* A request's FastCGI records are looked at before libfcgi reads them. */
static void
t_fcgi_peek(void)
{
	/* BEGIN_REQUEST, PARAMS REQUEST_METHOD=GET, end of PARAMS, STDIN. */
#define BEGIN	1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0
#define GET	1, 4, 0, 1, 0, 19, 0, 0, 14, 3, 'R', 'E', 'Q', 'U', 'E', \
		'S', 'T', '_', 'M', 'E', 'T', 'H', 'O', 'D', 'G', 'E', 'T'
#define END	1, 4, 0, 1, 0, 0, 0, 0
#define STDIN	1, 5, 0, 1, 0, 0, 0, 0
	static const unsigned char	 ok[] = { BEGIN, GET, END, STDIN };
	/* Padding, and a 4-byte value length (nginx's form over 127). */
	static const unsigned char	 long_form[] = { BEGIN,
		1, 4, 0, 1, 0, 16, 3, 0, 1, 0x80, 0, 0, 10, 'A',
		'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 0, 0, 0,
		END };
	static const struct {
		const unsigned char	 rec[64];
		size_t			 n;
	} bad[] = {
		/* Lengths libfcgi would add past INT_MAX. */
		{ { BEGIN, 1, 4, 0, 1, 0, 10, 0, 0, 0xd6, 0xd6, 0xd6, 0xd6,
		    0xd6, 0xd6, 0xd6, 0xd6, 'R', 'E', END }, 42 },
		/* A value longer than the parameters. */
		{ { BEGIN, 1, 4, 0, 1, 0, 4, 0, 0, 1, 9, 'A', 'b', END },
		    36 },
		/* A length cut short by the record's end. */
		{ { BEGIN, 1, 4, 0, 1, 0, 3, 0, 0, 1, 0x80, 0, END }, 35 },
		/* PARAMS first; a management record; another request id. */
		{ { GET, END }, 35 },
		{ { 1, 9, 0, 0, 0, 0, 0, 0, BEGIN, GET, END }, 59 },
		{ { BEGIN, 1, 4, 0, 2, 0, 0, 0, 0 }, 24 },
		/* Another version; a STDIN before the end of PARAMS. */
		{ { 2, 1, 0, 1, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, END },
		    24 },
		{ { BEGIN, STDIN, END }, 32 },
		/* The connection ends before the parameters do. */
		{ { BEGIN, GET }, 43 },
		{ { BEGIN, 1, 4 }, 18 },
	};
	size_t	i, left;

	CHECK(peek_at(ok, sizeof(ok), &left) == IG_FCGI_READY &&
	    left == sizeof(ok));
	CHECK(peek_at(long_form, sizeof(long_form), &left) ==
	    IG_FCGI_READY && left == sizeof(long_form));
	CHECK(peek_at(ok, 0, &left) == IG_FCGI_GONE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK(peek_at(bad[i].rec, bad[i].n, &left) ==
		    IG_FCGI_BROKEN && left == bad[i].n))
			printf("  case %zu\n", i);
#undef BEGIN
#undef GET
#undef END
#undef STDIN
}

static const struct ig_test tests[] = {
	TEST(t_cookie),
	TEST(t_compat_names),
	TEST(t_error_shapes),
	TEST(t_reply),
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
	TEST(t_fcgi_peek),
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
