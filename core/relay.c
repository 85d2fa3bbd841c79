/* SPDX-License-Identifier: ISC */
/*
 * relay.c: the queue between stored webhook entries and the host app.
 * Delivery is at least once: an entry is marked delivered only after
 * the app answered 2xx, and a lease that runs out (a relay killed
 * mid-send) makes it due again.  Order per account holds because only
 * the oldest pending entry of an account can be claimed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

static const struct ig_stmt relay_claim = { "relay_claim",
	"UPDATE webhook_entries w SET claimedUntil = now() + $2::int * "
	"  interval '1 second', attempts = w.attempts + 1 "
	"WHERE w.id IN (SELECT e.id FROM webhook_entries e "
	"  WHERE e.status = 'pending' AND e.nextAttemptAt <= now() AND "
	"    (e.claimedUntil IS NULL OR e.claimedUntil < now()) AND "
	"    NOT EXISTS (SELECT 1 FROM webhook_entries p WHERE "
	"      p.status = 'pending' AND p.accountId = e.accountId AND "
	"      p.id < e.id) "
	"  ORDER BY e.id LIMIT $1 FOR UPDATE SKIP LOCKED) "
	"RETURNING w.id, w.attempts, jsonb_build_object("
	"  'id', w.id::text, 'object', w.object, 'accountId', w.accountId, "
	"  'userId', (SELECT u.externalId FROM oauth_connections c "
	"    JOIN users u ON u.id = c.userId WHERE c.id = w.connectionId), "
	"  'test', w.isTest, "
	"  'receivedAt', to_char(w.createdAt, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"  'entry', w.payload)::text", 2 };

static const struct ig_stmt relay_done = { "relay_done",
	"UPDATE webhook_entries SET status = 'delivered', deliveredAt = now(), "
	"  claimedUntil = NULL, lastError = NULL WHERE id = $1", 1 };

static const struct ig_stmt relay_retry = { "relay_retry",
	"UPDATE webhook_entries SET "
	"  status = CASE WHEN attempts >= $2::int THEN 'dead' ELSE "
	"    'pending' END, "
	"  nextAttemptAt = now() + least(3600, $3::float8 * "
	"    power(2, attempts - 1)) * (0.5 + random() / 2) * "
	"    interval '1 second', "
	"  claimedUntil = NULL, lastError = $4 WHERE id = $1", 4 };

void
ig_relay_items_free(struct ig_relay_item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(items[i].id);
		free(items[i].body);
	}
	free(items);
}

enum ig_err
ig_relay_claim(struct ig_db *db, int batch, int lease,
    struct ig_relay_item **items, size_t *n)
{
	char		 b[16], l[16];
	const char	*vals[2] = { b, l };
	PGresult	*res;
	struct ig_relay_item *it;
	size_t		 i, rows;
	enum ig_err	 er;

	*items = NULL;
	*n = 0;
	(void)snprintf(b, sizeof(b), "%d", batch);
	(void)snprintf(l, sizeof(l), "%d", lease);
	if ((er = ig_db_exec(db, &relay_claim, vals, &res)) != IG_OK)
		return er;
	rows = (size_t)PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return IG_OK;
	}
	if ((it = ig_calloc(rows, sizeof(*it))) == NULL) {
		PQclear(res);
		return IG_ENOMEM;
	}
	for (i = 0; i < rows; i++) {
		it[i].id = ig_strdup(PQgetvalue(res, (int)i, 0));
		it[i].attempts = atoi(PQgetvalue(res, (int)i, 1));
		it[i].body = ig_strdup(PQgetvalue(res, (int)i, 2));
		if (it[i].id == NULL || it[i].body == NULL)
			er = IG_ENOMEM;
	}
	PQclear(res);
	if (er != IG_OK) {
		/* The leases run out and the entries come back. */
		ig_relay_items_free(it, rows);
		return er;
	}
	*items = it;
	*n = rows;
	return IG_OK;
}

/*
 * The signature covers the time too, so a captured request cannot be
 * replayed later than the receiver's tolerance.
 */
static enum ig_err
sign(const struct ig_cfg *cfg, const char *ts, const char *body, size_t len,
    char hex[65])
{
	unsigned char	 mac[32];
	size_t		 tlen = strlen(ts);
	char		*msg;
	enum ig_err	 er;

	if ((msg = ig_malloc(tlen + 1 + len)) == NULL)
		return IG_ENOMEM;
	memcpy(msg, ts, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, len);
	er = ig_hmac_sha256(cfg->forward_secret, strlen(cfg->forward_secret),
	    msg, tlen + 1 + len, mac);
	free(msg);
	if (er == IG_OK)
		ig_hex(hex, mac, sizeof(mac));
	return er;
}

enum ig_err
ig_relay_send(struct ig_http *h, const struct ig_cfg *cfg,
    const struct ig_relay_item *it, char *why, size_t whysz)
{
	char		 ts[24], hex[65], sig_h[160], id_h[64];
	const char	*headers[4];
	size_t		 len = strlen(it->body);
	long		 status;
	enum ig_err	 er;

	(void)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if ((er = sign(cfg, ts, it->body, len, hex)) != IG_OK)
		return er;
	(void)snprintf(sig_h, sizeof(sig_h), "X-Igconnect-Signature: t=%s,v1=%s",
	    ts, hex);
	(void)snprintf(id_h, sizeof(id_h), "X-Igconnect-Event-Id: %s", it->id);
	headers[0] = "Content-Type: application/json";
	headers[1] = id_h;
	headers[2] = sig_h;
	headers[3] = NULL;
	if ((er = ig_http_post(h, cfg->forward_url, headers, it->body, len,
	    &status)) != IG_OK) {
		(void)snprintf(why, whysz, "no answer from the forward URL");
		return er;
	}
	if (status < 200 || status > 299) {
		(void)snprintf(why, whysz, "HTTP %ld", status);
		return IG_EUPSTREAM;
	}
	return IG_OK;
}

enum ig_err
ig_relay_settle(struct ig_db *db, const struct ig_relay_item *it,
    int delivered, const char *why, int max_attempts, double backoff)
{
	char		 max[16], base[32];
	const char	*vals[4] = { it->id, max, base, why };

	if (delivered)
		return ig_db_exec(db, &relay_done, vals, NULL);
	(void)snprintf(max, sizeof(max), "%d", max_attempts);
	(void)snprintf(base, sizeof(base), "%.3f", backoff);
	return ig_db_exec(db, &relay_retry, vals, NULL);
}
