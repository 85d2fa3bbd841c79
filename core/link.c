/* SPDX-License-Identifier: ISC */
/*
 * link.c: one linking flow for every program that turns an authorization
 * code into a connection.  Instagram Login (graph-api.md A.2-A.5): code
 * -> short-lived token -> long-lived token -> /me -> one upsert.  When
 * only the long-lived exchange fails (and not because the token is bad),
 * the short-lived token is kept with its true one-hour life (seed 002's
 * fallback), and a refresh upgrades it later.
 */
#include <string.h>

#include "ig.h"

/* What Meta says a short-lived token lives (graph-api.md A.2). */
#define SHORT_TOKEN_LIFE	3600

static const char	 basic_scope[] = "instagram_business_basic";

/*
 * The long-lived exchange, with seed 002's fallback: "*kind" tells which
 * token "*use" (borrowed from "short_tok" or "long_tok") is.  Only a
 * Meta verdict on the token itself (code 190) or a local failure ends
 * the link.
 */
static enum ig_err
long_lived_or_fallback(struct ig_ctx *ctx, struct ig_token *short_tok,
    struct ig_token *long_tok, const struct ig_token **use,
    enum ig_token_kind *kind, struct ig_meta_error *m)
{
	enum ig_err	er;

	er = ig_insta_long_lived(ctx, short_tok->access_token, long_tok, m);
	if (er == IG_OK) {
		*use = long_tok;
		*kind = IG_TOKEN_LONG;
		return IG_OK;
	}
	if ((er == IG_EMETA && m->cls == IG_META_TOKEN) ||
	    (er != IG_EMETA && er != IG_ERATELIMIT && er != IG_EUPSTREAM))
		return er;
	ig_log_warnx("long-lived token exchange failed (%s, Meta code %ld); "
	    "keeping the short-lived token", ig_strerror(er), m->code);
	short_tok->expires_in = SHORT_TOKEN_LIFE;
	*use = short_tok;
	*kind = IG_TOKEN_SHORT;
	return IG_OK;
}

static enum ig_err
link_instagram(struct ig_ctx *ctx, const char *user_uuid, const char *code,
    const char *redirect_uri, struct ig_conn *out, struct ig_meta_error *m)
{
	struct ig_token		 short_tok, long_tok;
	const struct ig_token	*use = NULL;
	struct ig_profile	 profile;
	struct ig_link		 link;
	enum ig_token_kind	 kind = IG_TOKEN_LONG;
	enum ig_err		 er;

	memset(&long_tok, 0, sizeof(long_tok));
	memset(&profile, 0, sizeof(profile));
	if ((er = ig_insta_exchange_code(ctx, code, redirect_uri, &short_tok,
	    m)) != IG_OK)
		return er;
	if (!ig_token_has(&short_tok, basic_scope))
		er = IG_ESCOPE;
	else if ((er = long_lived_or_fallback(ctx, &short_tok, &long_tok,
	    &use, &kind, m)) == IG_OK &&
	    (er = ig_insta_profile(ctx, use->access_token, &profile, m)) ==
	    IG_OK) {
		memset(&link, 0, sizeof(link));
		link.user_uuid = user_uuid;
		link.flavor = IG_FLAVOR_INSTAGRAM;
		link.token_kind = kind;
		link.token = use;
		link.profile = &profile;
		link.scopes = short_tok.permissions;
		er = ig_conn_link(ctx, &link, out);
	}
	ig_token_free(&short_tok);
	ig_token_free(&long_tok);
	ig_profile_free(&profile);
	return er;
}

enum ig_err
ig_link_account(struct ig_ctx *ctx, enum ig_flavor flavor,
    const char *user_uuid, const char *code, const char *redirect_uri,
    struct ig_conn *out, struct ig_meta_error *merr)
{
	memset(out, 0, sizeof(*out));
	memset(merr, 0, sizeof(*merr));
	switch (flavor) {
	case IG_FLAVOR_INSTAGRAM:
		return link_instagram(ctx, user_uuid, code, redirect_uri, out,
		    merr);
	default:
		return IG_EINPUT;
	}
}
