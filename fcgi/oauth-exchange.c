/* SPDX-License-Identifier: ISC */
/*
 * oauth-exchange: POST /oauth/instagram/exchange with {code, state} (JSON
 * or form), or {state, error, error_description} when the user denied
 * access.  The state is consumed first, in one statement, and nothing
 * reaches Meta unless it was the caller's own live state; the state
 * says which flavor's login the code comes from, and ig_link_account()
 * does the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"

enum { P_CODE, P_STATE, P_ERROR, P_ERROR_DESCRIPTION, P_ERROR_REASON };

static const struct ig_param params[] = {
	/* +2: a code pasted with Meta's "#_" suffix (graph-api.md A.1). */
	[P_CODE] = { "code", IG_MAX_CODE + 2, ig_valid_token },
	/* Any printable text, so a bad state is invalid_state, not a 400
	 * about its shape. */
	[P_STATE] = { "state", 256, ig_valid_printable },
	[P_ERROR] = { "error", 128, ig_valid_printable },
	[P_ERROR_DESCRIPTION] = { "error_description", 1024, ig_valid_utf8 },
	[P_ERROR_REASON] = { "error_reason", 128, ig_valid_printable },
};

/* Link the account and answer with the connection or Meta's refusal. */
static enum ig_err
link_and_answer(struct ig_ctx *ctx, enum ig_flavor flavor,
    const char *user_uuid, const char *code, const char *redirect_uri)
{
	struct ig_conn		conn;
	struct ig_meta_error	m;
	enum ig_err		er;

	er = ig_link_account(ctx, flavor, user_uuid, code, redirect_uri,
	    &conn, &m);
	switch (er) {
	case IG_OK:
		er = ig_resp_conn(ctx, &conn);
		ig_conn_free(&conn);
		return er;
	case IG_EMETA:
	case IG_ERATELIMIT:
	case IG_EUPSTREAM:
		return ig_resp_meta(ctx->req, er, &m);
	default:
		return er;
	}
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const char	*state = ig_req_get(ctx->req, P_STATE);
	const char	*code = ig_req_get(ctx->req, P_CODE);
	const char	*denied = ig_req_get(ctx->req, P_ERROR);
	char		 user[IG_MAX_USER_ID + 1], uuid[37], clean[IG_MAX_CODE + 1];
	char		*redirect_uri = NULL;
	enum ig_flavor	 flavor;
	size_t		 n;
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if (state == NULL || (code == NULL && denied == NULL))
		return ig_resp_error(ctx->req, 400, "invalid_request",
		    "expected {code, state} or {state, error}", 0);
	if (code != NULL) {
		n = strlen(code);
		if (n >= 2 && strcmp(code + n - 2, "#_") == 0)
			n -= 2;
		if (n == 0 || n > IG_MAX_CODE)
			return ig_resp_error(ctx->req, 400, "invalid_request",
			    "invalid parameter \"code\"", 0);
		memcpy(clean, code, n);
		clean[n] = '\0';
	}
	er = ig_state_consume(ctx, user, state, uuid, &flavor, &redirect_uri);
	if (er == IG_ENOTFOUND)
		return ig_resp_error(ctx->req, 400, "invalid_state", "the "
		    "state is unknown, expired, already used or not yours; "
		    "start the login again", 0);
	if (er != IG_OK)
		return er;
	/* error_description is Meta's (or anyone's) text: never echoed. */
	if (denied != NULL)
		er = ig_resp_error(ctx->req, 400, "access_denied",
		    "the user did not authorize the app", 0);
	else
		er = link_and_answer(ctx, flavor, uuid, clean, redirect_uri);
	ig_wipe(clean, sizeof(clean));
	free(redirect_uri);
	return er;
}

static const struct ig_endpoint endpoint = {
	.name = "oauth-exchange",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM | IG_NEED_AUTH,
	.waits_on_meta = 1,
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
