/* SPDX-License-Identifier: ISC */
/*
 * conn.c: the oauth_connections row of a user, read and written.  Every
 * write is one statement (a data-modifying CTE with its history row), so
 * a crash never leaves half of it; every link is the seed's
 * INSERT ... ON CONFLICT (userId, provider) DO UPDATE; a
 * token write after a Meta call is conditional on the row's version, so
 * it cannot overwrite a newer link.  Tokens are sealed
 * with the row's user and provider as associated data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define PROVIDER	IG_PROVIDER

/* The history row of a write, from the CTE "up" holding the new row. */
#define HISTORY(event, detail) \
	"h AS (INSERT INTO connection_history (connectionId, userId, " \
	"provider, event, detail) SELECT id, userId, provider, " event ", " \
	detail " FROM up) "

static const struct ig_stmt conn_link = { "conn_link",
	"WITH up AS (INSERT INTO oauth_connections AS c (userId, provider, "
	"  providerUserId, accessToken, refreshToken, expiresAt, "
	"  businessAccountId, scopes, metadata, status, tokenIssuedAt, "
	"  connectedAt, lastSyncedAt, updatedAt) "
	"VALUES ($1, '" PROVIDER "', $2, $3, $9, CASE WHEN $4::int > 0 THEN "
	"  now() + $4::int * interval '1 second' END, $5, "
	"  ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7::jsonb, "
	"  'active', now(), now(), now(), now()) "
	"ON CONFLICT (userId, provider) DO UPDATE SET "
	"  providerUserId = EXCLUDED.providerUserId, "
	"  accessToken = EXCLUDED.accessToken, "
	"  refreshToken = EXCLUDED.refreshToken, "
	"  expiresAt = EXCLUDED.expiresAt, "
	"  businessAccountId = EXCLUDED.businessAccountId, "
	"  scopes = EXCLUDED.scopes, "
	/* Settings belong to the account: kept when it is linked again. */
	"  metadata = EXCLUDED.metadata || CASE WHEN c.providerUserId = "
	"    EXCLUDED.providerUserId AND c.metadata ? 'settings' THEN "
	"    jsonb_build_object('settings', c.metadata->'settings') "
	"    ELSE '{}'::jsonb END, "
	"  status = 'active', tokenIssuedAt = now(), connectedAt = now(), "
	"  lastSyncedAt = now(), updatedAt = now(), version = c.version + 1, "
	REFRESH_RESET ", " SYNC_RESET
	"RETURNING c.*), "
	HISTORY("'connected'", "jsonb_build_object('tokenKind', $8::text)")
	"SELECT " CONN_COLUMNS " FROM up c", 9 };

/* The caller's external id is kept in the row (sql/015): no join. */
static const struct ig_stmt conn_get = { "conn_get",
	"SELECT " CONN_COLUMNS " FROM oauth_connections c "
	"WHERE c.userExternalId = $1 AND c.provider = '" PROVIDER "'", 1 };

static const struct ig_stmt conn_get_row = { "conn_get_row",
	"SELECT " CONN_COLUMNS " FROM oauth_connections c "
	"WHERE c.userId = $1 AND c.provider = '" PROVIDER "'", 1 };

static const struct ig_stmt conn_disconnect = { "conn_disconnect",
	"WITH old AS (SELECT c.id, c.status FROM oauth_connections c "
	"  WHERE c.userExternalId = $1 AND c.provider = '" PROVIDER "' "
	"  FOR UPDATE OF c), "
	"up AS (UPDATE oauth_connections c SET accessToken = NULL, "
	"  refreshToken = NULL, expiresAt = NULL, tokenIssuedAt = NULL, "
	"  status = 'disconnected', updatedAt = now(), "
	"  version = c.version + 1 FROM old WHERE c.id = old.id "
	"  RETURNING c.*, old.status AS was), "
	"h AS (INSERT INTO connection_history (connectionId, userId, "
	"  provider, event) SELECT id, userId, provider, 'disconnected' "
	"  FROM up WHERE was <> 'disconnected') "
	"SELECT " CONN_COLUMNS " FROM up c", 1 };

static const struct ig_stmt conn_set_token = { "conn_set_token",
	"WITH up AS (UPDATE oauth_connections c SET accessToken = $3, "
	"  expiresAt = now() + $4::int * interval '1 second', "
	"  tokenIssuedAt = now(), status = 'active', "
	"  metadata = jsonb_set(COALESCE(c.metadata, '{}'), '{tokenKind}', "
	"    to_jsonb($5::text)), "
	"  updatedAt = now(), version = c.version + 1, " REFRESH_RESET
	"  WHERE c.id = $1 AND c.version = $2 RETURNING c.*), "
	HISTORY("$6", "jsonb_build_object('tokenKind', $5::text)")
	"SELECT " CONN_COLUMNS " FROM up c", 6 };

/*
 * A profile read with the row's token, stored unless the row has been
 * linked to another account meanwhile.  Not a token write: the version
 * stays, so a refresh in flight still lands.
 */
static const struct ig_stmt conn_set_profile = { "conn_set_profile",
	"WITH up AS (UPDATE oauth_connections c SET metadata = jsonb_set("
	"  COALESCE(c.metadata, '{}'), '{profile}', $3::jsonb), "
	"  lastSyncedAt = now(), updatedAt = now(), " SYNC_RESET
	"  WHERE c.id = $1 AND $2 IN (c.providerUserId, c.businessAccountId) "
	"  AND c.status = 'active' "
	"  RETURNING c.*), "
	HISTORY("'synced'", "jsonb_strip_nulls(jsonb_build_object("
	"  'followersCount', $3::jsonb->'followersCount', "
	"  'followsCount', $3::jsonb->'followsCount', "
	"  'mediaCount', $3::jsonb->'mediaCount'))")
	"SELECT 1 FROM up", 3 };

/*
 * What debug_token says of the Facebook user token: when data access
 * ends, and the permissions granted now.  Not a token write.
 */
static const struct ig_stmt conn_health = { "conn_health",
	"UPDATE oauth_connections c SET metadata = CASE WHEN $2::bigint > 0 "
	"  THEN jsonb_set(COALESCE(c.metadata, '{}'), '{dataAccessExpiresAt}',"
	"  to_jsonb($2::bigint)) ELSE c.metadata END, "
	"  scopes = CASE WHEN jsonb_array_length($3::jsonb) > 0 THEN "
	"  ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) ELSE c.scopes "
	"  END, updatedAt = now() WHERE c.id = $1 AND c.status = 'active' "
	"RETURNING 1", 3 };

static const struct ig_stmt conn_reauth = { "conn_reauth",
	"WITH up AS (UPDATE oauth_connections c SET status = "
	"  'needs_reauth', updatedAt = now(), version = c.version + 1 "
	"  WHERE c.id = $1 AND c.version = $2 RETURNING c.*), "
	HISTORY("'token_revoked'", "$3::jsonb")
	"SELECT 1 FROM up", 3 };

/*
 * A refresh the user asks for leases the row as a job's claim does
 * (job.c): the jobs skip a leased row, and so does a second request, so
 * one token is refreshed once.  Writing the new token ends the lease
 * (REFRESH_RESET); anything else gives it back.
 */
static const struct ig_stmt conn_lease = { "conn_lease",
	"UPDATE oauth_connections c SET refreshLeaseUntil = now() + "
	"  $3::int * interval '1 second' WHERE c.id = $1 AND "
	"  c.version = $2 AND (c.refreshLeaseUntil IS NULL OR "
	"  c.refreshLeaseUntil < now()) RETURNING 1", 3 };

static const struct ig_stmt conn_unlease = { "conn_unlease",
	"UPDATE oauth_connections c SET refreshLeaseUntil = NULL "
	"WHERE c.id = $1 AND c.version = $2", 2 };

static const struct ig_stmt conn_note = { "conn_note",
	"INSERT INTO connection_history (connectionId, userId, provider, "
	"  event, detail) VALUES ($1, $2, '" PROVIDER "', $3, $4::jsonb)", 4 };

static const struct ig_stmt conn_settings = { "conn_settings",
	"WITH up AS (UPDATE oauth_connections c SET metadata = jsonb_set("
	"  COALESCE(c.metadata, '{}'), '{settings}', jsonb_strip_nulls("
	"  COALESCE(c.metadata->'settings', '{}') || $2::jsonb)), "
	"  updatedAt = now(), version = c.version + 1 "
	"  WHERE c.userExternalId = $1 AND c.provider = '" PROVIDER "' "
	"  RETURNING c.*) "
	"SELECT " CONN_COLUMNS " FROM up c", 2 };

/* Whose connections Meta means: either of the ids it may send. */
#define META_USER_MATCHES \
	"c.provider = '" PROVIDER "' AND (c.providerUserId = $1 OR " \
	"c.businessAccountId = $1)"

static const struct ig_stmt conn_deauthorize = { "conn_deauthorize",
	"WITH up AS (UPDATE oauth_connections c SET status = 'needs_reauth', "
	"  accessToken = NULL, refreshToken = NULL, updatedAt = now(), "
	"  version = c.version + 1 WHERE " META_USER_MATCHES " RETURNING c.*), "
	HISTORY("'deauthorized'", "'{}'::jsonb")
	"SELECT count(*) FROM up", 1 };

static const struct ig_stmt conn_erase = { "conn_erase",
	"WITH gone AS (DELETE FROM oauth_connections c WHERE "
	"  " META_USER_MATCHES " RETURNING c.userId, c.businessAccountId), "
	"w AS (DELETE FROM webhook_entries e WHERE e.accountId = $1 OR "
	"  e.accountId IN (SELECT businessAccountId FROM gone) "
	"  RETURNING e.id, e.eventId), "
	/* A raw delivery that held only the account's entries goes too. */
	"ev AS (DELETE FROM webhook_events v WHERE v.id IN (SELECT eventId "
	"  FROM w) AND NOT EXISTS (SELECT 1 FROM webhook_entries x WHERE "
	"  x.eventId = v.id AND x.id NOT IN (SELECT id FROM w))), "
	"h AS (INSERT INTO connection_history (userId, provider, event) "
	"  SELECT userId, '" PROVIDER "', 'data_deleted' FROM gone) "
	"INSERT INTO data_deletions (code, status, connections, completedAt) "
	"  SELECT $2, 'completed', count(*), now() FROM gone", 2 };

static const struct ig_stmt conn_erasure = { "conn_erasure",
	"SELECT status, floor(extract(epoch FROM requestedAt))::bigint, "
	"  floor(extract(epoch FROM completedAt))::bigint "
	"FROM data_deletions WHERE code = $1", 1 };

void
ig_conn_free(struct ig_conn *c)
{
	free(c->id);
	free(c->user_id);
	free(c->provider_user_id);
	free(c->business_account_id);
	free(c->token);
	free(c->user_token);
	free(c->version);
	json_decref(c->scopes);
	json_decref(c->metadata);
	memset(c, 0, sizeof(*c));
}

static char *
col_dup(const PGresult *res, int row, int col, enum ig_err *er)
{
	char	*s;

	if (PQgetisnull(res, row, col))
		return NULL;
	if ((s = ig_strdup(PQgetvalue(res, row, col))) == NULL)
		*er = IG_ENOMEM;
	return s;
}

static time_t
col_time(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return (time_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static json_t *
col_json(const PGresult *res, int row, int col, json_t *dflt,
    enum ig_err *er)
{
	json_t	*v;

	if (PQgetisnull(res, row, col))
		return dflt;
	v = json_loads(PQgetvalue(res, row, col), 0, NULL);
	if (v == NULL || json_typeof(v) != json_typeof(dflt)) {
		json_decref(v);
		*er = IG_EDB;
		return dflt;
	}
	json_decref(dflt);
	return v;
}

/* The flavor and token kind kept in the metadata, with their defaults. */
static void
read_kinds(struct ig_conn *c)
{
	const json_t	*m = c->metadata;

	if (!ig_flavor_parse(json_string_value(json_object_get(m, "flavor")),
	    &c->flavor))
		c->flavor = IG_FLAVOR_INSTAGRAM;
	if (!ig_token_kind_parse(json_string_value(json_object_get(m,
	    "tokenKind")), &c->token_kind))
		c->token_kind = IG_TOKEN_LONG;
	c->data_access_expires = (time_t)json_integer_value(json_object_get(m,
	    "dataAccessExpiresAt"));
}

enum ig_err
ig_conn_read(const PGresult *res, int row, struct ig_conn *c)
{
	enum ig_err	er = IG_OK;

	memset(c, 0, sizeof(*c));
	c->id = col_dup(res, row, 0, &er);
	c->user_id = col_dup(res, row, 1, &er);
	if (!ig_status_parse(PQgetvalue(res, row, 2), &c->status))
		er = IG_EDB;
	c->provider_user_id = col_dup(res, row, 3, &er);
	c->business_account_id = col_dup(res, row, 4, &er);
	c->token = col_dup(res, row, 5, &er);
	c->scopes = col_json(res, row, 6, json_array(), &er);
	c->metadata = col_json(res, row, 7, json_object(), &er);
	c->expires_at = col_time(res, row, 8);
	c->issued_at = col_time(res, row, 9);
	c->connected_at = col_time(res, row, 10);
	c->synced_at = col_time(res, row, 11);
	c->version = col_dup(res, row, 12, &er);
	c->user_token = col_dup(res, row, 13, &er);
	if (er == IG_OK && (c->id == NULL || c->user_id == NULL ||
	    c->version == NULL || c->scopes == NULL || c->metadata == NULL))
		er = IG_ENOMEM;
	if (er != IG_OK)
		ig_conn_free(c);
	else
		read_kinds(c);
	return er;
}

/* The first row of "res" into "c" and "res" cleared; IG_ENOTFOUND if none. */
static enum ig_err
read_row(PGresult *res, struct ig_conn *c)
{
	enum ig_err	er = IG_ENOTFOUND;

	memset(c, 0, sizeof(*c));
	if (PQntuples(res) > 0)
		er = ig_conn_read(res, 0, c);
	PQclear(res);
	return er;
}

/* Run a statement that returns CONN_COLUMNS and read its row. */
static enum ig_err
exec_row(struct ig_ctx *ctx, const struct ig_stmt *st,
    const char *const *vals, struct ig_conn *out)
{
	PGresult	*res;
	enum ig_err	 er;

	memset(out, 0, sizeof(*out));
	if ((er = ig_db_exec(ctx->db, st, vals, &res)) != IG_OK)
		return er;
	return read_row(res, out);
}

/*
 * AAD of a sealed token: the row's user and provider, and for the
 * Facebook user token kept in refreshToken, its purpose too, so neither
 * column's value opens as the other's.
 */
void
ig_conn_token_aad(char *out, size_t sz, const char *user_uuid)
{
	(void)snprintf(out, sz, "%s|%s", user_uuid, PROVIDER);
}

void
ig_conn_user_token_aad(char *out, size_t sz, const char *user_uuid)
{
	(void)snprintf(out, sz, "%s|%s|user", user_uuid, PROVIDER);
}

enum ig_err
ig_conn_token(const struct ig_cfg *cfg, const struct ig_conn *c,
    char **token)
{
	char	aad[64];

	*token = NULL;
	if (c->token == NULL)
		return IG_ENOTFOUND;
	ig_conn_token_aad(aad, sizeof(aad), c->user_id);
	return ig_open(cfg, c->token, aad, token);
}

static int
set_time(json_t *o, const char *key, time_t t)
{
	char	iso[21];

	if (t == 0)
		return json_object_set_new(o, key, json_null());
	ig_iso8601(iso, t);
	return json_object_set_new(o, key, json_string(iso));
}

static void
print_time(struct ig_jout *o, const char *key, time_t t)
{
	char	iso[21];

	ig_jout_key(o, key);
	if (t == 0) {
		ig_jout_str(o, NULL);
		return;
	}
	ig_iso8601(iso, t);
	ig_jout_str(o, iso);
}

/* connected, expired, disconnected or needs_reauth. */
static const char *
api_status(const struct ig_conn *c, time_t now)
{
	if (c->status != IG_STATUS_ACTIVE)
		return ig_status_name(c->status);
	if (c->expires_at != 0 && c->expires_at <= now)
		return "expired";
	return "connected";
}

/* A known time "t" falls within "window" seconds from "now". */
static int
within(time_t t, time_t now, time_t window)
{
	return t != 0 && t - now <= window;
}

/*
 * The profile's fields (ig_read_profile_fields() names them) beside the
 * connection's own members, which a profile never replaces: one named
 * like them is left out, so no member appears twice.
 */
static void
print_profile(struct ig_jout *o, const json_t *profile)
{
	static const char *const own[] = { "id", "provider", "status",
	    "flavor", "providerUserId", "businessAccountId", "facebookPageId",
	    "scopes", "tokenKind", "expiresAt", "dataAccessExpiresAt",
	    "needsRefresh", "connectedAt", "lastSyncedAt", "settings" };
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)profile, k, v) {
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (strcmp(k, own[i]) == 0)
				break;
		if (i < sizeof(own) / sizeof(own[0]))
			continue;
		ig_jout_key(o, k);
		ig_jout_value(o, v);
	}
}

/* The members a link's row alone has, when it has them. */
static void
print_account(struct ig_jout *o, const struct ig_conn *c)
{
	const json_t	*v;

	if (c->provider_user_id != NULL) {
		ig_jout_key(o, "providerUserId");
		ig_jout_str(o, c->provider_user_id);
	}
	if (c->business_account_id != NULL) {
		ig_jout_key(o, "businessAccountId");
		ig_jout_str(o, c->business_account_id);
	}
	if ((v = json_object_get(c->metadata, "facebookPageId")) != NULL) {
		ig_jout_key(o, "facebookPageId");
		ig_jout_value(o, v);
	}
	if (json_is_object(v = json_object_get(c->metadata, "profile")))
		print_profile(o, v);
}

/* The token's kind and life, and whether it is due for a refresh. */
static void
print_token(struct ig_jout *o, const struct ig_cfg *cfg,
    const struct ig_conn *c, time_t now, int connected)
{
	time_t	window = (time_t)cfg->refresh_window * 86400;

	if (c->token != NULL) {
		ig_jout_key(o, "tokenKind");
		ig_jout_str(o, ig_token_kind_name(c->token_kind));
	}
	print_time(o, "expiresAt", c->expires_at);
	if (c->flavor == IG_FLAVOR_FACEBOOK)
		print_time(o, "dataAccessExpiresAt", c->data_access_expires);
	ig_jout_key(o, "needsRefresh");
	ig_jout_bool(o, connected && (within(c->expires_at, now, window) ||
	    within(c->data_access_expires, now, window)));
}

enum ig_err
ig_conn_print(const struct ig_cfg *cfg, const struct ig_conn *c, time_t now,
    char **text, size_t *len)
{
	const char	*status = api_status(c, now);
	const json_t	*settings;
	struct ig_jout	 o;

	ig_jout_init(&o);
	ig_jout_open(&o, '{');
	ig_jout_key(&o, "id");
	ig_jout_str(&o, c->id);
	ig_jout_key(&o, "provider");
	ig_jout_str(&o, PROVIDER);
	ig_jout_key(&o, "status");
	ig_jout_str(&o, status);
	ig_jout_key(&o, "flavor");
	ig_jout_str(&o, ig_flavor_name(c->flavor));
	print_account(&o, c);
	ig_jout_key(&o, "scopes");
	ig_jout_value(&o, c->scopes);
	print_token(&o, cfg, c, now, strcmp(status, "connected") == 0);
	print_time(&o, "connectedAt", c->connected_at);
	print_time(&o, "lastSyncedAt", c->synced_at);
	ig_jout_key(&o, "settings");
	if (json_is_object(settings = json_object_get(c->metadata,
	    "settings")))
		ig_jout_value(&o, settings);
	else {
		ig_jout_open(&o, '{');
		ig_jout_close(&o, '}');
	}
	ig_jout_close(&o, '}');
	return ig_jout_end(&o, text, len);
}

/*
 * The printed connection parsed back, for the shapes and overviews that
 * take its members apart: the members are defined once, by the printer.
 */
json_t *
ig_conn_json(const struct ig_cfg *cfg, const struct ig_conn *c, time_t now)
{
	char	*text;
	size_t	 len;
	json_t	*o;

	if (ig_conn_print(cfg, c, now, &text, &len) != IG_OK)
		return NULL;
	o = json_loadb(text, len, 0, NULL);
	free(text);
	return o;
}

enum ig_err
ig_reply_conn(struct ig_ctx *ctx, const struct ig_conn *c)
{
	const struct ig_route	*rt = ig_req_route(ctx->req);
	char			*token, *text;
	size_t			 len;
	enum ig_err		 er;

	/* As before the printer, a connection that cannot be shown is 503. */
	if (ig_conn_print(ctx->cfg, c, time(NULL), &text, &len) != IG_OK)
		return IG_ENOMEM;
	er = ig_reply_printed(ctx->req, 200, text, len);
	/* Only a route that shows it, and only when the operator says so. */
	if (er != IG_OK || rt == NULL || !rt->returns_token ||
	    !ctx->cfg->return_tokens || c->token == NULL)
		return er;
	if ((er = ig_conn_token(ctx->cfg, c, &token)) != IG_OK)
		return er;
	ig_reply_token(ctx->req, token);
	return IG_OK;
}

/* The metadata a link writes: flavor, token kind, profile, Page, health. */
static json_t *
link_metadata(const struct ig_link *l)
{
	json_t	*m;
	int	 rc = 0;

	m = json_pack("{s:s, s:s, s:O}", "flavor", ig_flavor_name(l->flavor),
	    "tokenKind", ig_token_kind_name(l->token_kind), "profile",
	    l->profile->fields);
	if (m == NULL)
		return NULL;
	if (l->page_id != NULL)
		rc |= json_object_set_new(m, "facebookPageId",
		    json_string(l->page_id));
	if (l->data_access_expires != 0)
		rc |= json_object_set_new(m, "dataAccessExpiresAt",
		    json_integer((json_int_t)l->data_access_expires));
	if (rc != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

enum ig_err
ig_conn_link(struct ig_ctx *ctx, const struct ig_link *l,
    struct ig_conn *out)
{
	char		 aad[80], ttl[24];
	char		*sealed = NULL, *sealed_user = NULL, *scopes = NULL;
	char		*meta = NULL;
	const char	*vals[9];
	json_t		*m;
	enum ig_err	 er;

	m = link_metadata(l);
	if (m == NULL || (meta = json_dumps(m, JSON_COMPACT)) == NULL ||
	    (scopes = json_dumps(l->scopes, JSON_COMPACT)) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	ig_conn_token_aad(aad, sizeof(aad), l->user_uuid);
	if ((er = ig_seal(ctx->cfg, l->token->access_token, aad, &sealed)) !=
	    IG_OK)
		goto out;
	ig_conn_user_token_aad(aad, sizeof(aad), l->user_uuid);
	if (l->user_token != NULL && (er = ig_seal(ctx->cfg, l->user_token,
	    aad, &sealed_user)) != IG_OK)
		goto out;
	(void)snprintf(ttl, sizeof(ttl), "%ld", l->token->expires_in);
	vals[0] = l->user_uuid;
	vals[1] = l->provider_user_id;
	vals[2] = sealed;
	vals[3] = ttl;
	vals[4] = l->business_account_id;
	vals[5] = scopes;
	vals[6] = meta;
	vals[7] = ig_token_kind_name(l->token_kind);
	vals[8] = sealed_user;
	er = exec_row(ctx, &conn_link, vals, out);
	if (er == IG_ENOTFOUND)
		er = IG_EDB;
out:
	json_decref(m);
	free(meta);
	free(scopes);
	free(sealed);
	free(sealed_user);
	return er;
}

enum ig_err
ig_conn_user_token(const struct ig_cfg *cfg, const struct ig_conn *c,
    char **token)
{
	char	aad[80];

	*token = NULL;
	if (c->user_token == NULL)
		return IG_ENOTFOUND;
	ig_conn_user_token_aad(aad, sizeof(aad), c->user_id);
	return ig_open(cfg, c->user_token, aad, token);
}

enum ig_err
ig_conn_get(struct ig_ctx *ctx, const char *user, struct ig_conn *out)
{
	const char	*vals[1] = { user };
	const char	*named;
	enum ig_err	 er;

	if ((er = exec_row(ctx, &conn_get, vals, out)) != IG_OK)
		return er;
	/* A route's :integrationId must be this connection: else 404. */
	named = ctx->req != NULL ? ig_req_path_id(ctx->req,
	    IG_PATH_CONNECTION) : NULL;
	if (named != NULL && strcmp(named, out->id) != 0) {
		ig_conn_free(out);
		return IG_ENOTFOUND;
	}
	return IG_OK;
}

enum ig_err
ig_conn_get_row(struct ig_ctx *ctx, const char *user_uuid, struct ig_conn *out)
{
	const char	*vals[1] = { user_uuid };

	return exec_row(ctx, &conn_get_row, vals, out);
}

enum ig_err
ig_conn_disconnect(struct ig_ctx *ctx, const char *user, struct ig_conn *out)
{
	const char	*vals[1] = { user };

	return exec_row(ctx, &conn_disconnect, vals, out);
}

enum ig_err
ig_conn_set_token(struct ig_ctx *ctx, const struct ig_conn *c,
    const struct ig_token *t, enum ig_token_kind kind, const char *event,
    struct ig_conn *out)
{
	char		 aad[64], ttl[24];
	char		*sealed;
	const char	*vals[6];
	enum ig_err	 er;

	ig_conn_token_aad(aad, sizeof(aad), c->user_id);
	if ((er = ig_seal(ctx->cfg, t->access_token, aad, &sealed)) != IG_OK)
		return er;
	(void)snprintf(ttl, sizeof(ttl), "%ld", t->expires_in);
	vals[0] = c->id;
	vals[1] = c->version;
	vals[2] = sealed;
	vals[3] = ttl;
	vals[4] = ig_token_kind_name(kind);
	vals[5] = event;
	er = exec_row(ctx, &conn_set_token, vals, out);
	free(sealed);
	return er;
}

enum ig_err
ig_conn_set_profile(struct ig_ctx *ctx, const struct ig_conn *c,
    const struct ig_profile *p)
{
	const char	*vals[3];
	char		*fields;
	enum ig_err	 er;

	if ((fields = json_dumps(p->fields, JSON_COMPACT)) == NULL)
		return IG_ENOMEM;
	vals[0] = c->id;
	vals[1] = p->id;
	vals[2] = fields;
	er = ig_db_write_if(ctx->db, &conn_set_profile, vals);
	free(fields);
	return er;
}

enum ig_err
ig_conn_set_health(struct ig_ctx *ctx, const struct ig_conn *c,
    const struct ig_fb_debug *d)
{
	char		 t[24], *scopes;
	const char	*vals[3];
	enum ig_err	 er;

	if ((scopes = json_dumps(d->scopes, JSON_COMPACT)) == NULL)
		return IG_ENOMEM;
	(void)snprintf(t, sizeof(t), "%lld", (long long)
	    d->data_access_expires_at);
	vals[0] = c->id;
	vals[1] = t;
	vals[2] = scopes;
	er = ig_db_write_if(ctx->db, &conn_health, vals);
	free(scopes);
	return er;
}

/* {"code": N, "subcode": N} of a Meta error, for the history. */
static char *
error_detail(const struct ig_meta_error *m)
{
	json_t	*d;
	char	*s;

	d = json_pack("{s:I, s:I, s:I}", "code", (json_int_t)m->code,
	    "subcode", (json_int_t)m->subcode, "status", (json_int_t)m->status);
	s = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	return s;
}

enum ig_err
ig_conn_mark_reauth(struct ig_ctx *ctx, const struct ig_conn *c,
    const struct ig_meta_error *m)
{
	const char	*vals[3];
	char		*detail;
	enum ig_err	 er;

	if ((detail = error_detail(m)) == NULL)
		return IG_ENOMEM;
	vals[0] = c->id;
	vals[1] = c->version;
	vals[2] = detail;
	er = ig_db_write_if(ctx->db, &conn_reauth, vals);
	free(detail);
	return er;
}

enum ig_err
ig_conn_lease(struct ig_ctx *ctx, const struct ig_conn *c, int seconds)
{
	char		 secs[16];
	const char	*vals[3] = { c->id, c->version, secs };

	(void)snprintf(secs, sizeof(secs), "%d", seconds);
	return ig_db_write_if(ctx->db, &conn_lease, vals);
}

void
ig_conn_unlease(struct ig_ctx *ctx, const struct ig_conn *c)
{
	const char	*vals[2] = { c->id, c->version };

	(void)ig_db_exec(ctx->db, &conn_unlease, vals, NULL);
}

void
ig_conn_note(struct ig_ctx *ctx, const struct ig_conn *c, const char *event,
    const struct ig_meta_error *m)
{
	const char	*vals[4];
	char		*detail;

	if ((detail = error_detail(m)) == NULL)
		return;
	vals[0] = c->id;
	vals[1] = c->user_id;
	vals[2] = event;
	vals[3] = detail;
	(void)ig_db_exec(ctx->db, &conn_note, vals, NULL);
	free(detail);
}

enum ig_err
ig_conn_settings(struct ig_ctx *ctx, const char *user, json_t *patch,
    struct ig_conn *out)
{
	const char	*vals[2];
	char		*s;
	enum ig_err	 er;

	if ((s = json_dumps(patch, JSON_COMPACT)) == NULL)
		return IG_ENOMEM;
	vals[0] = user;
	vals[1] = s;
	er = exec_row(ctx, &conn_settings, vals, out);
	free(s);
	return er;
}

enum ig_err
ig_conn_deauthorize(struct ig_ctx *ctx, const char *meta_user, int *n)
{
	const char	*vals[1] = { meta_user };
	PGresult	*res;
	enum ig_err	 er;

	*n = 0;
	if ((er = ig_db_exec(ctx->db, &conn_deauthorize, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) == 1)
		*n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return IG_OK;
}

enum ig_err
ig_conn_erase(struct ig_ctx *ctx, const char *meta_user, const char *code)
{
	const char	*vals[2] = { meta_user, code };

	return ig_db_exec(ctx->db, &conn_erase, vals, NULL);
}

enum ig_err
ig_conn_erasure(struct ig_ctx *ctx, const char *code, json_t **out)
{
	const char	*vals[1] = { code };
	PGresult	*res;
	json_t		*o;
	enum ig_err	 er;

	*out = NULL;
	if ((er = ig_db_exec(ctx->db, &conn_erasure, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return IG_ENOTFOUND;
	}
	o = json_pack("{s:s, s:s}", "confirmation_code", code, "status",
	    PQgetvalue(res, 0, 0));
	if (o == NULL || set_time(o, "requestedAt", col_time(res, 0, 1)) != 0 ||
	    set_time(o, "completedAt", col_time(res, 0, 2)) != 0) {
		json_decref(o);
		PQclear(res);
		return IG_ENOMEM;
	}
	PQclear(res);
	*out = o;
	return IG_OK;
}
