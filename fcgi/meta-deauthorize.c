/* SPDX-License-Identifier: ISC */
/*
 * meta-deauthorize: POST /webhooks/instagram/deauthorize, Meta's call
 * when a user removes the app.  The signed_request is verified before
 * its payload is read; the user's connections become needs_reauth and
 * their tokens are destroyed.
 */
#include <stdlib.h>
#include <time.h>

#include "ig.h"

enum { P_SIGNED_REQUEST };

static const struct ig_param params[] = {
	/* Judged by ig_signed_request(): anything wrong is a 403. */
	[P_SIGNED_REQUEST] = { "signed_request", 4096, ig_valid_any },
};

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		*user;
	int		 n;
	enum ig_err	 er;

	if (ig_signed_request(ctx->cfg, ig_req_get(ctx->req,
	    P_SIGNED_REQUEST), time(NULL), &user) != IG_OK)
		return ig_refuse(ctx->req, IG_EFORBIDDEN,
		    "missing or invalid signed_request");
	er = ig_conn_deauthorize(ctx, user, &n);
	free(user);
	if (er != IG_OK)
		return er;
	return ig_reply(ctx->req, 200, json_pack("{s:b, s:i}", "ok", 1,
	    "connections", n));
}

static const struct ig_endpoint endpoint = {
	.name = "meta-deauthorize",
	.needs = IG_NEED_DB | IG_NEED_INSTAGRAM,
	.methods = IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
