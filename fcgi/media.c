/* SPDX-License-Identifier: ISC */
/*
 * media: publishing (publishing docs) for the caller's account.
 *   POST   /integrations/instagram/media          publish, now or at
 *          publishAt: 201 when Meta finished within a short wait, else
 *          202 with the job; an Idempotency-Key makes it safe to repeat
 *   GET    /integrations/instagram/media[?status=&limit=&cursor=]
 *   GET    /integrations/instagram/media/{jobId}
 *   DELETE /integrations/instagram/media/{jobId}  cancel, until the job
 *          may have asked Meta to publish (409 after)
 * The request is checked whole before anything reaches Meta; the job
 * then advances here for a few seconds and in igconnect-publish after.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"

#define SHORT_WAIT	8	/* seconds the request itself advances a job */
#define HOLD		30	/* seconds no worker takes the job meanwhile */
#define NO_JOB		"no such publish job"

enum { P_STATUS, P_LIMIT, P_CURSOR, P_KEY };

static const struct ig_param params[] = {
	[P_STATUS] = { "status", 16, ig_valid_alnum },
	[P_LIMIT] = { "limit", 3, ig_valid_digits },
	[P_CURSOR] = { "cursor", 36, ig_valid_printable },
	[P_KEY] = { "idempotencyKey", 255, ig_valid_printable },
};

/*
 * What the path names: ".../media" or ".../media/{id}", the id into
 * "id".  A seed's route here (POST /api/instagram/publish) is the
 * collection.
 */
static enum ig_pub_path
job_id(const struct ig_req *req, char id[IG_UUID_LEN + 1])
{
	const char	*uri = ig_req_env(req, "DOCUMENT_URI");

	id[0] = '\0';
	if (ig_req_routed(req))
		return IG_PUB_PATH_COLLECTION;
	if (uri == NULL)
		uri = ig_req_env(req, "REQUEST_URI");
	return ig_pub_path_parse(uri != NULL ? uri : "", id);
}

/* The permission publishing needs for the connection's flavor (D). */
static const char *
missing_scope(const struct ig_conn *c)
{
	static const char *const ig[] = { "instagram_business_basic",
	    "instagram_business_content_publish", NULL };
	static const char *const fb[] = { "instagram_basic",
	    "instagram_content_publish", NULL };
	const char *const	*need = c->flavor == IG_FLAVOR_FACEBOOK ? fb : ig;
	size_t			 i, k;
	json_t			*v;
	int			 found;

	for (k = 0; need[k] != NULL; k++) {
		found = 0;
		json_array_foreach(c->scopes, i, v)
			found |= strcmp(json_string_value(v), need[k]) == 0;
		if (!found)
			return need[k];
	}
	return NULL;
}

/* The job, 201 once published, else 202. */
static enum ig_err
answer_job(struct ig_ctx *ctx, const struct ig_pubjob *j, int status)
{
	return ig_reply(ctx->req, status != 0 ? status :
	    j->status == IG_PUB_PUBLISHED ? 201 : 202, ig_pub_json(j));
}

/* The caller's connection, if it can publish; else why not. */
static enum ig_err
publisher(struct ig_ctx *ctx, const char *user, struct ig_conn *c)
{
	const char	*scope;
	char		 text[160];
	enum ig_err	 er;

	if ((er = ig_conn_get(ctx, user, c)) == IG_ENOTFOUND ||
	    (er == IG_OK && c->status == IG_STATUS_DISCONNECTED)) {
		if (er == IG_OK)
			ig_conn_free(c);
		return IG_ENOCONN;
	}
	if (er != IG_OK)
		return er;
	if (c->status == IG_STATUS_NEEDS_REAUTH || c->token == NULL ||
	    (c->expires_at != 0 && c->expires_at <= time(NULL)))
		er = IG_EREVOKED;
	else if (c->business_account_id == NULL)
		/* Publishing needs the professional account's id (D). */
		er = ig_refuse(ctx->req, IG_ECONFLICT, "the connected account "
		    "has no professional account id; connect it again");
	else if ((scope = missing_scope(c)) != NULL) {
		(void)snprintf(text, sizeof(text), "the connection was not "
		    "granted %s; connect again and allow it", scope);
		er = ig_refuse(ctx->req, IG_ENOPUBLISH, text);
	} else
		return IG_OK;
	ig_conn_free(c);
	return er;
}

/* The Idempotency-Key header or member; "" when they disagree. */
static const char *
idempotency_key(const struct ig_req *req)
{
	const char	*h = ig_req_env_once(req, "HTTP_IDEMPOTENCY_KEY");
	const char	*m = ig_req_get(req, P_KEY);

	if (h != NULL && (*h == '\0' || strlen(h) > 255 ||
	    !ig_valid_printable(h, strlen(h))))
		return "";
	if (h != NULL && m != NULL && strcmp(h, m) != 0)
		return "";
	return h != NULL ? h : m;
}

/*
 * A request to publish now found the account at Meta's limit: 429 with
 * Retry-After; the job stays scheduled and publishes after the reset.
 */
static enum ig_err
quota_answer(struct ig_ctx *ctx, const struct ig_pubjob *j)
{
	long		 wait = (long)(j->next_at - time(NULL));
	json_t		*extra;

	if ((extra = ig_pub_json(j)) == NULL)
		return IG_ENOMEM;
	/* The error shape's own "error" is the code, not the job's. */
	(void)json_object_del(extra, "error");
	ig_reply_retry_after(ctx->req, wait > 0 ? wait : 1);
	return ig_refuse_with(ctx->req, IG_EPUBLIMIT, "the account reached "
	    "Meta's publishing limit for 24 hours; the job publishes once "
	    "the window allows", extra);
}

/* Advance a new job while Meta answers at once, within SHORT_WAIT. */
static void
advance(struct ig_ctx *ctx, struct ig_pubjob *j, const struct ig_conn *c)
{
	time_t	end = time(NULL) + SHORT_WAIT;

	while (j->step != IG_STEP_NONE && j->next_at <= time(NULL) &&
	    time(NULL) < end && ig_pub_step(ctx, j, c) == IG_OK)
		;
	ig_pub_release(ctx->db, j);
}

static enum ig_err
create(struct ig_ctx *ctx, const char *user)
{
	const char		*key = idempotency_key(ctx->req);
	char			 why[256];
	struct ig_conn		 conn;
	struct ig_pubjob	 job;
	json_t			*req = NULL;
	time_t			 at, now = time(NULL);
	int			 fresh = 0;
	enum ig_err		 er;

	if (key != NULL && *key == '\0')
		return ig_refuse(ctx->req, IG_EINPUT, "the Idempotency-Key "
		    "header and idempotencyKey differ, or the key is not "
		    "printable text of at most 255 bytes");
	if (ig_req_json(ctx->req) == NULL)
		return ig_refuse(ctx->req, IG_EINPUT, "expected a JSON object");
	if (ig_post_check(ig_req_json(ctx->req), now, &req, &at, why,
	    sizeof(why)) != IG_OK)
		return ig_refuse(ctx->req, IG_EINPUT, why);
	if ((er = publisher(ctx, user, &conn)) != IG_OK) {
		json_decref(req);
		return er;
	}
	/* A job to advance now is held; a scheduled one is the workers'. */
	er = ig_pub_create(ctx, user, conn.business_account_id, key, req, at,
	    at == 0 ? HOLD : 0, &job, &fresh);
	json_decref(req);
	if (er == IG_ECONFLICT)
		er = ig_refuse(ctx->req, er, "this Idempotency-Key was used "
		    "for another request");
	else if (er == IG_OK) {
		if (fresh && at == 0)
			advance(ctx, &job, &conn);
		if (fresh && at == 0 && job.status == IG_PUB_SCHEDULED &&
		    job.error_code != NULL &&
		    strcmp(job.error_code, "publish_limit_reached") == 0)
			er = quota_answer(ctx, &job);
		else
			er = answer_job(ctx, &job, 0);
		ig_pub_free(&job);
	}
	ig_conn_free(&conn);
	return er;
}

static enum ig_err
list(struct ig_ctx *ctx, const char *user)
{
	const char		*status = ig_req_get(ctx->req, P_STATUS);
	const char		*limit = ig_req_get(ctx->req, P_LIMIT);
	const char		*cursor = ig_req_get(ctx->req, P_CURSOR);
	enum ig_pub_status	 st;
	long			 n = limit != NULL ? atol(limit) : 20;
	json_t			*page;
	enum ig_err		 er;

	if (status != NULL && !ig_pub_status_parse(status, &st))
		return ig_refuse(ctx->req, IG_EINPUT, "status is scheduled, "
		    "processing, publishing, published, failed or canceled");
	if (n < 1 || n > 100)
		return ig_refuse(ctx->req, IG_EINPUT, "limit is 1 to 100");
	if ((er = ig_pub_list(ctx, user, status, n, cursor, &page)) != IG_OK)
		return er;
	return ig_reply(ctx->req, 200, page);
}

static enum ig_err
one(struct ig_ctx *ctx, const char *user, const char *id)
{
	struct ig_pubjob	job;
	enum ig_err		er;

	if (ig_req_method(ctx->req) == IG_METHOD_DELETE)
		er = ig_pub_cancel(ctx, user, id, &job);
	else
		er = ig_pub_get(ctx, user, id, &job);
	if (er == IG_ENOTFOUND)
		return ig_refuse(ctx->req, er, NO_JOB);
	if (er == IG_ECONFLICT) {
		ig_pub_free(&job);
		return ig_refuse(ctx->req, er, "the job has ended or may "
		    "already have asked Meta to publish; it cannot be "
		    "canceled");
	}
	if (er != IG_OK)
		return er;
	er = answer_job(ctx, &job, 200);
	ig_pub_free(&job);
	return er;
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	unsigned	 m = ig_req_method(ctx->req);
	char		 user[IG_MAX_USER_ID + 1], id[IG_UUID_LEN + 1];
	enum ig_pub_path path = job_id(ctx->req, id);
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if (path == IG_PUB_PATH_BAD)
		return ig_refuse(ctx->req, IG_ENOTFOUND, NO_JOB);
	if (path == IG_PUB_PATH_COLLECTION && m == IG_METHOD_POST)
		return create(ctx, user);
	if (path == IG_PUB_PATH_COLLECTION && (m == IG_METHOD_GET ||
	    m == IG_METHOD_HEAD))
		return list(ctx, user);
	if (path == IG_PUB_PATH_JOB && m != IG_METHOD_POST)
		return one(ctx, user, id);
	return ig_refuse(ctx->req, IG_EMETHOD, "this method is not allowed "
	    "here");
}

static const struct ig_endpoint endpoint = {
	.name = "media",
	.needs = IG_NEED_DB | IG_NEED_KEYS | IG_NEED_AUTH,
	.waits_on_meta = 1,
	.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_POST |
	    IG_METHOD_DELETE,
	/* Ten children of 2 KiB URLs, a caption, tags: well under this. */
	.max_body = 64 * 1024,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
