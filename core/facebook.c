/* SPDX-License-Identifier: ISC */
/*
 * facebook.c: the calls of Instagram with Facebook Login (Meta's
 * Facebook Login and debug_token docs) and the defensive reading of
 * their replies: the dialog URL, the code and fb_exchange_token
 * exchanges, the user's Pages with their linked Instagram accounts, the
 * Instagram account on the Facebook host, and debug_token.
 * appsecret_proof is added by the HTTP client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"

/* Page ids, Instagram account ids: decimal, and never this long. */
#define MAX_ID		30
#define MAX_PAGE_NAME	1024

void
ig_fb_pages_free(struct ig_fb_page *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(p[i].id);
		free(p[i].name);
		ig_free_secret(p[i].token);
		free(p[i].ig_id);
	}
	free(p);
}

void
ig_fb_debug_free(struct ig_fb_debug *d)
{
	free(d->user_id);
	json_decref(d->scopes);
	memset(d, 0, sizeof(*d));
}

enum ig_err
ig_fb_authorize_url(const struct ig_cfg *cfg, const char *redirect_uri,
    const char *state, char **url)
{
	char			path[32];
	/* Login for Business names a configuration instead of scopes. */
	const struct ig_kv	query[] = {
		{ "client_id", cfg->fb_app_id },
		{ "redirect_uri", redirect_uri },
		{ "response_type", "code" },
		{ cfg->fb_config_id != NULL ? "config_id" : "scope",
		  cfg->fb_config_id != NULL ? cfg->fb_config_id :
		  cfg->fb_scopes },
		{ "state", state },
		{ NULL, NULL } };

	(void)snprintf(path, sizeof(path), "/%s/dialog/oauth",
	    cfg->graph_version);
	return ig_http_url(cfg->url_facebook_www, path, query, url);
}

/*
 * B.2 and B.3's reply: access_token, token_type and, usually, expires_in
 * (user tokens from the code flow may already last 60 days).  A missing
 * expires_in leaves 0: the caller decides what that means.
 */
enum ig_err
ig_fb_read_user_token(const json_t *reply, struct ig_token *t)
{
	const json_t	*v = json_object_get(reply, "expires_in");
	enum ig_err	 er;

	memset(t, 0, sizeof(*t));
	if ((er = ig_read_access_token(reply, t)) != IG_OK)
		return er;
	if (v == NULL)
		return IG_OK;
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 366L * 86400)
		return IG_EUPSTREAM;
	t->expires_in = (long)json_integer_value(v);
	return IG_OK;
}

/*
 * A GET of oauth/access_token answered by a user token.  The code
 * exchange is made once ("once"): a code works once, so even a GET that
 * timed out is not repeated.
 */
static enum ig_err
user_token_call(struct ig_ctx *ctx, const struct ig_kv *query, int once,
    struct ig_token *t, struct ig_meta_error *merr, const char *what)
{
	const struct ig_cfg	*cfg = ctx->cfg;
	char			 path[48];
	json_t			*reply = NULL;
	enum ig_err		 er;

	memset(t, 0, sizeof(*t));
	(void)snprintf(path, sizeof(path), "/%s/oauth/access_token",
	    cfg->graph_version);
	if (once)
		er = ig_http_call(ctx->http, cfg->url_graph_facebook, path,
		    query, NULL, &reply, merr);
	else
		er = ig_http_get(ctx->http, cfg->url_graph_facebook, path,
		    query, &reply, merr);
	if (er == IG_OK)
		er = ig_fb_read_user_token(reply, t);
	return ig_token_finish(er, reply, t, what);
}

enum ig_err
ig_fb_exchange_code(struct ig_ctx *ctx, const char *code,
    const char *redirect_uri, struct ig_token *t, struct ig_meta_error *merr)
{
	const struct ig_kv	query[] = {
		{ "client_id", ctx->cfg->fb_app_id },
		{ "redirect_uri", redirect_uri },
		{ "client_secret", ctx->cfg->fb_app_secret },
		{ "code", code },
		{ NULL, NULL } };

	return user_token_call(ctx, query, 1, t, merr,
	    "facebook code exchange");
}

enum ig_err
ig_fb_long_lived(struct ig_ctx *ctx, const char *user_token,
    struct ig_token *t, struct ig_meta_error *merr)
{
	const struct ig_kv	query[] = {
		{ "grant_type", "fb_exchange_token" },
		{ "client_id", ctx->cfg->fb_app_id },
		{ "client_secret", ctx->cfg->fb_app_secret },
		{ "fb_exchange_token", user_token },
		{ NULL, NULL } };

	return user_token_call(ctx, query, 0, t, merr, "fb_exchange_token");
}

/* An id of "o" that must be there; IG_EUPSTREAM when it is not. */
static enum ig_err
need_id(const json_t *o, const char *name, char **out)
{
	enum ig_err	er = ig_json_id_dup(o, name, out);

	if (er == IG_OK && strlen(*out) > MAX_ID) {
		free(*out);
		*out = NULL;
		er = IG_EUPSTREAM;
	}
	return er == IG_ENOTFOUND ? IG_EUPSTREAM : er;
}

/* One entry of /me/accounts; a Page without an Instagram account is kept. */
static enum ig_err
read_page(const json_t *o, struct ig_fb_page *p)
{
	const json_t	*name = json_object_get(o, "name");
	const json_t	*iba = json_object_get(o, "instagram_business_account");
	struct ig_token	 t;
	enum ig_err	 er;

	memset(p, 0, sizeof(*p));
	memset(&t, 0, sizeof(t));
	if (!json_is_object(o))
		return IG_EUPSTREAM;
	if ((er = need_id(o, "id", &p->id)) != IG_OK)
		return er;
	if ((er = ig_read_access_token(o, &t)) != IG_OK)
		return er;
	p->token = t.access_token;
	if (json_is_string(name) && json_string_length(name) <= MAX_PAGE_NAME &&
	    ig_valid_utf8(json_string_value(name), json_string_length(name)) &&
	    (p->name = ig_strdup(json_string_value(name))) == NULL)
		return IG_ENOMEM;
	/* Pages without a linked account simply lack the field (B.4). */
	if (json_is_object(iba))
		return need_id(iba, "id", &p->ig_id);
	return IG_OK;
}

/* The "after" cursor, only when Meta says there is a next page. */
static enum ig_err
read_next(const json_t *reply, char **after)
{
	const json_t	*paging = json_object_get(reply, "paging");
	const json_t	*a;

	*after = NULL;
	if (!json_is_string(json_object_get(paging, "next")))
		return IG_OK;
	a = json_object_get(json_object_get(paging, "cursors"), "after");
	if (!json_is_string(a) || json_string_length(a) == 0 ||
	    json_string_length(a) > 512 ||
	    !ig_valid_token(json_string_value(a), json_string_length(a)))
		return IG_EUPSTREAM;
	return (*after = ig_strdup(json_string_value(a))) == NULL ?
	    IG_ENOMEM : IG_OK;
}

enum ig_err
ig_fb_read_pages(const json_t *reply, struct ig_fb_page **pages, size_t *n,
    char **after)
{
	const json_t	*data = json_object_get(reply, "data");
	const json_t	*v;
	size_t		 i;
	enum ig_err	 er;

	*pages = NULL;
	*n = 0;
	if (!json_is_array(data) || json_array_size(data) > 1000)
		return IG_EUPSTREAM;
	if (json_array_size(data) > 0 && (*pages = ig_calloc(
	    json_array_size(data), sizeof(**pages))) == NULL)
		return IG_ENOMEM;
	json_array_foreach(data, i, v) {
		(*n)++;
		if ((er = read_page(v, &(*pages)[i])) != IG_OK)
			goto fail;
	}
	if ((er = read_next(reply, after)) == IG_OK)
		return IG_OK;
fail:
	ig_fb_pages_free(*pages, *n);
	*pages = NULL;
	*n = 0;
	return er;
}

enum ig_err
ig_fb_pages(struct ig_ctx *ctx, const char *user_token, const char *after,
    struct ig_fb_page **pages, size_t *n, char **next_after,
    struct ig_meta_error *merr)
{
	const struct ig_kv	 query[] = {
		{ "fields", "id,name,access_token,instagram_business_account" },
		{ "access_token", user_token },
		{ "after", after },
		{ NULL, NULL } };
	char			 path[48];
	json_t			*reply = NULL;
	enum ig_err		 er;

	*pages = NULL;
	*n = 0;
	*next_after = NULL;
	(void)snprintf(path, sizeof(path), "/%s/me/accounts",
	    ctx->cfg->graph_version);
	er = ig_http_get(ctx->http, ctx->cfg->url_graph_facebook, path, query,
	    &reply, merr);
	if (er == IG_OK)
		er = ig_fb_read_pages(reply, pages, n, next_after);
	if (er == IG_EUPSTREAM)
		ig_log_warnx("me/accounts: Meta's reply has an unexpected shape");
	json_decref(reply);
	return er;
}

void
ig_fb_profile_get(const struct ig_cfg *cfg, const char *ig_id,
    const char *token, struct ig_call *g)
{
	memset(g, 0, sizeof(*g));
	g->base = cfg->url_graph_facebook;
	(void)snprintf(g->path, sizeof(g->path), "/%s/%s", cfg->graph_version,
	    ig_id);
	g->query[0] = (struct ig_kv){ "fields", "id,username,name,biography,"
	    "website,profile_picture_url,followers_count,follows_count,"
	    "media_count" };
	g->query[1] = (struct ig_kv){ "access_token", token };
}

/*
 * B.5: the node's "id" is the Instagram professional account id; the
 * account has no app-scoped id on this host, so "id" holds it as well.
 */
enum ig_err
ig_fb_read_profile(const json_t *reply, struct ig_profile *p)
{
	enum ig_err	er;

	memset(p, 0, sizeof(*p));
	if ((er = need_id(reply, "id", &p->ig_id)) == IG_OK &&
	    (p->id = ig_strdup(p->ig_id)) == NULL)
		er = IG_ENOMEM;
	if (er == IG_OK && (p->fields = json_object()) == NULL)
		er = IG_ENOMEM;
	if (er == IG_OK)
		er = ig_read_profile_fields(reply, p->fields);
	if (er == IG_EUPSTREAM)
		ig_log_warnx("instagram account: Meta's reply lacks a usable id");
	if (er != IG_OK)
		ig_profile_free(p);
	return er;
}

enum ig_err
ig_fb_profile(struct ig_ctx *ctx, const char *ig_id, const char *token,
    struct ig_profile *p, struct ig_meta_error *merr)
{
	struct ig_call	 g;
	json_t		*reply = NULL;
	enum ig_err	 er;

	memset(p, 0, sizeof(*p));
	if (strlen(ig_id) > MAX_ID || !ig_valid_digits(ig_id, strlen(ig_id)))
		return IG_EUPSTREAM;
	ig_fb_profile_get(ctx->cfg, ig_id, token, &g);
	er = ig_http_get(ctx->http, g.base, g.path, g.query, &reply, merr);
	if (er == IG_OK)
		er = ig_fb_read_profile(reply, p);
	json_decref(reply);
	return er;
}

enum ig_err
ig_fb_app_token(const struct ig_cfg *cfg, char *out, size_t sz)
{
	int	n;

	n = snprintf(out, sz, "%s|%s", cfg->fb_app_id, cfg->fb_app_secret);
	return n > 0 && (size_t)n < sz ? IG_OK : IG_EINPUT;
}

void
ig_fb_debug_get(const struct ig_cfg *cfg, const char *token,
    const char *app_token, struct ig_call *g)
{
	memset(g, 0, sizeof(*g));
	g->base = cfg->url_graph_facebook;
	(void)snprintf(g->path, sizeof(g->path), "/%s/debug_token",
	    cfg->graph_version);
	g->query[0] = (struct ig_kv){ "input_token", token };
	g->query[1] = (struct ig_kv){ "access_token", app_token };
}

/* A Unix time member; 0 when absent, -1 when not a believable number. */
static time_t
read_time(const json_t *o, const char *name)
{
	const json_t	*v = json_object_get(o, name);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 32503680000LL)
		return -1;
	return (time_t)json_integer_value(v);
}

/* B.6: app_id and user_id as strings or numbers, expires_at 0 = never. */
enum ig_err
ig_fb_read_debug(const json_t *reply, struct ig_fb_debug *d)
{
	const json_t	*o = json_object_get(reply, "data");
	const json_t	*valid = json_object_get(o, "is_valid");
	const json_t	*scopes = json_object_get(o, "scopes");
	enum ig_err	 er;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o) || !json_is_boolean(valid))
		return IG_EUPSTREAM;
	d->valid = json_is_true(valid);
	d->data_access_expires_at = read_time(o, "data_access_expires_at");
	d->expires_at = read_time(o, "expires_at");
	if (d->data_access_expires_at < 0 || d->expires_at < 0)
		return IG_EUPSTREAM;
	if ((er = ig_json_id_dup(o, "user_id", &d->user_id)) == IG_ENOTFOUND)
		er = IG_OK;
	if (er == IG_OK && scopes != NULL)
		er = ig_read_permissions(scopes, &d->scopes);
	else if (er == IG_OK && (d->scopes = json_array()) == NULL)
		er = IG_ENOMEM;
	if (er != IG_OK)
		ig_fb_debug_free(d);
	return er;
}

enum ig_err
ig_fb_debug(struct ig_ctx *ctx, const char *token, struct ig_fb_debug *d,
    struct ig_meta_error *merr)
{
	struct ig_call	 g;
	char		 app_token[256];
	json_t		*reply = NULL;
	enum ig_err	 er;

	memset(d, 0, sizeof(*d));
	if ((er = ig_fb_app_token(ctx->cfg, app_token, sizeof(app_token))) !=
	    IG_OK)
		return er;
	ig_fb_debug_get(ctx->cfg, token, app_token, &g);
	er = ig_http_get(ctx->http, g.base, g.path, g.query, &reply, merr);
	ig_wipe(app_token, sizeof(app_token));
	if (er == IG_OK && (er = ig_fb_read_debug(reply, d)) == IG_EUPSTREAM)
		ig_log_warnx("debug_token: Meta's reply has an unexpected shape");
	json_decref(reply);
	return er;
}
