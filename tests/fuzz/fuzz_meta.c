/* SPDX-License-Identifier: ISC */
/*
 * fuzz_meta.c: the readers of Meta's replies to the login calls, on
 * every input.  An input is a reply body, taken the way http.c takes
 * one (fz_reply()).  Data goes to each reader: the code exchange (flat
 * or wrapped in "data"), the long-lived and the Facebook user tokens,
 * /me on both hosts, /me/accounts, debug_token.  Any body, read as the
 * error of a 400 and of a 500 (either envelope), becomes the caller's
 * answer (ig_refuse_meta()).  Publishing's replies: fuzz_publish.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

static const struct ig_endpoint ep = {
	.name = "fuzz_meta",
	.methods = IG_METHOD_GET,
};

static void
tokens(const struct ig_cfg *cfg, const json_t *reply)
{
	struct ig_token	t;

	memset(&t, 0, sizeof(t));
	(void)ig_insta_read_code(reply, cfg->ig_scopes, &t);
	ig_token_free(&t);
	/* A reply without permissions: the scopes asked for stand in. */
	(void)ig_insta_read_code(reply, "instagram_business_basic", &t);
	ig_token_free(&t);
	if (ig_insta_read_token(reply, &t) == IG_OK)
		ig_token_free(&t);
	(void)ig_fb_read_user_token(reply, &t);
	ig_token_free(&t);
}

static void
accounts(const json_t *reply)
{
	struct ig_profile	 p;
	struct ig_fb_page	*pages;
	struct ig_fb_debug	 d;
	char			*after, *id;
	size_t			 n;

	if (ig_insta_read_profile(reply, &p) == IG_OK)
		ig_profile_free(&p);
	if (ig_fb_read_profile(reply, &p) == IG_OK)
		ig_profile_free(&p);
	if (ig_fb_read_pages(reply, &pages, &n, &after) == IG_OK) {
		ig_fb_pages_free(pages, n);
		free(after);
	}
	if (ig_fb_read_debug(reply, &d) == IG_OK)
		ig_fb_debug_free(&d);
	if (ig_json_id_dup(reply, "id", &id) == IG_OK)
		free(id);
}

/* Meta's error as the caller's answer, from a 400 and from a 500. */
static void
answer(const struct ig_cfg *cfg, const uint8_t *data, size_t size)
{
	static const long	 statuses[] = { 400, 500 };
	struct ig_meta_error	 m;
	struct ig_req		*r;
	json_t			*reply;
	size_t			 i;
	enum ig_err		 er;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if ((r = ig_req_new(NULL, &ep, cfg)) == NULL)
			abort();
		er = fz_reply(data, size, statuses[i], &reply, &m);
		(void)ig_refuse_meta(r, er, &m);
		json_decref(reply);
		ig_req_free(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ig_cfg	*cfg = fz_cfg();
	struct ig_meta_error	 m;
	json_t			*reply;

	if (fz_reply(data, size, 200, &reply, &m) == IG_OK) {
		tokens(cfg, reply);
		accounts(reply);
		json_decref(reply);
	}
	answer(cfg, data, size);
	return 0;
}
