/* SPDX-License-Identifier: ISC */
/*
 * events: GET /integrations/instagram/events[?limit=N].  The most recent
 * webhook entries Meta sent for the caller's connected account (1 to
 * 100, default 20), newest first, with where the relay is with each:
 * {"events": [{id, object, field, receivedAt, status, isTest, entry}]}.
 */
#include <stdlib.h>

#include "ig.h"

enum { P_LIMIT };

static const struct ig_param params[] = {
	[P_LIMIT] = { "limit", 3, ig_valid_digits },
};

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const char	*limit = ig_req_get(ctx->req, P_LIMIT);
	char		 user[IG_MAX_USER_ID + 1];
	long		 n = limit != NULL ? atol(limit) : 20;
	struct ig_conn	 conn;
	json_t		*events;
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if (n < 1 || n > 100)
		return ig_refuse(ctx->req, IG_EINPUT, "limit is 1 to 100");
	if ((er = ig_conn_get(ctx, user, &conn)) == IG_ENOTFOUND)
		return IG_ENOCONN;
	if (er != IG_OK)
		return er;
	er = ig_webhook_recent(ctx, conn.id, n, &events);
	ig_conn_free(&conn);
	if (er != IG_OK)
		return er;
	return ig_reply(ctx->req, 200, json_pack("{s:o}", "events", events));
}

static const struct ig_endpoint endpoint = {
	.name = "events",
	.needs = IG_NEED_DB | IG_NEED_AUTH,
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
