/* SPDX-License-Identifier: ISC */
/*
 * publish.c: publish jobs (publishing docs).  A job is a row of
 * publish_jobs advanced one step at a time, each step one call to Meta
 * and one write conditional on the row's version, so whoever holds the
 * job (the program that took the request, or igconnect-publish) can die
 * between any two and the next holder goes on from the row alone:
 *
 *   children -> container -> poll -> quota -> publish -> permalink
 *
 * A post is never published twice.  Before media_publish the step is
 * written as "confirm", and only the writer that won that write calls
 * Meta; a job later found at "confirm" (a timeout, a crash) reads its
 * container first: PUBLISHED means done (the media is looked up, not
 * made again), FINISHED means provably not published, so it may publish.
 * Each container id is recorded before it is polled, and a container is
 * created again only when its creation failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define POLL_EVERY	60	/* seconds between reads of a container */
#define POLL_DEADLINE	3600	/* seconds a container may take */
#define MAX_ATTEMPTS	8	/* failed calls before the job fails */
#define MEDIA_LOOKUP_TEXT "25"	/* recent media read to find a lost id */

#define JOB_COLUMNS \
	"j.id, j.userId, j.accountId, j.status, j.step, j.request, " \
	"floor(extract(epoch FROM j.publishAt))::bigint, " \
	"floor(extract(epoch FROM j.nextAttemptAt))::bigint, j.attempts, " \
	"floor(extract(epoch FROM j.pollDeadline))::bigint, " \
	"floor(extract(epoch FROM j.publishAttemptedAt))::bigint, " \
	"j.mediaId, j.permalink, j.errorCode, j.errorText, j.version, " \
	"floor(extract(epoch FROM j.createdAt))::bigint, " \
	"floor(extract(epoch FROM j.updatedAt))::bigint, " \
	"floor(extract(epoch FROM j.publishedAt))::bigint, " \
	"(SELECT coalesce(jsonb_agg(jsonb_build_object('position', " \
	"  p.position, 'id', p.containerId) ORDER BY p.position), '[]') " \
	"  FROM publish_containers p WHERE p.jobId = j.id)"

/*
 * A new job, or the caller's job of the same idempotency key: then
 * "fresh" is false, and the stored hash tells a repeat from a misuse.
 */
static const struct ig_stmt job_create = { "job_create",
	"WITH u AS (SELECT id FROM users WHERE externalId = $1), "
	"ins AS (INSERT INTO publish_jobs (userId, accountId, idempotencyKey, "
	"  requestHash, request, status, step, publishAt, nextAttemptAt, "
	"  leaseUntil) SELECT u.id, $2, $3, $4::bytea, $5::jsonb, $6, $7, "
	"  to_timestamp($8::bigint) AT TIME ZONE 'UTC', COALESCE("
	"  to_timestamp($8::bigint) AT TIME ZONE 'UTC', now()), CASE WHEN "
	"  $9::int > 0 THEN now() + $9::int * interval '1 second' END FROM u "
	"  ON CONFLICT (userId, idempotencyKey) DO NOTHING RETURNING *) "
	"SELECT " JOB_COLUMNS ", true, true FROM ins j "
	"UNION ALL SELECT " JOB_COLUMNS ", false, j.requestHash = $4::bytea "
	"FROM publish_jobs j, u WHERE NOT EXISTS (SELECT 1 FROM ins) AND "
	"  j.userId = u.id AND j.idempotencyKey = $3", 9 };

static const struct ig_stmt job_get = { "job_get",
	"SELECT " JOB_COLUMNS " FROM publish_jobs j JOIN users u ON "
	"u.id = j.userId WHERE u.externalId = $1 AND j.id::text = $2", 2 };

static const struct ig_stmt job_list = { "job_list",
	"SELECT " JOB_COLUMNS " FROM publish_jobs j JOIN users u ON "
	"u.id = j.userId WHERE u.externalId = $1 AND ($2::text IS NULL OR "
	"  j.status = $2) AND ($3::text IS NULL OR (j.createdAt, j.id::text) "
	"  < (SELECT createdAt, id::text FROM publish_jobs WHERE id::text = "
	"  $3)) ORDER BY j.createdAt DESC, j.id::text DESC LIMIT $4::int", 4 };

/* Canceled only before media_publish may have been asked. */
static const struct ig_stmt job_cancel = { "job_cancel",
	"UPDATE publish_jobs j SET status = 'canceled', step = NULL, "
	"  leaseUntil = NULL, updatedAt = now(), version = j.version + 1 "
	"FROM users u WHERE u.id = j.userId AND u.externalId = $1 AND "
	"  j.id::text = $2 AND j.status IN ('scheduled', 'processing') AND "
	"  j.step IS DISTINCT FROM 'confirm' "
	"RETURNING " JOB_COLUMNS, 2 };

/* Up to $1 due jobs nobody holds, held for $2 seconds. */
static const struct ig_stmt job_claim = { "job_claim",
	"UPDATE publish_jobs j SET leaseUntil = now() + $2::int * "
	"  interval '1 second' WHERE j.id IN (SELECT d.id FROM publish_jobs d "
	"  WHERE d.step IS NOT NULL AND d.nextAttemptAt <= now() AND "
	"  (d.leaseUntil IS NULL OR d.leaseUntil < now()) ORDER BY "
	"  d.nextAttemptAt LIMIT $1::int FOR UPDATE SKIP LOCKED) "
	"RETURNING " JOB_COLUMNS, 2 };

/* What --dry-run shows: the jobs a pass would take now, nothing held. */
static const struct ig_stmt job_due = { "job_due",
	"SELECT id, step FROM publish_jobs WHERE step IS NOT NULL AND "
	"  nextAttemptAt <= now() AND (leaseUntil IS NULL OR leaseUntil < "
	"  now()) ORDER BY nextAttemptAt LIMIT 100000", 0 };

/* Let go of a job still at the version its holder last wrote. */
static const struct ig_stmt job_release = { "job_release",
	"UPDATE publish_jobs SET leaseUntil = NULL WHERE id = $1 AND "
	"version = $2", 2 };

/*
 * A job that ends, published or failed, leaves an event for the host
 * app in the relay's queue (webhook_entries, delivered signed and in
 * order per account like Meta's): {"id": the account, "type":
 * "publish.published" or "publish.failed", "jobId", "mediaId",
 * "permalink", "error"}.  In the
 * statement that ends it, so an ended job always has its event.
 */
#define PUBLISH_EVENT \
	"was AS (SELECT status FROM publish_jobs WHERE id = $1), " \
	"ev AS (SELECT up.id, up.userId, up.accountId, jsonb_strip_nulls(" \
	"  jsonb_build_object('id', up.accountId, 'type', 'publish.' || " \
	"  up.status, 'jobId', " \
	"  up.id::text, 'mediaId', up.mediaId, 'permalink', up.permalink, " \
	"  'error', CASE WHEN up.errorCode IS NOT NULL THEN " \
	"  jsonb_build_object('code', up.errorCode, 'text', up.errorText) " \
	"  END)) AS payload FROM up, was WHERE up.status IN ('published', " \
	"  'failed') AND was.status <> up.status), " \
	"evrow AS (INSERT INTO webhook_events (bodyHash, body, object) " \
	"  SELECT sha256(convert_to(payload::text, 'UTF8')), " \
	"  convert_to(payload::text, 'UTF8'), 'igconnect' FROM ev " \
	"  ON CONFLICT (bodyHash) DO NOTHING RETURNING id, bodyHash), " \
	"en AS (INSERT INTO webhook_entries (eventId, entryHash, object, " \
	"  accountId, connectionId, payload) SELECT evrow.id, evrow.bodyHash, " \
	"  ev.payload->>'type', ev.accountId, (SELECT c.id FROM " \
	"  oauth_connections c WHERE c.userId = ev.userId AND c.provider = " \
	"  'instagram'), ev.payload FROM ev, evrow " \
	"  ON CONFLICT (entryHash) DO NOTHING) "

/*
 * One step's outcome: status, next step, when, and what was learned,
 * only if the row is still at version $2; a container id ($9 at
 * position $10) is recorded in the same statement.
 */
static const struct ig_stmt job_write = { "job_write",
	"WITH up AS (UPDATE publish_jobs j SET status = $3, step = "
	"  NULLIF($4, ''), nextAttemptAt = now() + $5::int * "
	"  interval '1 second', attempts = $6::int, mediaId = COALESCE($7, "
	"  j.mediaId), permalink = COALESCE($8, j.permalink), errorCode = $11, "
	"  errorText = $12, pollDeadline = CASE WHEN $13::int > 0 THEN now() "
	"  + $13::int * interval '1 second' ELSE j.pollDeadline END, "
	"  publishAttemptedAt = CASE WHEN $4 = 'confirm' AND j.step = "
	"  'publish' THEN now() ELSE j.publishAttemptedAt END, publishedAt = "
	"  CASE WHEN $3 = 'published' THEN now() ELSE NULL END, updatedAt = "
	"  now(), version = j.version + 1 WHERE j.id = $1 AND j.version = "
	"  $2::bigint RETURNING j.*), "
	"c AS (INSERT INTO publish_containers (jobId, position, containerId) "
	"  SELECT id, $10::int, $9 FROM up WHERE $9::text IS NOT NULL "
	"  ON CONFLICT (jobId, position) DO UPDATE SET containerId = "
	"  EXCLUDED.containerId), "
	PUBLISH_EVENT
	"SELECT " JOB_COLUMNS " FROM up j", 13 };

/* When the account's oldest post of the last 24 hours leaves the window. */
static const struct ig_stmt quota_reset = { "quota_reset",
	"SELECT greatest(60, floor(extract(epoch FROM min(publishedAt) + "
	"  interval '24 hours' - now())))::int FROM publish_jobs WHERE "
	"  accountId = $1 AND status = 'published' AND publishedAt > now() - "
	"  interval '24 hours'", 1 };

void
ig_pub_free(struct ig_pubjob *j)
{
	free(j->id);
	free(j->user_id);
	free(j->account_id);
	free(j->media_id);
	free(j->permalink);
	free(j->error_code);
	free(j->error_text);
	free(j->version);
	json_decref(j->request);
	json_decref(j->containers);
	memset(j, 0, sizeof(*j));
}

static char *
col(const PGresult *res, int row, int c, enum ig_err *er)
{
	char	*s;

	if (PQgetisnull(res, row, c))
		return NULL;
	if ((s = ig_strdup(PQgetvalue(res, row, c))) == NULL)
		*er = IG_ENOMEM;
	return s;
}

static time_t
col_time(const PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? 0 :
	    (time_t)strtoll(PQgetvalue(res, row, c), NULL, 10);
}

static enum ig_err
read_job(const PGresult *res, int row, struct ig_pubjob *j)
{
	enum ig_err	er = IG_OK;

	memset(j, 0, sizeof(*j));
	j->id = col(res, row, 0, &er);
	j->user_id = col(res, row, 1, &er);
	j->account_id = col(res, row, 2, &er);
	if (!ig_pub_status_parse(PQgetvalue(res, row, 3), &j->status) ||
	    !ig_step_parse(PQgetvalue(res, row, 4), &j->step))
		er = IG_EDB;
	j->request = json_loads(PQgetvalue(res, row, 5), 0, NULL);
	j->publish_at = col_time(res, row, 6);
	j->next_at = col_time(res, row, 7);
	j->attempts = atoi(PQgetvalue(res, row, 8));
	j->poll_deadline = col_time(res, row, 9);
	j->attempted_at = col_time(res, row, 10);
	j->media_id = col(res, row, 11, &er);
	j->permalink = col(res, row, 12, &er);
	j->error_code = col(res, row, 13, &er);
	j->error_text = col(res, row, 14, &er);
	j->version = col(res, row, 15, &er);
	j->created_at = col_time(res, row, 16);
	j->updated_at = col_time(res, row, 17);
	j->published_at = col_time(res, row, 18);
	j->containers = json_loads(PQgetvalue(res, row, 19), 0, NULL);
	if (er == IG_OK && (j->id == NULL || j->request == NULL ||
	    j->version == NULL || !json_is_array(j->containers)))
		er = IG_EDB;
	if (er != IG_OK)
		ig_pub_free(j);
	return er;
}

/* The first row of a statement into "j"; IG_ENOTFOUND without one. */
static enum ig_err
exec_job(struct ig_ctx *ctx, const struct ig_stmt *st,
    const char *const *vals, struct ig_pubjob *j)
{
	PGresult	*res;
	enum ig_err	 er;

	memset(j, 0, sizeof(*j));
	if ((er = ig_db_exec(ctx->db, st, vals, &res)) != IG_OK)
		return er;
	er = PQntuples(res) > 0 ? read_job(res, 0, j) : IG_ENOTFOUND;
	PQclear(res);
	return er;
}

enum ig_err
ig_pub_create(struct ig_ctx *ctx, const char *user, const char *account_id,
    const char *key, const json_t *request, time_t at, int lease,
    struct ig_pubjob *out, int *fresh)
{
	char		 hash[67], when[24], hold[16], *canon;
	const char	*vals[9];
	PGresult	*res;
	enum ig_err	 er;

	memset(out, 0, sizeof(*out));
	if ((canon = json_dumps(request, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL)
		return IG_ENOMEM;
	if ((er = ig_db_sha256(canon, hash)) != IG_OK) {
		free(canon);
		return er;
	}
	(void)snprintf(when, sizeof(when), "%lld", (long long)at);
	(void)snprintf(hold, sizeof(hold), "%d", lease);
	vals[0] = user;
	vals[1] = account_id;
	vals[2] = key;
	vals[3] = hash;
	vals[4] = canon;
	vals[5] = ig_pub_status_name(at != 0 ? IG_PUB_SCHEDULED :
	    IG_PUB_PROCESSING);
	vals[6] = ig_step_name(json_object_get(request, "children") != NULL ?
	    IG_STEP_CHILDREN : IG_STEP_CONTAINER);
	vals[7] = at != 0 ? when : NULL;
	vals[8] = hold;
	er = ig_db_exec(ctx->db, &job_create, vals, &res);
	free(canon);
	if (er != IG_OK)
		return er;
	if (PQntuples(res) != 1)
		er = IG_EDB;
	else if ((er = read_job(res, 0, out)) == IG_OK) {
		*fresh = PQgetvalue(res, 0, 20)[0] == 't';
		/* The key's job was made from another body: a misuse. */
		if (PQgetvalue(res, 0, 21)[0] != 't') {
			ig_pub_free(out);
			er = IG_ECONFLICT;
		}
	}
	PQclear(res);
	return er;
}

enum ig_err
ig_pub_get(struct ig_ctx *ctx, const char *user, const char *id,
    struct ig_pubjob *out)
{
	const char	*vals[2] = { user, id };

	return exec_job(ctx, &job_get, vals, out);
}

enum ig_err
ig_pub_cancel(struct ig_ctx *ctx, const char *user, const char *id,
    struct ig_pubjob *out)
{
	const char	*vals[2] = { user, id };
	enum ig_err	 er;

	if ((er = exec_job(ctx, &job_cancel, vals, out)) != IG_ENOTFOUND)
		return er;
	/* Not cancelable: the caller's but too far along, or not there. */
	if ((er = ig_pub_get(ctx, user, id, out)) != IG_OK)
		return er;
	return IG_ECONFLICT;
}

static int
set_time(json_t *o, const char *k, time_t t)
{
	char	iso[21];

	if (t == 0)
		return 0;
	ig_iso8601(iso, t);
	return json_object_set_new(o, k, json_string(iso));
}

static int
set_str(json_t *o, const char *k, const char *v)
{
	return v == NULL ? 0 : json_object_set_new(o, k, json_string(v));
}

json_t *
ig_pub_json(const struct ig_pubjob *j)
{
	json_t	*o, *ids, *v;
	size_t	 i;
	int	 rc = 0;

	o = json_pack("{s:s, s:s, s:s, s:O, s:i}", "jobId", j->id, "status",
	    ig_pub_status_name(j->status), "mediaType",
	    json_string_value(json_object_get(j->request, "mediaType")),
	    "request", j->request, "attempts", j->attempts);
	if (o == NULL || (ids = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_array_foreach(j->containers, i, v)
		rc |= json_array_append(ids, json_object_get(v, "id"));
	rc |= json_object_set_new(o, "containerIds", ids);
	rc |= set_str(o, "mediaId", j->media_id);
	rc |= set_str(o, "permalink", j->permalink);
	if (j->error_code != NULL)
		rc |= json_object_set_new(o, "error", json_pack("{s:s, s:s}",
		    "code", j->error_code, "text", j->error_text != NULL ?
		    j->error_text : ""));
	rc |= set_time(o, "publishAt", j->publish_at);
	if (j->step != IG_STEP_NONE)
		rc |= set_time(o, "nextAttemptAt", j->next_at);
	rc |= set_time(o, "createdAt", j->created_at);
	rc |= set_time(o, "updatedAt", j->updated_at);
	rc |= set_time(o, "publishedAt", j->published_at);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum ig_err
ig_pub_list(struct ig_ctx *ctx, const char *user, const char *status,
    long limit, const char *cursor, json_t **out)
{
	char		 lim[16];
	const char	*vals[4];
	PGresult	*res;
	struct ig_pubjob j;
	json_t		*arr, *one;
	int		 i, n;
	enum ig_err	 er;

	*out = NULL;
	(void)snprintf(lim, sizeof(lim), "%d", (int)limit + 1);
	vals[0] = user;
	vals[1] = status;
	vals[2] = cursor;
	vals[3] = lim;
	if ((er = ig_db_exec(ctx->db, &job_list, vals, &res)) != IG_OK)
		return er;
	n = PQntuples(res);
	if ((arr = json_array()) == NULL)
		er = IG_ENOMEM;
	for (i = 0; er == IG_OK && i < n && i < limit; i++) {
		if ((er = read_job(res, i, &j)) != IG_OK)
			break;
		if ((one = ig_pub_json(&j)) == NULL ||
		    json_array_append_new(arr, one) != 0)
			er = IG_ENOMEM;
		if (er == IG_OK && i == limit - 1 && n > limit &&
		    (*out = json_pack("{s:s}", "nextCursor", j.id)) == NULL)
			er = IG_ENOMEM;
		ig_pub_free(&j);
	}
	PQclear(res);
	if (er == IG_OK && *out == NULL && (*out = json_object()) == NULL)
		er = IG_ENOMEM;
	if (er == IG_OK && json_object_set_new(*out, "jobs", arr) != 0)
		er = IG_ENOMEM;
	else if (er != IG_OK) {
		json_decref(arr);
		json_decref(*out);
		*out = NULL;
	}
	return er;
}

enum ig_err
ig_pub_claim(struct ig_db *db, int batch, int lease, struct ig_pubjob **jobs,
    size_t *n)
{
	char		 b[16], l[16];
	const char	*vals[2] = { b, l };
	PGresult	*res;
	size_t		 i, rows;
	enum ig_err	 er;

	*jobs = NULL;
	*n = 0;
	(void)snprintf(b, sizeof(b), "%d", batch);
	(void)snprintf(l, sizeof(l), "%d", lease);
	if ((er = ig_db_exec(db, &job_claim, vals, &res)) != IG_OK)
		return er;
	rows = (size_t)PQntuples(res);
	if (rows > 0 && (*jobs = ig_calloc(rows, sizeof(**jobs))) == NULL)
		er = IG_ENOMEM;
	for (i = 0; er == IG_OK && i < rows; i++)
		if ((er = read_job(res, (int)i, &(*jobs)[i])) == IG_OK)
			(*n)++;
	PQclear(res);
	return er;
}

void
ig_pub_release(struct ig_db *db, const struct ig_pubjob *j)
{
	const char	*vals[2] = { j->id, j->version };

	(void)ig_db_exec(db, &job_release, vals, NULL);
}

/* ---------------------------------------------------------- the steps */

/* What one step writes. */
struct	outcome {
	enum ig_pub_status	 status;
	enum ig_step		 step;
	long			 wait;		/* seconds until the next step */
	int			 attempts;
	const char		*media_id;
	const char		*permalink;
	const char		*container;	/* to record, at "position" */
	int			 position;
	const char		*code;		/* error, when failed */
	const char		*text;
	int			 deadline;	/* seconds to poll, 0: keep */
};

static const char	*container(const struct ig_pubjob *, int position);

/* Record container "id" at "position" in the job as read, replacing. */
static enum ig_err
note_container(struct ig_pubjob *j, int position, const char *id)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(j->containers, i, v)
		if (json_integer_value(json_object_get(v, "position")) ==
		    position)
			return json_object_set_new(v, "id", json_string(id)) ==
			    0 ? IG_OK : IG_ENOMEM;
	return json_array_append_new(j->containers, json_pack("{s:i, s:s}",
	    "position", position, "id", id)) == 0 ? IG_OK : IG_ENOMEM;
}

static enum ig_err
write_outcome(struct ig_ctx *ctx, struct ig_pubjob *j, const struct outcome *o)
{
	char		 wait[24], att[16], pos[16], dl[16];
	const char	*vals[13];
	struct ig_pubjob next;
	enum ig_err	 er;

	(void)snprintf(wait, sizeof(wait), "%ld", o->wait);
	(void)snprintf(att, sizeof(att), "%d", o->attempts);
	(void)snprintf(pos, sizeof(pos), "%d", o->position);
	(void)snprintf(dl, sizeof(dl), "%d", o->deadline);
	vals[0] = j->id;
	vals[1] = j->version;
	vals[2] = ig_pub_status_name(o->status);
	vals[3] = ig_step_name(o->step);
	vals[4] = wait;
	vals[5] = att;
	vals[6] = o->media_id;
	vals[7] = o->permalink;
	vals[8] = o->container;
	vals[9] = pos;
	vals[10] = o->code;
	vals[11] = o->text;
	vals[12] = dl;
	if ((er = exec_job(ctx, &job_write, vals, &next)) != IG_OK)
		return er;
	/* The statement's own snapshot cannot see the container it adds. */
	if (o->container != NULL && (er = note_container(&next, o->position,
	    o->container)) != IG_OK) {
		ig_pub_free(&next);
		return er;
	}
	ig_pub_free(j);
	*j = next;
	return IG_OK;
}

/* The job ends failed with "code" and our "text". */
static enum ig_err
fail(struct ig_ctx *ctx, struct ig_pubjob *j, const char *code,
    const char *text)
{
	struct outcome	o;

	memset(&o, 0, sizeof(o));
	o.status = IG_PUB_FAILED;
	o.step = IG_STEP_NONE;
	o.attempts = j->attempts;
	o.code = code;
	o.text = text;
	return write_outcome(ctx, j, &o);
}

/*
 * A call that failed: Meta's verdict on the token ends the job, other
 * Meta errors too; throttling and transient failures try the same step
 * again later (doubling from 30 s, at least Retry-After), until
 * MAX_ATTEMPTS.
 */
static enum ig_err
call_failed(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const struct ig_meta_error *m)
{
	struct outcome	o;
	char		text[128];
	long		wait;

	if (er == IG_EMETA && m->cls == IG_META_TOKEN)
		return fail(ctx, j, "token_revoked", "Meta says the account's "
		    "token is expired or revoked; connect it again");
	if (er == IG_EMETA || j->attempts + 1 >= MAX_ATTEMPTS) {
		(void)snprintf(text, sizeof(text), "Meta refused the call "
		    "(code %ld, subcode %ld)", m->code, m->subcode);
		return fail(ctx, j, er == IG_EMETA ? "meta_error" :
		    "upstream_error", er == IG_EMETA ? text :
		    "Meta could not be reached; gave up");
	}
	if (er != IG_ERATELIMIT && er != IG_EUPSTREAM)
		return er;
	wait = 30L << (j->attempts < 7 ? j->attempts : 7);
	if (m->retry_after > wait)
		wait = m->retry_after;
	memset(&o, 0, sizeof(o));
	o.status = j->status;
	o.step = j->step;
	o.wait = wait;
	o.attempts = j->attempts + 1;
	return write_outcome(ctx, j, &o);
}

/* The container recorded at "position", or NULL. */
static const char *
container(const struct ig_pubjob *j, int position)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(j->containers, i, v)
		if (json_integer_value(json_object_get(v, "position")) ==
		    position)
			return json_string_value(json_object_get(v, "id"));
	return NULL;
}

static const char *
req_str(const struct ig_pubjob *j, const char *k)
{
	return json_string_value(json_object_get(j->request, k));
}

/* A member of the request as form text (numbers, booleans, JSON). */
static char *
req_text(const json_t *v)
{
	char	n[32];

	if (v == NULL)
		return NULL;
	if (json_is_string(v))
		return ig_strdup(json_string_value(v));
	if (json_is_integer(v)) {
		(void)snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return ig_strdup(n);
	}
	if (json_is_boolean(v))
		return ig_strdup(json_is_true(v) ? "true" : "false");
	return json_dumps(v, JSON_COMPACT);
}

/* A container that ended without a post: the job fails with Meta's text. */
static enum ig_err
container_ended(struct ig_ctx *ctx, struct ig_pubjob *j, const char *code,
    const char *text)
{
	struct outcome	o;
	char		c[48];

	/*
	 * Containers expire 24 hours after they are made (D.2): one that
	 * was ready and expired before it could be published (the job
	 * waited for the quota) is made again, a few times at most.  A
	 * carousel's children would have to be made again too: it fails.
	 */
	if (strcmp(code, "EXPIRED") == 0 && j->step != IG_STEP_POLL &&
	    json_object_get(j->request, "children") == NULL &&
	    j->attempts + 1 < MAX_ATTEMPTS) {
		memset(&o, 0, sizeof(o));
		o.status = IG_PUB_PROCESSING;
		o.step = IG_STEP_CONTAINER;
		o.attempts = j->attempts + 1;
		return write_outcome(ctx, j, &o);
	}
	(void)snprintf(c, sizeof(c), "container_%s", strcmp(code, "ERROR") ==
	    0 ? "error" : "expired");
	return fail(ctx, j, c, text[0] != '\0' ? text : strcmp(code,
	    "ERROR") == 0 ? "Meta could not process the media" :
	    "the container expired before it was published");
}

/* At the quota: wait until the account's oldest post leaves the window. */
static enum ig_err
wait_for_quota(struct ig_ctx *ctx, struct ig_pubjob *j)
{
	const char	*vals[1] = { j->account_id };
	PGresult	*res;
	struct outcome	 o;
	enum ig_err	 er;

	memset(&o, 0, sizeof(o));
	o.status = IG_PUB_SCHEDULED;
	o.step = IG_STEP_QUOTA;
	o.wait = 3600;
	if ((er = ig_db_exec(ctx->db, &quota_reset, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		o.wait = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	o.code = "publish_limit_reached";
	o.text = "the account reached Meta's publishing limit for 24 hours";
	return write_outcome(ctx, j, &o);
}

/* The next step after a media id is known, or the end without one. */
static enum ig_err
published(struct ig_ctx *ctx, struct ig_pubjob *j, const char *media_id)
{
	struct outcome	o;

	memset(&o, 0, sizeof(o));
	o.status = media_id != NULL ? IG_PUB_PUBLISHING : IG_PUB_PUBLISHED;
	o.step = media_id != NULL ? IG_STEP_PERMALINK : IG_STEP_NONE;
	o.media_id = media_id;
	return write_outcome(ctx, j, &o);
}

/* ------------------------------------------------- building the calls */

void
ig_pub_call_free(struct ig_pub_call *pc)
{
	size_t	i;

	ig_free_secret(pc->token);
	for (i = 0; i < sizeof(pc->scratch) / sizeof(pc->scratch[0]); i++)
		free(pc->scratch[i]);
	memset(pc, 0, sizeof(*pc));
}

/* A string the call borrows until it is made; NULL stays NULL. */
static const char *
keep(struct ig_pub_call *pc, char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(pc->scratch) / sizeof(pc->scratch[0]); i++)
		if (pc->scratch[i] == NULL) {
			pc->scratch[i] = s;
			return s;
		}
	free(s);
	return NULL;
}

/* The children's container ids, comma-separated (a new string). */
static char *
children_ids(const struct ig_pubjob *j)
{
	struct ig_buf	b;
	const char	*id;
	int		 p;

	ig_buf_init(&b, 1024);
	for (p = 1; (id = container(j, p)) != NULL; p++)
		if ((p > 1 && ig_buf_adds(&b, ",") != IG_OK) ||
		    ig_buf_adds(&b, id) != IG_OK)
			return NULL;
	return b.data;
}

/* Add form or query fields to "kv" after those already there. */
static void
add_kv(struct ig_kv *kv, size_t max, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i + 1 < max && kv[i].name != NULL; i++)
		;
	if (i + 1 < max && value != NULL)
		kv[i] = (struct ig_kv){ name, value };
}

#define FORM(pc, n, v)	add_kv((pc)->call.form, 12, (n), (v))
#define QUERY(pc, n, v)	add_kv((pc)->call.query, 4, (n), (v))

/* One carousel child (publishing docs: is_carousel_item, no caption). */
static void
call_child(const struct ig_pubjob *j, struct ig_pub_call *pc)
{
	const json_t	*kid = json_array_get(json_object_get(j->request,
	    "children"), json_array_size(j->containers));
	const char	*video = json_string_value(json_object_get(kid,
	    "videoUrl"));

	pc->call.post = 1;
	FORM(pc, "access_token", pc->token);
	FORM(pc, "is_carousel_item", "true");
	if (video != NULL) {
		FORM(pc, "media_type", "VIDEO");
		FORM(pc, "video_url", video);
	} else
		FORM(pc, "image_url", json_string_value(json_object_get(kid,
		    "imageUrl")));
	FORM(pc, "alt_text", json_string_value(json_object_get(kid,
	    "altText")));
}

/* The post's own container, with what its type takes (D.1). */
static void
call_container(const struct ig_pubjob *j, struct ig_pub_call *pc)
{
	const char	*type = req_str(j, "mediaType");
	json_t		*r = j->request;

	pc->call.post = 1;
	FORM(pc, "access_token", pc->token);
	if (strcmp(type, "IMAGE") != 0)
		FORM(pc, "media_type", type);
	FORM(pc, "image_url", req_str(j, "imageUrl"));
	FORM(pc, "video_url", req_str(j, "videoUrl"));
	if (strcmp(type, "CAROUSEL") == 0)
		FORM(pc, "children", keep(pc, children_ids(j)));
	FORM(pc, "caption", req_str(j, "caption"));
	FORM(pc, "alt_text", req_str(j, "altText"));
	FORM(pc, "cover_url", req_str(j, "coverUrl"));
	FORM(pc, "thumb_offset", keep(pc, req_text(json_object_get(r,
	    "thumbOffset"))));
	FORM(pc, "share_to_feed", keep(pc, req_text(json_object_get(r,
	    "shareToFeed"))));
	FORM(pc, "location_id", req_str(j, "locationId"));
	FORM(pc, "user_tags", keep(pc, req_text(json_object_get(r,
	    "userTags"))));
	FORM(pc, "collaborators", keep(pc, req_text(json_object_get(r,
	    "collaborators"))));
}

/* The call of the job's step, on the host of its account's flavor. */
static void
build(const struct ig_cfg *cfg, const struct ig_pubjob *j,
    const struct ig_conn *c, struct ig_pub_call *pc)
{
	const char	*v = cfg->graph_version, *acct = j->account_id;
	struct ig_call	*call = &pc->call;

	call->base = c->flavor == IG_FLAVOR_FACEBOOK ? cfg->url_graph_facebook :
	    cfg->url_graph_instagram;
	switch (pc->step) {
	case IG_STEP_CHILDREN:
	case IG_STEP_CONTAINER:
		(void)snprintf(call->path, sizeof(call->path), "/%s/%s/media",
		    v, acct);
		if (pc->step == IG_STEP_CHILDREN)
			call_child(j, pc);
		else
			call_container(j, pc);
		return;
	case IG_STEP_POLL:
	case IG_STEP_CONFIRM:
		(void)snprintf(call->path, sizeof(call->path), "/%s/%s", v,
		    container(j, 0));
		QUERY(pc, "fields", "status_code,status");
		break;
	case IG_STEP_QUOTA:
		(void)snprintf(call->path, sizeof(call->path),
		    "/%s/%s/content_publishing_limit", v, acct);
		QUERY(pc, "fields", "quota_usage,config");
		break;
	case IG_STEP_PUBLISH:
		(void)snprintf(call->path, sizeof(call->path),
		    "/%s/%s/media_publish", v, acct);
		call->post = 1;
		FORM(pc, "access_token", pc->token);
		FORM(pc, "creation_id", container(j, 0));
		return;
	case IG_STEP_LOOKUP:
		(void)snprintf(call->path, sizeof(call->path), "/%s/%s/media",
		    v, acct);
		QUERY(pc, "fields", "id,caption,timestamp");
		QUERY(pc, "limit", MEDIA_LOOKUP_TEXT);
		break;
	default:
		(void)snprintf(call->path, sizeof(call->path), "/%s/%s", v,
		    j->media_id);
		QUERY(pc, "fields", "permalink");
		break;
	}
	QUERY(pc, "access_token", pc->token);
}

enum ig_err
ig_pub_begin(struct ig_ctx *ctx, struct ig_pubjob *j, const struct ig_conn *c,
    struct ig_pub_call *pc)
{
	struct outcome	o;
	enum ig_err	er;

	memset(pc, 0, sizeof(*pc));
	if (j->step == IG_STEP_NONE)
		return IG_OK;
	if (c == NULL || c->status != IG_STATUS_ACTIVE || c->token == NULL)
		return fail(ctx, j, "not_connected", "the Instagram account is "
		    "no longer connected");
	if (c->business_account_id == NULL ||
	    strcmp(c->business_account_id, j->account_id) != 0)
		return fail(ctx, j, "account_changed", "another Instagram "
		    "account was connected since the job was made");
	if ((j->step == IG_STEP_POLL || j->step == IG_STEP_CONFIRM ||
	    j->step == IG_STEP_PUBLISH) && container(j, 0) == NULL)
		return fail(ctx, j, "internal_error", "the job lost its "
		    "container");
	pc->step = j->step;
	/*
	 * media_publish, once: the step is first written as "confirm",
	 * conditionally, so of two holders only one calls Meta, and one
	 * that dies after the call leaves a job that reads before it
	 * publishes.
	 */
	if (j->step == IG_STEP_PUBLISH) {
		memset(&o, 0, sizeof(o));
		o.status = IG_PUB_PUBLISHING;
		o.step = IG_STEP_CONFIRM;
		o.wait = POLL_EVERY;
		o.attempts = j->attempts;
		if ((er = write_outcome(ctx, j, &o)) != IG_OK)
			return er;
	}
	if ((er = ig_conn_token(ctx->cfg, c, &pc->token)) != IG_OK)
		return er;
	build(ctx->cfg, j, c, pc);
	return IG_OK;
}

/* ------------------------------------------------- reading the answers */

/* The id a container or a publish answered with. */
static enum ig_err
answered_id(enum ig_err er, const json_t *reply, char **id)
{
	*id = NULL;
	if (er == IG_OK && (er = ig_json_id_dup(reply, "id", id)) ==
	    IG_ENOTFOUND)
		er = IG_EUPSTREAM;
	return er;
}

static enum ig_err
finish_created(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	struct outcome	 o;
	char		*id;
	size_t		 have = json_array_size(j->containers);

	if ((er = answered_id(er, reply, &id)) != IG_OK)
		return call_failed(ctx, j, er, m);
	memset(&o, 0, sizeof(o));
	o.status = IG_PUB_PROCESSING;
	o.container = id;
	if (j->step == IG_STEP_CHILDREN) {
		o.position = (int)have + 1;
		o.step = have + 1 < json_array_size(json_object_get(j->request,
		    "children")) ? IG_STEP_CHILDREN : IG_STEP_CONTAINER;
	} else {
		o.position = 0;
		o.step = IG_STEP_POLL;
		o.deadline = POLL_DEADLINE;
		o.attempts = j->attempts;
	}
	er = write_outcome(ctx, j, &o);
	free(id);
	return er;
}

/* A container's status_code (D.2), read while polling or confirming. */
static enum ig_err
finish_status(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	const char	*code = json_string_value(json_object_get(reply,
	    "status_code"));
	const char	*text = json_string_value(json_object_get(reply,
	    "status"));
	char		 said[512];
	struct outcome	 o;
	int		 confirming = j->step == IG_STEP_CONFIRM;

	if (er == IG_OK && code == NULL)
		er = IG_EUPSTREAM;
	if (er != IG_OK)
		return call_failed(ctx, j, er, m);
	(void)snprintf(said, sizeof(said), "%s", text != NULL &&
	    ig_valid_utf8(text, strlen(text)) ? text : "");
	if (strcmp(code, "ERROR") == 0 || strcmp(code, "EXPIRED") == 0)
		return container_ended(ctx, j, code, said);
	memset(&o, 0, sizeof(o));
	o.attempts = j->attempts;
	o.status = IG_PUB_PROCESSING;
	if (strcmp(code, "PUBLISHED") == 0) {
		/* Done, by an answer we never heard: find the post. */
		o.status = IG_PUB_PUBLISHING;
		o.step = IG_STEP_LOOKUP;
	} else if (strcmp(code, "FINISHED") == 0) {
		o.status = confirming ? IG_PUB_PUBLISHING : IG_PUB_PROCESSING;
		o.step = confirming ? IG_STEP_PUBLISH : IG_STEP_QUOTA;
	} else if (j->poll_deadline != 0 && time(NULL) >= j->poll_deadline)
		return fail(ctx, j, "processing_timeout", "Meta did not finish "
		    "processing the media in time");
	else {
		o.step = IG_STEP_POLL;
		o.wait = POLL_EVERY;
	}
	return write_outcome(ctx, j, &o);
}

/* content_publishing_limit (D.4): the total is read, never assumed. */
static enum ig_err
finish_quota(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	json_t		*d = json_array_get(json_object_get(reply, "data"), 0);
	json_t		*used = json_object_get(d, "quota_usage");
	json_int_t	 total = json_integer_value(json_object_get(
	    json_object_get(d, "config"), "quota_total"));
	struct outcome	 o;

	if (er == IG_OK && (!json_is_integer(used) || total <= 0))
		er = IG_EUPSTREAM;
	if (er != IG_OK)
		return call_failed(ctx, j, er, m);
	if (json_integer_value(used) >= total)
		return wait_for_quota(ctx, j);
	memset(&o, 0, sizeof(o));
	o.status = IG_PUB_PUBLISHING;
	o.step = IG_STEP_PUBLISH;
	return write_outcome(ctx, j, &o);
}

/* media_publish's answer (D.3); the job was written "confirm" before. */
static enum ig_err
finish_publish(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	struct outcome	 o;
	char		*media;

	if ((er = answered_id(er, reply, &media)) == IG_OK) {
		er = published(ctx, j, media);
		free(media);
		return er;
	}
	if (er == IG_EUPSTREAM || (er == IG_ERATELIMIT && m->code == 0))
		/* No answer, or not Meta's: unknown; "confirm" reads first. */
		return call_failed(ctx, j, er, m);
	/* Meta answered with an error: nothing was published. */
	memset(&o, 0, sizeof(o));
	o.attempts = j->attempts;
	if (m->code == 9007 || m->subcode == 2207027) {
		o.status = IG_PUB_PROCESSING;
		o.step = IG_STEP_POLL;
		o.wait = POLL_EVERY / 6;
		return write_outcome(ctx, j, &o);
	}
	if (m->code == 9 || m->subcode == 2207042)
		return wait_for_quota(ctx, j);
	if (m->subcode == 2207020)
		return container_ended(ctx, j, "EXPIRED", "");
	if (er == IG_ERATELIMIT) {
		o.status = IG_PUB_PUBLISHING;
		o.step = IG_STEP_PUBLISH;
		o.wait = m->retry_after > 60 ? m->retry_after : 60;
		o.attempts = j->attempts + 1;
		return write_outcome(ctx, j, &o);
	}
	return call_failed(ctx, j, er, m);
}

/*
 * A container Meta published but whose media id we never heard: the one
 * of the account's recent media with the job's caption.  None or more
 * than one: published, without the id.
 */
static enum ig_err
finish_lookup(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	const char	*caption = req_str(j, "caption"), *c;
	char		*id = NULL;
	json_t		*v;
	size_t		 i;
	int		 n = 0;

	if (er != IG_OK)
		return er == IG_EMETA ? published(ctx, j, NULL) :
		    call_failed(ctx, j, er, m);
	json_array_foreach(json_object_get(reply, "data"), i, v) {
		c = json_string_value(json_object_get(v, "caption"));
		if ((caption == NULL) != (c == NULL) || (caption != NULL &&
		    strcmp(caption, c) != 0))
			continue;
		if (n++ == 0 && ig_json_id_dup(v, "id", &id) != IG_OK)
			id = NULL;
	}
	er = published(ctx, j, n == 1 ? id : NULL);
	free(id);
	return er;
}

/* The permalink, best effort: the post exists whatever this answers. */
static enum ig_err
finish_permalink(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply)
{
	const char	*p = json_string_value(json_object_get(reply,
	    "permalink"));
	struct outcome	 o;

	memset(&o, 0, sizeof(o));
	o.status = IG_PUB_PUBLISHED;
	o.step = IG_STEP_NONE;
	o.attempts = j->attempts;
	if (er == IG_OK && p != NULL && strncmp(p, "https://", 8) == 0 &&
	    strlen(p) < 512 && ig_valid_printable(p, strlen(p)))
		o.permalink = p;
	return write_outcome(ctx, j, &o);
}

enum ig_err
ig_pub_finish(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_step step,
    enum ig_err er, const json_t *reply, const struct ig_meta_error *merr)
{
	struct ig_meta_error	none;

	if (merr == NULL) {
		memset(&none, 0, sizeof(none));
		merr = &none;
	}
	switch (step) {
	case IG_STEP_CHILDREN:
	case IG_STEP_CONTAINER:
		return finish_created(ctx, j, er, reply, merr);
	case IG_STEP_POLL:
	case IG_STEP_CONFIRM:
		return finish_status(ctx, j, er, reply, merr);
	case IG_STEP_QUOTA:
		return finish_quota(ctx, j, er, reply, merr);
	case IG_STEP_PUBLISH:
		return finish_publish(ctx, j, er, reply, merr);
	case IG_STEP_LOOKUP:
		return finish_lookup(ctx, j, er, reply, merr);
	case IG_STEP_PERMALINK:
		return finish_permalink(ctx, j, er, reply);
	default:
		return IG_OK;
	}
}

enum ig_err
ig_pub_step(struct ig_ctx *ctx, struct ig_pubjob *j, const struct ig_conn *c)
{
	struct ig_pub_call	 pc;
	struct ig_meta_error	 m;
	json_t			*reply = NULL;
	enum ig_step		 step;
	enum ig_err		 er;

	if ((er = ig_pub_begin(ctx, j, c, &pc)) != IG_OK ||
	    pc.call.base == NULL) {
		ig_pub_call_free(&pc);
		return er;
	}
	if (pc.call.post)
		er = ig_http_call(ctx->http, pc.call.base, pc.call.path,
		    pc.call.query, pc.call.form, &reply, &m);
	else
		er = ig_http_get(ctx->http, pc.call.base, pc.call.path,
		    pc.call.query, &reply, &m);
	step = pc.step;
	ig_pub_call_free(&pc);
	er = ig_pub_finish(ctx, j, step, er, reply, &m);
	json_decref(reply);
	return er;
}

/* ------------------------------------------------- igconnect-publish */

/* One claimed job, its user's connection and its call's answer. */
struct	pubitem {
	struct ig_pubjob	 job;
	struct ig_conn		 conn;
	int			 have_conn;
	int			 queued;	/* a call is in the batch */
	enum ig_step		 step;		/* the step it is for */
	enum ig_err		 begun;		/* ig_pub_begin()'s result */
	enum ig_err		 er;
	struct ig_meta_error	 merr;
	json_t			*reply;
};

static void
pub_free(void *items, size_t n)
{
	struct pubitem	*it = items;
	size_t		 i;

	for (i = 0; i < n; i++) {
		ig_pub_free(&it[i].job);
		if (it[i].have_conn)
			ig_conn_free(&it[i].conn);
		json_decref(it[i].reply);
	}
	free(items);
}

static enum ig_err
pub_claim(struct ig_run *run, void **items, size_t *n)
{
	struct ig_ctx	 ctx = { run->cfg, run->db, NULL, NULL };
	struct ig_pubjob *jobs;
	struct pubitem	*it;
	size_t		 i, rows;
	enum ig_err	 er;

	*items = NULL;
	*n = 0;
	if ((er = ig_pub_claim(run->db, (int)run->opt[IG_RUN_BATCH],
	    (int)run->opt[IG_RUN_LEASE], &jobs, &rows)) != IG_OK || rows == 0)
		return er;
	if ((it = ig_calloc(rows, sizeof(*it))) == NULL) {
		for (i = 0; i < rows; i++)
			ig_pub_free(&jobs[i]);
		free(jobs);
		return IG_ENOMEM;
	}
	for (i = 0; i < rows; i++) {
		it[i].job = jobs[i];
		it[i].have_conn = ig_conn_get_row(&ctx, jobs[i].user_id,
		    &it[i].conn) == IG_OK;
	}
	free(jobs);
	*items = it;
	*n = rows;
	return IG_OK;
}

/*
 * Outside the batch's transaction, so media_publish's "confirm" is on
 * disk before the call goes out.
 */
static void
pub_request(struct ig_run *run, void *item, struct ig_http_batch *b)
{
	struct ig_ctx		 ctx = { run->cfg, run->db, NULL, NULL };
	struct pubitem		*it = item;
	struct ig_pub_call	 pc;

	it->begun = ig_pub_begin(&ctx, &it->job, it->have_conn ? &it->conn :
	    NULL, &pc);
	it->step = pc.step;
	if (it->begun == IG_OK && pc.call.base != NULL &&
	    (it->begun = ig_http_batch_add(b, &pc.call, it)) == IG_OK)
		it->queued = 1;
	ig_pub_call_free(&pc);
}

static void
pub_reply(void *arg, enum ig_err er, const json_t *reply,
    const struct ig_meta_error *merr)
{
	struct pubitem	*it = arg;

	it->er = er;
	if (merr != NULL)
		it->merr = *merr;
	if (er == IG_OK && (it->reply = json_deep_copy(reply)) == NULL)
		it->er = IG_ENOMEM;
}

static enum ig_err
pub_settle(struct ig_run *run, void *item, enum ig_run_outcome *out)
{
	struct ig_ctx	 ctx = { run->cfg, run->db, NULL, NULL };
	struct pubitem	*it = item;
	enum ig_err	 er = it->begun;

	/*
	 * Not made: Meta's usage headers said stop.  The job stays at its
	 * step (one written "confirm" reads the container first, as after
	 * a timeout) and is due again at once.
	 */
	if (it->queued && it->merr.deferred) {
		*out = IG_RUN_SKIPPED;
		ig_pub_release(run->db, &it->job);
		return IG_OK;
	}
	if (it->queued)
		er = ig_pub_finish(&ctx, &it->job, it->step, it->er,
		    it->reply, &it->merr);
	if (er == IG_ENOTFOUND) {
		*out = IG_RUN_SUPERSEDED;
		return IG_OK;
	}
	if (er != IG_OK && er != IG_EDB)
		*out = IG_RUN_SKIPPED;
	else if (it->job.status == IG_PUB_FAILED)
		*out = IG_RUN_OTHER;
	else if (!it->queued)
		*out = IG_RUN_SKIPPED;
	else if (it->er == IG_ERATELIMIT)
		*out = IG_RUN_RATE_LIMITED;
	else if (it->er == IG_EUPSTREAM)
		*out = IG_RUN_TRANSIENT;
	else
		*out = IG_RUN_DONE;
	if (it->job.status == IG_PUB_PUBLISHED && it->job.step ==
	    IG_STEP_NONE && it->queued)
		run->noted++;
	if (er == IG_EDB)
		return er;
	ig_pub_release(run->db, &it->job);
	return IG_OK;
}

static enum ig_err
pub_dry_run(struct ig_run *run, long *due)
{
	PGresult	*res;
	int		 i, rows;
	enum ig_err	 er;

	if ((er = ig_db_exec(run->db, &job_due, NULL, &res)) != IG_OK)
		return er;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++)
		printf("%s: would take the %s step\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1));
	PQclear(res);
	*due = rows;
	return IG_OK;
}

const struct ig_run_kind ig_run_publish = {
	.name = "publish",
	.done = "advanced",
	.note = "published",
	.pass = "pass",
	.needs = IG_NEED_DB | IG_NEED_KEYS,
	.backoff_cap = 3600,
	.opt = {
		[IG_RUN_AGE] = { NULL, NULL, 1, 0, 0, 0, 0 },
		[IG_RUN_INTERVAL] = { "--interval", "s", 1, 5, 1, 86400, 0 },
		[IG_RUN_PARALLEL] = { "--parallel", "n", 1, 16, 1, 256, 1 },
		[IG_RUN_BATCH] = { "--batch", "n", 1, 0, 1, 10000, 1 },
		[IG_RUN_MAX_ATTEMPTS] = { NULL, NULL, 1, 8, 1, 1000, 1 },
		[IG_RUN_BACKOFF] = { NULL, NULL, 1, 30, 0, 86400, 0 },
		[IG_RUN_LEASE] = { "--lease", "s", 1, 120, 30, 86400, 1 },
	},
	.item_size = sizeof(struct pubitem),
	.claim = pub_claim,
	.request = pub_request,
	.reply = pub_reply,
	.settle = pub_settle,
	.free = pub_free,
	.dry_run = pub_dry_run,
};
