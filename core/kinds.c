/* SPDX-License-Identifier: ISC */
/*
 * kinds.c: the one table each of the names that a login flavor, a token
 * kind and a connection status have in the database and in answers.
 * C code compares the enums; only these tables hold the strings.
 */
#include <string.h>

#include "ig.h"

static const char *const flavors[IG_FLAVOR__MAX] = {
	[IG_FLAVOR_INSTAGRAM] = "instagram",
	[IG_FLAVOR_FACEBOOK] = "facebook",
};

static const char *const token_kinds[IG_TOKEN__MAX] = {
	[IG_TOKEN_LONG] = "long",
	[IG_TOKEN_SHORT] = "short",
	[IG_TOKEN_PAGE] = "page",
};

/* As the status column's CHECK constraint spells them (sql/003). */
static const char *const statuses[IG_STATUS__MAX] = {
	[IG_STATUS_ACTIVE] = "active",
	[IG_STATUS_DISCONNECTED] = "disconnected",
	[IG_STATUS_NEEDS_REAUTH] = "needs_reauth",
};

/* As publish_jobs spells them (sql/011). */
static const char *const pub_statuses[IG_PUB__MAX] = {
	[IG_PUB_SCHEDULED] = "scheduled",
	[IG_PUB_PROCESSING] = "processing",
	[IG_PUB_PUBLISHING] = "publishing",
	[IG_PUB_PUBLISHED] = "published",
	[IG_PUB_FAILED] = "failed",
	[IG_PUB_CANCELED] = "canceled",
};

static const char *const pub_steps[IG_STEP__MAX] = {
	[IG_STEP_NONE] = "",
	[IG_STEP_CHILDREN] = "children",
	[IG_STEP_CONTAINER] = "container",
	[IG_STEP_POLL] = "poll",
	[IG_STEP_QUOTA] = "quota",
	[IG_STEP_PUBLISH] = "publish",
	[IG_STEP_CONFIRM] = "confirm",
	[IG_STEP_LOOKUP] = "lookup",
	[IG_STEP_PERMALINK] = "permalink",
};

static int
parse(const char *const *names, int n, const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *
ig_flavor_name(enum ig_flavor f)
{
	return (unsigned)f < IG_FLAVOR__MAX ? flavors[f] : flavors[0];
}

int
ig_flavor_parse(const char *s, enum ig_flavor *out)
{
	int	i = parse(flavors, IG_FLAVOR__MAX, s);

	if (i >= 0)
		*out = (enum ig_flavor)i;
	return i >= 0;
}

const char *
ig_token_kind_name(enum ig_token_kind k)
{
	return (unsigned)k < IG_TOKEN__MAX ? token_kinds[k] : token_kinds[0];
}

int
ig_token_kind_parse(const char *s, enum ig_token_kind *out)
{
	int	i = parse(token_kinds, IG_TOKEN__MAX, s);

	if (i >= 0)
		*out = (enum ig_token_kind)i;
	return i >= 0;
}

const char *
ig_status_name(enum ig_status st)
{
	return (unsigned)st < IG_STATUS__MAX ? statuses[st] : statuses[0];
}

int
ig_status_parse(const char *s, enum ig_status *out)
{
	int	i = parse(statuses, IG_STATUS__MAX, s);

	if (i >= 0)
		*out = (enum ig_status)i;
	return i >= 0;
}

const char *
ig_pub_status_name(enum ig_pub_status st)
{
	return (unsigned)st < IG_PUB__MAX ? pub_statuses[st] : pub_statuses[0];
}

int
ig_pub_status_parse(const char *s, enum ig_pub_status *out)
{
	int	i = parse(pub_statuses, IG_PUB__MAX, s);

	if (i >= 0)
		*out = (enum ig_pub_status)i;
	return i >= 0;
}

const char *
ig_step_name(enum ig_step st)
{
	return (unsigned)st < IG_STEP__MAX ? pub_steps[st] : pub_steps[0];
}

int
ig_step_parse(const char *s, enum ig_step *out)
{
	int	i = parse(pub_steps, IG_STEP__MAX, s != NULL ? s : "");

	if (i >= 0)
		*out = (enum ig_step)i;
	return i >= 0;
}
