/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: the test-only control API under /_fake/ (JSON in and out):
 * reset, clock, inject, latency, tokens, codes, revoke, proof, quota,
 * stats, media, requests, and the sandbox's dev tokens (jwt.c).  It is
 * never delayed, injected or counted, so tests can always steer the
 * fake.
 */

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fakemeta.h"

#define MAX_MINT	100000		/* tokens per /_fake/tokens */

static void
reply(struct fm_call *c, int status, json_t *j)
{
	fm_resp_json(c->resp, status, j, 0);
}

static void
error(struct fm_call *c, int status, const char *msg)
{
	reply(c, status, json_pack("{s:s}", "error", msg));
}

/* The request body as a JSON object (new), {} when empty, or NULL. */
static json_t *
body(struct fm_call *c)
{
	json_error_t	 jerr;
	json_t		*j;
	char		 msg[256];

	if (c->req->bodylen == 0)
		return json_object();
	if ((j = json_loadb(c->req->body, c->req->bodylen,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		fm_msgf(msg, sizeof(msg), "invalid JSON body: %s",
		    jerr.text);
		error(c, 400, msg);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		error(c, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Refuse members other than those in allowed[] (NULL-terminated). */
static int
only(struct fm_call *c, json_t *o, const char *const *allowed)
{
	const char	*k;
	json_t		*v;
	char		 msg[128];
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			fm_msgf(msg, sizeof(msg),
			    "unknown member \"%.64s\"", k);
			error(c, 400, msg);
			return -1;
		}
	}
	return 0;
}

/* Optional integer member in [min, max]: 0 (unchanged if absent), -1. */
static int
opt_int(struct fm_call *c, json_t *o, const char *key, long long min,
    long long max, long long *out)
{
	json_t	*v;
	char	 msg[128];

	if ((v = json_object_get(o, key)) == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= min &&
	    json_integer_value(v) <= max) {
		*out = json_integer_value(v);
		return 0;
	}
	fm_msgf(msg, sizeof(msg), "%s must be an integer from %lld to "
	    "%lld", key, min, max);
	error(c, 400, msg);
	return -1;
}

static void
reset(struct fm_call *c)
{
	fm_state_reset();
	fm_stats_reset();
	fm_inject_reset();
	reply(c, 200, json_pack("{s:b}", "ok", 1));
}

static void
clock_ctl(struct fm_call *c)
{
	static const char *const keys[] = { "advance", NULL };
	json_t		*b;
	long long	 adv = 0;
	int		 rc;

	if (strcmp(c->req->method, "GET") == 0) {
		reply(c, 200, json_pack("{s:I}", "now", (json_int_t)fm_now()));
		return;
	}
	if ((b = body(c)) == NULL)
		return;
	rc = only(c, b, keys);
	if (rc == 0 && json_object_get(b, "advance") == NULL) {
		error(c, 400, "advance is required");
		rc = -1;
	}
	if (rc == 0)
		rc = opt_int(c, b, "advance", 0, 100LL * 365 * 86400, &adv);
	json_decref(b);
	if (rc == 0)
		reply(c, 200, json_pack("{s:I}", "now",
		    (json_int_t)fm_clock_advance(adv)));
}

static void
inject(struct fm_call *c)
{
	json_t	*b;
	char	 err[256];

	if (strcmp(c->req->method, "GET") == 0) {
		reply(c, 200, json_pack("{s:I}", "pending",
		    (json_int_t)fm_inject_pending()));
		return;
	}
	if ((b = body(c)) == NULL)
		return;
	if (fm_inject_add(b, err, sizeof(err)) == -1)
		error(c, 400, err);
	else
		reply(c, 200, json_pack("{s:b, s:I}", "ok", 1, "pending",
		    (json_int_t)fm_inject_pending()));
	json_decref(b);
}

static void
latency(struct fm_call *c)
{
	static const char *const keys[] = { "ms", NULL };
	json_t		*b;
	long long	 ms = -1;

	if (strcmp(c->req->method, "GET") != 0) {
		if ((b = body(c)) == NULL)
			return;
		if (only(c, b, keys) == -1 ||
		    opt_int(c, b, "ms", 0, 600000, &ms) == -1) {
			json_decref(b);
			return;
		}
		json_decref(b);
		if (ms == -1) {
			error(c, 400, "ms is required");
			return;
		}
		fm_latency_set((long)ms);
	}
	reply(c, 200, json_pack("{s:I}", "ms", (json_int_t)fm_latency_get()));
}

/* One minted token as the control API shows it. */
static json_t *
token_json(const char *tok, const struct fm_token *t)
{
	struct fm_account	 a;
	char			 uid[FM_IDLEN], igid[FM_IDLEN];
	static const char *const kinds[] = {
		"short", "long", "fb_user", "fb_page"
	};

	fm_account_get(t->grant.account, &a);
	fm_idstr(t->grant.flavor == FM_IG ?
	    a.app_scoped_id : a.fb_user_id, uid);
	fm_idstr(a.ig_id, igid);
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:o}",
	    "access_token", tok,
	    "kind", kinds[t->kind],
	    "account", (json_int_t)t->grant.account,
	    "user_id", uid,
	    "ig_id", igid,
	    "issued_at", (json_int_t)t->issued,
	    "expires_at", t->expires == 0 ? json_null() :
	    json_integer(t->expires));
}

/* Permissions member: an array of scope names of the token's flavor. */
static int
perms(struct fm_call *c, json_t *b, struct fm_token *t)
{
	json_t		*a, *v;
	size_t		 i;
	unsigned	 bit;

	if ((a = json_object_get(b, "permissions")) == NULL) {
		t->grant.perms = fm_scopes_all(t->grant.flavor);
		return 0;
	}
	if (!json_is_array(a))
		goto bad;
	t->grant.perms = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    (bit = fm_scope_bit(json_string_value(v))) == 0 ||
		    (bit & fm_scopes_all(t->grant.flavor)) == 0)
			goto bad;
		t->grant.perms |= bit;
	}
	return 0;
bad:
	error(c, 400, "permissions must be an array of scope names of the "
	    "token's login flavor");
	return -1;
}

/*
 * POST /_fake/tokens: mint tokens directly, already "age" seconds old,
 * so refresh jobs can be tested without walking the login flow.
 */
static void
tokens(struct fm_call *c)
{
	static const char *const keys[] = {
		"account", "kind", "age", "expires_in", "permissions",
		"count", "unlinked", "pages", "page", NULL
	};
	struct fm_token		 t;
	json_t			*b, *v, *list = NULL;
	const char		*kind = "long";
	char			 tok[FM_TOKEN_LEN + 1];
	long long		 acct = 1, age = 0, life = -1, count = -1, i;
	long long		 npages = FM_PAGES, page = 1;
	time_t			 now;

	if ((b = body(c)) == NULL)
		return;
	memset(&t, 0, sizeof(t));
	if (only(c, b, keys) == -1 ||
	    opt_int(c, b, "account", 1, FM_MAX_ACCOUNT, &acct) == -1 ||
	    opt_int(c, b, "age", 0, 100LL * 365 * 86400, &age) == -1 ||
	    opt_int(c, b, "expires_in", 0, 100LL * 365 * 86400, &life) ==
	    -1 || opt_int(c, b, "count", 1, MAX_MINT, &count) == -1 ||
	    opt_int(c, b, "pages", 1, FM_MAX_PAGES, &npages) == -1 ||
	    opt_int(c, b, "page", 1, npages, &page) == -1)
		goto out;
	if ((v = json_object_get(b, "kind")) != NULL)
		kind = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(kind, "short") == 0)
		t.kind = FM_TOK_IG_SHORT;
	else if (strcmp(kind, "long") == 0)
		t.kind = FM_TOK_IG_LONG;
	else if (strcmp(kind, "fb_user") == 0)
		t.kind = FM_TOK_FB_USER;
	else if (strcmp(kind, "fb_page") == 0)
		t.kind = FM_TOK_FB_PAGE;
	else {
		error(c, 400, "kind must be short, long, fb_user or fb_page");
		goto out;
	}
	fm_grant_init(&t.grant, t.kind == FM_TOK_IG_SHORT ||
	    t.kind == FM_TOK_IG_LONG ? FM_IG : FM_FB);
	if (t.grant.flavor == FM_FB && fm_cfg->fb_app_id == NULL) {
		error(c, 400, "Facebook tokens need --fb-app-id");
		goto out;
	}
	t.grant.account = acct;
	t.grant.npages = (int)npages;
	if (json_is_true(json_object_get(b, "unlinked")))
		t.grant.linked = 0;
	if (perms(c, b, &t) == -1)
		goto out;
	if (life == -1)
		life = t.kind == FM_TOK_IG_SHORT ? FM_SHORT_TTL :
		    t.kind == FM_TOK_FB_PAGE ? 0 : FM_LONG_TTL;
	t.page = (int)page;
	now = fm_now();
	t.issued = now - (time_t)age;
	/* The login happened when the token was first issued. */
	t.grant.login = t.issued;
	t.grant.data_access = t.issued + FM_DATA_DAYS * 86400;
	/* Page tokens never expire unless told otherwise (B.4). */
	t.expires = t.kind == FM_TOK_FB_PAGE && life == 0 ? 0 :
	    t.issued + (time_t)life;
	if (count == -1) {
		if (fm_token_new(&t, tok, sizeof(tok)) == 0)
			reply(c, 200, token_json(tok, &t));
		goto out;
	}
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < count; i++)
		if (fm_token_new(&t, tok, sizeof(tok)) == 0)
			json_array_append_new(list, token_json(tok, &t));
	reply(c, 200, json_pack("{s:o}", "tokens", list));
out:
	json_decref(b);
}

/*
 * POST /_fake/codes: mint login codes for accounts "account",
 * "account"+1, ... as if each user had consented to every scope of the
 * "flavor" ("instagram", the default, or "facebook", with the dialog's
 * default Pages), so benchmarks can drive the code exchange without the
 * browser step.  Codes are bound to "redirect_uri" as the login pages
 * bind them.
 */
static void
codes(struct fm_call *c)
{
	static const char *const keys[] = {
		"account", "count", "redirect_uri", "flavor", NULL
	};
	struct fm_grant	 g;
	json_t		*b, *list = NULL;
	const char	*redirect, *fl;
	char		 code[256];
	long long	 acct = 1, count = 1, i;

	if ((b = body(c)) == NULL)
		return;
	if (only(c, b, keys) == -1 ||
	    opt_int(c, b, "account", 1, FM_MAX_ACCOUNT - MAX_MINT, &acct) ==
	    -1 || opt_int(c, b, "count", 1, MAX_MINT, &count) == -1)
		goto out;
	redirect = json_string_value(json_object_get(b, "redirect_uri"));
	if (redirect == NULL || !fm_redirect_allowed(redirect)) {
		error(c, 400, "redirect_uri must be a registered redirect URI");
		goto out;
	}
	if ((fl = json_string_value(json_object_get(b, "flavor"))) == NULL)
		fl = json_object_get(b, "flavor") == NULL ? "instagram" : "";
	if (strcmp(fl, "instagram") != 0 && (strcmp(fl, "facebook") != 0 ||
	    fm_cfg->fb_app_id == NULL)) {
		error(c, 400, "flavor must be instagram, or facebook with "
		    "--fb-app-id");
		goto out;
	}
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < count; i++) {
		fm_grant_init(&g, *fl == 'i' ? FM_IG : FM_FB);
		g.perms = fm_scopes_all(g.flavor);
		g.account = acct + i;
		if (fm_code_new(&g, redirect, code, sizeof(code)) == 0)
			json_array_append_new(list, json_string(code));
	}
	reply(c, 200, json_pack("{s:o}", "codes", list));
out:
	json_decref(b);
}

/*
 * POST /_fake/revoke {"account":N, "flavor":"facebook"|"instagram",
 * "error_subcode":460|458}: every login of account N so far (both
 * flavors unless one is named) dies, with all its user and Page tokens,
 * as when the user changes their password (460, the default) or
 * removes the app (458) (C.2).
 */
static void
revoke(struct fm_call *c)
{
	static const char *const keys[] = {
		"account", "flavor", "error_subcode", NULL
	};
	json_t		*b, *v;
	const char	*fl = NULL;
	long long	 acct = 0, sub = 460;

	if ((b = body(c)) == NULL)
		return;
	if (only(c, b, keys) == -1 ||
	    opt_int(c, b, "account", 1, FM_MAX_ACCOUNT, &acct) == -1 ||
	    opt_int(c, b, "error_subcode", 458, 460, &sub) == -1)
		goto out;
	if ((v = json_object_get(b, "flavor")) != NULL &&
	    ((fl = json_string_value(v)) == NULL ||
	    (strcmp(fl, "facebook") != 0 && strcmp(fl, "instagram") != 0))) {
		error(c, 400, "flavor must be facebook or instagram");
		goto out;
	}
	if (acct == 0 || sub == 459) {
		error(c, 400, "account is required; error_subcode is 460 or "
		    "458");
		goto out;
	}
	if (fl == NULL || *fl == 'f')
		fm_revoke(FM_FB, acct, (int)sub);
	if (fl == NULL || *fl == 'i')
		fm_revoke(FM_IG, acct, (int)sub);
	reply(c, 200, json_pack("{s:b}", "ok", 1));
out:
	json_decref(b);
}

/*
 * GET or POST /_fake/proof {"instagram":true}: whether
 * graph.instagram.com calls need appsecret_proof (C.4 leaves it
 * UNCONFIRMED); reset restores --require-ig-proof.
 */
static void
proof(struct fm_call *c)
{
	static const char *const keys[] = { "instagram", NULL };
	json_t		*b, *v;

	if (strcmp(c->req->method, "POST") == 0) {
		if ((b = body(c)) == NULL)
			return;
		if (only(c, b, keys) == -1) {
			json_decref(b);
			return;
		}
		if (!json_is_boolean(v = json_object_get(b, "instagram"))) {
			json_decref(b);
			error(c, 400, "instagram must be true or false");
			return;
		}
		fm_ig_proof_set(json_is_true(v));
		json_decref(b);
	}
	reply(c, 200, json_pack("{s:b}", "instagram", fm_ig_proof()));
}

/*
 * GET or POST /_fake/quota {"total":N}: content_publishing_limit's
 * quota_total and the limit media_publish enforces (D.4); reset
 * restores the reference sample's 50.
 */
static void
quota(struct fm_call *c)
{
	static const char *const keys[] = { "total", NULL };
	json_t		*b;
	long long	 n = -1;

	if (strcmp(c->req->method, "POST") == 0) {
		if ((b = body(c)) == NULL)
			return;
		if (only(c, b, keys) == -1 ||
		    opt_int(c, b, "total", 0, 100000, &n) == -1) {
			json_decref(b);
			return;
		}
		json_decref(b);
		if (n == -1) {
			error(c, 400, "total is required");
			return;
		}
		fm_quota_total_set((int)n);
	}
	reply(c, 200, json_pack("{s:i}", "total", fm_quota_total()));
}

/*
 * GET or POST /_fake/usage {"app":N, "buc":N, "regain":M}: what every
 * Graph reply reports in X-App-Usage and X-Business-Use-Case-Usage
 * (C.3), as percentages, -1 not to send the header, and the latter's
 * estimated_time_to_regain_access in minutes.  Members left out keep
 * their value; reset sends neither header again.
 */
static void
usage(struct fm_call *c)
{
	static const char *const keys[] = { "app", "buc", "regain", NULL };
	struct fm_usage	 u;
	long long	 app, buc, regain;
	json_t		*b;

	fm_usage_get(&u);
	if (strcmp(c->req->method, "POST") == 0) {
		if ((b = body(c)) == NULL)
			return;
		app = u.app;
		buc = u.buc;
		regain = u.regain;
		if (only(c, b, keys) == -1 ||
		    opt_int(c, b, "app", -1, 1000, &app) == -1 ||
		    opt_int(c, b, "buc", -1, 1000, &buc) == -1 ||
		    opt_int(c, b, "regain", 0, 1440, &regain) == -1) {
			json_decref(b);
			return;
		}
		json_decref(b);
		u.app = (int)app;
		u.buc = (int)buc;
		u.regain = (int)regain;
		fm_usage_set(&u);
	}
	reply(c, 200, json_pack("{s:i, s:i, s:i}", "app", u.app, "buc", u.buc,
	    "regain", u.regain));
}

/*
 * GET /_fake/media?account=IG_ID: the media that account published,
 * oldest first, each with the container it came from, so a test can
 * assert that one request made exactly one post.
 */
static void
media(struct fm_call *c)
{
	const char	*s;
	long long	 n;

	if ((s = fm_query(c->req, "account")) == NULL ||
	    (n = fm_account_by_ig_id(s)) == 0) {
		error(c, 400, "account must be an IG_ID");
		return;
	}
	reply(c, 200, json_pack("{s:o}", "media", fm_media_json(n)));
}

static void
stats(struct fm_call *c)
{
	reply(c, 200, fm_stats_json());
}

static void
requests(struct fm_call *c)
{
	const char	*rn, *ls;
	long long	 limit = 20;
	int		 r;

	if ((rn = fm_query(c->req, "route")) == NULL ||
	    (r = fm_route_by_name(rn)) == -1 || r == FM_R_ANY ||
	    r == FM_R_CONTROL) {
		error(c, 400, "route must name a route");
		return;
	}
	if ((ls = fm_query(c->req, "limit")) != NULL &&
	    fm_parse_ll(ls, 1, 128, &limit) == -1) {
		error(c, 400, "limit must be an integer from 1 to 128");
		return;
	}
	reply(c, 200, json_pack("{s:o}", "requests",
	    fm_stats_requests((enum fm_route)r, (size_t)limit)));
}

void
fm_control(struct fm_call *c)
{
	static const struct {
		const char	*name;
		const char	*methods;	/* space-separated */
		void		(*fn)(struct fm_call *);
	} eps[] = {
		{ "reset", "POST", reset },
		{ "clock", "GET POST", clock_ctl },
		{ "inject", "GET POST", inject },
		{ "latency", "GET POST", latency },
		{ "tokens", "POST", tokens },
		{ "codes", "POST", codes },
		{ "revoke", "POST", revoke },
		{ "proof", "GET POST", proof },
		{ "quota", "GET POST", quota },
		{ "usage", "GET POST", usage },
		{ "stats", "GET", stats },
		{ "media", "GET", media },
		{ "requests", "GET", requests },
		{ "jwt", "GET", fm_dev_token },
	};
	const char	*m = c->req->method;
	size_t		 i, ml = strlen(m);
	const char	*p;

	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		if (strcmp(c->rest, eps[i].name) == 0)
			break;
	if (i == sizeof(eps) / sizeof(eps[0])) {
		error(c, 404, "unknown control endpoint");
		return;
	}
	for (p = eps[i].methods; (p = strstr(p, m)) != NULL; p += ml)
		if ((p[ml] == ' ' || p[ml] == '\0') &&
		    (p == eps[i].methods || p[-1] == ' '))
			break;
	if (p == NULL) {
		error(c, 405, "method not allowed");
		return;
	}
	eps[i].fn(c);
}
