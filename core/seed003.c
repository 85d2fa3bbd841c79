/* SPDX-License-Identifier: ISC */
/*
 * seed003.c: the data shapes of seed 003's API, {ok: true, ...}, each
 * from an endpoint's canonical body.  Its connection is what its
 * profile card shows: "@username", the follower count, the times in the
 * canonical ISO 8601 form, which is the seed's.  No shape here ever
 * shows a token.
 */
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

/* What the summary's "profile" holds: the canonical profile fields. */
static const char *const profile_fields[] = { "username", "name",
    "profilePictureUrl", "followersCount", "followsCount", "mediaCount",
    "biography", "website" };

json_t *
ig_seed003_login(const struct ig_shaping *s)
{
	json_t	*url = json_object_get(s->body, "authUrl");

	/* Front ends read one name or the other; the state is in the URL. */
	return json_pack("{s:O, s:O}", "authUrl", url, "redirectTo", url);
}

/*
 * Seed 003's connection from the canonical one "c".  The seed has no
 * status in it; ours is added, since a disconnected row still reads.
 */
static json_t *
card(const json_t *c)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o}",
	    "id", ig_shape_get(c, "id"),
	    "status", ig_shape_get(c, "status"),
	    "username", ig_shape_handle(c),
	    "name", ig_shape_get(c, "name"),
	    "followers", ig_shape_get(c, "followersCount"),
	    "profilePictureUrl", ig_shape_get(c, "profilePictureUrl"),
	    "biography", ig_shape_get(c, "biography"),
	    "website", ig_shape_get(c, "website"),
	    "connectedAt", ig_shape_get(c, "connectedAt"),
	    "lastSync", ig_shape_get(c, "lastSyncedAt"),
	    "expiresAt", ig_shape_get(c, "expiresAt"),
	    "needsRefresh", ig_shape_get(c, "needsRefresh"));
}

json_t *
ig_seed003_connection(const struct ig_shaping *s)
{
	return json_pack("{s:b, s:o}", "ok", 1, "connection", card(s->body));
}

/* Every profile field of "c", null when Meta did not give it. */
static json_t *
profile(const json_t *c)
{
	json_t	*o;
	size_t	 i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(profile_fields) / sizeof(profile_fields[0]);
	    i++)
		if (json_object_set_new(o, profile_fields[i],
		    ig_shape_get(c, profile_fields[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *
ig_seed003_integrations(const struct ig_shaping *s)
{
	const json_t	*c = json_object_get(json_object_get(s->body,
	    "integrations"), "instagram");
	const char	*status = json_string_value(json_object_get(c,
	    "status"));
	/* Never connected, or not any more: no account to show. */
	int		 shown = status != NULL &&
	    strcmp(status, "disconnected") != 0;

	return json_pack("{s:b, s:{s:{s:o, s:o, s:o, s:o, s:b}}}", "ok", 1,
	    "integrations", "instagram",
	    "status", ig_shape_get(c, "status"),
	    "connectedAccount", shown ? ig_shape_handle(c) : json_null(),
	    "profile", shown ? profile(c) : json_null(),
	    "expiresAt", ig_shape_get(c, "expiresAt"),
	    "needsRefresh", json_is_true(json_object_get(c, "needsRefresh")));
}

json_t *
ig_seed003_integration(const struct ig_shaping *s)
{
	/* The seed's disconnect answers no connection. */
	if (ig_req_method(s->req) == IG_METHOD_DELETE)
		return json_pack("{s:b}", "ok", 1);
	return ig_seed003_connection(s);
}
