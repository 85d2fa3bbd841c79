/* SPDX-License-Identifier: ISC */
/*
 * shape.c: response shapes.  The same programs answer the canonical API
 * and, behind the compatibility routes of nginx.conf.sample, the APIs
 * our users' front ends were written against.  nginx (or Apache's
 * SetEnv) names the shape in IGCONNECT_COMPAT; a shape is one error
 * body and, per endpoint, a small function from the canonical body to
 * the shape's own.  Adding a shape for an endpoint is one function and
 * one row of "routes".
 */
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

/*
 * The error's own members (a choice's selection and candidates, Meta's
 * code, refreshableAt) added to "o", never replacing the shape's own;
 * "o" is consumed.  NULL when out of memory.
 */
static json_t *
with_extra(json_t *o, const struct ig_fault *f)
{
	if (o != NULL && f->extra != NULL &&
	    json_object_update_missing(o, (json_t *)f->extra) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"error": code, "error_description": text, "request_id": id, ...}. */
static json_t *
canonical_error(const struct ig_fault *f)
{
	return with_extra(json_pack("{s:s, s:s, s:s}", "error", f->code,
	    "error_description", f->text, "request_id", f->request_id), f);
}

/* Seed 000 answers {error: message}; our code and id come along. */
static json_t *
seed000_error(const struct ig_fault *f)
{
	return json_pack("{s:s, s:s, s:s}", "error", f->text, "code", f->code,
	    "requestId", f->request_id);
}

/*
 * Seed 001: {success: false, message, error}, "error" our code.  The
 * seed has no body of its own for the error's members, so they come
 * along: a front end that knows them can finish a choice on the same
 * route.
 */
static json_t *
seed001_error(const struct ig_fault *f)
{
	return with_extra(json_pack("{s:b, s:s, s:s, s:s}", "success", 0,
	    "message", f->text, "error", f->code, "requestId", f->request_id),
	    f);
}

/* Seed 003: {ok: false, error, message}, and the error's members. */
static json_t *
seed003_error(const struct ig_fault *f)
{
	return with_extra(json_pack("{s:b, s:s, s:s, s:s}", "ok", 0, "error",
	    f->code, "message", f->text, "requestId", f->request_id), f);
}

/*
 * The shapes IGCONNECT_COMPAT can name; index 0 is the canonical one.
 * Seed 004 documents no error body: it keeps the canonical one.  A
 * seed's app logs in with one flavor, which a login that names none
 * takes: seed 001 is a Facebook Login app (its oauthUrl is Facebook's
 * dialog).
 */
enum { SEED000 = 1, SEED001, SEED003, SEED004 };
static const struct {
	const char	*name;
	json_t		*(*error)(const struct ig_fault *);
	enum ig_flavor	 flavor;
} compats[] = {
	{ "", canonical_error, IG_FLAVOR_INSTAGRAM },
	[SEED000] = { "seed000", seed000_error, IG_FLAVOR_INSTAGRAM },
	[SEED001] = { "seed001", seed001_error, IG_FLAVOR_FACEBOOK },
	[SEED003] = { "seed003", seed003_error, IG_FLAVOR_INSTAGRAM },
	[SEED004] = { "seed004", canonical_error, IG_FLAVOR_INSTAGRAM },
};

/* The endpoints a shape answers differently from the canonical API. */
static const struct ig_route routes[] = {
	/* seed 000 */
	{ .endpoint = "signin", .compat = SEED000,
	    .shape = ig_seed000_signin },

	/* seed 001 */
	{ .endpoint = "oauth-url", .compat = SEED001,
	    .shape = ig_seed001_url },
	{ .endpoint = "oauth-exchange", .compat = SEED001,
	    .shape = ig_seed001_connected },
	/*
	 * GET /api/instagram/info/:userId is the overview's (GET
	 * /integrations), which answers a user who never connected with
	 * 200, not 404: seed001.c says why.
	 */
	{ .endpoint = "integrations", .compat = SEED001,
	    .shape = ig_seed001_info, .path_id = IG_PATH_USER },
	{ .endpoint = "integration", .compat = SEED001,
	    .shape = ig_seed001_disconnected, .post_as = IG_METHOD_DELETE,
	    .path_id = IG_PATH_USER },
	/* POST /api/instagram/publish: the collection's POST alone. */
	{ .endpoint = "media", .compat = SEED001,
	    .shape = ig_seed001_published, .post_as = IG_METHOD_POST },

	/* seed 003 */
	{ .endpoint = "oauth-url", .compat = SEED003,
	    .shape = ig_seed003_login },
	{ .endpoint = "oauth-exchange", .compat = SEED003,
	    .shape = ig_seed003_connection },
	{ .endpoint = "integrations", .compat = SEED003,
	    .shape = ig_seed003_integrations },
	{ .endpoint = "integration", .compat = SEED003,
	    .shape = ig_seed003_integration, .path_id = IG_PATH_USER },
	{ .endpoint = "integration-refresh", .compat = SEED003,
	    .shape = ig_seed003_connection },

	/* seed 004 */
	{ .endpoint = "oauth-exchange", .compat = SEED004,
	    .shape = ig_seed004_integration, .returns_token = 1,
	    .stateless = 1 },
	{ .endpoint = "integration-refresh", .compat = SEED004,
	    .shape = ig_seed004_integration, .returns_token = 1,
	    .path_id = IG_PATH_CONNECTION },
};

json_t *
ig_shape_get(const json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return v != NULL ? json_incref(v) : json_null();
}

json_t *
ig_shape_handle(const json_t *c)
{
	const char	*u = json_string_value(json_object_get(c, "username"));

	return u != NULL ? json_sprintf("@%s", u) : json_null();
}

json_t *
ig_shape_epoch_ms(const json_t *iso)
{
	const char	*s = json_string_value(iso);
	time_t		 t = s != NULL ? ig_iso8601_parse(s) : -1;

	return t < 0 ? json_null() : json_integer((json_int_t)t * 1000);
}

json_t *
ig_shape_iso_ms(const json_t *iso)
{
	const char	*s = json_string_value(iso);

	if (s == NULL || ig_iso8601_parse(s) < 0)
		return json_null();
	return json_sprintf("%.19s.000Z", s);
}

enum ig_flavor
ig_req_flavor(const struct ig_req *r)
{
	return compats[ig_req_compat(r)].flavor;
}

int
ig_compat_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		name = "";
	for (i = 0; i < sizeof(compats) / sizeof(compats[0]); i++)
		if (strcmp(compats[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct ig_route *
ig_route_find(const char *endpoint, int compat)
{
	size_t	i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].compat == compat &&
		    strcmp(routes[i].endpoint, endpoint) == 0)
			return &routes[i];
	return NULL;
}

json_t *
ig_shape_data(const struct ig_shaping *s)
{
	const struct ig_route	*rt = ig_req_route(s->req);

	if (rt != NULL && rt->shape != NULL)
		return rt->shape(s);
	return json_incref((json_t *)s->body);
}

json_t *
ig_shape_error(const struct ig_req *r, const struct ig_fault *f)
{
	return compats[ig_req_compat(r)].error(f);
}
