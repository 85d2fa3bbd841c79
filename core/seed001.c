/* SPDX-License-Identifier: ISC */
/*
 * seed001.c: the bodies of seed 001's API (a Facebook Login app), each
 * made from the canonical body of the endpoint its route names in
 * shape.c: {success: true, ...} (false only for a publish that failed)
 * with the account under "instagram" as the seed's front end shows it,
 * "@username" first.  All comes from the canonical body, which never
 * holds a token (s->token is never read), so no shape here can show
 * one; ids stay the canonical strings.
 */
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

/* {username: "@…", name, profilePictureUrl} of connection "c". */
static json_t *
account(const json_t *c)
{
	return json_pack("{s:o, s:o, s:o}", "username", ig_shape_handle(c),
	    "name", ig_shape_get(c, "name"), "profilePictureUrl",
	    ig_shape_get(c, "profilePictureUrl"));
}

json_t *
ig_seed001_url(const struct ig_shaping *s)
{
	return json_pack("{s:b, s:o, s:o}", "success", 1, "oauthUrl",
	    ig_shape_get(s->body, "authUrl"), "state",
	    ig_shape_get(s->body, "state"));
}

/* A choice finished on the same route answers the same. */
json_t *
ig_seed001_connected(const struct ig_shaping *s)
{
	return json_pack("{s:b, s:s, s:o}", "success", 1, "message",
	    "Instagram connected successfully", "instagram",
	    account(s->body));
}

/*
 * GET /integrations, the overview, answers a user who never connected
 * with {status: "disconnected"}, and so does this: 200 with isConnected
 * false and nulls.  The seed's front end reads isConnected to choose
 * between its "Connect" button and the profile (a disconnected account
 * answers isConnected false too); a 404 would reach its error path
 * instead (fetch wrappers and axios reject it) for the most common
 * state of all.
 */
json_t *
ig_seed001_info(const struct ig_shaping *s)
{
	const json_t	*c;
	json_t		*a;
	const char	*st;

	c = json_object_get(json_object_get(s->body, "integrations"),
	    "instagram");
	st = json_string_value(json_object_get(c, "status"));
	if ((a = account(c)) == NULL ||
	    json_object_set_new(a, "isConnected", json_boolean(st != NULL &&
	    strcmp(st, "connected") == 0)) != 0 ||
	    json_object_set_new(a, "connectedAt",
	    ig_shape_get(c, "connectedAt")) != 0) {
		json_decref(a);
		return NULL;
	}
	return json_pack("{s:b, s:o}", "success", 1, "instagram", a);
}

json_t *
ig_seed001_disconnected(const struct ig_shaping *s)
{
	(void)s;
	return json_pack("{s:b, s:s}", "success", 1, "message",
	    "Instagram disconnected");
}

/* What a job the request left in "status" is, for the seed's message. */
static const char *
job_message(const char *status)
{
	if (strcmp(status, "published") == 0)
		return "Published to Instagram";
	if (strcmp(status, "scheduled") == 0)
		return "Scheduled for publishing to Instagram";
	return "Publishing to Instagram";
}

/*
 * The job as the canonical API shows it, under "job", with its status:
 * 201 once published, else 202.  A job that already failed (Meta
 * refused its media) is no success: {success: false, message, error:
 * the job's code}, as the seed's errors read.
 */
json_t *
ig_seed001_published(const struct ig_shaping *s)
{
	const char	*st = json_string_value(json_object_get(s->body,
			    "status"));

	if (st == NULL)
		st = "";
	if (strcmp(st, "failed") == 0)
		return json_pack("{s:b, s:s, s:o, s:O}", "success", 0,
		    "message", "Publishing to Instagram failed", "error",
		    ig_shape_get(json_object_get(s->body, "error"), "code"),
		    "job", s->body);
	return json_pack("{s:b, s:s, s:O}", "success", 1, "message",
	    job_message(st), "job", s->body);
}
