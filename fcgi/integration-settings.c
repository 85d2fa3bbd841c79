/* SPDX-License-Identifier: ISC */
/*
 * integration-settings: PATCH /integrations/instagram/settings with a
 * JSON object of systemPrompt, toneOfVoice and keyInformation (seed
 * 002), each a string (or null to remove it).  Merged into the
 * connection's metadata.settings; unknown keys are refused, so a typo
 * is not silently lost.
 */
#include <stdio.h>
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
#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

/* NULL if "patch" is acceptable, else the rule it breaks (a fixed text). */
static const char *
refused(json_t *patch, size_t *which)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	*which = NSETTINGS;
	if (patch == NULL)
		return "the body must be a JSON object";
	if (json_object_size(patch) == 0)
		return "no setting given";
	json_object_foreach(patch, key, v) {
		*which = NSETTINGS;
		for (i = 0; i < NSETTINGS &&
		    strcmp(key, settings[i].name) != 0; i++)
			continue;
		if (i == NSETTINGS)
			return "unknown setting; expected systemPrompt, "
			    "toneOfVoice or keyInformation";
		*which = i;
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return "must be a string or null";
		if (json_string_length(v) > settings[i].max)
			return "is too long (systemPrompt and keyInformation "
			    "8192 bytes, toneOfVoice 256)";
		/* Text as a browser's textarea sends it: CR LF allowed. */
		if (!ig_valid_text(json_string_value(v), json_string_length(v)))
			return "holds a control character other than tab, CR "
			    "or LF";
	}
	return NULL;
}

/* Refuse, naming the setting "which" when the rule is about one. */
static enum ig_err
refuse(struct ig_ctx *ctx, const char *rule, size_t which)
{
	char	why[160];

	if (which >= NSETTINGS)
		return ig_refuse(ctx->req, IG_EINPUT, rule);
	(void)snprintf(why, sizeof(why), "%s %s", settings[which].name, rule);
	return ig_refuse(ctx->req, IG_EINPUT, why);
}

static enum ig_err
handle(struct ig_ctx *ctx)
{
	char		 user[IG_MAX_USER_ID + 1];
	json_t		*patch = ig_req_json(ctx->req);
	const char	*rule;
	size_t		 which;
	struct ig_conn	 conn;
	enum ig_err	 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if ((rule = refused(patch, &which)) != NULL)
		return refuse(ctx, rule, which);
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
