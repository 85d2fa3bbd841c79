/* SPDX-License-Identifier: ISC */
/*
 * meta-deletion: Meta's data deletion callback.  POST
 * /webhooks/instagram/data-deletion with a signed_request deletes the
 * user's connections and webhook entries and answers Meta's
 * {url, confirmation_code}; GET on the same path with ?code= is that
 * status URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"

enum { P_SIGNED_REQUEST, P_CODE };

static const struct ig_param params[] = {
	/* Judged by ig_signed_request(): anything wrong is a 403. */
	[P_SIGNED_REQUEST] = { "signed_request", 4096, ig_valid_any },
	[P_CODE] = { "code", 64, ig_valid_alnum },
};

#define PATH	"/webhooks/instagram/data-deletion"

/*
 * Where the status lives: IGCONNECT_PUBLIC_URL, else this request's own
 * scheme and host (Meta reached us by that name).
 */
static enum ig_err
status_url(struct ig_ctx *ctx, const char *code, char *out, size_t sz)
{
	const char	*host = ig_req_env(ctx->req, "HTTP_HOST");
	const char	*scheme = ig_req_env(ctx->req, "REQUEST_SCHEME");
	int		 n;

	if (ctx->cfg->public_url != NULL)
		n = snprintf(out, sz, "%s%s?code=%s", ctx->cfg->public_url,
		    PATH, code);
	else if (host != NULL && ig_valid_token(host, strlen(host)) &&
	    strlen(host) < 256)
		n = snprintf(out, sz, "%s://%s%s?code=%s", scheme != NULL &&
		    strcmp(scheme, "http") == 0 ? "http" : "https", host, PATH,
		    code);
	else
		return IG_EINPUT;
	return n < 0 || (size_t)n >= sz ? IG_EINPUT : IG_OK;
}

static enum ig_err
erase(struct ig_ctx *ctx)
{
	unsigned char	 rnd[16];
	char		 code[33], url[1536], *user;
	enum ig_err	 er;

	if (ig_signed_request(ctx->cfg, ig_req_get(ctx->req,
	    P_SIGNED_REQUEST), time(NULL), &user) != IG_OK)
		return ig_refuse(ctx->req, IG_EFORBIDDEN,
		    "missing or invalid signed_request");
	if ((er = ig_rand_bytes(rnd, sizeof(rnd))) == IG_OK) {
		ig_hex(code, rnd, sizeof(rnd));
		er = ig_conn_erase(ctx, user, code);
	}
	free(user);
	if (er != IG_OK)
		return er;
	if ((er = status_url(ctx, code, url, sizeof(url))) != IG_OK)
		return ig_refuse(ctx->req, IG_EINPUT,
		    "no usable Host header; set IGCONNECT_PUBLIC_URL");
	return ig_reply(ctx->req, 200, json_pack("{s:s, s:s}", "url", url,
	    "confirmation_code", code));
}

static enum ig_err
report(struct ig_ctx *ctx)
{
	const char	*code = ig_req_get(ctx->req, P_CODE);
	json_t		*body;
	enum ig_err	 er;

	if (code == NULL)
		return ig_refuse(ctx->req, IG_EINPUT, "expected ?code=");
	if ((er = ig_conn_erasure(ctx, code, &body)) == IG_ENOTFOUND)
		return ig_refuse(ctx->req, IG_ENOTFOUND,
		    "no deletion request with this code");
	if (er != IG_OK)
		return er;
	return ig_reply(ctx->req, 200, body);
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	if (ig_req_method(ctx->req) == IG_METHOD_POST)
		return erase(ctx);
	return report(ctx);
}

static const struct ig_endpoint endpoint = {
	.name = "meta-deletion",
	.needs = IG_NEED_DB | IG_NEED_INSTAGRAM,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
