/* SPDX-License-Identifier: ISC */
/*
 * flow.h: what the OAuth and integrations end-to-end tests share: test
 * users (an external id, a JWT and a client address of their own),
 * authorized requests to the stack, the OAuth dance through the fake of
 * Meta, the fake's control API, one-value queries on the stack's
 * database as its superuser, checks of the connection and error shapes,
 * and searches for secrets in response bodies and service logs.
 *
 * Everything here reads the stack's settings from the environment that
 * tests/run exports; flow_init() must run first.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "client.h"

struct	ig_cfg;

/*
 * One caller of the stack.  Each user has a loopback source address of
 * its own (127.x.y.z; Linux answers on all of 127/8), as independent
 * browsers would.  nginx exempts loopback from its /oauth/ rate limit
 * (a same-host backend speaks for all its users), so the tests do not
 * depend on the addresses, but logs and limits see distinct clients.
 */
struct	flow_user {
	char	 id[64];	/* external id: the JWT "sub" */
	char	*jwt;		/* HS256, valid 5 minutes; owned */
	char	 addr[16];	/* client source address */
};

/*
 * Load the stack's configuration (for the JWT secret) and start
 * libcurl.  Returns 1 on success; prints why and returns 0 otherwise.
 */
int		 flow_init(void);
void		 flow_end(void);

/*
 * The main() of an end-to-end test file: flow_init(), the tests, then
 * the fake reset for the next file and flow_end().  The exit status.
 */
struct	ig_test;
int		 flow_test_main(int argc, char *argv[],
		    const struct ig_test *tests, size_t ntests);
const struct ig_cfg *flow_cfg(void);

/* A new user with a unique id ("t-<pid>-<n>") and its JWT. */
void		 flow_user_new(struct flow_user *);
void		 flow_user_free(struct flow_user *);

/* Give "u" a fresh client address (same id and JWT). */
void		 flow_user_readdress(struct flow_user *u);

/*
 * A JWT for "sub" expiring "ttl" seconds from now (negative: already
 * expired), signed with "secret" (NULL: the stack's).  New string.
 */
char		*flow_jwt(const char *sub, long ttl, const char *secret);

/*
 * The "i"th of the ways a caller fails to authenticate as "u", as a
 * header line for flow_req_authz() ("" for none): no header, Basic,
 * empty Bearer, alg "none", expired, another secret, a bad signature.
 * Returns 0 past the last.
 */
int		 flow_bad_authz(const struct flow_user *u, size_t i,
		    char *out, size_t outsz);

/*
 * One HTTP request from source address "addr" (NULL: the default).
 * Like http_do() but with a timeout long enough for the hang test and
 * the fake's CA used for https URLs.  Returns the status, 0 on
 * transport failure; free "r" with http_resp_free().
 */
long		 flow_http(const char *addr, const char *method,
		    const char *url, const char *const *headers,
		    const char *body, size_t len, struct http_resp *r);

/*
 * A request to the stack ("path" under IGCONNECT_BASE_URL) as "u", with
 * its Bearer token.  "authz" non-NULL replaces the Authorization header
 * line ("" sends none).  "body" NULL: no body; otherwise sent with
 * Content-Type "ctype" (NULL: application/json).
 */
long		 flow_req(const struct flow_user *u, const char *method,
		    const char *path, const char *ctype, const char *body,
		    struct http_resp *r);
long		 flow_req_authz(const struct flow_user *u, const char *authz,
		    const char *method, const char *path, const char *ctype,
		    const char *body, struct http_resp *r);

/* flow_req() returning the parsed body (new reference, or NULL). */
json_t		*flow_req_json(const struct flow_user *u, const char *method,
		    const char *path, const char *body, long *status);

/*
 * flow_req() served by the program fcgi/"prog" run once as plain CGI
 * (as Apache runs it), with the stack's settings plus "vars"
 * ("NAME=VALUE", NULL-terminated; what nginx's location would pass, such
 * as IGCONNECT_COMPAT, or a switch the stack leaves off).  A JSON body
 * when "body" is not NULL.  Its log goes to $IGCONNECT_VAR/log/cgi.log,
 * so the log checks see it.  Returns the status of its Status: line, 0
 * when it gave none; free "r" with http_resp_free().
 */
long		 flow_cgi(const struct flow_user *u, const char *prog,
		    const char *const *vars, const char *method,
		    const char *path, const char *body, struct http_resp *r);

/* ------------------------------------------------------ the OAuth dance */

struct	flow_dance {
	char	state[128];	/* from GET /oauth/instagram/url */
	char	authurl[4096];
	char	expires[64];	/* its expiresAt */
	char	location[4096];	/* the fake's redirect */
	char	code[1024];	/* from the redirect, "" if none */
	char	error[128];	/* from the redirect, "" if none */
	char	rstate[128];	/* state echoed in the redirect */
};

/*
 * GET /oauth/instagram/url (plus "query", e.g. "?redirect_uri=...", or
 * NULL) as "u"; fills state, authurl and expires.  Returns the status.
 */
long		 flow_start(const struct flow_user *u, const char *query,
		    struct flow_dance *d);

/*
 * GET the authUrl at the fake with "fake_consent=allow" (the click on
 * the fake's consent page) and "knobs" appended ("&fake_account=2", may
 * be NULL; "&fake_deny=1" still denies), without following the
 * redirect; parse code, error and state from its Location.  Returns 1
 * when the fake answered 302.
 */
int		 flow_authorize(struct flow_dance *d, const char *knobs);

/*
 * The percent-decoded value of "name" in the query of "url" (the part
 * before any fragment) into "out"; 1 if present.
 */
int		 flow_query_param(const char *url, const char *name,
		    char *out, size_t outsz);

/* POST /oauth/instagram/exchange {code, state} as JSON or as a form. */
long		 flow_exchange(const struct flow_user *u, const char *code,
		    const char *state, struct http_resp *r);
long		 flow_exchange_form(const struct flow_user *u,
		    const char *code, const char *state, struct http_resp *r);

/*
 * The whole dance for fake account "account" with extra "knobs": start,
 * authorize, exchange.  Returns the exchange's status (0 if an earlier
 * step failed); "*body" (may be NULL) gets the parsed reply.
 */
long		 flow_connect(const struct flow_user *u, long long account,
		    const char *knobs, json_t **body);

/*
 * The same for Facebook Login (flavor=facebook), the fake's account and
 * Pages in "knobs" ("&fake_account=N&fake_pages=2..."): its status; the
 * parsed reply in "*body" (may be NULL).
 */
long		 flow_connect_fb(const struct flow_user *u, const char *knobs,
		    json_t **body);

/*
 * A fake account number not used before by this process, even or odd
 * (even accounts have a website).
 */
long long	 flow_account(int even);

/* ------------------------------------------------------ the fake of Meta */

/* POST "json" to the fake's control API "path"; the status. */
long		 fake_post(const char *path, const char *json);

/* GET the fake's "path" as JSON (new reference) or NULL. */
json_t		*fake_get(const char *path);

/*
 * A token minted by the fake (POST /_fake/tokens) for "account", of
 * "kind" ("short", "long"), into "out"; 1 on success.
 */
int		 fake_token(long long account, const char *kind, char *out,
		    size_t outsz);

/* POST /_fake/reset; 1 on success. */
int		 fake_reset(void);

/* POST /_fake/inject; 1 when accepted. */
int		 fake_inject(const char *json);

/* requests.ROUTE of /_fake/stats, or -1. */
long		 fake_count(const char *route);

/* ---------------------------------------------------------------- secrets */

/* A set of secret strings that must never be seen. */
struct	flow_secrets {
	char	*v[256];
	size_t	 n;
};

void		 secrets_add(struct flow_secrets *, const char *);
void		 secrets_free(struct flow_secrets *);

/*
 * Add every token the fake has seen in the query, form or Authorization
 * header of a request on the token, profile, Pages and debug_token
 * routes of both flavors: what Meta issued and igconnect then used.
 */
void		 secrets_from_fake(struct flow_secrets *);

/* 1 if any secret occurs in "text" (NUL-terminated). */
int		 secrets_in(const struct flow_secrets *, const char *text);

/* 1 if any secret occurs in any file of $IGCONNECT_VAR/log. */
int		 secrets_in_logs(const struct flow_secrets *);

/*
 * CHECK that no secret is in the user's connection row, its history or
 * any service log.
 */
void		 check_secrets_kept(const struct flow_secrets *,
		    const struct flow_user *u);

/* ---------------------------------------------------------------- database */

/*
 * Run "sql" with the NULL-terminated text parameters that follow, as the
 * database superuser (IGCONNECT_DB_ADMIN_URL).  db_val copies the first
 * column of the first row into "out" and returns 1, 0 if there is no
 * row or the value is NULL, -1 on error.  db_long returns that value as
 * a number, or -1.  db_exec returns the rows affected, or -1.
 */
int		 db_val(char *out, size_t outsz, const char *sql, ...)
		    __attribute__((sentinel));
long long	 db_long(const char *sql, ...) __attribute__((sentinel));
long		 db_exec(const char *sql, ...) __attribute__((sentinel));

/*
 * Forget the superuser connection, so the next query opens a new one:
 * after PostgreSQL restarted, the old one fails its next query.
 */
void		 db_reset(void);

/* SQL naming the user's Instagram connection row, for "WHERE " + this. */
#define FLOW_CONN \
	"userid = (SELECT id FROM users WHERE externalid = $1) " \
	"AND provider = 'instagram'"

/* How many Instagram connection rows the user has (0 or 1), or -1. */
long long	 flow_conn_rows(const struct flow_user *u);

/* The id of the user's connection row, "" if none (a static buffer). */
const char	*flow_conn_id(const struct flow_user *u);

/*
 * CHECK-age the user's token by 25 hours, for us and for the fake's
 * clock: Meta refreshes only tokens at least 24 hours old.
 */
void		 flow_age_token(const struct flow_user *u);

/* ---------------------------------------------------------------- shapes */

/* "YYYY-MM-DDTHH:MM:SSZ" as a time, or -1 if not exactly that. */
time_t		 iso_time(const char *);

/* 1 if "iso" is a time within "slack" seconds of now + "ahead". */
int		 iso_near(const char *iso, long ahead, long slack);

/* The string member "k" of "o", or "" when absent or not a string. */
const char	*jstr(const json_t *o, const char *k);

/* String element "i" of array "a", or "" when there is none. */
const char	*jnth(const json_t *a, size_t i);

/*
 * 1 if "o" is an object whose members are exactly those named (a
 * NULL-terminated list); else 0, printing what differs.
 */
int		 jkeys_are(const json_t *o, ...) __attribute__((sentinel));

/*
 * CHECK that "r" is status "status" with the canonical error body for "code"
 * (description, request_id equal to X-Request-Id) and no-store.
 */
void		 check_error(const struct http_resp *r, long status,
		    const char *code);

/* CHECK that "r" carries Cache-Control: no-store. */
void		 check_no_store(const struct http_resp *r);

/*
 * CHECK that "c" is the connection object of fake account "account"
 * with status "status" and tokenKind "kind": every field, exact ids as
 * strings, ISO times, no token anywhere.
 */
void		 check_connection(const json_t *c, long long account,
		    const char *status, const char *kind);

#endif /* FLOW_H */
