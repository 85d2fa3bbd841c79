/* SPDX-License-Identifier: ISC */
/*
 * fuzz_publish.c: the readers of Meta's replies to a publish job's
 * calls, on every input.  An input is a reply body, taken the way
 * http.c takes one (fz_reply(), as a 200 and as a 400); each step of a
 * job then reads it with ig_pub_finish(): a container's or a post's id,
 * the container's status_code, content_publishing_limit, media_publish
 * and its errors, the media lookup, the permalink.  What a step writes
 * afterwards fails (fz_db()), which leaves the job as it was, so one job
 * serves every step.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

/* An image with a caption, or a carousel of two children without one. */
static void
job(struct ig_pubjob *j, int carousel)
{
	memset(j, 0, sizeof(*j));
	j->id = strdup("00000000-0000-4000-8000-000000000001");
	j->user_id = strdup("00000000-0000-4000-8000-000000000002");
	j->account_id = strdup("17841400000000001");
	j->version = strdup("3");
	j->attempts = carousel;
	j->request = carousel ? json_pack("{s:s, s:[{s:s}, {s:s}]}",
	    "mediaType", "CAROUSEL", "children", "imageUrl",
	    "https://cdn.example.com/1.jpg", "videoUrl",
	    "https://cdn.example.com/2.mp4") :
	    json_pack("{s:s, s:s, s:s}", "mediaType", "IMAGE", "imageUrl",
	    "https://cdn.example.com/a.jpg", "caption", "hello #fuzz");
	j->containers = json_pack("[{s:i, s:s}]", "position", 0, "id",
	    "17889455560051444");
	if (j->id == NULL || j->user_id == NULL || j->account_id == NULL ||
	    j->version == NULL || j->request == NULL || j->containers == NULL)
		abort();
}

static void
steps(struct ig_ctx *ctx, struct ig_pubjob *j, enum ig_err er,
    const json_t *reply, const struct ig_meta_error *m)
{
	int	step;

	for (step = IG_STEP_NONE + 1; step < IG_STEP__MAX; step++) {
		j->step = step;
		j->status = step >= IG_STEP_PUBLISH ? IG_PUB_PUBLISHING :
		    IG_PUB_PROCESSING;
		(void)ig_pub_finish(ctx, j, step, er, reply, m);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 statuses[] = { 200, 400 };
	struct ig_ctx		 ctx = { fz_cfg(), fz_db(), NULL, NULL };
	struct ig_meta_error	 m;
	struct ig_pubjob	 j[2];
	json_t			*reply;
	enum ig_err		 er;
	size_t			 i;

	job(&j[0], 0);
	job(&j[1], 1);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		er = fz_reply(data, size, statuses[i], &reply, &m);
		steps(&ctx, &j[0], er, reply, &m);
		steps(&ctx, &j[1], er, reply, &m);
		json_decref(reply);
	}
	ig_pub_free(&j[0]);
	ig_pub_free(&j[1]);
	return 0;
}
