/* SPDX-License-Identifier: ISC */
/*
 * integrations: GET /integrations.  Every provider's status for the
 * caller: {"integrations": {"instagram": {...}}}, where a user who never
 * connected sees {"status": "disconnected"}.
 */
#include "ig.h"

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		 user[IG_MAX_USER_ID + 1];
	struct ig_conn	 conn;
	json_t		*one;
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	er = ig_conn_get(ctx, user, &conn);
	if (er == IG_ENOTFOUND)
		one = json_pack("{s:s}", "status", "disconnected");
	else if (er == IG_OK) {
		one = ig_conn_json(ctx->cfg, &conn, time(NULL));
		ig_conn_free(&conn);
	} else
		return er;
	if (one == NULL)
		return IG_ENOMEM;
	return ig_reply(ctx->req, 200, json_pack("{s:{s:o}}", "integrations",
	    "instagram", one));
}

static const struct ig_endpoint endpoint = {
	.name = "integrations",
	.needs = IG_NEED_DB | IG_NEED_AUTH,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
