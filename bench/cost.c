/* SPDX-License-Identifier: ISC */
/*
 * cost: the hot pieces of a request, repeated, for instruction counts
 * under valgrind --tool=callgrind (stable where wall-clock time is not).
 * bench/run runs each piece twice, with 1 and 1+N repetitions, and
 * divides the difference by N, so start-up cost cancels out.
 *
 *	bench/cost parse|jwt|json|read|exchange COUNT
 *
 * parse:    a POST /oauth/instagram/exchange request read as plain CGI
 *           (body capped and read, JSON parsed, parameters validated);
 * jwt:      ig_jwt_verify() of a caller's HS256 token;
 * json:     a connection row printed as the API's JSON;
 * read:     GET /integrations/instagram whole, as a worker serves it: the
 *           FastCGI records nginx sends read from a socket, the JWT, the
 *           connection from a canned row, the answer written back on the
 *           FastCGI stream;
 * exchange: POST /oauth/instagram/exchange the same way, an Instagram
 *           Login with canned rows and canned replies of Meta: the state,
 *           the three calls (their URLs and forms built, the replies
 *           parsed), the token sealed, the upsert's row, the answer.
 * The last two are linked with --wrap=ig_db_exec, ig_http_call and
 * ig_http_get (Makefile): no database, no network, no TLS.  What libpq
 * and libcurl do on the wire is not counted; making a PGresult is.
 * Needs JWT_SECRET and IGCONNECT_TOKEN_KEYS in the environment.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

static const char	body[] = "{\"code\":\"AQBwRrLTNOXxLxLlsyfy2AL8vs9Nozjrss"
    "puSEOUns5DTc5sOcHdTDFaTcUVWggToTswihoMcuPd-Y_Po5SV0H-uairAj3z02R3Q6-MC"
    "8w2USWtWyquqaGfqscU7BZKeFal9#_\",\"state\":\"6_AqNKUCAm4PPnsc1yLlVgPA-O"
    "U2l-odXnafX-TkUoE\"}";

static const struct ig_param	params[] = {
	{ "code", IG_MAX_CODE, ig_valid_token },
	{ "state", IG_STATE_LEN, ig_valid_state },
	{ "error", 64, ig_valid_printable },
	{ "error_description", 512, ig_valid_utf8 },
};

static const struct ig_endpoint	ep = {
	.name = "cost",
	.methods = IG_METHOD_POST,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
};

/* The canned database: the caller's users row and connection. */
#define USER_UUID	"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
#define CONN_ID		"5b0e7a2c-3d1f-4c8e-9a61-2f7d4b9c0e11"
#define SCOPES		"[\"instagram_business_basic\"," \
			"\"instagram_business_content_publish\"]"
#define METADATA	"{\"flavor\":\"instagram\",\"tokenKind\":\"long\"," \
			"\"profile\":{\"username\":\"bench_user\",\"name\":" \
			"\"Bench User\",\"followersCount\":37010694," \
			"\"followsCount\":362,\"mediaCount\":272}}"

/* Meta's replies to the three calls of an Instagram Login, as the fake's. */
static const struct {
	const char	*path;		/* how the call's path ends */
	const char	*reply;
} meta[] = {
	{ "/oauth/access_token", "{\"access_token\":\"IGAAbenchShortLived"
	    "Token0123456789abcdefghijklmnopqrstuvwxyz\",\"user_id\":"
	    "27281358591558845,\"permissions\":[\"instagram_business_basic\","
	    "\"instagram_business_content_publish\"]}" },
	{ "/access_token", "{\"access_token\":\"IGAAbenchLongLivedToken0123"
	    "456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\","
	    "\"token_type\":\"bearer\",\"expires_in\":5183944}" },
	{ "/me", "{\"id\":\"27281358591558845\",\"user_id\":"
	    "\"17841457215396811\",\"username\":\"bench_user\",\"name\":"
	    "\"Bench User\",\"account_type\":\"BUSINESS\","
	    "\"profile_picture_url\":\"https://scontent.cdninstagram.com/v/"
	    "t51.2885-19/12345_n.jpg\",\"followers_count\":37010694,"
	    "\"follows_count\":362,\"media_count\":272}" },
};

static char	soon_s[24], day_ago_s[24];
static char	jwt_auth[IG_MAX_JWT + 8];

enum ig_err	__wrap_ig_db_exec(struct ig_db *, const struct ig_stmt *,
		    const char *const *, PGresult **);
enum ig_err	__wrap_ig_http_call(struct ig_http *, const char *,
		    const char *, const struct ig_kv *, const struct ig_kv *,
		    json_t **, struct ig_meta_error *);
enum ig_err	__wrap_ig_http_get(struct ig_http *, const char *,
		    const char *, const struct ig_kv *, json_t **,
		    struct ig_meta_error *);

static void
die(const char *what)
{
	fprintf(stderr, "cost: %s\n", what);
	exit(1);
}

/* One row of text values (NULL: SQL NULL), as libpq would have read it. */
static PGresult *
canned(const char *const *row, int n)
{
	PGresAttDesc	 att[16];
	PGresult	*res;
	int		 i;

	memset(att, 0, sizeof(att));
	for (i = 0; i < n; i++) {
		att[i].name = (char *)"c";
		att[i].typid = 25;	/* text */
		att[i].typlen = -1;
		att[i].atttypmod = -1;
	}
	if ((res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL ||
	    !PQsetResultAttrs(res, n, att))
		die("no PGresult");
	for (i = 0; i < n; i++)
		if (!PQsetvalue(res, 0, i, (char *)row[i], row[i] != NULL ?
		    (int)strlen(row[i]) : -1))
			die("no PGresult");
	return res;
}

/* The connection's CONN_COLUMNS row. */
static PGresult *
conn_row(void)
{
	const char	*row[14] = { CONN_ID, USER_UUID, "active",
	    "27281358591558845", "17841457215396811",
	    "ig1.k2.bench-sealed-token", SCOPES, METADATA, soon_s, day_ago_s,
	    day_ago_s, day_ago_s, "3", NULL };

	return canned(row, 14);
}

/* Statements answer from the canned rows: state_consume's and the row. */
enum ig_err
__wrap_ig_db_exec(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals, PGresult **out)
{
	const char	*state[4] = { USER_UUID,
	    "https://app.example.com/callback", "t", "instagram" };

	(void)db;
	(void)vals;
	if (out == NULL)
		return IG_OK;
	if (strcmp(st->name, "state_consume") == 0)
		*out = canned(state, 4);
	else if (strcmp(st->name, "conn_get") == 0 ||
	    strcmp(st->name, "conn_link") == 0)
		*out = conn_row();
	else
		die(st->name);
	return IG_OK;
}

/*
 * A call's URL (or form) built as ig_http_call() builds it, and Meta's
 * reply parsed as it parses one; nothing is sent.
 */
enum ig_err
__wrap_ig_http_call(struct ig_http *h, const char *base, const char *path,
    const struct ig_kv *query, const struct ig_kv *form, json_t **reply,
    struct ig_meta_error *merr)
{
	char	*url;
	size_t	 i, n = strlen(path), k;

	(void)h;
	if (merr != NULL)
		memset(merr, 0, sizeof(*merr));
	if (ig_http_url(base, path, query != NULL ? query : form, &url) !=
	    IG_OK)
		die("no URL");
	ig_free_secret(url);
	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		if (n >= (k = strlen(meta[i].path)) &&
		    strcmp(path + n - k, meta[i].path) == 0)
			break;
	if (i == sizeof(meta) / sizeof(meta[0]))
		die(path);
	*reply = json_loadb(meta[i].reply, strlen(meta[i].reply),
	    JSON_REJECT_DUPLICATES, NULL);
	if (*reply == NULL || json_object_get(*reply, "error") != NULL)
		die("a canned reply does not parse");
	return IG_OK;
}

enum ig_err
__wrap_ig_http_get(struct ig_http *h, const char *base, const char *path,
    const struct ig_kv *query, json_t **reply, struct ig_meta_error *merr)
{
	return __wrap_ig_http_call(h, base, path, query, NULL, reply, merr);
}

/* The request environment and a body on stdin, rewound per parse. */
static void
parse(const struct ig_cfg *cfg, long n)
{
	struct ig_req	*r;
	char		 len[16];
	FILE		*f;

	(void)snprintf(len, sizeof(len), "%zu", sizeof(body) - 1);
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	setenv("CONTENT_LENGTH", len, 1);
	setenv("REQUEST_URI", "/oauth/instagram/exchange", 1);
	setenv("REQUEST_ID", "0123456789abcdef0123456789abcdef", 1);
	if ((f = tmpfile()) == NULL || fputs(body, f) == EOF ||
	    fflush(f) != 0 || dup2(fileno(f), STDIN_FILENO) == -1)
		die("no temporary file");
	for (; n > 0; n--) {
		rewind(stdin);
		if ((r = ig_req_new(NULL, &ep, cfg)) == NULL ||
		    ig_resp_sent(r) || ig_req_get(r, 1) == NULL)
			die("the request did not parse");
		ig_req_free(r);
	}
	fclose(f);
}

/* A caller's token for user-4711, valid for an hour. */
static char *
caller_jwt(const struct ig_cfg *cfg)
{
	json_t	*claims;
	char	*tok;

	claims = json_pack("{s:s, s:I, s:I}", "sub", "user-4711", "iat",
	    (json_int_t)time(NULL), "exp", (json_int_t)time(NULL) + 3600);
	if (claims == NULL || ig_jwt_sign(cfg, claims, &tok) != IG_OK)
		die("cannot sign");
	json_decref(claims);
	return tok;
}

static void
jwt(const struct ig_cfg *cfg, long n)
{
	char	*tok, sub[IG_MAX_USER_ID + 1];

	tok = caller_jwt(cfg);
	for (; n > 0; n--)
		if (ig_jwt_verify(cfg, tok, time(NULL), sub, sizeof(sub), NULL) !=
		    IG_OK)
			die("the token did not verify");
	free(tok);
}

/* A connected account as the read path returns it. */
static void
json(const struct ig_cfg *cfg, long n)
{
	struct ig_conn	 c;
	char		*s;
	size_t		 len;

	memset(&c, 0, sizeof(c));
	c.id = strdup(CONN_ID);
	c.user_id = strdup(USER_UUID);
	c.status = IG_STATUS_ACTIVE;
	c.flavor = IG_FLAVOR_INSTAGRAM;
	c.token_kind = IG_TOKEN_LONG;
	c.provider_user_id = strdup("27281358591558845");
	c.business_account_id = strdup("17841457215396811");
	c.token = strdup("sealed");
	c.version = strdup("3");
	c.scopes = json_loads(SCOPES, 0, NULL);
	c.metadata = json_loads(METADATA, 0, NULL);
	c.expires_at = time(NULL) + 50 * 86400;
	c.issued_at = c.connected_at = c.synced_at = time(NULL) - 86400;
	for (; n > 0; n--) {
		if (ig_conn_print(cfg, &c, time(NULL), &s, &len) != IG_OK)
			die("no JSON");
		free(s);
	}
	ig_conn_free(&c);
}

/* ------------------------------------------------ a whole FastCGI request */

/* One FastCGI record of request 1 (FastCGI 1.0, section 3.3). */
static void
record(struct ig_buf *b, int type, const void *p, size_t n)
{
	unsigned char	h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	if (ig_buf_add(b, h, sizeof(h)) != IG_OK ||
	    (n > 0 && ig_buf_add(b, p, n) != IG_OK))
		die("out of memory");
}

/* A name-value pair's length, in one byte or four (section 3.4). */
static void
pair_len(struct ig_buf *b, size_t n)
{
	unsigned char	l[4] = { (unsigned char)(n >> 24 | 0x80),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8),
	    (unsigned char)n };

	if ((n < 128 ? ig_buf_add(b, l + 3, 1) : ig_buf_add(b, l, 4)) !=
	    IG_OK)
		die("out of memory");
}

/*
 * What nginx sends for a request: BEGIN_REQUEST keeping the connection,
 * the parameters of nginx.conf.sample, the body on STDIN.  "vars" is
 * NULL-terminated name, value, name, value.
 */
static void
fcgi_request(struct ig_buf *out, const char *const *vars, const char *in)
{
	static const unsigned char	begin[8] = { 0, 1, 1 };	/* KEEP_CONN */
	struct ig_buf			p;

	ig_buf_init(out, 65536);
	ig_buf_init(&p, 65535);
	for (; vars[0] != NULL; vars += 2) {
		pair_len(&p, strlen(vars[0]));
		pair_len(&p, strlen(vars[1]));
		if (ig_buf_adds(&p, vars[0]) != IG_OK ||
		    ig_buf_adds(&p, vars[1]) != IG_OK)
			die("out of memory");
	}
	record(out, 1, begin, sizeof(begin));
	record(out, 4, p.data, p.len);
	record(out, 4, NULL, 0);
	if (*in != '\0')
		record(out, 5, in, strlen(in));
	record(out, 5, NULL, 0);
	ig_buf_free(&p);
}

/* The worker's serve() for one request, which must answer 200. */
static void
serve(FCGX_Request *fr, const struct ig_endpoint *e,
    const struct ig_cfg *cfg)
{
	struct ig_ctx	 ctx;
	struct ig_req	*r;
	enum ig_err	 er;

	if ((r = ig_req_new(fr, e, cfg)) == NULL || ig_resp_sent(r))
		die("the request did not parse");
	ctx.cfg = cfg;
	ctx.db = NULL;
	ctx.http = NULL;
	ctx.req = r;
	er = e->handle(&ctx);
	if (ig_answer_send(r, cfg, er) != IG_OK || ig_resp_status(r) != 200)
		die("the request was not answered 200");
	ig_req_free(r);
}

/*
 * "n" requests on one kept connection, a socket pair: the request's
 * records written, taken as app.c's worker_main() takes them, served,
 * finished, and the answer read and dropped.
 */
static void
fcgi_run(const struct ig_cfg *cfg, const struct ig_endpoint *e,
    const struct ig_buf *rq, long n)
{
	FCGX_Request	fr;
	char		buf[65536];
	int		sv[2];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, -1, 0) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		die("no FastCGI connection");
	for (; n > 0; n--) {
		if (write(sv[1], rq->data, rq->len) != (ssize_t)rq->len)
			die("could not write the request");
		fr.ipcFd = sv[0];
		fr.keepConnection = 1;
		if (FCGX_Accept_r(&fr) != 0)
			die("libfcgi did not take the request");
		serve(&fr, e, cfg);
		FCGX_Finish_r(&fr);
		if (fr.ipcFd != sv[0])
			die("libfcgi closed the kept connection");
		while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die("could not read the answer");
	}
	fr.ipcFd = -1;
	FCGX_Free(&fr, 0);
	close(sv[0]);
	close(sv[1]);
}

/* The parameters nginx.conf.sample passes, and the request's own. */
#define NGINX_VARS(method, uri, ctype, clen) \
	"QUERY_STRING", "", "REQUEST_METHOD", method, \
	"CONTENT_TYPE", ctype, "CONTENT_LENGTH", clen, \
	"SCRIPT_NAME", uri, "REQUEST_URI", uri, "DOCUMENT_URI", uri, \
	"SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "http", \
	"GATEWAY_INTERFACE", "CGI/1.1", "SERVER_SOFTWARE", "nginx", \
	"REMOTE_ADDR", "127.0.0.1", "REMOTE_PORT", "51234", \
	"SERVER_ADDR", "127.0.0.1", "SERVER_PORT", "8080", \
	"SERVER_NAME", "localhost", "REDIRECT_STATUS", "200", \
	"REQUEST_ID", "0123456789abcdef0123456789abcdef", \
	"HTTP_PROXY", "", "HTTP_HOST", "127.0.0.1:8080", \
	"HTTP_AUTHORIZATION", jwt_auth

/* fcgi/integration.c's GET. */
static enum ig_err
read_handle(struct ig_ctx *ctx)
{
	char		user[IG_MAX_USER_ID + 1];
	struct ig_conn	conn;
	enum ig_err	er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	if ((er = ig_conn_get(ctx, user, &conn)) != IG_OK)
		return er;
	er = ig_reply_conn(ctx, &conn);
	ig_conn_free(&conn);
	return er;
}

static void
read_path(const struct ig_cfg *cfg, long n)
{
	static const struct ig_endpoint	e = {
		.name = "integration",
		.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_DELETE,
		.handle = read_handle,
	};
	const char *const	vars[] = { NGINX_VARS("GET",
	    "/integrations/instagram", "", ""), NULL };
	struct ig_buf		rq;

	fcgi_request(&rq, vars, "");
	fcgi_run(cfg, &e, &rq, n);
	ig_buf_free(&rq);
}

/* fcgi/oauth-exchange.c's {code, state}, the state's Instagram Login. */
static enum ig_err
exchange_handle(struct ig_ctx *ctx)
{
	char			 user[IG_MAX_USER_ID + 1], uuid[37];
	char			*redirect = NULL;
	struct ig_link_req	 rq;
	struct ig_link_res	 res;
	enum ig_err		 er;

	if ((er = ig_auth_caller(ctx->cfg, ctx->req, user, sizeof(user))) !=
	    IG_OK)
		return er;
	memset(&rq, 0, sizeof(rq));
	rq.user = user;
	if ((er = ig_state_consume(ctx, user, ig_req_get(ctx->req, 1), uuid,
	    &rq.flavor, &redirect)) != IG_OK)
		return er;
	rq.user_uuid = uuid;
	rq.code = ig_req_get(ctx->req, 0);
	rq.redirect_uri = redirect;
	if ((er = ig_link_account(ctx, &rq, &res)) == IG_OK)
		er = ig_reply_conn(ctx, res.conn);
	ig_link_res_free(&res);
	free(redirect);
	return er;
}

static void
exchange(const struct ig_cfg *cfg, long n)
{
	static const struct ig_endpoint	e = {
		.name = "oauth-exchange",
		.methods = IG_METHOD_POST,
		.params = params,
		.nparams = sizeof(params) / sizeof(params[0]),
		.handle = exchange_handle,
	};
	char			len[16];
	const char *const	vars[] = { NGINX_VARS("POST",
	    "/oauth/instagram/exchange", "application/json", len), NULL };
	struct ig_buf		rq;

	(void)snprintf(len, sizeof(len), "%zu", sizeof(body) - 1);
	fcgi_request(&rq, vars, body);
	fcgi_run(cfg, &e, &rq, n);
	ig_buf_free(&rq);
}

/* Times of the canned rows, and the caller's Authorization header. */
static void
setup(const struct ig_cfg *cfg)
{
	time_t	now = time(NULL);
	char	*tok;

	(void)snprintf(soon_s, sizeof(soon_s), "%lld",
	    (long long)now + 50 * 86400);
	(void)snprintf(day_ago_s, sizeof(day_ago_s), "%lld",
	    (long long)now - 86400);
	tok = caller_jwt(cfg);
	(void)snprintf(jwt_auth, sizeof(jwt_auth), "Bearer %s", tok);
	free(tok);
}

int
main(int argc, char *argv[])
{
	struct ig_cfg	 cfg;
	char		 msg[256];
	long		 n;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: cost parse|jwt|json|read|exchange "
		    "COUNT\n");
		return 2;
	}
	/* jansson's hash seed is random: fixed, every run counts the same. */
	json_object_seed(1);
	if (ig_cfg_load(&cfg, IG_NEED_AUTH | IG_NEED_KEYS, msg, sizeof(msg)) !=
	    IG_OK)
		die(msg);
	ig_log_init("cost", IG_LOG_ERR);
	setup(&cfg);
	if (strcmp(argv[1], "parse") == 0)
		parse(&cfg, n);
	else if (strcmp(argv[1], "jwt") == 0)
		jwt(&cfg, n);
	else if (strcmp(argv[1], "json") == 0)
		json(&cfg, n);
	else if (strcmp(argv[1], "read") == 0)
		read_path(&cfg, n);
	else if (strcmp(argv[1], "exchange") == 0)
		exchange(&cfg, n);
	else
		die("no such piece");
	ig_cfg_free(&cfg);
	return 0;
}
