/* SPDX-License-Identifier: ISC */
/*
 * seed000.c: the shapes of seed 000's sign-in API.
 *   GET /client/oauth/url          {url, state}
 *   POST /client/oauth/exchange-code
 *        {token, user: {id, email, profile}, credentials: {provider,
 *        userProfile, connectedAt}}, connectedAt in epoch milliseconds
 *        and the profile {id, username, name, profilePicture}
 */
#include <jansson.h>

#include "ig.h"
#include "extern.h"

/* The account as seed 000's userProfile, from the canonical connection. */
static json_t *
user_profile(const json_t *conn)
{
	return json_pack("{s:o, s:o, s:o, s:o}",
	    "id", ig_shape_get(conn, "providerUserId"),
	    "username", ig_shape_get(conn, "username"),
	    "name", ig_shape_get(conn, "name"),
	    "profilePicture", ig_shape_get(conn, "profilePictureUrl"));
}

static json_t *
signed_in(const json_t *body)
{
	const json_t	*conn = json_object_get(body, "connection");
	json_t		*profile;

	if ((profile = user_profile(conn)) == NULL)
		return NULL;
	/* Instagram gives no email address. */
	return json_pack("{s:o, s:{s:o, s:n, s:O}, s:{s:s, s:o, s:o}}",
	    "token", ig_shape_get(body, "token"),
	    "user", "id", ig_shape_get(json_object_get(body, "user"), "id"),
	    "email", "profile", profile,
	    "credentials", "provider", "instagram", "userProfile", profile,
	    "connectedAt",
	    ig_shape_epoch_ms(json_object_get(conn, "connectedAt")));
}

json_t *
ig_seed000_signin(const struct ig_shaping *s)
{
	if (ig_req_method(s->req) == IG_METHOD_POST)
		return signed_in(s->body);
	return json_pack("{s:o, s:o}", "url", ig_shape_get(s->body, "authUrl"),
	    "state", ig_shape_get(s->body, "state"));
}
