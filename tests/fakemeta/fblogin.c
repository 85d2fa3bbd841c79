/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: Instagram API with Facebook Login (Facebook Login docs):
 * the login dialog, the code and fb_exchange_token exchanges on
 * graph.facebook.com, /me/accounts with Page tokens, and the Page and
 * Instagram user nodes.  Every call made with a Facebook token must
 * carry appsecret_proof ("Require App Secret" on, C.4; fm_auth checks
 * it).
 * Answers 400 with code 101 when the fake runs without --fb-app-id.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "fakemeta.h"

#define MSG_BAD_APP	"Error validating application. Invalid " \
			"application ID."
#define MSG_BAD_SECRET	"Error validating client secret."
#define MSG_REDIRECT	"Error validating verification code. Please make " \
			"sure your redirect_uri is identical to the one you " \
			"used in the OAuth dialog request"

/* The fake's Facebook app is configured, and client_id names it. */
static int
app_ok(struct fm_call *c, const char *client_id)
{
	if (fm_cfg->fb_app_id != NULL && client_id != NULL &&
	    strcmp(client_id, fm_cfg->fb_app_id) == 0)
		return 1;
	fm_graph_fail(c->resp, 101, "OAuthException", MSG_BAD_APP);
	return 0;
}

static int
secret_ok(struct fm_call *c, const char *secret)
{
	/* Code 1 as in several client test suites; UNCONFIRMED (B.2). */
	if (secret != NULL && strcmp(secret, fm_cfg->fb_app_secret) == 0)
		return 1;
	fm_graph_fail(c->resp, 1, "OAuthException", MSG_BAD_SECRET);
	return 0;
}

static int
required(struct fm_call *c, const char *v, const char *name)
{
	char	 msg[128];

	if (v != NULL)
		return 1;
	fm_msgf(msg, sizeof(msg), "(#100) The parameter %s is required",
	    name);
	fm_graph_fail(c->resp, 100, "OAuthException", msg);
	return 0;
}

/*
 * GET www.facebook.com/{ver}/dialog/oauth (B.1).  The test knobs are
 * fm_login_knobs's.  config_id (Login for Business) grants a fixed
 * configuration's permissions.
 */
void
fm_fb_dialog(struct fm_call *c)
{
	const char	*redirect, *rtype, *scope, *state;
	struct fm_grant	 g;
	struct fm_buf	 bad, params;
	char		 code[256], msg[512];
	unsigned	 requested;
	int		 nbad;

	if (!app_ok(c, fm_query(c->req, "client_id")))
		return;
	redirect = fm_query(c->req, "redirect_uri");
	rtype = fm_query(c->req, "response_type");
	scope = fm_query(c->req, "scope");
	state = fm_query(c->req, "state");
	if (redirect == NULL || !fm_redirect_allowed(redirect)) {
		fm_graph_fail(c->resp, 191, "OAuthException",
		    "Can't Load URL: The domain of this URL isn't included in "
		    "the app's domains.");
		return;
	}
	if (rtype != NULL && strcmp(rtype, "code") != 0) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) Invalid response_type");
		return;
	}
	fm_grant_init(&g, FM_FB);
	if (scope == NULL && fm_query(c->req, "config_id") != NULL)
		scope = "public_profile,pages_show_list,pages_read_engagement,"
		    "business_management,instagram_basic,"
		    "instagram_content_publish";
	fm_buf_init(&bad, 512);
	nbad = fm_scopes_parse(scope != NULL ? scope : "public_profile",
	    FM_FB, &g.perms, &bad);
	if (nbad != 0) {
		fm_msgf(msg, sizeof(msg), "Invalid Scopes: %s",
		    bad.p != NULL ? bad.p : "");
		fm_buf_free(&bad);
		fm_graph_fail(c->resp, 100, "OAuthException", msg);
		return;
	}
	fm_buf_free(&bad);
	requested = g.perms;
	if (fm_login_knobs(c, FM_FB, &g) == -1)
		return;
	switch (fm_consent(c, &g, requested, fm_cfg->fb_app_id)) {
	case FM_CONSENT_ASKED:
		return;
	case FM_CONSENT_DENY:
		fm_redirect(c, redirect, "error=access_denied&error_code=200&"
		    "error_description=Permissions+error&error_reason="
		    "user_denied", state, "#_=_");
		return;
	case FM_CONSENT_ALLOW:
		break;
	}
	if (fm_code_new(&g, redirect, code, sizeof(code)) == -1)
		return;
	fm_buf_init(&params, sizeof(code) + 8);
	if (fm_buf_adds(&params, "code=") == 0 &&
	    fm_buf_adds(&params, code) == 0)
		fm_redirect(c, redirect, params.p, state, "#_=_");
	fm_buf_free(&params);
}

/* Mint a Facebook user token and answer {access_token, token_type, ...}. */
static void
user_token(struct fm_call *c, const struct fm_grant *g, long lifetime)
{
	struct fm_token	 t;
	char		 tok[FM_TOKEN_LEN + 1];

	memset(&t, 0, sizeof(t));
	t.kind = FM_TOK_FB_USER;
	t.grant = *g;
	t.issued = fm_now();
	t.expires = t.issued + lifetime;
	if (fm_token_new(&t, tok, sizeof(tok)) == -1)
		return;
	fm_graph_ok(c->resp, json_pack("{s:s, s:s, s:I}",
	    "access_token", tok,
	    "token_type", "bearer",
	    "expires_in", (json_int_t)lifetime));
}

/* GET graph.facebook.com/{ver}/oauth/access_token with a code (B.2). */
void
fm_fb_code_exchange(struct fm_call *c)
{
	const char	*redirect, *code;
	struct fm_grant	 g;

	if (!app_ok(c, fm_param(c->req, "client_id")) ||
	    !secret_ok(c, fm_param(c->req, "client_secret")))
		return;
	redirect = fm_param(c->req, "redirect_uri");
	code = fm_param(c->req, "code");
	if (!required(c, code, "code") ||
	    !required(c, redirect, "redirect_uri"))
		return;
	switch (fm_code_take(code, FM_FB, redirect, &g)) {
	case FM_CODE_OK:
		/*
		 * The server-side flow can return ~60 days at once;
		 * otherwise user tokens last 1-2 h (B.2).
		 */
		user_token(c, &g, g.short_lived ? FM_SHORT_TTL :
		    FM_FB_CODE_TTL);
		break;
	case FM_CODE_USED:
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "This authorization code has been used.");
		break;
	case FM_CODE_EXPIRED:
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "This authorization code has expired.");
		break;
	case FM_CODE_REDIRECT:
		fm_graph_fail(c->resp, 100, "OAuthException", MSG_REDIRECT);
		break;
	case FM_CODE_UNKNOWN:
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "Invalid verification code format.");
		break;
	}
}

/* GET .../oauth/access_token?grant_type=fb_exchange_token (B.3). */
void
fm_fb_exchange(struct fm_call *c)
{
	const char	*str;
	struct fm_token	 t;

	if (!app_ok(c, fm_param(c->req, "client_id")) ||
	    !secret_ok(c, fm_param(c->req, "client_secret")))
		return;
	str = fm_param(c->req, "fb_exchange_token");
	if (!required(c, str, "fb_exchange_token"))
		return;
	/* Instagram tokens cannot be parsed by graph.facebook.com (F.4). */
	if (fm_token_check(c, str, FM_TOKBIT(FM_TOK_FB_USER), &t) == -1)
		return;
	user_token(c, &t.grant, FM_EXCHANGE_TTL);
}

static const char *const page_fields[] = {
	"id", "name", "access_token", "category", "tasks",
	"instagram_business_account", NULL
};

/* The account whose Instagram account Page i of the login holds, or 0. */
long long
fm_fb_page_ig(const struct fm_grant *g, int i)
{
	if (i < 1 || i > g->npages || !(g->linked & 1ULL << (i - 1)))
		return 0;
	/* Each linked Page has its own Instagram account. */
	return g->account + i - 1;
}

/*
 * A new Page token for Page i, seen through token t.  From a long-lived
 * user token it never expires; from a short-lived one it lives as long
 * as that token, about an hour (B.4).
 */
static int
page_token(const struct fm_token *t, int i, char *tok, size_t toksz)
{
	struct fm_token	 pt;

	memset(&pt, 0, sizeof(pt));
	pt.kind = FM_TOK_FB_PAGE;
	pt.grant = t->grant;
	pt.page = i;
	pt.issued = fm_now();
	if (t->kind == FM_TOK_FB_PAGE || (t->expires != 0 &&
	    t->expires - t->issued <= FM_FB_SHORT_MAX))
		pt.expires = t->expires;
	return fm_token_new(&pt, tok, toksz);
}

/* Page i of t's login as Graph shows it, with the selected fields. */
static json_t *
page_json(const struct fm_token *t, int i, unsigned m)
{
	struct fm_account	 ia;
	json_t			*j;
	char			 id[FM_IDLEN], tok[FM_TOKEN_LEN + 1];
	char			 name[64];
	long long		 ig;

	if ((j = json_object()) == NULL)
		return NULL;
	/* In the order of B.4's sample. */
	fm_idstr(fm_page_id(t->grant.account, i), id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	fm_page_name(t->grant.account, i, name, sizeof(name));
	if (m & 1U << 1)
		json_object_set_new(j, "name", json_string(name));
	if ((m & 1U << 2) && page_token(t, i, tok, sizeof(tok)) == 0)
		json_object_set_new(j, "access_token", json_string(tok));
	if (m & 1U << 3)
		json_object_set_new(j, "category", json_string("Brand"));
	if (m & 1U << 4)
		json_object_set_new(j, "tasks", json_pack("[s,s,s,s,s,s]",
		    "ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE",
		    "CREATE_CONTENT", "MANAGE"));
	/* Pages without a linked account lack the field (B.4). */
	if ((m & 1U << 5) && (ig = fm_fb_page_ig(&t->grant, i)) != 0) {
		fm_account_get(ig, &ia);
		fm_idstr(ia.ig_id, id);
		json_object_set_new(j, "instagram_business_account",
		    json_pack("{s:s}", "id", id));
	}
	return j;
}

/*
 * A paging cursor: base64 of the Page id, as Meta's older cursors are.
 * Clients must treat it as opaque.
 */
static void
cursor(long long account, int i, char out[32])
{
	char	 id[FM_IDLEN];

	fm_idstr(fm_page_id(account, i), id);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)id,
	    (int)strlen(id));
}

/* The Page number a cursor of account's list names, or 0. */
static int
cursor_page(const char *s, long long account, int npages)
{
	unsigned char	 id[FM_IDLEN + 4];
	size_t		 n = strlen(s);
	int		 len, i;

	if (n == 0 || n > 28 || n % 4 != 0 ||
	    (len = EVP_DecodeBlock(id, (const unsigned char *)s, (int)n)) < 0)
		return 0;
	while (len > 0 && id[len - 1] == '\0')
		len--;		/* EVP_DecodeBlock keeps the padding */
	id[len] = '\0';
	if (fm_account_by_page_id((char *)id, &i) != account || i > npages)
		return 0;
	return i;
}

/*
 * paging.next or paging.previous: an absolute URL back to this fake,
 * on the user id's node as Meta writes it, carrying the token used,
 * its proof, fields, limit and the cursor (B.4).
 */
static json_t *
paging_url(struct fm_call *c, const char *token, long long user,
    int limit, const char *dir, const char *cur)
{
	struct fm_buf	 b;
	const char	*f;
	char		 id[FM_IDLEN], proof[65];
	json_t		*j = NULL;
	int		 rc;

	fm_buf_init(&b, FM_MAX_HEAD);
	rc = fm_buf_adds(&b, fm_cfg->base_url);
	rc |= fm_buf_add(&b, c->req->path, (size_t)(c->rest - c->req->path));
	rc |= fm_buf_addf(&b, "/%s/accounts?access_token=",
	    fm_idstr(user, id));
	rc |= fm_pct_encode(&b, token);
	if ((f = fm_param(c->req, "fields")) != NULL) {
		rc |= fm_buf_adds(&b, "&fields=");
		rc |= fm_pct_encode(&b, f);
	}
	rc |= fm_buf_addf(&b, "&limit=%d&%s=", limit, dir);
	rc |= fm_pct_encode(&b, cur);
	fm_hmac_hex(fm_cfg->fb_app_secret, token, proof);
	rc |= fm_buf_addf(&b, "&appsecret_proof=%s", proof);
	if (rc == 0)
		j = json_string(b.p);
	fm_buf_free(&b);
	return j;
}

/*
 * GET /{ver}/me/accounts or /{ver}/{user-id}/accounts (B.4): the
 * user's Pages, limit (or the login's fake_page_size, else 25) at a
 * time from the after or before cursor, with paging.cursors and
 * paging.next / previous when there is more that way.  Without
 * pages_show_list no Page is listed.
 */
void
fm_fb_accounts(struct fm_call *c)
{
	struct fm_account	 a;
	struct fm_token		 t;
	const char		*str, *v;
	json_t			*data, *paging;
	char			 first[32], last[32];
	long long		 limit;
	int			 total, from, to, i;
	unsigned		 m;

	if (fm_auth(c, FM_TOK_FB, &t, &str) == -1)
		return;
	if (t.kind == FM_TOK_FB_PAGE) {
		fm_graph_fail(c->resp, 100, "OAuthException", "(#100) Tried "
		    "accessing nonexisting field (accounts) on node type "
		    "(Page)");
		return;
	}
	fm_account_get(t.grant.account, &a);
	if (strcmp(c->node, "me") != 0 && fm_account_by_fb_user_id(c->node) !=
	    t.grant.account) {
		fm_no_object(c);
		return;
	}
	if (fm_fields(c, page_fields, "access_token,category,name,id,tasks",
	    "Page", &m) == -1)
		return;
	limit = t.grant.page_size != 0 ? t.grant.page_size : FM_PAGE_LIMIT;
	if ((v = fm_param(c->req, "limit")) != NULL &&
	    fm_parse_ll(v, 1, LLONG_MAX, &limit) == -1) {
		/* Our wording; Meta's for a bad limit is not recorded. */
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) limit must be a positive integer");
		return;
	}
	if (limit > FM_PAGE_MAXLIM)
		limit = FM_PAGE_MAXLIM;
	total = t.grant.perms & fm_scope_bit("pages_show_list") ?
	    t.grant.npages : 0;
	from = 1;
	to = total < limit ? total : (int)limit;
	if ((v = fm_param(c->req, "after")) != NULL ||
	    (v = fm_param(c->req, "before")) != NULL) {
		if ((i = cursor_page(v, t.grant.account, total)) == 0) {
			/* Our wording too. */
			fm_graph_fail(c->resp, 100, "OAuthException",
			    "(#100) The cursor is invalid");
			return;
		}
		if (fm_param(c->req, "after") != NULL) {
			from = i + 1;
			to = i + (int)limit < total ? i + (int)limit : total;
		} else {
			from = i - (int)limit > 1 ? i - (int)limit : 1;
			to = i - 1;
		}
	}
	if ((data = json_array()) == NULL)
		return;
	for (i = from; i <= to; i++)
		json_array_append_new(data, page_json(&t, i, m));
	if (from > to) {
		/* Nothing that way: Graph sends the empty list alone. */
		fm_graph_ok(c->resp, json_pack("{s:o}", "data", data));
		return;
	}
	cursor(t.grant.account, from, first);
	cursor(t.grant.account, to, last);
	paging = json_pack("{s:{s:s, s:s}}", "cursors", "before", first,
	    "after", last);
	if (paging != NULL && from > 1)
		json_object_set_new(paging, "previous", paging_url(c, str,
		    a.fb_user_id, (int)limit, "before", first));
	if (paging != NULL && to < total)
		json_object_set_new(paging, "next", paging_url(c, str,
		    a.fb_user_id, (int)limit, "after", last));
	fm_graph_ok(c->resp, json_pack("{s:o, s:o*}", "data", data,
	    "paging", paging));
}

/* GET /{ver}/me/permissions: what the user granted. */
void
fm_fb_permissions(struct fm_call *c)
{
	struct fm_token	 t;
	const char	*str;
	json_t		*names, *data, *v;
	size_t		 i;

	if (fm_auth(c, FM_TOK_FB, &t, &str) == -1)
		return;
	if ((names = fm_scopes_array(t.grant.perms)) == NULL ||
	    (data = json_array()) == NULL) {
		json_decref(names);
		return;
	}
	json_array_foreach(names, i, v)
		json_array_append_new(data, json_pack("{s:O, s:s}",
		    "permission", v, "status", "granted"));
	json_decref(names);
	fm_graph_ok(c->resp, json_pack("{s:o}", "data", data));
}

/*
 * granular_scopes (B.6): Instagram scopes name the login's linked
 * Instagram accounts, Page scopes other than pages_show_list its Pages
 * (as the sample's pages_show_list has none); target_ids is left out
 * when there is nothing to name.
 */
static json_t *
granular(const struct fm_grant *g)
{
	struct fm_account	 a;
	json_t			*out, *names, *name, *ids, *e;
	const char		*s;
	char			 id[FM_IDLEN];
	size_t			 k;
	int			 i;
	long long		 ig;

	if ((out = json_array()) == NULL ||
	    (names = fm_scopes_array(g->perms)) == NULL)
		return out;
	json_array_foreach(names, k, name) {
		s = json_string_value(name);
		e = json_pack("{s:s}", "scope", s);
		ids = json_array();
		for (i = 1; i <= g->npages && ids != NULL; i++) {
			if (strncmp(s, "instagram_", 10) == 0 &&
			    (ig = fm_fb_page_ig(g, i)) != 0) {
				fm_account_get(ig, &a);
				json_array_append_new(ids,
				    json_string(fm_idstr(a.ig_id, id)));
			} else if (strncmp(s, "pages_", 6) == 0 &&
			    strcmp(s, "pages_show_list") != 0)
				json_array_append_new(ids, json_string(
				    fm_idstr(fm_page_id(g->account, i), id)));
		}
		if (json_array_size(ids) > 0)
			json_object_set(e, "target_ids", ids);
		json_decref(ids);
		json_array_append_new(out, e);
	}
	json_decref(names);
	return out;
}

/*
 * GET /{ver}/debug_token?input_token=T (B.6), asked with the app
 * access token APP_ID|APP_SECRET (its appsecret_proof checked when
 * sent).  A Facebook token answers its metadata, is_valid false once
 * revoked or expired, with the error Graph would give (that member's
 * shape is UNCONFIRMED); any other string answers the bare invalid
 * shape.  Both are 200: only a bad app token is an error.
 */
void
fm_fb_debug_token(struct fm_call *c)
{
	struct fm_account	 a;
	struct fm_token		 t;
	const char		*app, *input;
	json_t			*d;
	char			 want[512], id[FM_IDLEN], msg[256];
	time_t			 now = fm_now();
	int			 sub = 0;

	app = fm_req_token(c->req);
	if (fm_cfg->fb_app_id == NULL || app == NULL ||
	    snprintf(want, sizeof(want), "%s|%s", fm_cfg->fb_app_id,
	    fm_cfg->fb_app_secret) >= (int)sizeof(want) ||
	    strcmp(app, want) != 0) {
		fm_graph_fail(c->resp, 190, "OAuthException",
		    "Invalid OAuth access token - Cannot parse access token");
		return;
	}
	if (fm_param(c->req, "appsecret_proof") != NULL &&
	    fm_appsecret_proof(c, app, fm_cfg->fb_app_secret) == -1)
		return;
	input = fm_param(c->req, "input_token");
	if (!required(c, input, "input_token"))
		return;
	if (fm_token_get(input, &t) == -1 ||
	    !(FM_TOKBIT(t.kind) & FM_TOK_FB)) {
		fm_graph_ok(c->resp, json_pack("{s:{s:{s:i, s:s}, s:b, s:[]}}",
		    "data", "error", "code", 190, "message",
		    "Invalid OAuth access token.", "is_valid", 0, "scopes"));
		return;
	}
	fm_account_get(t.grant.account, &a);
	d = json_pack("{s:s, s:s, s:s, s:I}",
	    "app_id", fm_cfg->fb_app_id,
	    "type", t.kind == FM_TOK_FB_PAGE ? "PAGE" : "USER",
	    "application", "fakemeta",
	    "data_access_expires_at", (json_int_t)t.grant.data_access);
	if (d == NULL)
		return;
	if ((sub = fm_token_revoked(&t)) != 0)
		fm_revoked_message(sub, msg, sizeof(msg));
	else if (t.expires != 0 && now >= t.expires) {
		sub = 463;
		fm_expired_message(t.expires, now, msg, sizeof(msg));
	}
	if (sub != 0)
		json_object_set_new(d, "error", json_pack("{s:i, s:s, s:i}",
		    "code", 190, "message", msg, "subcode", sub));
	/* expires_at 0 is "never" (B.4, B.6). */
	json_object_set_new(d, "expires_at", json_integer(t.expires));
	json_object_set_new(d, "is_valid", json_boolean(sub == 0));
	json_object_set_new(d, "issued_at", json_integer(t.issued));
	json_object_set_new(d, "scopes", fm_scopes_array(t.grant.perms));
	json_object_set_new(d, "granular_scopes", granular(&t.grant));
	json_object_set_new(d, "user_id",
	    json_string(fm_idstr(a.fb_user_id, id)));
	if (t.kind == FM_TOK_FB_PAGE)
		json_object_set_new(d, "profile_id", json_string(
		    fm_idstr(fm_page_id(t.grant.account, t.page), id)));
	fm_graph_ok(c->resp, json_pack("{s:o}", "data", d));
}

static const char *const fbuser_fields[] = { "id", "name", NULL };

/* /me with a Facebook user token: the Facebook user. */
void
fm_fb_me(struct fm_call *c, const struct fm_token *t)
{
	struct fm_account	 a;
	json_t			*j;
	char			 id[FM_IDLEN];
	unsigned		 m;

	if (fm_fields(c, fbuser_fields, "id,name", "User", &m) == -1)
		return;
	fm_account_get(t->grant.account, &a);
	if ((j = json_object()) == NULL)
		return;
	fm_idstr(a.fb_user_id, id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	if (m & 1U << 1)
		json_object_set_new(j, "name", json_string(a.fb_name));
	fm_graph_ok(c->resp, j);
}

/* GET /{ver}/{page-id} (B.4), and /me with a Page token: Page i. */
void
fm_fb_page(struct fm_call *c, const struct fm_token *t, int i)
{
	unsigned	 m;

	if (fm_fields(c, page_fields, "id,name", "Page", &m) == -1)
		return;
	fm_graph_ok(c->resp, page_json(t, i, m));
}

static const char *const fbig_fields[] = {
	"id", "ig_id", "username", "name", "biography", "website",
	"profile_picture_url", "followers_count", "follows_count",
	"media_count", NULL
};

/* GET /{ver}/{ig-user-id} with a Facebook token (B.5). */
void
fm_fb_ig_user(struct fm_call *c, const struct fm_token *t, long long n)
{
	struct fm_account	 a;
	json_t			*j;
	char			 id[FM_IDLEN];
	unsigned		 m;

	if (!(t->grant.perms & fm_scope_bit("instagram_basic"))) {
		fm_graph_fail(c->resp, 10, "OAuthException",
		    "(#10) Application does not have permission for this "
		    "action");
		return;
	}
	if (fm_fields(c, fbig_fields, "id", "IGUser", &m) == -1)
		return;
	fm_account_get(n, &a);
	if ((j = json_object()) == NULL)
		return;
	fm_idstr(a.ig_id, id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	/* The legacy ig_id is a JSON number (B.5). */
	if (m & 1U << 1)
		json_object_set_new(j, "ig_id", json_integer(a.legacy_ig_id));
	if (m & 1U << 2)
		json_object_set_new(j, "username", json_string(a.username));
	if (m & 1U << 3)
		json_object_set_new(j, "name", json_string(a.name));
	if (m & 1U << 4)
		json_object_set_new(j, "biography", json_string(a.biography));
	if ((m & 1U << 5) && a.website[0] != '\0')
		json_object_set_new(j, "website", json_string(a.website));
	if (m & 1U << 6)
		json_object_set_new(j, "profile_picture_url",
		    json_string(a.picture));
	if (m & 1U << 7)
		json_object_set_new(j, "followers_count",
		    json_integer(a.followers));
	if (m & 1U << 8)
		json_object_set_new(j, "follows_count",
		    json_integer(a.follows));
	if (m & 1U << 9)
		json_object_set_new(j, "media_count", json_integer(a.media));
	fm_graph_ok(c->resp, j);
}
