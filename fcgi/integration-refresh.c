/* SPDX-License-Identifier: ISC */
/*
 * integration-refresh: POST /integrations/instagram/refresh.  Refreshes
 * the caller's long-lived token now (Instagram Login docs), or upgrades a
 * short-lived fallback token to a long-lived one (A.3; for Facebook
 * Login, B.3 and the Page again).  Meta refreshes only tokens at least
 * 24 hours old and not expired: a younger one is 409 too_early with the
 * time it becomes refreshable; an expired or revoked one marks the
 * connection needs_reauth.  A Page token does not expire: 400.  A
 * refresh leases the connection, as igconnect-refresh does: while one
 * runs, the jobs leave it alone and another request gets 409.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"

#define MIN_TOKEN_AGE	86400	/* Meta's rule for ig_refresh_token */
#define BUSY_RETRY	5	/* seconds to wait for a refresh in flight */

static enum ig_err
too_early(struct ig_ctx *ctx, time_t when, time_t now)
{
	char	 iso[21];
	json_t	*extra;

	ig_iso8601(iso, when);
	if ((extra = json_pack("{s:s}", "refreshableAt", iso)) == NULL)
		return IG_ENOMEM;
	ig_reply_retry_after(ctx->req, (long)(when - now));
	return ig_refuse_with(ctx->req, IG_ETOOEARLY, NULL, extra);
}

/* Meta said the token is dead (190), or it expired here already. */
static enum ig_err
revoked(struct ig_ctx *ctx, const struct ig_conn *c,
    const struct ig_meta_error *m)
{
	enum ig_err	er;

	if ((er = ig_conn_mark_reauth(ctx, c, m)) != IG_OK &&
	    er != IG_ENOTFOUND)
		return er;
	return IG_EREVOKED;
}

/* Call Meta with the open token and store what it gives. */
static enum ig_err
renew(struct ig_ctx *ctx, const struct ig_conn *c, int upgrade)
{
	struct ig_token		 fresh;
	struct ig_meta_error	 m;
	struct ig_conn		 out;
	char			*token;
	enum ig_err		 er;

	if ((er = ig_conn_token(ctx->cfg, c, &token)) != IG_OK)
		return er;
	if (upgrade)
		er = ig_insta_long_lived(ctx, token, &fresh, &m);
	else
		er = ig_insta_refresh(ctx, token, &fresh, &m);
	ig_free_secret(token);
	if (er == IG_EMETA && m.cls == IG_META_TOKEN)
		return revoked(ctx, c, &m);
	if (er != IG_OK) {
		ig_conn_note(ctx, c, "refresh_failed", &m);
		return ig_refuse_meta(ctx->req, er, &m);
	}
	er = ig_conn_set_token(ctx, c, &fresh, IG_TOKEN_LONG, upgrade ?
	    "upgraded" : "refreshed", &out);
	ig_token_free(&fresh);
	if (er == IG_ENOTFOUND)
		return ig_refuse(ctx->req, IG_ECONFLICT, "the connection "
		    "changed during the refresh; read it again");
	if (er != IG_OK)
		return er;
	er = ig_reply_conn(ctx, &out);
	ig_conn_free(&out);
	return er;
}

/*
 * Facebook Login has no refresh call (Facebook Login docs): a short-lived
 * link is upgraded by exchanging its user token and linking the same
 * Page again; a Page token does not expire.
 */
static enum ig_err
upgrade_facebook(struct ig_ctx *ctx, const struct ig_conn *c)
{
	struct ig_link_req	 rq;
	struct ig_link_res	 res;
	char			*user_token;
	enum ig_err		 er;

	if ((er = ig_conn_user_token(ctx->cfg, c, &user_token)) != IG_OK)
		return er == IG_ENOTFOUND ? IG_EINPUT : er;
	memset(&rq, 0, sizeof(rq));
	rq.flavor = IG_FLAVOR_FACEBOOK;
	rq.user_uuid = c->user_id;
	rq.user_token = user_token;
	rq.page_id = json_string_value(json_object_get(c->metadata,
	    "facebookPageId"));
	rq.account_id = c->business_account_id;
	er = ig_link_account(ctx, &rq, &res);
	ig_free_secret(user_token);
	if (er == IG_OK)
		er = ig_reply_conn(ctx, res.conn);
	else if (er == IG_EMETA && res.merr.cls == IG_META_TOKEN)
		er = revoked(ctx, c, &res.merr);
	else if (er == IG_EMETA || er == IG_ERATELIMIT || er == IG_EUPSTREAM) {
		ig_conn_note(ctx, c, "refresh_failed", &res.merr);
		er = ig_refuse_meta(ctx->req, er, &res.merr);
	}
	ig_link_res_free(&res);
	return er;
}

/*
 * Lease the row, call Meta, give the lease back.  The lease outlasts
 * the calls a refresh makes (one; a Facebook Login link a few), each
 * at most IGCONNECT_HTTP_TIMEOUT; a program that dies holding it only
 * delays the next refresh.
 */
static enum ig_err
leased(struct ig_ctx *ctx, const struct ig_conn *c)
{
	enum ig_err	er;

	er = ig_conn_lease(ctx, c, 4 * (int)ctx->cfg->http_timeout + 10);
	if (er == IG_ENOTFOUND) {
		ig_reply_retry_after(ctx->req, BUSY_RETRY);
		return ig_refuse(ctx->req, IG_ECONFLICT, "the connection is "
		    "being refreshed or changed meanwhile; read it again");
	}
	if (er != IG_OK)
		return er;
	if (c->flavor == IG_FLAVOR_FACEBOOK)
		er = upgrade_facebook(ctx, c);
	else
		er = renew(ctx, c, c->token_kind == IG_TOKEN_SHORT);
	/* After a write the version moved on: this then does nothing. */
	ig_conn_unlease(ctx, c);
	return er;
}

static enum ig_err
refresh(struct ig_ctx *ctx, const struct ig_conn *c)
{
	struct ig_meta_error	 expired;
	time_t			 now = time(NULL);

	if (c->status == IG_STATUS_DISCONNECTED || c->token == NULL)
		return IG_ENOCONN;
	if (c->status == IG_STATUS_NEEDS_REAUTH)
		return IG_EREVOKED;
	if (c->token_kind == IG_TOKEN_PAGE)
		return ig_refuse(ctx->req, IG_EINPUT, "Page tokens do not "
		    "expire and are not refreshed");
	if (c->expires_at != 0 && c->expires_at <= now) {
		/* Meta would answer 190/463; no need to ask. */
		memset(&expired, 0, sizeof(expired));
		expired.code = 190;
		expired.subcode = 463;
		return revoked(ctx, c, &expired);
	}
	if (c->flavor != IG_FLAVOR_FACEBOOK &&
	    c->token_kind != IG_TOKEN_SHORT &&
	    c->issued_at + MIN_TOKEN_AGE > now)
		return too_early(ctx, c->issued_at + MIN_TOKEN_AGE, now);
	return leased(ctx, c);
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		user[IG_MAX_USER_ID + 1];
	struct ig_conn	conn;
	enum ig_err	er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if ((er = ig_conn_get(ctx, user, &conn)) == IG_ENOTFOUND)
		return IG_ENOCONN;
	if (er != IG_OK)
		return er;
	er = refresh(ctx, &conn);
	ig_conn_free(&conn);
	return er;
}

static const struct ig_endpoint endpoint = {
	.name = "integration-refresh",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM | IG_NEED_AUTH,
	.waits_on_meta = 1,
	.methods = IG_METHOD_POST,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
