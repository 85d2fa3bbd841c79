/* SPDX-License-Identifier: ISC */
/*
 * usage.c: Meta's usage headers, read into the one figure the jobs pace
 * themselves by.  X-App-Usage (platform rate limits) and
 * X-Business-Use-Case-Usage (Instagram Platform endpoints, both login
 * flavours) give percentages of an allowance and, for the latter, the
 * minutes until a throttled account may call again (Graph API
 * "Rate Limits" docs).  The values come from the network: anything
 * that is not the documented shape is ignored, never trusted.
 */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ig.h"

/* Meta reports over 100 % when an allowance is overdrawn; cap it. */
#define MAX_PCT		1000
/* A day: a longer wait is not what the header means; ignore it. */
#define MAX_REGAIN_MIN	1440

/* The three percentages both headers carry. */
static const char *const figures[] = {
	"call_count", "total_cputime", "total_time", NULL
};

/* Raise "u" to the figures of the usage object "o"; 1 if one was read. */
static int
merge_figures(const json_t *o, struct ig_meta_usage *u)
{
	const json_t	*v;
	json_int_t	 n;
	size_t		 i;
	int		 found = 0;

	for (i = 0; figures[i] != NULL; i++) {
		if ((v = json_object_get(o, figures[i])) == NULL ||
		    !json_is_integer(v) || (n = json_integer_value(v)) < 0)
			continue;
		if (n > MAX_PCT)
			n = MAX_PCT;
		if ((int)n > u->pct)
			u->pct = (int)n;
		found = 1;
	}
	v = json_object_get(o, "estimated_time_to_regain_access");
	if (v != NULL && json_is_integer(v) && (n = json_integer_value(v)) >
	    0 && n <= MAX_REGAIN_MIN && (long)n * 60 > u->regain) {
		/* Minutes, not seconds (Graph API "Rate Limits" docs). */
		u->regain = (long)n * 60;
		found = 1;
	}
	return found;
}

/* {"<business id>":[{"type":...,"call_count":N,...}, ...], ...} */
static int
merge_buc(const json_t *root, struct ig_meta_usage *u)
{
	const char	*id;
	json_t		*list, *o;
	size_t		 i;
	int		 found = 0;

	json_object_foreach((json_t *)root, id, list) {
		if (!json_is_array(list))
			continue;
		json_array_foreach(list, i, o)
			if (json_is_object(o) && merge_figures(o, u))
				found = 1;
	}
	return found;
}

int
ig_meta_usage_parse(const char *name, const char *value, size_t len,
    struct ig_meta_usage *u)
{
	struct ig_meta_usage	 got = *u;
	json_t			*root;
	int			 found = 0;

	root = json_loadb(value, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL || !json_is_object(root))
		goto out;
	if (strcasecmp(name, "x-app-usage") == 0)
		found = merge_figures(root, &got);
	else if (strcasecmp(name, "x-business-use-case-usage") == 0)
		found = merge_buc(root, &got);
	if (found)
		*u = got;
out:
	json_decref(root);
	return found;
}

enum ig_pace
ig_meta_usage_pace(const struct ig_meta_usage *u)
{
	if (u->regain > 0 || u->pct >= IG_USAGE_STOP)
		return IG_PACE_STOP;
	if (u->pct >= IG_USAGE_SLOW)
		return IG_PACE_SLOW;
	return IG_PACE_FULL;
}
