/* SPDX-License-Identifier: ISC */
/*
 * post.c: a request to publish, checked before anything reaches Meta
 * (publishing docs) and rewritten into one canonical JSON object: known
 * members only, in one order, defaults filled in.  The canonical form is
 * what a job stores, what its idempotency hash covers, and what the
 * steps read back.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ig.h"

#define MAX_CAPTION	2200	/* characters */
#define MAX_HASHTAGS	30
#define MAX_MENTIONS	20
#define MAX_ALT_TEXT	1000
#define MAX_CHILDREN	10
#define MIN_CHILDREN	2
#define MAX_USER_TAGS	20
#define MAX_COLLABS	3
#define MAX_AHEAD	(75L * 86400)	/* how far publishAt may be */

static const char *const media_types[] = {
	"IMAGE", "REELS", "STORIES", "CAROUSEL", NULL
};

/* 1 if "s" starts with a UUID in PostgreSQL's output form. */
static int
is_uuid(const char *s)
{
	size_t	i;

	for (i = 0; i < IG_UUID_LEN; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

enum ig_pub_path
ig_pub_path_parse(const char *uri, char id[IG_UUID_LEN + 1])
{
	size_t	n = sizeof(IG_PUB_COLLECTION) - 1;

	id[0] = '\0';
	if (strncmp(uri, IG_PUB_COLLECTION, n) != 0)
		return IG_PUB_PATH_BAD;
	uri += n;
	if (*uri == '\0' || *uri == '?')
		return IG_PUB_PATH_COLLECTION;
	/* The id ends the path; a query after it is not part of it. */
	if (*uri++ != '/' || !is_uuid(uri) || (uri[IG_UUID_LEN] != '\0' &&
	    uri[IG_UUID_LEN] != '?'))
		return IG_PUB_PATH_BAD;
	memcpy(id, uri, IG_UUID_LEN);
	id[IG_UUID_LEN] = '\0';
	return IG_PUB_PATH_JOB;
}

static enum ig_err
bad(char *why, size_t sz, const char *msg)
{
	(void)snprintf(why, sz, "%s", msg);
	return IG_EINPUT;
}

/* The same for a message about member "name". */
static enum ig_err
bad_member(char *why, size_t sz, const char *name, const char *msg)
{
	(void)snprintf(why, sz, "\"%s\" %s", name, msg);
	return IG_EINPUT;
}

/* Characters (code points) of valid UTF-8 "s". */
static size_t
chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Words starting with "mark" (# or @) followed by a word character. */
static size_t
marks(const char *s, char mark)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (*s == mark && (s[1] == '_' || (s[1] >= '0' && s[1] <= '9') ||
		    (s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z') ||
		    ((unsigned char)s[1] & 0x80)))
			n++;
	return n;
}

/* Only the members named in "keys" (NULL-terminated) may be in "o". */
static enum ig_err
only(const json_t *o, const char *const *keys, const char *where, char *why,
    size_t sz)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			(void)snprintf(why, sz, "unknown member \"%.64s\"%s", k,
			    where);
			return IG_EINPUT;
		}
	}
	return IG_OK;
}

/* A text member: absent, or a string of valid UTF-8 within "max". */
static enum ig_err
text(const json_t *o, const char *name, size_t max, json_t *out, char *why,
    size_t sz)
{
	const json_t	*v = json_object_get(o, name);

	if (v == NULL || json_is_null(v))
		return IG_OK;
	if (!json_is_string(v) || !ig_valid_utf8(json_string_value(v),
	    json_string_length(v)) || chars(json_string_value(v)) > max)
		return bad_member(why, sz, name, "must be text within its "
		    "limit");
	return json_object_set(out, name, (json_t *)v) == 0 ? IG_OK :
	    IG_ENOMEM;
}

/* A media URL member: https, public host, no credentials. */
static enum ig_err
media_url(const json_t *o, const char *name, json_t *out, char *why,
    size_t sz)
{
	const json_t	*v = json_object_get(o, name);
	char		 reason[128];

	if (v == NULL || json_is_null(v))
		return IG_OK;
	if (!json_is_string(v))
		return bad_member(why, sz, name, "must be a URL");
	if (!ig_url_public(json_string_value(v), reason, sizeof(reason))) {
		(void)snprintf(why, sz, "\"%s\": %s", name, reason);
		return IG_EINPUT;
	}
	return json_object_set(out, name, (json_t *)v) == 0 ? IG_OK :
	    IG_ENOMEM;
}

static enum ig_err
caption(const json_t *o, json_t *out, char *why, size_t sz)
{
	const char	*c = json_string_value(json_object_get(o, "caption"));
	enum ig_err	 er;

	if ((er = text(o, "caption", MAX_CAPTION, out, why, sz)) != IG_OK ||
	    c == NULL)
		return er;
	if (marks(c, '#') > MAX_HASHTAGS)
		return bad(why, sz, "a caption has at most 30 hashtags");
	if (marks(c, '@') > MAX_MENTIONS)
		return bad(why, sz, "a caption has at most 20 @-mentions");
	return IG_OK;
}

/* Exactly one of imageUrl and videoUrl, as "kinds" allows. */
static enum ig_err
one_medium(const json_t *o, int image_ok, int video_ok, json_t *out,
    const char *where, char *why, size_t sz)
{
	int		 img = json_is_string(json_object_get(o, "imageUrl"));
	int		 vid = json_is_string(json_object_get(o, "videoUrl"));
	enum ig_err	 er;

	if (img + vid != 1 || (img && !image_ok) || (vid && !video_ok)) {
		(void)snprintf(why, sz, "%s needs %s", where, image_ok &&
		    video_ok ? "exactly one of imageUrl and videoUrl" :
		    image_ok ? "imageUrl" : "videoUrl");
		return IG_EINPUT;
	}
	if ((er = media_url(o, "imageUrl", out, why, sz)) != IG_OK)
		return er;
	return media_url(o, "videoUrl", out, why, sz);
}

static enum ig_err
children(const json_t *o, json_t *out, char *why, size_t sz)
{
	static const char *const keys[] = { "imageUrl", "videoUrl", "altText",
	    NULL };
	const json_t	*kids = json_object_get(o, "children");
	json_t		*arr, *one, *v;
	size_t		 i;
	enum ig_err	 er;

	if (!json_is_array(kids) || json_array_size(kids) < MIN_CHILDREN ||
	    json_array_size(kids) > MAX_CHILDREN)
		return bad(why, sz, "a carousel has 2 to 10 children");
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(out, "children", arr) != 0)
		return IG_ENOMEM;
	json_array_foreach(kids, i, v) {
		if (!json_is_object(v))
			return bad(why, sz, "each child is an object");
		if ((er = only(v, keys, " in a child (children carry no "
		    "caption)", why, sz)) != IG_OK)
			return er;
		if ((one = json_object()) == NULL ||
		    json_array_append_new(arr, one) != 0)
			return IG_ENOMEM;
		if ((er = one_medium(v, 1, 1, one, "a child", why, sz)) !=
		    IG_OK || (er = text(v, "altText", MAX_ALT_TEXT, one, why,
		    sz)) != IG_OK)
			return er;
	}
	return IG_OK;
}

/* publishAt: ISO 8601 UTC, after "now", at most 75 days ahead. */
static enum ig_err
publish_at(const json_t *o, time_t now, json_t *out, time_t *at,
    char *why, size_t sz)
{
	const json_t	*v = json_object_get(o, "publishAt");
	time_t		 t;

	*at = 0;
	if (v == NULL || json_is_null(v))
		return IG_OK;
	if (!json_is_string(v) || (t = ig_iso8601_parse(json_string_value(v))) == -1)
		return bad(why, sz, "\"publishAt\" must be ISO 8601 UTC, "
		    "as 2026-12-24T18:00:00Z");
	if (t <= now)
		return bad(why, sz, "\"publishAt\" is in the past");
	if (t - now > MAX_AHEAD)
		return bad(why, sz, "\"publishAt\" is more than 75 days "
		    "ahead");
	*at = t;
	return json_object_set(out, "publishAt", (json_t *)v) == 0 ? IG_OK :
	    IG_ENOMEM;
}

/* The optional members Meta takes as they are, checked for their type. */
static enum ig_err
extras(const json_t *o, const char *type, json_t *out, char *why, size_t sz)
{
	const json_t	*v;
	size_t		 i;
	json_t		*e;
	enum ig_err	 er;

	if ((v = json_object_get(o, "locationId")) != NULL && (!json_is_string(v)
	    || json_string_length(v) > 30 || !ig_valid_digits(
	    json_string_value(v), json_string_length(v))))
		return bad(why, sz, "\"locationId\" is a Page id (digits)");
	if ((v = json_object_get(o, "thumbOffset")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad(why, sz, "\"thumbOffset\" is milliseconds (a "
		    "whole number)");
	if ((v = json_object_get(o, "shareToFeed")) != NULL &&
	    !json_is_boolean(v))
		return bad(why, sz, "\"shareToFeed\" is true or false");
	if ((v = json_object_get(o, "collaborators")) != NULL &&
	    (!json_is_array(v) || json_array_size(v) > MAX_COLLABS))
		return bad(why, sz, "\"collaborators\" is a list of at "
		    "most 3 usernames");
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > 30)
			return bad(why, sz, "each collaborator is a "
			    "username");
	if ((v = json_object_get(o, "userTags")) != NULL &&
	    (!json_is_array(v) || json_array_size(v) > MAX_USER_TAGS))
		return bad(why, sz, "\"userTags\" is a list of at most 20 "
		    "{username, x, y}");
	json_array_foreach(v, i, e)
		if (!json_is_object(e) || !json_is_string(json_object_get(e,
		    "username")) || json_string_length(json_object_get(e,
		    "username")) > 30)
			return bad(why, sz, "each user tag has a username");
	if (strcmp(type, "REELS") != 0 && (json_object_get(o, "coverUrl") !=
	    NULL || json_object_get(o, "shareToFeed") != NULL))
		return bad(why, sz, "\"coverUrl\" and \"shareToFeed\" are "
		    "for REELS");
	if ((er = media_url(o, "coverUrl", out, why, sz)) != IG_OK)
		return er;
	for (i = 0; i < 5; i++) {
		static const char *const names[] = { "locationId",
		    "thumbOffset", "shareToFeed", "collaborators", "userTags" };

		if ((v = json_object_get(o, names[i])) != NULL &&
		    json_object_set(out, names[i], (json_t *)v) != 0)
			return IG_ENOMEM;
	}
	return IG_OK;
}

enum ig_err
ig_post_check(const json_t *body, time_t now, json_t **out, time_t *at,
    char *why, size_t sz)
{
	/* userId: the seeds' front ends name the caller in every body. */
	static const char *const keys[] = { "mediaType", "imageUrl",
	    "videoUrl", "caption", "altText", "children", "coverUrl",
	    "thumbOffset", "shareToFeed", "locationId", "userTags",
	    "collaborators", "publishAt", "idempotencyKey", "userId",
	    "user_id", NULL };
	const json_t	*v;
	const char	*type = "IMAGE";
	json_t		*o;
	size_t		 i;
	enum ig_err	 er;

	*out = NULL;
	why[0] = '\0';
	if (!json_is_object(body))
		return bad(why, sz, "expected a JSON object");
	if ((er = only(body, keys, "", why, sz)) != IG_OK)
		return er;
	if ((v = json_object_get(body, "mediaType")) != NULL) {
		for (i = 0; media_types[i] != NULL; i++)
			if (json_is_string(v) &&
			    strcmp(json_string_value(v), media_types[i]) == 0)
				break;
		if (media_types[i] == NULL)
			return bad(why, sz, "\"mediaType\" is IMAGE, "
			    "REELS, STORIES or CAROUSEL");
		type = media_types[i];
	}
	if ((o = json_pack("{s:s}", "mediaType", type)) == NULL)
		return IG_ENOMEM;
	if (strcmp(type, "CAROUSEL") == 0) {
		if (json_object_get(body, "imageUrl") != NULL ||
		    json_object_get(body, "videoUrl") != NULL)
			er = bad(why, sz, "a carousel's media are its "
			    "children");
		else
			er = children(body, o, why, sz);
	} else if (json_object_get(body, "children") != NULL)
		er = bad(why, sz, "only a CAROUSEL has children");
	else
		er = one_medium(body, strcmp(type, "REELS") != 0,
		    strcmp(type, "IMAGE") != 0, o, type, why, sz);
	if (er == IG_OK && strcmp(type, "STORIES") == 0 &&
	    json_object_get(body, "caption") != NULL)
		er = bad(why, sz, "a story has no caption");
	if (er == IG_OK)
		er = caption(body, o, why, sz);
	if (er == IG_OK)
		er = text(body, "altText", MAX_ALT_TEXT, o, why, sz);
	if (er == IG_OK)
		er = extras(body, type, o, why, sz);
	if (er == IG_OK)
		er = publish_at(body, now, o, at, why, sz);
	if (er != IG_OK) {
		json_decref(o);
		return er;
	}
	*out = o;
	return IG_OK;
}
