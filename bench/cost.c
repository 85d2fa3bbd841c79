/* SPDX-License-Identifier: ISC */
/*
 * cost: the hot pieces of a request, repeated, for instruction counts
 * under valgrind --tool=callgrind (stable where wall-clock time is not).
 * bench/run runs each piece twice, with 1 and 1+N repetitions, and
 * divides the difference by N, so start-up cost cancels out.
 *
 *	bench/cost parse|jwt|json COUNT
 *
 * parse: a POST /oauth/instagram/exchange request read as plain CGI (body
 *        capped and read, JSON parsed, parameters validated);
 * jwt:   ig_jwt_verify() of a caller's HS256 token;
 * json:  a connection row shaped as the API's JSON and serialised.
 * Needs JWT_SECRET and IGCONNECT_TOKEN_KEYS in the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

static const char	body[] = "{\"code\":\"AQBwRrLTNOXxLxLlsyfy2AL8vs9Nozjrss"
    "puSEOUns5DTc5sOcHdTDFaTcUVWggToTswihoMcuPd-Y_Po5SV0H-uairAj3z02R3Q6-MC"
    "8w2USWtWyquqaGfqscU7BZKeFal9#_\",\"state\":\"6_AqNKUCAm4PPnsc1yLlVgPA-O"
    "U2l-odXnafX-TkUoE\"}";

static const struct ig_param	params[] = {
	{ "code", IG_MAX_CODE, ig_valid_token },
	{ "state", IG_STATE_LEN, ig_valid_state },
	{ "error", 64, ig_valid_printable },
	{ "error_description", 512, ig_valid_utf8 },
};

static const struct ig_endpoint	ep = {
	.name = "cost",
	.methods = IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
};

static void
die(const char *what)
{
	fprintf(stderr, "cost: %s\n", what);
	exit(1);
}

/* The request environment and a body on stdin, rewound per parse. */
static void
parse(const struct ig_cfg *cfg, long n)
{
	struct ig_req	*r;
	char		 len[16];
	FILE		*f;

	(void)snprintf(len, sizeof(len), "%zu", sizeof(body) - 1);
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	setenv("CONTENT_LENGTH", len, 1);
	setenv("REQUEST_URI", "/oauth/instagram/exchange", 1);
	setenv("REQUEST_ID", "0123456789abcdef0123456789abcdef", 1);
	if ((f = tmpfile()) == NULL || fputs(body, f) == EOF ||
	    fflush(f) != 0 || dup2(fileno(f), STDIN_FILENO) == -1)
		die("no temporary file");
	for (; n > 0; n--) {
		rewind(stdin);
		if ((r = ig_req_new(NULL, &ep, cfg)) == NULL ||
		    ig_resp_sent(r) || ig_req_get(r, 1) == NULL)
			die("the request did not parse");
		ig_req_free(r);
	}
	fclose(f);
}

static void
jwt(const struct ig_cfg *cfg, long n)
{
	json_t	*claims;
	char	*tok, sub[IG_MAX_USER_ID + 1];

	claims = json_pack("{s:s, s:I, s:I}", "sub", "user-4711", "iat",
	    (json_int_t)time(NULL), "exp", (json_int_t)time(NULL) + 3600);
	if (claims == NULL || ig_jwt_sign(cfg, claims, &tok) != IG_OK)
		die("cannot sign");
	for (; n > 0; n--)
		if (ig_jwt_verify(cfg, tok, time(NULL), sub, sizeof(sub), NULL) !=
		    IG_OK)
			die("the token did not verify");
	free(tok);
	json_decref(claims);
}

/* A connected account as the read path returns it. */
static void
json(const struct ig_cfg *cfg, long n)
{
	struct ig_conn	 c;
	char		 buf[4096], *s;
	size_t		 len;

	memset(&c, 0, sizeof(c));
	c.id = strdup("5b0e7a2c-3d1f-4c8e-9a61-2f7d4b9c0e11");
	c.user_id = strdup("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
	c.status = IG_STATUS_ACTIVE;
	c.flavor = IG_FLAVOR_INSTAGRAM;
	c.token_kind = IG_TOKEN_LONG;
	c.provider_user_id = strdup("27281358591558845");
	c.business_account_id = strdup("17841457215396811");
	c.token = strdup("sealed");
	c.version = strdup("3");
	c.scopes = json_pack("[s,s]", "instagram_business_basic",
	    "instagram_business_content_publish");
	c.metadata = json_pack("{s:s, s:s, s:{s:s, s:s, s:I, s:I, s:I}}",
	    "flavor", "instagram", "tokenKind", "long", "profile",
	    "username", "bench_user", "name", "Bench User", "followersCount",
	    (json_int_t)37010694, "followsCount", (json_int_t)362,
	    "mediaCount", (json_int_t)272);
	c.expires_at = time(NULL) + 50 * 86400;
	c.issued_at = c.connected_at = c.synced_at = time(NULL) - 86400;
	for (; n > 0; n--) {
		json_t	*o = ig_conn_json(cfg, &c, time(NULL));

		if (o == NULL ||
		    (s = ig_json_text(o, buf, sizeof(buf), &len)) == NULL)
			die("no JSON");
		if (s != buf)
			free(s);
		json_decref(o);
	}
	ig_conn_free(&c);
}

int
main(int argc, char *argv[])
{
	struct ig_cfg	 cfg;
	char		 msg[256];
	long		 n;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: cost parse|jwt|json COUNT\n");
		return 2;
	}
	if (ig_cfg_load(&cfg, IG_NEED_AUTH, msg, sizeof(msg)) != IG_OK)
		die(msg);
	ig_log_init("cost", IG_LOG_ERR);
	if (strcmp(argv[1], "parse") == 0)
		parse(&cfg, n);
	else if (strcmp(argv[1], "jwt") == 0)
		jwt(&cfg, n);
	else if (strcmp(argv[1], "json") == 0)
		json(&cfg, n);
	else
		die("no such piece");
	ig_cfg_free(&cfg);
	return 0;
}
