/* SPDX-License-Identifier: ISC */
/*
 * seed: load what the benchmarks replay, without walking the login flow
 * in a browser.  Reads the stack's environment (IGCONNECT_DB_ADMIN_URL,
 * IGCONNECT_FAKE_URL, IGCONNECT_CA_FILE, the token keys, JWT_SECRET).
 *
 *	bench/seed users PREFIX COUNT due|fresh
 *	bench/seed exchanges PREFIX USERS COUNT
 *	bench/seed jwts PREFIX COUNT
 *
 * "users": users PREFIX-0 ... PREFIX-(COUNT-1), each connected to an
 * account of its own with a token minted at the fake of Meta (every scope,
 * so the fake lets it publish to that account) and sealed as igconnect
 * seals it; the connection holds the scopes publishing checks for.  "due" connections are 30 days old and expire
 * in 5 days (igconnect-refresh takes them); "fresh" ones expire in 60
 * days.  Prints one JWT per user (valid two hours).
 *
 * "exchanges": COUNT single-use OAuth states, spread over users
 * PREFIX-0 ... PREFIX-(USERS-1), and as many consented codes minted at
 * the fake.  Prints "JWT STATE CODE" per line: the body of one
 * POST /oauth/instagram/exchange each.
 *
 * "jwts": one JWT (valid two hours) per line for subjects PREFIX-1 ...
 * PREFIX-COUNT, signed with JWT_SECRET as igconnect signs them, for a
 * peer that keeps its own users (numbered from 1): no database, no fake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "ig.h"

#define CHUNK	1000	/* rows per statement */
#define FIRST	1000000	/* fake accounts from here on */

static struct ig_cfg	 cfg;
static PGconn		*db;
static CURL		*fake;

static void
die(const char *what)
{
	fprintf(stderr, "seed: %s\n", what);
	exit(1);
}

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "seed: %s is not set\n", name);
		exit(1);
	}
	return v;
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	return ig_buf_add(arg, p, size * n) == IG_OK ? size * n : 0;
}

/* POST "body" to the fake's control API "path"; the parsed reply. */
static json_t *
fake_post(const char *path, const char *body)
{
	struct ig_buf	 b;
	char		 url[512];
	json_t		*reply;

	ig_buf_init(&b, 64 * 1024 * 1024);
	(void)snprintf(url, sizeof(url), "%s%s", env("IGCONNECT_FAKE_URL"),
	    path);
	curl_easy_setopt(fake, CURLOPT_URL, url);
	curl_easy_setopt(fake, CURLOPT_CAINFO, env("IGCONNECT_CA_FILE"));
	curl_easy_setopt(fake, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(fake, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(fake, CURLOPT_COPYPOSTFIELDS, body);
	if (curl_easy_perform(fake) != CURLE_OK || b.data == NULL)
		die("the fake of Meta did not answer");
	reply = json_loads(b.data, 0, NULL);
	ig_buf_free(&b);
	if (reply == NULL)
		die("the fake of Meta answered garbage");
	return reply;
}

static PGresult *
exec(const char *sql, int n, const char *const *vals)
{
	PGresult	*res;

	res = PQexecParams(db, sql, n, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "seed: %s", PQerrorMessage(db));
		exit(1);
	}
	return res;
}

static void
push(json_t *a, const char *s)
{
	if (json_array_append_new(a, json_string(s)) != 0)
		die("out of memory");
}

/* A JSON array as text, for one $n::jsonb parameter; caller frees. */
static char *
text(const json_t *a)
{
	char	*s;

	if ((s = json_dumps(a, JSON_COMPACT)) == NULL)
		die("out of memory");
	return s;
}

/* The uuids of users PREFIX-from .. PREFIX-(from+n-1), created if new. */
static PGresult *
users(const char *prefix, long from, long n)
{
	const char	*vals[1];
	json_t		*names;
	char		 name[160], *s;
	PGresult	*res;
	long		 i;

	if ((names = json_array()) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "%s-%ld", prefix, from + i);
		push(names, name);
	}
	vals[0] = s = text(names);
	res = exec("INSERT INTO users (externalId) SELECT e FROM "
	    "jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS x(e, i) "
	    "ORDER BY i ON CONFLICT (externalId) DO UPDATE SET externalId = "
	    "EXCLUDED.externalId RETURNING id, externalId", 1, vals);
	free(s);
	json_decref(names);
	if (PQntuples(res) != n)
		die("users not created");
	return res;
}

/* A JWT for "sub", valid two hours, printed as a line. */
static void
print_jwt(const char *sub, const char *rest)
{
	json_t	*claims;
	char	*jwt;

	claims = json_pack("{s:s, s:I}", "sub", sub, "exp",
	    (json_int_t)time(NULL) + 7200);
	if (claims == NULL || ig_jwt_sign(&cfg, claims, &jwt) != IG_OK)
		die("cannot sign a JWT");
	printf("%s%s\n", jwt, rest);
	free(jwt);
	json_decref(claims);
}

static const char	insert_connections[] =
    "INSERT INTO oauth_connections AS c (userId, provider, providerUserId, "
    "  accessToken, expiresAt, businessAccountId, scopes, metadata, "
    "  tokenIssuedAt, connectedAt, lastSyncedAt) "
    "SELECT u::uuid, 'instagram', p, t, now() + $6::interval, g, "
    "  ARRAY['instagram_business_basic', "
    "  'instagram_business_content_publish'], jsonb_build_object('flavor', "
    "  'instagram', 'tokenKind', 'long', 'profile', jsonb_build_object("
    "  'username', 'bench_' || p)), now() - $5::interval, now(), now() "
    "FROM unnest(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)), "
    "  ARRAY(SELECT jsonb_array_elements_text($2::jsonb)), "
    "  ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
    "  ARRAY(SELECT jsonb_array_elements_text($4::jsonb))) AS r(u, t, p, g) "
    "ON CONFLICT (userId, provider) DO UPDATE SET "
    "  accessToken = EXCLUDED.accessToken, expiresAt = EXCLUDED.expiresAt, "
    "  tokenIssuedAt = EXCLUDED.tokenIssuedAt, status = 'active', "
    "  version = c.version + 1, refreshState = 'ok', refreshAttempts = 0, "
    "  refreshNextAt = NULL, refreshLeaseUntil = NULL";

/* Connect users from..from+n-1 to accounts of their own. */
static void
connect_users(const char *prefix, long from, long n, int due)
{
	PGresult	*res;
	json_t		*cols[4], *tok;
	const char	*vals[6];
	char		 req[128], aad[64], *s[4], *sealed;
	long		 i;
	int		 k;

	res = users(prefix, from, n);
	for (k = 0; k < 4; k++)
		if ((cols[k] = json_array()) == NULL)
			die("out of memory");
	for (i = 0; i < n; i++) {
		(void)snprintf(req, sizeof(req), "{\"account\":%ld,\"kind\":"
		    "\"long\",\"age\":%ld}", FIRST + from + i,
		    due ? 30L * 86400 : 0L);
		tok = fake_post("/_fake/tokens", req);
		(void)snprintf(aad, sizeof(aad), "%s|instagram",
		    PQgetvalue(res, (int)i, 0));
		if (ig_seal(&cfg, json_string_value(json_object_get(tok,
		    "access_token")), aad, &sealed) != IG_OK)
			die("cannot seal a token");
		push(cols[0], PQgetvalue(res, (int)i, 0));
		push(cols[1], sealed);
		push(cols[2], json_string_value(json_object_get(tok,
		    "user_id")));
		push(cols[3], json_string_value(json_object_get(tok, "ig_id")));
		free(sealed);
		json_decref(tok);
		print_jwt(PQgetvalue(res, (int)i, 1), "");
	}
	PQclear(res);
	for (k = 0; k < 4; k++)
		vals[k] = s[k] = text(cols[k]);
	vals[4] = due ? "30 days" : "0 days";
	vals[5] = due ? "5 days" : "60 days";
	PQclear(exec(insert_connections, 6, vals));
	for (k = 0; k < 4; k++) {
		free(s[k]);
		json_decref(cols[k]);
	}
}

/* n states of users PREFIX-(i % nusers) and n codes, as lines. */
static void
exchanges(const char *prefix, long nusers, long from, long n)
{
	PGresult	*res;
	json_t		*states, *owners, *minted, *codes;
	const char	*vals[3];
	char		 req[1024], state[IG_STATE_LEN + 1], line[512];
	char		*s[2];
	unsigned char	 raw[32];
	long		 i;

	res = users(prefix, 0, nusers);
	states = json_array();
	owners = json_array();
	(void)snprintf(req, sizeof(req), "{\"account\":%ld,\"count\":%ld,"
	    "\"redirect_uri\":\"%s\"}", FIRST + from, n,
	    env("INSTAGRAM_REDIRECT_URI"));
	minted = fake_post("/_fake/codes", req);
	codes = json_object_get(minted, "codes");
	if (states == NULL || owners == NULL ||
	    json_array_size(codes) != (size_t)n)
		die("the fake of Meta minted no codes");
	for (i = 0; i < n; i++) {
		if (ig_rand_bytes(raw, sizeof(raw)) != IG_OK)
			die("no random bytes");
		ig_b64url_enc(state, raw, sizeof(raw));
		push(states, state);
		push(owners, PQgetvalue(res, (int)(i % nusers), 0));
		(void)snprintf(line, sizeof(line), " %s %s", state,
		    json_string_value(json_array_get(codes, (size_t)i)));
		print_jwt(PQgetvalue(res, (int)(i % nusers), 1), line);
	}
	vals[0] = s[0] = text(states);
	vals[1] = s[1] = text(owners);
	vals[2] = env("INSTAGRAM_REDIRECT_URI");
	PQclear(exec("INSERT INTO oauth_states (stateHash, userId, "
	    "redirectUri, expiresAt) SELECT sha256(convert_to(s, 'UTF8')), "
	    "u::uuid, $3, now() + interval '1 hour' FROM unnest("
	    "ARRAY(SELECT jsonb_array_elements_text($1::jsonb)), "
	    "ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) AS r(s, u)",
	    3, vals));
	free(s[0]);
	free(s[1]);
	json_decref(states);
	json_decref(owners);
	json_decref(minted);
	PQclear(res);
}

/* JWTs for subjects PREFIX-1 .. PREFIX-n, as lines. */
static void
jwts(const char *prefix, long n)
{
	char	sub[160];
	long	i;

	for (i = 1; i <= n; i++) {
		(void)snprintf(sub, sizeof(sub), "%s-%ld", prefix, i);
		print_jwt(sub, "");
	}
}

static long
count_arg(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 0 && v <= 1000000 ? v : 0;
}

int
main(int argc, char *argv[])
{
	char	msg[256];
	long	n, nusers = 0, done, chunk;
	int	mode;

	if (argc == 5 && strcmp(argv[1], "users") == 0 &&
	    (n = count_arg(argv[3])) > 0 && (strcmp(argv[4], "due") == 0 ||
	    strcmp(argv[4], "fresh") == 0))
		mode = strcmp(argv[4], "due") == 0;
	else if (argc == 5 && strcmp(argv[1], "exchanges") == 0 &&
	    (nusers = count_arg(argv[3])) > 0 && (n = count_arg(argv[4])) > 0)
		mode = 2;
	else if (argc == 4 && strcmp(argv[1], "jwts") == 0 &&
	    (n = count_arg(argv[3])) > 0)
		mode = 3;
	else {
		fprintf(stderr, "usage: seed users PREFIX COUNT due|fresh\n"
		    "       seed exchanges PREFIX USERS COUNT\n"
		    "       seed jwts PREFIX COUNT\n");
		return 2;
	}
	if (ig_cfg_load(&cfg, IG_NEED_KEYS | IG_NEED_AUTH, msg,
	    sizeof(msg)) != IG_OK)
		die(msg);
	if (mode == 3) {
		jwts(argv[2], n);
		ig_cfg_free(&cfg);
		return 0;
	}
	db = PQconnectdb(env("IGCONNECT_DB_ADMIN_URL"));
	if (PQstatus(db) != CONNECTION_OK)
		die("cannot connect to IGCONNECT_DB_ADMIN_URL");
	if ((fake = curl_easy_init()) == NULL)
		die("cannot start libcurl");
	for (done = 0; done < n; done += chunk) {
		chunk = n - done < CHUNK ? n - done : CHUNK;
		if (mode == 2)
			exchanges(argv[2], nusers, done, chunk);
		else
			connect_users(argv[2], done, chunk, mode);
	}
	curl_easy_cleanup(fake);
	PQfinish(db);
	ig_cfg_free(&cfg);
	return 0;
}
