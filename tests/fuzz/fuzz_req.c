/* SPDX-License-Identifier: ISC */
/*
 * fuzz_req.c: a request as a CGI program gets it, through ig_req_new()
 * itself: variables in the environment, the body on stdin.  An input is
 *
 *	NAME=VALUE lines (the CGI variables below, and ENDPOINT)
 *	an empty line
 *	the body
 *
 * CONTENT_LENGTH is the body's length unless a line sets it.  ENDPOINT
 * picks the parameter table: "params" (the default: every validator),
 * "raw" (a webhook's unparsed body) or "signin" (a route of seed 000's
 * shape with IGCONNECT_COMPAT=seed000).  Then the caller is
 * authenticated in each IGCONNECT_AUTH mode (the Authorization header, a
 * JWT; REMOTE_USER; X-User-Id), the sign-in cookie is read with
 * ig_req_cookie(), and REQUEST_URI's last segment as a route's path id.
 *
 * Why the CGI path rather than a parser entry of its own: it is the code
 * that runs, from CONTENT_LENGTH to the validators, with no change to
 * req.c, and setenv() and a memory stdin (fmemopen) cost microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

/* The variables an input may set; no other reaches the environment. */
static const char *const vars[] = { "REQUEST_METHOD", "QUERY_STRING",
	"CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_URI", "REQUEST_ID",
	"HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_X_USER_ID", "REMOTE_USER",
	"IGCONNECT_COMPAT", "REDIRECT_IGCONNECT_COMPAT" };

static const struct ig_param params[] = {
	{ "hub.mode", 16, ig_valid_alnum },
	{ "state", IG_STATE_LEN, ig_valid_state },
	{ "code", IG_MAX_CODE, ig_valid_token },
	{ "redirect_uri", 2048, ig_valid_printable },
	{ "userId", IG_MAX_USER_ID, ig_valid_user_id },
	{ "limit", 3, ig_valid_digits },
	{ "keyId", 32, ig_valid_key_id },
	{ "caption", 0, ig_valid_text },
	{ "name", 64, ig_valid_utf8 },
	{ "cursor", 36, ig_valid_printable },
	{ "selection", 0, NULL },
	{ "settings", 16, ig_valid_any },
};

static const struct ig_param hub[] = {
	{ "hub.mode", 16, ig_valid_alnum },
	{ "hub.verify_token", 256, ig_valid_printable },
	{ "hub.challenge", 256, ig_valid_alnum },
};

static const struct ig_endpoint endpoints[] = {
	{ .name = "params", .methods = IG_METHOD_GET | IG_METHOD_HEAD |
	    IG_METHOD_POST | IG_METHOD_PUT | IG_METHOD_PATCH |
	    IG_METHOD_DELETE, .params = params,
	    .nparams = sizeof(params) / sizeof(params[0]) },
	{ .name = "raw", .methods = IG_METHOD_GET | IG_METHOD_HEAD |
	    IG_METHOD_POST, .raw_body = 1, .params = hub,
	    .nparams = sizeof(hub) / sizeof(hub[0]) },
	{ .name = "signin", .methods = IG_METHOD_GET | IG_METHOD_POST,
	    .max_body = 256, .params = params,
	    .nparams = sizeof(params) / sizeof(params[0]) },
};

/* Set one "NAME=VALUE" line if NAME is ours; note the endpoint's. */
static void
set_var(const char *line, const struct ig_endpoint **ep)
{
	const char	*eq = strchr(line, '=');
	size_t		 i, n;

	if (eq == NULL)
		return;
	n = (size_t)(eq - line);
	if (n == 8 && strncmp(line, "ENDPOINT", n) == 0) {
		for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
			if (strcmp(eq + 1, endpoints[i].name) == 0)
				*ep = &endpoints[i];
		return;
	}
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strlen(vars[i]) == n && strncmp(line, vars[i], n) == 0)
			(void)setenv(vars[i], eq + 1, 1);
}

/* The request's caller under each IGCONNECT_AUTH. */
static void
authenticate(struct ig_req *r)
{
	static const enum ig_auth_mode	 modes[] = { IG_AUTH_JWT,
	    IG_AUTH_REMOTE_USER, IG_AUTH_NONE };
	struct ig_cfg			 cfg = *fz_cfg();
	char				 user[IG_MAX_USER_ID + 1];
	size_t				 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cfg.auth = modes[i];
		(void)ig_auth_caller(&cfg, r, user, sizeof(user));
	}
}

/* What handlers read of a parsed request. */
static void
read_back(const struct ig_req *r, const struct ig_endpoint *ep)
{
	char		 cookie[IG_STATE_LEN + 1], small[8];
	const char	*uri = getenv("REQUEST_URI");
	char		*id;
	size_t		 i, len;

	for (i = 0; i < ep->nparams; i++)
		(void)ig_req_get(r, i);
	(void)ig_req_body(r, &len);
	(void)ig_req_json(r);
	(void)ig_req_method(r);
	(void)ig_req_env_once(r, "HTTP_X_HUB_SIGNATURE_256");
	(void)ig_req_cookie(r, "__Host-igconnect-signin", cookie,
	    sizeof(cookie));
	(void)ig_req_cookie(r, "b", small, sizeof(small));
	if ((id = ig_req_path_id_parse(uri != NULL ? uri : "")) == NULL)
		abort();
	free(id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ig_endpoint	*ep = &endpoints[0];
	const struct ig_cfg		*cfg = fz_cfg();
	struct ig_req			*r;
	FILE				*in, *saved = stdin;
	char				*line, *body, len[24];
	size_t				 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		(void)unsetenv(vars[i]);
	while (size > 0) {
		line = fz_line(&data, &size);
		if (*line == '\0') {
			free(line);
			break;
		}
		set_var(line, &ep);
		free(line);
	}
	(void)snprintf(len, sizeof(len), "%zu", size);
	(void)setenv("CONTENT_LENGTH", len, 0);
	body = fz_str(data, size);
	/* glibc's stdin may be assigned; the request fread()s from it. */
	if ((in = fmemopen(body, size, "r")) == NULL)
		abort();
	stdin = in;
	if ((r = ig_req_new(NULL, ep, cfg)) == NULL)
		abort();
	stdin = saved;
	fclose(in);
	authenticate(r);
	read_back(r, ep);
	ig_req_free(r);
	free(body);
	return 0;
}
