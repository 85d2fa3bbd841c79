/* SPDX-License-Identifier: ISC */
/*
 * signin: sign in with Instagram, where igconnect is the app's login and
 * issues its JWT (seed 000's API serves it, in seed 000's shapes).
 *   GET  ?platform=instagram
 *        {authUrl, state, expiresAt}, and a __Host- cookie that binds
 *        the state to this browser: there is no caller to bind it to
 *   POST {platform, code, state}
 *        {token, user: {id}, connection}
 * The same Instagram account always signs in as the same user,
 * "instagram:" and its app-scoped id, which is also the JWT's "sub":
 * sign-in and connect share one identity.  With
 * IGCONNECT_SIGNIN_STATE=client the front end makes its own state and
 * protects the flow against CSRF itself.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"

#define COOKIE		"__Host-igconnect-signin"
#define PLATFORM	"instagram"

enum { P_PLATFORM, P_CODE, P_STATE };

static const struct ig_param params[] = {
	[P_PLATFORM] = { "platform", 32, ig_valid_printable },
	[P_CODE] = { "code", IG_MAX_CODE, ig_valid_token },
	/* Any printable text, so a bad state is invalid_state. */
	[P_STATE] = { "state", 256, ig_valid_printable },
};

/* Seed 000 lists other platforms; only Instagram is served here. */
static int
platform_ok(const struct ig_ctx *ctx)
{
	const char	*p = ig_req_get(ctx->req, P_PLATFORM);

	return p != NULL && strcmp(p, PLATFORM) == 0;
}

static enum ig_err
start(struct ig_ctx *ctx)
{
	char		 state[IG_STATE_LEN + 1], browser[IG_STATE_LEN + 1];
	char		 expires[21], *url;
	time_t		 exp;
	enum ig_err	 er;

	if ((er = ig_signin_state_new(ctx, ctx->cfg->ig_redirect_uri, state,
	    browser, &exp)) != IG_OK ||
	    (er = ig_insta_authorize_url(ctx->cfg, ctx->cfg->ig_redirect_uri,
	    state, &url)) != IG_OK)
		return er;
	ig_iso8601(expires, exp);
	er = ig_reply(ctx->req, 200, json_pack("{s:s, s:s, s:s}", "authUrl",
	    url, "state", state, "expiresAt", expires));
	free(url);
	if (er == IG_OK)
		er = ig_reply_cookie(ctx->req, COOKIE, browser,
		    (long)(exp - time(NULL)));
	return er;
}

/* The redirect URI of the sign-in's state, once; NULL: refused. */
static enum ig_err
take_state(struct ig_ctx *ctx, char **redirect_uri)
{
	const char	*state = ig_req_get(ctx->req, P_STATE);
	char		 browser[IG_STATE_LEN + 2];
	enum ig_err	 er;

	if (ctx->cfg->signin_client_state) {
		*redirect_uri = ig_strdup(ctx->cfg->ig_redirect_uri);
		return *redirect_uri != NULL ? IG_OK : IG_ENOMEM;
	}
	if (!ig_req_cookie(ctx->req, COOKIE, browser, sizeof(browser)))
		return ig_refuse(ctx->req, IG_ESTATE, "this browser did not "
		    "start the sign-in (its cookie is missing); start again");
	er = ig_signin_state_consume(ctx, state, browser, redirect_uri);
	return er == IG_ENOTFOUND ? IG_ESTATE : er;
}

/* The answer: the app's JWT for the user, who they are, what linked. */
static enum ig_err
signed_in(struct ig_ctx *ctx, const char *user, const struct ig_conn *c)
{
	json_t		*conn;
	char		*jwt;
	enum ig_err	 er;

	if ((er = ig_jwt_mint(ctx->cfg, user, ctx->cfg->signin_ttl,
	    time(NULL), &jwt)) != IG_OK)
		return er == IG_EINPUT ? IG_EUPSTREAM : er;
	if ((conn = ig_conn_json(ctx->cfg, c, time(NULL))) == NULL)
		er = IG_ENOMEM;
	else
		er = ig_reply(ctx->req, 200, json_pack("{s:s, s:{s:s}, s:o}",
		    "token", jwt, "user", "id", user, "connection", conn));
	ig_free_secret(jwt);
	return er;
}

static enum ig_err
finish(struct ig_ctx *ctx)
{
	const char		*code = ig_req_get(ctx->req, P_CODE);
	char			*redirect_uri = NULL;
	struct ig_link_req	 rq;
	struct ig_link_res	 res;
	enum ig_err		 er;

	if (ctx->cfg->jwt_secret == NULL)
		return ig_refuse(ctx->req, IG_ESYS, "sign-in issues JWTs: set "
		    "JWT_SECRET");
	if (code == NULL || ig_req_get(ctx->req, P_STATE) == NULL)
		return ig_refuse(ctx->req, IG_EINPUT, "expected {platform, "
		    "code, state}");
	if ((er = take_state(ctx, &redirect_uri)) != IG_OK)
		return er;
	memset(&rq, 0, sizeof(rq));
	rq.flavor = IG_FLAVOR_INSTAGRAM;
	rq.signin = 1;
	rq.code = code;
	rq.redirect_uri = redirect_uri;
	er = ig_link_account(ctx, &rq, &res);
	free(redirect_uri);
	if (er == IG_OK)
		er = signed_in(ctx, res.user, res.conn);
	else if (er == IG_EMETA || er == IG_ERATELIMIT || er == IG_EUPSTREAM)
		er = ig_refuse_meta(ctx->req, er, &res.merr);
	ig_link_res_free(&res);
	return er;
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	if (!platform_ok(ctx))
		return ig_refuse(ctx->req, IG_EINPUT, "Invalid platform");
	if (ig_req_method(ctx->req) == IG_METHOD_POST)
		return finish(ctx);
	return start(ctx);
}

/* A code or state in a URL leaks to logs and history (RFC 9700 4.3). */
static const char *const in_body[] = { "code", "state", NULL };

static const struct ig_endpoint endpoint = {
	.name = "signin",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM,
	.waits_on_meta = 1,
	.methods = IG_METHOD_GET | IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.body_only = in_body,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
