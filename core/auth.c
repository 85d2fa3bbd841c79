/* SPDX-License-Identifier: ISC */
/*
 * auth.c: who is calling (caller authentication).  Bearer
 * tokens are taken only from the Authorization header, never from a
 * query or form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ig.h"
#include "extern.h"

/* NULL if "id" is a user id we accept (copied into "user"), else why not. */
static const char *
copy_user(const char *id, char *user, size_t usersz, const char *what)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0)
		return what;
	if (n >= usersz || !ig_valid_user_id(id, n))
		return "the user id is not one we accept (UTF-8 text without "
		    "control characters, at most 255 bytes)";
	memcpy(user, id, n + 1);
	return NULL;
}

/* The user ids a request may name: as the seeds' front ends send them. */
static int
is_user_name(const char *s, size_t n)
{
	return (n == 6 && strncmp(s, "userId", 6) == 0) ||
	    (n == 7 && strncmp(s, "user_id", 7) == 0);
}

/*
 * Each "name=value" of an urlencoded "s" that names a user must name
 * "user".  IG_EFORBIDDEN if one names another; bad escapes too.
 */
static enum ig_err
pairs_name_only(const char *s, size_t len, const char *user)
{
	const char	*end = s + len, *amp, *eq;
	char		*name = NULL, *val = NULL;
	enum ig_err	 er = IG_OK;

	for (; s < end && er == IG_OK; s = amp + 1) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
			eq = amp;
		if (ig_url_decode(s, (size_t)(eq - s), &name) != IG_OK)
			er = IG_EFORBIDDEN;
		else if (is_user_name(name, strlen(name)) &&
		    (eq == amp || ig_url_decode(eq + 1, (size_t)(amp - eq - 1),
		    &val) != IG_OK || strcmp(val, user) != 0))
			er = IG_EFORBIDDEN;
		free(name);
		free(val);
		name = val = NULL;
		if (amp == end)
			break;
	}
	return er;
}

/*
 * A user id the request names, in its path (a route's :userId), its
 * query, an urlencoded form or a JSON body ("userId" or "user_id"), must
 * be the caller's, else 403: a front end cannot read another user's data
 * by naming them.
 */
static enum ig_err
names_only_caller(const struct ig_req *req, const char *user)
{
	const char	*q = ig_req_env(req, "QUERY_STRING");
	const char	*ct = ig_req_env(req, "CONTENT_TYPE");
	const char	*body;
	const json_t	*o = ig_req_json(req), *v;
	static const char *const names[] = { "userId", "user_id" };
	const char	*path = ig_req_path_id(req, IG_PATH_USER);
	char		 num[32];
	size_t		 i, len;

	if (path != NULL && strcmp(path, user) != 0)
		return IG_EFORBIDDEN;
	if (q != NULL && pairs_name_only(q, strlen(q), user) != IG_OK)
		return IG_EFORBIDDEN;
	if (ct != NULL && strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) == 0 && (body = ig_req_body(req, &len)) != NULL &&
	    pairs_name_only(body, len, user) != IG_OK)
		return IG_EFORBIDDEN;
	for (i = 0; o != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = json_object_get(o, names[i])) == NULL)
			continue;
		if (json_is_integer(v)) {
			(void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			if (strcmp(num, user) == 0)
				continue;
		} else if (json_is_string(v) &&
		    strcmp(json_string_value(v), user) == 0)
			continue;
		return IG_EFORBIDDEN;
	}
	return IG_OK;
}

/* NULL once the caller is in "user", else why they are not known. */
static const char *
who(const struct ig_cfg *cfg, const struct ig_req *req, char *user,
    size_t usersz)
{
	const char	*h, *why;

	switch (cfg->auth) {
	case IG_AUTH_REMOTE_USER:
		return copy_user(ig_req_env(req, "REMOTE_USER"), user, usersz,
		    "no REMOTE_USER: the web server did not authenticate "
		    "the caller");
	case IG_AUTH_NONE:
		if ((h = ig_req_env(req, "HTTP_X_USER_ID")) == NULL)
			h = "local";
		return copy_user(h, user, usersz, "an empty X-User-Id");
	case IG_AUTH_JWT:
		break;
	}
	if ((h = ig_req_env(req, "HTTP_AUTHORIZATION")) == NULL)
		return "no Authorization header: send \"Authorization: "
		    "Bearer <JWT>\"";
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return "the Authorization header is not \"Bearer <JWT>\"";
	h += 7;
	while (*h == ' ')
		h++;
	(void)ig_jwt_verify(cfg, h, time(NULL), user, usersz, &why);
	return why;
}

enum ig_err
ig_auth_caller(const struct ig_cfg *cfg, struct ig_req *req, char *user,
    size_t usersz)
{
	const char	*why;

	/* The reason is ours, fixed text: never the token itself. */
	if ((why = who(cfg, req, user, usersz)) != NULL)
		return ig_refuse(req, IG_EAUTH, why);
	return names_only_caller(req, user);
}
