/* SPDX-License-Identifier: ISC */
/*
 * webhook: GET and POST /webhooks/instagram (Meta's webhooks docs).  GET is
 * Meta's subscription handshake: the challenge is echoed only for the
 * right verify token, and only if it is alphanumeric.
 * POST is a delivery: its signature over the raw bytes is checked before
 * anything parses them, and it is stored durably before the 200, so an
 * answered delivery is never lost; a database outage answers 503 and
 * Meta delivers again.
 */
#include <string.h>

#include "ig.h"

enum { P_MODE, P_VERIFY_TOKEN, P_CHALLENGE };

static const struct ig_param params[] = {
	/* Anything within its cap: what is wrong is a 403 from verify(). */
	[P_MODE] = { "hub.mode", 64, ig_valid_any },
	[P_VERIFY_TOKEN] = { "hub.verify_token", 512, ig_valid_any },
	[P_CHALLENGE] = { "hub.challenge", 512, ig_valid_any },
};

#define MAX_CHALLENGE	256

static enum ig_err
verify(struct ig_ctx *ctx)
{
	const char	*mode = ig_req_get(ctx->req, P_MODE);
	const char	*token = ig_req_get(ctx->req, P_VERIFY_TOKEN);
	const char	*challenge = ig_req_get(ctx->req, P_CHALLENGE);

	if (mode == NULL || strcmp(mode, "subscribe") != 0 || token == NULL ||
	    !ig_ct_streq(token, ctx->cfg->ig_verify_token) ||
	    challenge == NULL || *challenge == '\0' ||
	    strlen(challenge) > MAX_CHALLENGE ||
	    !ig_valid_alnum(challenge, strlen(challenge)))
		return ig_refuse(ctx->req, IG_EFORBIDDEN,
		    "verification refused");
	return ig_reply_text(ctx->req, 200, challenge);
}

static enum ig_err
deliver(struct ig_ctx *ctx)
{
	size_t		 len;
	const char	*body = ig_req_body(ctx->req, &len);
	int		 fresh;
	enum ig_err	 er;

	/* Two signature headers are one too many: which would count? */
	if (!ig_webhook_signed(ctx->cfg, ig_req_env_once(ctx->req,
	    "HTTP_X_HUB_SIGNATURE_256"), body, len)) {
		ig_log_warnx("webhook delivery with a missing or wrong "
		    "signature refused");
		return ig_refuse(ctx->req, IG_EFORBIDDEN,
		    "missing or invalid X-Hub-Signature-256");
	}
	if ((er = ig_webhook_store(ctx, body, len, &fresh)) != IG_OK)
		return er;
	return ig_reply(ctx->req, 200, json_pack("{s:b, s:b}", "received", 1,
	    "duplicate", !fresh));
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	if (ig_req_method(ctx->req) == IG_METHOD_POST)
		return deliver(ctx);
	return verify(ctx);
}

static const struct ig_endpoint endpoint = {
	.name = "webhook",
	.needs = IG_NEED_DB | IG_NEED_WEBHOOK,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_POST,
	.raw_body = 1,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
