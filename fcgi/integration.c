/* SPDX-License-Identifier: ISC */
/*
 * integration: GET and DELETE /integrations/instagram.  GET shows the
 * caller's connection in detail (404 if never connected); DELETE
 * disconnects it: status disconnected and the token columns emptied,
 * idempotently.
 */
#include "ig.h"

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		user[IG_MAX_USER_ID + 1];
	struct ig_conn	conn;
	enum ig_err	er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if (ig_req_method(ctx->req) == IG_METHOD_DELETE)
		er = ig_conn_disconnect(ctx, user, &conn);
	else
		er = ig_conn_get(ctx, user, &conn);
	if (er == IG_ENOTFOUND)
		return IG_ENOCONN;
	if (er != IG_OK)
		return er;
	er = ig_reply_conn(ctx, &conn);
	ig_conn_free(&conn);
	return er;
}

static const struct ig_endpoint endpoint = {
	.name = "integration",
	.needs = IG_NEED_DB | IG_NEED_AUTH,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_DELETE,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
