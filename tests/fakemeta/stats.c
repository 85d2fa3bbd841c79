/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: what tests read back about the traffic: connection and
 * per-route request counters, refresh counts per token, and a ring of
 * the last requests per route with everything the client sent.  Tokens
 * and secrets are kept verbatim on purpose: tests check exactly where a
 * client put them.  The request JSON is built before taking the lock so
 * the lock only guards pointer swaps; entries never leave this file
 * except as copies.
 */

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fakemeta.h"

#define LOG_RING	128		/* requests kept per route */
#define LOG_BODY_MAX	(64 * 1024)	/* raw bodies kept up to this */

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static long long	 connections;
static long long	 requests[FM_R__MAX];
static long long	 proof_checks;	/* appsecret_proofs checked */
static long long	 proof_failures;	/* of which missing or wrong */
static int		 in_flight;	/* requests being answered */
static struct fm_map	 refreshes;	/* sha256 prefix -> long long */
static json_t		*ring[FM_R__MAX][LOG_RING];
static size_t		 ringpos[FM_R__MAX];	/* next slot */
static size_t		 ringlen[FM_R__MAX];

void
fm_stats_init(void)
{
	fm_map_init(&refreshes);
}

static void
clear_locked(void)
{
	size_t	 r, i;

	for (r = 0; r < FM_R__MAX; r++) {
		for (i = 0; i < LOG_RING; i++) {
			json_decref(ring[r][i]);
			ring[r][i] = NULL;
		}
		ringpos[r] = ringlen[r] = 0;
		requests[r] = 0;
	}
	connections = 0;
	proof_checks = proof_failures = 0;
	fm_map_clear(&refreshes, free);
}

void
fm_stats_free(void)
{
	pthread_mutex_lock(&mu);
	clear_locked();
	fm_map_free(&refreshes, free);
	pthread_mutex_unlock(&mu);
}

void
fm_stats_reset(void)
{
	pthread_mutex_lock(&mu);
	clear_locked();
	pthread_mutex_unlock(&mu);
}

void
fm_stats_connection(void)
{
	pthread_mutex_lock(&mu);
	connections++;
	pthread_mutex_unlock(&mu);
}

void
fm_stats_request(enum fm_route r)
{
	pthread_mutex_lock(&mu);
	requests[r]++;
	pthread_mutex_unlock(&mu);
}

/*
 * A request to a route (not the control API) begins: how many are being
 * answered now, this one included, so a test can see a client's pace.
 */
int
fm_stats_enter(void)
{
	int	n;

	pthread_mutex_lock(&mu);
	n = ++in_flight;
	pthread_mutex_unlock(&mu);
	return n;
}

void
fm_stats_leave(void)
{
	pthread_mutex_lock(&mu);
	in_flight--;
	pthread_mutex_unlock(&mu);
}

/*
 * Count a refresh request carrying token tok, whatever its outcome:
 * tests use this to prove each token reached Meta exactly once.
 */
void
fm_stats_refresh(const char *tok)
{
	char		 key[17];
	long long	*n;

	fm_sha256_hex16(tok, key);
	pthread_mutex_lock(&mu);
	if ((n = fm_map_get(&refreshes, key)) == NULL) {
		n = fm_xcalloc(1, sizeof(*n));
		fm_map_put(&refreshes, key, n);
	}
	(*n)++;
	pthread_mutex_unlock(&mu);
}

/*
 * Count an appsecret_proof check and whether it passed: tests assert
 * that a client's proofs were always right.
 */
void
fm_stats_proof(int ok)
{
	pthread_mutex_lock(&mu);
	proof_checks++;
	if (!ok)
		proof_failures++;
	pthread_mutex_unlock(&mu);
}

/* Set key to the string, first occurrence wins (as parameter lookup). */
static void
set_first(json_t *o, const char *key, const char *v, size_t vlen)
{
	json_t	*s;

	if (json_object_get(o, key) != NULL)
		return;
	/* Values that are not UTF-8 cannot be JSON strings. */
	if ((s = json_stringn(v, vlen)) == NULL)
		s = json_null();
	json_object_set_new(o, key, s);
}

static json_t *
kv_object(const struct fm_kv *kv, size_t n, int lower)
{
	json_t	*o = json_object();
	char	 name[128];
	size_t	 i, j;

	for (i = 0; o != NULL && i < n; i++) {
		for (j = 0; j < sizeof(name) - 1 && kv[i].name[j] != '\0';
		    j++)
			name[j] = lower ? (char)tolower(
			    (unsigned char)kv[i].name[j]) : kv[i].name[j];
		name[j] = '\0';
		set_first(o, name, kv[i].value, kv[i].vlen);
	}
	return o;
}

void
fm_stats_log(enum fm_route r, const struct fm_req *req, int flying)
{
	json_t	*e, *old;

	e = json_pack("{s:s, s:I, s:i, s:s, s:s, s:s, s:o, s:o, s:o}",
	    "route", fm_route_name(r),
	    "time", (json_int_t)fm_now(),
	    "in_flight", flying,
	    "method", req->method,
	    "path", req->path,
	    "target", req->target,
	    "query", kv_object(req->query, req->nquery, 0),
	    "form", kv_object(req->form, req->nform, 0),
	    "headers", kv_object(req->hdr, req->nhdr, 1));
	if (e == NULL)
		return;
	if (req->bodylen > 0 && req->bodylen <= LOG_BODY_MAX)
		json_object_set_new(e, "body",
		    json_stringn(req->body, req->bodylen));
	pthread_mutex_lock(&mu);
	old = ring[r][ringpos[r]];
	ring[r][ringpos[r]] = e;
	ringpos[r] = (ringpos[r] + 1) % LOG_RING;
	if (ringlen[r] < LOG_RING)
		ringlen[r]++;
	pthread_mutex_unlock(&mu);
	json_decref(old);
}

/* New array of the last (at most limit) requests on route r, oldest first. */
json_t *
fm_stats_requests(enum fm_route r, size_t limit)
{
	json_t	*a = json_array();
	size_t	 n, i, slot;

	if (a == NULL)
		return NULL;
	pthread_mutex_lock(&mu);
	n = limit < ringlen[r] ? limit : ringlen[r];
	for (i = 0; i < n; i++) {
		slot = (ringpos[r] + LOG_RING - n + i) % LOG_RING;
		/*
		 * A copy: sharing the entry would leave its reference
		 * count to two threads, which jansson does not make safe.
		 */
		json_array_append_new(a, json_deep_copy(ring[r][slot]));
	}
	pthread_mutex_unlock(&mu);
	return a;
}

static void
add_refresh(const char *key, void *val, void *arg)
{
	json_object_set_new(arg, key, json_integer(*(long long *)val));
}

json_t *
fm_stats_json(void)
{
	json_t	*o, *rq, *rf;
	size_t	 r;

	rq = json_object();
	rf = json_object();
	pthread_mutex_lock(&mu);
	for (r = 0; r < FM_R__MAX; r++)
		if (r != FM_R_CONTROL)
			json_object_set_new(rq, fm_route_name(r),
			    json_integer(requests[r]));
	fm_map_foreach(&refreshes, add_refresh, rf);
	o = json_pack("{s:I, s:o, s:o, s:I, s:I}",
	    "connections_accepted", (json_int_t)connections,
	    "requests", rq,
	    "refresh_by_token", rf,
	    "proof_checks", (json_int_t)proof_checks,
	    "proof_failures", (json_int_t)proof_failures);
	pthread_mutex_unlock(&mu);
	if (o != NULL) {
		json_object_set_new(o, "tokens",
		    json_integer((json_int_t)fm_token_count()));
		json_object_set_new(o, "publishing", fm_publishing_json());
	}
	return o;
}
