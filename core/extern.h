/* SPDX-License-Identifier: ISC */
/*
 * extern.h: core-internal interfaces shared between core/ files, grouped
 * by the file that defines them.  Never included from fcgi/ or tools/.
 */
#ifndef EXTERN_H
#define EXTERN_H

#include <fcgiapp.h>

/* req.c */

/*
 * Build a request from a FastCGI request ("fcgx" non-NULL) or, in CGI
 * mode, from the process environment and stdin/stdout.  Reads and caps
 * the body, parses parameters against the endpoint's table.  Returns
 * NULL only when even the request struct cannot be allocated.  Any
 * input error is answered right away (see ig_resp_sent()).
 */
struct ig_req	*ig_req_new(FCGX_Request *fcgx, const struct ig_endpoint *ep,
		    const struct ig_cfg *cfg);
void		 ig_req_free(struct ig_req *);

/* req.c: write raw bytes of the answer to the client. */
enum ig_err	 ig_req_write(struct ig_req *, const char *, size_t);

/* resp.c: mark the request answered with "status". */
void		 ig_req_set_status(struct ig_req *, int status);

/* conns.c: the connections from nginx of one worker process. */
struct ig_conns	*ig_conns_open(int listen_fd);

/*
 * Wait for a connection with a request to read, new or kept by nginx, and
 * hand it to the calling thread alone.  -1 once ig_conns_stop() was
 * called, -2 on a failure the process cannot serve through.
 */
int		 ig_conns_next(struct ig_conns *);

/* Give back a connection nginx keeps open, to wait for its next request. */
void		 ig_conns_keep(struct ig_conns *, int fd);

/*
 * Close the idle kept connections, and those given back from now on, and
 * wake every thread in ig_conns_next(), for good.
 */
void		 ig_conns_stop(struct ig_conns *);

/* Free the set once no thread uses it (after ig_conns_stop()). */
void		 ig_conns_close(struct ig_conns *);

/* db.c */

/*
 * A statement: a constant name and SQL text with $n placeholders.  Each
 * is prepared once per connection, on first use (and again after a
 * reconnect), so hot paths skip parse and plan.
 */
struct	ig_stmt {
	const char	*name;
	const char	*sql;
	int		 nparams;
};

/*
 * Run "st" with text parameters "vals" (NULL entries are SQL NULL).  On
 * IG_OK "*res" (if non-NULL) is a result the caller PQclear()s; rows may
 * be zero.  A connection lost before or during the call is re-opened
 * and the statement retried once.  IG_EDB when the database is down or
 * the statement failed (logged without parameter values).
 */
struct	pg_result;
enum ig_err	 ig_db_exec(struct ig_db *, const struct ig_stmt *st,
		    const char *const *vals, struct pg_result **res);

/*
 * The bytea input form ("\x" and 64 hex digits) of SHA-256("s"), into
 * "out": how handles and request hashes are stored, never the text.
 */
enum ig_err	 ig_db_sha256(const char *s, char out[67]);

/* conn.c */

/* oauth_connections.provider of every row igconnect reads or writes. */
#define IG_PROVIDER	"instagram"

/*
 * The associated data a token of the users row "user_uuid" is sealed
 * with: the access token (accessToken), the Facebook user token kept in
 * refreshToken, and (state.c) a selection's user token.  Into "out",
 * 80 bytes are plenty.
 */
void		 ig_conn_token_aad(char *out, size_t sz,
		    const char *user_uuid);
void		 ig_conn_user_token_aad(char *out, size_t sz,
		    const char *user_uuid);
void		 ig_selection_aad(char *out, size_t sz, const char *user_uuid);

/* What every statement about a connection returns, for ig_conn_read(). */
#define CONN_COLUMNS \
	"c.id, c.userId, c.status, c.providerUserId, c.businessAccountId, " \
	"c.accessToken, array_to_json(c.scopes), c.metadata, " \
	"floor(extract(epoch FROM c.expiresAt))::bigint, " \
	"floor(extract(epoch FROM c.tokenIssuedAt))::bigint, " \
	"floor(extract(epoch FROM c.connectedAt))::bigint, " \
	"floor(extract(epoch FROM c.lastSyncedAt))::bigint, c.version, " \
	"c.refreshToken"

/*
 * A new token or a new link starts the jobs' bookkeeping afresh
 * (sql/008): SET clauses for an UPDATE of oauth_connections "c".
 */
#define REFRESH_RESET \
	"refreshAttempts = 0, refreshState = 'ok', refreshNextAt = NULL, " \
	"refreshLeaseUntil = NULL, refreshError = NULL "
#define SYNC_RESET \
	"syncAttempts = 0, syncState = 'ok', syncNextAt = NULL, " \
	"syncLeaseUntil = NULL, syncError = NULL "

/*
 * Row "row" of "res" (CONN_COLUMNS first) into "c", which the caller
 * frees with ig_conn_free().  "res" is not cleared.
 */
enum ig_err	 ig_conn_read(const struct pg_result *res, int row,
		    struct ig_conn *c);

/*
 * ig_db_exec() for a conditional write that returns a row when it
 * happened: IG_ENOTFOUND when it returned none (the row changed).
 */
enum ig_err	 ig_db_write_if(struct ig_db *, const struct ig_stmt *st,
		    const char *const *vals);

/*
 * "v" as compact JSON text of "*len" bytes: in "buf" when it fits, else
 * in a string the caller frees (the return value is then not "buf").
 * NULL when out of memory.
 */
char		*ig_json_text(const json_t *v, char *buf, size_t sz,
		    size_t *len);

/* instagram.c: readers of Meta's replies that facebook.c shares. */

/* "access_token" of "o", checked, into t->access_token. */
enum ig_err	 ig_read_access_token(const json_t *o, struct ig_token *t);

/* Permissions as an array or a comma string into a new array "*out". */
enum ig_err	 ig_read_permissions(const json_t *v, json_t **out);

/* The known profile fields of "o" under our names into "fields". */
enum ig_err	 ig_read_profile_fields(const json_t *o, json_t *fields);

/*
 * End a token call: drop "reply", log a reply that lacked a usable field
 * ("what" names the call), and free "t" on failure.  Returns "er".
 */
enum ig_err	 ig_token_finish(enum ig_err er, json_t *reply,
		    struct ig_token *t, const char *what);

#endif /* EXTERN_H */
