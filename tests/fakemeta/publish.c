/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: content publishing (graph-api.md D): containers, status
 * polling, media_publish with its 9007 (not ready) and 9 (24 h quota)
 * errors, and content_publishing_limit.  The owner of /{IG_ID}/... must
 * be the token's account, through either login flavor.
 *
 * "Meta's processing" is picked by the media URL, as the fake account
 * is picked on the login page: images are ready at once, videos after
 * FM_VIDEO_SECS of fake time, a URL containing "fake_slow" is slow
 * whatever it is and one containing "fake_error" ends in ERROR.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fakemeta.h"

static void
no_permission(struct fm_call *c)
{
	fm_graph_fail(c->resp, 10, "OAuthException",
	    "(#10) Application does not have permission for this action");
}

/*
 * Resolve the account named by the path ("me" or an IG_ID) for the
 * caller's token.  publish: the token must be allowed to publish.
 * 0 and *n set, or -1 after answering.
 */
static int
owner(struct fm_call *c, int publish, long long *n)
{
	struct fm_token	 t;
	const char	*str;
	unsigned	 need;

	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return -1;
	if (t.kind == FM_TOK_IG_SHORT || t.kind == FM_TOK_IG_LONG) {
		*n = strcmp(c->node, "me") == 0 ? t.grant.account :
		    fm_account_by_ig_id(c->node);
		need = fm_scope_bit(publish ?
		    "instagram_business_content_publish" :
		    "instagram_business_basic");
		if (*n != t.grant.account) {
			fm_no_object(c);
			return -1;
		}
	} else {
		*n = fm_fb_visible_ig(&t, fm_account_by_ig_id(c->node));
		need = fm_scope_bit(publish ? "instagram_content_publish" :
		    "instagram_basic");
		if (*n == 0) {
			fm_no_object(c);
			return -1;
		}
	}
	if (!(t.grant.perms & need)) {
		no_permission(c);
		return -1;
	}
	return 0;
}

static void
bad_param(struct fm_call *c, const char *msg)
{
	fm_graph_fail(c->resp, 100, "OAuthException", msg);
}

/* Carousel children: 2 to 10 carousel items of the same account. */
static int
children(struct fm_call *c, const char *list, long long n,
    struct fm_container *ct)
{
	struct fm_container	 ch;
	char			 id[FM_IDLEN];
	const char		*p = list, *e;
	size_t			 len;
	long long		 v;
	int			 count = 0;

	for (; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		if (len == 0 || len >= sizeof(id))
			goto bad;
		memcpy(id, p, len);
		id[len] = '\0';
		if (fm_parse_ll(id, 1, LLONG_MAX, &v) == -1 ||
		    fm_container_get(v, &ch) == -1 || ch.account != n ||
		    !ch.is_item)
			goto bad;
		if (ch.ready > ct->ready)
			ct->ready = ch.ready;
		ct->failed |= ch.failed;
		count++;
	}
	if (count >= 2 && count <= 10)
		return 0;
bad:
	bad_param(c, "(#100) The parameter children must list 2 to 10 "
	    "carousel item container ids of this user");
	return -1;
}

/* POST /{IG_ID}/media (D.1). */
void
fm_pub_media(struct fm_call *c)
{
	struct fm_container	 ct;
	struct fm_gerr		 g;
	const char		*image, *video, *type, *item, *kids, *url;
	char			 id[FM_IDLEN];
	long long		 n;
	int			 is_video;
	time_t			 now;

	if (owner(c, 1, &n) == -1)
		return;
	image = fm_param(c->req, "image_url");
	video = fm_param(c->req, "video_url");
	type = fm_param(c->req, "media_type");
	item = fm_param(c->req, "is_carousel_item");
	kids = fm_param(c->req, "children");
	memset(&ct, 0, sizeof(ct));
	ct.account = n;
	ct.is_item = item != NULL && strcmp(item, "true") == 0;
	now = fm_now();
	ct.created = ct.ready = now;

	if (type != NULL && strcmp(type, "CAROUSEL") == 0) {
		if (ct.is_item) {
			bad_param(c, "(#100) A carousel cannot be a carousel "
			    "item");
			return;
		}
		if (kids == NULL) {
			bad_param(c, "(#100) The parameter children is "
			    "required");
			return;
		}
		if (children(c, kids, n, &ct) == -1)
			return;
	} else {
		if (type == NULL)
			is_video = 0;
		else if (strcmp(type, "REELS") == 0)
			is_video = 1;
		else if (strcmp(type, "STORIES") == 0)
			is_video = video != NULL;
		else if (strcmp(type, "VIDEO") == 0 && ct.is_item)
			is_video = 1;
		else {
			bad_param(c, "(#100) Param media_type must be one of "
			    "{CAROUSEL, REELS, STORIES, VIDEO (carousel "
			    "items only)}");
			return;
		}
		url = is_video ? video : image;
		if (url == NULL) {
			bad_param(c, is_video ? "(#100) The parameter "
			    "video_url is required" : "(#100) The parameter "
			    "image_url is required");
			return;
		}
		/* Meta must fetch the media from a public URL (D). */
		if (strncmp(url, "https://", 8) != 0 &&
		    strncmp(url, "http://", 7) != 0) {
			memset(&g, 0, sizeof(g));
			g.code = 9004;
			g.subcode = 2207052;
			g.message = "(#9004) The media could not be fetched "
			    "from this uri";
			g.transient = -1;
			g.user_title = "Media download has failed.";
			fm_graph_error(c->resp, &g);
			return;
		}
		if (is_video || strstr(url, "fake_slow") != NULL)
			ct.ready = now + FM_VIDEO_SECS;
		ct.failed = strstr(url, "fake_error") != NULL;
	}
	fm_idstr(fm_container_new(&ct), id);
	fm_graph_ok(c->resp, json_pack("{s:s}", "id", id));
}

static const char *const container_fields[] = {
	"id", "status_code", "status", NULL
};

/*
 * GET /{container-id}?fields=status_code,status (D.2).  Only
 * "Published: ..." is a recorded status text; the others are ours.
 */
void
fm_pub_container(struct fm_call *c, const struct fm_container *ct)
{
	static const char *const code[] = {
		"IN_PROGRESS", "FINISHED", "PUBLISHED", "ERROR", "EXPIRED"
	};
	static const char *const text[] = {
		"In Progress: Media is still being processed.",
		("Finished: Media has been uploaded and it is ready to be "
		    "published."),
		"Published: Media has been successfully published.",
		"Error: Media upload has failed with error code 2207003.",
		"Expired: Media was not published within 24 hours."
	};
	struct fm_token	 t;
	const char	*str;
	json_t		*j;
	char		 id[FM_IDLEN];
	unsigned	 m;
	enum fm_cstatus	 st;

	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return;
	if (t.kind == FM_TOK_FB_USER || t.kind == FM_TOK_FB_PAGE) {
		if (fm_fb_visible_ig(&t, ct->account) == 0) {
			fm_no_object(c);
			return;
		}
	} else if (t.grant.account != ct->account) {
		fm_no_object(c);
		return;
	}
	if (fm_fields(c, container_fields, "id", "ShadowIGMediaBuilder",
	    &m) == -1)
		return;
	st = fm_container_status(ct, fm_now());
	if ((j = json_object()) == NULL)
		return;
	if (m & 1U << 2)
		json_object_set_new(j, "status", json_string(text[st]));
	if (m & 1U << 1)
		json_object_set_new(j, "status_code", json_string(code[st]));
	fm_idstr(ct->id, id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	fm_graph_ok(c->resp, j);
}

/* POST /{IG_ID}/media_publish?creation_id= (D.3, D.4). */
void
fm_pub_publish(struct fm_call *c)
{
	struct fm_gerr	 g;
	const char	*cid;
	char		 id[FM_IDLEN];
	long long	 n, v, media;
	int		 usage;

	if (owner(c, 1, &n) == -1)
		return;
	if ((cid = fm_param(c->req, "creation_id")) == NULL) {
		bad_param(c, "(#100) The parameter creation_id is required");
		return;
	}
	memset(&g, 0, sizeof(g));
	g.transient = -1;
	if (fm_parse_ll(cid, 1, LLONG_MAX, &v) == -1)
		v = 0;
	switch (fm_publish(v, n, fm_now(), &media, &usage)) {
	case FM_PUB_OK:
		fm_idstr(media, id);
		fm_graph_ok(c->resp, json_pack("{s:s}", "id", id));
		return;
	case FM_PUB_UNKNOWN:
		g.code = 100;
		g.message = "(#100) Invalid parameter";
		g.user_msg = "The media container was not found.";
		break;
	case FM_PUB_DONE:
		/* What Meta says for a second publish: UNCONFIRMED. */
		g.code = 100;
		g.message = "(#100) Invalid parameter";
		g.user_msg = "The media container has already been "
		    "published.";
		break;
	case FM_PUB_NOTREADY:
		/* The recorded dump (appendix 14). */
		g.code = 9007;
		g.subcode = 2207027;
		g.message = "Media ID is not available";
		g.user_title = "Cannot Publish";
		g.user_msg = "The media is not ready for publishing, please "
		    "wait for a moment";
		break;
	case FM_PUB_QUOTA:
		g.code = 9;
		g.subcode = 2207042;
		g.message = "Application request limit reached";
		g.user_title = "Max Posts Reached";
		g.user_msg = "You reached maximum number of posts that is "
		    "allowed to be published by Content Publish API.";
		break;
	}
	fm_graph_error(c->resp, &g);
}

static const char *const limit_fields[] = { "quota_usage", "config", NULL };

/* GET /{IG_ID}/content_publishing_limit (D.4). */
void
fm_pub_limit(struct fm_call *c)
{
	const char	*since;
	json_t		*d;
	long long	 n, v;
	unsigned	 m;

	if (owner(c, 0, &n) == -1)
		return;
	if ((since = fm_param(c->req, "since")) != NULL &&
	    fm_parse_ll(since, 0, LLONG_MAX, &v) == -1) {
		bad_param(c, "(#100) Param since must be a unix timestamp");
		return;
	}
	if (fm_fields(c, limit_fields, "quota_usage", "ContentPublishingLimit",
	    &m) == -1)
		return;
	if ((d = json_object()) == NULL)
		return;
	if (m & 1U << 0)
		json_object_set_new(d, "quota_usage",
		    json_integer(fm_quota_usage(n, fm_now())));
	if (m & 1U << 1)
		json_object_set_new(d, "config", json_pack("{s:i, s:i}",
		    "quota_total", FM_QUOTA_TOTAL,
		    "quota_duration", FM_QUOTA_WINDOW));
	fm_graph_ok(c->resp, json_pack("{s:[o]}", "data", d));
}
