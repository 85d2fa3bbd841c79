/* SPDX-License-Identifier: ISC */
/*
 * t_webhook.c: Meta's webhooks end to end, through nginx and
 * fcgi/webhook, fcgi/meta-deauthorize and fcgi/meta-deletion into
 * PostgreSQL: the subscription handshake, signed deliveries stored
 * byte for byte before the 200 and nothing stored without a valid
 * signature, duplicates, entries linked to their
 * connection, a full batch, many concurrent deliveries, and the
 * signed_request callbacks for deauthorization and data deletion.
 * Every id and text is unique to the run, so the file may run twice
 * against the same stack.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/hook.h"

/* ------------------------------------------------------------ helpers */

static const char *
secret(void)
{
	return env_or_die("INSTAGRAM_APP_SECRET");
}

/* A delivery of "n" fresh entries for "acct"; the caller frees it. */
static char *
delivery(const char *acct, int n)
{
	return hook_delivery(&acct, 1, n);
}

/* Hex of "body", for comparing stored bytes in SQL (decode(..., 'hex')). */
static char *
hexof(const char *body, size_t len)
{
	char	*h;

	if ((h = malloc(2 * len + 1)) == NULL)
		abort();
	ig_hex(h, (const unsigned char *)body, len);
	return h;
}

/* Rows of webhook_events whose body is exactly these bytes. */
static long long
events_with_body(const char *body, size_t len)
{
	char		*h = hexof(body, len);
	const char	*p[] = { h };
	long long	 n;

	n = hook_count("SELECT count(*) FROM webhook_events "
	    "WHERE body = decode($1, 'hex')", 1, p);
	free(h);
	return n;
}

/* Entries stored for the delivery with exactly these bytes. */
static long long
entries_of_body(const char *body, size_t len)
{
	char		*h = hexof(body, len);
	const char	*p[] = { h };
	long long	 n;

	n = hook_count("SELECT count(*) FROM webhook_entries n "
	    "JOIN webhook_events e ON e.id = n.eventid "
	    "WHERE e.body = decode($1, 'hex')", 1, p);
	free(h);
	return n;
}

static long long
all_events(void)
{
	return hook_count("SELECT count(*) FROM webhook_events", 0, NULL);
}

static long long
all_entries(void)
{
	return hook_count("SELECT count(*) FROM webhook_entries", 0, NULL);
}

static long long
entries_of(const char *acct)
{
	const char	*p[] = { acct };

	return hook_count("SELECT count(*) FROM webhook_entries "
	    "WHERE accountid = $1", 1, p);
}

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* A JSON error body whose "error" is "code" (any code when NULL). */
static int
is_error(const struct http_resp *r, const char *code)
{
	json_t	*o = resp_json(r);
	int	 ok;

	ok = o != NULL && json_is_string(json_object_get(o, "error")) &&
	    (code == NULL || strcmp(jstr(o, "error"), code) == 0);
	json_decref(o);
	return ok;
}

/* GET /webhooks/instagram?"query"; "r" may be NULL. */
static long
verify_get(const char *query, struct http_resp *r)
{
	struct http_resp	mine;
	char			path[4096];
	long			st;

	(void)snprintf(path, sizeof(path), "%s?%s", HOOK_PATH, query);
	st = http_do("GET", stack_url(path), NULL, NULL, 0, NULL,
	    r != NULL ? r : &mine);
	if (r == NULL)
		http_resp_free(&mine);
	return st;
}

/* The verify token, percent-encoded for a query string. */
static const char *
token_q(void)
{
	static char	 buf[256];
	char		*e;

	if (buf[0] == '\0') {
		e = curl_easy_escape(NULL,
		    env_or_die("INSTAGRAM_WEBHOOK_VERIFY_TOKEN"), 0);
		(void)snprintf(buf, sizeof(buf), "%s", e);
		curl_free(e);
	}
	return buf;
}

/* ------------------------------------------------------ handshake (1) */

static void
t_verify_echo(void)
{
	struct http_resp	r;
	char			q[2048], v[256];

	(void)snprintf(q, sizeof(q), "hub.mode=subscribe&hub.challenge="
	    "1158201444&hub.verify_token=%s", token_q());
	CHECK(verify_get(q, &r) == 200);
	CHECK(r.len == 10 && strcmp(r.body, "1158201444") == 0);
	CHECK(resp_header(&r, "Content-Type", v, sizeof(v)) &&
	    strncmp(v, "text/plain", 10) == 0);
	CHECK(resp_header(&r, "X-Content-Type-Options", v, sizeof(v)) &&
	    strcmp(v, "nosniff") == 0);
	http_resp_free(&r);

	/* The challenge is opaque: letters too, in any parameter order. */
	(void)snprintf(q, sizeof(q), "hub.verify_token=%s&hub.challenge="
	    "AbC123xyz&hub.mode=subscribe", token_q());
	CHECK(verify_get(q, &r) == 200);
	CHECK(strcmp(r.body, "AbC123xyz") == 0);
	http_resp_free(&r);
}

static void
t_verify_forbidden(void)
{
	static const char *const what[] = { "wrong token", "no token",
	    "unsubscribe", "no mode", "no challenge", "<script> challenge",
	    "challenge with '-'" };
	char			 q[7][2048];
	struct http_resp	 r;
	size_t			 i;

	(void)snprintf(q[0], sizeof(q[0]), "hub.mode=subscribe&"
	    "hub.challenge=42&hub.verify_token=%sx", token_q());
	(void)snprintf(q[1], sizeof(q[1]), "hub.mode=subscribe&"
	    "hub.challenge=42");
	(void)snprintf(q[2], sizeof(q[2]), "hub.mode=unsubscribe&"
	    "hub.challenge=42&hub.verify_token=%s", token_q());
	(void)snprintf(q[3], sizeof(q[3]), "hub.challenge=42&"
	    "hub.verify_token=%s", token_q());
	(void)snprintf(q[4], sizeof(q[4]), "hub.mode=subscribe&"
	    "hub.verify_token=%s", token_q());
	(void)snprintf(q[5], sizeof(q[5]), "hub.mode=subscribe&"
	    "hub.challenge=%%3Cscript%%3Ealert(1)%%3C%%2Fscript%%3E&"
	    "hub.verify_token=%s", token_q());
	(void)snprintf(q[6], sizeof(q[6]), "hub.mode=subscribe&"
	    "hub.challenge=12-34&hub.verify_token=%s", token_q());
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (!CHECK(verify_get(q[i], &r) == 403))
			printf("  %s: answered %ld\n", what[i], r.status);
		CHECK(is_error(&r, "forbidden"));
		CHECK(strstr(r.body, "<script>") == NULL);
		CHECK(strstr(r.body, "alert") == NULL);
		http_resp_free(&r);
	}
}

/* An empty challenge is not [0-9A-Za-z]+ either: refused the same way. */
static void
t_verify_empty_challenge(void)
{
	struct http_resp	r;
	char			q[2048];

	(void)snprintf(q, sizeof(q), "hub.mode=subscribe&hub.challenge=&"
	    "hub.verify_token=%s", token_q());
	CHECK(verify_get(q, &r) == 403);
	CHECK(is_error(&r, "forbidden"));
	http_resp_free(&r);
}

/* At most 256 characters are echoed; one more is refused. */
static void
t_verify_challenge_bounds(void)
{
	char	ch[258], q[2048];
	size_t	i;

	for (i = 0; i < 257; i++)
		ch[i] = "0123456789abcdefXYZ"[i % 19];
	ch[256] = '\0';
	(void)snprintf(q, sizeof(q), "hub.mode=subscribe&hub.challenge=%s&"
	    "hub.verify_token=%s", ch, token_q());
	CHECK(verify_get(q, NULL) == 200);
	ch[256] = 'q';
	ch[257] = '\0';
	(void)snprintf(q, sizeof(q), "hub.mode=subscribe&hub.challenge=%s&"
	    "hub.verify_token=%s", ch, token_q());
	CHECK(verify_get(q, NULL) == 403);
}

/* A client may encode the dots; the names are the same after decoding. */
static void
t_verify_encoded_names(void)
{
	struct http_resp	r;
	char			q[2048];

	(void)snprintf(q, sizeof(q), "hub%%2Emode=subscribe&"
	    "hub%%2echallenge=777&hub%%2Everify_token=%s", token_q());
	CHECK(verify_get(q, &r) == 200);
	CHECK(strcmp(r.body, "777") == 0);
	http_resp_free(&r);
}

static void
t_verify_duplicates_400(void)
{
	char	q[3][4096];
	size_t	i;

	(void)snprintf(q[0], sizeof(q[0]), "hub.mode=subscribe&"
	    "hub.challenge=1&hub.challenge=2&hub.verify_token=%s", token_q());
	(void)snprintf(q[1], sizeof(q[1]), "hub.mode=subscribe&"
	    "hub.challenge=1&hub.verify_token=%s&hub.verify_token=%s",
	    token_q(), token_q());
	/* The same name once plain and once encoded is still twice. */
	(void)snprintf(q[2], sizeof(q[2]), "hub.mode=subscribe&"
	    "hub%%2Emode=subscribe&hub.challenge=1&hub.verify_token=%s",
	    token_q());
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		CHECK(verify_get(q[i], NULL) == 400);
}

/* ------------------------------------------------------ deliveries (2) */

/*
 * Non-ASCII bytes and \u escapes, signed over the raw bytes: accepted
 * only if nothing re-encodes the body before the check,
 * and stored byte for byte with its hash, object and entry.
 */
static void
t_post_stored_exactly(void)
{
	char			 acct[32], cid[32], body[1024], entry[768],
				 eid[32], v[64];
	const char		*p[] = { eid, entry }, *q[] = { acct };
	struct http_resp	 r;
	json_t			*o;
	long long		 before = all_events();
	int			 n;

	hook_newid(acct, sizeof(acct));
	hook_newid(cid, sizeof(cid));
	(void)snprintf(entry, sizeof(entry), "{\"id\": \"%s\", \"time\": "
	    "1519399307, \"changes\": [{\"field\": \"comments\", \"value\": "
	    "{\"id\": \"%s\", \"text\": \"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 "
	    "\xf0\x9f\x93\xb7 %s\"}}]}", acct, cid, hook_nonce());
	n = snprintf(body, sizeof(body), "{\"object\": \"instagram\",\n "
	    "\"entry\": [%s]}\n", entry);
	CHECK(hook_post(body, (size_t)n, secret(), &r) == 200);
	o = resp_json(&r);
	CHECK(o != NULL && json_is_true(json_object_get(o, "received")));
	json_decref(o);
	http_resp_free(&r);

	CHECK(all_events() == before + 1);
	CHECK(events_with_body(body, (size_t)n) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE "
	    "bodyhash = sha256(body) AND object = 'instagram' AND "
	    "receivedat IS NOT NULL AND id = (SELECT max(id) FROM "
	    "webhook_events)", 0, NULL) == 1);
	CHECK(entries_of_body(body, (size_t)n) == 1);
	CHECK(hook_query(eid, sizeof(eid), "SELECT id FROM webhook_entries "
	    "WHERE accountid = $1", 1, q) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "id = $1::bigint AND payload = $2::jsonb AND object = 'instagram' "
	    "AND status = 'pending' AND attempts = 0 AND NOT istest AND "
	    "connectionid IS NULL AND deliveredat IS NULL AND "
	    "length(entryhash) > 0", 2, p) == 1);
	CHECK(hook_query(v, sizeof(v), "SELECT payload->'changes'->0->"
	    "'value'->>'id' FROM webhook_entries WHERE id = $1::bigint", 1,
	    p) == 1 && strcmp(v, cid) == 0);
}

static void
t_post_facebook_secret(void)
{
	char	 acct[32], *body;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 1);
	CHECK(hook_post(body, strlen(body), env_or_die("FACEBOOK_APP_SECRET"),
	    NULL) == 200);
	CHECK(events_with_body(body, strlen(body)) == 1);
	CHECK(entries_of(acct) == 1);
	free(body);
}

/* POST with one signature header value; NULL value: no header. */
static long
post_sig(const char *body, size_t len, const char *hdr)
{
	const char		*h[] = { "Content-Type: application/json",
	    hdr, NULL };
	struct http_resp	 r;
	long			 st;

	st = hook_post_hdrs(body, len, h, &r);
	if (st == 403)
		CHECK(is_error(&r, NULL));
	http_resp_free(&r);
	return st;
}

static void
t_post_bad_signatures(void)
{
	char		 acct[32], sig[HOOK_SIGLEN], h[16][512], *body,
			*spaced;
	long long	 ev = all_events(), en = all_entries();
	size_t		 i, len, nh = 0;
	unsigned char	 mac[32];
	char		 hex[65];

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 2);
	len = strlen(body);
	hook_sign(sig, secret(), body, len);

	/* One hex digit changed. */
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: %.70s%c",
	    sig, sig[70] == '0' ? '1' : '0');
	/* Truncated, and one digit too many. */
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: %.70s",
	    sig);
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: %s0",
	    sig);
	/* No digits at all, or not hex. */
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: sha256=");
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: "
	    "sha256=%.63sg", sig + 7);
	/* The right digits under another algorithm's name, or none. */
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: sha1=%s",
	    sig + 7);
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: %s",
	    sig + 7);
	/* Only Meta's legacy header, with the right value in it. */
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature: %s", sig);
	/* Another secret. */
	ig_hmac_sha256("not-the-app-secret", 18, body, len, mac);
	ig_hex(hex, mac, sizeof(mac));
	(void)snprintf(h[nh++], sizeof(h[0]), "X-Hub-Signature-256: "
	    "sha256=%s", hex);
	for (i = 0; i < nh; i++)
		if (!CHECK(post_sig(body, len, h[i]) == 403))
			printf("  header %zu: %s\n", i, h[i]);
	CHECK(post_sig(body, len, NULL) == 403);

	/* A valid signature over other bytes of the same JSON. */
	if ((spaced = malloc(len + 2)) == NULL)
		abort();
	(void)snprintf(spaced, len + 2, " %s", body);
	(void)snprintf(h[0], sizeof(h[0]), "X-Hub-Signature-256: %s", sig);
	CHECK(post_sig(spaced, len + 1, h[0]) == 403);
	/* One body byte changed under the original signature. */
	memcpy(spaced, body, len + 1);
	spaced[len - 5] = spaced[len - 5] == 'x' ? 'y' : 'x';
	CHECK(post_sig(spaced, len, h[0]) == 403);
	free(spaced);

	CHECK(all_events() == ev);
	CHECK(all_entries() == en);
	CHECK(entries_of(acct) == 0);
	/* The control: the very same body and header are accepted. */
	CHECK(post_sig(body, len, h[0]) == 200);
	CHECK(entries_of(acct) == 2);
	free(body);
}

/* The signature is checked first: bad JSON under a bad one is a 403. */
static void
t_post_bad_sig_before_parse(void)
{
	static const char	body[] = "{\"object\": \"instagram\", "
	    "\"entry\"";
	long long		ev = all_events();

	CHECK(hook_post(body, sizeof(body) - 1, "wrong-secret", NULL) == 403);
	CHECK(hook_post(body, sizeof(body) - 1, NULL, NULL) == 403);
	CHECK(all_events() == ev);
}

/* Two signature headers are ambiguous, whichever comes first. */
static void
t_post_two_signature_headers(void)
{
	char		 acct[32], sig[HOOK_SIGLEN], good[128], *body;
	const char	*bad = "X-Hub-Signature-256: sha256=0000000000000000"
	    "000000000000000000000000000000000000000000000000";
	const char	*h1[] = { "Content-Type: application/json", good, bad,
	    NULL };
	const char	*h2[] = { "Content-Type: application/json", bad, good,
	    NULL };
	long long	 ev = all_events();
	long		 st;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 1);
	hook_sign(sig, secret(), body, strlen(body));
	(void)snprintf(good, sizeof(good), "X-Hub-Signature-256: %s", sig);
	if (!CHECK((st = hook_post_hdrs(body, strlen(body), h1, NULL)) ==
	    403))
		printf("  valid then invalid: %ld\n", st);
	if (!CHECK((st = hook_post_hdrs(body, strlen(body), h2, NULL)) ==
	    403))
		printf("  invalid then valid: %ld\n", st);
	CHECK(all_events() == ev);
	free(body);
}

/* Signed but not JSON: kept as delivered (no entries), still a 200. */
static void
t_post_not_json_stored(void)
{
	char	body[128];
	int	n;

	n = snprintf(body, sizeof(body), "this is not json %s",
	    hook_nonce());
	CHECK(hook_post(body, (size_t)n, secret(), NULL) == 200);
	CHECK(events_with_body(body, (size_t)n) == 1);
	CHECK(entries_of_body(body, (size_t)n) == 0);
}

/* Over 1 MiB is refused before anything is stored, in the JSON shape. */
static void
t_post_too_large_413(void)
{
	size_t			 sizes[] = { 1024 * 1024 + 1,
	    3 * 1024 * 1024 };
	struct http_resp	 r;
	long long		 ev = all_events();
	char			*big, acct[32];
	size_t			 i, n, k;

	hook_newid(acct, sizeof(acct));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		if ((big = malloc(n + 1)) == NULL)
			abort();
		/* Valid JSON padded with spaces, validly signed. */
		k = (size_t)snprintf(big, n + 1, "{\"object\":\"instagram\","
		    "\"entry\":[{\"id\":\"%s\",\"time\":1}]", acct);
		memset(big + k, ' ', n - k - 1);
		big[n - 1] = '}';
		big[n] = '\0';
		CHECK(hook_post(big, n, secret(), &r) == 413);
		CHECK(is_error(&r, "payload_too_large"));
		http_resp_free(&r);
		free(big);
	}
	CHECK(all_events() == ev);
	CHECK(entries_of(acct) == 0);
}

/* ------------------------------------------------------ duplicates (3) */

static void
t_duplicate_delivery(void)
{
	char		 acct[32], *body;
	size_t		 len;
	long long	 ev, en;
	int		 i;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 3);
	len = strlen(body);
	ev = all_events();
	en = all_entries();
	for (i = 0; i < 5; i++)
		CHECK(hook_post(body, len, secret(), NULL) == 200);
	CHECK(events_with_body(body, len) == 1);
	CHECK(all_events() == ev + 1);
	CHECK(all_entries() == en + 3);
	CHECK(entries_of(acct) == 3);
	free(body);
}

#define DUP_THREADS	10

struct	dup {
	const char		*body;
	size_t			 len;
	pthread_barrier_t	*go;
	long			 status;
};

static void *
dup_post(void *arg)
{
	struct dup	*d = arg;

	pthread_barrier_wait(d->go);
	d->status = hook_post(d->body, d->len, secret(), NULL);
	return NULL;
}

/*
 * Meta's retry racing its first try: the same signed delivery ten
 * times at once is ten 200s, one stored delivery and each entry once.
 */
static void
t_duplicate_delivery_parallel(void)
{
	struct dup		 d[DUP_THREADS];
	pthread_t		 th[DUP_THREADS];
	pthread_barrier_t	 go;
	char			 acct[32], *body;
	long long		 ev = all_events(), en = all_entries();
	int			 i, started = 0, ok = 0;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 3);
	pthread_barrier_init(&go, NULL, DUP_THREADS);
	for (i = 0; i < DUP_THREADS; i++) {
		d[i].body = body;
		d[i].len = strlen(body);
		d[i].go = &go;
		d[i].status = -1;
		if (pthread_create(&th[i], NULL, dup_post, &d[i]) != 0)
			break;
		started++;
	}
	CHECK(started == DUP_THREADS);
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		if (d[i].status == 200)
			ok++;
		else
			printf("  post %d: status %ld\n", i, d[i].status);
	}
	pthread_barrier_destroy(&go);
	CHECK(ok == DUP_THREADS);
	CHECK(events_with_body(body, strlen(body)) == 1);
	CHECK(all_events() == ev + 1);
	CHECK(all_entries() == en + 3);
	CHECK(entries_of(acct) == 3);
	free(body);
}

/* The same entry bytes in two different deliveries: one entry row. */
static void
t_duplicate_entry(void)
{
	char		 acct[32], a[4096], b[4096], *e1, *e2, *e3;
	long long	 ev = all_events();
	int		 na, nb;

	hook_newid(acct, sizeof(acct));
	e1 = hook_entry(acct);
	e2 = hook_entry(acct);
	e3 = hook_entry(acct);
	na = snprintf(a, sizeof(a), "{\"object\":\"instagram\",\"entry\":"
	    "[%s,%s]}", e1, e2);
	nb = snprintf(b, sizeof(b), "{\"entry\":[%s,%s],\"object\":"
	    "\"instagram\"}", e2, e3);
	CHECK(na > 0 && (size_t)na < sizeof(a) && nb > 0 &&
	    (size_t)nb < sizeof(b));
	CHECK(hook_post(a, (size_t)na, secret(), NULL) == 200);
	CHECK(hook_post(b, (size_t)nb, secret(), NULL) == 200);
	CHECK(all_events() == ev + 2);
	CHECK(entries_of(acct) == 3);
	CHECK(entries_of_body(a, (size_t)na) == 2);
	CHECK(entries_of_body(b, (size_t)nb) == 1);
	free(e1);
	free(e2);
	free(e3);
}

/* --------------------------------------------------- entry linking (4) */

static void
t_entry_linking(void)
{
	char		 ext[64], puid[32], baid[32], other[32], conn[64],
			 got[64], *b1, *b2;
	const char	*p[] = { baid };
	const char	*q[] = { other };

	(void)snprintf(ext, sizeof(ext), "hook-link-%s", hook_nonce());
	hook_newid(puid, sizeof(puid));
	hook_newid(baid, sizeof(baid));
	hook_newid(other, sizeof(other));
	CHECK(hook_connection_new(ext, puid, baid, conn, sizeof(conn)));
	b1 = delivery(baid, 2);
	b2 = delivery(other, 1);
	CHECK(hook_post(b1, strlen(b1), secret(), NULL) == 200);
	CHECK(hook_post(b2, strlen(b2), secret(), NULL) == 200);
	CHECK(entries_of(baid) == 2);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1 AND connectionid IS NULL", 1, p) == 0);
	CHECK(hook_query(got, sizeof(got), "SELECT DISTINCT connectionid "
	    "FROM webhook_entries WHERE accountid = $1", 1, p) == 1);
	CHECK(strcmp(got, conn) == 0);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1 AND connectionid IS NULL AND NOT istest", 1,
	    q) == 1);
	free(b1);
	free(b2);
}

/* Meta's dashboard "Test" button sends entry.id "0". */
static void
t_test_delivery_flagged(void)
{
	char		 body[1024], cid[32];
	const char	*p[] = { cid };
	int		 n;

	hook_newid(cid, sizeof(cid));
	n = snprintf(body, sizeof(body), "{\"entry\": [{\"id\": \"0\", "
	    "\"time\": %lld, \"changes\": [{\"field\": \"comments\", "
	    "\"value\": {\"from\": {\"id\": \"232323232\", "
	    "\"username\": \"test\"}, \"media\": {\"id\": \"123123123\", "
	    "\"media_product_type\": \"FEED\"}, \"id\": \"%s\", "
	    "\"text\": \"This is an example.\"}}]}], "
	    "\"object\": \"instagram\"}", (long long)time(NULL), cid);
	CHECK(hook_post(body, (size_t)n, secret(), NULL) == 200);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "payload->'changes'->0->'value'->>'id' = $1 AND accountid = '0' "
	    "AND istest AND connectionid IS NULL", 1, p) == 1);
}

/* ------------------------------------------------------------ load (5) */

static void
t_batch_1000(void)
{
	char	 acct[32], *body;
	size_t	 len;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 1000);
	len = strlen(body);
	CHECK(len < 1024 * 1024);
	CHECK(hook_post(body, len, secret(), NULL) == 200);
	CHECK(entries_of_body(body, len) == 1000);
	CHECK(entries_of(acct) == 1000);
	free(body);
}

#define CONC_THREADS	8
#define CONC_EACH	250

struct	conc {
	char	acct[32];
	int	worker;
	int	ok;		/* deliveries answered 200 */
	long	other;		/* the last other status seen */
};

static void *
conc_worker(void *arg)
{
	struct conc	*c = arg;
	char		 body[512];
	long		 st;
	int		 i, n;

	for (i = 0; i < CONC_EACH; i++) {
		n = snprintf(body, sizeof(body), "{\"object\":\"instagram\","
		    "\"entry\":[{\"id\":\"%s\",\"time\":%d,\"messaging\":[{"
		    "\"sender\":{\"id\":\"5614879045272581\"},\"recipient\":{"
		    "\"id\":\"%s\"},\"timestamp\":%d,\"read\":{\"mid\":"
		    "\"m-%s-%d-%d\"}}]}]}", c->acct, c->worker * CONC_EACH + i,
		    c->acct, i, hook_nonce(), c->worker, i);
		if ((st = hook_post(body, (size_t)n, secret(), NULL)) == 200)
			c->ok++;
		else
			c->other = st;
	}
	return NULL;
}

/* 2,000 distinct deliveries from 8 threads: each one stored, none lost. */
static void
t_concurrent_2000(void)
{
	struct conc	 c[CONC_THREADS];
	pthread_t	 th[CONC_THREADS];
	long long	 ev = all_events();
	char		 acct[32];
	int		 i, ok = 0;

	hook_newid(acct, sizeof(acct));
	for (i = 0; i < CONC_THREADS; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		memcpy(c[i].acct, acct, sizeof(acct));
		c[i].worker = i;
		CHECK(pthread_create(&th[i], NULL, conc_worker, &c[i]) == 0);
	}
	for (i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += c[i].ok;
		if (c[i].other != 0)
			printf("  thread %d: %d of %d answered 200, "
			    "else %ld\n", i, c[i].ok, CONC_EACH, c[i].other);
	}
	CHECK(ok == CONC_THREADS * CONC_EACH);
	CHECK(all_events() == ev + CONC_THREADS * CONC_EACH);
	CHECK(entries_of(acct) == CONC_THREADS * CONC_EACH);
}

/*
 * With the database down nothing can be stored, so the answer is a 5xx
 * and Meta retries; the retry, once it is back, is stored once.
 */
static void
t_post_db_down_5xx(void)
{
	const char *const	 stop[] = { "sh", "tests/stack/igconnect-stack",
	    "db-stop", NULL };
	const char *const	 start[] = { "sh", "tests/stack/igconnect-stack",
	    "db-start", NULL };
	char			 acct[32], *body;
	size_t			 len;
	long			 st = 0;
	int			 i;

	hook_newid(acct, sizeof(acct));
	body = delivery(acct, 2);
	len = strlen(body);
	CHECK(run_cmd(stop) == 0);
	st = hook_post(body, len, secret(), NULL);
	if (!CHECK(st >= 500 && st <= 599))
		printf("  delivery with the database down answered %ld\n", st);
	CHECK(run_cmd(start) == 0);
	PQreset(hook_db());
	/* Meta retries; the workers reconnect on their next request. */
	for (i = 0; i < 50 && (st = hook_post(body, len, secret(), NULL)) !=
	    200; i++)
		msleep(100);
	CHECK(st == 200);
	CHECK(hook_post(body, len, secret(), NULL) == 200);
	CHECK(events_with_body(body, len) == 1);
	CHECK(entries_of(acct) == 2);
	free(body);
}

/* ------------------------------------- deauthorize and data deletion (7) */

static long
post_form(const char *path, const char *form, struct http_resp *r)
{
	const char *const	h[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_resp	mine;
	long			st;

	st = http_do("POST", stack_url(path), h, form, strlen(form), NULL,
	    r != NULL ? r : &mine);
	if (r == NULL)
		http_resp_free(&mine);
	return st;
}

/* signed_request=... for "user_id" under "key" and "alg". */
static void
signed_form(char *out, size_t outsz, const char *key, const char *alg,
    const char *uid)
{
	char	json[512], sr[1024];

	(void)snprintf(json, sizeof(json), "{\"algorithm\":\"%s\","
	    "\"issued_at\":%lld,\"user_id\":\"%s\"}", alg,
	    (long long)time(NULL), uid);
	hook_signed_request(sr, sizeof(sr), key, json);
	(void)snprintf(out, outsz, "signed_request=%s", sr);
}

/* 1 if connection "conn" is still active with a token. */
static int
untouched(const char *conn)
{
	const char	*p[] = { conn };

	return hook_count("SELECT count(*) FROM oauth_connections WHERE "
	    "id = $1::uuid AND status = 'active' AND accesstoken IS NOT NULL",
	    1, p) == 1;
}

/*
 * Forged requests for "uid" against "path": each is a 403 and leaves
 * connection "conn" as it was.
 */
static void
check_forgeries(const char *path, const char *uid, const char *conn)
{
	static const char *const what[] = { "another secret", "HMAC-SHA1",
	    "algorithm none", "another user's payload", "no payload",
	    "no signature", "no dot", "no signed_request", "not base64url",
	    "a third segment", "issued in 2001" };
	char		 f[12][4096], good[2048], sig[128], *dot, other[32];
	char		 json[256], sr[1024];
	struct http_resp r;
	size_t		 i, n = 0;

	hook_newid(other, sizeof(other));
	signed_form(f[n++], sizeof(f[0]), "not-the-app-secret",
	    "HMAC-SHA256", uid);
	signed_form(f[n++], sizeof(f[0]), secret(), "HMAC-SHA1", uid);
	signed_form(f[n++], sizeof(f[0]), secret(), "none", uid);
	/* Another user's payload under this user's signature. */
	signed_form(good, sizeof(good), secret(), "HMAC-SHA256", uid);
	dot = strchr(good, '.');
	(void)snprintf(sig, sizeof(sig), "%.*s", (int)(dot - good), good);
	signed_form(f[n], sizeof(f[0]), secret(), "HMAC-SHA256", other);
	(void)snprintf(f[n + 1], sizeof(f[0]), "%s%s", sig,
	    strchr(f[n], '.'));
	memcpy(f[n], f[n + 1], sizeof(f[0]));
	n++;
	/* The signature alone, the payload alone, nothing, garbage. */
	(void)snprintf(f[n++], sizeof(f[0]), "%s.", sig);
	(void)snprintf(f[n++], sizeof(f[0]), "signed_request=%s", dot);
	(void)snprintf(f[n++], sizeof(f[0]), "signed_request=%s", dot + 1);
	(void)snprintf(f[n++], sizeof(f[0]), "other=1");
	(void)snprintf(f[n++], sizeof(f[0]), "signed_request=!!!.###");
	(void)snprintf(f[n++], sizeof(f[0]), "%s.x", good);
	/* Rightly signed, but too old to be Meta's call of today. */
	(void)snprintf(json, sizeof(json), "{\"algorithm\":\"HMAC-SHA256\","
	    "\"issued_at\":1000000000,\"user_id\":\"%s\"}", uid);
	hook_signed_request(sr, sizeof(sr), secret(), json);
	(void)snprintf(f[n++], sizeof(f[0]), "signed_request=%s", sr);
	for (i = 0; i < n; i++) {
		if (!CHECK(post_form(path, f[i], &r) == 403))
			printf("  %s, %s: answered %ld\n", path, what[i],
			    r.status);
		http_resp_free(&r);
	}
	CHECK(post_form(path, "", NULL) == 403);
	CHECK(untouched(conn));
}

static void
deauth_by(int by_business)
{
	static const char	path[] = "/webhooks/instagram/deauthorize";
	char			ext[64], puid[32], baid[32], conn[64],
				form[1024];
	const char		*p[] = { conn };

	(void)snprintf(ext, sizeof(ext), "hook-deauth-%d-%s", by_business,
	    hook_nonce());
	hook_newid(puid, sizeof(puid));
	hook_newid(baid, sizeof(baid));
	CHECK(hook_connection_new(ext, puid, baid, conn, sizeof(conn)));
	check_forgeries(path, by_business ? baid : puid, conn);
	signed_form(form, sizeof(form), secret(), "HMAC-SHA256",
	    by_business ? baid : puid);
	CHECK(post_form(path, form, NULL) == 200);
	CHECK(hook_count("SELECT count(*) FROM oauth_connections WHERE "
	    "id = $1::uuid AND status = 'needs_reauth' AND "
	    "accesstoken IS NULL", 1, p) == 1);
}

static void
t_deauth_by_provider_user_id(void)
{
	deauth_by(0);
}

static void
t_deauth_by_business_account_id(void)
{
	deauth_by(1);
}

/* Only the signed user's connection changes. */
static void
t_deauth_other_untouched(void)
{
	char	ext[2][64], puid[2][32], baid[2][32], conn[2][64],
		form[1024];
	int	i;

	for (i = 0; i < 2; i++) {
		(void)snprintf(ext[i], sizeof(ext[i]), "hook-deauth-o%d-%s",
		    i, hook_nonce());
		hook_newid(puid[i], sizeof(puid[i]));
		hook_newid(baid[i], sizeof(baid[i]));
		CHECK(hook_connection_new(ext[i], puid[i], baid[i], conn[i],
		    sizeof(conn[i])));
	}
	signed_form(form, sizeof(form), secret(), "HMAC-SHA256", puid[0]);
	CHECK(post_form("/webhooks/instagram/deauthorize", form, NULL) ==
	    200);
	CHECK(!untouched(conn[0]));
	CHECK(untouched(conn[1]));
}

/*
 * A number past 64 bits is no reason to lose a delivery: PostgreSQL reads
 * it exactly.  A body that is not a JSON object at all is kept raw and
 * flagged unparsed, never silently left without entries.
 */
static void
t_unparsed_kept(void)
{
	char		 acct[32], body[512];
	const char	*a[] = { acct }, *b[] = { body };

	hook_newid(acct, sizeof(acct));
	(void)snprintf(body, sizeof(body), "{\"object\":\"instagram\","
	    "\"entry\":[{\"id\":\"%s\",\"time\":1,\"changes\":[{\"field\":"
	    "\"comments\",\"value\":{\"n\":123456789012345678901234567890}}]}]}",
	    acct);
	CHECK(hook_post(body, strlen(body), secret(), NULL) == 200);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1 AND payload->'changes'->0->'value'->>'n' = "
	    "'123456789012345678901234567890'", 1, a) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE "
	    "body = convert_to($1, 'UTF8') AND NOT unparsed", 1, b) == 1);
	(void)snprintf(body, sizeof(body), "[\"not an object %s\"]",
	    hook_nonce());
	CHECK(hook_post(body, strlen(body), secret(), NULL) == 200);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE "
	    "body = convert_to($1, 'UTF8') AND unparsed", 1, b) == 1);
}

/* Raw deliveries whose body names account $1. */
#define EVENTS_OF \
	"SELECT count(*) FROM webhook_events WHERE position(convert_to($1, " \
	"'UTF8') IN body) > 0"

static void
t_deletion_flow(void)
{
	static const char	 path[] = "/webhooks/instagram/data-deletion";
	char			 ext[64], puid[32], baid[32], conn[64],
				 form[1024], want[256], get[512], *esc,
				 other[32], *body;
	const char		*p[] = { conn };
	const char		*alone[] = { baid }, *both[] = { baid, other };
	const char		*ev_b[] = { baid }, *ev_o[] = { other };
	const char		*code, *url;
	struct http_resp	 r;
	json_t			*o, *s;
	size_t			 ul, wl;

	(void)snprintf(ext, sizeof(ext), "hook-delete-%s", hook_nonce());
	hook_newid(puid, sizeof(puid));
	hook_newid(baid, sizeof(baid));
	hook_newid(other, sizeof(other));
	CHECK(hook_connection_new(ext, puid, baid, conn, sizeof(conn)));
	check_forgeries(path, puid, conn);
	/* A delivery of the account's alone, and one it shares. */
	body = hook_delivery(alone, 1, 2);
	CHECK(hook_post(body, strlen(body), secret(), NULL) == 200);
	free(body);
	body = hook_delivery(both, 2, 2);
	CHECK(hook_post(body, strlen(body), secret(), NULL) == 200);
	free(body);
	CHECK(hook_count(EVENTS_OF, 1, ev_b) == 2);

	signed_form(form, sizeof(form), secret(), "HMAC-SHA256", puid);
	CHECK(post_form(path, form, &r) == 200);
	o = resp_json(&r);
	http_resp_free(&r);
	code = jstr(o, "confirmation_code");
	url = jstr(o, "url");
	CHECK(strlen(code) > 0);
	(void)snprintf(want, sizeof(want), "%s?code=%s", path, code);
	ul = strlen(url);
	wl = strlen(want);
	CHECK(ul > wl && strcmp(url + ul - wl, want) == 0);
	CHECK(strncmp(url, "http", 4) == 0);
	CHECK(hook_count("SELECT count(*) FROM oauth_connections WHERE "
	    "id = $1::uuid", 1, p) == 0);
	/*
	 * The raw delivery that held only its entries is gone; the shared
	 * one stays (another account's data is in it), with the other
	 * account's entry alone.
	 */
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1", 1, ev_b) == 0);
	CHECK(hook_count(EVENTS_OF, 1, ev_b) == 1);
	CHECK(hook_count(EVENTS_OF, 1, ev_o) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1", 1, ev_o) == 1);

	esc = curl_easy_escape(NULL, code, 0);
	(void)snprintf(get, sizeof(get), "%s?code=%s", path, esc);
	curl_free(esc);
	CHECK(http_do("GET", stack_url(get), NULL, NULL, 0, NULL, &r) == 200);
	s = resp_json(&r);
	CHECK(strcmp(jstr(s, "confirmation_code"), code) == 0);
	CHECK(strcmp(jstr(s, "status"), "completed") == 0);
	json_decref(s);
	json_decref(o);
	http_resp_free(&r);
}

/* An empty signed_request is a missing one: forbidden, nothing changes. */
static void
t_signed_request_empty(void)
{
	static const char *const paths[] = {
	    "/webhooks/instagram/deauthorize",
	    "/webhooks/instagram/data-deletion" };
	char			 ext[64], puid[32], baid[32], conn[64];
	struct http_resp	 r;
	size_t			 i;

	(void)snprintf(ext, sizeof(ext), "hook-empty-%s", hook_nonce());
	hook_newid(puid, sizeof(puid));
	hook_newid(baid, sizeof(baid));
	CHECK(hook_connection_new(ext, puid, baid, conn, sizeof(conn)));
	for (i = 0; i < 2; i++) {
		if (!CHECK(post_form(paths[i], "signed_request=", &r) == 403))
			printf("  %s: answered %ld\n", paths[i], r.status);
		http_resp_free(&r);
	}
	CHECK(untouched(conn));
}

static void
t_deletion_unknown_code_404(void)
{
	char		 get[256];
	struct http_resp r;

	(void)snprintf(get, sizeof(get), "/webhooks/instagram/data-deletion"
	    "?code=nosuchcode%ld", (long)time(NULL));
	CHECK(http_do("GET", stack_url(get), NULL, NULL, 0, NULL, &r) == 404);
	CHECK(is_error(&r, "not_found"));
	http_resp_free(&r);
}

static const struct ig_test tests[] = {
	TEST(t_verify_echo),
	TEST(t_verify_forbidden),
	TEST(t_verify_empty_challenge),
	TEST(t_verify_challenge_bounds),
	TEST(t_verify_encoded_names),
	TEST(t_verify_duplicates_400),
	TEST(t_post_stored_exactly),
	TEST(t_post_facebook_secret),
	TEST(t_post_bad_signatures),
	TEST(t_post_bad_sig_before_parse),
	TEST(t_post_two_signature_headers),
	TEST(t_post_not_json_stored),
	TEST(t_post_too_large_413),
	TEST(t_duplicate_delivery),
	TEST(t_duplicate_delivery_parallel),
	TEST(t_duplicate_entry),
	TEST(t_entry_linking),
	TEST(t_test_delivery_flagged),
	TEST(t_batch_1000),
	TEST(t_concurrent_2000),
	TEST(t_post_db_down_5xx),
	TEST(t_deauth_by_provider_user_id),
	TEST(t_deauth_by_business_account_id),
	TEST(t_deauth_other_untouched),
	TEST(t_deletion_flow),
	TEST(t_unparsed_kept),
	TEST(t_deletion_unknown_code_404),
	TEST(t_signed_request_empty),
};

int
main(int argc, char *argv[])
{
	int	rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)hook_nonce();	/* set before any thread reads it */
	if (PQstatus(hook_db()) != CONNECTION_OK)
		return 2;
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	PQfinish(hook_db());
	curl_global_cleanup();
	return rc;
}
