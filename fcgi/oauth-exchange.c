/* SPDX-License-Identifier: ISC */
/*
 * oauth-exchange: POST /oauth/instagram/exchange with {code, state} (JSON
 * or form), or {state, error, error_description} when the user denied
 * access.  The state is consumed first, in one statement, and nothing
 * reaches Meta unless it was the caller's own live state (SECURITY 4,
 * 11, 18).  Then: code -> short-lived token -> long-lived token -> /me
 * -> one upsert of the sealed token and the profile.  When only the
 * long-lived exchange fails (and not because the token is bad), the
 * short-lived token is kept with its true one-hour life (seed 002's
 * fallback), and a refresh upgrades it later.
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

/* What Meta says a short-lived token lives (graph-api.md A.2). */
#define SHORT_TOKEN_LIFE	3600

static const char	 basic_scope[] = "instagram_business_basic";

/*
 * Step 2, with seed 002's fallback: "*kind" tells which token "*use"
 * (borrowed from "short_tok" or "long_tok") is.  Only a Meta verdict on
 * the token itself (code 190) or a local failure ends the exchange.
 */
static enum ig_err
long_lived_or_fallback(struct ig_ctx *ctx, struct ig_token *short_tok,
    struct ig_token *long_tok, const struct ig_token **use,
    const char **kind, struct ig_meta_error *m)
{
	enum ig_err	er;

	er = ig_insta_long_lived(ctx, short_tok->access_token, long_tok, m);
	if (er == IG_OK) {
		*use = long_tok;
		*kind = "long";
		return IG_OK;
	}
	if ((er == IG_EMETA && m->cls == IG_META_TOKEN) ||
	    (er != IG_EMETA && er != IG_ERATELIMIT && er != IG_EUPSTREAM))
		return er;
	ig_log_warnx("long-lived token exchange failed (%s, Meta code %ld); "
	    "keeping the short-lived token", ig_strerror(er), m->code);
	short_tok->expires_in = SHORT_TOKEN_LIFE;
	*use = short_tok;
	*kind = "short";
	return IG_OK;
}

static enum ig_err
link_account(struct ig_ctx *ctx, const char *user_uuid, const char *code,
    const char *redirect_uri)
{
	struct ig_token		 short_tok, long_tok;
	const struct ig_token	*use = NULL;
	struct ig_profile	 profile;
	struct ig_meta_error	 m;
	struct ig_link		 link;
	struct ig_conn		 conn;
	const char		*kind = NULL;
	enum ig_err		 er;

	memset(&long_tok, 0, sizeof(long_tok));
	memset(&profile, 0, sizeof(profile));
	if ((er = ig_insta_exchange_code(ctx, code, redirect_uri, &short_tok,
	    &m)) != IG_OK)
		return ig_resp_meta(ctx->req, er, &m);
	if (!ig_token_has(&short_tok, basic_scope)) {
		er = ig_resp_error(ctx->req, 400, "insufficient_scope",
		    "the user did not grant instagram_business_basic", 0);
		goto out;
	}
	if ((er = long_lived_or_fallback(ctx, &short_tok, &long_tok, &use,
	    &kind, &m)) != IG_OK ||
	    (er = ig_insta_profile(ctx, use->access_token, &profile, &m)) !=
	    IG_OK) {
		er = ig_resp_meta(ctx->req, er, &m);
		goto out;
	}
	link.user_uuid = user_uuid;
	link.flavor = "instagram";
	link.token_kind = kind;
	link.token = use;
	link.profile = &profile;
	link.scopes = short_tok.permissions;
	if ((er = ig_conn_link(ctx, &link, &conn)) != IG_OK)
		goto out;
	er = ig_resp_conn(ctx, &conn);
	ig_conn_free(&conn);
out:
	ig_token_free(&short_tok);
	ig_token_free(&long_tok);
	ig_profile_free(&profile);
	return er;
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const char	*state = ig_req_get(ctx->req, P_STATE);
	const char	*code = ig_req_get(ctx->req, P_CODE);
	const char	*denied = ig_req_get(ctx->req, P_ERROR);
	char		 user[IG_MAX_USER_ID + 1], uuid[37], clean[IG_MAX_CODE + 1];
	char		*redirect_uri = NULL;
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
	er = ig_state_consume(ctx, user, state, "instagram", uuid,
	    &redirect_uri);
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
		er = link_account(ctx, uuid, clean, redirect_uri);
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
