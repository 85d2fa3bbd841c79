/* SPDX-License-Identifier: ISC */
/*
 * extern.h: core-internal interfaces shared between core/ files, grouped
 * by the file that defines them.  Never included from fcgi/ or tools/.
 */
#ifndef EXTERN_H
#define EXTERN_H

#include <fcgiapp.h>

/* fcgipeek.c */

enum	ig_fcgi_peek {
	IG_FCGI_READY,		/* libfcgi may read the request */
	IG_FCGI_GONE,		/* the connection ended between requests */
	IG_FCGI_BROKEN		/* parameters libfcgi must not read */
};

/*
 * Look at the next request waiting on the FastCGI connection "fd"
 * without taking any byte of it, before FCGX_Accept_r() reads it.
 * IG_FCGI_BROKEN: its records up to the end of its parameters are more
 * than 64 KiB, a parameter's length goes past them (lengths libfcgi
 * adds into an int that can wrap), or the connection ends
 * or stalls for 5 s before them; the caller closes the connection.
 */
enum ig_fcgi_peek ig_fcgi_peek(int fd);

/* http.c */

/*
 * One header line of a reply from Meta as libcurl gives it ("Name:
 * value" and its CR LF, not NUL-terminated): a Retry-After in seconds,
 * or the estimated_time_to_regain_access of
 * X-Business-Use-Case-Usage, into "*retry_after"; the usage headers
 * into "usage" (ig_meta_usage_parse()).  RFC 9110 5.5: the value is
 * read without the whitespace around it.  Any other or longer line
 * (over IG_MAX_HEADER_LINE) changes nothing.
 */
void		 ig_http_read_header(const char *p, size_t len,
		    long *retry_after, struct ig_meta_usage *usage);

/* req.c */

/*
 * Build a request from a FastCGI request ("fcgx" non-NULL) or, in CGI
 * mode, from the process environment and stdin/stdout.  Reads and caps
 * the body, parses parameters against the endpoint's table.  Returns
 * NULL only when even the request struct cannot be allocated.  Any
 * input error is recorded as its answer (see ig_resp_sent()).
 */
struct ig_req	*ig_req_new(FCGX_Request *fcgx, const struct ig_endpoint *ep,
		    const struct ig_cfg *cfg);
void		 ig_req_free(struct ig_req *);

/* req.c: write raw bytes of the answer to the client. */
enum ig_err	 ig_req_write(struct ig_req *, const char *, size_t);

/* req.c: set the status the request's answer has. */
void		 ig_req_set_status(struct ig_req *, int status);

/* resp.c: what a handler gave, until ig_answer_send() writes it. */
struct	ig_answer {
	json_t		*body;		/* canonical data, or NULL */
	char		*json;		/* or the same printed (jout.c) */
	size_t		 json_len;
	char		*text;		/* a text/plain body, or NULL */
	enum ig_err	 err;		/* IG_OK: data */
	char		*why;		/* the error's text; NULL: err.c's */
	json_t		*extra;		/* more members of the error body */
	long		 retry_after;	/* > 0: a Retry-After header */
	char		*cookie;	/* a Set-Cookie value, or NULL */
	char		*token;		/* the connection's token, for a route
					   that returns it (a secret) */
	char		 origin[256];	/* an allowed CORS origin, or "" */
	int		 sent;
};

/*
 * resp.c: answer "status" with canonical data already printed as JSON,
 * "json" of "len" bytes (stolen).  A route with a shape of its own
 * parses it back and shapes it; any other sends it as it is.
 */
enum ig_err	 ig_reply_printed(struct ig_req *, int status, char *json,
		    size_t len);

/* req.c: the request's answer. */
struct ig_answer *ig_req_answer(struct ig_req *);

/* req.c: the methods the request's endpoint serves (IG_METHOD_*). */
unsigned	 ig_req_methods(const struct ig_req *);

/*
 * resp.c: give the answer the connection's token "token" (taken), for a
 * route that shows it (struct ig_route's returns_token).
 */
void		 ig_reply_token(struct ig_req *, char *token);

/* resp.c: free what the answer holds. */
void		 ig_answer_clear(struct ig_answer *);

/*
 * resp.c: write the request's answer once, shaped for its route: the
 * error "er" the handler returned if not IG_OK, else what it recorded.
 */
enum ig_err	 ig_answer_send(struct ig_req *, const struct ig_cfg *,
		    enum ig_err er);

/* shape.c: what a data shape turns into the body it answers. */
struct	ig_shaping {
	const struct ig_cfg	*cfg;
	const struct ig_req	*req;
	int			 status;
	const json_t		*body;	/* the canonical body */
	const char		*token;	/* the connection's token, only for a
					   route that returns it, when
					   IGCONNECT_RETURN_TOKENS=1 */
};

/* shape.c: what an error shape turns into the body it answers. */
struct	ig_fault {
	int		 status;
	const char	*code;		/* err.c's code */
	const char	*text;
	const char	*request_id;
	const json_t	*extra;		/* members the error adds, or NULL */
};

/*
 * shape.c: a compatibility route (IGCONNECT_COMPAT names its shape): how
 * an endpoint's answers look under that shape, and what its path holds.
 */
enum	ig_path_id {
	IG_PATH_NONE,
	IG_PATH_USER,		/* the caller's user id (auth.c checks) */
	IG_PATH_CONNECTION	/* the caller's connection id: ig_conn_get()
				   checks, so only for endpoints that read
				   the connection with it first */
};
struct	ig_route {
	const char	*endpoint;	/* struct ig_endpoint's name */
	int		 compat;	/* index of the shape (shape.c) */
	json_t		*(*shape)(const struct ig_shaping *);	/* NULL: the
					   canonical body */
	unsigned	 post_as;	/* 0, or the method a POST stands for:
					   the route then serves POST alone */
	enum ig_path_id	 path_id;
	int		 returns_token;	/* 1: shows the connection's token
					   when IGCONNECT_RETURN_TOKENS=1 */
	int		 stateless;	/* 1: takes a code without a state
					   (ig_req_stateless()) */
};

/* shape.c: the index of the shape "name" ("" canonical), -1 if unknown. */
int		 ig_compat_find(const char *name);

/* shape.c: the route of "endpoint" under shape "compat", NULL: canonical. */
const struct ig_route *ig_route_find(const char *endpoint, int compat);

/* req.c: the request's shape index and route (NULL: canonical). */
int		 ig_req_compat(const struct ig_req *);
const struct ig_route *ig_req_route(const struct ig_req *);

/*
 * req.c: the id in the request's path when its route keeps one of
 * "kind" there, decoded ("" when unreadable); else NULL.
 */
const char	*ig_req_path_id(const struct ig_req *, enum ig_path_id kind);

/*
 * req.c: how ig_req_path_id() reads the request URI "uri": its path's
 * last segment, percent-decoded ('+' kept), as a new string; "" when it
 * cannot be read.  NULL only when out of memory.
 */
char		*ig_req_path_id_parse(const char *uri);

/* Helpers for shapes (shape.c), each a new value or NULL. */

/* "@username" from the canonical connection "c"; JSON null without. */
json_t		*ig_shape_handle(const json_t *c);

/* Member "key" of "o", or JSON null. */
json_t		*ig_shape_get(const json_t *o, const char *key);

/* The ISO 8601 time "iso" as epoch milliseconds, or JSON null. */
json_t		*ig_shape_epoch_ms(const json_t *iso);

/* The ISO 8601 time "iso" with milliseconds (".000Z"), or JSON null. */
json_t		*ig_shape_iso_ms(const json_t *iso);

/*
 * The seeds' data shapes, rows of shape.c's routes: each turns the
 * canonical body of one endpoint into the seed's.
 */

/* seed000.c */
json_t		*ig_seed000_signin(const struct ig_shaping *);

/* seed001.c */

/* GET /api/instagram/oauth-url: {success, oauthUrl, state}. */
json_t		*ig_seed001_url(const struct ig_shaping *);

/* POST /api/instagram/callback: {success, message, instagram}. */
json_t		*ig_seed001_connected(const struct ig_shaping *);

/* GET /api/instagram/info/:userId, from GET /integrations. */
json_t		*ig_seed001_info(const struct ig_shaping *);

/* POST /api/instagram/disconnect/:userId: {success, message}. */
json_t		*ig_seed001_disconnected(const struct ig_shaping *);

/* POST /api/instagram/publish: {success, message, job}. */
json_t		*ig_seed001_published(const struct ig_shaping *);

/* seed003.c */

/* GET /auth/instagram/login: {authUrl, redirectTo}, the same URL. */
json_t		*ig_seed003_login(const struct ig_shaping *);

/* A connection (login, refresh): {ok: true, connection}. */
json_t		*ig_seed003_connection(const struct ig_shaping *);

/* GET /api/integrations: {ok: true, integrations: {instagram}}. */
json_t		*ig_seed003_integrations(const struct ig_shaping *);

/* GET (the connection) and DELETE ({ok: true}) of :userId. */
json_t		*ig_seed003_integration(const struct ig_shaping *);

/* seed004.c */

/*
 * The token exchange and the refresh: {integration, token, expiresAt},
 * the token members only when the route shows the token.
 */
json_t		*ig_seed004_integration(const struct ig_shaping *);

/* shape.c: the body of the request's route, new; NULL out of memory. */
json_t		*ig_shape_data(const struct ig_shaping *);
json_t		*ig_shape_error(const struct ig_req *, const struct ig_fault *);

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
 * ig_db_exec(), planned afresh at each call rather than prepared once:
 * for a rare statement over a table that can grow from a few rows to
 * many at once (a pile of abandoned logins), where the plan made while
 * it was small reads the whole table.
 */
enum ig_err	 ig_db_exec_replanned(struct ig_db *, const struct ig_stmt *st,
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
 * conn.c: the connection as ig_conn_json() shows it, printed: new text in
 * "*text" of "*len" bytes, freed by the caller.  IG_EINPUT if a value is
 * not UTF-8; IG_ENOMEM.
 */
enum ig_err	 ig_conn_print(const struct ig_cfg *, const struct ig_conn *,
		    time_t now, char **text, size_t *len);

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

/*
 * jout.c: JSON text printed as it goes, the same text jansson's compact
 * dump makes.  A value's functions print the comma before it when one is
 * due; the first failure (out of memory, invalid UTF-8) sticks and ends
 * the text.  "key" and strings are copied, a NULL string is null.
 */
struct	ig_jout {
	char		*data;
	size_t		 len;
	size_t		 size;
	enum ig_err	 er;
};
void		 ig_jout_init(struct ig_jout *);
void		 ig_jout_open(struct ig_jout *, char bracket);	/* { or [ */
void		 ig_jout_close(struct ig_jout *, char bracket);	/* } or ] */
void		 ig_jout_key(struct ig_jout *, const char *key);
void		 ig_jout_str(struct ig_jout *, const char *s);
void		 ig_jout_int(struct ig_jout *, long long v);
void		 ig_jout_bool(struct ig_jout *, int v);
/* Any jansson value "v" (borrowed), nested ones included. */
void		 ig_jout_value(struct ig_jout *, const json_t *v);
/*
 * The text printed, new in "*text" (freed by the caller) of "*len"
 * bytes, or the first failure; either way "o" is empty again.
 */
enum ig_err	 ig_jout_end(struct ig_jout *, char **text, size_t *len);

/* instagram.c: readers of Meta's replies that facebook.c shares. */

/* "access_token" of "o", checked, into t->access_token. */
enum ig_err	 ig_read_access_token(const json_t *o, struct ig_token *t);

/* Permissions as an array or a comma string into a new array "*out". */
enum ig_err	 ig_read_permissions(const json_t *v, json_t **out);

/* The known profile fields of "o" under our names into "fields". */
enum ig_err	 ig_read_profile_fields(const json_t *o, json_t *fields);

/*
 * A.2's reply, flat or wrapped in "data" as documented, into "t";
 * "requested" (the scopes asked for) stands for the permissions when
 * the reply names none.  On failure "t" may hold part of it: release it
 * with ig_token_free().
 */
enum ig_err	 ig_insta_read_code(const json_t *reply, const char *requested,
		    struct ig_token *t);

/* facebook.c: B.2 and B.3's reply into "t", released the same way. */
enum ig_err	 ig_fb_read_user_token(const json_t *reply,
		    struct ig_token *t);

/*
 * facebook.c: one page of /me/accounts: "*pages" a new array of "*n"
 * (ig_fb_pages_free()), "*after" a new cursor or NULL; nothing is
 * returned on failure.
 */
enum ig_err	 ig_fb_read_pages(const json_t *reply,
		    struct ig_fb_page **pages, size_t *n, char **after);

/*
 * End a token call: drop "reply", log a reply that lacked a usable field
 * ("what" names the call), and free "t" on failure.  Returns "er".
 */
enum ig_err	 ig_token_finish(enum ig_err er, json_t *reply,
		    struct ig_token *t, const char *what);

#endif /* EXTERN_H */
