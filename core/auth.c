/* SPDX-License-Identifier: ISC */
/*
 * auth.c: who is calling (SPEC.md, caller authentication).  Bearer
 * tokens are taken only from the Authorization header, never from a
 * query or form.
 */
#include <string.h>
#include <time.h>

#include "ig.h"

static enum ig_err
copy_user(const char *id, char *user, size_t usersz)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0 || n >= usersz ||
	    !ig_valid_user_id(id, n))
		return IG_EAUTH;
	memcpy(user, id, n + 1);
	return IG_OK;
}

enum ig_err
ig_auth_caller(const struct ig_cfg *cfg, const struct ig_req *req,
    char *user, size_t usersz)
{
	const char	*h;

	switch (cfg->auth) {
	case IG_AUTH_REMOTE_USER:
		return copy_user(ig_req_env(req, "REMOTE_USER"), user, usersz);
	case IG_AUTH_NONE:
		if ((h = ig_req_env(req, "HTTP_X_USER_ID")) == NULL)
			h = "local";
		return copy_user(h, user, usersz);
	case IG_AUTH_JWT:
		break;
	}
	if ((h = ig_req_env(req, "HTTP_AUTHORIZATION")) == NULL ||
	    strncasecmp(h, "Bearer ", 7) != 0)
		return IG_EAUTH;
	h += 7;
	while (*h == ' ')
		h++;
	return ig_jwt_verify(cfg, h, time(NULL), user, usersz);
}
