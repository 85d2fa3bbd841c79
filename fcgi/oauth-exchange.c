/* SPDX-License-Identifier: ISC */
/*
 * oauth-exchange: POST /oauth/instagram/exchange (JSON or form) with
 *   {code, state[, pageId | instagramAccountId]}  after a login,
 *   {state, error, error_description}             when the user denied,
 *   {selection, pageId | instagramAccountId}      to finish a choice,
 *   {accessToken}                                 a token the front end
 *                                                 got itself, when the
 *                                                 operator allows it,
 *   {code, redirectUri}                           on a route that sends
 *                                                 no state (seed 004).
 * The state is consumed first, in one statement, and nothing reaches
 * Meta unless it was the caller's own live state; the state says which
 * flavor's login the code comes from, and ig_link_account() does the
 * rest for both.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"

enum { P_CODE, P_STATE, P_ERROR, P_ERROR_DESCRIPTION, P_ERROR_REASON,
    P_SELECTION, P_PAGE_ID, P_ACCOUNT_ID, P_ACCESS_TOKEN, P_REDIRECT_URI };

static const struct ig_param params[] = {
	/* +4: a code pasted with Meta's "#_" or "#_=_" (A.1, B.1). */
	[P_CODE] = { "code", IG_MAX_CODE + 4, ig_valid_token },
	/* Any printable text, so a bad state is invalid_state, not a 400
	 * about its shape. */
	[P_STATE] = { "state", 256, ig_valid_printable },
	[P_ERROR] = { "error", 128, ig_valid_printable },
	[P_ERROR_DESCRIPTION] = { "error_description", 1024, ig_valid_utf8 },
	[P_ERROR_REASON] = { "error_reason", 128, ig_valid_printable },
	[P_SELECTION] = { "selection", 256, ig_valid_printable },
	[P_PAGE_ID] = { "pageId", 30, ig_valid_digits },
	[P_ACCOUNT_ID] = { "instagramAccountId", 30, ig_valid_digits },
	[P_ACCESS_TOKEN] = { "accessToken", IG_MAX_TOKEN, ig_valid_token },
	[P_REDIRECT_URI] = { "redirectUri", 1024, ig_valid_token },
};

/* 409 account_choice_required with the candidates and the selection. */
static enum ig_err
ask_choice(struct ig_ctx *ctx, const struct ig_link_res *res)
{
	char	 expires[21];
	json_t	*extra;

	ig_iso8601(expires, res->selection_expires);
	extra = json_pack("{s:s, s:s, s:O}", "selection", res->selection,
	    "expiresAt", expires, "candidates", res->candidates);
	if (extra == NULL)
		return IG_ENOMEM;
	return ig_refuse_with(ctx->req, IG_ECHOICE, NULL, extra);
}

/* Link the account and reply with the connection, or refuse why not. */
static enum ig_err
link_and_answer(struct ig_ctx *ctx, const struct ig_link_req *rq)
{
	struct ig_link_res	res;
	enum ig_err		er;

	switch ((er = ig_link_account(ctx, rq, &res))) {
	case IG_OK:
		er = ig_reply_conn(ctx, res.conn);
		break;
	case IG_EMETA:
		/* Meta's verdict on a front end's token is about the grant. */
		if (rq->client_token != NULL && res.merr.cls == IG_META_TOKEN) {
			er = ig_refuse(ctx->req, IG_EGRANT, "Meta does not "
			    "accept accessToken (unknown, expired or "
			    "revoked); log in with Instagram again");
			break;
		}
		/* FALLTHROUGH */
	case IG_ERATELIMIT:
	case IG_EUPSTREAM:
		er = ig_refuse_meta(ctx->req, er, &res.merr);
		break;
	case IG_ECHOICE:
		er = ask_choice(ctx, &res);
		break;
	default:
		break;
	}
	ig_link_res_free(&res);
	return er;
}

/* The code without Meta's "#_" (Instagram) or "#_=_" (Facebook) suffix. */
static int
clean_code(const char *code, char *out)
{
	size_t	n = strlen(code);

	if (n >= 4 && strcmp(code + n - 4, "#_=_") == 0)
		n -= 4;
	else if (n >= 2 && strcmp(code + n - 2, "#_") == 0)
		n -= 2;
	if (n == 0 || n > IG_MAX_CODE)
		return 0;
	memcpy(out, code, n);
	out[n] = '\0';
	return 1;
}

/*
 * {accessToken}: off unless the operator allows it, since a token that
 * passed through a browser may have leaked, and nothing binds it to a
 * login this backend started.  Meta says whose it is (/me).
 */
static enum ig_err
from_client_token(struct ig_ctx *ctx, struct ig_link_req *rq,
    const char *token)
{
	char		uuid[37];
	enum ig_err	er;

	if (!ctx->cfg->accept_client_tokens)
		return ig_refuse(ctx->req, IG_EINPUT, "accessToken is not "
		    "accepted unless the operator enables "
		    "IGCONNECT_ACCEPT_CLIENT_TOKENS; send {code, state} from "
		    "the login instead");
	if ((er = ig_user_ensure(ctx, rq->user, uuid)) != IG_OK)
		return er;
	rq->user_uuid = uuid;
	rq->flavor = IG_FLAVOR_INSTAGRAM;
	rq->client_token = token;
	return link_and_answer(ctx, rq);
}

/*
 * {code, redirectUri} on a stateless route: the front end made the
 * login URL and guards it against CSRF itself; the code is the caller's
 * for an Instagram Login with a redirect URI we allow.
 */
static enum ig_err
from_stateless_code(struct ig_ctx *ctx, struct ig_link_req *rq,
    const char *code)
{
	const char	*redirect = ig_req_get(ctx->req, P_REDIRECT_URI);
	char		 uuid[37];
	enum ig_err	 er;

	if (redirect == NULL || !ig_redirect_allowed(ctx->cfg, redirect))
		return ig_refuse(ctx->req, IG_EINPUT, "redirectUri must be "
		    "one of the allowed redirect URIs");
	if ((er = ig_user_ensure(ctx, rq->user, uuid)) != IG_OK)
		return er;
	rq->user_uuid = uuid;
	rq->flavor = IG_FLAVOR_INSTAGRAM;
	rq->code = code;
	rq->redirect_uri = redirect;
	return link_and_answer(ctx, rq);
}

/* {code, state} or {state, error}: the state first, then the code. */
static enum ig_err
from_state(struct ig_ctx *ctx, struct ig_link_req *rq, const char *state,
    const char *code)
{
	char		 uuid[37];
	char		*redirect_uri = NULL;
	enum ig_err	 er;

	er = ig_state_consume(ctx, rq->user, state, uuid, &rq->flavor,
	    &redirect_uri);
	if (er == IG_ENOTFOUND)
		return IG_ESTATE;
	if (er != IG_OK)
		return er;
	/* error_description is Meta's (or anyone's) text: never echoed. */
	if (code == NULL)
		er = IG_EDENIED;
	else {
		rq->user_uuid = uuid;
		rq->code = code;
		rq->redirect_uri = redirect_uri;
		er = link_and_answer(ctx, rq);
	}
	free(redirect_uri);
	return er;
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	const char		*state = ig_req_get(ctx->req, P_STATE);
	const char		*code = ig_req_get(ctx->req, P_CODE);
	const char		*denied = ig_req_get(ctx->req, P_ERROR);
	const char		*token = ig_req_get(ctx->req, P_ACCESS_TOKEN);
	char			 user[IG_MAX_USER_ID + 1];
	char			 clean[IG_MAX_CODE + 1];
	struct ig_link_req	 rq;
	enum ig_err		 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	memset(&rq, 0, sizeof(rq));
	rq.user = user;
	rq.page_id = ig_req_get(ctx->req, P_PAGE_ID);
	rq.account_id = ig_req_get(ctx->req, P_ACCOUNT_ID);
	if ((rq.selection = ig_req_get(ctx->req, P_SELECTION)) != NULL)
		return link_and_answer(ctx, &rq);
	if (token != NULL)
		return from_client_token(ctx, &rq, token);
	/* A code comes without a state only where the route says so. */
	if (state == NULL ? code == NULL || !ig_req_stateless(ctx->req) :
	    code == NULL && denied == NULL)
		return ig_refuse(ctx->req, IG_EINPUT,
		    ig_req_stateless(ctx->req) ?
		    "expected {code, redirectUri}" :
		    "expected {code, state}, {state, error} or "
		    "{selection, pageId}");
	if (code != NULL && !clean_code(code, clean))
		return ig_refuse(ctx->req, IG_EINPUT,
		    "invalid parameter \"code\"");
	if (state == NULL)
		er = from_stateless_code(ctx, &rq, clean);
	else
		/* A denial wins over any code that came with it. */
		er = from_state(ctx, &rq, state, denied == NULL ? clean : NULL);
	ig_wipe(clean, sizeof(clean));
	return er;
}

/* A code or state in a URL leaks to logs and history (RFC 9700 4.3). */
static const char *const in_body[] = { "code", "state", NULL };

static const struct ig_endpoint endpoint = {
	.name = "oauth-exchange",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM | IG_NEED_AUTH,
	.waits_on_meta = 1,
	.methods = IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.body_only = in_body,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
