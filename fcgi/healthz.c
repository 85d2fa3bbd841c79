/* SPDX-License-Identifier: ISC */
/*
 * healthz: GET /healthz.  200 {"status":"ok","database":"ok","version"}
 * while PostgreSQL answers, 503 with "database":"unreachable" while it
 * does not; the worker reconnects by itself when it is back.
 */
#include "ig.h"

static enum ig_err
handle(struct ig_ctx *ctx)
{
	int	up = ig_db_ping(ctx->db) == IG_OK;

	return ig_reply(ctx->req, up ? 200 : 503, json_pack("{s:s, s:s, s:s}",
	    "status", up ? "ok" : "error", "database", up ? "ok" :
	    "unreachable", "version", IG_VERSION));
}

static const struct ig_endpoint healthz = {
	.name = "healthz",
	.needs = IG_NEED_DB,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &healthz);
}
