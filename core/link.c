/* SPDX-License-Identifier: ISC */
/*
 * link.c: one linking flow for every program that turns an authorization
 * code into a connection, for both of Meta's login flavors.
 *
 * Instagram Login (Instagram Login docs): code -> short-lived token ->
 * long-lived token -> /me -> one upsert.  A token a front end got
 * itself starts at /me instead: Meta says whose it is.
 *
 * Facebook Login (B.2-B.6): code -> user token -> long-lived user token
 * -> debug_token (who, which permissions, until when) -> every page of
 * /me/accounts for the Pages with an Instagram business account -> the
 * chosen Page's token (it never expires when it comes from a long-lived
 * user token) -> the account's profile on the Facebook host -> one
 * upsert, with the user token sealed beside the Page token so the Pages
 * can be listed again without a login.  Several candidates and no
 * choice: a selection is stored and the caller is asked to choose.
 *
 * Either way, when only the long-lived exchange fails (and not because
 * the token is bad), the short-lived token is kept with its true life
 * (seed 002's fallback), and a refresh upgrades it later.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"

/* What Meta says a short-lived token lives (Instagram Login docs). */
#define SHORT_TOKEN_LIFE	3600

/* And a long-lived one: at most this is left of a token of unknown age. */
#define LONG_TOKEN_LIFE		(60 * 86400)

/* The external id of a user who signs in with Instagram. */
#define SIGNIN_PREFIX		"instagram:"

/*
 * Pages of /me/accounts read at most: 25 Pages each by default, so
 * 1,000 Pages; an account past them must be chosen by its id.
 */
#define MAX_PAGE_READS		40

/* Candidates shown to the caller at most (each costs a profile read). */
#define MAX_CANDIDATES		25

typedef enum ig_err	 long_lived_fn(struct ig_ctx *, const char *,
			    struct ig_token *, struct ig_meta_error *);

/*
 * The long-lived exchange "exchange", with seed 002's fallback: "*use"
 * (borrowed from "short_tok" or "long_tok") is the token to keep and
 * "*kind" says which.  Only a Meta verdict on the token itself (code
 * 190) or a local failure ends the link.
 */
static enum ig_err
long_lived_or_fallback(struct ig_ctx *ctx, long_lived_fn *exchange,
    struct ig_token *short_tok, struct ig_token *long_tok,
    const struct ig_token **use, enum ig_token_kind *kind,
    struct ig_meta_error *m)
{
	enum ig_err	er;

	er = exchange(ctx, short_tok->access_token, long_tok, m);
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
	/* Its true life: Meta's expires_in, else what Meta documents. */
	if (short_tok->expires_in <= 0)
		short_tok->expires_in = SHORT_TOKEN_LIFE;
	*use = short_tok;
	*kind = IG_TOKEN_SHORT;
	return IG_OK;
}

/* 1 if the permission "perm" is in the array "perms". */
static int
granted(const json_t *perms, const char *perm)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(perms, i, v)
		if (strcmp(json_string_value(v), perm) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------- Instagram Login */

/*
 * A front end's own token, once /me said whose it is: Meta exchanges
 * only short-lived tokens for long-lived ones and refuses the others
 * with code 100, so a refused one is long-lived already, with at most
 * LONG_TOKEN_LIFE left.
 */
static enum ig_err
client_token_kind(struct ig_ctx *ctx, struct ig_token *given,
    struct ig_token *long_tok, const struct ig_token **use,
    enum ig_token_kind *kind, struct ig_meta_error *m)
{
	enum ig_err	er;

	er = ig_insta_long_lived(ctx, given->access_token, long_tok, m);
	if (er == IG_OK) {
		*use = long_tok;
		*kind = IG_TOKEN_LONG;
		return IG_OK;
	}
	if (er != IG_EMETA || m->code != 100)
		return er;
	given->expires_in = LONG_TOKEN_LIFE;
	*use = given;
	*kind = IG_TOKEN_LONG;
	return IG_OK;
}

/*
 * The token to keep: from the code, exchanged for a long-lived one, or
 * the front end's own; "first" is what the code or the front end gave.
 */
static enum ig_err
instagram_token(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_token *first, struct ig_token *long_tok,
    const struct ig_token **use, enum ig_token_kind *kind,
    struct ig_link_res *res)
{
	struct ig_profile	probe;
	enum ig_err		er;

	if (rq->client_token == NULL) {
		if ((er = ig_insta_exchange_code(ctx, rq->code,
		    rq->redirect_uri, first, &res->merr)) != IG_OK)
			return er;
		if (!granted(first->permissions, "instagram_business_basic"))
			return IG_ESCOPE;
		return long_lived_or_fallback(ctx, ig_insta_long_lived, first,
		    long_tok, use, kind, &res->merr);
	}
	/* Meta tells the permissions only at the code exchange. */
	if ((first->access_token = ig_strdup(rq->client_token)) == NULL ||
	    (first->permissions = json_array()) == NULL)
		return IG_ENOMEM;
	/* Nothing is exchanged for a token Meta does not know. */
	memset(&probe, 0, sizeof(probe));
	er = ig_insta_profile(ctx, first->access_token, &probe, &res->merr);
	ig_profile_free(&probe);
	if (er != IG_OK)
		return er;
	return client_token_kind(ctx, first, long_tok, use, kind, &res->merr);
}

/* Sign-in: the users row of the account's own user, made if new. */
static enum ig_err
signin_user(struct ig_ctx *ctx, const char *provider_user_id,
    struct ig_link_res *res, char *uuid)
{
	if ((size_t)snprintf(res->user, sizeof(res->user), "%s%s",
	    SIGNIN_PREFIX, provider_user_id) >= sizeof(res->user))
		return IG_EUPSTREAM;
	return ig_user_ensure(ctx, res->user, uuid);
}

static enum ig_err
link_instagram(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_link_res *res)
{
	struct ig_token		 first, long_tok;
	const struct ig_token	*use = NULL;
	struct ig_profile	 profile;
	struct ig_link		 link;
	enum ig_token_kind	 kind = IG_TOKEN_LONG;
	char			 uuid[37];
	const char		*user_uuid = rq->user_uuid;
	enum ig_err		 er;

	memset(&first, 0, sizeof(first));
	memset(&long_tok, 0, sizeof(long_tok));
	memset(&profile, 0, sizeof(profile));
	if ((er = instagram_token(ctx, rq, &first, &long_tok, &use, &kind,
	    res)) == IG_OK &&
	    (er = ig_insta_profile(ctx, use->access_token, &profile,
	    &res->merr)) == IG_OK && rq->signin &&
	    (er = signin_user(ctx, profile.id, res, uuid)) == IG_OK)
		user_uuid = uuid;
	if (er == IG_OK) {
		memset(&link, 0, sizeof(link));
		link.user_uuid = user_uuid;
		link.flavor = IG_FLAVOR_INSTAGRAM;
		link.token_kind = kind;
		link.token = use;
		link.provider_user_id = profile.id;
		link.business_account_id = profile.ig_id;
		link.profile = &profile;
		link.scopes = first.permissions;
		er = ig_conn_link(ctx, &link, res->conn);
	}
	ig_token_free(&first);
	ig_token_free(&long_tok);
	ig_profile_free(&profile);
	return er;
}

/* ----------------------------------------------------- Facebook Login */

/* The Pages with an Instagram account found so far, and the choice. */
struct	found {
	struct ig_fb_page	*pages;		/* candidates only */
	size_t			 n;
	const struct ig_fb_page	*chosen;	/* borrowed from pages */
};

static void
found_free(struct found *f)
{
	ig_fb_pages_free(f->pages, f->n);
	memset(f, 0, sizeof(*f));
}

static int
is_choice(const struct ig_link_req *rq, const struct ig_fb_page *p)
{
	return (rq->page_id != NULL && strcmp(rq->page_id, p->id) == 0) ||
	    (rq->account_id != NULL && strcmp(rq->account_id, p->ig_id) == 0);
}

/* Move the Pages of "page" that have an account into "f"; free the rest. */
static enum ig_err
keep_candidates(const struct ig_link_req *rq, struct found *f,
    struct ig_fb_page *page, size_t n)
{
	struct ig_fb_page	*grown;
	size_t			 i, chosen = (size_t)-1;

	if (f->chosen != NULL)
		chosen = (size_t)(f->chosen - f->pages);
	for (i = 0; i < n; i++) {
		if (page[i].ig_id == NULL)
			continue;
		grown = ig_reallocarray(f->pages, f->n + 1, sizeof(*grown));
		if (grown == NULL) {
			ig_fb_pages_free(page, n);
			return IG_ENOMEM;
		}
		f->pages = grown;
		f->pages[f->n] = page[i];
		memset(&page[i], 0, sizeof(page[i]));
		if (chosen == (size_t)-1 && is_choice(rq, &f->pages[f->n]))
			chosen = f->n;
		f->n++;
	}
	f->chosen = chosen != (size_t)-1 ? &f->pages[chosen] : NULL;
	ig_fb_pages_free(page, n);
	return IG_OK;
}

/*
 * Follow /me/accounts page after page (paging.next): until the chosen
 * account is found, or, with no choice, to the end, since a second
 * candidate means the caller must choose.
 */
static enum ig_err
find_candidates(struct ig_ctx *ctx, const struct ig_link_req *rq,
    const char *user_token, struct found *f, struct ig_meta_error *m)
{
	struct ig_fb_page	*page;
	size_t			 n;
	char			*after = NULL, *next;
	int			 reads;
	enum ig_err		 er = IG_OK;

	memset(f, 0, sizeof(*f));
	for (reads = 0; reads < MAX_PAGE_READS; reads++) {
		er = ig_fb_pages(ctx, user_token, after, &page, &n, &next, m);
		free(after);
		after = next;
		if (er != IG_OK || (er = keep_candidates(rq, f, page, n)) !=
		    IG_OK || f->chosen != NULL || after == NULL)
			break;
	}
	free(after);
	if (er != IG_OK)
		found_free(f);
	return er;
}

/*
 * The candidates for the 409 answer, each with what lets a person pick
 * (name, username, picture), and the same without them for the
 * selection row.
 */
static enum ig_err
describe_candidates(struct ig_ctx *ctx, const struct found *f,
    json_t **shown, json_t **kept)
{
	struct ig_profile	 p;
	struct ig_meta_error	 m;
	json_t			*one, *v;
	size_t			 i;
	int			 rc = 0;

	*shown = json_array();
	*kept = json_array();
	if (*shown == NULL || *kept == NULL)
		return IG_ENOMEM;
	for (i = 0; i < f->n && i < MAX_CANDIDATES; i++) {
		one = json_pack("{s:s, s:s}", "pageId", f->pages[i].id,
		    "businessAccountId", f->pages[i].ig_id);
		if (one == NULL || json_array_append(*kept, one) != 0) {
			json_decref(one);
			return IG_ENOMEM;
		}
		if (f->pages[i].name != NULL)
			rc |= json_object_set_new(one, "pageName",
			    json_string(f->pages[i].name));
		/* Best effort: a candidate Meta will not describe stays. */
		if (ig_fb_profile(ctx, f->pages[i].ig_id, f->pages[i].token,
		    &p, &m) == IG_OK) {
			if ((v = json_object_get(p.fields, "username")) != NULL)
				rc |= json_object_set(one, "username", v);
			if ((v = json_object_get(p.fields,
			    "profilePictureUrl")) != NULL)
				rc |= json_object_set(one, "profilePictureUrl",
				    v);
			ig_profile_free(&p);
		}
		rc |= json_array_append_new(*shown, one);
		if (rc != 0)
			return IG_ENOMEM;
	}
	return IG_OK;
}

/* Several candidates, no choice: keep a selection and say so. */
static enum ig_err
ask_for_choice(struct ig_ctx *ctx, const char *user_uuid,
    const struct ig_token *user_token, enum ig_token_kind kind,
    const struct found *f, struct ig_link_res *res)
{
	json_t		*kept = NULL;
	enum ig_err	 er;

	if ((er = describe_candidates(ctx, f, &res->candidates, &kept)) ==
	    IG_OK)
		er = ig_selection_new(ctx, user_uuid, user_token, kind, kept,
		    res->selection, &res->selection_expires);
	json_decref(kept);
	return er == IG_OK ? IG_ECHOICE : er;
}

/* The chosen Page's account, linked with its Page token. */
static enum ig_err
link_page(struct ig_ctx *ctx, const char *user_uuid,
    const struct ig_token *user_token, enum ig_token_kind kind,
    const struct ig_fb_debug *dbg, const struct ig_fb_page *page,
    struct ig_link_res *res)
{
	struct ig_profile	 profile;
	struct ig_token		 page_tok;
	struct ig_link		 link;
	enum ig_err		 er;

	if ((er = ig_fb_profile(ctx, page->ig_id, page->token, &profile,
	    &res->merr)) != IG_OK)
		return er;
	memset(&page_tok, 0, sizeof(page_tok));
	page_tok.access_token = page->token;
	/*
	 * A Page token from a long-lived user token never expires (B.4);
	 * from a short-lived one it lives as long as the user token.
	 */
	page_tok.expires_in = kind == IG_TOKEN_SHORT ? user_token->expires_in :
	    0;
	memset(&link, 0, sizeof(link));
	link.user_uuid = user_uuid;
	link.flavor = IG_FLAVOR_FACEBOOK;
	link.token_kind = kind == IG_TOKEN_SHORT ? IG_TOKEN_SHORT :
	    IG_TOKEN_PAGE;
	link.token = &page_tok;
	link.provider_user_id = dbg->user_id;
	link.business_account_id = profile.ig_id;
	link.profile = &profile;
	link.scopes = dbg->scopes;
	link.page_id = page->id;
	link.user_token = user_token->access_token;
	link.data_access_expires = dbg->data_access_expires_at;
	er = ig_conn_link(ctx, &link, res->conn);
	ig_profile_free(&profile);
	return er;
}

/* With the candidates found: link the one, or ask which. */
static enum ig_err
link_or_ask(struct ig_ctx *ctx, const struct ig_link_req *rq,
    const char *user_uuid, const struct ig_token *user_token,
    enum ig_token_kind kind, const struct ig_fb_debug *dbg,
    const struct found *f, struct ig_link_res *res)
{
	if (f->n == 0)
		return IG_ENOACCOUNT;
	if (f->chosen == NULL && (rq->page_id != NULL ||
	    rq->account_id != NULL))
		return IG_ENOTOFFERED;
	if (f->chosen == NULL && f->n > 1)
		return ask_for_choice(ctx, user_uuid, user_token, kind, f, res);
	return link_page(ctx, user_uuid, user_token, kind, dbg,
	    f->chosen != NULL ? f->chosen : &f->pages[0], res);
}

/*
 * From a user token on: who it is and what it may do (debug_token), the
 * candidates, then the link or the question which account.
 */
static enum ig_err
link_with_user_token(struct ig_ctx *ctx, const struct ig_link_req *rq,
    const char *user_uuid, const struct ig_token *user_token,
    enum ig_token_kind kind, struct ig_link_res *res)
{
	struct ig_fb_debug	 dbg;
	struct found		 f;
	enum ig_err		 er;

	memset(&f, 0, sizeof(f));
	if ((er = ig_fb_debug(ctx, user_token->access_token, &dbg,
	    &res->merr)) != IG_OK)
		return er;
	if (!dbg.valid || dbg.user_id == NULL) {
		/* Meta's own verdict on the token, as a 190 would be. */
		res->merr.code = 190;
		res->merr.cls = IG_META_TOKEN;
		er = IG_EMETA;
	} else if (!granted(dbg.scopes, "instagram_basic") ||
	    !granted(dbg.scopes, "pages_show_list"))
		er = IG_ESCOPE;
	else if ((er = find_candidates(ctx, rq, user_token->access_token,
	    &f, &res->merr)) == IG_OK)
		er = link_or_ask(ctx, rq, user_uuid, user_token, kind, &dbg, &f,
		    res);
	found_free(&f);
	ig_fb_debug_free(&dbg);
	return er;
}

static enum ig_err
link_facebook(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_link_res *res)
{
	struct ig_token		 short_tok, long_tok;
	const struct ig_token	*use = NULL;
	enum ig_token_kind	 kind = IG_TOKEN_LONG;
	enum ig_err		 er;

	memset(&long_tok, 0, sizeof(long_tok));
	if ((er = ig_fb_exchange_code(ctx, rq->code, rq->redirect_uri,
	    &short_tok, &res->merr)) != IG_OK)
		return er;
	if ((er = long_lived_or_fallback(ctx, ig_fb_long_lived, &short_tok,
	    &long_tok, &use, &kind, &res->merr)) == IG_OK)
		er = link_with_user_token(ctx, rq, rq->user_uuid, use, kind, res);
	ig_token_free(&short_tok);
	ig_token_free(&long_tok);
	return er;
}

/* {selection, pageId | instagramAccountId}: no code, no second login. */
static enum ig_err
finish_selection(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_link_res *res)
{
	struct ig_token		 user_token;
	enum ig_token_kind	 kind;
	char			 uuid[37];
	enum ig_err		 er;

	if (rq->page_id == NULL && rq->account_id == NULL)
		return IG_ENOTOFFERED;
	if ((er = ig_selection_take(ctx, rq->user, rq->selection, rq->page_id,
	    rq->account_id, uuid, &user_token, &kind)) != IG_OK)
		return er;
	er = link_with_user_token(ctx, rq, uuid, &user_token, kind, res);
	ig_token_free(&user_token);
	return er;
}

/* A short-lived Facebook link made long-lived: no fallback this time. */
static enum ig_err
upgrade_facebook(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_link_res *res)
{
	struct ig_token	long_tok;
	enum ig_err	er;

	if ((er = ig_fb_long_lived(ctx, rq->user_token, &long_tok,
	    &res->merr)) != IG_OK)
		return er;
	er = link_with_user_token(ctx, rq, rq->user_uuid, &long_tok,
	    IG_TOKEN_LONG, res);
	ig_token_free(&long_tok);
	return er;
}

/* ------------------------------------------------------------- entry */

enum ig_err
ig_link_account(struct ig_ctx *ctx, const struct ig_link_req *rq,
    struct ig_link_res *res)
{
	enum ig_err	er;

	memset(res, 0, sizeof(*res));
	if ((res->conn = ig_calloc(1, sizeof(*res->conn))) == NULL)
		return IG_ENOMEM;
	if (rq->selection != NULL)
		er = finish_selection(ctx, rq, res);
	else if (rq->user_token != NULL)
		er = upgrade_facebook(ctx, rq, res);
	else if (rq->flavor == IG_FLAVOR_FACEBOOK)
		er = link_facebook(ctx, rq, res);
	else
		er = link_instagram(ctx, rq, res);
	if (er != IG_OK) {
		free(res->conn);
		res->conn = NULL;
	}
	return er;
}

void
ig_link_res_free(struct ig_link_res *res)
{
	if (res->conn != NULL) {
		ig_conn_free(res->conn);
		free(res->conn);
	}
	json_decref(res->candidates);
	memset(res, 0, sizeof(*res));
}
