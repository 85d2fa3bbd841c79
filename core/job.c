/* SPDX-License-Identifier: ISC */
/*
 * job.c: igconnect-refresh and igconnect-sync, two kinds of the runner
 * (runner.c) over oauth_connections.  A claim is one UPDATE that leases
 * rows picked with FOR UPDATE SKIP LOCKED and returns them as they are
 * now, so copies of a job on any number of hosts never take the same
 * row.  Each row's one GET goes to Meta; each write is conditional on
 * the row read at the claim: a connection linked again meanwhile keeps
 * its newer token.  Failures back off (the row's <job>NextAt) and are
 * tried on a later pass; after --max-attempts the row is "exhausted".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

/* ---------------------------------------------------------------- SQL */

/*
 * Due for a refresh: an Instagram Login token (Facebook Login has no
 * refresh call, Facebook Login docs; its Page tokens do not expire), active,
 * not yet expired, expiring within the window ($1 seconds), at least 24
 * hours old (Meta refreshes nothing younger) unless it is a short-lived
 * fallback token, which is upgraded instead; not exhausted, not backing
 * off past the start of this pass ($2), not leased by another copy of
 * the job.
 */
#define REFRESH_DUE \
	"d.provider = 'instagram' AND d.status = 'active' AND " \
	"COALESCE(d.metadata->>'flavor', 'instagram') = 'instagram' AND " \
	"d.accessToken IS NOT NULL AND d.refreshState <> 'exhausted' AND " \
	"d.expiresAt > now() AND " \
	"d.expiresAt <= now() + $1::float8 * interval '1 second' AND " \
	"(d.metadata->>'tokenKind' = 'short' OR " \
	" (COALESCE(d.metadata->>'tokenKind', 'long') = 'long' AND " \
	"  COALESCE(d.tokenIssuedAt, d.updatedAt) <= now() - " \
	"  interval '24 hours')) AND " \
	"(d.refreshNextAt IS NULL OR d.refreshNextAt <= $2::timestamp) AND " \
	"(d.refreshLeaseUntil IS NULL OR d.refreshLeaseUntil < now())"

/* Due for a sync: an active token, not synced for $1 seconds. */
#define SYNC_DUE \
	"d.provider = 'instagram' AND d.status = 'active' AND " \
	"d.accessToken IS NOT NULL AND d.syncState <> 'exhausted' AND " \
	"(d.expiresAt IS NULL OR d.expiresAt > now()) AND " \
	"(d.lastSyncedAt IS NULL OR d.lastSyncedAt <= now() - " \
	"  $1::float8 * interval '1 second') AND " \
	"(d.syncNextAt IS NULL OR d.syncNextAt <= $2::timestamp) AND " \
	"(d.syncLeaseUntil IS NULL OR d.syncLeaseUntil < now())"

/*
 * Up to $3 due rows, most urgent first, leased for $4 seconds, with
 * the failed attempts so far (for the backoff of the next failure).
 */
#define CLAIM(job, due, order) \
	"UPDATE oauth_connections c SET " job "LeaseUntil = now() + " \
	"  $4::int * interval '1 second' " \
	"WHERE c.id IN (SELECT d.id FROM oauth_connections d WHERE " due \
	"  ORDER BY " order " LIMIT $3 FOR UPDATE SKIP LOCKED) " \
	"RETURNING " CONN_COLUMNS ", c." job "Attempts"

/* What --dry-run shows: the same rows, nothing claimed. */
#define LIST(due, order) \
	"SELECT " CONN_COLUMNS " FROM oauth_connections c WHERE c.id IN " \
	"(SELECT d.id FROM oauth_connections d WHERE " due \
	"  ORDER BY " order " LIMIT $3)"

/*
 * A failed attempt on the row still at version $2: one more attempt,
 * the next one in $4 seconds, exhausted after $3, the error $5 kept,
 * the lease released, and a history row.
 */
#define FAILED(job, event) \
	"WITH up AS (UPDATE oauth_connections c SET " \
	"  " job "Attempts = c." job "Attempts + 1, " \
	"  " job "State = CASE WHEN c." job "Attempts + 1 >= $3::int " \
	"    THEN 'exhausted' ELSE 'retrying' END, " \
	"  " job "NextAt = now() + $4::float8 * interval '1 second', " \
	"  " job "LeaseUntil = NULL, " job "Error = $5::jsonb " \
	"  WHERE c.id = $1 AND c.version = $2 " \
	"  RETURNING c.id, c.userId, c.provider, c." job "Attempts AS n, " \
	"    c." job "State AS state) " \
	"INSERT INTO connection_history (connectionId, userId, provider, " \
	"  event, detail) SELECT id, userId, provider, '" event "', " \
	"  $5::jsonb || jsonb_build_object('attempts', n, 'state', state) " \
	"  FROM up RETURNING 1"

static const struct ig_stmt refresh_claim = { "refresh_claim",
	CLAIM("refresh", REFRESH_DUE, "d.expiresAt"), 4 };
static const struct ig_stmt refresh_list = { "refresh_list",
	LIST(REFRESH_DUE, "d.expiresAt"), 3 };
static const struct ig_stmt refresh_failed = { "refresh_failed",
	FAILED("refresh", "refresh_failed"), 5 };
static const struct ig_stmt sync_claim = { "sync_claim",
	CLAIM("sync", SYNC_DUE, "d.lastSyncedAt NULLS FIRST"), 4 };
static const struct ig_stmt sync_list = { "sync_list",
	LIST(SYNC_DUE, "d.lastSyncedAt NULLS FIRST"), 3 };
static const struct ig_stmt sync_failed = { "sync_failed",
	FAILED("sync", "sync_failed"), 5 };

/*
 * A write that found the row changed leaves the claim's lease; a new
 * token or link gives back a refresh's (REFRESH_RESET), but a refresh
 * leaves a sync's: given back here, the row is due at the next pass,
 * not once the lease (--lease) runs out.  Our lease, unless a batch
 * outlived it.
 */
static const struct ig_stmt sync_release = { "sync_release",
	"UPDATE oauth_connections SET syncLeaseUntil = NULL "
	"WHERE id = $1 AND syncLeaseUntil > now()", 1 };

/*
 * A call not made because Meta's usage headers said stop: the lease
 * given back with nothing else changed, no attempt counted, so the row
 * is due again as it was.
 */
static const struct ig_stmt refresh_unlease = { "refresh_unlease",
	"UPDATE oauth_connections SET refreshLeaseUntil = NULL "
	"WHERE id = $1 AND refreshLeaseUntil > now()", 1 };

/* ------------------------------------------------------------ items */

/* The class of a failed attempt, as <job>Error keeps it. */
static const char *const outcome_names[IG_RUN__MAX] = {
	"done", "superseded", "revoked", "rate_limited", "transient",
	"other", "local"
};

struct	job;
struct	item;

/* The reply to one GET of an item, the batch's "arg". */
struct	reply {
	struct item		*it;
	enum ig_err		 er;
	struct ig_meta_error	 merr;
};

/* One claimed connection and what became of it. */
struct	item {
	const struct job	*job;
	struct ig_conn		 conn;
	int			 attempts;	/* failed ones before */
	int			 upgrade;	/* refresh a short token */
	int			 called;	/* a GET was queued */
	enum ig_err		 er;
	struct ig_meta_error	 merr;
	struct ig_token		 token;		/* refresh's result */
	struct ig_profile	 profile;	/* sync's result */
	char			 tok[9];	/* SHA-256 prefix, for logs */
	/*
	 * Sync of a Facebook Login row: debug_token of its user token too
	 * (debug_token docs), for the data access expiry; best effort.
	 */
	struct reply		 main, health;
	struct ig_fb_debug	 debug;
	char			*user_token;
	char			 app_token[256];
};

/* What differs between the two jobs: the kinds' "data". */
struct	job {
	const char		*name;		/* "refresh" */
	int			 health;	/* ask debug_token too */
	const struct ig_stmt	*claim, *list, *failed;
	const struct ig_stmt	*release;	/* see sync_release */
	const struct ig_stmt	*unlease;	/* see refresh_unlease */
	void		(*request)(const struct ig_cfg *, struct item *,
			    const char *token, struct ig_call *);
	enum ig_err	(*read)(struct item *, const json_t *reply);
	enum ig_err	(*store)(struct ig_ctx *, struct item *);
	/* What --dry-run says a pass would do to "c". */
	const char	*(*would)(const struct ig_conn *c);
};

static void
refresh_request(const struct ig_cfg *cfg, struct item *it,
    const char *token, struct ig_call *g)
{
	/* Seed 002's fallback token is upgraded, not refreshed. */
	it->upgrade = it->conn.token_kind == IG_TOKEN_SHORT;
	if (it->upgrade)
		ig_insta_long_lived_get(cfg, token, g);
	else
		ig_insta_refresh_get(cfg, token, g);
}

static enum ig_err
refresh_read(struct item *it, const json_t *reply)
{
	return ig_insta_read_token(reply, &it->token);
}

static enum ig_err
refresh_store(struct ig_ctx *ctx, struct item *it)
{
	struct ig_conn	out;
	enum ig_err	er;

	er = ig_conn_set_token(ctx, &it->conn, &it->token, IG_TOKEN_LONG,
	    it->upgrade ? "upgraded" : "refreshed", &out);
	if (er == IG_OK)
		ig_conn_free(&out);
	return er;
}

static const char *
refresh_would(const struct ig_conn *c)
{
	return c->token_kind == IG_TOKEN_SHORT ? "upgrade" : "refresh";
}

/* The profile from the host of the row's flavor (A.5, or B.5). */
static void
sync_request(const struct ig_cfg *cfg, struct item *it, const char *token,
    struct ig_call *g)
{
	if (it->conn.flavor == IG_FLAVOR_FACEBOOK &&
	    it->conn.business_account_id != NULL)
		ig_fb_profile_get(cfg, it->conn.business_account_id, token, g);
	else
		ig_insta_profile_get(cfg, token, g);
}

static enum ig_err
sync_read(struct item *it, const json_t *reply)
{
	if (it->conn.flavor == IG_FLAVOR_FACEBOOK)
		return ig_fb_read_profile(reply, &it->profile);
	return ig_insta_read_profile(reply, &it->profile);
}

static enum ig_err
sync_store(struct ig_ctx *ctx, struct item *it)
{
	enum ig_err	er;

	er = ig_conn_set_profile(ctx, &it->conn, &it->profile);
	if (er == IG_OK && it->health.er == IG_OK)
		er = ig_conn_set_health(ctx, &it->conn, &it->debug);
	return er;
}

static const char *
sync_would(const struct ig_conn *c)
{
	(void)c;
	return "sync";
}

static const struct job refresh_job = { "refresh", 0, &refresh_claim,
	&refresh_list, &refresh_failed, NULL, &refresh_unlease,
	refresh_request, refresh_read, refresh_store, refresh_would };
static const struct job sync_job = { "sync", 1, &sync_claim, &sync_list,
	&sync_failed, &sync_release, &sync_release, sync_request, sync_read,
	sync_store, sync_would };

static const struct job *
job_of(const struct ig_run *run)
{
	return run->kind->data;
}

/* ------------------------------------------------------------ claim */

static void
free_items(void *items, size_t n)
{
	struct item	*it = items;
	size_t		 i;

	for (i = 0; i < n; i++) {
		ig_conn_free(&it[i].conn);
		ig_token_free(&it[i].token);
		ig_profile_free(&it[i].profile);
		ig_fb_debug_free(&it[i].debug);
		ig_free_secret(it[i].user_token);
		ig_wipe(it[i].app_token, sizeof(it[i].app_token));
	}
	free(items);
}

/* Row "row" of a claim into "it". */
static enum ig_err
read_item(const PGresult *res, int row, const struct job *job,
    struct item *it)
{
	it->job = job;
	it->attempts = (int)strtol(PQgetvalue(res, row, PQnfields(res) - 1),
	    NULL, 10);
	return ig_conn_read(res, row, &it->conn);
}

/*
 * A batch is settled in one transaction, in the order of its items.
 * Refresh and sync may hold the same rows at once: in row order, they
 * take those rows' locks in one order and cannot deadlock (PostgreSQL
 * would end one of the two transactions, and with it every write of
 * its batch, tokens Meta had just refreshed included).
 */
static int
by_row(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->conn.id,
	    ((const struct item *)b)->conn.id);
}

static enum ig_err
claim(struct ig_run *run, void **items, size_t *n)
{
	const struct job	*job = job_of(run);
	char			 age[32], batch[16], lease[16];
	const char		*vals[4] = { age, run->since, batch, lease };
	PGresult		*res;
	struct item		*it = NULL;
	size_t			 i, rows;
	enum ig_err		 er;

	*items = NULL;
	*n = 0;
	(void)snprintf(age, sizeof(age), "%.0f", run->opt[IG_RUN_AGE]);
	(void)snprintf(batch, sizeof(batch), "%.0f", run->opt[IG_RUN_BATCH]);
	(void)snprintf(lease, sizeof(lease), "%.0f", run->opt[IG_RUN_LEASE]);
	if ((er = ig_db_exec(run->db, job->claim, vals, &res)) != IG_OK)
		return er;
	rows = (size_t)PQntuples(res);
	if (rows > 0 && (it = ig_calloc(rows, sizeof(*it))) == NULL)
		er = IG_ENOMEM;
	for (i = 0; er == IG_OK && i < rows; i++)
		er = read_item(res, (int)i, job, &it[i]);
	PQclear(res);
	if (er != IG_OK) {
		/* The leases run out; another pass takes the rows. */
		if (it != NULL)
			free_items(it, rows);
		return er;
	}
	if (rows > 1)
		qsort(it, rows, sizeof(*it), by_row);
	*items = it;
	*n = rows;
	return IG_OK;
}

/* ------------------------------------------------------------ calls */

static void
on_reply(void *arg, enum ig_err er, const json_t *reply,
    const struct ig_meta_error *merr)
{
	struct reply	*r = arg;
	struct item	*it = r->it;

	r->er = er;
	r->merr = *merr;
	if (r == &it->health) {
		if (er == IG_OK)
			r->er = ig_fb_read_debug(reply, &it->debug);
		return;
	}
	it->er = er;
	it->merr = *merr;
	if (er == IG_OK)
		it->er = it->job->read(it, reply);
}

/*
 * A Facebook Login row's sync also asks debug_token about its user
 * token.  Nothing is lost when it cannot: the profile still lands.
 */
static void
queue_health(struct ig_run *run, struct item *it, struct ig_http_batch *b)
{
	struct ig_call	g;

	it->health.it = it;
	it->health.er = IG_ENOTFOUND;
	if (!it->job->health || it->conn.flavor != IG_FLAVOR_FACEBOOK ||
	    ig_conn_user_token(run->cfg, &it->conn, &it->user_token) !=
	    IG_OK ||
	    ig_fb_app_token(run->cfg, it->app_token, sizeof(it->app_token)) !=
	    IG_OK)
		return;
	ig_fb_debug_get(run->cfg, it->user_token, it->app_token, &g);
	(void)ig_http_batch_add(b, &g, &it->health);
}

/* Open the item's token and queue its GET; none if it is unreadable. */
static void
request(struct ig_run *run, void *item, struct ig_http_batch *b)
{
	struct item	*it = item;
	unsigned char	 md[32];
	struct ig_call	 g;
	char		*token, hex[65];
	enum ig_err	 er;

	it->health.er = IG_ENOTFOUND;
	if ((er = ig_conn_token(run->cfg, &it->conn, &token)) != IG_OK) {
		it->er = er;
		return;
	}
	/* Logs may name a token by a hash prefix only. */
	if (ig_sha256(token, strlen(token), md) == IG_OK) {
		ig_hex(hex, md, 4);
		memcpy(it->tok, hex, sizeof(it->tok));
	}
	it->job->request(run->cfg, it, token, &g);
	it->main.it = it;
	er = ig_http_batch_add(b, &g, &it->main);
	ig_free_secret(token);
	if (er != IG_OK) {
		it->er = er;
		return;
	}
	it->called = 1;
	queue_health(run, it, b);
}

/* ------------------------------------------------------------ settle */

static enum ig_run_outcome
classify(const struct item *it)
{
	if (!it->called)
		return IG_RUN_SKIPPED;
	switch (it->er) {
	case IG_OK:
		return IG_RUN_DONE;
	case IG_ERATELIMIT:
		return IG_RUN_RATE_LIMITED;
	case IG_EMETA:
		return it->merr.cls == IG_META_TOKEN ? IG_RUN_REVOKED :
		    IG_RUN_OTHER;
	case IG_EUPSTREAM:
		return IG_RUN_TRANSIENT;
	default:
		return IG_RUN_SKIPPED;
	}
}

/* {"class", "code", "subcode", "status"} of a failed attempt. */
static char *
error_json(enum ig_run_outcome o, const struct ig_meta_error *m)
{
	json_t	*d;
	char	*s;

	d = json_pack("{s:s, s:I, s:I, s:I}", "class", outcome_names[o],
	    "code", (json_int_t)m->code, "subcode", (json_int_t)m->subcode,
	    "status", (json_int_t)m->status);
	s = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	return s;
}

/* Record a failure and its backoff; IG_ENOTFOUND if the row changed. */
static enum ig_err
write_failure(struct ig_run *run, const struct item *it,
    enum ig_run_outcome o)
{
	char		 max[16], wait[32], *err;
	const char	*vals[5];
	enum ig_err	 er;

	if ((err = error_json(o, &it->merr)) == NULL)
		return IG_ENOMEM;
	(void)snprintf(max, sizeof(max), "%.0f",
	    run->opt[IG_RUN_MAX_ATTEMPTS]);
	(void)snprintf(wait, sizeof(wait), "%.3f", ig_run_backoff(run,
	    it->attempts + 1, o == IG_RUN_RATE_LIMITED ?
	    it->merr.retry_after : 0L));
	vals[0] = it->conn.id;
	vals[1] = it->conn.version;
	vals[2] = max;
	vals[3] = wait;
	vals[4] = err;
	er = ig_db_write_if(run->db, it->job->failed, vals);
	free(err);
	return er;
}

/* The item's lease back after a write that found its row changed. */
static enum ig_err
release(struct ig_run *run, const struct item *it)
{
	const char	*vals[1] = { it->conn.id };

	if (it->job->release == NULL)
		return IG_OK;
	return ig_db_exec(run->db, it->job->release, vals, NULL);
}

/* The item's lease back, untouched: its call was not made. */
static enum ig_err
unlease(struct ig_run *run, const struct item *it)
{
	const char	*vals[1] = { it->conn.id };

	return ig_db_exec(run->db, it->job->unlease, vals, NULL);
}

/* Write what became of one item. */
static enum ig_err
settle(struct ig_run *run, void *item, enum ig_run_outcome *out)
{
	struct item	*it = item;
	struct ig_ctx	 ctx = { run->cfg, run->db, NULL, NULL };
	enum ig_run_outcome o;
	enum ig_err	 er;

	if (it->called && it->merr.deferred) {
		*out = IG_RUN_SKIPPED;
		return unlease(run, it);
	}
	/* debug_token's is_valid false is Meta's verdict, as a 190 is. */
	if (it->health.er == IG_OK && !it->debug.valid) {
		it->er = IG_EMETA;
		it->merr.code = 190;
		it->merr.cls = IG_META_TOKEN;
	}
	o = classify(it);

	if (o == IG_RUN_DONE)
		er = it->job->store(&ctx, it);
	else if (o == IG_RUN_REVOKED)
		er = ig_conn_mark_reauth(&ctx, &it->conn, &it->merr);
	else
		er = write_failure(run, it, o);
	if (er == IG_ENOTFOUND) {
		/* Linked again or changed meanwhile: its news wins. */
		ig_conn_note(&ctx, &it->conn, o == IG_RUN_DONE ?
		    "refresh_superseded" : "attempt_superseded", &it->merr);
		o = IG_RUN_SUPERSEDED;
		er = release(run, it);
	}
	if (er != IG_OK)
		return er;
	*out = o;
	if (o == IG_RUN_DONE && it->upgrade)
		run->noted++;
	if (o == IG_RUN_DONE)
		ig_log_debug("connection %s tok=sha256:%s: %s", it->conn.id,
		    it->tok, run->kind->done);
	else
		ig_log_info("connection %s tok=sha256:%s: %s %s (%s, Meta "
		    "code %ld)", it->conn.id, it->tok, it->job->name,
		    o == IG_RUN_SUPERSEDED ? "superseded" : "failed",
		    outcome_names[o], it->merr.code);
	return IG_OK;
}

/* --dry-run: what a pass would take now, one line each on stdout. */
static enum ig_err
dry_run(struct ig_run *run, long *due)
{
	const struct job	*job = job_of(run);
	const char		*vals[3] = { NULL, NULL, "100000" };
	char			 age[32], expires[21];
	PGresult		*res;
	struct ig_conn		 c;
	int			 i, rows;
	enum ig_err		 er;

	(void)snprintf(age, sizeof(age), "%.0f", run->opt[IG_RUN_AGE]);
	vals[0] = age;
	vals[1] = "now";	/* due now, as a pass starting now sees it */
	if ((er = ig_db_exec(run->db, job->list, vals, &res)) != IG_OK)
		return er;
	rows = PQntuples(res);
	for (i = 0; er == IG_OK && i < rows; i++) {
		if ((er = ig_conn_read(res, i, &c)) != IG_OK)
			break;
		ig_iso8601(expires, c.expires_at);
		printf("%s user %s expires %s: would %s\n", c.id, c.user_id,
		    c.expires_at != 0 ? expires : "never", job->would(&c));
		ig_conn_free(&c);
	}
	PQclear(res);
	*due = rows;
	return er;
}

/* ------------------------------------------------------------ kinds */

/* The options both jobs share; only the age option differs. */
#define JOB_OPTS(flag, arg, unit, def) { \
	[IG_RUN_AGE] = { flag, arg, unit, def, 0, 366 * 86400 / (unit), 0 }, \
	[IG_RUN_INTERVAL] = { "--interval", "s", 1, 300, 1, 86400, 0 }, \
	[IG_RUN_PARALLEL] = { "--parallel", "n", 1, 16, 1, 256, 1 }, \
	[IG_RUN_BATCH] = { "--batch", "n", 1, 0, 1, 10000, 1 }, \
	[IG_RUN_MAX_ATTEMPTS] = { "--max-attempts", "n", 1, 8, 1, 1000, 1 }, \
	[IG_RUN_BACKOFF] = { "--backoff", "s", 1, 300, 0, 86400, 0 }, \
	[IG_RUN_LEASE] = { "--lease", "s", 1, 300, 10, 86400, 1 } }

const struct ig_run_kind ig_run_refresh = {
	.name = "refresh",
	.done = "refreshed",
	.note = "upgraded",
	.pass = "pass",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM,
	.flags = IG_RUN_CLOCK,
	.backoff_cap = 86400,
	.opt = JOB_OPTS("--window", "days", 86400, 10),
	.data = &refresh_job,
	.item_size = sizeof(struct item),
	.claim = claim,
	.request = request,
	.reply = on_reply,
	.settle = settle,
	.free = free_items,
	.dry_run = dry_run,
};

const struct ig_run_kind ig_run_sync = {
	.name = "sync",
	.done = "synced",
	.pass = "pass",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM,
	.flags = IG_RUN_CLOCK,
	.backoff_cap = 86400,
	.opt = JOB_OPTS("--max-age", "hours", 3600, 24),
	.data = &sync_job,
	.item_size = sizeof(struct item),
	.claim = claim,
	.request = request,
	.reply = on_reply,
	.settle = settle,
	.free = free_items,
	.dry_run = dry_run,
};
