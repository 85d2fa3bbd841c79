/* SPDX-License-Identifier: ISC */
/*
 * seed: load connections for the benchmarks without walking the login
 * flow.  Tokens are minted at the fake of Meta (POST /_fake/tokens),
 * sealed as igconnect seals them, and inserted with their users in a
 * few statements.  Each connection gets an account of its own, so its
 * ids and profile are distinct.
 *
 *	bench/seed PREFIX COUNT due|fresh
 *
 * Users are PREFIX-0 ... PREFIX-(COUNT-1).  "due" rows are 30 days old
 * and expire in 5 days (igconnect-refresh takes them); "fresh" ones were
 * issued now and expire in 60 days.  Reads the stack's environment
 * (IGCONNECT_DB_ADMIN_URL, IGCONNECT_FAKE_URL, IGCONNECT_CA_FILE and
 * the token keys).  Prints the number of rows written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "ig.h"

#define CHUNK	1000	/* rows per INSERT */

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

/*
 * One long-lived token for each of the accounts first .. first+count-1
 * (a request each, on one kept-alive connection), as a JSON array of
 * the fake's token objects.
 */
static json_t *
mint(CURL *c, long long first, long count, int due)
{
	struct ig_buf	 b;
	char		 url[512], body[256];
	json_t		*reply, *all;
	long		 i;

	if ((all = json_array()) == NULL)
		die("out of memory");
	(void)snprintf(url, sizeof(url), "%s/_fake/tokens",
	    env("IGCONNECT_FAKE_URL"));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, env("IGCONNECT_CA_FILE"));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	for (i = 0; i < count; i++) {
		ig_buf_init(&b, 64 * 1024);
		(void)snprintf(body, sizeof(body), "{\"account\":%lld,"
		    "\"kind\":\"long\",\"age\":%ld}", first + i,
		    due ? 30L * 86400 : 0L);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
		if (curl_easy_perform(c) != CURLE_OK || b.data == NULL)
			die("the fake of Meta did not answer /_fake/tokens");
		reply = json_loads(b.data, 0, NULL);
		ig_buf_free(&b);
		if (json_object_get(reply, "access_token") == NULL)
			die("unexpected reply from /_fake/tokens");
		if (json_array_append_new(all, reply) != 0)
			die("out of memory");
	}
	return all;
}

static PGresult *
exec(PGconn *db, const char *sql, int n, const char *const *vals)
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

/* Append "s" to a JSON array of strings. */
static void
push(json_t *a, const char *s)
{
	if (json_array_append_new(a, json_string(s)) != 0)
		die("out of memory");
}

int
main(int argc, char *argv[])
{
	struct ig_cfg	 cfg;
	PGconn		*db;
	PGresult	*res;
	CURL		*c;
	json_t		*tokens, *ext, *uids, *sealed, *puids, *igids, *tok;
	const char	*vals[6];
	char		 msg[256], name[160], aad[64], *s, *a[5];
	long		 count, i, done;
	int		 due, k;

	if (argc != 4 || (count = strtol(argv[2], NULL, 10)) <= 0 ||
	    count > 1000000 || (strcmp(argv[3], "due") != 0 &&
	    strcmp(argv[3], "fresh") != 0)) {
		fprintf(stderr, "usage: seed PREFIX COUNT due|fresh\n");
		return 2;
	}
	due = strcmp(argv[3], "due") == 0;
	if (ig_cfg_load(&cfg, IG_NEED_KEYS, msg, sizeof(msg)) != IG_OK)
		die(msg);
	db = PQconnectdb(env("IGCONNECT_DB_ADMIN_URL"));
	if (PQstatus(db) != CONNECTION_OK)
		die("cannot connect to IGCONNECT_DB_ADMIN_URL");
	if ((c = curl_easy_init()) == NULL)
		die("cannot start libcurl");
	for (done = 0; done < count; done += CHUNK) {
		long	n = count - done < CHUNK ? count - done : CHUNK;

		ext = json_array();
		for (i = 0; i < n; i++) {
			(void)snprintf(name, sizeof(name), "%s-%ld", argv[1],
			    done + i);
			push(ext, name);
		}
		s = json_dumps(ext, JSON_COMPACT);
		vals[0] = s;
		res = exec(db, "WITH x AS (SELECT unnest(ARRAY(SELECT "
		    "jsonb_array_elements_text($1::jsonb))) AS e) "
		    "INSERT INTO users (externalId) SELECT e FROM x "
		    "ON CONFLICT (externalId) DO UPDATE SET externalId = "
		    "EXCLUDED.externalId RETURNING id, externalId", 1, vals);
		free(s);
		tokens = mint(c, 1000000 + done, n, due);
		uids = json_array();
		sealed = json_array();
		puids = json_array();
		igids = json_array();
		for (i = 0; i < PQntuples(res); i++) {
			tok = json_array_get(tokens, (size_t)i);
			(void)snprintf(aad, sizeof(aad), "%s|instagram",
			    PQgetvalue(res, (int)i, 0));
			if (ig_seal(&cfg, json_string_value(json_object_get(tok,
			    "access_token")), aad, &s) != IG_OK)
				die("cannot seal a token");
			push(uids, PQgetvalue(res, (int)i, 0));
			push(sealed, s);
			free(s);
			push(puids, json_string_value(json_object_get(tok,
			    "user_id")));
			push(igids, json_string_value(json_object_get(tok,
			    "ig_id")));
		}
		PQclear(res);
		a[0] = json_dumps(uids, JSON_COMPACT);
		a[1] = json_dumps(sealed, JSON_COMPACT);
		a[2] = json_dumps(puids, JSON_COMPACT);
		a[3] = json_dumps(igids, JSON_COMPACT);
		for (k = 0; k < 4; k++)
			vals[k] = a[k];
		vals[4] = due ? "30 days" : "0 days";
		vals[5] = due ? "5 days" : "60 days";
		res = exec(db, "INSERT INTO oauth_connections AS c (userId, "
		    "provider, providerUserId, accessToken, expiresAt, "
		    "businessAccountId, scopes, metadata, tokenIssuedAt, "
		    "connectedAt, lastSyncedAt) "
		    "SELECT u::uuid, 'instagram', p, t, now() + $6::interval, "
		    "  g, ARRAY['instagram_business_basic'], jsonb_build_object("
		    "  'flavor', 'instagram', 'tokenKind', 'long', 'profile', "
		    "  jsonb_build_object('username', 'bench_' || p)), "
		    "  now() - $5::interval, now(), now() "
		    "FROM unnest(ARRAY(SELECT jsonb_array_elements_text("
		    "  $1::jsonb)), ARRAY(SELECT jsonb_array_elements_text("
		    "  $2::jsonb)), ARRAY(SELECT jsonb_array_elements_text("
		    "  $3::jsonb)), ARRAY(SELECT jsonb_array_elements_text("
		    "  $4::jsonb))) AS r(u, t, p, g) "
		    "ON CONFLICT (userId, provider) DO UPDATE SET "
		    "  accessToken = EXCLUDED.accessToken, "
		    "  expiresAt = EXCLUDED.expiresAt, "
		    "  tokenIssuedAt = EXCLUDED.tokenIssuedAt, "
		    "  status = 'active', version = c.version + 1, "
		    "  refreshState = 'ok', refreshAttempts = 0, "
		    "  refreshNextAt = NULL, refreshLeaseUntil = NULL",
		    6, vals);
		PQclear(res);
		for (k = 0; k < 4; k++)
			free(a[k]);
		json_decref(ext);
		json_decref(tokens);
		json_decref(uids);
		json_decref(sealed);
		json_decref(puids);
		json_decref(igids);
	}
	printf("%ld\n", count);
	curl_easy_cleanup(c);
	PQfinish(db);
	ig_cfg_free(&cfg);
	return 0;
}
