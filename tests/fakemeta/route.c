/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: maps a request to a route and runs it.  One server answers
 * for every Meta host; their paths do not collide once the optional
 * /vNN.0 prefix is taken into account (api.instagram.com and
 * graph.instagram.com token paths are unversioned, Facebook Login's are
 * versioned, C.5).  Around each handler: counters, the request log,
 * base latency and scripted faults.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fakemeta.h"

static const char *const names[FM_R__MAX] = {
	"authorize", "code_exchange", "ig_exchange", "refresh", "me",
	"fb_dialog", "fb_code_exchange", "fb_exchange", "fb_accounts",
	"fb_permissions", "debug_token", "node", "media", "media_publish",
	"publishing_limit", "user_media", "unknown", "control"
};

const char *
fm_route_name(enum fm_route r)
{
	return names[r];
}

/* Route for a control API name, FM_R_ANY for "any", or -1. */
int
fm_route_by_name(const char *s)
{
	size_t	 i;

	if (strcmp(s, "any") == 0)
		return FM_R_ANY;
	for (i = 0; i < FM_R__MAX; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Skip a "/v1.0" to "/v99.0" prefix; sets *versioned. */
static const char *
strip_version(const char *path, int *versioned)
{
	size_t	 n = 2;

	*versioned = 0;
	if (path[0] != '/' || path[1] != 'v' || path[2] < '1' ||
	    path[2] > '9')
		return path;
	while (n < 4 && isdigit((unsigned char)path[n]))
		n++;
	if (path[n] != '.' || path[n + 1] != '0' ||
	    (path[n + 2] != '/' && path[n + 2] != '\0'))
		return path;
	*versioned = 1;
	return path + n + 2;
}

static int
is_id(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 20)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
seg_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/*
 * Set c->route (and node, rest, versioned).  Returns the method the
 * route takes, so the caller can refuse another one.
 */
static const char *
classify(struct fm_call *c)
{
	const char	*seg[3], *p, *gt;
	size_t		 len[3], n = 0;

	c->route = FM_R_UNKNOWN;
	if (strncmp(c->req->path, "/_fake/", 7) == 0) {
		c->route = FM_R_CONTROL;
		c->rest = c->req->path + 7;
		return NULL;
	}
	c->rest = strip_version(c->req->path, &c->versioned);
	for (p = c->rest; *p == '/' && p[1] != '\0' && n < 3; n++) {
		seg[n] = p + 1;
		len[n] = strcspn(seg[n], "/");
		p = seg[n] + len[n];
	}
	if (*p != '\0' && !(*p == '/' && p[1] == '\0'))
		return NULL;		/* too deep: unknown */
	if (n >= 1 && len[0] < sizeof(c->node) &&
	    (is_id(seg[0], len[0]) || seg_is(seg[0], len[0], "me"))) {
		memcpy(c->node, seg[0], len[0]);
		c->node[len[0]] = '\0';
	}

	if (n == 2 && seg_is(seg[0], len[0], "oauth") &&
	    seg_is(seg[1], len[1], "authorize") && !c->versioned) {
		c->route = FM_R_AUTHORIZE;
		return "GET";
	}
	if (n == 2 && seg_is(seg[0], len[0], "oauth") &&
	    seg_is(seg[1], len[1], "access_token")) {
		if (!c->versioned) {
			c->route = FM_R_CODE_EXCHANGE;
			return "POST";
		}
		gt = fm_param(c->req, "grant_type");
		c->route = gt != NULL && strcmp(gt, "fb_exchange_token") == 0 ?
		    FM_R_FB_EXCHANGE : FM_R_FB_CODE_EXCHANGE;
		return "GET";
	}
	if (n == 1 && seg_is(seg[0], len[0], "access_token") &&
	    !c->versioned) {
		c->route = FM_R_IG_EXCHANGE;
		return "GET";
	}
	if (n == 1 && seg_is(seg[0], len[0], "refresh_access_token") &&
	    !c->versioned) {
		c->route = FM_R_REFRESH;
		return "GET";
	}
	if (n == 2 && seg_is(seg[0], len[0], "dialog") &&
	    seg_is(seg[1], len[1], "oauth") && c->versioned) {
		c->route = FM_R_FB_DIALOG;
		return "GET";
	}
	if (n == 1 && seg_is(seg[0], len[0], "debug_token") && c->versioned) {
		c->route = FM_R_FB_DEBUG_TOKEN;
		return "GET";
	}
	if (n == 1 && seg_is(seg[0], len[0], "me")) {
		c->route = FM_R_ME;
		return "GET";
	}
	if (n == 1 && is_id(seg[0], len[0])) {
		c->route = FM_R_NODE;
		return "GET";
	}
	if (n != 2 || c->node[0] == '\0')
		return NULL;
	/* Paging links name the user by id (B.4). */
	if (seg_is(seg[1], len[1], "accounts")) {
		c->route = FM_R_FB_ACCOUNTS;
		return "GET";
	}
	if (seg_is(seg[0], len[0], "me") && seg_is(seg[1], len[1],
	    "permissions")) {
		c->route = FM_R_FB_PERMISSIONS;
		return "GET";
	}
	/* The user's media edge reads with GET, creates with POST (D.1). */
	if (seg_is(seg[1], len[1], "media") &&
	    strcmp(c->req->method, "GET") == 0) {
		c->route = FM_R_USER_MEDIA;
		return "GET";
	}
	if (seg_is(seg[1], len[1], "media")) {
		c->route = FM_R_MEDIA;
		return "POST";
	}
	if (seg_is(seg[1], len[1], "media_publish")) {
		c->route = FM_R_MEDIA_PUBLISH;
		return "POST";
	}
	if (seg_is(seg[1], len[1], "content_publishing_limit")) {
		c->route = FM_R_PUBLISHING_LIMIT;
		return "GET";
	}
	return NULL;
}

/* Graph's answer for a path it does not serve (appendix 9). */
static void
unknown_path(struct fm_call *c)
{
	char	 msg[300];

	fm_msgf(msg, sizeof(msg), "Unknown path components: %.200s",
	    c->rest);
	fm_graph_fail(c->resp, 2500, "IGApiException", msg);
}

static void
wrong_method(struct fm_call *c)
{
	char	 msg[64], m[8];
	size_t	 i;

	for (i = 0; i < sizeof(m) - 1 && c->req->method[i] != '\0'; i++)
		m[i] = (char)tolower((unsigned char)c->req->method[i]);
	m[i] = '\0';
	fm_msgf(msg, sizeof(msg),
	    "Unsupported request - method type: %s", m);
	fm_graph_fail(c->resp, 100, "IGApiException", msg);
}

static void
dispatch(struct fm_call *c)
{
	switch (c->route) {
	case FM_R_AUTHORIZE:		fm_ig_authorize(c); break;
	case FM_R_CODE_EXCHANGE:	fm_ig_code_exchange(c); break;
	case FM_R_IG_EXCHANGE:		fm_ig_exchange(c); break;
	case FM_R_REFRESH:		fm_ig_refresh(c); break;
	case FM_R_ME:			fm_me(c); break;
	case FM_R_FB_DIALOG:		fm_fb_dialog(c); break;
	case FM_R_FB_CODE_EXCHANGE:	fm_fb_code_exchange(c); break;
	case FM_R_FB_EXCHANGE:		fm_fb_exchange(c); break;
	case FM_R_FB_ACCOUNTS:		fm_fb_accounts(c); break;
	case FM_R_FB_PERMISSIONS:	fm_fb_permissions(c); break;
	case FM_R_FB_DEBUG_TOKEN:	fm_fb_debug_token(c); break;
	case FM_R_NODE:			fm_node(c); break;
	case FM_R_MEDIA:		fm_pub_media(c); break;
	case FM_R_MEDIA_PUBLISH:	fm_pub_publish(c); break;
	case FM_R_PUBLISHING_LIMIT:	fm_pub_limit(c); break;
	case FM_R_USER_MEDIA:		fm_pub_user_media(c); break;
	case FM_R_UNKNOWN:
	case FM_R_CONTROL:
	case FM_R__MAX:			unknown_path(c); break;
	}
}

/* What the route answers, faults and usage headers included. */
static void
answer(struct fm_call *c, const char *method)
{
	struct fm_inject	*in;
	const char		*tok;
	int			 decided = 0;

	/*
	 * Counted before any fault or check: tests use them to prove how
	 * many times each token, and each media_publish, reached "Meta".
	 */
	if (c->route == FM_R_REFRESH && (tok = fm_req_token(c->req)) != NULL)
		fm_stats_refresh(tok);
	if (c->route == FM_R_MEDIA_PUBLISH)
		fm_pub_count_call(c);
	fm_sleep_ms(fm_latency_get());
	if (method != NULL && strcmp(method, c->req->method) != 0) {
		wrong_method(c);
		return;
	}
	if ((in = fm_inject_take(c->route)) != NULL && fm_inject_after(in)) {
		/* The call takes effect; the fault replaces its answer. */
		dispatch(c);
		(void)fm_inject_apply(in, c);
		fm_inject_release(in);
		return;
	}
	if (in != NULL) {
		decided = fm_inject_apply(in, c);
		fm_inject_release(in);
	}
	if (!decided)
		dispatch(c);
}

void
fm_route_handle(struct fm_req *req, struct fm_resp *resp)
{
	struct fm_call		 c;
	const char		*method;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.resp = resp;
	method = classify(&c);
	if (c.route == FM_R_CONTROL) {
		fm_control(&c);
		return;
	}
	fm_stats_request(c.route);
	fm_stats_log(c.route, req, fm_stats_enter());
	answer(&c, method);
	/* Graph's usage headers; not on the dialogs a browser opens. */
	if (c.route != FM_R_AUTHORIZE && c.route != FM_R_FB_DIALOG)
		fm_usage_headers(&c);
	fm_stats_leave();
}
