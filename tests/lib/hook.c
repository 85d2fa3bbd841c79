/* SPDX-License-Identifier: ISC */
/* hook.c: see hook.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ig.h"
#include "client.h"
#include "hook.h"

/* A growing string: bodies are built byte for byte. */
struct	sb {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

static void
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 k;
	char	*np;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p != NULL ? b->p + b->n : NULL,
		    b->p != NULL ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			abort();
		if (b->p != NULL && b->n + (size_t)k < b->cap)
			break;
		b->cap = (b->cap + (size_t)k + 1) * 2;
		if ((np = realloc(b->p, b->cap)) == NULL)
			abort();
		b->p = np;
	}
	b->n += (size_t)k;
}

char *
hook_entry(const char *acct)
{
	struct sb	b = { NULL, 0, 0 };
	char		cid[32];

	hook_newid(cid, sizeof(cid));
	sb_add(&b, "{\"id\":\"%s\",\"time\":%lld,\"changes\":[{\"field\":"
	    "\"comments\",\"value\":{\"id\":\"%s\",\"text\":\"run %s\","
	    "\"from\":{\"id\":\"232323232\",\"username\":\"someone\"},"
	    "\"media\":{\"id\":\"123123123\",\"media_product_type\":"
	    "\"FEED\"}}}]}", acct, (long long)time(NULL), cid, hook_nonce());
	return b.p;
}

char *
hook_delivery(const char *const *accts, size_t nacct, int n)
{
	struct sb	 b = { NULL, 0, 0 };
	char		*e;
	int		 i;

	sb_add(&b, "{\"object\":\"instagram\",\"entry\":[");
	for (i = 0; i < n; i++) {
		e = hook_entry(accts[(size_t)i % nacct]);
		sb_add(&b, "%s%s", i > 0 ? "," : "", e);
		free(e);
	}
	sb_add(&b, "]}");
	return b.p;
}

void
hook_sign(char out[HOOK_SIGLEN], const char *secret, const void *body,
    size_t len)
{
	unsigned char	mac[32];

	memcpy(out, "sha256=", 7);
	if (ig_hmac_sha256(secret, strlen(secret), body, len, mac) != IG_OK) {
		/* A signature no server can accept: the test then fails. */
		memset(mac, 0, sizeof(mac));
	}
	ig_hex(out + 7, mac, sizeof(mac));
}

long
hook_post_hdrs(const char *body, size_t len, const char *const *hdrs,
    struct http_resp *r)
{
	struct http_resp	mine;
	long			st;

	st = http_do("POST", stack_url(HOOK_PATH), hdrs, body, len, NULL,
	    r != NULL ? r : &mine);
	if (r == NULL)
		http_resp_free(&mine);
	return st;
}

long
hook_post(const char *body, size_t len, const char *secret,
    struct http_resp *r)
{
	char		 sig[HOOK_SIGLEN], hdr[HOOK_SIGLEN + 32];
	const char	*h[] = { "Content-Type: application/json", NULL,
	    NULL };

	if (secret != NULL) {
		hook_sign(sig, secret, body, len);
		(void)snprintf(hdr, sizeof(hdr), "X-Hub-Signature-256: %s",
		    sig);
		h[1] = hdr;
	}
	return hook_post_hdrs(body, len, h, r);
}

void
hook_signed_request(char *out, size_t outsz, const char *secret,
    const char *json)
{
	unsigned char	 mac[32];
	char		*payload, sig[64];
	size_t		 n = strlen(json);

	out[0] = '\0';
	if ((payload = malloc(ig_b64url_len(n) + 1)) == NULL)
		return;
	ig_b64url_enc(payload, (const unsigned char *)json, n);
	if (ig_hmac_sha256(secret, strlen(secret), payload, strlen(payload),
	    mac) == IG_OK) {
		ig_b64url_enc(sig, mac, sizeof(mac));
		(void)snprintf(out, outsz, "%s.%s", sig, payload);
	}
	free(payload);
}

void
hook_newid(char *out, size_t outsz)
{
	static unsigned	n;

	/* 2 + 6 + 3 + 6 digits: time and pid keep runs apart. */
	(void)snprintf(out, outsz, "17%06lld%03d%06u",
	    (long long)(time(NULL) % 1000000), (int)(getpid() % 1000), ++n);
}

const char *
hook_nonce(void)
{
	static _Thread_local char	buf[64];

	if (buf[0] == '\0')
		(void)snprintf(buf, sizeof(buf), "%ld-%lld", (long)getpid(),
		    (long long)time(NULL));
	return buf;
}

PGconn *
hook_db(void)
{
	static PGconn	*c;

	if (c == NULL) {
		c = PQconnectdb(env_or_die("IGCONNECT_DB_ADMIN_URL"));
		if (PQstatus(c) != CONNECTION_OK)
			printf("  could not connect to the database: %s",
			    PQerrorMessage(c));
	}
	return c;
}

int
hook_query(char *out, size_t outsz, const char *sql, int n,
    const char *const *params)
{
	PGresult	*r;
	int		 rc;

	out[0] = '\0';
	r = PQexecParams(hook_db(), sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		printf("  query failed: %s", PQerrorMessage(hook_db()));
		rc = -1;
	} else if (PQntuples(r) == 0) {
		rc = 0;
	} else {
		(void)snprintf(out, outsz, "%s", PQgetvalue(r, 0, 0));
		rc = 1;
	}
	PQclear(r);
	return rc;
}

long long
hook_count(const char *sql, int n, const char *const *params)
{
	char	buf[64];

	if (hook_query(buf, sizeof(buf), sql, n, params) != 1 ||
	    buf[0] == '\0')
		return -1;
	return strtoll(buf, NULL, 10);
}

int
hook_exec(const char *sql, int n, const char *const *params)
{
	PGresult	*r;
	int		 ok;

	r = PQexecParams(hook_db(), sql, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		printf("  statement failed: %s", PQerrorMessage(hook_db()));
	PQclear(r);
	return ok;
}

int
hook_connection_new(const char *extid, const char *puid, const char *baid,
    char *connid, size_t connidsz)
{
	static const char	sql[] =
	    "WITH u AS (INSERT INTO users (externalId) VALUES ($1) "
	    "RETURNING id) "
	    "INSERT INTO oauth_connections (userId, provider, providerUserId, "
	    "accessToken, businessAccountId, status, connectedAt) "
	    "SELECT u.id, 'instagram', $2, 'ig1.k1.c2VhbGVk', $3, 'active', "
	    "now() FROM u RETURNING id";
	const char	*p[] = { extid, puid, baid };

	return hook_query(connid, connidsz, sql, 3, p) == 1;
}
