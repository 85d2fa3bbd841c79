/* SPDX-License-Identifier: ISC */
/*
 * hook.h: what the webhook and relay end-to-end tests share: signing a
 * delivery as Meta does and posting it through nginx, Meta's
 * signed_request, ids unique to one run (so a test may run twice against
 * the same stack), and small libpq helpers on the stack's superuser
 * connection for fixtures and for counting what was stored.
 */
#ifndef HOOK_H
#define HOOK_H

#include <stddef.h>

#include <libpq-fe.h>

#include "client.h"

#define HOOK_PATH	"/webhooks/instagram"
#define HOOK_SIGLEN	(7 + 64 + 1)	/* "sha256=" + hex + NUL */

/* "sha256=" + lower-case hex HMAC-SHA256("secret", body) into "out". */
void	 hook_sign(char out[HOOK_SIGLEN], const char *secret,
	    const void *body, size_t len);

/*
 * POST "body" to /webhooks/instagram as application/json, signed with
 * "secret" (NULL: no signature header at all).  "r" may be NULL; else
 * the caller frees it with http_resp_free().  Returns the status.
 */
long	 hook_post(const char *body, size_t len, const char *secret,
	    struct http_resp *r);

/* The same with the caller's header list (NULL-terminated) instead. */
long	 hook_post_hdrs(const char *body, size_t len,
	    const char *const *hdrs, struct http_resp *r);

/*
 * Meta's signed_request: base64url(JSON) as the payload segment and
 * base64url(HMAC-SHA256("secret", payload segment)) before it, joined
 * by a dot, into "out".  "json" is taken as given (tests forge it).
 */
void	 hook_signed_request(char *out, size_t outsz, const char *secret,
	    const char *json);

/*
 * One comment entry for account "acct" (as Meta sends it, compact),
 * unique to the run and the call; the caller frees it.
 */
char	*hook_entry(const char *acct);

/*
 * A delivery {"object":"instagram","entry":[...]} of "n" fresh entries,
 * the i-th for account accts[i % nacct]; the caller frees it.
 */
char	*hook_delivery(const char *const *accts, size_t nacct, int n);

/* A decimal id of 17 digits, new at every call and unique to the run. */
void	 hook_newid(char *out, size_t outsz);

/* A short token unique to this run (pid and time), for text values. */
const char *hook_nonce(void);

/*
 * The stack's superuser connection (IGCONNECT_DB_ADMIN_URL), opened on
 * first use and kept for the process.  Main thread only.
 */
PGconn	*hook_db(void);

/*
 * Run "sql" with "n" text parameters and copy the first column of the
 * first row into "out" (empty string for NULL).  Returns 1 if there was
 * a row, 0 if none, -1 on a query error (printed).
 */
int	 hook_query(char *out, size_t outsz, const char *sql, int n,
	    const char *const *params);

/* The first column of "sql" as a number (-1 on error or no row). */
long long hook_count(const char *sql, int n, const char *const *params);

/* Run a statement; 1 if it succeeded. */
int	 hook_exec(const char *sql, int n, const char *const *params);

/*
 * A user with external id "extid" and its active Instagram connection
 * (provider user id "puid", business account id "baid"), as the OAuth
 * exchange would leave them.  The connection's uuid goes into "connid"
 * (37 bytes).  Returns 1 on success.
 */
int	 hook_connection_new(const char *extid, const char *puid,
	    const char *baid, char *connid, size_t connidsz);

#endif /* HOOK_H */
