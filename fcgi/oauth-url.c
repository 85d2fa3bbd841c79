/* SPDX-License-Identifier: ISC */
/*
 * oauth-url: GET /oauth/instagram/url[?redirect_uri=URI][&flavor=F].
 * A fresh single-use state bound to the caller, the flavor and the
 * redirect URI, and the login URL carrying it: Instagram Login's
 * authorize page (Instagram Login docs), or with flavor=facebook the
 * Facebook Login dialog (B.1); without flavor, the route's app says
 * which (seed 001's is a Facebook Login app).  The URL is built from
 * configuration only; the one value a caller may choose, the redirect
 * URI, must be on the allow-list exactly.
 */
#include <stdlib.h>

#include "ig.h"

enum { P_REDIRECT_URI, P_FLAVOR };

static const struct ig_param params[] = {
	[P_REDIRECT_URI] = { "redirect_uri", 1024, ig_valid_token },
	[P_FLAVOR] = { "flavor", 16, ig_valid_alnum },
};

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const struct ig_cfg	*cfg = ctx->cfg;
	const char		*redirect = ig_req_get(ctx->req, P_REDIRECT_URI);
	const char		*flavor_name = ig_req_get(ctx->req, P_FLAVOR);
	enum ig_flavor		 flavor;
	char			 user[IG_MAX_USER_ID + 1], state[IG_STATE_LEN + 1];
	char			 expires[21], *url = NULL;
	time_t			 exp;
	json_t			*body;
	enum ig_err		 er;

	if ((er = ig_auth_caller(cfg, ctx->req, user, sizeof(user))) != IG_OK)
		return er;
	if (flavor_name == NULL)
		flavor = ig_req_flavor(ctx->req);
	else if (!ig_flavor_parse(flavor_name, &flavor))
		return ig_refuse(ctx->req, IG_EINPUT,
		    "flavor must be \"instagram\" or \"facebook\"");
	if (flavor == IG_FLAVOR_FACEBOOK && (cfg->fb_app_id == NULL ||
	    cfg->fb_app_secret == NULL))
		return ig_refuse(ctx->req, IG_EINPUT, "Facebook Login is not "
		    "configured here (FACEBOOK_APP_ID and FACEBOOK_APP_SECRET)");
	if (redirect == NULL)
		redirect = cfg->ig_redirect_uri;
	else if (!ig_redirect_allowed(cfg, redirect))
		return ig_refuse(ctx->req, IG_EINPUT,
		    "redirect_uri is not one of the allowed redirect URIs");
	if ((er = ig_state_new(ctx, user, flavor, redirect, state, &exp)) !=
	    IG_OK)
		return er;
	if (flavor == IG_FLAVOR_FACEBOOK)
		er = ig_fb_authorize_url(cfg, redirect, state, &url);
	else
		er = ig_insta_authorize_url(cfg, redirect, state, &url);
	if (er != IG_OK)
		return er;
	ig_iso8601(expires, exp);
	body = json_pack("{s:s, s:s, s:s}", "authUrl", url, "state", state,
	    "expiresAt", expires);
	free(url);
	return ig_reply(ctx->req, 200, body);
}

static const struct ig_endpoint endpoint = {
	.name = "oauth-url",
	.needs = IG_NEED_DB | IG_NEED_INSTAGRAM | IG_NEED_AUTH,
	/* Not HEAD: each GET makes a state, which a HEAD must not. */
	.methods = IG_METHOD_GET,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
