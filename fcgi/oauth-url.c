/* SPDX-License-Identifier: ISC */
/*
 * oauth-url: GET /oauth/instagram/url[?redirect_uri=URI].  A fresh
 * single-use state bound to the caller and the redirect URI, and the
 * Instagram Login authorize URL carrying it (graph-api.md A.1).  The
 * URL is built from configuration only; the one value a caller may
 * choose, the redirect URI, must be on the allow-list exactly
 * (SECURITY 1, 10).
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"

enum { P_REDIRECT_URI, P_FLAVOR };

static const struct ig_param params[] = {
	[P_REDIRECT_URI] = { "redirect_uri", 1024, ig_valid_token },
	[P_FLAVOR] = { "flavor", 16, ig_valid_alnum },
};

/* 1 if "uri" is one of the comma-separated allowed URIs, byte for byte. */
static int
redirect_allowed(const char *list, const char *uri)
{
	size_t	n = strlen(uri), len;

	for (;;) {
		len = strcspn(list, ",");
		if (len == n && strncmp(list, uri, n) == 0)
			return 1;
		if (list[len] == '\0')
			return 0;
		list += len + 1;
	}
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const struct ig_cfg	*cfg = ctx->cfg;
	const char		*redirect = ig_req_get(ctx->req, P_REDIRECT_URI);
	const char		*flavor = ig_req_get(ctx->req, P_FLAVOR);
	char			 user[IG_MAX_USER_ID + 1], state[IG_STATE_LEN + 1];
	char			 expires[21], *url = NULL;
	time_t			 exp;
	json_t			*body;
	enum ig_err		 er;

	if ((er = ig_auth_caller(cfg, ctx->req, user, sizeof(user))) != IG_OK)
		return er;
	if (flavor != NULL && strcmp(flavor, "instagram") != 0)
		return ig_resp_error(ctx->req, 400, "invalid_request",
		    "flavor must be \"instagram\"", 0);
	if (redirect == NULL)
		redirect = cfg->ig_redirect_uri;
	else if (!redirect_allowed(cfg->redirect_uris, redirect))
		return ig_resp_error(ctx->req, 400, "invalid_request",
		    "redirect_uri is not one of the allowed redirect URIs", 0);
	if ((er = ig_state_new(ctx, user, IG_FLAVOR_INSTAGRAM, redirect, state,
	    &exp)) != IG_OK)
		return er;
	if ((er = ig_insta_authorize_url(cfg, redirect, state, &url)) != IG_OK)
		return er;
	ig_iso8601(expires, exp);
	body = json_pack("{s:s, s:s, s:s}", "authUrl", url, "state", state,
	    "expiresAt", expires);
	free(url);
	if (body == NULL)
		return IG_ENOMEM;
	er = ig_resp_json(ctx->req, 200, body);
	json_decref(body);
	return er;
}

static const struct ig_endpoint endpoint = {
	.name = "oauth-url",
	.needs = IG_NEED_DB | IG_NEED_INSTAGRAM | IG_NEED_AUTH,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
