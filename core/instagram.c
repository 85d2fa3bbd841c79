/* SPDX-License-Identifier: ISC */
/*
 * instagram.c: the four calls of Instagram Login (Instagram Login docs)
 * and the defensive reading of their replies.  Meta documents one shape
 * and sends another (data-wrapped or flat, ids as numbers or strings,
 * permissions as an array or a comma string), so each reader accepts
 * every recorded shape and refuses anything else as IG_EUPSTREAM; no
 * field of a reply reaches the database unchecked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"

/* Upper bounds on what we keep of a profile's text fields. */
#define MAX_PROFILE_TEXT	4096

void
ig_token_free(struct ig_token *t)
{
	ig_free_secret(t->access_token);
	free(t->user_id);
	json_decref(t->permissions);
	memset(t, 0, sizeof(*t));
}

void
ig_profile_free(struct ig_profile *p)
{
	free(p->id);
	free(p->ig_id);
	json_decref(p->fields);
	memset(p, 0, sizeof(*p));
}

/* The documented samples wrap the object in {"data":[{...}]}. */
static const json_t *
unwrap(const json_t *reply)
{
	const json_t	*data = json_object_get(reply, "data");

	if (json_is_array(data) && json_is_object(json_array_get(data, 0)))
		return json_array_get(data, 0);
	return reply;
}

static int
permission_ok(const char *s, size_t n)
{
	return n > 0 && n <= 64 && strspn(s,
	    "abcdefghijklmnopqrstuvwxyz_") == n;
}

static enum ig_err
add_permission(json_t *arr, const char *s, size_t n)
{
	if (!permission_ok(s, n))
		return IG_EUPSTREAM;
	if (json_array_append_new(arr, json_stringn(s, n)) != 0)
		return IG_ENOMEM;
	return IG_OK;
}

/* "permissions": ["a","b"] as sent, or "a,b" as documented. */
enum ig_err
ig_read_permissions(const json_t *v, json_t **out)
{
	const char	*s, *end;
	json_t		*arr, *e;
	size_t		 i;
	enum ig_err	 er = IG_OK;

	if ((arr = json_array()) == NULL)
		return IG_ENOMEM;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) || i >= 64) {
				er = IG_EUPSTREAM;
				break;
			}
			if ((er = add_permission(arr, json_string_value(e),
			    json_string_length(e))) != IG_OK)
				break;
		}
	} else if (json_is_string(v)) {
		for (s = json_string_value(v); er == IG_OK && *s != '\0';
		    s = *end == ',' ? end + 1 : end) {
			end = s + strcspn(s, ",");
			er = add_permission(arr, s, (size_t)(end - s));
		}
	} else
		er = IG_EUPSTREAM;
	if (er != IG_OK) {
		json_decref(arr);
		return er;
	}
	*out = arr;
	return IG_OK;
}

enum ig_err
ig_read_access_token(const json_t *o, struct ig_token *t)
{
	const json_t	*v = json_object_get(o, "access_token");
	size_t		 n;

	if (!json_is_string(v) || (n = json_string_length(v)) == 0 ||
	    n > IG_MAX_TOKEN || !ig_valid_token(json_string_value(v), n))
		return IG_EUPSTREAM;
	t->access_token = ig_strdup(json_string_value(v));
	return t->access_token == NULL ? IG_ENOMEM : IG_OK;
}

enum ig_err
ig_insta_authorize_url(const struct ig_cfg *cfg, const char *redirect_uri,
    const char *state, char **url)
{
	const struct ig_kv	query[] = {
		{ "client_id", cfg->ig_app_id },
		{ "redirect_uri", redirect_uri },
		{ "response_type", "code" },
		{ "scope", cfg->ig_scopes },
		{ "state", state },
		{ NULL, NULL } };

	return ig_http_url(cfg->url_instagram_www, "/oauth/authorize", query,
	    url);
}

/*
 * A.2's reply: access_token, user_id, permissions.  A recorded reply
 * (a recorded Instagram Login reply) has no permissions at all; then the scopes
 * asked for ("requested") are taken as granted, as Meta's own consent
 * screen does not let a user untick instagram_business_basic.
 */
enum ig_err
ig_insta_read_code(const json_t *reply, const char *requested,
    struct ig_token *t)
{
	const json_t	*o = unwrap(reply);
	const json_t	*perms = json_object_get(o, "permissions");
	json_t		*asked;
	enum ig_err	 er;

	if ((er = ig_read_access_token(o, t)) != IG_OK ||
	    (er = ig_json_id_dup(o, "user_id", &t->user_id)) != IG_OK)
		return er == IG_ENOTFOUND ? IG_EUPSTREAM : er;
	if (perms != NULL)
		return ig_read_permissions(perms, &t->permissions);
	if ((asked = json_string(requested)) == NULL)
		return IG_ENOMEM;
	er = ig_read_permissions(asked, &t->permissions);
	json_decref(asked);
	return er;
}

/* A.3 and A.4's reply: access_token, token_type, expires_in. */
static enum ig_err
read_long_reply(const json_t *reply, struct ig_token *t)
{
	const json_t	*v = json_object_get(reply, "expires_in");
	enum ig_err	 er;

	if ((er = ig_read_access_token(reply, t)) != IG_OK)
		return er;
	/* About 60 days; anything outside (0, 1 year] is not believable. */
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 366L * 86400)
		return IG_EUPSTREAM;
	t->expires_in = (long)json_integer_value(v);
	return IG_OK;
}

/*
 * On failure the token is released, so a caller never holds a half
 * filled one.
 */
enum ig_err
ig_token_finish(enum ig_err er, json_t *reply, struct ig_token *t,
    const char *what)
{
	json_decref(reply);
	if (er == IG_EUPSTREAM)
		ig_log_warnx("%s: Meta's reply lacks a usable field", what);
	if (er != IG_OK)
		ig_token_free(t);
	return er;
}

enum ig_err
ig_insta_exchange_code(struct ig_ctx *ctx, const char *code,
    const char *redirect_uri, struct ig_token *t,
    struct ig_meta_error *merr)
{
	const struct ig_kv	form[] = {
		{ "client_id", ctx->cfg->ig_app_id },
		{ "client_secret", ctx->cfg->ig_app_secret },
		{ "grant_type", "authorization_code" },
		{ "redirect_uri", redirect_uri },
		{ "code", code },
		{ NULL, NULL } };
	json_t			*reply = NULL;
	enum ig_err		 er;

	memset(t, 0, sizeof(*t));
	/* A POST, never retried: a code works once. */
	er = ig_http_call(ctx->http, ctx->cfg->url_instagram_api,
	    "/oauth/access_token", NULL, form, &reply, merr);
	if (er == IG_OK)
		er = ig_insta_read_code(reply, ctx->cfg->ig_scopes, t);
	return ig_token_finish(er, reply, t, "code exchange");
}

/* A.3 or A.4: a GET answered by a long-lived token. */
static enum ig_err
long_lived_call(struct ig_ctx *ctx, const struct ig_call *g,
    struct ig_token *t, struct ig_meta_error *merr)
{
	json_t		*reply = NULL;
	enum ig_err	 er;

	memset(t, 0, sizeof(*t));
	er = ig_http_get(ctx->http, g->base, g->path, g->query, &reply, merr);
	if (er == IG_OK)
		er = ig_insta_read_token(reply, t);
	json_decref(reply);
	return er;
}

void
ig_insta_long_lived_get(const struct ig_cfg *cfg, const char *short_token,
    struct ig_call *g)
{
	memset(g, 0, sizeof(*g));
	g->base = cfg->url_graph_instagram;
	(void)snprintf(g->path, sizeof(g->path), "/access_token");
	g->query[0] = (struct ig_kv){ "grant_type", "ig_exchange_token" };
	g->query[1] = (struct ig_kv){ "client_secret", cfg->ig_app_secret };
	g->query[2] = (struct ig_kv){ "access_token", short_token };
}

void
ig_insta_refresh_get(const struct ig_cfg *cfg, const char *token,
    struct ig_call *g)
{
	memset(g, 0, sizeof(*g));
	g->base = cfg->url_graph_instagram;
	(void)snprintf(g->path, sizeof(g->path), "/refresh_access_token");
	g->query[0] = (struct ig_kv){ "grant_type", "ig_refresh_token" };
	g->query[1] = (struct ig_kv){ "access_token", token };
}

enum ig_err
ig_insta_read_token(const json_t *reply, struct ig_token *t)
{
	enum ig_err	er;

	memset(t, 0, sizeof(*t));
	er = read_long_reply(reply, t);
	return ig_token_finish(er, NULL, t, "token reply");
}

enum ig_err
ig_insta_long_lived(struct ig_ctx *ctx, const char *short_token,
    struct ig_token *t, struct ig_meta_error *merr)
{
	struct ig_call	g;

	ig_insta_long_lived_get(ctx->cfg, short_token, &g);
	return long_lived_call(ctx, &g, t, merr);
}

enum ig_err
ig_insta_refresh(struct ig_ctx *ctx, const char *token, struct ig_token *t,
    struct ig_meta_error *merr)
{
	struct ig_call	g;

	ig_insta_refresh_get(ctx->cfg, token, &g);
	return long_lived_call(ctx, &g, t, merr);
}

/* Meta's profile field, our name, and whether it is a count. */
static const struct {
	const char	*meta;
	const char	*ours;
	int		 count;
} profile_fields[] = {
	{ "username", "username", 0 },
	{ "name", "name", 0 },
	{ "profile_picture_url", "profilePictureUrl", 0 },
	{ "followers_count", "followersCount", 1 },
	{ "follows_count", "followsCount", 1 },
	{ "media_count", "mediaCount", 1 },
	{ "biography", "biography", 0 },
	{ "website", "website", 0 },
	{ "account_type", "accountType", 0 },
};

/*
 * Copy the known fields; absent ones stay absent (ids beyond 2^53), a
 * field of the wrong type is dropped rather than stored as garbage.
 */
enum ig_err
ig_read_profile_fields(const json_t *o, json_t *fields)
{
	const json_t	*v;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < sizeof(profile_fields) / sizeof(profile_fields[0]);
	    i++) {
		v = json_object_get(o, profile_fields[i].meta);
		if (v == NULL)
			continue;
		if (profile_fields[i].count && json_is_integer(v) &&
		    json_integer_value(v) >= 0)
			rc = json_object_set_new(fields, profile_fields[i].ours,
			    json_integer(json_integer_value(v)));
		else if (!profile_fields[i].count && json_is_string(v) &&
		    json_string_length(v) <= MAX_PROFILE_TEXT &&
		    ig_valid_utf8(json_string_value(v), json_string_length(v)))
			rc = json_object_set_new(fields, profile_fields[i].ours,
			    json_string(json_string_value(v)));
		else
			ig_log_warnx("profile field %s has an unexpected type",
			    profile_fields[i].meta);
		if (rc != 0)
			return IG_ENOMEM;
	}
	return IG_OK;
}

void
ig_insta_profile_get(const struct ig_cfg *cfg, const char *token,
    struct ig_call *g)
{
	memset(g, 0, sizeof(*g));
	g->base = cfg->url_graph_instagram;
	(void)snprintf(g->path, sizeof(g->path), "/%s/me", cfg->graph_version);
	g->query[0] = (struct ig_kv){ "fields", "id,user_id,username,name,"
	    "account_type,profile_picture_url,followers_count,follows_count,"
	    "media_count,biography,website" };
	g->query[1] = (struct ig_kv){ "access_token", token };
}

enum ig_err
ig_insta_read_profile(const json_t *reply, struct ig_profile *p)
{
	const json_t	*o = unwrap(reply);
	enum ig_err	 er;

	memset(p, 0, sizeof(*p));
	if ((er = ig_json_id_dup(o, "id", &p->id)) == IG_ENOTFOUND)
		er = IG_EUPSTREAM;
	if (er == IG_OK &&
	    (er = ig_json_id_dup(o, "user_id", &p->ig_id)) == IG_ENOTFOUND)
		er = IG_OK;
	if (er == IG_OK && (p->fields = json_object()) == NULL)
		er = IG_ENOMEM;
	if (er == IG_OK)
		er = ig_read_profile_fields(o, p->fields);
	if (er == IG_EUPSTREAM)
		ig_log_warnx("profile: Meta's reply lacks a usable id");
	if (er != IG_OK)
		ig_profile_free(p);
	return er;
}

enum ig_err
ig_insta_profile(struct ig_ctx *ctx, const char *token,
    struct ig_profile *p, struct ig_meta_error *merr)
{
	struct ig_call	 g;
	json_t		*reply = NULL;
	enum ig_err	 er;

	memset(p, 0, sizeof(*p));
	ig_insta_profile_get(ctx->cfg, token, &g);
	er = ig_http_get(ctx->http, g.base, g.path, g.query, &reply, merr);
	if (er == IG_OK)
		er = ig_insta_read_profile(reply, p);
	json_decref(reply);
	return er;
}
