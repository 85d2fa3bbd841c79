/* SPDX-License-Identifier: ISC */
/*
 * integration-settings: PATCH /integrations/instagram/settings with a
 * JSON object of systemPrompt, toneOfVoice and keyInformation (seed
 * 002), each a string (or null to remove it).  Merged into the
 * connection's metadata.settings; unknown keys are refused, so a typo
 * is not silently lost.
 */
#include <string.h>

#include "ig.h"

static const struct {
	const char	*name;
	size_t		 max;	/* bytes of UTF-8 */
} settings[] = {
	{ "systemPrompt", 8192 },
	{ "toneOfVoice", 256 },
	{ "keyInformation", 8192 },
};

/* NULL if "patch" is acceptable, else why not (a fixed text). */
static const char *
check_patch(json_t *patch)
{
	const char	*key;
	json_t		*v;
	size_t		 i, n = sizeof(settings) / sizeof(settings[0]);

	if (patch == NULL)
		return "the body must be a JSON object";
	if (json_object_size(patch) == 0)
		return "no setting given";
	json_object_foreach(patch, key, v) {
		for (i = 0; i < n && strcmp(key, settings[i].name) != 0; i++)
			continue;
		if (i == n)
			return "unknown setting; expected systemPrompt, "
			    "toneOfVoice or keyInformation";
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return "a setting must be a string or null";
		if (json_string_length(v) > settings[i].max)
			return "a setting is too long (systemPrompt and "
			    "keyInformation 8192 bytes, toneOfVoice 256)";
		if (!ig_valid_utf8(json_string_value(v), json_string_length(v)))
			return "a setting holds control characters";
	}
	return NULL;
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		 user[IG_MAX_USER_ID + 1];
	json_t		*patch = ig_req_json(ctx->req);
	const char	*why;
	struct ig_conn	 conn;
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if ((why = check_patch(patch)) != NULL)
		return ig_refuse(ctx->req, IG_EINPUT, why);
	if ((er = ig_conn_settings(ctx, user, patch, &conn)) == IG_ENOTFOUND)
		return IG_ENOCONN;
	if (er != IG_OK)
		return er;
	er = ig_reply_conn(ctx, &conn);
	ig_conn_free(&conn);
	return er;
}

static const struct ig_endpoint endpoint = {
	.name = "integration-settings",
	.needs = IG_NEED_DB | IG_NEED_AUTH,
	.methods = IG_METHOD_PATCH,
	.max_body = 32 * 1024,
	.handle = handle,
};

int
main(int argc, char *argv[])
{
	return ig_app_main(argc, argv, &endpoint);
}
