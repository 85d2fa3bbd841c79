/* SPDX-License-Identifier: ISC */
/*
 * state.c: single-use OAuth states.  The state is 32 bytes from the
 * CSPRNG, never derived from the user or the time; only its SHA-256
 * reaches the database, so a leaked table holds no usable state.
 * Consuming is one DELETE ... RETURNING: check and use cannot race, and
 * a state works once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

/*
 * The caller's users row is created on first use, in the same statement.
 * Each insert also removes a few expired states, so abandoned logins do
 * not pile up, without a job and without contending for the same rows.
 */
static const struct ig_stmt state_insert = { "state_insert",
	"WITH u AS (INSERT INTO users (externalId) VALUES ($1) "
	"  ON CONFLICT (externalId) DO UPDATE SET externalId = "
	"  EXCLUDED.externalId RETURNING id), "
	"gc AS (DELETE FROM oauth_states WHERE stateHash IN (SELECT "
	"  stateHash FROM oauth_states WHERE expiresAt < now() LIMIT 8 "
	"  FOR UPDATE SKIP LOCKED)) "
	"INSERT INTO oauth_states (stateHash, userId, flavor, redirectUri, "
	"  expiresAt) SELECT $2::bytea, u.id, $3, $4, now() + $5::int * "
	"  interval '1 second' FROM u "
	"RETURNING floor(extract(epoch FROM expiresAt))::bigint", 5 };

/*
 * Another user's state is not deleted: user B learning A's state must
 * not be able to spoil A's login.  An expired state is deleted and
 * reported as such.
 */
static const struct ig_stmt state_consume = { "state_consume",
	"DELETE FROM oauth_states s USING users u "
	"WHERE s.stateHash = $1::bytea AND s.userId = u.id AND "
	"  u.externalId = $2 "
	"RETURNING s.userId, s.redirectUri, s.expiresAt > now(), s.flavor", 2 };

/*
 * A new handle (a state or a selection): 32 bytes from the CSPRNG as
 * base64url into "out" (IG_STATE_LEN+1 bytes), and its stored hash.
 */
static enum ig_err
new_handle(char *out, char hash[67])
{
	unsigned char	raw[32];
	enum ig_err	er;

	if ((er = ig_rand_bytes(raw, sizeof(raw))) != IG_OK)
		return er;
	ig_b64url_enc(out, raw, sizeof(raw));
	ig_wipe(raw, sizeof(raw));
	return ig_db_sha256(out, hash);
}

/*
 * Run an insert of a handle that returns its expiry, into "*expires".
 * It is planned at each call: its purge of expired states must find
 * them by index even when they piled up since the last ANALYZE (a plan
 * made while the table was small reads all of it, per login).
 */
static enum ig_err
insert_handle(struct ig_ctx *ctx, const struct ig_stmt *st,
    const char *const *vals, time_t *expires)
{
	PGresult	*res;
	enum ig_err	 er;

	if ((er = ig_db_exec_replanned(ctx->db, st, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1)
		er = IG_EDB;
	else
		*expires = (time_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return er;
}

enum ig_err
ig_state_new(struct ig_ctx *ctx, const char *user, enum ig_flavor flavor,
    const char *redirect_uri, char *state, time_t *expires)
{
	char		 hash[67], ttl[16];
	const char	*vals[5];
	enum ig_err	 er;

	if ((er = new_handle(state, hash)) != IG_OK)
		return er;
	(void)snprintf(ttl, sizeof(ttl), "%d", IG_STATE_TTL);
	vals[0] = user;
	vals[1] = hash;
	vals[2] = ig_flavor_name(flavor);
	vals[3] = redirect_uri;
	vals[4] = ttl;
	return insert_handle(ctx, &state_insert, vals, expires);
}

enum ig_err
ig_state_consume(struct ig_ctx *ctx, const char *user, const char *state,
    char *user_uuid, enum ig_flavor *flavor, char **redirect_uri)
{
	char		 hash[67];
	const char	*vals[2];
	PGresult	*res;
	enum ig_err	 er;

	*redirect_uri = NULL;
	if (strlen(state) != IG_STATE_LEN ||
	    !ig_valid_state(state, IG_STATE_LEN))
		return IG_ENOTFOUND;
	if ((er = ig_db_sha256(state, hash)) != IG_OK)
		return er;
	vals[0] = hash;
	vals[1] = user;
	if ((er = ig_db_exec(ctx->db, &state_consume, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 2), "t") != 0)
		er = IG_ENOTFOUND;
	else if (PQgetlength(res, 0, 0) != 36 ||
	    !ig_flavor_parse(PQgetvalue(res, 0, 3), flavor))
		er = IG_EDB;
	else if ((*redirect_uri = ig_strdup(PQgetvalue(res, 0, 1))) == NULL)
		er = IG_ENOMEM;
	else
		memcpy(user_uuid, PQgetvalue(res, 0, 0), 37);
	PQclear(res);
	return er;
}

/* ------------------------------------------------------------ sign-in */

/*
 * A sign-in has no caller yet: its state belongs to no user and is bound
 * to the browser instead, by the hash of a random value the browser
 * keeps in a cookie.
 */
static const struct ig_stmt signin_insert = { "signin_insert",
	"WITH gc AS (DELETE FROM oauth_states WHERE stateHash IN (SELECT "
	"  stateHash FROM oauth_states WHERE expiresAt < now() LIMIT 8 "
	"  FOR UPDATE SKIP LOCKED)) "
	"INSERT INTO oauth_states (stateHash, browserHash, redirectUri, "
	"  expiresAt) VALUES ($1::bytea, $2::bytea, $3, now() + $4::int * "
	"  interval '1 second') "
	"RETURNING floor(extract(epoch FROM expiresAt))::bigint", 4 };

/* As for a user's state, another browser's attempt leaves it alone. */
static const struct ig_stmt signin_consume = { "signin_consume",
	"DELETE FROM oauth_states "
	"WHERE stateHash = $1::bytea AND userId IS NULL AND "
	"  browserHash = $2::bytea "
	"RETURNING redirectUri, expiresAt > now()", 2 };

enum ig_err
ig_signin_state_new(struct ig_ctx *ctx, const char *redirect_uri,
    char *state, char *browser, time_t *expires)
{
	char		 hash[67], bhash[67], ttl[16];
	const char	*vals[4];
	enum ig_err	 er;

	if ((er = new_handle(state, hash)) != IG_OK ||
	    (er = new_handle(browser, bhash)) != IG_OK)
		return er;
	(void)snprintf(ttl, sizeof(ttl), "%d", IG_STATE_TTL);
	vals[0] = hash;
	vals[1] = bhash;
	vals[2] = redirect_uri;
	vals[3] = ttl;
	return insert_handle(ctx, &signin_insert, vals, expires);
}

enum ig_err
ig_signin_state_consume(struct ig_ctx *ctx, const char *state,
    const char *browser, char **redirect_uri)
{
	char		 hash[67], bhash[67];
	const char	*vals[2];
	PGresult	*res;
	enum ig_err	 er;

	*redirect_uri = NULL;
	if (strlen(state) != IG_STATE_LEN ||
	    !ig_valid_state(state, IG_STATE_LEN) ||
	    strlen(browser) != IG_STATE_LEN ||
	    !ig_valid_state(browser, IG_STATE_LEN))
		return IG_ENOTFOUND;
	if ((er = ig_db_sha256(state, hash)) != IG_OK ||
	    (er = ig_db_sha256(browser, bhash)) != IG_OK)
		return er;
	vals[0] = hash;
	vals[1] = bhash;
	if ((er = ig_db_exec(ctx->db, &signin_consume, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		er = IG_ENOTFOUND;
	else if ((*redirect_uri = ig_strdup(PQgetvalue(res, 0, 0))) == NULL)
		er = IG_ENOMEM;
	PQclear(res);
	return er;
}

/* ---------------------------------------------------------- users */

static const struct ig_stmt user_ensure = { "user_ensure",
	"INSERT INTO users (externalId) VALUES ($1) "
	"ON CONFLICT (externalId) DO UPDATE SET externalId = "
	"  EXCLUDED.externalId RETURNING id", 1 };

enum ig_err
ig_user_ensure(struct ig_ctx *ctx, const char *user, char *user_uuid)
{
	const char	*vals[1] = { user };
	PGresult	*res;
	enum ig_err	 er;

	if ((er = ig_db_exec(ctx->db, &user_ensure, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 36)
		er = IG_EDB;
	else
		memcpy(user_uuid, PQgetvalue(res, 0, 0), 37);
	PQclear(res);
	return er;
}

/* ---------------------------------------------------------- selections */

/*
 * A selection is stored like a state (only its hash), with the sealed
 * user token it lets the caller finish with.  Expired ones are swept a
 * few at a time by each insert.
 */
static const struct ig_stmt selection_insert = { "selection_insert",
	"WITH gc AS (DELETE FROM account_selections WHERE selectionHash IN "
	"  (SELECT selectionHash FROM account_selections WHERE expiresAt < "
	"  now() LIMIT 8 FOR UPDATE SKIP LOCKED)) "
	"INSERT INTO account_selections (selectionHash, userId, userToken, "
	"  tokenKind, tokenExpiresAt, candidates, expiresAt) "
	"VALUES ($1::bytea, $2, $3, $4, CASE WHEN $5::int > 0 THEN now() + "
	"  $5::int * interval '1 second' END, $6::jsonb, now() + $7::int * "
	"  interval '1 second') "
	"RETURNING floor(extract(epoch FROM expiresAt))::bigint", 7 };

/* Taken only with an account it offered; once. */
static const struct ig_stmt selection_take = { "selection_take",
	"DELETE FROM account_selections s USING users u "
	"WHERE s.selectionHash = $1::bytea AND s.userId = u.id AND "
	"  u.externalId = $2 AND s.expiresAt > now() AND EXISTS (SELECT 1 "
	"  FROM jsonb_array_elements(s.candidates) e WHERE "
	"  e->>'pageId' = $3 OR e->>'businessAccountId' = $4) "
	"RETURNING s.userId, s.userToken, s.tokenKind, CASE WHEN "
	"  s.tokenExpiresAt IS NULL THEN 0 ELSE greatest(1, floor(extract("
	"  epoch FROM s.tokenExpiresAt - now())))::int END", 4 };

static const struct ig_stmt selection_live = { "selection_live",
	"SELECT 1 FROM account_selections s JOIN users u ON u.id = s.userId "
	"WHERE s.selectionHash = $1::bytea AND u.externalId = $2 AND "
	"  s.expiresAt > now()", 2 };

/* AAD of a sealed selection token: the users row and the purpose. */
void
ig_selection_aad(char *out, size_t sz, const char *user_uuid)
{
	(void)snprintf(out, sz, "%s|selection", user_uuid);
}

enum ig_err
ig_selection_new(struct ig_ctx *ctx, const char *user_uuid,
    const struct ig_token *user_token, enum ig_token_kind kind,
    json_t *candidates, char *selection, time_t *expires)
{
	char		 hash[67], ttl[16], life[24], aad[64];
	char		*sealed = NULL, *cands = NULL;
	const char	*vals[7];
	enum ig_err	 er;

	if ((er = new_handle(selection, hash)) != IG_OK)
		return er;
	ig_selection_aad(aad, sizeof(aad), user_uuid);
	if ((er = ig_seal(ctx->cfg, user_token->access_token, aad, &sealed)) !=
	    IG_OK)
		return er;
	if ((cands = json_dumps(candidates, JSON_COMPACT)) == NULL) {
		free(sealed);
		return IG_ENOMEM;
	}
	(void)snprintf(ttl, sizeof(ttl), "%d", IG_STATE_TTL);
	(void)snprintf(life, sizeof(life), "%ld", user_token->expires_in);
	vals[0] = hash;
	vals[1] = user_uuid;
	vals[2] = sealed;
	vals[3] = ig_token_kind_name(kind);
	vals[4] = life;
	vals[5] = cands;
	vals[6] = ttl;
	er = insert_handle(ctx, &selection_insert, vals, expires);
	free(sealed);
	free(cands);
	return er;
}

/* Why a selection could not be taken: not offered, or not there at all. */
static enum ig_err
selection_refused(struct ig_ctx *ctx, const char *const *vals)
{
	PGresult	*res;
	enum ig_err	 er;

	if ((er = ig_db_exec(ctx->db, &selection_live, vals, &res)) != IG_OK)
		return er;
	er = PQntuples(res) == 1 ? IG_ENOTOFFERED : IG_ESELECTION;
	PQclear(res);
	return er;
}

enum ig_err
ig_selection_take(struct ig_ctx *ctx, const char *user, const char *selection,
    const char *page_id, const char *account_id, char *user_uuid,
    struct ig_token *user_token, enum ig_token_kind *kind)
{
	char		 hash[67], aad[64];
	const char	*vals[4];
	PGresult	*res;
	enum ig_err	 er;

	memset(user_token, 0, sizeof(*user_token));
	if (strlen(selection) != IG_STATE_LEN ||
	    !ig_valid_state(selection, IG_STATE_LEN))
		return IG_ESELECTION;
	if ((er = ig_db_sha256(selection, hash)) != IG_OK)
		return er;
	vals[0] = hash;
	vals[1] = user;
	vals[2] = page_id;
	vals[3] = account_id;
	if ((er = ig_db_exec(ctx->db, &selection_take, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return selection_refused(ctx, vals);
	}
	if (PQgetlength(res, 0, 0) != 36 ||
	    !ig_token_kind_parse(PQgetvalue(res, 0, 2), kind)) {
		PQclear(res);
		return IG_EDB;
	}
	memcpy(user_uuid, PQgetvalue(res, 0, 0), 37);
	user_token->expires_in = strtol(PQgetvalue(res, 0, 3), NULL, 10);
	ig_selection_aad(aad, sizeof(aad), user_uuid);
	er = ig_open(ctx->cfg, PQgetvalue(res, 0, 1), aad,
	    &user_token->access_token);
	PQclear(res);
	return er;
}
