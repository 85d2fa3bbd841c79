/* SPDX-License-Identifier: ISC */
/*
 * job.c: igconnect-refresh and igconnect-sync, one runner for both.
 * A pass claims due connections in batches:
 * one UPDATE sets a lease on rows picked with FOR UPDATE SKIP LOCKED and
 * returns them as they are now, so copies of a job on any number of
 * hosts never take the same row.  The batch's calls to Meta are made at
 * once (ig_http_batch, --parallel), then every outcome is written in one
 * transaction, each write conditional on the row read at the claim: a
 * connection linked again meanwhile keeps its newer token.  Failures
 * back off exponentially (the row's <job>NextAt) and are tried on a
 * later pass; after --max-attempts the row is "exhausted".  SIGTERM lets
 * the current batch finish, calls and writes, before the job exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define PROGRESS_EVERY	3	/* seconds between progress lines on a tty */

/* ---------------------------------------------------------------- SQL */

/*
 * Due for a refresh: an Instagram Login token (Facebook Login has no
 * refresh call, graph-api.md B.3; its Page tokens do not expire), active,
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

/* Up to $3 due rows, most urgent first, leased for $4 seconds. */
#define CLAIM(job, due, order) \
	"UPDATE oauth_connections c SET " job "LeaseUntil = now() + " \
	"  $4::int * interval '1 second' " \
	"WHERE c.id IN (SELECT d.id FROM oauth_connections d WHERE " due \
	"  ORDER BY " order " LIMIT $3 FOR UPDATE SKIP LOCKED) " \
	"RETURNING " CONN_COLUMNS

/* What --dry-run shows: the same rows, nothing claimed. */
#define LIST(due, order) \
	"SELECT " CONN_COLUMNS " FROM oauth_connections c WHERE c.id IN " \
	"(SELECT d.id FROM oauth_connections d WHERE " due \
	"  ORDER BY " order " LIMIT $3)"

/*
 * A failed attempt on the row still at version $2: one more attempt,
 * the next one after $4 * 2^attempts seconds (at most a day, 50-100%
 * jitter, at least Meta's Retry-After $5), exhausted after $3, the
 * error $6 kept, the lease released, and a history row.
 */
#define FAILED(job, event) \
	"WITH up AS (UPDATE oauth_connections c SET " \
	"  " job "Attempts = c." job "Attempts + 1, " \
	"  " job "State = CASE WHEN c." job "Attempts + 1 >= $3::int " \
	"    THEN 'exhausted' ELSE 'retrying' END, " \
	"  " job "NextAt = now() + greatest($5::float8, least(86400, " \
	"    $4::float8 * power(2, c." job "Attempts)) * " \
	"    (0.5 + random() / 2)) * interval '1 second', " \
	"  " job "LeaseUntil = NULL, " job "Error = $6::jsonb " \
	"  WHERE c.id = $1 AND c.version = $2 " \
	"  RETURNING c.id, c.userId, c.provider, c." job "Attempts AS n, " \
	"    c." job "State AS state) " \
	"INSERT INTO connection_history (connectionId, userId, provider, " \
	"  event, detail) SELECT id, userId, provider, '" event "', " \
	"  $6::jsonb || jsonb_build_object('attempts', n, 'state', state) " \
	"  FROM up RETURNING 1"

static const struct ig_stmt refresh_claim = { "refresh_claim",
	CLAIM("refresh", REFRESH_DUE, "d.expiresAt"), 4 };
static const struct ig_stmt refresh_list = { "refresh_list",
	LIST(REFRESH_DUE, "d.expiresAt"), 3 };
static const struct ig_stmt refresh_failed = { "refresh_failed",
	FAILED("refresh", "refresh_failed"), 6 };
static const struct ig_stmt sync_claim = { "sync_claim",
	CLAIM("sync", SYNC_DUE, "d.lastSyncedAt NULLS FIRST"), 4 };
static const struct ig_stmt sync_list = { "sync_list",
	LIST(SYNC_DUE, "d.lastSyncedAt NULLS FIRST"), 3 };
static const struct ig_stmt sync_failed = { "sync_failed",
	FAILED("sync", "sync_failed"), 6 };

/* The database's clock starts a pass: rows failed in it wait for the next. */
static const struct ig_stmt pass_start = { "pass_start",
	"SELECT localtimestamp::text", 0 };
static const struct ig_stmt tx_begin = { "job_begin", "BEGIN", 0 };
static const struct ig_stmt tx_commit = { "job_commit", "COMMIT", 0 };
static const struct ig_stmt tx_rollback = { "job_rollback", "ROLLBACK", 0 };

/* ------------------------------------------------------------ outcomes */

/* How an attempt ended; the summary counts each. */
enum	outcome {
	DONE,		/* refreshed or synced */
	SUPERSEDED,	/* the row changed meanwhile; nothing written */
	REVOKED,	/* Meta 190: needs_reauth, never tried again */
	RATE_LIMITED,
	TRANSIENT,	/* codes 1, 2, 5xx, timeouts, garbage replies */
	OTHER,		/* any other Meta error */
	SKIPPED,	/* our side: the stored token could not be opened */
	NOUTCOME
};

static const char *const outcome_names[NOUTCOME] = {
	"done", "superseded", "revoked", "rate_limited", "transient",
	"other", "local"
};

struct	kind;

/* One claimed connection and what became of it. */
struct	item;

/* The reply to one GET of an item, the batch's "arg". */
struct	reply {
	struct item		*it;
	enum ig_err		 er;
	struct ig_meta_error	 merr;
};

struct	item {
	const struct kind	*kind;
	struct ig_conn		 conn;
	int			 upgrade;	/* refresh a short token */
	int			 called;	/* a GET was queued */
	enum ig_err		 er;
	struct ig_meta_error	 merr;
	struct ig_token		 token;		/* refresh's result */
	struct ig_profile	 profile;	/* sync's result */
	char			 tok[9];	/* SHA-256 prefix, for logs */
	/*
	 * Sync of a Facebook Login row: debug_token of its user token too
	 * (graph-api.md B.6), for the data access expiry; best effort.
	 */
	struct reply		 main, health;
	struct ig_fb_debug	 debug;
	char			*user_token;
	char			 app_token[256];
};

struct	job {
	const struct kind	*kind;
	const struct ig_cfg	*cfg;
	struct ig_db		*db;
	struct ig_http_batch	*http;
	/* options */
	int			 daemon, dry_run;
	double			 age;		/* seconds */
	double			 interval;
	int			 parallel, batch, max_attempts, lease;
	double			 backoff;
	/* tally */
	long			 claimed, upgraded, count[NOUTCOME];
	time_t			 last_progress;
};

/* What differs between the two jobs. */
struct	kind {
	const char		*name;		/* "refresh": igconnect-refresh */
	const char		*verb;		/* "refreshed" */
	unsigned		 needs;
	const char		*age_flag;	/* "--window" */
	const char		*age_unit;	/* "days" */
	double			 unit;		/* seconds in one */
	double			 age_default;
	const struct ig_stmt	*claim, *list, *failed;
	void		(*request)(const struct ig_cfg *, struct item *,
			    const char *token, struct ig_call *);
	enum ig_err	(*read)(struct item *, const json_t *reply);
	enum ig_err	(*store)(struct ig_ctx *, struct item *);
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

static const struct kind kinds[] = {
	[IG_JOB_REFRESH] = { "refresh", "refreshed",
	    IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM, "--window", "days",
	    86400, 10, &refresh_claim, &refresh_list, &refresh_failed,
	    refresh_request, refresh_read, refresh_store },
	[IG_JOB_SYNC] = { "sync", "synced",
	    IG_NEED_DB | IG_NEED_KEYS | IG_NEED_INSTAGRAM, "--max-age", "hours",
	    3600, 24, &sync_claim, &sync_list, &sync_failed,
	    sync_request, sync_read, sync_store },
};

/* ---------------------------------------------------------- signals */

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
catch_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
}

/* ---------------------------------------------------------- options */

int
ig_arg_num(const char *s, double lo, double hi, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && *out >= lo &&
	    *out <= hi;
}

void
ig_pause(double s)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	(void)nanosleep(&ts, NULL);	/* a signal cuts it short */
}

static int
parse(int argc, char *argv[], struct job *j)
{
	const struct kind	*k = j->kind;
	double			 v;
	int			 i, modes = 0;

	j->age = k->age_default * k->unit;
	j->interval = 300;
	j->parallel = 16;
	j->batch = 0;
	j->max_attempts = 8;
	j->backoff = 300;
	j->lease = 300;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			modes++;
		else if (strcmp(argv[i], "--daemon") == 0) {
			j->daemon = 1;
			modes++;
		} else if (strcmp(argv[i], "--dry-run") == 0)
			j->dry_run = 1;
		else if (i + 1 == argc)
			return 0;
		else if (strcmp(argv[i], k->age_flag) == 0 &&
		    ig_arg_num(argv[++i], 0, 366 * 86400 / k->unit, &v))
			j->age = v * k->unit;
		else if (strcmp(argv[i], "--interval") == 0 &&
		    ig_arg_num(argv[++i], 1, 86400, &j->interval))
			continue;
		else if (strcmp(argv[i], "--parallel") == 0 &&
		    ig_arg_num(argv[++i], 1, 256, &v))
			j->parallel = (int)v;
		else if (strcmp(argv[i], "--batch") == 0 &&
		    ig_arg_num(argv[++i], 1, 10000, &v))
			j->batch = (int)v;
		else if (strcmp(argv[i], "--max-attempts") == 0 &&
		    ig_arg_num(argv[++i], 1, 1000, &v))
			j->max_attempts = (int)v;
		else if (strcmp(argv[i], "--backoff") == 0 &&
		    ig_arg_num(argv[++i], 0, 86400, &j->backoff))
			continue;
		else if (strcmp(argv[i], "--lease") == 0 &&
		    ig_arg_num(argv[++i], 10, 86400, &v))
			j->lease = (int)v;
		else
			return 0;
	}
	/* A batch keeps every parallel slot busy a few times over. */
	if (j->batch == 0)
		j->batch = 4 * j->parallel;
	return modes == 1;
}

static void
usage(const struct kind *k)
{
	fprintf(stderr, "usage: igconnect-%s --once | --daemon [--dry-run] "
	    "[%s %s] [--interval s] [--parallel n] [--batch n] "
	    "[--max-attempts n] [--backoff s] [--lease s]\n", k->name,
	    k->age_flag, k->age_unit);
}

/* ------------------------------------------------------------ tally */

static long
failures(const struct job *j)
{
	return j->count[REVOKED] + j->count[RATE_LIMITED] +
	    j->count[TRANSIENT] + j->count[OTHER];
}

static void
print_tally(const struct job *j, const char *label)
{
	const struct kind	*k = j->kind;

	fprintf(stderr, "igconnect-%s: %sclaimed %ld, %s %ld", k->name, label,
	    j->claimed, k->verb, j->count[DONE]);
	if (j->kind == &kinds[IG_JOB_REFRESH])
		fprintf(stderr, " (%ld upgraded)", j->upgraded);
	fprintf(stderr, ", failed %ld (revoked %ld, rate_limited %ld, "
	    "transient %ld, other %ld), superseded %ld, skipped %ld\n",
	    failures(j), j->count[REVOKED], j->count[RATE_LIMITED],
	    j->count[TRANSIENT], j->count[OTHER], j->count[SUPERSEDED],
	    j->count[SKIPPED]);
}

static void
progress(struct job *j)
{
	time_t	now = time(NULL);

	if (!isatty(STDERR_FILENO) || now - j->last_progress < PROGRESS_EVERY)
		return;
	j->last_progress = now;
	print_tally(j, "so far: ");
}

/* ------------------------------------------------------------ a batch */

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
		it->er = it->kind->read(it, reply);
}

/*
 * A Facebook Login row's sync also asks debug_token about its user
 * token.  Nothing is lost when it cannot: the profile still lands.
 */
static void
queue_health(struct job *j, struct item *it)
{
	struct ig_call	g;

	it->health.it = it;
	it->health.er = IG_ENOTFOUND;
	if (j->kind != &kinds[IG_JOB_SYNC] ||
	    it->conn.flavor != IG_FLAVOR_FACEBOOK ||
	    ig_conn_user_token(j->cfg, &it->conn, &it->user_token) != IG_OK ||
	    ig_fb_app_token(j->cfg, it->app_token, sizeof(it->app_token)) !=
	    IG_OK)
		return;
	ig_fb_debug_get(j->cfg, it->user_token, it->app_token, &g);
	(void)ig_http_batch_add(j->http, &g, &it->health);
}

/* Open the item's token and queue its GET; 0 if the token is unreadable. */
static int
queue(struct job *j, struct item *it)
{
	unsigned char	 md[32];
	struct ig_call	 g;
	char		*token, hex[65];
	enum ig_err	 er;

	if ((er = ig_conn_token(j->cfg, &it->conn, &token)) != IG_OK) {
		it->er = er;
		return 0;
	}
	/* Logs may name a token by a hash prefix only. */
	if (ig_sha256(token, strlen(token), md) == IG_OK) {
		ig_hex(hex, md, 4);
		memcpy(it->tok, hex, sizeof(it->tok));
	}
	j->kind->request(j->cfg, it, token, &g);
	it->main.it = it;
	er = ig_http_batch_add(j->http, &g, &it->main);
	ig_free_secret(token);
	if (er != IG_OK) {
		it->er = er;
		return 0;
	}
	it->called = 1;
	queue_health(j, it);
	return 1;
}

static enum outcome
classify(const struct item *it)
{
	if (!it->called)
		return SKIPPED;
	switch (it->er) {
	case IG_OK:
		return DONE;
	case IG_ERATELIMIT:
		return RATE_LIMITED;
	case IG_EMETA:
		return it->merr.cls == IG_META_TOKEN ? REVOKED : OTHER;
	case IG_EUPSTREAM:
		return TRANSIENT;
	default:
		return SKIPPED;
	}
}

/* {"class", "code", "subcode", "status"} of a failed attempt. */
static char *
error_json(enum outcome o, const struct ig_meta_error *m)
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
write_failure(struct job *j, const struct item *it, enum outcome o)
{
	char		 max[16], base[32], wait[32], *err;
	const char	*vals[6];
	enum ig_err	 er;

	if ((err = error_json(o, &it->merr)) == NULL)
		return IG_ENOMEM;
	(void)snprintf(max, sizeof(max), "%d", j->max_attempts);
	(void)snprintf(base, sizeof(base), "%g", j->backoff);
	(void)snprintf(wait, sizeof(wait), "%ld",
	    o == RATE_LIMITED ? it->merr.retry_after : 0L);
	vals[0] = it->conn.id;
	vals[1] = it->conn.version;
	vals[2] = max;
	vals[3] = base;
	vals[4] = wait;
	vals[5] = err;
	er = ig_db_write_if(j->db, j->kind->failed, vals);
	free(err);
	return er;
}

/* Write what became of one item; counts it. */
static enum ig_err
settle(struct job *j, struct item *it)
{
	struct ig_ctx	 ctx = { j->cfg, j->db, NULL, NULL };
	enum outcome	 o;
	enum ig_err	 er;

	/* debug_token's is_valid false is Meta's verdict, as a 190 is. */
	if (it->health.er == IG_OK && !it->debug.valid) {
		it->er = IG_EMETA;
		it->merr.code = 190;
		it->merr.cls = IG_META_TOKEN;
	}
	o = classify(it);

	if (o == DONE)
		er = j->kind->store(&ctx, it);
	else if (o == REVOKED)
		er = ig_conn_mark_reauth(&ctx, &it->conn, &it->merr);
	else
		er = write_failure(j, it, o);
	if (er == IG_ENOTFOUND) {
		/* Linked again or changed meanwhile: its news wins. */
		ig_conn_note(&ctx, &it->conn, o == DONE ? "refresh_superseded" :
		    "attempt_superseded", &it->merr);
		o = SUPERSEDED;
		er = IG_OK;
	}
	if (er != IG_OK)
		return er;
	j->count[o]++;
	if (o == DONE && it->upgrade)
		j->upgraded++;
	if (o == DONE)
		ig_log_debug("connection %s tok=sha256:%s: %s", it->conn.id,
		    it->tok, j->kind->verb);
	else
		ig_log_info("connection %s tok=sha256:%s: %s %s (%s, Meta "
		    "code %ld)", it->conn.id, it->tok, j->kind->name,
		    o == SUPERSEDED ? "superseded" : "failed", outcome_names[o],
		    it->merr.code);
	return IG_OK;
}

static void
free_items(struct item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		ig_conn_free(&items[i].conn);
		ig_token_free(&items[i].token);
		ig_profile_free(&items[i].profile);
		ig_fb_debug_free(&items[i].debug);
		ig_free_secret(items[i].user_token);
		ig_wipe(items[i].app_token, sizeof(items[i].app_token));
	}
	free(items);
}

/* Claim up to --batch rows; "*items" is new, "*n" may be 0. */
static enum ig_err
claim(struct job *j, const char *since, struct item **items, size_t *n)
{
	char		 age[32], batch[16], lease[16];
	const char	*vals[4] = { age, since, batch, lease };
	PGresult	*res;
	struct item	*it = NULL;
	size_t		 i, rows;
	enum ig_err	 er;

	*items = NULL;
	*n = 0;
	(void)snprintf(age, sizeof(age), "%.0f", j->age);
	(void)snprintf(batch, sizeof(batch), "%d", j->batch);
	(void)snprintf(lease, sizeof(lease), "%d", j->lease);
	if ((er = ig_db_exec(j->db, j->kind->claim, vals, &res)) != IG_OK)
		return er;
	rows = (size_t)PQntuples(res);
	if (rows > 0 && (it = ig_calloc(rows, sizeof(*it))) == NULL)
		er = IG_ENOMEM;
	for (i = 0; er == IG_OK && i < rows; i++) {
		it[i].kind = j->kind;
		er = ig_conn_read(res, (int)i, &it[i].conn);
	}
	PQclear(res);
	if (er != IG_OK) {
		/* The leases run out; another pass takes the rows. */
		if (it != NULL)
			free_items(it, rows);
		return er;
	}
	*items = it;
	*n = rows;
	return IG_OK;
}

/* One batch: claim, call, write.  "*claimed" is what was found. */
static enum ig_err
batch(struct job *j, const char *since, size_t *claimed)
{
	struct item	*items;
	size_t		 n, i;
	enum ig_err	 er;

	if ((er = claim(j, since, &items, claimed)) != IG_OK ||
	    (n = *claimed) == 0)
		return er;
	j->claimed += (long)n;
	for (i = 0; i < n; i++)
		(void)queue(j, &items[i]);
	(void)ig_http_batch_run(j->http, on_reply);
	/* One commit for the batch; each write stands alone if it breaks. */
	er = ig_db_exec(j->db, &tx_begin, NULL, NULL);
	for (i = 0; er == IG_OK && i < n; i++)
		er = settle(j, &items[i]);
	if (er == IG_OK)
		er = ig_db_exec(j->db, &tx_commit, NULL, NULL);
	else
		(void)ig_db_exec(j->db, &tx_rollback, NULL, NULL);
	free_items(items, n);
	progress(j);
	return er;
}

/* One pass: batches until nothing is due or SIGTERM came. */
static enum ig_err
pass(struct job *j)
{
	char		 since[64];
	PGresult	*res;
	size_t		 claimed;
	enum ig_err	 er;

	if ((er = ig_db_exec(j->db, &pass_start, NULL, &res)) != IG_OK)
		return er;
	(void)snprintf(since, sizeof(since), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	do {
		er = batch(j, since, &claimed);
	} while (er == IG_OK && claimed > 0 && !stop);
	return er;
}

/* --dry-run: what a pass would take now, one line each on stdout. */
static enum ig_err
dry_run(struct job *j)
{
	const char	*vals[3] = { NULL, NULL, "100000" };
	char		 age[32], expires[21];
	PGresult	*res;
	struct ig_conn	 c;
	int		 i, rows;
	enum ig_err	 er;

	(void)snprintf(age, sizeof(age), "%.0f", j->age);
	vals[0] = age;
	vals[1] = "now";	/* due now, as a pass starting now sees it */
	if ((er = ig_db_exec(j->db, j->kind->list, vals, &res)) != IG_OK)
		return er;
	rows = PQntuples(res);
	for (i = 0; er == IG_OK && i < rows; i++) {
		if ((er = ig_conn_read(res, i, &c)) != IG_OK)
			break;
		ig_iso8601(expires, c.expires_at);
		printf("%s user %s expires %s: would %s\n", c.id, c.user_id,
		    c.expires_at != 0 ? expires : "never",
		    j->kind == &kinds[IG_JOB_SYNC] ? "sync" :
		    c.token_kind == IG_TOKEN_SHORT ? "upgrade" :
		    "refresh");
		ig_conn_free(&c);
	}
	PQclear(res);
	fprintf(stderr, "igconnect-%s: dry run: %d due\n", j->kind->name,
	    rows);
	return er;
}

static enum ig_err
run(struct job *j)
{
	enum ig_err	er;

	if (j->dry_run)
		return dry_run(j);
	while (!stop) {
		if ((er = pass(j)) != IG_OK) {
			if (!j->daemon)
				return er;
			/* A daemon outlives a database restart. */
			ig_log_warnx("%s pass failed: %s; retrying",
			    j->kind->name, ig_strerror(er));
		}
		if (!j->daemon)
			break;
		ig_pause(j->interval);
	}
	return IG_OK;
}

int
ig_job_main(int argc, char *argv[], enum ig_job_kind kind)
{
	struct ig_cfg	 cfg;
	struct job	 j;
	char		 msg[256];
	enum ig_err	 er = IG_ENOMEM;

	memset(&j, 0, sizeof(j));
	j.kind = &kinds[kind];
	if (!parse(argc, argv, &j)) {
		usage(j.kind);
		return 2;
	}
	if (ig_cfg_load(&cfg, j.kind->needs, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-%s: %s\n", j.kind->name, msg);
		return 1;
	}
	ig_log_init(j.kind->name, cfg.log_level);
	catch_signals();
	j.cfg = &cfg;
	if ((j.db = ig_db_open(cfg.database_url, j.kind->name)) != NULL &&
	    (j.http = ig_http_batch_new(&cfg, j.parallel)) != NULL)
		er = run(&j);
	if (er != IG_OK) {
		(void)snprintf(msg, sizeof(msg), "could not run (%s): ",
		    ig_strerror(er));
		print_tally(&j, msg);
	} else if (!j.dry_run)
		print_tally(&j, "");
	ig_http_batch_free(j.http);
	if (j.db != NULL)
		ig_db_close(j.db);
	ig_cfg_free(&cfg);
	return er == IG_OK ? 0 : 1;
}
