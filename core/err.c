/* SPDX-License-Identifier: ISC */
/*
 * err.c: the one place that maps an enum ig_err to its text, its HTTP
 * status and the error code of the JSON error body.  Every error code the
 * API answers is a row here; a handler may give a more precise text.
 */
#include "ig.h"

static const struct {
	const char	*phrase;
	int		 status;
	const char	*code;
} errs[IG_ERR__MAX] = {
	[IG_OK] =	  { "success", 200, "ok" },
	[IG_ENOMEM] =	  { "out of memory", 503, "unavailable" },
	[IG_EINPUT] =	  { "invalid input", 400, "invalid_request" },
	[IG_EAUTH] =	  { "not authenticated", 401, "unauthorized" },
	[IG_EFORBIDDEN] = { "forbidden", 403, "forbidden" },
	[IG_ENOTFOUND] =  { "not found", 404, "not_found" },
	[IG_EMETHOD] =	  { "method not allowed", 405, "method_not_allowed" },
	[IG_ETOOBIG] =	  { "payload too large", 413, "payload_too_large" },
	[IG_EDB] =	  { "database unavailable", 503, "unavailable" },
	[IG_EUPSTREAM] =  { "upstream failure", 502, "upstream_error" },
	[IG_ERATELIMIT] = { "upstream rate limit", 503,
			    "upstream_rate_limited" },
	[IG_EMETA] =	  { "upstream error", 502, "upstream_error" },
	[IG_ECRYPTO] =	  { "cryptographic failure", 500, "internal_error" },
	[IG_ESYS] =	  { "system error", 500, "internal_error" },
	[IG_ESCOPE] =	  { "the user did not grant a permission the app needs",
			    400, "insufficient_scope" },
	[IG_ENOACCOUNT] = { "none of the user's Facebook Pages has an "
			    "Instagram professional account; link the account "
			    "to a Page (Instagram app: Settings, Linked "
			    "accounts; or Meta Business Suite), allow this app "
			    "that Page at login, and connect again", 400,
			    "no_instagram_account" },
	[IG_ECHOICE] =	  { "several Instagram accounts can be connected; "
			    "send the selection with the chosen pageId", 409,
			    "account_choice_required" },
	[IG_ENOTOFFERED] = { "the chosen account was not one of those "
			    "offered", 400, "invalid_request" },
	[IG_ECONFLICT] =  { "the request conflicts with the resource's "
			    "state", 409, "conflict" },
	[IG_ESELECTION] = { "the selection is unknown, expired, already used "
			    "or not yours; start the login again", 400,
			    "invalid_selection" },
	[IG_ESTATE] =	  { "the state is unknown, expired, already used or "
			    "not yours; start the login again", 400,
			    "invalid_state" },
	[IG_EDENIED] =	  { "the user did not authorize the app", 400,
			    "access_denied" },
	[IG_EGRANT] =	  { "Meta rejected the authorization code (expired, "
			    "used, or for another redirect URI); start the "
			    "login again", 400, "invalid_grant" },
	/*
	 * Not 401: a front end's generic 401 handler signs its user out of
	 * the app, and a dead Instagram token is no reason to.
	 */
	[IG_EREVOKED] =	  { "the Instagram token is expired or revoked; "
			    "connect the account again", 409, "token_revoked" },
	[IG_ETOOEARLY] =  { "Meta refreshes only tokens at least 24 hours "
			    "old; see refreshableAt", 409, "too_early" },
	[IG_EPUBLIMIT] =  { "the account reached Meta's limit of published "
			    "posts in 24 hours", 429, "publish_limit_reached" },
	[IG_ENOPUBLISH] = { "the connection was not granted the permission "
			    "to publish; connect the account again", 403,
			    "insufficient_scope" },
	[IG_ENOCONN] =	  { "no Instagram account is connected", 404,
			    "not_found" },
	[IG_EMEDIATYPE] = { "send the body as JSON or "
			    "application/x-www-form-urlencoded", 415,
			    "unsupported_media_type" },
	[IG_EPERMISSION] = { "Meta refused: the app or the account's token "
			    "lacks a permission (see permission when Meta "
			    "named it); connect again granting it, or have "
			    "the app approved for it", 403,
			    "insufficient_permission" },
};

static int
known(enum ig_err er)
{
	return (unsigned)er < IG_ERR__MAX;
}

const char *
ig_strerror(enum ig_err er)
{
	return known(er) ? errs[er].phrase : "unknown error";
}

int
ig_err_http(enum ig_err er)
{
	return known(er) ? errs[er].status : 500;
}

const char *
ig_err_code(enum ig_err er)
{
	return known(er) ? errs[er].code : "internal_error";
}
