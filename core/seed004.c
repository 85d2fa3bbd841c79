/* SPDX-License-Identifier: ISC */
/*
 * seed004.c: the data shape of seed 004's API, {integration, token,
 * expiresAt}, from the canonical connection, times with milliseconds as
 * the seed writes them.  The token members are there only when the
 * answer holds the token: a route that returns it, on an installation
 * with IGCONNECT_RETURN_TOKENS=1 (ig_reply_conn()); otherwise they are
 * left out, never empty.
 */
#include <jansson.h>

#include "ig.h"
#include "extern.h"

/*
 * The Instagram account's id: its IG_ID, the id webhooks and the
 * publishing calls name.  Only an Instagram Login link whose /me did
 * not tell it has the app-scoped id alone.
 */
static json_t *
instagram_id(const json_t *c)
{
	json_t	*v = json_object_get(c, "businessAccountId");

	if (v == NULL)
		v = json_object_get(c, "providerUserId");
	return v != NULL ? json_incref(v) : json_null();
}

json_t *
ig_seed004_integration(const struct ig_shaping *s)
{
	json_t	*expires, *in;

	expires = ig_shape_iso_ms(json_object_get(s->body, "expiresAt"));
	/* The seed's order of members; "s*" leaves out a NULL token. */
	in = json_pack("{s:o, s:s, s:s*, s:O, s:o}",
	    "id", ig_shape_get(s->body, "id"),
	    "name", "INSTAGRAM",
	    "token", s->token,
	    "expiresAt", expires,
	    "instagramId", instagram_id(s->body));
	return json_pack("{s:o, s:s*, s:o}", "integration", in,
	    "token", s->token, "expiresAt", expires);
}
