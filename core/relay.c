/* SPDX-License-Identifier: ISC */
/*
 * relay.c: igconnect-relay, the runner's kind (runner.c) between stored
 * webhook entries and the host app: each entry is POSTed, signed, to
 * IGCONNECT_FORWARD_URL.  Delivery is at least once: an entry is marked
 * delivered only after the app answered 2xx, and a lease that runs out
 * (a relay killed mid-send) makes it due again.  Order per account
 * holds because a claim takes only the oldest pending entry of an
 * account, so the POSTs of one batch, sent at once, are all to
 * different accounts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

/*
 * Up to $1 due entries, at most one per account and only the oldest
 * pending one of it, skipping rows other relays hold, leased for $2
 * seconds; "attempts" counts this one.
 */
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

/* Failed: pending again in $3 seconds, or dead after $2 attempts. */
static const struct ig_stmt relay_retry = { "relay_retry",
	"UPDATE webhook_entries SET "
	"  status = CASE WHEN attempts >= $2::int THEN 'dead' ELSE "
	"    'pending' END, "
	"  nextAttemptAt = now() + $3::float8 * interval '1 second', "
	"  claimedUntil = NULL, lastError = $4 WHERE id = $1", 4 };

/* One claimed entry and the host app's answer. */
struct	entry {
	char		*id;		/* webhook_entries.id */
	char		*body;		/* the JSON the host app receives */
	int		 attempts;	/* including this one */
	enum ig_err	 er;		/* IG_OK: answered 2xx */
	long		 status;	/* 0: no answer */
};

static void
free_entries(void *items, size_t n)
{
	struct entry	*e = items;
	size_t		 i;

	for (i = 0; i < n; i++) {
		free(e[i].id);
		free(e[i].body);
	}
	free(items);
}

/*
 * Raw bodies past IGCONNECT_WEBHOOK_RETENTION_DAYS are emptied, a batch
 * at a time; the entries stay as stored, and so does the row, whose
 * bodyHash keeps a late redelivery a duplicate.
 */
static const struct ig_stmt relay_purge = { "relay_purge",
	"UPDATE webhook_events SET body = ''::bytea WHERE id IN (SELECT id "
	"  FROM webhook_events WHERE octet_length(body) > 0 AND "
	"  receivedAt < now() - $1::int * interval '1 day' "
	"  ORDER BY receivedAt LIMIT 500 FOR UPDATE SKIP LOCKED)", 1 };

static enum ig_err
purge(struct ig_run *run)
{
	char		 days[16];
	const char	*vals[1] = { days };
	PGresult	*res;
	enum ig_err	 er;

	(void)snprintf(days, sizeof(days), "%ld", run->cfg->webhook_retention);
	if ((er = ig_db_exec(run->db, &relay_purge, vals, &res)) != IG_OK)
		return er;
	run->noted += strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return IG_OK;
}

static enum ig_err
claim(struct ig_run *run, void **items, size_t *n)
{
	char		 b[16], l[16];
	const char	*vals[2] = { b, l };
	PGresult	*res;
	struct entry	*e;
	size_t		 i, rows;
	enum ig_err	 er;

	*items = NULL;
	*n = 0;
	if (!run->dry_run && (er = purge(run)) != IG_OK)
		return er;
	(void)snprintf(b, sizeof(b), "%.0f", run->opt[IG_RUN_BATCH]);
	(void)snprintf(l, sizeof(l), "%.0f", run->opt[IG_RUN_LEASE]);
	if ((er = ig_db_exec(run->db, &relay_claim, vals, &res)) != IG_OK)
		return er;
	rows = (size_t)PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return IG_OK;
	}
	if ((e = ig_calloc(rows, sizeof(*e))) == NULL) {
		PQclear(res);
		return IG_ENOMEM;
	}
	for (i = 0; i < rows; i++) {
		e[i].id = ig_strdup(PQgetvalue(res, (int)i, 0));
		e[i].attempts = (int)strtol(PQgetvalue(res, (int)i, 1), NULL,
		    10);
		e[i].body = ig_strdup(PQgetvalue(res, (int)i, 2));
		e[i].er = IG_EUPSTREAM;
		if (e[i].id == NULL || e[i].body == NULL)
			er = IG_ENOMEM;
	}
	PQclear(res);
	if (er != IG_OK) {
		/* The leases run out and the entries come back. */
		free_entries(e, rows);
		return er;
	}
	*items = e;
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

/*
 * POST the entry with X-Igconnect-Event-Id and X-Igconnect-Signature:
 * t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">.  It is signed
 * when queued: a batch is short next to the receiver's tolerance.
 */
static void
request(struct ig_run *run, void *item, struct ig_http_batch *b)
{
	struct entry	*e = item;
	struct ig_call	 c;
	char		 ts[24], hex[65], sig_h[160], id_h[64];

	(void)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if ((e->er = sign(run->cfg, ts, e->body, strlen(e->body), hex)) !=
	    IG_OK)
		return;
	(void)snprintf(sig_h, sizeof(sig_h), "X-Igconnect-Signature: "
	    "t=%s,v1=%s", ts, hex);
	(void)snprintf(id_h, sizeof(id_h), "X-Igconnect-Event-Id: %s", e->id);
	memset(&c, 0, sizeof(c));
	c.base = run->cfg->forward_url;
	c.post = 1;
	c.body = e->body;
	c.len = strlen(e->body);
	c.headers[0] = "Content-Type: application/json";
	c.headers[1] = id_h;
	c.headers[2] = sig_h;
	e->er = ig_http_batch_add(b, &c, e);
}

static void
on_reply(void *arg, enum ig_err er, const json_t *reply,
    const struct ig_meta_error *merr)
{
	struct entry	*e = arg;

	(void)reply;
	e->er = er;
	e->status = merr->status;
}

/*
 * Delivered, or back to pending after a backoff (capped at an hour),
 * or dead once --max-attempts are spent.
 */
static enum ig_err
settle(struct ig_run *run, void *item, enum ig_run_outcome *out)
{
	struct entry	*e = item;
	char		 max[16], wait[32], why[128];
	const char	*vals[4] = { e->id, max, wait, why };

	if (e->er == IG_OK) {
		*out = IG_RUN_DONE;
		return ig_db_exec(run->db, &relay_done, vals, NULL);
	}
	if (e->status == 0)
		(void)snprintf(why, sizeof(why), "no answer from the forward "
		    "URL");
	else
		(void)snprintf(why, sizeof(why), "HTTP %ld", e->status);
	ig_log_info("entry %s not delivered (attempt %d): %s", e->id,
	    e->attempts, why);
	*out = e->status == 0 || e->status >= 500 ? IG_RUN_TRANSIENT :
	    IG_RUN_OTHER;
	(void)snprintf(max, sizeof(max), "%.0f",
	    run->opt[IG_RUN_MAX_ATTEMPTS]);
	(void)snprintf(wait, sizeof(wait), "%.3f",
	    ig_run_backoff(run, e->attempts, 0));
	return ig_db_exec(run->db, &relay_retry, vals, NULL);
}

static const struct ig_stmt relay_unparsed = { "relay_unparsed",
	"SELECT count(*) FROM webhook_events WHERE unparsed", 0 };

/* Deliveries kept raw because they are not JSON we read: someone looks. */
static long long
unparsed(const struct ig_run *run)
{
	PGresult	*res;
	long long	 n = 0;

	if (ig_db_exec(run->db, &relay_unparsed, NULL, &res) != IG_OK)
		return 0;
	if (PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

/* The relay's own line, as its users parse it; no progress lines. */
static void
summary(const struct ig_run *run, enum ig_err er, int progress)
{
	long long	n;

	if (progress)
		return;
	fprintf(stderr, "igconnect-relay: %ld delivered, %ld failed",
	    run->count[IG_RUN_DONE], ig_run_failures(run));
	if (run->noted > 0)
		fprintf(stderr, ", %ld raw deliveries emptied after "
		    "IGCONNECT_WEBHOOK_RETENTION_DAYS", run->noted);
	if (er == IG_OK && (n = unparsed(run)) > 0)
		fprintf(stderr, "; %lld deliveries kept unparsed "
		    "(webhook_events.unparsed)", n);
	fprintf(stderr, "%s\n", er == IG_OK ? "" :
	    "; stopped: database unavailable");
}

const struct ig_run_kind ig_run_relay = {
	.name = "relay",
	.done = "delivered",
	.pass = "cycle",
	.needs = IG_NEED_DB | IG_NEED_FORWARD,
	.flags = IG_RUN_FORWARD,
	.backoff_cap = 3600,
	.opt = {
		[IG_RUN_AGE] = { NULL, NULL, 1, 0, 0, 0, 0 },
		[IG_RUN_INTERVAL] = { "--interval", "s", 1, 1, 0.01, 3600, 0 },
		/* The host app's endpoint, not Meta: a few at a time. */
		[IG_RUN_PARALLEL] = { NULL, NULL, 1, 16, 1, 256, 1 },
		[IG_RUN_BATCH] = { "--batch", "n", 1, 50, 1, 1000, 1 },
		[IG_RUN_MAX_ATTEMPTS] = { "--max-attempts", "n", 1, 10, 1,
		    1000, 1 },
		[IG_RUN_BACKOFF] = { "--backoff", "s", 1, 5, 0, 3600, 0 },
		[IG_RUN_LEASE] = { "--lease", "s", 1, 60, 5, 3600, 1 },
	},
	.item_size = sizeof(struct entry),
	.claim = claim,
	.request = request,
	.reply = on_reply,
	.settle = settle,
	.free = free_entries,
	.summary = summary,
};
