/* SPDX-License-Identifier: ISC */
/*
 * fuzz_post.c: ig_post_check(), a client's request to publish.  An input
 * is the JSON body of POST /integrations/instagram/media, parsed as
 * req.c parses a body (duplicate names refused) and checked at FZ_NOW:
 * media types, URLs (ig_url_public()), caption, hashtags and mentions,
 * children, user tags, collaborators, publishAt.
 */
#include <stdlib.h>

#include "ig.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*body, *out;
	time_t	 at;
	char	 why[256];

	(void)fz_cfg();		/* logs off */
	if ((body = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	if (ig_post_check(body, FZ_NOW, &out, &at, why, sizeof(why)) ==
	    IG_OK) {
		if (out == NULL || (at != 0 && at <= FZ_NOW))
			abort();
		json_decref(out);
	} else if (why[0] == '\0' || out != NULL)
		abort();
	json_decref(body);
	return 0;
}
