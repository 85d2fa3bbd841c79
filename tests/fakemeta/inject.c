/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: scripted faults (POST /_fake/inject).  Each injection names
 * a route (or "any"), how many requests it applies to, and one outcome:
 * a Graph error, an api.instagram.com error, a bare status, a hang, a
 * dropped connection, an oversized or malformed 200, a redirect, or only
 * a delay.  They are consumed first-in first-out among those matching
 * the request's route.  "after" lets the route's handler run first, so
 * its effects stay (a media_publish that published) while the client
 * gets the fault instead of the answer.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fakemeta.h"

#define MAX_DELAY_MS	600000
#define NOUTCOMES	7	/* members that choose the outcome */

enum outcome {
	OUT_NONE,		/* delay and/or wrapped only */
	OUT_GRAPH,
	OUT_STATUS,		/* http_status alone */
	OUT_OAUTH,
	OUT_HANG,
	OUT_DROP,
	OUT_OVERSIZED,
	OUT_MALFORMED,
	OUT_REDIRECT
};

struct fm_inject {
	int			 route;	/* enum fm_route, FM_R_ANY */
	long long		 count;		/* -1: until reset */
	long			 delay_ms;
	enum outcome		 out;
	int			 http;	/* 0: the outcome's default */
	int			 wrapped;
	int			 after;		/* handler runs first */
	int			 rate_limit;
	long long		 code;
	long long		 subcode;
	int			 transient;	/* -1: omitted */
	char			*message; /* NULL: the code's default */
	char			*type;
	char			*user_title;
	char			*user_msg;
	size_t			 oversized;
	char			*location;
	struct fm_inject	*next;
};

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static struct fm_inject	*queue;

/*
 * POST /_fake/usage: the usage every Graph reply reports (C.3), -1
 * for a header not sent.  Meta sends them once they matter, so none by
 * default.
 */
static struct fm_usage	 usage = { -1, -1, 0 };

void
fm_inject_release(struct fm_inject *in)
{
	if (in == NULL)
		return;
	free(in->message);
	free(in->type);
	free(in->user_title);
	free(in->user_msg);
	free(in->location);
	free(in);
}

static char *
dupnull(const char *s)
{
	return s == NULL ? NULL : fm_xstrdup(s);
}

static struct fm_inject *
dup_inject(const struct fm_inject *in)
{
	struct fm_inject	*c = fm_xmalloc(sizeof(*c));

	*c = *in;
	c->message = dupnull(in->message);
	c->type = dupnull(in->type);
	c->user_title = dupnull(in->user_title);
	c->user_msg = dupnull(in->user_msg);
	c->location = dupnull(in->location);
	c->next = NULL;
	return c;
}

void
fm_inject_reset(void)
{
	struct fm_inject	*in, *next;

	pthread_mutex_lock(&mu);
	in = queue;
	queue = NULL;
	usage.app = usage.buc = -1;
	usage.regain = 0;
	pthread_mutex_unlock(&mu);
	for (; in != NULL; in = next) {
		next = in->next;
		fm_inject_release(in);
	}
}

size_t
fm_inject_pending(void)
{
	struct fm_inject	*in;
	size_t			 n = 0;

	pthread_mutex_lock(&mu);
	for (in = queue; in != NULL; in = in->next)
		n++;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Integer member in [min, max], or -1 with err set. */
static int
get_int(json_t *v, const char *key, long long min, long long max,
    long long *out, char *err, size_t errsz)
{
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		fm_msgf(err, errsz, "%s must be an integer from %lld "
		    "to %lld", key, min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int
get_str(json_t *v, const char *key, char **out, char *err, size_t errsz)
{
	if (!json_is_string(v)) {
		fm_msgf(err, errsz, "%s must be a string", key);
		return -1;
	}
	free(*out);
	*out = fm_xstrdup(json_string_value(v));
	return 0;
}

static int
get_bool(json_t *v, const char *key, int *out, char *err, size_t errsz)
{
	if (!json_is_boolean(v)) {
		fm_msgf(err, errsz, "%s must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* "graph_error": {code, error_subcode, message, type, is_transient, ...} */
static int
parse_graph(struct fm_inject *in, json_t *o, char *err, size_t errsz)
{
	const char	*k;
	json_t		*v;
	int		 rc = 0, have_code = 0;

	if (!json_is_object(o)) {
		fm_msgf(err, errsz, "graph_error must be an object");
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "code") == 0) {
			rc = get_int(v, k, -1000000, 100000000, &in->code, err,
			    errsz);
			have_code = 1;
		} else if (strcmp(k, "error_subcode") == 0)
			rc = get_int(v, k, 0, 100000000, &in->subcode, err,
			    errsz);
		else if (strcmp(k, "message") == 0)
			rc = get_str(v, k, &in->message, err, errsz);
		else if (strcmp(k, "type") == 0)
			rc = get_str(v, k, &in->type, err, errsz);
		else if (strcmp(k, "is_transient") == 0)
			rc = get_bool(v, k, &in->transient, err, errsz);
		else if (strcmp(k, "error_user_title") == 0)
			rc = get_str(v, k, &in->user_title, err, errsz);
		else if (strcmp(k, "error_user_msg") == 0)
			rc = get_str(v, k, &in->user_msg, err, errsz);
		else {
			fm_msgf(err, errsz, "unknown graph_error member "
			    "\"%.64s\"", k);
			rc = -1;
		}
		if (rc == -1)
			return -1;
	}
	if (!have_code) {
		fm_msgf(err, errsz, "graph_error needs a code");
		return -1;
	}
	return 0;
}

/* "oauth_error": {code, error_message, error_type} (A.2 envelope). */
static int
parse_oauth(struct fm_inject *in, json_t *o, char *err, size_t errsz)
{
	const char	*k;
	json_t		*v;
	int		 rc = 0;

	if (!json_is_object(o)) {
		fm_msgf(err, errsz, "oauth_error must be an object");
		return -1;
	}
	in->code = 400;
	json_object_foreach(o, k, v) {
		if (strcmp(k, "code") == 0)
			rc = get_int(v, k, 0, 100000, &in->code, err, errsz);
		else if (strcmp(k, "error_message") == 0)
			rc = get_str(v, k, &in->message, err, errsz);
		else if (strcmp(k, "error_type") == 0)
			rc = get_str(v, k, &in->type, err, errsz);
		else {
			fm_msgf(err, errsz, "unknown oauth_error member "
			    "\"%.64s\"", k);
			rc = -1;
		}
		if (rc == -1)
			return -1;
	}
	if (in->message == NULL) {
		fm_msgf(err, errsz, "oauth_error needs error_message");
		return -1;
	}
	return 0;
}

static int
parse_member(struct fm_inject *in, const char *k, json_t *v, int *outcomes,
    char *err, size_t errsz)
{
	long long	 n;
	int		 b;

	if (strcmp(k, "route") == 0) {
		if (!json_is_string(v) ||
		    (in->route = fm_route_by_name(json_string_value(v))) ==
		    -1 || in->route == FM_R_CONTROL) {
			fm_msgf(err, errsz, "unknown route");
			return -1;
		}
	} else if (strcmp(k, "count") == 0) {
		if (get_int(v, k, -1, 1000000000, &in->count, err, errsz) ==
		    -1 || in->count == 0) {
			fm_msgf(err, errsz, "count must be -1 or >= 1");
			return -1;
		}
	} else if (strcmp(k, "delay_ms") == 0) {
		if (get_int(v, k, 0, MAX_DELAY_MS, &n, err, errsz) == -1)
			return -1;
		in->delay_ms = (long)n;
	} else if (strcmp(k, "http_status") == 0) {
		if (get_int(v, k, 200, 599, &n, err, errsz) == -1)
			return -1;
		in->http = (int)n;
	} else if (strcmp(k, "graph_error") == 0) {
		if (parse_graph(in, v, err, errsz) == -1)
			return -1;
		in->out = OUT_GRAPH;
		outcomes[0] = 1;
	} else if (strcmp(k, "rate_limit") == 0) {
		if (get_bool(v, k, &in->rate_limit, err, errsz) == -1)
			return -1;
		outcomes[0] |= in->rate_limit;
	} else if (strcmp(k, "oauth_error") == 0) {
		if (parse_oauth(in, v, err, errsz) == -1)
			return -1;
		in->out = OUT_OAUTH;
		outcomes[1] = 1;
	} else if (strcmp(k, "hang") == 0) {
		if (get_bool(v, k, &b, err, errsz) == -1)
			return -1;
		if (b)
			in->out = OUT_HANG;
		outcomes[2] = b;
	} else if (strcmp(k, "drop") == 0) {
		if (get_bool(v, k, &b, err, errsz) == -1)
			return -1;
		if (b)
			in->out = OUT_DROP;
		outcomes[6] = b;
	} else if (strcmp(k, "after") == 0) {
		if (get_bool(v, k, &in->after, err, errsz) == -1)
			return -1;
	} else if (strcmp(k, "oversized") == 0) {
		if (get_int(v, k, 16, FM_MAX_OVERSIZE, &n, err, errsz) == -1)
			return -1;
		in->oversized = (size_t)n;
		in->out = OUT_OVERSIZED;
		outcomes[3] = 1;
	} else if (strcmp(k, "malformed") == 0) {
		if (get_bool(v, k, &b, err, errsz) == -1)
			return -1;
		if (b)
			in->out = OUT_MALFORMED;
		outcomes[4] = b;
	} else if (strcmp(k, "redirect") == 0) {
		if (get_str(v, k, &in->location, err, errsz) == -1)
			return -1;
		if (strpbrk(in->location, "\r\n") != NULL) {
			fm_msgf(err, errsz, "redirect must be one line");
			return -1;
		}
		in->out = OUT_REDIRECT;
		outcomes[5] = 1;
	} else if (strcmp(k, "wrapped") == 0) {
		/* "bare": the recorded reply without permissions (appendix 5). */
		if (json_is_string(v) && strcmp(json_string_value(v), "bare") ==
		    0)
			in->wrapped = 2;
		else if (get_bool(v, k, &in->wrapped, err, errsz) == -1)
			return -1;
	} else {
		fm_msgf(err, errsz, "unknown member \"%.64s\"", k);
		return -1;
	}
	return 0;
}

/* Check that the members make one coherent fault. */
static int
validate(struct fm_inject *in, const int *outcomes, char *err, size_t errsz)
{
	int	 i, n = 0;

	for (i = 0; i < NOUTCOMES; i++)
		n += outcomes[i] != 0;
	if (in->route == -1) {
		fm_msgf(err, errsz, "route is required");
		return -1;
	}
	if (n > 1) {
		fm_msgf(err, errsz, "give only one of graph_error or "
		    "rate_limit, oauth_error, hang, drop, oversized, "
		    "malformed, redirect");
		return -1;
	}
	if (in->rate_limit) {
		in->out = OUT_GRAPH;
		if (in->code == 0)
			in->code = 4;
		if (in->transient == -1)
			in->transient = 1;
	}
	if (in->wrapped && (n > 0 || in->http != 0 ||
	    in->route != FM_R_CODE_EXCHANGE)) {
		fm_msgf(err, errsz, "wrapped applies alone, to the "
		    "code_exchange route");
		return -1;
	}
	if (in->wrapped && in->after) {
		fm_msgf(err, errsz, "wrapped cannot come after");
		return -1;
	}
	if (in->http != 0 && (in->out == OUT_HANG || in->out == OUT_DROP ||
	    in->out == OUT_REDIRECT)) {
		fm_msgf(err, errsz, "http_status does not apply to "
		    "hang, drop or redirect");
		return -1;
	}
	if (n == 0 && in->http != 0) {
		if (in->http < 400) {
			fm_msgf(err, errsz, "http_status alone must be "
			    "400 to 599");
			return -1;
		}
		in->out = OUT_STATUS;
	}
	if (in->out == OUT_NONE && in->delay_ms == 0 && !in->wrapped) {
		fm_msgf(err, errsz, "nothing to inject");
		return -1;
	}
	return 0;
}

/* Parse and queue the injection in spec: 0, or -1 with err set. */
int
fm_inject_add(json_t *spec, char *err, size_t errsz)
{
	struct fm_inject	*in, **pp;
	const char		*k;
	json_t			*v;
	int			 outcomes[NOUTCOMES] = { 0 };

	in = fm_xcalloc(1, sizeof(*in));
	in->route = -1;
	in->count = 1;
	in->transient = -1;
	json_object_foreach(spec, k, v)
		if (parse_member(in, k, v, outcomes, err, errsz) == -1) {
			fm_inject_release(in);
			return -1;
		}
	if (validate(in, outcomes, err, errsz) == -1) {
		fm_inject_release(in);
		return -1;
	}
	pthread_mutex_lock(&mu);
	for (pp = &queue; *pp != NULL; pp = &(*pp)->next)
		continue;
	*pp = in;
	pthread_mutex_unlock(&mu);
	return 0;
}

/*
 * The first queued injection for route r (or "any"), owned by the
 * caller (fm_inject_release), or NULL.  Entries with a count left stay
 * queued and a copy is returned.
 */
struct fm_inject *
fm_inject_take(enum fm_route r)
{
	struct fm_inject	*in, **pp;

	pthread_mutex_lock(&mu);
	for (pp = &queue; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->route == (int)r || (*pp)->route == FM_R_ANY)
			break;
	if ((in = *pp) != NULL && in->count == 1) {
		*pp = in->next;
		in->next = NULL;
	} else if (in != NULL) {
		if (in->count > 1)
			in->count--;
		in = dup_inject(in);
	}
	pthread_mutex_unlock(&mu);
	return in;
}

/* Default wording for an injected Graph code (C.2, recorded bodies). */
static const char *
default_message(long long code, long long subcode)
{
	switch (code) {
	case 1:
		return "An unknown error occurred";
	case 2:
		return "An unexpected error has occurred. Please retry your "
		    "request later.";
	case 4:
		return "(#4) Application request limit reached";
	case 9:
		return "Application request limit reached";
	case 10:
		return "(#10) Application does not have permission for this "
		    "action";
	case 17:
		return "(#17) User request limit reached";
	case 32:
		return "(#32) Page request limit reached";
	case 100:
		return "(#100) Invalid parameter";
	case 190:
		if (subcode == 460)
			return "Error validating access token: The session has "
			    "been invalidated because the user changed their "
			    "password or Facebook has changed the session for "
			    "security reasons.";
		if (subcode == 467)
			return "Error validating access token: The session is "
			    "invalid because the user logged out.";
		return "Invalid OAuth access token - Cannot parse access token";
	case 613:
		return "(#613) Calls to this api have exceeded the rate limit.";
	case 2500:
		return "An active access token must be used to query "
		    "information about the current user.";
	case 9007:
		return "Media ID is not available";
	case 80002:
		return "(#80002) There have been too many calls to this "
		    "Instagram account. Wait a bit and try again. For more "
		    "info, please refer to https://developers.facebook.com/"
		    "docs/graph-api/overview/rate-limiting.";
	default:
		return "An unknown error has occurred.";
	}
}

/*
 * Usage headers that come with throttling (C.3): BUC for Instagram's
 * 80002, keyed by the IG_ID of the caller's token; X-App-Usage else.
 */
static void
usage_headers(const struct fm_inject *in, struct fm_call *c)
{
	struct fm_account	 a;
	struct fm_token		 t;
	const char		*s;
	json_t			*j;
	char			 id[FM_IDLEN], *v;

	fm_account_get((s = fm_req_token(c->req)) != NULL &&
	    fm_token_get(s, &t) == 0 ? t.grant.account : 1, &a);
	fm_idstr(a.ig_id, id);
	if (in->code == 80002)
		j = json_pack("{s:[{s:s, s:i, s:i, s:i, s:i}]}", id,
		    "type", "instagram",
		    "call_count", 100,
		    "total_cputime", 28,
		    "total_time", 32,
		    "estimated_time_to_regain_access", 5);
	else
		j = json_pack("{s:i, s:i, s:i}",
		    "call_count", 100,
		    "total_cputime", 41,
		    "total_time", 37);
	if (j == NULL || (v = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return;
	}
	(void)fm_resp_header(c->resp, in->code == 80002 ?
	    "X-Business-Use-Case-Usage" : "X-App-Usage", v);
	free(v);
	json_decref(j);
}

void
fm_usage_set(const struct fm_usage *u)
{
	pthread_mutex_lock(&mu);
	usage = *u;
	pthread_mutex_unlock(&mu);
}

void
fm_usage_get(struct fm_usage *u)
{
	pthread_mutex_lock(&mu);
	*u = usage;
	pthread_mutex_unlock(&mu);
}

/* "name" with the JSON "j" (stolen) as its value, on c's reply. */
static void
json_header(struct fm_call *c, const char *name, json_t *j)
{
	char	*v;

	if (j != NULL && (v = json_dumps(j, JSON_COMPACT)) != NULL) {
		(void)fm_resp_header(c->resp, name, v);
		free(v);
	}
	json_decref(j);
}

/*
 * The usage set by POST /_fake/usage, as Meta sends it (C.3):
 * X-App-Usage's three percentages, call_count the highest, and
 * X-Business-Use-Case-Usage keyed by the IG_ID of the caller's token,
 * total_cputime the highest, with estimated_time_to_regain_access in
 * minutes.
 */
void
fm_usage_headers(struct fm_call *c)
{
	struct fm_usage		 u;
	struct fm_account	 a;
	struct fm_token		 t;
	const char		*s;
	char			 id[FM_IDLEN];

	fm_usage_get(&u);
	if (u.app >= 0)
		json_header(c, "X-App-Usage", json_pack("{s:i, s:i, s:i}",
		    "call_count", u.app, "total_time", u.app / 2,
		    "total_cputime", u.app / 2));
	if (u.buc < 0)
		return;
	fm_account_get((s = fm_req_token(c->req)) != NULL &&
	    fm_token_get(s, &t) == 0 ? t.grant.account : 1, &a);
	fm_idstr(a.ig_id, id);
	json_header(c, "X-Business-Use-Case-Usage",
	    json_pack("{s:[{s:s, s:i, s:i, s:i, s:i}]}", id,
	    "type", "instagram", "call_count", u.buc / 2,
	    "total_cputime", u.buc, "total_time", u.buc / 3,
	    "estimated_time_to_regain_access", u.regain));
}

static void
graph(const struct fm_inject *in, struct fm_call *c)
{
	struct fm_gerr	 g;
	char		 msg[256];
	time_t		 now;

	memset(&g, 0, sizeof(g));
	g.http = in->http;
	g.code = in->code;
	g.subcode = in->subcode;
	g.type = in->type != NULL ? in->type :
	    in->code == 2500 ? "IGApiException" : "OAuthException";
	g.message = in->message;
	if (g.message == NULL && in->code == 190 && in->subcode == 463) {
		now = fm_now();
		fm_expired_message(now - 3600, now, msg, sizeof(msg));
		g.message = msg;
	} else if (g.message == NULL)
		g.message = default_message(in->code, in->subcode);
	g.transient = in->transient;
	g.user_title = in->user_title;
	g.user_msg = in->user_msg;
	fm_graph_error(c->resp, &g);
	if (in->rate_limit)
		usage_headers(in, c);
}

/* Whether the route's handler runs before injection in acts. */
int
fm_inject_after(const struct fm_inject *in)
{
	return in->after;
}

/*
 * Act out injection in on call c (after its delay).  Returns 1 if the
 * response is decided, 0 if the route's handler should still run.
 */
int
fm_inject_apply(struct fm_inject *in, struct fm_call *c)
{
	struct fm_gerr	 g;
	static const char malformed[] = "{\"access_token\":\"IGAAmalformed\","
	    "\"user_id\":27281358591558846,\"permissions\":[\"instagram_bus";
	char		*body;

	fm_sleep_ms(in->delay_ms);
	switch (in->out) {
	case OUT_NONE:
		c->wrapped = in->wrapped;
		return 0;
	case OUT_GRAPH:
		graph(in, c);
		break;
	case OUT_STATUS:
		/* The transient "retry later" body (C.2 code 2). */
		memset(&g, 0, sizeof(g));
		g.http = in->http;
		g.code = 2;
		g.message = default_message(2, 0);
		g.transient = 1;
		fm_graph_error(c->resp, &g);
		break;
	case OUT_OAUTH:
		fm_oauth_error(c->resp, in->http != 0 ? in->http :
		    in->code >= 400 && in->code <= 599 ? (int)in->code : 400,
		    in->code, in->type, in->message);
		break;
	case OUT_HANG:
		c->resp->hang = 1;
		break;
	case OUT_DROP:
		c->resp->drop = 1;
		break;
	case OUT_OVERSIZED:
		/* Valid JSON of exactly the requested size. */
		body = fm_xmalloc(in->oversized + 1);
		memcpy(body, "{\"data\":\"", 9);
		memset(body + 9, 'x', in->oversized - 11);
		memcpy(body + in->oversized - 2, "\"}", 3);
		free(c->resp->body);
		c->resp->body = body;
		c->resp->bodylen = in->oversized;
		c->resp->status = in->http != 0 ? in->http : 200;
		c->resp->ctype = "application/json; charset=UTF-8";
		break;
	case OUT_MALFORMED:
		fm_resp_text(c->resp, in->http != 0 ? in->http : 200,
		    "application/json; charset=UTF-8", malformed);
		break;
	case OUT_REDIRECT:
		(void)fm_resp_header(c->resp, "Location", in->location);
		fm_resp_text(c->resp, 302, "text/html; charset=utf-8", "");
		break;
	}
	return 1;
}
