/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: Instagram API with Instagram Login (Instagram Login docs):
 * the authorize page, the code exchange on api.instagram.com, the
 * long-lived exchange and refresh on graph.instagram.com, and the
 * Instagram user node that /me and /{IG_ID} answer with.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fakemeta.h"

#define MSG_NO_CODE	"Matching code was not found or was already used"
#define MSG_REDIRECT	"Error validating verification code. Please make " \
			"sure your redirect_uri is identical to the one you " \
			"used in the OAuth dialog request"
#define MSG_BAD_APP	"Invalid platform app"

/*
 * Errors the authorize page renders itself instead of redirecting
 * (A.1): observed as the api.instagram.com JSON envelope.
 */
static void
page_error(struct fm_call *c, const char *msg)
{
	fm_oauth_error(c->resp, 400, 400, NULL, msg);
}

/*
 * Exact byte match against --redirect-uri (A.1, F.6); without a list,
 * any single-line http(s) URL.
 */
int
fm_redirect_allowed(const char *uri)
{
	const char	*p;
	size_t		 i;

	if (fm_cfg->nredirects == 0) {
		for (p = uri; *p != '\0'; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				return 0;
		return strncmp(uri, "https://", 8) == 0 ||
		    strncmp(uri, "http://", 7) == 0;
	}
	for (i = 0; i < fm_cfg->nredirects; i++)
		if (strcmp(uri, fm_cfg->redirects[i]) == 0)
			return 1;
	return 0;
}

/*
 * Answer 302 to redirect_uri with params (already encoded) plus the
 * percent-encoded state, then fragment (A.1 "#_", B.1 "#_=_").
 */
void
fm_redirect(struct fm_call *c, const char *redirect, const char *params,
    const char *state, const char *fragment)
{
	struct fm_buf	 b;
	int		 rc;

	fm_buf_init(&b, FM_MAX_HEAD);
	rc = fm_buf_adds(&b, redirect);
	rc |= fm_buf_adds(&b, strchr(redirect, '?') != NULL ? "&" : "?");
	rc |= fm_buf_adds(&b, params);
	if (state != NULL) {
		rc |= fm_buf_adds(&b, "&state=");
		rc |= fm_pct_encode(&b, state);
	}
	rc |= fm_buf_adds(&b, fragment);
	if (rc != 0 || fm_resp_header(c->resp, "Location", b.p) == -1)
		page_error(c, "Invalid redirect_uri");
	else
		fm_resp_text(c->resp, 302, "text/html; charset=utf-8", "");
	fm_buf_free(&b);
}

/* Integer knob name in [min, max] into *out: 0 (also if absent), -1. */
static int
int_knob(struct fm_call *c, const char *name, long long min, long long max,
    long long *out)
{
	const char	*v;
	char		 msg[128];

	if ((v = fm_query(c->req, name)) == NULL ||
	    fm_parse_ll(v, min, max, out) == 0)
		return 0;
	fm_msgf(msg, sizeof(msg), "%s must be an integer from %lld to %lld",
	    name, min, max);
	page_error(c, msg);
	return -1;
}

/*
 * fake_linked=LIST: the comma-separated numbers of the Pages that hold
 * an Instagram account, each at most npages ("" for none).
 */
static int
linked_knob(struct fm_call *c, struct fm_grant *g)
{
	const char	*v, *p;
	char		 msg[128], *e;
	long		 i;

	if ((v = fm_query(c->req, "fake_linked")) == NULL)
		return 0;
	g->linked = 0;
	for (p = v; *p != '\0'; p = e + (*e == ',')) {
		e = NULL;
		i = 0;
		if (*p >= '0' && *p <= '9')
			i = strtol(p, &e, 10);
		if (e == NULL || i < 1 || i > g->npages ||
		    (*e != ',' && *e != '\0')) {
			fm_msgf(msg, sizeof(msg), "fake_linked must list Page "
			    "numbers from 1 to fake_pages (%d)", g->npages);
			page_error(c, msg);
			return -1;
		}
		g->linked |= 1ULL << (i - 1);
	}
	return 0;
}

/*
 * The test knobs that stand in for the user's choices on the consent
 * page: fake_account=N and fake_permissions=a,b; for Facebook Login
 * also the user's Pages (fake_pages, fake_linked, fake_unlinked), the
 * /me/accounts page size (fake_page_size), the data access expiry
 * (fake_data_access_days) and fake_short_lived=1 (the code gives a 1 h
 * user token).  The grant was set by fm_grant_init.  0, or -1 after
 * answering with a page error.
 */
int
fm_login_knobs(struct fm_call *c, enum fm_flavor fl, struct fm_grant *g)
{
	const char	*v;
	struct fm_buf	 bad;
	char		 msg[256];
	long long	 n;
	int		 nbad;

	if (int_knob(c, "fake_account", 1, FM_MAX_ACCOUNT, &g->account) == -1)
		return -1;
	if (fl == FM_FB) {
		n = g->npages;
		if (int_knob(c, "fake_pages", 0, FM_MAX_PAGES, &n) == -1)
			return -1;
		g->npages = (int)n;
		g->linked = g->npages > 0 ? 1 : 0;
		if (linked_knob(c, g) == -1)
			return -1;
		if ((v = fm_query(c->req, "fake_unlinked")) != NULL &&
		    strcmp(v, "1") == 0)
			g->linked = 0;
		n = 0;
		if (int_knob(c, "fake_page_size", 1, FM_PAGE_MAXLIM, &n) == -1)
			return -1;
		g->page_size = (int)n;
		n = FM_DATA_DAYS;
		if (int_knob(c, "fake_data_access_days", 0, 3650, &n) == -1)
			return -1;
		g->data_access = g->login + (time_t)n * 86400;
		g->short_lived = (v = fm_query(c->req, "fake_short_lived")) !=
		    NULL && strcmp(v, "1") == 0;
	}
	if ((v = fm_query(c->req, "fake_permissions")) == NULL)
		return 0;
	fm_buf_init(&bad, 512);
	nbad = fm_scopes_parse(v, fl, &g->perms, &bad);
	if (nbad != 0) {
		fm_msgf(msg, sizeof(msg), "Invalid fake_permissions: %s",
		    bad.p != NULL ? bad.p : "");
		page_error(c, msg);
	}
	fm_buf_free(&bad);
	return nbad == 0 ? 0 : -1;
}

/* One radio button per account the consent page offers; 0 or -1. */
static int
consent_account(struct fm_buf *b, const struct fm_grant *g, long long n)
{
	struct fm_account	 a;

	fm_account_get(n, &a);
	if (g->flavor == FM_FB)
		return fm_buf_addf(b, "<label><input type=\"radio\" "
		    "name=\"fake_account\" value=\"%lld\"%s> %s</label><br>"
		    "\n", n, n == g->account ? " checked" : "", a.fb_name);
	return fm_buf_addf(b, "<label><input type=\"radio\" "
	    "name=\"fake_account\" value=\"%lld\"%s> %s (%s)</label><br>\n",
	    n, n == g->account ? " checked" : "", a.username, a.name);
}

/*
 * The accounts to log in as: the first FM_CONSENT_ACCOUNTS, and the one
 * the URL names (fake_account) when it is another, checked.
 */
static int
consent_accounts(struct fm_buf *b, const struct fm_grant *g)
{
	long long	 n;
	int		 rc;

	rc = fm_buf_adds(b, "<fieldset><legend>Log in as</legend>\n");
	for (n = 1; n <= FM_CONSENT_ACCOUNTS; n++)
		rc |= consent_account(b, g, n);
	if (g->account > FM_CONSENT_ACCOUNTS)
		rc |= consent_account(b, g, g->account);
	rc |= fm_buf_adds(b, "</fieldset>\n");
	return rc;
}

/*
 * Every query parameter as a hidden field, but those the form itself
 * sets (the account and the answer): the first of a repeated name is
 * the one read.
 */
static int
consent_hidden(struct fm_buf *b, const struct fm_req *req)
{
	const struct fm_kv	*kv;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < req->nquery; i++) {
		kv = &req->query[i];
		if (strcmp(kv->name, "fake_account") == 0 ||
		    strcmp(kv->name, "fake_consent") == 0)
			continue;
		rc |= fm_buf_adds(b, "<input type=\"hidden\" name=\"");
		rc |= fm_html_escape(b, kv->name, strlen(kv->name));
		rc |= fm_buf_adds(b, "\" value=\"");
		rc |= fm_html_escape(b, kv->value, kv->vlen);
		rc |= fm_buf_adds(b, "\">\n");
	}
	return rc;
}

/*
 * Meta's login and consent page, reduced to what a person needs to click
 * through it: the fake accounts to log in as, the app and the requested
 * scopes, and a form that GETs the same URL again with the account
 * chosen and fake_consent=allow (Allow) or deny (Deny).  The form's
 * action is relative (the path's last segment), so the page works as
 * well behind a proxy that serves it under a prefix.  Tests skip it by
 * sending fake_consent themselves; fake_deny=1 still denies.
 * FM_CONSENT_ASKED means the page (or a page error) is the answer.
 */
enum fm_consent
fm_consent(struct fm_call *c, const struct fm_grant *g, unsigned requested,
    const char *app_id)
{
	struct fm_buf		 b;
	const char		*v, *action;
	json_t			*names, *name;
	size_t			 i;
	int			 rc;

	if ((v = fm_query(c->req, "fake_deny")) != NULL &&
	    strcmp(v, "1") == 0)
		return FM_CONSENT_DENY;
	if ((v = fm_query(c->req, "fake_consent")) != NULL) {
		if (strcmp(v, "allow") == 0)
			return FM_CONSENT_ALLOW;
		if (strcmp(v, "deny") == 0)
			return FM_CONSENT_DENY;
		page_error(c, "fake_consent must be allow or deny");
		return FM_CONSENT_ASKED;
	}
	action = strrchr(c->req->path, '/') + 1;
	fm_buf_init(&b, 64 * 1024);
	rc = fm_buf_addf(&b, "<!DOCTYPE html>\n<html><head>"
	    "<meta charset=\"utf-8\">"
	    "<title>%s (fakemeta)</title></head>\n<body>\n<h1>%s</h1>\n"
	    "<p>The sandbox: a fake of Meta, with fake accounts only.</p>\n"
	    "<form method=\"get\" action=\"",
	    g->flavor == FM_IG ? "Instagram" : "Facebook",
	    g->flavor == FM_IG ? "Log in with Instagram" :
	    "Log in with Facebook");
	rc |= fm_html_escape(&b, action, strlen(action));
	rc |= fm_buf_adds(&b, "\">\n");
	rc |= consent_accounts(&b, g);
	rc |= fm_buf_adds(&b, "<p>App <b>");
	rc |= fm_html_escape(&b, app_id, strlen(app_id));
	rc |= fm_buf_adds(&b, "</b> asks for:</p>\n<ul>\n");
	names = fm_scopes_array(requested);
	json_array_foreach(names, i, name)
		rc |= fm_buf_addf(&b, "<li>%s</li>\n", json_string_value(name));
	json_decref(names);
	rc |= fm_buf_adds(&b, "</ul>\n");
	rc |= consent_hidden(&b, c->req);
	rc |= fm_buf_adds(&b, "<button type=\"submit\" name=\"fake_consent\" "
	    "value=\"allow\">Allow</button>\n<button type=\"submit\" "
	    "name=\"fake_consent\" value=\"deny\">Deny</button>\n"
	    "</form>\n</body></html>\n");
	if (rc != 0)
		page_error(c, "the request is too large for the consent page");
	else
		fm_resp_text(c->resp, 200, "text/html; charset=utf-8", b.p);
	fm_buf_free(&b);
	return FM_CONSENT_ASKED;
}

void
fm_ig_authorize(struct fm_call *c)
{
	const char	*client_id, *redirect, *rtype, *scope, *state;
	struct fm_grant	 g;
	struct fm_buf	 bad, params;
	char		 code[256], msg[512];
	unsigned	 requested;
	int		 nbad;

	client_id = fm_query(c->req, "client_id");
	redirect = fm_query(c->req, "redirect_uri");
	rtype = fm_query(c->req, "response_type");
	scope = fm_query(c->req, "scope");
	state = fm_query(c->req, "state");
	if (client_id == NULL || strcmp(client_id, fm_cfg->app_id) != 0) {
		page_error(c, MSG_BAD_APP);
		return;
	}
	if (redirect == NULL || !fm_redirect_allowed(redirect)) {
		page_error(c, "Invalid redirect_uri");
		return;
	}
	if (rtype == NULL || strcmp(rtype, "code") != 0) {
		page_error(c, "Invalid response_type");
		return;
	}
	fm_grant_init(&g, FM_IG);
	fm_buf_init(&bad, 512);
	nbad = fm_scopes_parse(scope != NULL ? scope : "", FM_IG, &g.perms,
	    &bad);
	if (nbad != 0) {
		/* Legacy names (business_basic, user_profile) land here. */
		fm_msgf(msg, sizeof(msg), "Invalid scope field(s): %s",
		    bad.p != NULL ? bad.p : "");
		fm_buf_free(&bad);
		page_error(c, msg);
		return;
	}
	fm_buf_free(&bad);
	if (!(g.perms & fm_scope_bit("instagram_business_basic"))) {
		page_error(c, "Invalid scope field(s): "
		    "instagram_business_basic is required");
		return;
	}
	requested = g.perms;
	if (fm_login_knobs(c, FM_IG, &g) == -1)
		return;
	switch (fm_consent(c, &g, requested, client_id)) {
	case FM_CONSENT_ASKED:
		return;
	case FM_CONSENT_DENY:
		fm_redirect(c, redirect, "error=access_denied&"
		    "error_reason=user_denied&"
		    "error_description=The+user+denied+your+request", state,
		    "#_");
		return;
	case FM_CONSENT_ALLOW:
		break;
	}
	if (fm_code_new(&g, redirect, code, sizeof(code)) == -1) {
		page_error(c, "could not mint a code");
		return;
	}
	fm_buf_init(&params, sizeof(code) + 8);
	if (fm_buf_adds(&params, "code=") == -1 ||
	    fm_buf_adds(&params, code) == -1)
		page_error(c, "could not mint a code");
	else
		fm_redirect(c, redirect, params.p, state, "#_");
	fm_buf_free(&params);
}

/*
 * Success bodies of the code exchange: flat (observed), wrapped (doc,
 * "wrapped" 1) or flat without permissions (a recording, "wrapped" 2).
 */
static json_t *
exchange_body(const char *token, const struct fm_grant *g, int wrapped)
{
	struct fm_account	 a;
	struct fm_buf		 perms;
	char			 uid[FM_IDLEN];
	json_t			*j;

	fm_account_get(g->account, &a);
	if (wrapped == 2)
		return json_pack("{s:s, s:I}", "access_token", token,
		    "user_id", (json_int_t)a.app_scoped_id);
	if (!wrapped)
		/* user_id: an unquoted number above 2^53 (A.2). */
		return json_pack("{s:s, s:I, s:o}",
		    "access_token", token,
		    "user_id", (json_int_t)a.app_scoped_id,
		    "permissions", fm_scopes_array(g->perms));
	fm_buf_init(&perms, 4096);
	fm_idstr(a.app_scoped_id, uid);
	j = fm_scopes_csv(g->perms, &perms) == -1 ? NULL :
	    json_pack("{s:[{s:s, s:s, s:s}]}", "data",
	    "access_token", token,
	    "user_id", uid,
	    "permissions", perms.p != NULL ? perms.p : "");
	fm_buf_free(&perms);
	return j;
}

/*
 * POST api.instagram.com/oauth/access_token (A.2).  Only form bodies
 * count: urlencoded, or multipart as in Meta's sample.  JSON is
 * UNCONFIRMED there, so a client sending it finds no fields at all.
 */
void
fm_ig_code_exchange(struct fm_call *c)
{
	const char	*client_id, *secret, *gtype, *redirect, *code, *ct;
	struct fm_grant	 g;
	struct fm_token	 t;
	char		 tok[FM_TOKEN_LEN + 1];

	ct = fm_header(c->req, "content-type");
	if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0)
		c->req->nform = 0;
	client_id = fm_form(c->req, "client_id");
	secret = fm_form(c->req, "client_secret");
	gtype = fm_form(c->req, "grant_type");
	redirect = fm_form(c->req, "redirect_uri");
	code = fm_form(c->req, "code");
	if (client_id == NULL) {
		fm_oauth_error(c->resp, 400, 400, NULL,
		    "You must provide a client_id");
		return;
	}
	if (strcmp(client_id, fm_cfg->app_id) != 0 || secret == NULL ||
	    strcmp(secret, fm_cfg->app_secret) != 0) {
		fm_oauth_error(c->resp, 400, 400, NULL, MSG_BAD_APP);
		return;
	}
	if (gtype == NULL || strcmp(gtype, "authorization_code") != 0) {
		fm_oauth_error(c->resp, 400, 400, NULL, "Invalid grant_type");
		return;
	}
	if (redirect == NULL) {
		fm_oauth_error(c->resp, 400, 400, NULL,
		    "You must provide a redirect_uri");
		return;
	}
	if (code == NULL) {
		fm_oauth_error(c->resp, 400, 400, NULL,
		    "You must provide a code");
		return;
	}
	switch (fm_code_take(code, FM_IG, redirect, &g)) {
	case FM_CODE_OK:
		break;
	case FM_CODE_REDIRECT:
		fm_oauth_error(c->resp, 400, 400, NULL, MSG_REDIRECT);
		return;
	default:
		/* Unknown, used and expired look the same (A.2). */
		fm_oauth_error(c->resp, 400, 400, NULL, MSG_NO_CODE);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.kind = FM_TOK_IG_SHORT;
	t.grant = g;
	t.issued = fm_now();
	t.expires = t.issued + FM_SHORT_TTL;
	if (fm_token_new(&t, tok, sizeof(tok)) == -1) {
		fm_resp_text(c->resp, 500, "text/plain", "token\n");
		return;
	}
	fm_graph_ok(c->resp, exchange_body(tok, &g, c->wrapped));
}

/* Missing or wrong grant_type, as a Graph (#100) error.  1 if answered. */
static int
bad_grant(struct fm_call *c, const char *want)
{
	const char	*gt = fm_param(c->req, "grant_type");
	char		 msg[160];

	if (gt != NULL && strcmp(gt, want) == 0)
		return 0;
	if (gt == NULL)
		fm_msgf(msg, sizeof(msg),
		    "(#100) The parameter grant_type is required");
	else
		fm_msgf(msg, sizeof(msg),
		    "(#100) Unsupported grant_type: %.64s", gt);
	fm_graph_fail(c->resp, 100, "OAuthException", msg);
	return 1;
}

/* Mint a long-lived Instagram token and answer A.3's body. */
static void
long_lived(struct fm_call *c, const struct fm_grant *g, long lifetime)
{
	struct fm_token	 t;
	char		 tok[FM_TOKEN_LEN + 1];

	memset(&t, 0, sizeof(t));
	t.kind = FM_TOK_IG_LONG;
	t.grant = *g;
	t.issued = fm_now();
	t.expires = t.issued + lifetime;
	if (fm_token_new(&t, tok, sizeof(tok)) == -1) {
		fm_resp_text(c->resp, 500, "text/plain", "token\n");
		return;
	}
	fm_graph_ok(c->resp, json_pack("{s:s, s:s, s:I}",
	    "access_token", tok,
	    "token_type", "bearer",
	    "expires_in", (json_int_t)lifetime));
}

/* GET graph.instagram.com/access_token?grant_type=ig_exchange_token (A.3). */
void
fm_ig_exchange(struct fm_call *c)
{
	const char	*secret, *str;
	struct fm_token	 t;

	if (bad_grant(c, "ig_exchange_token"))
		return;
	if ((secret = fm_param(c->req, "client_secret")) == NULL) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) The parameter client_secret is required");
		return;
	}
	/* Code 100 per an operator note; UNCONFIRMED (A.3). */
	if (strcmp(secret, fm_cfg->app_secret) != 0) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "Error validating client secret");
		return;
	}
	if (fm_auth(c, FM_TOK_IG, &t, &str) == -1)
		return;
	/* Only short-lived tokens are exchanged; the wording is ours. */
	if (t.kind != FM_TOK_IG_SHORT) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) The access_token must be a short-lived Instagram "
		    "User access token");
		return;
	}
	long_lived(c, &t.grant, FM_EXCHANGE_TTL);
}

/*
 * GET graph.instagram.com/refresh_access_token (A.4): a long-lived
 * token at least 24 hours old and unexpired, with
 * instagram_business_basic, gets a new 60-day token.  The old token
 * keeps working until its own expiry (UNCONFIRMED; chosen so a client
 * that loses the reply is not locked out).
 */
void
fm_ig_refresh(struct fm_call *c)
{
	const char	*str;
	struct fm_token	 t;

	if (bad_grant(c, "ig_refresh_token"))
		return;
	if (fm_auth(c, FM_TOK_IG, &t, &str) == -1)
		return;
	if (t.kind != FM_TOK_IG_LONG) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) Only long-lived access tokens can be refreshed");
		return;
	}
	if (!(t.grant.perms & fm_scope_bit("instagram_business_basic"))) {
		fm_graph_fail(c->resp, 10, "OAuthException",
		    "(#10) Application does not have permission for this "
		    "action");
		return;
	}
	/* Refreshing a younger token: UNCONFIRMED (A.4); we refuse it. */
	if (fm_now() - t.issued < FM_REFRESH_AGE) {
		fm_graph_fail(c->resp, 100, "OAuthException",
		    "(#100) The access token is less than 24 hours old and "
		    "cannot be refreshed yet");
		return;
	}
	/* expires_in varies between replies in real traffic (A.3). */
	long_lived(c, &t.grant, fm_rand_range(FM_LONG_TTL - 100, FM_LONG_TTL));
}

/* Fields of the Instagram user node on graph.instagram.com (A.5). */
static const char *const ig_fields[] = {
	"id", "user_id", "username", "name", "account_type",
	"profile_picture_url", "followers_count", "follows_count",
	"media_count", "biography", "website", NULL
};

/*
 * Answer the Instagram user node of account n for an Instagram token:
 * only requested fields the account has, ids as strings (A.5).  No
 * "fields" gives the id alone (Meta's default is UNCONFIRMED).
 */
void
fm_ig_user(struct fm_call *c, const struct fm_token *t, long long n)
{
	struct fm_account	 a;
	json_t			*j;
	unsigned		 m;
	char			 id[FM_IDLEN];

	if (!(t->grant.perms & fm_scope_bit("instagram_business_basic"))) {
		fm_graph_fail(c->resp, 10, "OAuthException",
		    "(#10) Application does not have permission for this "
		    "action");
		return;
	}
	if (fm_fields(c, ig_fields, "id", "User", &m) == -1)
		return;
	fm_account_get(n, &a);
	if ((j = json_object()) == NULL)
		return;
	/* Insertion order is the order of ig_fields[]. */
	fm_idstr(a.app_scoped_id, id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	fm_idstr(a.ig_id, id);
	if (m & 1U << 1)
		json_object_set_new(j, "user_id", json_string(id));
	if (m & 1U << 2)
		json_object_set_new(j, "username", json_string(a.username));
	if (m & 1U << 3)
		json_object_set_new(j, "name", json_string(a.name));
	if (m & 1U << 4)
		json_object_set_new(j, "account_type", json_string("BUSINESS"));
	if (m & 1U << 5)
		json_object_set_new(j, "profile_picture_url",
		    json_string(a.picture));
	if (m & 1U << 6)
		json_object_set_new(j, "followers_count",
		    json_integer(a.followers));
	if (m & 1U << 7)
		json_object_set_new(j, "follows_count",
		    json_integer(a.follows));
	if (m & 1U << 8)
		json_object_set_new(j, "media_count", json_integer(a.media));
	if (m & 1U << 9)
		json_object_set_new(j, "biography", json_string(a.biography));
	if ((m & 1U << 10) && a.website[0] != '\0')
		json_object_set_new(j, "website", json_string(a.website));
	fm_graph_ok(c->resp, j);
}
