/* SPDX-License-Identifier: ISC */
/*
 * webhook.c: what Meta sends us unasked.  Deliveries are authenticated by
 * an HMAC over the raw bytes before anything parses them, then stored in
 * one statement with their entries, deduplicated by hashes, before the
 * 200.  Meta's deauthorize and data deletion callbacks carry a
 * signed_request, verified the same way before its payload is decoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define MAX_SIGNED_REQUEST	4096

/*
 * The entries of a JSON delivery ($4, NULL when the body is not a JSON
 * object) are read by PostgreSQL itself, in order, each keyed by the
 * SHA-256 of its jsonb text so that a resent entry is stored once.
 */
static const struct ig_stmt webhook_store = { "webhook_store",
	"WITH ev AS (INSERT INTO webhook_events (bodyHash, body, object, "
	"  unparsed) VALUES ($1::bytea, decode($2, 'hex'), $3, "
	"  $4::jsonb IS NULL) "
	"  ON CONFLICT (bodyHash) DO NOTHING RETURNING id), "
	"ent AS (INSERT INTO webhook_entries (eventId, entryHash, object, "
	"  accountId, connectionId, isTest, payload) "
	"  SELECT ev.id, sha256(convert_to(e.value::text, 'UTF8')), $3, "
	"    COALESCE(e.value->>'id', ''), "
	"    (SELECT c.id FROM oauth_connections c WHERE c.provider = "
	"      'instagram' AND c.businessAccountId = e.value->>'id' "
	"      ORDER BY c.updatedAt DESC LIMIT 1), "
	"    COALESCE(e.value->>'id' = '0', false), e.value "
	"  FROM ev, jsonb_array_elements(CASE WHEN jsonb_typeof("
	"    $4::jsonb->'entry') = 'array' THEN $4::jsonb->'entry' "
	"    ELSE '[]'::jsonb END) WITH ORDINALITY AS e(value, n) "
	"  ORDER BY e.n "
	"  ON CONFLICT (entryHash) DO NOTHING RETURNING 1) "
	"SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM ent)", 4 };

/* A connection's entries, newest first, as the API shows them. */
static const struct ig_stmt webhook_recent = { "webhook_recent",
	"SELECT COALESCE(jsonb_agg(jsonb_build_object('id', e.id::text, "
	"  'object', e.object, 'field', e.payload->'changes'->0->>'field', "
	"  'receivedAt', to_char(e.createdAt, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"  'status', e.status, 'isTest', e.isTest, 'entry', e.payload) "
	"  ORDER BY e.id DESC), '[]'::jsonb) "
	"FROM (SELECT * FROM webhook_entries WHERE connectionId = $1::uuid "
	"  ORDER BY id DESC LIMIT $2::int) e", 2 };

/* The app secrets a delivery or signed_request may be signed with. */
static size_t
secrets(const struct ig_cfg *cfg, const char *out[2])
{
	size_t	n = 0;

	if (cfg->ig_app_secret != NULL)
		out[n++] = cfg->ig_app_secret;
	if (cfg->fb_app_secret != NULL)
		out[n++] = cfg->fb_app_secret;
	return n;
}

/* 1 if "mac" is the HMAC of "msg" under one of the secrets. */
static int
mac_matches(const struct ig_cfg *cfg, const unsigned char mac[32],
    const void *msg, size_t len)
{
	const char	*keys[2];
	unsigned char	 want[32];
	size_t		 i, n = secrets(cfg, keys);
	int		 ok = 0;

	/* Every secret is tried, so timing says nothing about which. */
	for (i = 0; i < n; i++) {
		if (ig_hmac_sha256(keys[i], strlen(keys[i]), msg, len, want) !=
		    IG_OK)
			continue;
		ok |= ig_ct_equal(want, mac, sizeof(want));
	}
	ig_wipe(want, sizeof(want));
	return ok;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ig_webhook_signed(const struct ig_cfg *cfg, const char *header,
    const char *body, size_t len)
{
	unsigned char	mac[32];
	size_t		i;
	int		hi, lo;

	if (header == NULL || strncmp(header, "sha256=", 7) != 0 ||
	    strlen(header + 7) != 64)
		return 0;
	for (i = 0; i < sizeof(mac); i++) {
		hi = hexval(header[7 + 2 * i]);
		lo = hexval(header[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return mac_matches(cfg, mac, body, len);
}

/* The delivery's "object" and whether its body is JSON fit for $4. */
static enum ig_err
inspect(const char *body, size_t len, char **object, int *is_json)
{
	json_t		*root;
	const char	*o;

	*object = NULL;
	*is_json = 0;
	/*
	 * jansson refuses \u0000 and lone surrogates, as jsonb does.  An
	 * integer past 64 bits is read as a real here (only "object" is read)
	 * and exactly by jsonb, which takes any number.
	 */
	root = json_loadb(body, len, JSON_DECODE_INT_AS_REAL, NULL);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return IG_OK;
	}
	*is_json = 1;
	o = json_string_value(json_object_get(root, "object"));
	if (o != NULL && strlen(o) <= 64 &&
	    (*object = ig_strdup(o)) == NULL) {
		json_decref(root);
		return IG_ENOMEM;
	}
	json_decref(root);
	return IG_OK;
}

enum ig_err
ig_webhook_store(struct ig_ctx *ctx, const char *body, size_t len,
    int *fresh)
{
	unsigned char	 md[32];
	char		 hash[67], *hex = NULL, *object = NULL, *json = NULL;
	const char	*vals[4];
	PGresult	*res = NULL;
	int		 is_json;
	enum ig_err	 er;

	*fresh = 0;
	if ((er = ig_sha256(body, len, md)) != IG_OK ||
	    (er = inspect(body, len, &object, &is_json)) != IG_OK)
		goto out;
	hash[0] = '\\';
	hash[1] = 'x';
	ig_hex(hash + 2, md, sizeof(md));
	if ((hex = ig_malloc(2 * len + 1)) == NULL ||
	    (is_json && (json = ig_strndup(body, len)) == NULL)) {
		er = IG_ENOMEM;
		goto out;
	}
	ig_hex(hex, (const unsigned char *)body, len);
	vals[0] = hash;
	vals[1] = hex;
	vals[2] = object;
	vals[3] = json;
	if ((er = ig_db_exec(ctx->db, &webhook_store, vals, &res)) != IG_OK)
		goto out;
	*fresh = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "1") == 0;
	if (*fresh && !is_json)
		ig_log_warnx("webhook delivery of %zu bytes is not a JSON "
		    "object: stored raw, flagged unparsed, no entries", len);
	ig_log_info("webhook delivery of %zu bytes: %s, %s new entries", len,
	    *fresh ? "stored" : "duplicate", PQntuples(res) == 1 ?
	    PQgetvalue(res, 0, 1) : "0");
out:
	PQclear(res);
	free(hex);
	free(json);
	free(object);
	return er;
}

enum ig_err
ig_webhook_recent(struct ig_ctx *ctx, const char *conn_id, long limit,
    json_t **out)
{
	char		 n[24];
	const char	*vals[2] = { conn_id, n };
	PGresult	*res;
	enum ig_err	 er;

	*out = NULL;
	(void)snprintf(n, sizeof(n), "%ld", limit);
	if ((er = ig_db_exec(ctx->db, &webhook_recent, vals, &res)) != IG_OK)
		return er;
	/*
	 * Our ids are text in the SQL.  Meta's own numbers stay exact up to
	 * 64 bits; past that (never an id: Meta's ids are strings) a number
	 * reads as a double here, while the stored entry keeps it exactly.
	 */
	if (PQntuples(res) != 1 || (*out = json_loads(PQgetvalue(res, 0, 0),
	    JSON_DECODE_INT_AS_REAL, NULL)) == NULL || !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		er = IG_EDB;
	}
	PQclear(res);
	return er;
}

/* base64url with or without '=' padding (both are seen in the wild). */
static enum ig_err
b64url_dec_lax(unsigned char *out, size_t outsz, size_t *outlen,
    const char *in, size_t n)
{
	while (n > 0 && in[n - 1] == '=')
		n--;
	return ig_b64url_dec(out, outsz, outlen, in, n);
}

/* 1 if "issued_at" is a time within the accepted age at "now". */
static int
fresh(const struct ig_cfg *cfg, const json_t *issued_at, time_t now)
{
	json_int_t	t = json_integer_value(issued_at);

	/* A minute of clock skew into the future, no more. */
	return json_is_integer(issued_at) && t <= (json_int_t)now + 60 &&
	    (json_int_t)now - t <= (json_int_t)cfg->signed_request_max_age;
}

/* The decoded, verified payload's user_id. */
static enum ig_err
signed_payload(const struct ig_cfg *cfg, const char *seg, size_t n,
    time_t now, char **user_id)
{
	unsigned char	 buf[MAX_SIGNED_REQUEST];
	size_t		 len;
	json_t		*root;
	const char	*alg;
	enum ig_err	 er;

	if (b64url_dec_lax(buf, sizeof(buf), &len, seg, n) != IG_OK)
		return IG_EAUTH;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    NULL);
	alg = json_string_value(json_object_get(root, "algorithm"));
	if (alg == NULL || strcmp(alg, "HMAC-SHA256") != 0 ||
	    !fresh(cfg, json_object_get(root, "issued_at"), now))
		er = IG_EAUTH;
	else if ((er = ig_json_id_dup(root, "user_id", user_id)) != IG_OK &&
	    er != IG_ENOMEM)
		er = IG_EAUTH;
	json_decref(root);
	return er;
}

enum ig_err
ig_signed_request(const struct ig_cfg *cfg, const char *sr, time_t now,
    char **user_id)
{
	const char	*dot;
	unsigned char	 mac[32];
	size_t		 n, len;

	*user_id = NULL;
	if (sr == NULL || (n = strlen(sr)) > MAX_SIGNED_REQUEST ||
	    (dot = strchr(sr, '.')) == NULL || strchr(dot + 1, '.') != NULL)
		return IG_EAUTH;
	if (b64url_dec_lax(mac, sizeof(mac), &len, sr, (size_t)(dot - sr)) !=
	    IG_OK || len != sizeof(mac))
		return IG_EAUTH;
	/* The MAC covers the payload segment as sent, not its decoding. */
	if (!mac_matches(cfg, mac, dot + 1, strlen(dot + 1)))
		return IG_EAUTH;
	return signed_payload(cfg, dot + 1, strlen(dot + 1), now, user_id);
}
