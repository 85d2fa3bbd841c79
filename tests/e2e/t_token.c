/* SPDX-License-Identifier: ISC */
/*
 * t_token.c: callers' tokens made on this side.  igconnect-token prints a
 * JWT that the stack accepts, with the secret from JWT_SECRET, from
 * JWT_SECRET_FILE or from the env file, and that a stack with another
 * secret refuses; the sandbox's /dev/token hands a browser page one for
 * a demo user.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ig.h"

#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define OTHER_SECRET	"CANARY_JWT_not_the_stack_secret_0123456789"

static char	secret[512];		/* the stack's JWT_SECRET */

/*
 * Run igconnect-token with "args" (NULL-terminated, at most 6) and the
 * environment as it is now; its first line into "tok".  Exit status.
 */
static int
token_tool(char *tok, size_t toksz, const char *const *args)
{
	const char	*argv[8] = { "tools/igconnect-token" };
	char		 out[8192];
	size_t		 i;
	int		 rc;

	for (i = 0; args[i] != NULL && i < 6; i++)
		argv[i + 1] = args[i];
	rc = run_capture(argv, "/dev/null", out, sizeof(out));
	out[strcspn(out, "\n")] = '\0';
	(void)snprintf(tok, toksz, "%s", out);
	return rc;
}

/* GET /integrations with "tok" as the Bearer token: the status. */
static long
integrations(const char *tok, json_t **body)
{
	struct http_resp	 r;
	char			 authz[8192];
	const char		*hdrs[] = { authz, NULL };
	long			 st;

	(void)snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok);
	st = http_do("GET", stack_url("/integrations"), hdrs, NULL, 0, NULL,
	    &r);
	if (body != NULL)
		*body = resp_json(&r);
	http_resp_free(&r);
	return st;
}

/* A private file holding "text", for JWT_SECRET_FILE or the env file. */
static int
private_file(const char *path, const char *text)
{
	int	 fd;
	size_t	 n = strlen(text);

	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return 0;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return 0;
	}
	return close(fd) == 0;
}

static void
t_tool_token_accepted(void)
{
	char	 tok[8192];
	json_t	*o;

	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "tok-accepted", NULL }) == 0);
	CHECK(strncmp(tok, "eyJ", 3) == 0 && strchr(tok, ' ') == NULL);
	CHECK(integrations(tok, &o) == 200);
	CHECK(json_object_get(json_object_get(o, "integrations"),
	    "instagram") != NULL);
	json_decref(o);
}

static void
t_tool_wrong_secret(void)
{
	char	 tok[8192];

	setenv("JWT_SECRET", OTHER_SECRET, 1);
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "tok-wrong", NULL }) == 0);
	setenv("JWT_SECRET", secret, 1);
	CHECK(strncmp(tok, "eyJ", 3) == 0);
	CHECK(integrations(tok, NULL) == 401);
}

/* JWT_SECRET_FILE and the env file are read as the programs read them. */
static void
t_tool_secret_sources(void)
{
	char	 tok[8192], path[256], line[600];

	(void)snprintf(path, sizeof(path), "%s/t_token-%ld",
	    env_or_die("IGCONNECT_VAR"), (long)getpid());
	(void)snprintf(line, sizeof(line), "%s\n", secret);
	unsetenv("JWT_SECRET");
	if (CHECK(private_file(path, line))) {
		setenv("JWT_SECRET_FILE", path, 1);
		CHECK(token_tool(tok, sizeof(tok), (const char *const[]){
		    "--sub", "tok-file", NULL }) == 0);
		unsetenv("JWT_SECRET_FILE");
		CHECK(integrations(tok, NULL) == 200);
	}
	(void)snprintf(line, sizeof(line), "# settings\nJWT_SECRET='%s'\n",
	    secret);
	if (CHECK(private_file(path, line))) {
		setenv("IGCONNECT_ENV_FILE", path, 1);
		CHECK(token_tool(tok, sizeof(tok), (const char *const[]){
		    "--sub", "tok-envfile", NULL }) == 0);
		setenv("IGCONNECT_ENV_FILE", "", 1);
		CHECK(integrations(tok, NULL) == 200);
	}
	(void)unlink(path);
	setenv("JWT_SECRET", secret, 1);
	/* No secret anywhere: one line naming it, no token. */
	unsetenv("JWT_SECRET");
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "x", NULL }) == 1);
	CHECK(strstr(tok, "JWT_SECRET") != NULL);
	setenv("JWT_SECRET", secret, 1);
}

/* The "iat" and "exp" of a token's payload into *iat and *exp; 0 if none. */
static int
token_times(const char *tok, json_int_t *iat, json_int_t *exp)
{
	unsigned char	 buf[4096];
	const char	*p, *q;
	size_t		 n;
	json_t		*o;
	int		 ok;

	if ((p = strchr(tok, '.')) == NULL ||
	    (q = strchr(++p, '.')) == NULL ||
	    ig_b64url_dec(buf, sizeof(buf), &n, p, (size_t)(q - p)) != IG_OK ||
	    (o = json_loadb((const char *)buf, n, 0, NULL)) == NULL)
		return 0;
	ok = json_unpack(o, "{s:I, s:I}", "iat", iat, "exp", exp) == 0;
	json_decref(o);
	return ok;
}

static void
t_tool_ttl(void)
{
	struct ig_cfg	 c;
	char		 tok[8192], sub[64];
	json_int_t	 iat, exp;

	/* 5 s: a loaded machine under the sanitizers is slow to ask. */
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "tok-ttl", "--ttl", "5", NULL }) == 0);
	CHECK(integrations(tok, NULL) == 200);
	/*
	 * It lives 5 s, then the 60 s of leeway every verifier allows for
	 * clock skew: checked with the stack's secret at those times
	 * rather than by waiting over a minute for the stack to refuse it
	 * (t_frontend's t_401_says_why shows the stack refusing one).
	 */
	memset(&c, 0, sizeof(c));
	c.jwt_secret = secret;
	c.jwt_secret_len = strlen(secret);
	if (CHECK(token_times(tok, &iat, &exp)) && CHECK(exp - iat == 5)) {
		CHECK(ig_jwt_verify(&c, tok, (time_t)exp + 59, sub,
		    sizeof(sub), NULL) == IG_OK);
		CHECK(strcmp(sub, "tok-ttl") == 0);
		CHECK(ig_jwt_verify(&c, tok, (time_t)exp + 60, sub,
		    sizeof(sub), NULL) == IG_EAUTH);
	}
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "x", "--ttl", "0", NULL }) == 2);
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "x", "--ttl", "1h", NULL }) == 2);
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "a\tb", NULL }) == 2);
	/* Past IGCONNECT_JWT_MAX_TTL (30 days): the programs would refuse it. */
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){ "--sub",
	    "x", "--ttl", "2592001", NULL }) == 2);
	CHECK(token_tool(tok, sizeof(tok), (const char *const[]){
	    NULL }) == 2 && strncmp(tok, "usage: ", 7) == 0);
}

/* GET /dev/token[?query]: the status; the token into "tok" on 200. */
static long
dev_token(const char *query, char *tok, size_t toksz, json_t **body)
{
	struct http_resp	 r;
	char			 path[256];
	json_t			*o;
	long			 st;

	(void)snprintf(path, sizeof(path), "/dev/token%s", query);
	st = http_do("GET", stack_url(path), NULL, NULL, 0, NULL, &r);
	o = resp_json(&r);
	(void)snprintf(tok, toksz, "%s", jstr(o, "token"));
	if (body != NULL)
		*body = o;
	else
		json_decref(o);
	http_resp_free(&r);
	return st;
}

/* The sandbox's dev identity: a token for demo-user, an hour. */
static void
t_dev_token(void)
{
	char	 tok[8192];
	json_t	*o = NULL;

	if (!CHECK(dev_token("", tok, sizeof(tok), &o) == 200))
		return;
	CHECK(strcmp(jstr(o, "sub"), "demo-user") == 0);
	CHECK(json_integer_value(json_object_get(o, "expiresIn")) == 3600);
	json_decref(o);
	CHECK(integrations(tok, NULL) == 200);
}

/* ?sub= names the user: what one token connected, the next one sees. */
static void
t_dev_token_sub(void)
{
	struct flow_user	 u;
	char			 q[128], tok[8192];
	json_t			*o = NULL, *c;
	long long		 n = flow_account(0);

	flow_user_new(&u);
	(void)snprintf(q, sizeof(q), "?sub=%s", u.id);
	if (!CHECK(dev_token(q, tok, sizeof(tok), &o) == 200))
		goto out;
	CHECK(strcmp(jstr(o, "sub"), u.id) == 0);
	json_decref(o);
	free(u.jwt);
	u.jwt = strdup(tok);
	CHECK(flow_connect(&u, n, NULL, NULL) == 200);
	CHECK(dev_token(q, tok, sizeof(tok), NULL) == 200);
	o = NULL;
	CHECK(integrations(tok, &o) == 200);
	c = json_object_get(json_object_get(o, "integrations"), "instagram");
	CHECK(strcmp(jstr(c, "status"), "connected") == 0);
	json_decref(o);
	/* Another user's token does not see it. */
	CHECK(dev_token("?sub=someone-else", tok, sizeof(tok), NULL) == 200);
	o = NULL;
	CHECK(integrations(tok, &o) == 200);
	c = json_object_get(json_object_get(o, "integrations"), "instagram");
	CHECK(strcmp(jstr(c, "status"), "connected") != 0);
	json_decref(o);
out:
	flow_user_free(&u);
}

static void
t_dev_token_refused(void)
{
	char	 tok[8192], q[128];

	CHECK(dev_token("?sub=a%20b", tok, sizeof(tok), NULL) == 400);
	CHECK(dev_token("?sub=a%27b", tok, sizeof(tok), NULL) == 400);
	CHECK(dev_token("?sub=", tok, sizeof(tok), NULL) == 400);
	(void)snprintf(q, sizeof(q), "?sub=%065d", 0);
	CHECK(dev_token(q, tok, sizeof(tok), NULL) == 400);
}

static const struct ig_test tests[] = {
	TEST(t_tool_token_accepted),
	TEST(t_tool_wrong_secret),
	TEST(t_tool_secret_sources),
	TEST(t_tool_ttl),
	TEST(t_dev_token),
	TEST(t_dev_token_sub),
	TEST(t_dev_token_refused),
};

int
main(int argc, char *argv[])
{
	int	 rc;

	(void)snprintf(secret, sizeof(secret), "%s",
	    env_or_die("JWT_SECRET"));
	if (!flow_init())
		return 1;
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	flow_end();
	return rc;
}
