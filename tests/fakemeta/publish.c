/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: content publishing (publishing docs): containers, status
 * polling, media_publish with its 9007 (not ready) and 9 (24 h quota)
 * errors, and content_publishing_limit.  The owner of /{IG_ID}/... must
 * be the token's account, through either login flavor.
 *
 * "Meta's processing" is picked by the media URL, as the fake account
 * is picked on the login page: images are ready at once, videos after
 * FM_VIDEO_SECS of fake time, "fake_secs=N" in the URL makes it N
 * seconds, "fake_slow" makes anything slow, "fake_error[=SUBCODE]" ends
 * in ERROR and "fake_expire" in EXPIRED.  Published media are read back
 * through /{media-id} and the user's media edge, as a client that lost
 * media_publish's answer would.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

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

/*
 * May the caller's token read account's containers and media?  0, or
 * -1 after answering as Graph does for an object it cannot see.
 */
static int
visible(struct fm_call *c, long long account)
{
	struct fm_token	 t;
	const char	*str;

	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return -1;
	if (t.kind == FM_TOK_FB_USER || t.kind == FM_TOK_FB_PAGE ?
	    fm_fb_visible_ig(&t, account) == 0 : t.grant.account != account) {
		fm_no_object(c);
		return -1;
	}
	return 0;
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

	for (; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		if (len == 0 || len >= sizeof(id) ||
		    ct->nchildren == FM_CHILDREN_MAX)
			goto bad;
		memcpy(id, p, len);
		id[len] = '\0';
		if (fm_parse_ll(id, 1, LLONG_MAX, &v) == -1 ||
		    fm_container_get(v, &ch) == -1 || ch.account != n ||
		    !ch.is_item)
			goto bad;
		/* The album is ready, failed or expired with its items. */
		if (ch.ready > ct->ready)
			ct->ready = ch.ready;
		if (ch.expires < ct->expires)
			ct->expires = ch.expires;
		if (ct->failed == 0)
			ct->failed = ch.failed;
		ct->children[ct->nchildren++] = v;
	}
	if (ct->nchildren >= 2)
		return 0;
bad:
	bad_param(c, "(#100) The parameter children must list 2 to 10 "
	    "carousel item container ids of this user");
	return -1;
}

/* The value of knob name=V in url, or NULL; "" when it has no value. */
static const char *
url_knob(const char *url, const char *name)
{
	const char	*p = url;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		p += n;
		if (*p == '=')
			return p + 1;
		if (*p == '\0' || *p == '&' || *p == '#')
			return "";
	}
	return NULL;
}

/*
 * Meta's processing of the media at url, from its knobs: sets ready,
 * expires and failed.  0, or -1 after answering.
 */
static int
processing(struct fm_call *c, const char *url, int is_video,
    struct fm_container *ct)
{
	const char	*v;
	char		 num[16];
	long long	 secs = is_video ? FM_VIDEO_SECS : 0, sub = 2207003;
	size_t		 n;

	if (strstr(url, "fake_slow") != NULL)
		secs = FM_VIDEO_SECS;
	if ((v = url_knob(url, "fake_secs")) != NULL) {
		n = strspn(v, "0123456789");
		if (n == 0 || n >= sizeof(num))
			goto bad;
		memcpy(num, v, n);
		num[n] = '\0';
		if (fm_parse_ll(num, 0, 10LL * FM_CONTAINER_TTL, &secs) == -1)
			goto bad;
	}
	ct->ready = ct->created + (time_t)secs;
	if ((v = url_knob(url, "fake_error")) != NULL) {
		/* A subcode of Meta's error-codes page, if one is named (C.2). */
		n = strspn(v, "0123456789");
		if (n > 0 && n < sizeof(num)) {
			memcpy(num, v, n);
			num[n] = '\0';
			if (fm_parse_ll(num, 1, 99999999, &sub) == -1)
				goto bad;
		}
		ct->failed = sub;
	}
	if (url_knob(url, "fake_expire") != NULL)
		ct->expires = ct->created;
	return 0;
bad:
	bad_param(c, "(#100) fake_secs and fake_error take a number "
	    "(fakemeta)");
	return -1;
}

/* UTF-8 characters in s. */
static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * A JSON array parameter (user_tags, collaborators): Graph takes it as
 * JSON text in the query or a form, or as the array in a JSON body
 * (http.c passes that on as its text).  A new array, or NULL.
 */
static json_t *
json_param(const char *v)
{
	json_t	*j;

	if ((j = json_loads(v, JSON_DECODE_ANY, NULL)) != NULL &&
	    !json_is_array(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * The optional fields of D.1, loosely typed as Graph types them: what a
 * client gets wrong in type gets a (#100).  The wording is ours
 * (Meta documents none).  0, or -1 after answering.
 */
static int
optional_fields(struct fm_call *c, struct fm_container *ct)
{
	const char	*v;
	json_t		*a, *e;
	size_t		 i;
	long long	 x;
	int		 ok;

	if ((v = fm_param(c->req, "caption")) != NULL) {
		if (ct->is_item) {
			bad_param(c, "(#100) The parameter caption is not "
			    "supported for carousel items");
			return -1;
		}
		if (utf8_chars(v) > FM_CAPTION_MAX ||
		    strlen(v) >= sizeof(ct->caption)) {
			bad_param(c, "(#100) The caption cannot be longer "
			    "than 2200 characters");
			return -1;
		}
		memcpy(ct->caption, v, strlen(v) + 1);
	}
	if ((v = fm_param(c->req, "thumb_offset")) != NULL &&
	    fm_parse_ll(v, 0, LLONG_MAX, &x) == -1) {
		bad_param(c, "(#100) Param thumb_offset must be a "
		    "non-negative integer (milliseconds)");
		return -1;
	}
	if ((v = fm_param(c->req, "share_to_feed")) != NULL &&
	    strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
		bad_param(c, "(#100) Param share_to_feed must be a boolean");
		return -1;
	}
	if ((v = fm_param(c->req, "location_id")) != NULL &&
	    fm_parse_ll(v, 1, LLONG_MAX, &x) == -1) {
		bad_param(c, "(#100) Param location_id must be a valid "
		    "Page id");
		return -1;
	}
	if ((v = fm_param(c->req, "cover_url")) != NULL &&
	    strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		bad_param(c, "(#100) Param cover_url must be a URL");
		return -1;
	}
	if ((v = fm_param(c->req, "user_tags")) != NULL) {
		ok = (a = json_param(v)) != NULL;
		json_array_foreach(a, i, e)
			ok &= json_is_string(json_object_get(e, "username"));
		json_decref(a);
		if (!ok) {
			bad_param(c, "(#100) Param user_tags must be an array "
			    "of objects with a username");
			return -1;
		}
	}
	if ((v = fm_param(c->req, "collaborators")) != NULL) {
		ok = (a = json_param(v)) != NULL && json_array_size(a) <= 3;
		json_array_foreach(a, i, e)
			ok &= json_is_string(e);
		json_decref(a);
		if (!ok) {
			bad_param(c, "(#100) Param collaborators must be an "
			    "array of up to 3 usernames");
			return -1;
		}
	}
	return 0;
}

/* POST /{IG_ID}/media (D.1). */
void
fm_pub_media(struct fm_call *c)
{
	struct fm_container	*ct;
	struct fm_gerr		 g;
	const char		*image, *video, *type, *item, *kids, *url;
	char			 id[FM_IDLEN];
	long long		 n;
	int			 is_video;

	if (owner(c, 1, &n) == -1)
		return;
	image = fm_param(c->req, "image_url");
	video = fm_param(c->req, "video_url");
	type = fm_param(c->req, "media_type");
	item = fm_param(c->req, "is_carousel_item");
	kids = fm_param(c->req, "children");
	ct = fm_xcalloc(1, sizeof(*ct));
	ct->account = n;
	ct->is_item = item != NULL && strcmp(item, "true") == 0;
	ct->created = ct->ready = fm_now();
	ct->expires = ct->created + FM_CONTAINER_TTL;
	ct->product = "FEED";

	if (type != NULL && strcmp(type, "CAROUSEL") == 0) {
		ct->media_type = "CAROUSEL_ALBUM";
		if (ct->is_item)
			bad_param(c, "(#100) A carousel cannot be a carousel "
			    "item");
		else if (kids == NULL)
			bad_param(c, "(#100) The parameter children is "
			    "required");
		else if (children(c, kids, n, ct) == 0 &&
		    optional_fields(c, ct) == 0)
			goto make;
		goto out;
	}
	if (type == NULL)
		is_video = 0;
	else if (strcmp(type, "REELS") == 0) {
		is_video = 1;
		ct->product = "REELS";
	} else if (strcmp(type, "STORIES") == 0) {
		/* Business accounts only on Facebook Login (D.5): all are. */
		is_video = video != NULL;
		ct->product = "STORY";
	} else if (strcmp(type, "VIDEO") == 0 && ct->is_item)
		is_video = 1;
	else {
		bad_param(c, "(#100) Param media_type must be one of "
		    "{CAROUSEL, REELS, STORIES, VIDEO (carousel items only)}");
		goto out;
	}
	ct->media_type = is_video ? "VIDEO" : "IMAGE";
	url = is_video ? video : image;
	if (url == NULL) {
		bad_param(c, is_video ? "(#100) The parameter video_url is "
		    "required" : "(#100) The parameter image_url is required");
		goto out;
	}
	/* Meta must fetch the media from a public URL (D). */
	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) {
		memset(&g, 0, sizeof(g));
		g.code = 9004;
		g.subcode = 2207052;
		g.message = "(#9004) The media could not be fetched from "
		    "this uri";
		g.transient = -1;
		g.user_title = "Media download has failed.";
		fm_graph_error(c->resp, &g);
		goto out;
	}
	if (processing(c, url, is_video, ct) == -1 ||
	    optional_fields(c, ct) == -1)
		goto out;
make:
	fm_idstr(fm_container_new(ct), id);
	fm_graph_ok(c->resp, json_pack("{s:s}", "id", id));
out:
	free(ct);
}

static const char *const container_fields[] = {
	"id", "status_code", "status", NULL
};

/*
 * GET /{container-id}?fields=status_code,status (D.2).  Only
 * "Published: ..." is a recorded status text (appendix 12); the others
 * are ours, ERROR's naming the failure's subcode as D.2 says it does
 * (the exact wording UNCONFIRMED).
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
		NULL,
		"Expired: Media was not published within 24 hours."
	};
	json_t		*j;
	char		 id[FM_IDLEN], err[96];
	unsigned	 m;
	enum fm_cstatus	 st;

	if (visible(c, ct->account) == -1)
		return;
	if (fm_fields(c, container_fields, "id", "ShadowIGMediaBuilder",
	    &m) == -1)
		return;
	st = fm_container_status(ct, fm_now());
	fm_msgf(err, sizeof(err), "Error: Media upload has failed with "
	    "error code %lld.", ct->failed);
	if ((j = json_object()) == NULL)
		return;
	if (m & 1U << 2)
		json_object_set_new(j, "status", json_string(
		    st == FM_CS_ERROR ? err : text[st]));
	if (m & 1U << 1)
		json_object_set_new(j, "status_code", json_string(code[st]));
	fm_idstr(ct->id, id);
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	fm_graph_ok(c->resp, j);
}

/*
 * Count a media_publish request for the account its path names (an
 * IG_ID, or "me" with a known Instagram token), before any fault or
 * check: tests use it to prove how often a client tried to publish.
 */
void
fm_pub_count_call(struct fm_call *c)
{
	struct fm_token	 t;
	const char	*tok;
	long long	 n;

	if (strcmp(c->node, "me") == 0)
		n = (tok = fm_req_token(c->req)) != NULL &&
		    fm_token_get(tok, &t) == 0 && t.grant.flavor == FM_IG ?
		    t.grant.account : 0;
	else
		n = fm_account_by_ig_id(c->node);
	if (n != 0)
		fm_publish_call(n);
}

/* POST /{IG_ID}/media_publish?creation_id= (D.3, D.4). */
void
fm_pub_publish(struct fm_call *c)
{
	struct fm_gerr	 g;
	const char	*cid;
	char		 id[FM_IDLEN];
	long long	 n, v, media;

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
	switch (fm_publish(v, n, fm_now(), &media)) {
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
		/*
		 * A second publish of one container makes no second post;
		 * what Meta answers is UNCONFIRMED (D.3 records nothing).
		 */
		g.code = 100;
		g.message = "(#100) Invalid parameter";
		g.user_msg = "The media container has already been "
		    "published.";
		break;
	case FM_PUB_NOTREADY:
		/* The recorded dump (appendix 14), for ERROR too. */
		g.code = 9007;
		g.subcode = 2207027;
		g.message = "Media ID is not available";
		g.user_title = "Cannot Publish";
		g.user_msg = "The media is not ready for publishing, please "
		    "wait for a moment";
		break;
	case FM_PUB_EXPIRED:
		/*
		 * C.2 lists -2/2207020 among the expired-container errors;
		 * the wording is UNCONFIRMED.
		 */
		g.code = -2;
		g.subcode = 2207020;
		g.message = "The media you are trying to access has expired. "
		    "Please try to upload again.";
		g.user_title = "Media expired";
		g.user_msg = "The media container was not published within "
		    "24 hours. Create a new container.";
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

/*
 * GET /{IG_ID}/content_publishing_limit (D.4): posts of the last 24 h
 * (or since "since"), and the total tests set, never a constant.
 */
void
fm_pub_limit(struct fm_call *c)
{
	const char	*since;
	json_t		*d;
	long long	 n, v = 0;
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
		    json_integer(fm_quota_usage(n, fm_now(), (time_t)v)));
	if (m & 1U << 1)
		json_object_set_new(d, "config", json_pack("{s:i, s:i}",
		    "quota_total", fm_quota_total(),
		    "quota_duration", FM_QUOTA_WINDOW));
	fm_graph_ok(c->resp, json_pack("{s:[o]}", "data", d));
}

/* An IG media shortcode: the media id in Instagram's base64 alphabet. */
static void
shortcode(long long id, char out[16])
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char			 rev[16];
	size_t			 n = 0, i;

	do {
		rev[n++] = al[id % 64];
		id /= 64;
	} while (id > 0 && n < sizeof(rev) - 1);
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

static const char *const media_fields[] = {
	"id", "caption", "media_type", "media_product_type", "permalink",
	"shortcode", "timestamp", "username", NULL
};

/* One published media with the fields of mask m, in that order. */
static json_t *
media_json(const struct fm_container *ct, unsigned m)
{
	struct fm_account	 a;
	struct tm		 tm;
	json_t			*j;
	char			 id[FM_IDLEN], code[16], ts[32], link[160];

	if ((j = json_object()) == NULL)
		return NULL;
	fm_account_get(ct->account, &a);
	fm_idstr(ct->media_id, id);
	shortcode(ct->media_id, code);
	gmtime_r(&ct->published, &tm);
	if (strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S+0000", &tm) == 0)
		ts[0] = '\0';
	if (strcmp(ct->product, "STORY") == 0)
		fm_msgf(link, sizeof(link), "https://www.instagram.com/"
		    "stories/%s/%s/", a.username, id);
	else
		fm_msgf(link, sizeof(link), "https://www.instagram.com/%s/%s/",
		    strcmp(ct->product, "REELS") == 0 ? "reel" : "p", code);
	/* Graph omits what has no value (0.3.3): an empty caption. */
	if (m & 1U << 1 && ct->caption[0] != '\0')
		json_object_set_new(j, "caption", json_string(ct->caption));
	if (m & 1U << 2)
		json_object_set_new(j, "media_type",
		    json_string(ct->media_type));
	if (m & 1U << 3)
		json_object_set_new(j, "media_product_type",
		    json_string(ct->product));
	if (m & 1U << 4)
		json_object_set_new(j, "permalink", json_string(link));
	if (m & 1U << 5)
		json_object_set_new(j, "shortcode", json_string(code));
	if (m & 1U << 6)
		json_object_set_new(j, "timestamp", json_string(ts));
	if (m & 1U << 7)
		json_object_set_new(j, "username", json_string(a.username));
	if (m & 1U << 0)
		json_object_set_new(j, "id", json_string(id));
	return j;
}

/* GET /{media-id}: a published media (the IG Media node). */
void
fm_pub_media_node(struct fm_call *c, const struct fm_container *ct)
{
	unsigned	 m;

	if (visible(c, ct->account) == -1 ||
	    fm_fields(c, media_fields, "id", "IGMedia", &m) == -1)
		return;
	fm_graph_ok(c->resp, media_json(ct, m));
}

/* A paging cursor of the media edge: base64 of the media id (opaque). */
static void
media_cursor(long long id, char out[32])
{
	char	 s[FM_IDLEN];

	fm_idstr(id, s);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)strlen(s));
}

/* Index in ids[] (newest first) of the media a cursor names, or -1. */
static long long
cursor_index(const char *s, const long long *ids, size_t n)
{
	unsigned char	 buf[FM_IDLEN + 4];
	size_t		 len = strlen(s), i;
	long long	 v;
	int		 k;

	if (len == 0 || len > 28 || len % 4 != 0 ||
	    (k = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len)) < 0)
		return -1;
	while (k > 0 && buf[k - 1] == '\0')
		k--;		/* EVP_DecodeBlock keeps the padding */
	buf[k] = '\0';
	if (fm_parse_ll((char *)buf, 1, LLONG_MAX, &v) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (ids[i] == v)
			return (long long)i;
	return -1;
}

/*
 * paging.next or previous of the media edge: an absolute URL back to
 * this fake with the call's token, proof, fields and limit.
 */
static json_t *
media_page_url(struct fm_call *c, long long limit, const char *dir,
    const char *cur)
{
	static const char *const keep[] = {
		"access_token", "fields", "appsecret_proof", NULL
	};
	struct fm_buf	 b;
	const char	*v;
	json_t		*j = NULL;
	size_t		 i;
	int		 rc;

	fm_buf_init(&b, FM_MAX_HEAD);
	rc = fm_buf_adds(&b, fm_cfg->base_url);
	rc |= fm_buf_adds(&b, c->req->path);
	rc |= fm_buf_addf(&b, "?limit=%lld&%s=", limit, dir);
	rc |= fm_pct_encode(&b, cur);
	for (i = 0; keep[i] != NULL; i++)
		if ((v = fm_param(c->req, keep[i])) != NULL) {
			rc |= fm_buf_addf(&b, "&%s=", keep[i]);
			rc |= fm_pct_encode(&b, v);
		}
	if (rc == 0)
		j = json_string(b.p);
	fm_buf_free(&b);
	return j;
}

/*
 * GET /{IG_ID}/media: the user's media edge, newest first, limit (25
 * by default, at most 100) at a time from the after or before cursor.
 * Only media published through this fake are listed.
 */
void
fm_pub_user_media(struct fm_call *c)
{
	struct fm_container	*ct;
	const char		*v;
	json_t			*data, *paging;
	char			 first[32], last[32];
	long long		*ids, limit = FM_PAGE_LIMIT, n, from, to, i, k;
	unsigned		 m;

	if (owner(c, 0, &n) == -1 ||
	    fm_fields(c, media_fields, "id", "IGMedia", &m) == -1)
		return;
	if ((v = fm_param(c->req, "limit")) != NULL &&
	    fm_parse_ll(v, 1, LLONG_MAX, &limit) == -1) {
		bad_param(c, "(#100) limit must be a positive integer");
		return;
	}
	if (limit > FM_PAGE_MAXLIM)
		limit = FM_PAGE_MAXLIM;
	k = (long long)fm_media_ids(n, &ids);
	/* Newest first. */
	for (i = 0; i < k / 2; i++) {
		from = ids[i];
		ids[i] = ids[k - 1 - i];
		ids[k - 1 - i] = from;
	}
	from = 0;
	to = k < limit ? k - 1 : limit - 1;
	if ((v = fm_param(c->req, "after")) != NULL ||
	    (v = fm_param(c->req, "before")) != NULL) {
		if ((i = cursor_index(v, ids, (size_t)k)) == -1) {
			bad_param(c, "(#100) The cursor is invalid");
			free(ids);
			return;
		}
		if (fm_param(c->req, "after") != NULL) {
			from = i + 1;
			to = i + limit < k ? i + limit : k - 1;
		} else {
			from = i - limit > 0 ? i - limit : 0;
			to = i - 1;
		}
	}
	ct = fm_xmalloc(sizeof(*ct));
	if ((data = json_array()) == NULL)
		goto out;
	for (i = from; i <= to; i++)
		if (fm_media_get(ids[i], ct) == 0)
			json_array_append_new(data, media_json(ct, m));
	if (from > to) {
		fm_graph_ok(c->resp, json_pack("{s:o}", "data", data));
		goto out;
	}
	media_cursor(ids[from], first);
	media_cursor(ids[to], last);
	paging = json_pack("{s:{s:s, s:s}}", "cursors", "before", first,
	    "after", last);
	if (paging != NULL && from > 0)
		json_object_set_new(paging, "previous",
		    media_page_url(c, limit, "before", first));
	if (paging != NULL && to < k - 1)
		json_object_set_new(paging, "next",
		    media_page_url(c, limit, "after", last));
	fm_graph_ok(c->resp, json_pack("{s:o, s:o*}", "data", data,
	    "paging", paging));
out:
	free(ct);
	free(ids);
}
