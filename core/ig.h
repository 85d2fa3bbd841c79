/* SPDX-License-Identifier: ISC */
/*
 * ig.h: the whole API that fcgi/ programs and tools/ may use.
 * Every prototype carries its contract: what it does, what it returns,
 * who owns each pointer and for how long, and its limits.
 * Nothing here exposes libpq, libcurl or libfcgi types.
 */
#ifndef IG_H
#define IG_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define IG_VERSION	"0.1.0"

/* Caps: every input is bounded before it is read (STYLE 3.5). */
#define IG_MAX_BODY		(16 * 1024)	/* default request body cap */
#define IG_MAX_GRAPH_REPLY	(256 * 1024)	/* cap on one reply from Meta */
#define IG_MAX_PARAM		2048		/* default per-parameter cap */
#define IG_MAX_PARAMS		64		/* pairs in one query or form */
#define IG_MAX_KEYS		8		/* IGCONNECT_TOKEN_KEYS entries */
#define IG_MAX_JWT		4096		/* bytes of a caller's JWT */
#define IG_MAX_JWT_TTL		31536000	/* seconds: a year */
#define IG_JWT_MAX_TTL		(30 * 86400)	/* IGCONNECT_JWT_MAX_TTL's
						   default */
#define IG_MAX_USER_ID		255		/* bytes of an external user id */
#define IG_MAX_CODE		1024		/* bytes of an OAuth code */
#define IG_MAX_TOKEN		4096		/* bytes of a Meta access token */
#define IG_MAX_POST		(16 << 20)	/* a raw POST body in a batch */
#define IG_MAX_HEADER_LINE	8192		/* a header line read */
#define IG_STATE_LEN		43		/* base64url of 32 random bytes */
#define IG_STATE_TTL		600		/* seconds a state stays valid */
#define IG_MAX_MEDIA_URL	2048		/* bytes of a media URL */

/*
 * Every fallible core function returns one of these; IG_OK is zero.
 * ig_strerror() gives a lower-case phrase for the log, ig_err_http()
 * the status an endpoint answers with and ig_err_code() the error code
 * of the JSON error body.  That mapping exists only in err.c.
 */
enum	ig_err {
	IG_OK = 0,
	IG_ENOMEM,	/* allocation failed: 503 */
	IG_EINPUT,	/* request failed validation: 400 invalid_request */
	IG_EAUTH,	/* caller not authenticated: 401 unauthorized */
	IG_EFORBIDDEN,	/* authenticated but not allowed: 403 */
	IG_ENOTFOUND,	/* no such resource: 404 */
	IG_EMETHOD,	/* method not allowed on this route: 405 */
	IG_ETOOBIG,	/* body over its cap: 413 payload_too_large */
	IG_EDB,		/* PostgreSQL unreachable or failed: 503 */
	IG_EUPSTREAM,	/* Meta failed, answered garbage or timed out: 502 */
	IG_ERATELIMIT,	/* Meta throttled us: 503 upstream_rate_limited */
	IG_EMETA,	/* Meta answered an error; see struct ig_meta_error */
	IG_ECRYPTO,	/* decryption or MAC check failed: 500 */
	IG_ESYS,	/* a system call failed; errno was logged: 500 */
	IG_ESCOPE,	/* the user did not grant a required permission: 400 */
	IG_ENOACCOUNT,	/* no Page of the user has an Instagram account: 400 */
	IG_ECHOICE,	/* several accounts: the caller must choose: 409 */
	IG_ENOTOFFERED,	/* the chosen account was not among those offered */
	IG_ESELECTION,	/* selection unknown, expired, used or another's */
	IG_ECONFLICT,	/* the request conflicts with the state: 409 */
	IG_ESTATE,	/* OAuth state unknown, expired, used, another's: 400 */
	IG_EDENIED,	/* the user did not authorize the app: 400 */
	IG_EGRANT,	/* Meta refused the authorization code: 400 */
	IG_EREVOKED,	/* the stored Instagram token is dead: 409 */
	IG_ETOOEARLY,	/* Meta would refuse to refresh the token yet: 409 */
	IG_EPUBLIMIT,	/* the account's 24-hour publishing limit: 429 */
	IG_ENOPUBLISH,	/* the connection lacks the publish permission: 403 */
	IG_ENOCONN,	/* the caller has no connected account: 404 */
	IG_EMEDIATYPE,	/* a body in a format we do not read: 415 */
	IG_EPERMISSION,	/* Meta: the app or token lacks a permission: 403 */
	IG_ERR__MAX
};

const char	*ig_strerror(enum ig_err);
int		 ig_err_http(enum ig_err);
const char	*ig_err_code(enum ig_err);

/* -------------------------------------------------------------- kinds.c */

/*
 * A login flavor (Meta's login flavors), the kind of token a connection
 * holds, and a connection's stored status: each has one table of names
 * (the database's and the API's) in kinds.c.  *_name() always returns a
 * name; *_parse() returns 1 and sets "*out" for a known name, else 0.
 */
enum	ig_flavor {
	IG_FLAVOR_INSTAGRAM,	/* Instagram Login */
	IG_FLAVOR_FACEBOOK,	/* Facebook Login: Pages, Page tokens */
	IG_FLAVOR__MAX
};

enum	ig_token_kind {
	IG_TOKEN_LONG,		/* 60 days, refreshable */
	IG_TOKEN_SHORT,		/* an hour: the fallback, upgraded later */
	IG_TOKEN_PAGE,		/* a Page token: no expiry */
	IG_TOKEN__MAX
};

enum	ig_status {
	IG_STATUS_ACTIVE,
	IG_STATUS_DISCONNECTED,
	IG_STATUS_NEEDS_REAUTH,
	IG_STATUS__MAX
};

/* A publish job's status, and the step it takes next (sql/011). */
enum	ig_pub_status {
	IG_PUB_SCHEDULED,	/* waits for publishAt or the quota */
	IG_PUB_PROCESSING,	/* containers made, Meta processes them */
	IG_PUB_PUBLISHING,	/* media_publish asked, or being asked */
	IG_PUB_PUBLISHED,
	IG_PUB_FAILED,
	IG_PUB_CANCELED,
	IG_PUB__MAX
};

enum	ig_step {
	IG_STEP_NONE,		/* ended */
	IG_STEP_CHILDREN,	/* create the next carousel child */
	IG_STEP_CONTAINER,	/* create the post's container */
	IG_STEP_POLL,		/* read the container's status_code */
	IG_STEP_QUOTA,		/* read content_publishing_limit */
	IG_STEP_PUBLISH,	/* media_publish: provably not done yet */
	IG_STEP_CONFIRM,	/* media_publish was asked: read first */
	IG_STEP_LOOKUP,		/* published unheard: find the media id */
	IG_STEP_PERMALINK,	/* read the published media's permalink */
	IG_STEP__MAX
};

const char	*ig_pub_status_name(enum ig_pub_status);
int		 ig_pub_status_parse(const char *, enum ig_pub_status *out);
const char	*ig_step_name(enum ig_step);
int		 ig_step_parse(const char *, enum ig_step *out);
const char	*ig_flavor_name(enum ig_flavor);
int		 ig_flavor_parse(const char *, enum ig_flavor *out);
const char	*ig_token_kind_name(enum ig_token_kind);
int		 ig_token_kind_parse(const char *, enum ig_token_kind *out);
const char	*ig_status_name(enum ig_status);
int		 ig_status_parse(const char *, enum ig_status *out);

/* ---------------------------------------------------------------- mem.c */

/*
 * Allocation wrappers; all core allocation goes through them so tests
 * can make the Nth call fail (ig_mem_fail_after).  They return NULL on
 * failure and never abort.  Free with free(3).
 */
void	*ig_malloc(size_t);
void	*ig_calloc(size_t, size_t);
void	*ig_reallocarray(void *, size_t, size_t);
char	*ig_strdup(const char *);
char	*ig_strndup(const char *, size_t);

/*
 * Test hook: the allocation n calls from now (n >= 1) and every later one
 * fail; n == 0 turns failures off.  Not thread-safe; unit tests only.
 */
void	 ig_mem_fail_after(unsigned long n);

/* ---------------------------------------------------------------- buf.c */

/*
 * A growable byte buffer with a hard cap fixed at init (curl dynbuf).
 * The contents stay NUL-terminated for convenience; "len" excludes it.
 */
struct	ig_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
	size_t	 cap;		/* bytes of content never exceeded */
};

/* Start an empty buffer that may hold at most "cap" bytes.  No alloc. */
void		 ig_buf_init(struct ig_buf *, size_t cap);

/*
 * Append "n" bytes.  Returns IG_ETOOBIG past the cap and IG_ENOMEM when
 * allocation fails; on either the buffer is freed and reset (a request
 * that overflowed must not continue with half its data).
 */
enum ig_err	 ig_buf_add(struct ig_buf *, const void *, size_t n);
enum ig_err	 ig_buf_adds(struct ig_buf *, const char *);

/* Free the contents, wiping them first (a buffer may hold a token). */
void		 ig_buf_free(struct ig_buf *);

/* ---------------------------------------------------------------- cfg.c */

enum	ig_auth_mode {
	IG_AUTH_JWT,
	IG_AUTH_REMOTE_USER,
	IG_AUTH_NONE
};

/* What a program needs from the configuration; missing ones stop it. */
#define IG_NEED_DB		0x01u	/* DATABASE_URL */
#define IG_NEED_KEYS		0x02u	/* IGCONNECT_TOKEN_KEYS */
#define IG_NEED_INSTAGRAM	0x04u	/* Instagram app id, secret, redirect */
#define IG_NEED_AUTH		0x08u	/* JWT_SECRET when IGCONNECT_AUTH=jwt */
#define IG_NEED_WEBHOOK		0x10u	/* webhook verify token */
#define IG_NEED_FORWARD		0x20u	/* relay: forward URL and secret */
#define IG_NEED_MIGRATE		0x40u	/* the owner's URL, or DATABASE_URL */

struct	ig_key {
	char		id[33];		/* [A-Za-z0-9_-]{1,32} */
	unsigned char	key[32];	/* AES-256 key; wiped by ig_cfg_free */
};

struct	ig_cfg {
	char		*database_url;
	char		*migrate_database_url;	/* the owner's: migrations */
	char		*app_role;		/* the programs' role */
	char		*ig_app_id;
	char		*ig_app_secret;
	char		*ig_redirect_uri;
	char		*ig_verify_token;
	char		*fb_app_id;
	char		*fb_app_secret;
	char		*jwt_secret;
	size_t		 jwt_secret_len;
	char		*jwt_issuer;
	char		*jwt_audience;
	long		 jwt_max_ttl;		/* seconds a caller's JWT may
						   still have to live */
	enum ig_auth_mode auth;
	struct ig_key	 keys[IG_MAX_KEYS];	/* keys[0] encrypts */
	size_t		 nkeys;
	char		*graph_version;		/* "v26.0" */
	char		*url_instagram_www;	/* no trailing slash */
	char		*url_instagram_api;
	char		*url_graph_instagram;
	char		*url_facebook_www;
	char		*url_graph_facebook;
	char		*ca_file;		/* NULL: system bundle */
	int		 log_level;		/* IG_LOG_* */
	long		 threads;		/* per worker process */
	long		 processes;		/* worker processes */
	long		 meta_threads;		/* the same, for programs */
	long		 meta_processes;	/* that wait on Meta */
	long		 db_connections;	/* at most, per process */
	long		 socket_mode;		/* of --listen sockets */
	long		 max_body;		/* bytes */
	long		 http_timeout;		/* seconds, whole call */
	long		 connect_timeout;	/* seconds */
	char		*redirect_uris;		/* allow-list, comma-separated */
	char		*ig_scopes;		/* requested, comma-separated */
	char		*fb_scopes;		/* Facebook Login's */
	char		*fb_config_id;		/* Login for Business, or NULL */
	long		 ig_appsecret_proof;	/* 1: on graph.instagram.com */
	long		 refresh_window;	/* days: needsRefresh */
	long		 webhook_max_body;	/* bytes of one delivery */
	char		*forward_url;		/* where the relay POSTs */
	char		*forward_secret;	/* signs what it POSTs */
	char		*public_url;		/* our own base URL, or NULL */
	long		 return_tokens;		/* 1: seed 004's token fields */
	long		 accept_client_tokens;	/* 1: seed 003's accessToken */
	long		 signin_client_state;	/* 1: the front end's state */
	long		 signin_ttl;		/* seconds a sign-in JWT lasts */
	long		 signed_request_max_age;	/* seconds */
	char		*cors_origins;		/* exact origins, comma-separated;
						   NULL: no CORS at all */
	long		 webhook_retention;	/* days raw deliveries are kept */
};

/*
 * Fill "cfg" from the environment (names in README.md, seed aliases and
 * <NAME>_FILE variants for secrets), and for what it does not set, from
 * the env file named by IGCONNECT_ENV_FILE or else found at
 * ~/.config/igconnect/igconnect.env.  Every variable that is present is
 * validated; those in "needs" must be present.  On failure returns
 * IG_EINPUT with one line naming the variable in "msg" (never its value)
 * and leaves "cfg" freed.  Strings in "cfg" are owned by it until
 * ig_cfg_free(), which wipes the secrets.
 */
enum ig_err	 ig_cfg_load(struct ig_cfg *cfg, unsigned needs,
		    char *msg, size_t msgsz);
void		 ig_cfg_free(struct ig_cfg *);

/*
 * 1 if "uri" is one of the redirect URIs a caller may name
 * (IGCONNECT_REDIRECT_URIS, else INSTAGRAM_REDIRECT_URI), byte for byte.
 */
int		 ig_redirect_allowed(const struct ig_cfg *, const char *uri);

/* ---------------------------------------------------------------- log.c */

#define IG_LOG_ERR	0
#define IG_LOG_WARN	1
#define IG_LOG_INFO	2
#define IG_LOG_DEBUG	3

/*
 * Logging to stderr, one line per event: "LEVEL name[pid] rid=ID msg".
 * Non-printable bytes are escaped.  Never pass tokens, codes, secrets or
 * query strings.  ig_log_warn() appends strerror(errno), warnx does not.
 */
void	ig_log_init(const char *progname, int level);
void	ig_log_set_rid(const char *rid);	/* copied; NULL clears */
void	ig_log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	ig_log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	ig_log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	ig_log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	ig_log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escape "s" (at most "n" bytes) for a log line into "out": printable
 * ASCII is kept, everything else becomes \xHH.  Always NUL-terminates;
 * truncates with "..." when "out" is too small.
 */
void	ig_log_escape(char *out, size_t outsz, const char *s, size_t n);

/* ------------------------------------------------------------- crypto.c */

/* Fill "buf" from the CSPRNG.  IG_ECRYPTO if it cannot (never a fallback). */
enum ig_err	 ig_rand_bytes(void *buf, size_t n);

/* HMAC-SHA256 of "msg" under "key" into "mac" (32 bytes). */
enum ig_err	 ig_hmac_sha256(const void *key, size_t keylen,
		    const void *msg, size_t msglen, unsigned char mac[32]);

/* SHA-256 of "msg" into "md" (32 bytes). */
enum ig_err	 ig_sha256(const void *msg, size_t len, unsigned char md[32]);

/* Constant-time comparison of equal-length buffers: 1 if equal. */
int		 ig_ct_equal(const void *, const void *, size_t);

/* Constant-time comparison of two strings (lengths may differ): 1 if equal. */
int		 ig_ct_streq(const char *, const char *);

/* Wipe "n" bytes so the compiler cannot drop it (OPENSSL_cleanse). */
void		 ig_wipe(void *, size_t n);

/* Wipe a NUL-terminated string and free it; NULL is fine. */
void		 ig_free_secret(char *);

/* Lower-case hex of "n" bytes into "out" (2n+1 bytes). */
void		 ig_hex(char *out, const unsigned char *in, size_t n);

/*
 * base64url without padding (RFC 4648 section 5).  Encode writes
 * ig_b64url_len(n)+1 bytes into "out".  Decode accepts only the
 * unpadded alphabet (no whitespace, no '=') and writes at most "outsz"
 * bytes; returns IG_EINPUT on bad input or a too small "out".
 */
size_t		 ig_b64url_len(size_t n);
void		 ig_b64url_enc(char *out, const unsigned char *in, size_t n);
enum ig_err	 ig_b64url_dec(unsigned char *out, size_t outsz,
		    size_t *outlen, const char *in, size_t inlen);

/* Standard base64 with padding, decode only (key material in config). */
enum ig_err	 ig_b64_dec(unsigned char *out, size_t outsz, size_t *outlen,
		    const char *in, size_t inlen);

/*
 * A new token key as IGCONNECT_TOKEN_KEYS takes it: "id" (valid as
 * ig_valid_key_id() says), ':', and 32 bytes from the CSPRNG in padded
 * base64 (IG_KEY_B64 characters), into "out" (NUL-terminated; at least
 * strlen(id) + IG_KEY_B64 + 2 bytes, else IG_EINPUT).  A secret: the
 * caller wipes it.
 */
#define IG_KEY_B64	44
enum ig_err	 ig_key_new(const char *id, char *out, size_t sz);

/*
 * Seal "plain" with AES-256-GCM under the first key of "cfg", binding
 * "aad" (e.g. "userid|provider"; may be empty) and the key id.  On
 * success "*sealed" is a new NUL-terminated string
 * "ig1.<keyid>.<base64url(nonce|ciphertext|tag)>" the caller frees.
 */
enum ig_err	 ig_seal(const struct ig_cfg *cfg, const char *plain,
		    const char *aad, char **sealed);

/*
 * Open a value made by ig_seal() with whichever configured key its id
 * names, checking the tag and "aad".  On success "*plain" is a new
 * string the caller releases with ig_free_secret().  Tampering, an
 * unknown key id or another aad all give IG_ECRYPTO.
 */
enum ig_err	 ig_open(const struct ig_cfg *cfg, const char *sealed,
		    const char *aad, char **plain);

/* ---------------------------------------------------------------- jwt.c */

/*
 * Verify a caller's compact JWS: exactly three base64url segments, the
 * header exactly {"alg":"HS256"} (optional "typ": "JWT"; any other
 * header member such as "crit", "kid" or "jku" is refused), the HMAC
 * checked in constant time before the claims are parsed, duplicate
 * names refused, "sub" a user id (ig_valid_user_id), "exp" required,
 * less than 60 s in the past and at most IGCONNECT_JWT_MAX_TTL ahead,
 * "iat"/"nbf" checked when present with the same 60 s leeway, "iss" and
 * "aud" checked when configured.  On success copies "sub" into "sub"
 * (NUL-terminated, at most subsz-1 bytes).  Returns IG_EAUTH for every
 * rejection, with "*why" (if "why" is not NULL) a fixed text saying
 * which rule refused it.
 */
enum ig_err	 ig_jwt_verify(const struct ig_cfg *cfg, const char *jwt,
		    time_t now, char *sub, size_t subsz, const char **why);

/*
 * Sign "claims" (borrowed) as an HS256 JWT with the configured secret.
 * "*jwt" is a new string the caller frees.  Used by tests and by the
 * sign-in compatibility route.
 */
enum ig_err	 ig_jwt_sign(const struct ig_cfg *cfg, json_t *claims,
		    char **jwt);

/*
 * A caller's token for "sub" (a valid user id), as a host app mints it:
 * "iat" "now", "exp" "now" + "ttl" seconds (1 to IGCONNECT_JWT_MAX_TTL),
 * and "iss" and "aud" when the configuration sets them, signed by
 * ig_jwt_sign(), so ig_jwt_verify() with the same "cfg" accepts it.
 * "*jwt" is a new string the caller frees.  IG_EINPUT for a bad "sub" or
 * "ttl", IG_EAUTH without a secret, IG_ENOMEM.
 */
enum ig_err	 ig_jwt_mint(const struct ig_cfg *cfg, const char *sub,
		    long ttl, time_t now, char **jwt);

/* ---------------------------------------------------------------- req.c */

struct	ig_req;		/* one request; owned by the worker loop */

/*
 * A request parameter an endpoint accepts: its name (dots allowed, as in
 * "hub.mode"), a length cap, and a validator.  Values come from the
 * query string, an urlencoded form body or the string members of a JSON
 * object body.  A value longer than "maxlen", failing "valid", or given
 * twice makes the request 400 before the handler runs; parameters not
 * in the table are ignored.
 */
struct	ig_param {
	const char	*name;
	size_t		 maxlen;
	int		(*valid)(const char *, size_t);
};

#define IG_METHOD_GET		0x01u
#define IG_METHOD_HEAD		0x02u
#define IG_METHOD_POST		0x04u
#define IG_METHOD_PUT		0x08u
#define IG_METHOD_PATCH		0x10u
#define IG_METHOD_DELETE	0x20u
#define IG_METHOD_OPTIONS	0x40u	/* a CORS preflight: every endpoint
					   takes it, the answer layer answers
					   it */

/* The request method as one IG_METHOD_* bit; 0 if unknown. */
unsigned	 ig_req_method(const struct ig_req *);

/*
 * The validated value of parameter "idx" (an index into the endpoint's
 * table), or NULL if absent.  Borrowed: valid until the request ends.
 */
const char	*ig_req_get(const struct ig_req *, size_t idx);

/*
 * A CGI/FastCGI variable of this request ("REQUEST_URI", "HTTP_..."),
 * or NULL.  Borrowed: valid until the request ends.
 */
const char	*ig_req_env(const struct ig_req *, const char *name);

/*
 * Like ig_req_env(), but NULL also when the variable came more than once
 * (nginx passes a repeated request header as two parameters, and libfcgi
 * would return the first): for headers whose meaning must be single,
 * such as a signature.
 */
const char	*ig_req_env_once(const struct ig_req *, const char *name);

/*
 * The value of the cookie "name" (RFC 6265 5.4: "name=value" pairs
 * separated by "; ") into "out"; 1 when the request sends it exactly
 * once and it fits, else 0.
 */
int		 ig_req_cookie(const struct ig_req *, const char *name,
		    char *out, size_t outsz);

/* The raw body and its length ("" and 0 when none).  Borrowed. */
const char	*ig_req_body(const struct ig_req *, size_t *len);

/* The JSON object body, or NULL if the body was not JSON.  Borrowed. */
json_t		*ig_req_json(const struct ig_req *);

/* The request id nginx passed (REQUEST_ID), or a generated one. */
const char	*ig_req_id(const struct ig_req *);

/*
 * The flavor of a login that names none: Instagram Login, or the one
 * of the app a compatibility route serves (seed 001's: Facebook Login).
 */
enum ig_flavor	 ig_req_flavor(const struct ig_req *);

/*
 * 1 when the request came through a compatibility route
 * (nginx.conf.sample): its path is the seed's own and stands for the
 * program's collection, never one of its members (core reads the
 * route's :userId itself).
 */
int		 ig_req_routed(const struct ig_req *);

/*
 * 1 if the request's route takes an authorization code without a state
 * (seed 004's front end builds the login URL itself and sends none):
 * the code is then taken only with a redirect URI on the allow-list,
 * and protection against login CSRF is the front end's.
 */
int		 ig_req_stateless(const struct ig_req *);

/*
 * Percent-decode "in" (n bytes) once, '+' as space, into a new string.
 * Rejects bad escapes and embedded NUL with IG_EINPUT.
 */
enum ig_err	 ig_url_decode(const char *in, size_t n, char **out);

/* ---------------------------------------------------------------- valid.c */

/* Validators for struct ig_param: 1 if acceptable, 0 if not. */
int	ig_valid_printable(const char *, size_t);	/* ASCII 0x20-0x7e */
int	ig_valid_digits(const char *, size_t);		/* [0-9]+ */
int	ig_valid_alnum(const char *, size_t);		/* [0-9A-Za-z]+ */
int	ig_valid_state(const char *, size_t);		/* b64url, 43 chars */
int	ig_valid_token(const char *, size_t);		/* [!-~]+, no spaces */
int	ig_valid_user_id(const char *, size_t);	/* UTF-8 without controls,
						   1 to IG_MAX_USER_ID bytes */
int	ig_valid_key_id(const char *, size_t);	/* [A-Za-z0-9_-]{1,32} */
int	ig_valid_utf8(const char *, size_t);	/* UTF-8, no NUL, C0 (but tab
						   and LF) or C1 control */
int	ig_valid_text(const char *, size_t);	/* ig_valid_utf8, and CR */
int	ig_valid_any(const char *, size_t);	/* anything, even "": the
						   handler judges it */

/* ---------------------------------------------------------------- resp.c */

/*
 * The answer to a request.  A handler gives data or an error value and
 * never writes a header or a body: after it returns, app.c sends what it
 * gave, once, in the shape its route asks for (shape.c).  The calls
 * below only record; the last one a handler makes decides.
 */

/*
 * Answer "status" with the canonical JSON "body" (stolen, even on
 * failure).  Returns IG_OK, or IG_ENOMEM when "body" is NULL.
 */
enum ig_err	 ig_reply(struct ig_req *, int status, json_t *body);

/* Answer with a text/plain body (the webhook challenge); copied. */
enum ig_err	 ig_reply_text(struct ig_req *, int status, const char *text);

/*
 * Send a cookie "name=value" with the attributes of a __Host- cookie
 * (RFC 6265bis 4.1.3.2): Secure, Path=/, no Domain; HttpOnly and
 * SameSite=Lax; expiring after "max_age" seconds.  Name and value are
 * ours (a fixed name, base64url text), never request data.
 */
enum ig_err	 ig_reply_cookie(struct ig_req *, const char *name,
		    const char *value, long max_age);

/* Add Retry-After: "seconds" (> 0) to the answer, data or error. */
void		 ig_reply_retry_after(struct ig_req *, long seconds);

/*
 * Record the error "er" and return it, so a handler writes
 * "return ig_refuse(...)".  "why" replaces the table's text (err.c): our
 * own words, never Meta's, libpq's or libcurl's messages; NULL keeps the
 * table's.  The error body is {"error": code, "error_description":
 * text, "request_id": id} in the canonical shape.
 */
enum ig_err	 ig_refuse(struct ig_req *, enum ig_err er, const char *why);

/* ig_refuse() with members "extra" (stolen) added to the error body. */
enum ig_err	 ig_refuse_with(struct ig_req *, enum ig_err er,
		    const char *why, json_t *extra);

/*
 * Record a failed call to Meta; the one place where Meta's errors become
 * ours: the api.instagram.com OAuth envelope is IG_EGRANT, code 190
 * IG_EREVOKED, codes 10 and 200-299 IG_EPERMISSION (with the permission
 * when Meta names one), throttling IG_ERATELIMIT with Retry-After,
 * everything else IG_EUPSTREAM, with Meta's code and fbtrace id when it
 * sent them.
 * Any other "er" is recorded as it is.  Returns the error recorded.
 */
struct	ig_meta_error;
enum ig_err	 ig_refuse_meta(struct ig_req *, enum ig_err er,
		    const struct ig_meta_error *merr);

/* "t" as ISO 8601 UTC, "2026-11-21T15:04:05Z", into "out" (21 bytes). */
void		 ig_iso8601(char out[21], time_t t);

/* ig_iso8601()'s form "YYYY-MM-DDTHH:MM:SSZ" as a time, or -1. */
time_t		 ig_iso8601_parse(const char *s);

/* 1 once the answer is decided: given, or refused by the parser. */
int		 ig_resp_sent(const struct ig_req *);

/* The status decided (and then written), 0 if none yet. */
int		 ig_resp_status(const struct ig_req *);

/* ---------------------------------------------------------------- db.c */

struct	ig_db;		/* one PostgreSQL connection; opaque */

/*
 * Make a handle for "conninfo" (borrowed, must outlive the handle).  No
 * connection is made yet: the first statement connects, and a lost
 * connection is re-established transparently on the next statement, so
 * a worker survives PostgreSQL restarts.  NULL on allocation failure.
 * A handle is one connection: statements may form a transaction.
 */
struct ig_db	*ig_db_open(const char *conninfo, const char *appname);

/*
 * A handle of up to "n" connections that threads share: each statement
 * runs on a free one (waiting while all are busy), connected on demand.
 * Single statements only, no transaction across two calls.
 */
struct ig_db	*ig_db_open_pool(const char *conninfo, const char *appname,
		    size_t n);
void		 ig_db_close(struct ig_db *);

/* Run "SELECT 1": IG_OK if the database answers, IG_EDB if not. */
enum ig_err	 ig_db_ping(struct ig_db *);

/*
 * Apply every "NNN_name.sql" file of "dir" not yet recorded in the
 * schema_migrations table, in name order, each in its own transaction
 * together with its record, as the database's owner (SET ROLE when the
 * connection's role is a member of it).  "*applied" counts what ran.  A
 * second run applies nothing.  Then, at every run, "dir"/grants.sql in
 * one transaction: the role "app_role" (borrowed) gets exactly the
 * privileges the programs need.  Errors are logged with the file name.
 */
enum ig_err	 ig_db_migrate(struct ig_db *, const char *dir,
		    const char *app_role, int *applied);

/* ---------------------------------------------------------------- http.c */

struct	ig_http;	/* one libcurl handle per thread; opaque */

/*
 * Make a client for calls to Meta with the timeouts and CA bundle of
 * "cfg" (borrowed; must outlive it).  Reusing it keeps TLS connections
 * alive.  NULL on failure.
 */
struct ig_http	*ig_http_new(const struct ig_cfg *cfg);
void		 ig_http_free(struct ig_http *);

/* How the caller should react to a Meta error (Graph error docs). */
enum	ig_meta_class {
	IG_META_OTHER,		/* fix the request / app config */
	IG_META_TRANSIENT,	/* codes 1, 2, is_transient: retry later */
	IG_META_RATELIMIT,	/* 4, 17, 32, 613, 80002: back off */
	IG_META_TOKEN,		/* 190: token expired or revoked */
	IG_META_PERMISSION,	/* 10, 200-299 */
	IG_META_OAUTH		/* api.instagram.com OAuth envelope */
};

/*
 * One error from Meta, from either envelope: the Graph one
 * {"error":{"message","type","code","error_subcode","fbtrace_id",
 * "is_transient"}} or the api.instagram.com one
 * {"error_type","code","error_message"}.  Text fields are truncated
 * copies and may be logged (never sent to a client).
 */
struct	ig_meta_error {
	long			status;		/* HTTP status */
	long			code;
	long			subcode;
	int			transient;
	enum ig_meta_class	cls;
	char			type[48];
	char			message[256];
	char			fbtrace_id[64];
	long			retry_after;	/* seconds, from headers; 0 */
	int			deferred;	/* not made: Meta's usage */
};

/*
 * How close the app is to Meta's rate limits, from the usage headers of
 * one reply (Graph API "Rate Limits" docs; absent until enough calls
 * were made, which reads as 0): the highest percentage of any figure
 * (call_count, total_cputime, total_time) of X-App-Usage and of every
 * business in X-Business-Use-Case-Usage, and the longest
 * estimated_time_to_regain_access, in seconds (Meta sends minutes).
 */
struct	ig_meta_usage {
	int			pct;		/* 0 to 1000 */
	long			regain;		/* seconds, or 0 */
};

#define IG_USAGE_SLOW	80	/* %: one call in flight at a time */
#define IG_USAGE_STOP	100	/* %: no calls for IG_USAGE_PAUSE */
#define IG_USAGE_PAUSE	60	/* seconds, when no regain time given */

enum	ig_pace {
	IG_PACE_FULL,		/* every parallel slot */
	IG_PACE_SLOW,		/* one call at a time */
	IG_PACE_STOP		/* no calls until the regain time */
};

/*
 * Raise "u" to what the header "name" (any case) with the value
 * "value" ("len" bytes, not NUL-terminated) says, if it is
 * X-App-Usage or X-Business-Use-Case-Usage in Meta's documented shape.
 * Returns 1 if a figure was read; 0 leaves "u" untouched (another
 * header, malformed JSON, no figure of the right type).
 */
int		 ig_meta_usage_parse(const char *name, const char *value,
		    size_t len, struct ig_meta_usage *u);

/* What "u" asks of a job. */
enum ig_pace	 ig_meta_usage_pace(const struct ig_meta_usage *u);

/* A query or form field; a NULL name ends a list. */
struct	ig_kv {
	const char	*name;
	const char	*value;
};

/*
 * GET "base" + "path" with the query "query" (values percent-encoded
 * here), or POST it as an urlencoded form ("form" non-NULL).  Only
 * https is allowed, TLS is always verified, redirects are not followed,
 * the reply is capped at IG_MAX_GRAPH_REPLY.
 * On a 2xx JSON object reply, "*reply" is a new reference the caller
 * json_decref()s.  A Meta error gives IG_EMETA (or IG_ERATELIMIT for
 * throttling) with "merr" filled; a transport failure, timeout, 5xx
 * without envelope or malformed JSON gives IG_EUPSTREAM.  Secrets in
 * "query"/"form" are never logged.  "merr" may be NULL.
 */
enum ig_err	 ig_http_call(struct ig_http *, const char *base,
		    const char *path, const struct ig_kv *query,
		    const struct ig_kv *form, json_t **reply,
		    struct ig_meta_error *merr);

/*
 * An idempotent GET through ig_http_call() with a bounded retry: at
 * most 3 attempts, only after IG_EUPSTREAM (codes 1 and 2, HTTP 5xx,
 * timeouts, garbage), with full-jitter backoff, and never past
 * IGCONNECT_HTTP_TIMEOUT from the first attempt.  Never use it for a
 * call that must not run twice (the code exchange).
 */
enum ig_err	 ig_http_get(struct ig_http *, const char *base,
		    const char *path, const struct ig_kv *query,
		    json_t **reply, struct ig_meta_error *merr);

/*
 * Many calls at once over one libcurl multi handle (the runner's
 * batches): at most "parallel" in flight, on connections kept alive
 * between batches.  Each call is made once (a runner retries on a later
 * pass).  A batch talks either to Meta (ig_http_batch_new: https only,
 * IGCONNECT_CA_FILE, replies interpreted as ig_http_call() does) or to
 * the host app (ig_http_batch_new_forward: http or https, the system CA
 * bundle, only the HTTP status counts).
 */
struct	ig_http_batch;

/*
 * One call, described before it is made; a builder memsets it (a GET)
 * and fills what it needs.  Every pointer is borrowed until
 * ig_http_batch_add() returns, which copies what it sends.
 */
struct	ig_call {
	const char	*base;		/* a configured URL (the forward URL) */
	char		 path[96];	/* appended to "base"; may be "" */
	struct ig_kv	 query[4];	/* NULL name ends */
	int		 post;		/* 0: GET; 1: POST "form" or "body" */
	struct ig_kv	 form[12];	/* urlencoded body; NULL name ends */
	const char	*body;		/* or these "len" raw bytes, non-NULL */
	size_t		 len;
	const char	*headers[4];	/* "Name: value" lines; NULL ends */
};

/*
 * "done" gets each call's "arg" and its result, on the thread running
 * the batch, as each call completes.  From Meta: IG_OK with the reply
 * (a JSON object, borrowed for the duration of "done"); IG_EMETA or
 * IG_ERATELIMIT with Meta's error in "merr"; IG_EUPSTREAM for no
 * answer, a 5xx without Meta's envelope, or garbage.  From the host
 * app: IG_OK for a 2xx, else IG_EUPSTREAM; "reply" is NULL and
 * merr->status is the HTTP status (0: no answer).
 */
typedef void	 ig_http_done(void *arg, enum ig_err er, const json_t *reply,
		    const struct ig_meta_error *merr);

/* "cfg" is borrowed and must outlive the batch.  NULL on failure. */
struct ig_http_batch *ig_http_batch_new(const struct ig_cfg *, int parallel);
struct ig_http_batch *ig_http_batch_new_forward(const struct ig_cfg *,
		    int parallel);
void		 ig_http_batch_free(struct ig_http_batch *);

/*
 * Queue "c" for the next run.  Its URL and body (with any token) are
 * built and copied now, so the caller may wipe its copies at once; they
 * are wiped after the call.  A form is capped at 16 KiB, a raw body at
 * IG_MAX_POST (IG_ETOOBIG).  appsecret_proof joins the query or the form
 * that carries an access_token where ig_http_call() would add it.
 */
enum ig_err	 ig_http_batch_add(struct ig_http_batch *,
		    const struct ig_call *c, void *arg);

/*
 * Make every queued call and call "done" for each as it completes.
 * IG_ENOMEM or IG_EUPSTREAM only if libcurl itself failed; "done" has
 * then been called for every queued call anyway.
 */
enum ig_err	 ig_http_batch_run(struct ig_http_batch *, ig_http_done *done);

/* TCP connections the batch's transfers have opened so far. */
long		 ig_http_batch_connects(const struct ig_http_batch *);

/*
 * Seconds until a batch to Meta may call Meta again, 0 if it may now.
 * A batch paces itself by the usage headers of Meta's replies
 * (ig_meta_usage_pace()): at IG_USAGE_SLOW one call in flight at a
 * time; at IG_USAGE_STOP, or when a reply gives a time to regain
 * access, no call until then (IG_USAGE_PAUSE if none is given): the
 * calls still queued get IG_ERATELIMIT with merr->deferred set and
 * merr->retry_after the wait, unmade.  After the wait the batch starts
 * again one call at a time.  Each change of pace is logged once.
 */
long		 ig_http_batch_paused(struct ig_http_batch *);

/*
 * "base" + "path" + "?" + the query, percent-encoded as ig_http_call()
 * would send it: a new string the caller frees.  For URLs a browser
 * follows (the authorize URL).
 */
enum ig_err	 ig_http_url(const char *base, const char *path,
		    const struct ig_kv *query, char **out);

/* TCP connections this handle has opened so far (reuse checks). */
long		 ig_http_connects(const struct ig_http *);

/*
 * 1 if "url" may be given to Meta to fetch media from: https, at most
 * IG_MAX_MEDIA_URL bytes, no credentials, a host name with a dot that
 * is not localhost nor a loopback, private, link-local or multicast
 * address literal.  Else 0 and the reason in "why".  Names are not
 * resolved here: Meta fetches the media, not us.
 */
int		 ig_url_public(const char *url, char *why, size_t sz);

/*
 * appsecret_proof (appsecret_proof docs): lower-case hex of HMAC-SHA256
 * keyed by the app "secret" over the access "token", into "out".
 * ig_http_call() and the batches add it themselves where it is due.
 */
enum ig_err	 ig_appsecret_proof(const char *secret, const char *token,
		    char out[65]);

/*
 * Parse a Meta error body (borrowed bytes) of HTTP status "status" into
 * "merr".  Returns 1 if either envelope was recognised, 0 if not.
 */
int		 ig_meta_error_parse(const char *body, size_t len, long status,
		    struct ig_meta_error *merr);

/*
 * Copy the id member "name" of "obj" as an exact decimal string,
 * whether Meta sent a JSON integer or a string of digits.  Reals,
 * negative numbers and non-digit strings are refused (IG_EUPSTREAM).
 * "*out" is new; the caller frees it.  IG_ENOTFOUND when absent.
 */
enum ig_err	 ig_json_id_dup(const json_t *obj, const char *name,
		    char **out);

/* ---------------------------------------------------------------- auth.c */

/*
 * Who is calling, per IGCONNECT_AUTH: the JWT "sub" (jwt), REMOTE_USER
 * (remote_user) or the X-User-Id header, else "local" (none).  Copies
 * the external user id into "user" (NUL-terminated).  IG_EAUTH when the
 * caller is not authenticated, refused with the reason; IG_EFORBIDDEN
 * when the request names another user (a route's :userId, or "userId"
 * or "user_id" in its query, form or JSON body).
 */
enum ig_err	 ig_auth_caller(const struct ig_cfg *, struct ig_req *,
		    char *user, size_t usersz);

/* ---------------------------------------------------------------- app.c */

/* What one worker thread hands an endpoint's handler. */
struct	ig_ctx {
	const struct ig_cfg	*cfg;	/* process lifetime */
	struct ig_db		*db;	/* the process's connection pool */
	struct ig_http		*http;	/* this thread's Meta client */
	struct ig_req		*req;	/* the current request */
};

/*
 * An endpoint: one fcgi/ program.  "handle" gives its answer with
 * ig_reply() and returns IG_OK, or returns an error value (ig_refuse()
 * to give it its own text); app.c sends it in the route's shape.
 */
struct	ig_endpoint {
	const char		*name;		/* "healthz": log prefix */
	unsigned		 needs;		/* IG_NEED_* */
	unsigned		 methods;	/* IG_METHOD_* allowed */
	size_t			 max_body;	/* 0: IGCONNECT_MAX_BODY */
	/*
	 * 1: the body is left unparsed for the handler (ig_req_body) and
	 * capped by IGCONNECT_WEBHOOK_MAX_BODY: a webhook delivery must not
	 * be parsed before its signature is checked.
	 */
	int			 raw_body;
	/*
	 * 1: a request waits for Meta (about 150 ms), so the program runs
	 * IGCONNECT_META_THREADS x IGCONNECT_META_PROCESSES threads: the
	 * requests in flight that Meta's latency needs.
	 */
	int			 waits_on_meta;
	const struct ig_param	*params;
	size_t			 nparams;
	/*
	 * Names of parameters that must never come in the query string
	 * (NULL-terminated, or NULL): an OAuth code or state in a URL ends
	 * up in access and error logs, in the browser's history and in
	 * Referer headers.  Given there, the request is 400.
	 */
	const char *const	*body_only;
	enum ig_err		(*handle)(struct ig_ctx *);
};

/*
 * The main() of every endpoint program.  With "--listen PATH" it binds a
 * unix socket and supervises worker processes (restarting any that
 * crash); with a FastCGI listening socket on fd 0 (spawn-fcgi, systemd)
 * it does the same on it; otherwise it serves one request as plain CGI.
 * Each worker runs IGCONNECT_THREADS threads (IGCONNECT_META_THREADS if
 * the endpoint waits on Meta), each with its own Meta client, sharing up
 * to IGCONNECT_DB_CONNECTIONS database connections.
 * SIGTERM lets in-flight requests finish.
 * Returns the process exit status.
 */
int		 ig_app_main(int argc, char *argv[],
		    const struct ig_endpoint *ep);

/* ---------------------------------------------------------- instagram.c */

/*
 * Instagram Login (Instagram Login docs): Meta's replies read defensively into
 * our own shapes.  Each call returns IG_OK or what ig_http_call() does,
 * with "merr" filled for Meta's errors; a reply missing what we need is
 * IG_EUPSTREAM.  Refuse with ig_refuse_meta().
 */
struct	ig_token {
	char	*access_token;	/* secret: released by ig_token_free */
	char	*user_id;	/* app-scoped id (code exchange), or NULL */
	json_t	*permissions;	/* granted, array of strings, or NULL */
	long	 expires_in;	/* seconds; 0 when Meta gave none */
};
void		 ig_token_free(struct ig_token *);

/*
 * The account behind a token (/me): "id" the app-scoped id, "ig_id" the
 * professional account id (NULL if absent), "fields" the profile in our
 * camelCase names (username, name, profilePictureUrl, followersCount,
 * followsCount, mediaCount, biography, website, accountType), absent
 * ones left out.  Free with ig_profile_free().
 */
struct	ig_profile {
	char	*id;
	char	*ig_id;
	json_t	*fields;
};
void		 ig_profile_free(struct ig_profile *);

/*
 * A.2: POST the code (a trailing "#_" already stripped) with the
 * redirect URI of its state.  Single use: never retried.
 */
enum ig_err	 ig_insta_exchange_code(struct ig_ctx *, const char *code,
		    const char *redirect_uri, struct ig_token *,
		    struct ig_meta_error *);

/* A.3: short-lived token to a long-lived one (ig_exchange_token). */
enum ig_err	 ig_insta_long_lived(struct ig_ctx *, const char *short_token,
		    struct ig_token *, struct ig_meta_error *);

/* A.4: a fresh long-lived token for a current one (ig_refresh_token). */
enum ig_err	 ig_insta_refresh(struct ig_ctx *, const char *token,
		    struct ig_token *, struct ig_meta_error *);

/*
 * The GETs behind ig_insta_long_lived(), ig_insta_refresh() and
 * ig_insta_profile(), for ig_http_batch_add(); "token" is borrowed.
 * Their replies are read by ig_insta_read_token() (A.3, A.4) and
 * ig_insta_read_profile() (A.5), which fill the struct or return
 * IG_EUPSTREAM (nothing to free then).
 */
void		 ig_insta_long_lived_get(const struct ig_cfg *,
		    const char *short_token, struct ig_call *);
void		 ig_insta_refresh_get(const struct ig_cfg *, const char *token,
		    struct ig_call *);
void		 ig_insta_profile_get(const struct ig_cfg *, const char *token,
		    struct ig_call *);
enum ig_err	 ig_insta_read_token(const json_t *reply, struct ig_token *);
enum ig_err	 ig_insta_read_profile(const json_t *reply,
		    struct ig_profile *);

/*
 * A.1: the authorize URL for "redirect_uri" and "state": client_id,
 * redirect_uri, response_type=code, the configured scopes, state.  A
 * new string the caller frees.
 */
enum ig_err	 ig_insta_authorize_url(const struct ig_cfg *,
		    const char *redirect_uri, const char *state, char **url);

/* A.5: the profile of the token's account. */
enum ig_err	 ig_insta_profile(struct ig_ctx *, const char *token,
		    struct ig_profile *, struct ig_meta_error *);

/* ----------------------------------------------------------- facebook.c */

/*
 * Instagram with Facebook Login (Facebook Login docs), read as defensively as
 * instagram.c reads Instagram Login.  The Facebook app is FACEBOOK_APP_ID
 * and its secret, or the Instagram pair when those are unset (cfg.c).
 * Each call returns IG_OK or what ig_http_call() does.
 */

/* B.1: the dialog URL (scope, or config_id for Login for Business). */
enum ig_err	 ig_fb_authorize_url(const struct ig_cfg *,
		    const char *redirect_uri, const char *state, char **url);

/*
 * B.2: the code to a user token; never retried.  t->expires_in is 0 when
 * Meta gave none.
 */
enum ig_err	 ig_fb_exchange_code(struct ig_ctx *, const char *code,
		    const char *redirect_uri, struct ig_token *,
		    struct ig_meta_error *);

/* B.3: a user token to a long-lived one (fb_exchange_token). */
enum ig_err	 ig_fb_long_lived(struct ig_ctx *, const char *user_token,
		    struct ig_token *, struct ig_meta_error *);

/* One of the user's Pages (B.4); strings owned, "token" a secret. */
struct	ig_fb_page {
	char	*id;
	char	*name;		/* NULL if Meta sent none usable */
	char	*token;		/* the Page token */
	char	*ig_id;		/* linked Instagram account, or NULL */
};
void		 ig_fb_pages_free(struct ig_fb_page *, size_t n);

/*
 * B.4: one page of /me/accounts, from the cursor "after" (NULL: the
 * first).  "*pages" is a new array of "*n"; "*next_after" a new cursor
 * when Meta says there is a next page, else NULL.
 */
enum ig_err	 ig_fb_pages(struct ig_ctx *, const char *user_token,
		    const char *after, struct ig_fb_page **pages, size_t *n,
		    char **next_after, struct ig_meta_error *);

/*
 * B.5: the Instagram account "ig_id" on the Facebook host, read with a
 * Page (or user) token.  p->ig_id and p->id are both the account id.
 */
enum ig_err	 ig_fb_profile(struct ig_ctx *, const char *ig_id,
		    const char *token, struct ig_profile *,
		    struct ig_meta_error *);
void		 ig_fb_profile_get(const struct ig_cfg *, const char *ig_id,
		    const char *token, struct ig_call *);
enum ig_err	 ig_fb_read_profile(const json_t *reply, struct ig_profile *);

/* B.6: what debug_token says of a token. */
struct	ig_fb_debug {
	int	 valid;
	time_t	 data_access_expires_at;	/* 0: unknown */
	time_t	 expires_at;			/* 0: never */
	char	*user_id;			/* app-scoped, or NULL */
	json_t	*scopes;			/* array */
};
void		 ig_fb_debug_free(struct ig_fb_debug *);
enum ig_err	 ig_fb_debug(struct ig_ctx *, const char *token,
		    struct ig_fb_debug *, struct ig_meta_error *);

/*
 * The app access token "APP_ID|APP_SECRET" that debug_token takes, into
 * "out" (a secret: wipe it); and the GET and its reader, for batches.
 */
enum ig_err	 ig_fb_app_token(const struct ig_cfg *, char *out, size_t sz);
void		 ig_fb_debug_get(const struct ig_cfg *, const char *token,
		    const char *app_token, struct ig_call *);
enum ig_err	 ig_fb_read_debug(const json_t *reply, struct ig_fb_debug *);

/* -------------------------------------------------------------- link.c */

/*
 * Link the Instagram account behind an authorization code to a user,
 * for either flavor, in one flow that every program shares.  The code
 * (a trailing "#_" already stripped) is exchanged once, never retried,
 * with the redirect URI of its state.
 *   Instagram Login: short-lived token -> long-lived -> /me -> upsert.
 *   Facebook Login: user token -> long-lived -> debug_token -> the
 *   Pages with an Instagram account (every page of /me/accounts) ->
 *   the chosen Page's token and account -> its profile -> upsert.
 * When only the long-lived exchange fails, and not because the token is
 * bad, the short-lived token is kept with its true life (seed 002's
 * fallback).  Facebook Login with several candidate accounts and no
 * choice gives IG_ECHOICE with "candidates" and a new "selection";
 * a request with "selection" and a choice finishes it without a code.
 * A request with a Facebook "user_token" (the one a short-lived link
 * kept) and the linked "page_id" exchanges it for a long-lived one and
 * links the Page again: its token then never expires.
 */
struct	ig_link_req {
	enum ig_flavor	 flavor;
	const char	*user;		/* the caller's external id */
	const char	*user_uuid;	/* the users row of the state */
	const char	*code;
	const char	*redirect_uri;
	const char	*selection;	/* or this, to finish a choice */
	const char	*user_token;	/* or this Facebook user token, to
					   upgrade a short-lived link */
	const char	*client_token;	/* or this Instagram Login token a
					   front end got itself */
	const char	*page_id;	/* the chosen account, or NULL */
	const char	*account_id;
	/*
	 * 1: sign-in (Instagram Login): there is no caller yet, the user is
	 * the account's own, "instagram:" and its app-scoped id, created on
	 * the first sign-in; "user" and "user_uuid" are ignored.
	 */
	int		 signin;
};

struct	ig_conn;
struct	ig_link_res {
	struct ig_conn		*conn;		/* IG_OK: new, the row */
	struct ig_meta_error	 merr;		/* IG_EMETA and kin */
	json_t			*candidates;	/* IG_ECHOICE: new array */
	char			 selection[IG_STATE_LEN + 1];
	time_t			 selection_expires;
	char			 user[IG_MAX_USER_ID + 1];	/* signin:
						   the user's external id */
};

/*
 * Returns IG_OK, Meta's errors as ig_http_call() does (answer them with
 * ig_refuse_meta()), IG_ESCOPE, IG_ENOACCOUNT, IG_ECHOICE, IG_ENOTOFFERED,
 * IG_ESELECTION, or a local failure.  Release "res" with
 * ig_link_res_free() whatever it returned.
 */
enum ig_err	 ig_link_account(struct ig_ctx *, const struct ig_link_req *,
		    struct ig_link_res *res);
void		 ig_link_res_free(struct ig_link_res *);

/* -------------------------------------------------------------- post.c */

/*
 * Check a request to publish (publishing docs limits) before anything
 * reaches Meta: mediaType IMAGE (default), REELS, STORIES or CAROUSEL;
 * imageUrl or videoUrl as the type takes them, or 2 to 10 "children"
 * ({imageUrl|videoUrl, altText}, no caption); media URLs that
 * ig_url_public() accepts; a caption of at most 2,200 characters, 30
 * hashtags and 20 @-mentions; altText, coverUrl, thumbOffset,
 * shareToFeed, locationId, userTags, collaborators; publishAt in ISO
 * 8601 UTC, after "now" and at most 75 days ahead ("*at", else 0).  On
 * IG_OK "*out" is a new canonical object (known members only, the type
 * filled in; no idempotencyKey, and no userId or user_id: the caller's
 * own id, which front ends send and ig_auth_caller() checks).
 * IG_EINPUT with the reason in "why".
 */
enum ig_err	 ig_post_check(const json_t *body, time_t now, json_t **out,
		    time_t *at, char *why, size_t sz);

#define IG_PUB_COLLECTION	"/integrations/instagram/media"
#define IG_UUID_LEN		36	/* 8-4-4-4-12 hex digits */

enum	ig_pub_path {
	IG_PUB_PATH_BAD,	/* no publish route: no job */
	IG_PUB_PATH_COLLECTION,	/* IG_PUB_COLLECTION itself */
	IG_PUB_PATH_JOB		/* IG_PUB_COLLECTION "/" and a job id */
};

/*
 * What the request path "uri" (the whole URI, maybe with "?" and a
 * query after it) names: the collection, one job, or neither.  For a
 * job, its id, a UUID as PostgreSQL writes one (lower-case hex in
 * groups of 8-4-4-4-12), is copied into "id" (IG_UUID_LEN + 1 bytes);
 * anything else after the collection's slash is IG_PUB_PATH_BAD.
 */
enum ig_pub_path ig_pub_path_parse(const char *uri,
		    char id[IG_UUID_LEN + 1]);

/* ----------------------------------------------------------- publish.c */

/*
 * A publish job (sql/011), as read.  Strings are owned; times are Unix
 * seconds, 0 when NULL.  "request" is the canonical request
 * (ig_post_check()), "containers" [{"position","id"}] in order.
 */
struct	ig_pubjob {
	char			*id;
	char			*user_id;	/* users row */
	char			*account_id;	/* business account at creation */
	enum ig_pub_status	 status;
	enum ig_step		 step;		/* IG_STEP_NONE once ended */
	json_t			*request;
	json_t			*containers;
	time_t			 publish_at, next_at, poll_deadline;
	time_t			 attempted_at, created_at, updated_at;
	time_t			 published_at;
	int			 attempts;
	char			*media_id, *permalink;
	char			*error_code, *error_text;
	char			*version;
};
void		 ig_pub_free(struct ig_pubjob *);

/*
 * A new job for the caller "user" (whose users row exists: it has a
 * connection) on "account_id", scheduled at "at" (0: now), held by the
 * caller for "lease" seconds so no worker takes it meanwhile.  With an
 * idempotency "key" (may be NULL), the caller's job of that key is
 * answered instead ("*fresh" 0) when its request is the same, and
 * IG_ECONFLICT when it is not.
 */
enum ig_err	 ig_pub_create(struct ig_ctx *, const char *user,
		    const char *account_id, const char *key,
		    const json_t *request, time_t at, int lease,
		    struct ig_pubjob *out, int *fresh);

/* The caller's job "id"; IG_ENOTFOUND for any other. */
enum ig_err	 ig_pub_get(struct ig_ctx *, const char *user, const char *id,
		    struct ig_pubjob *out);

/*
 * Cancel the caller's job "id" if media_publish cannot have been asked
 * yet; IG_ECONFLICT (with the job in "*out") once it may have been,
 * IG_ENOTFOUND for another's.
 */
enum ig_err	 ig_pub_cancel(struct ig_ctx *, const char *user,
		    const char *id, struct ig_pubjob *out);

/*
 * The caller's jobs, newest first: {"jobs":[...], "nextCursor"} (the
 * cursor, a job id, only when more follow).  "status" and "cursor" may
 * be NULL.  "*out" is new.
 */
enum ig_err	 ig_pub_list(struct ig_ctx *, const char *user,
		    const char *status, long limit, const char *cursor,
		    json_t **out);

/* A job as the API shows it; new, NULL when out of memory. */
json_t		*ig_pub_json(const struct ig_pubjob *);

/*
 * One step in two halves, for a runner that makes many calls at once:
 * ig_pub_begin() checks the connection "c", writes what must be written
 * before the call (media_publish's "confirm"), and fills "pc" with the
 * step's call (pc->call.base NULL: none, the job was written already,
 * e.g. failed); IG_ENOTFOUND when another holder moved the job.  After
 * the call, ig_pub_finish() writes what its answer means for the step
 * it was for (pc->step).  Free "pc" once the call is made or queued
 * (ig_http_batch_add() copies it).
 */
struct	ig_pub_call {
	enum ig_step	 step;		/* the step the call is for */
	struct ig_call	 call;
	char		*token;		/* secret */
	char		*scratch[6];	/* strings the call borrows */
};
void		 ig_pub_call_free(struct ig_pub_call *);
enum ig_err	 ig_pub_begin(struct ig_ctx *, struct ig_pubjob *j,
		    const struct ig_conn *c, struct ig_pub_call *pc);
enum ig_err	 ig_pub_finish(struct ig_ctx *, struct ig_pubjob *j,
		    enum ig_step step, enum ig_err er, const json_t *reply,
		    const struct ig_meta_error *merr);

/*
 * Advance "j" by one step with the connection "c" of its user: one call
 * to Meta (graph.instagram.com, or graph.facebook.com with the Page
 * token for Facebook Login) and one write conditional on j->version; on
 * IG_OK "j" is the row as written.  IG_ENOTFOUND when someone else
 * moved the job meanwhile.  Meta's refusals end in the job (failed, or
 * retried later), not in the return value.
 */
enum ig_err	 ig_pub_step(struct ig_ctx *, struct ig_pubjob *j,
		    const struct ig_conn *c);

/*
 * Take up to "batch" due jobs no one holds, held for "lease" seconds;
 * "*jobs" is a new array of "*n" (free each, then the array).  And let
 * one go, if it is still as its holder last wrote it.
 */
enum ig_err	 ig_pub_claim(struct ig_db *, int batch, int lease,
		    struct ig_pubjob **jobs, size_t *n);
void		 ig_pub_release(struct ig_db *, const struct ig_pubjob *);

/* ------------------------------------------------------------- state.c */

/*
 * OAuth states: 32 random bytes, base64url; only their SHA-256 is
 * stored, with the caller (created in users on first use), the flavor
 * and the redirect URI, for IG_STATE_TTL seconds.  "state" receives
 * IG_STATE_LEN+1 bytes; "*expires" the expiry time.
 */
enum ig_err	 ig_state_new(struct ig_ctx *, const char *user,
		    enum ig_flavor, const char *redirect_uri,
		    char *state, time_t *expires);

/*
 * Consume "state" for "user" in one statement, so it can be used once.
 * A state that is unknown, used or another user's gives IG_ENOTFOUND
 * and is left alone; an expired one is consumed and gives IG_ENOTFOUND
 * too.  On IG_OK "user_uuid" (37 bytes) is the users row, "*flavor" the
 * flavor the state was issued for, and "*redirect_uri" a new string the
 * caller frees.
 */
enum ig_err	 ig_state_consume(struct ig_ctx *, const char *user,
		    const char *state, char *user_uuid, enum ig_flavor *flavor,
		    char **redirect_uri);

/*
 * A sign-in's state (no caller yet), bound to the browser: "state" and
 * "browser" (the cookie's value) each receive IG_STATE_LEN+1 bytes; only
 * their hashes are stored.  Consuming needs both, once, like a user's
 * state; "*redirect_uri" is then a new string the caller frees.
 */
enum ig_err	 ig_signin_state_new(struct ig_ctx *, const char *redirect_uri,
		    char *state, char *browser, time_t *expires);
enum ig_err	 ig_signin_state_consume(struct ig_ctx *, const char *state,
		    const char *browser, char **redirect_uri);

/* The users row of the external id "user" (made if new): "user_uuid". */
enum ig_err	 ig_user_ensure(struct ig_ctx *, const char *user,
		    char *user_uuid);

/*
 * Selections (Facebook Login's account choice): a handle made like a
 * state, bound to the users row "user_uuid" for IG_STATE_TTL seconds,
 * keeping the sealed "user_token" of "kind" and the "candidates"
 * offered ([{"pageId","businessAccountId"}], borrowed).  "selection"
 * receives IG_STATE_LEN+1 bytes.
 */
enum ig_err	 ig_selection_new(struct ig_ctx *, const char *user_uuid,
		    const struct ig_token *user_token, enum ig_token_kind kind,
		    json_t *candidates, char *selection, time_t *expires);

/*
 * Take "selection" of the caller "user" with the account it offered by
 * "page_id" or "account_id" (either may be NULL), once.  On IG_OK
 * "user_uuid" (37 bytes) is the users row, "user_token" the opened
 * token with its remaining life (free with ig_token_free()) and "*kind"
 * its kind.  IG_ENOTOFFERED leaves the selection usable; IG_ESELECTION
 * when it is unknown, expired, used or another user's.
 */
enum ig_err	 ig_selection_take(struct ig_ctx *, const char *user,
		    const char *selection, const char *page_id,
		    const char *account_id, char *user_uuid,
		    struct ig_token *user_token, enum ig_token_kind *kind);

/* -------------------------------------------------------------- conn.c */

/*
 * One row of oauth_connections as read.  Strings are owned by the
 * struct; times are Unix seconds, 0 when NULL.  "token" is the sealed
 * value (NULL once disconnected); open it with ig_conn_token().
 */
struct	ig_conn {
	char	*id;
	char	*user_id;
	enum ig_status	 status;
	enum ig_flavor	 flavor;	/* metadata.flavor */
	enum ig_token_kind token_kind;	/* metadata.tokenKind */
	char	*provider_user_id;
	char	*business_account_id;
	char	*token;
	char	*user_token;		/* sealed Facebook user token, or NULL */
	char	*version;		/* of the row, for conditional writes */
	json_t	*scopes;		/* array */
	json_t	*metadata;		/* object: flavor, tokenKind, ... */
	time_t	 expires_at;
	time_t	 issued_at;
	time_t	 connected_at;
	time_t	 synced_at;
	time_t	 data_access_expires;	/* Facebook Login; 0: unknown */
};
void		 ig_conn_free(struct ig_conn *);

/* The plain token of "c", new, released with ig_free_secret(). */
enum ig_err	 ig_conn_token(const struct ig_cfg *, const struct ig_conn *,
		    char **token);

/*
 * The plain Facebook user token of "c" (the one its Page token came
 * from), new, released with ig_free_secret(); IG_ENOTFOUND if none.
 */
enum ig_err	 ig_conn_user_token(const struct ig_cfg *,
		    const struct ig_conn *, char **token);

/*
 * The connection as the API shows it (README.md, "Endpoints"): a new
 * object; never holds a token.  "now" decides expired and needsRefresh
 * (the token's expiry, or Facebook Login's data access, within
 * IGCONNECT_REFRESH_WINDOW_DAYS).
 */
json_t		*ig_conn_json(const struct ig_cfg *, const struct ig_conn *,
		    time_t now);

/* Reply 200 with the connection "c" as ig_conn_json() shows it now. */
enum ig_err	 ig_reply_conn(struct ig_ctx *, const struct ig_conn *c);

/* What linking an account writes (one upsert, one history row). */
struct	ig_link {
	const char		*user_uuid;
	enum ig_flavor		 flavor;
	enum ig_token_kind	 token_kind;
	const struct ig_token	*token;		/* expires_in 0: never */
	const char		*provider_user_id;
	const char		*business_account_id;
	const struct ig_profile	*profile;	/* its "fields" */
	json_t			*scopes;	/* borrowed array */
	/* Facebook Login only, else NULL and 0: */
	const char		*page_id;
	const char		*user_token;	/* sealed as refreshToken */
	time_t			 data_access_expires;
};

/*
 * INSERT ... ON CONFLICT (userId, provider) DO UPDATE with the token
 * sealed, and a "connected" history row, in one statement.  Settings
 * are kept when the same account is linked again.  On IG_OK "*out" is
 * the connection as written.
 */
enum ig_err	 ig_conn_link(struct ig_ctx *, const struct ig_link *,
		    struct ig_conn *out);

/*
 * The caller's Instagram connection; IG_ENOTFOUND if there is none, or
 * if the request's route names another connection in its path.
 */
enum ig_err	 ig_conn_get(struct ig_ctx *, const char *user,
		    struct ig_conn *out);

/* The same by the users row "user_uuid" (jobs know the row, not the id). */
enum ig_err	 ig_conn_get_row(struct ig_ctx *, const char *user_uuid,
		    struct ig_conn *out);

/*
 * Disconnect: status disconnected, token columns NULL, history row the
 * first time.  Idempotent.  IG_ENOTFOUND if never connected.
 */
enum ig_err	 ig_conn_disconnect(struct ig_ctx *, const char *user,
		    struct ig_conn *out);

/*
 * Store a new token for "c" if the row is still at c->version (else
 * IG_ENOTFOUND: someone re-linked or refreshed meanwhile), with a
 * history row "event".  On IG_OK "*out" is the row as written.
 */
enum ig_err	 ig_conn_set_token(struct ig_ctx *, const struct ig_conn *c,
		    const struct ig_token *, enum ig_token_kind,
		    const char *event, struct ig_conn *out);

/*
 * Store the profile "p" read with the token of "c" as the connection's
 * metadata.profile, set lastSyncedAt, and add a "synced" history row
 * with the counts.  IG_ENOTFOUND when the row is no longer active or
 * now belongs to another account than "p" (p->id: the app-scoped id, or
 * for Facebook Login the account id).
 */
enum ig_err	 ig_conn_set_profile(struct ig_ctx *, const struct ig_conn *c,
		    const struct ig_profile *p);

/*
 * Store what debug_token "d" says of the Facebook user token of "c":
 * when data access ends and the permissions granted (each left as it
 * was when "d" does not say).  IG_ENOTFOUND when the row is no longer
 * active.
 */
struct	ig_fb_debug;
enum ig_err	 ig_conn_set_health(struct ig_ctx *, const struct ig_conn *c,
		    const struct ig_fb_debug *d);

/*
 * Meta refused the token for good: status needs_reauth (the sealed
 * token is kept), history row with Meta's code.  Conditional like
 * ig_conn_set_token().
 */
enum ig_err	 ig_conn_mark_reauth(struct ig_ctx *, const struct ig_conn *c,
		    const struct ig_meta_error *);

/*
 * Lease "c" for a refresh for "seconds", as igconnect-refresh's claim
 * does; IG_ENOTFOUND when a job or another request holds it, or the row
 * changed since "c" was read.  ig_conn_unlease() gives it back unless a
 * write since (a new token) already has.
 */
enum ig_err	 ig_conn_lease(struct ig_ctx *, const struct ig_conn *c,
		    int seconds);
void		 ig_conn_unlease(struct ig_ctx *, const struct ig_conn *c);

/* A history row for a failed attempt; best effort, never fails a call. */
void		 ig_conn_note(struct ig_ctx *, const struct ig_conn *c,
		    const char *event, const struct ig_meta_error *);

/*
 * Merge "patch" (borrowed object of strings or nulls; null removes)
 * into metadata.settings.  IG_ENOTFOUND if never connected.
 */
enum ig_err	 ig_conn_settings(struct ig_ctx *, const char *user,
		    json_t *patch, struct ig_conn *out);

/*
 * Meta's deauthorize callback for the Instagram user "meta_user" (an
 * app-scoped or a professional account id): its connections become
 * needs_reauth with their tokens destroyed.  "*n" counts them.
 */
enum ig_err	 ig_conn_deauthorize(struct ig_ctx *, const char *meta_user,
		    int *n);

/*
 * Meta's data deletion callback: the connections of "meta_user" and the
 * webhook entries of their accounts are deleted, and the request is
 * recorded under "code" for the status URL, all in one statement.
 */
enum ig_err	 ig_conn_erase(struct ig_ctx *, const char *meta_user,
		    const char *code);

/*
 * The recorded deletion "code": its status and times as a new JSON
 * object {"confirmation_code","status","requestedAt","completedAt"}.
 * IG_ENOTFOUND if unknown.
 */
enum ig_err	 ig_conn_erasure(struct ig_ctx *, const char *code,
		    json_t **out);

/* ------------------------------------------------------------ webhook.c */

/*
 * 1 if "header" (X-Hub-Signature-256, may be NULL) is "sha256=" and the
 * 64-hex HMAC-SHA256 of the raw body under one of the app secrets
 * (Instagram's, then Facebook's: Meta's webhooks docs).  Constant time.
 */
int		 ig_webhook_signed(const struct ig_cfg *, const char *header,
		    const char *body, size_t len);

/*
 * Store one verified delivery and its entries in one statement, before
 * the 200: the raw body, each entry linked to its
 * connection by entry.id, test entries (id "0") marked.  The same bytes
 * again, or an entry seen before, are not stored twice; "*fresh" is 0
 * then.  IG_EDB if it could not be stored: answer 5xx so Meta retries.
 */
enum ig_err	 ig_webhook_store(struct ig_ctx *, const char *body,
		    size_t len, int *fresh);

/*
 * The "limit" most recent webhook entries of connection "conn_id", newest
 * first, as a new array of {id, object, field, receivedAt, status
 * (pending, delivered or dead), isTest, entry (Meta's, as received)}.
 */
enum ig_err	 ig_webhook_recent(struct ig_ctx *, const char *conn_id,
		    long limit, json_t **out);

/*
 * Verify Meta's "signed_request" (base64url signature "." base64url
 * payload, HMAC-SHA256 over the payload segment with an app secret)
 * before decoding the payload; then require "algorithm" HMAC-SHA256, a
 * "user_id", and an "issued_at" no older than
 * IGCONNECT_SIGNED_REQUEST_MAX_AGE at "now" (a captured request cannot
 * be replayed later) and not from the future.  On IG_OK "*user_id" is a
 * new string.  IG_EAUTH for anything forged, stale or malformed.
 */
enum ig_err	 ig_signed_request(const struct ig_cfg *, const char *sr,
		    time_t now, char **user_id);

/* ------------------------------------------------------------- runner.c */

/*
 * The leased-claim runner: the loop igconnect-refresh, igconnect-sync
 * and igconnect-relay share.  A program is a kind, a const struct
 * ig_run_kind of callbacks and settings defined in core/ (the kind owns
 * its SQL and its row type, and may use extern.h: ig_db_exec(),
 * ig_db_write_if()), and a main() that returns
 * ig_run_main(argc, argv, &kind).
 *
 * ig_run_main() parses the options (below), loads the configuration
 * (kind->needs), opens the database and a batch of "parallel" HTTP
 * handles (to Meta, or to the host app with IG_RUN_FORWARD), then runs
 * one pass (--once) or a pass every --interval seconds (--daemon) until
 * SIGTERM or SIGINT.  A pass runs batches until a claim finds nothing
 * or a signal came; a signal lets the current batch finish, calls and
 * writes, and the program then exits 0.  One batch, in this order:
 *
 *  1. claim(run, &items, &n): take up to opt[IG_RUN_BATCH] due items
 *     and lease them for opt[IG_RUN_LEASE] seconds, so no copy of the
 *     program on any host takes them meanwhile (FOR UPDATE SKIP LOCKED
 *     in one UPDATE ... RETURNING).  "*items" is a new array of "n"
 *     items of kind->item_size bytes each, "n" may be 0 ("*items" then
 *     NULL).  On failure, nothing is returned and the leases run out.
 *  2. request(run, item, batch), for each item in claim order: queue
 *     this item's HTTP step(s) with ig_http_batch_add(batch, &call, arg),
 *     a GET or a POST (ig_call), "arg" being anything the kind owns that
 *     lives until free() (usually the item or a part of it).  Queuing
 *     nothing is allowed: the item then only gets settle() (an item
 *     that cannot be sent, or a kind whose step needs no call).  A
 *     request that fails records it in the item, for settle().
 *  3. The calls run, at most opt[IG_RUN_PARALLEL] at once, and
 *     reply(arg, er, json, merr) (an ig_http_done, see ig_http_batch_run
 *     for what it receives) is called once per queued call as it
 *     completes, in any order.  It copies what it needs from "json"
 *     (borrowed) into the kind's item; it makes no database call.
 *  4. BEGIN; settle(run, item, &outcome) for each item in claim order;
 *     COMMIT.  settle() writes what became of the item, each write
 *     conditional on the row as claimed (so a row changed meanwhile
 *     keeps its news: report IG_RUN_SUPERSEDED), releases its lease and,
 *     on failure, sets when it is due again (ig_run_backoff()), and sets
 *     "*outcome" for the tally.  It returns IG_OK, or a database error:
 *     the runner then rolls the whole batch back (the leases run out and
 *     a later pass takes the rows again) and ends the pass with it.
 *     Whatever settle() logs is its own (one line per failure, say).
 *  5. free(items, n): the items and everything they own, secrets wiped.
 *
 * With --dry-run (offered when dry_run is set), dry_run(run, &due)
 * replaces the passes: it lists on stdout what a pass would take now,
 * changes nothing, and sets "*due"; the runner prints "igconnect-NAME:
 * dry run: N due" and no summary.
 *
 * Every callback runs on the program's one thread, one at a time, and
 * gets "run": read-only to the kind but for run->noted.  At the end,
 * and on a terminal every few seconds, the runner prints the tally
 * with summary(), or by default, on stderr:
 *   igconnect-NAME: claimed N, DONE N (N NOTE), failed N (revoked N,
 *   rate_limited N, transient N, other N), superseded N, skipped N
 * prefixed "so far: " for progress and "could not run (why): " when the
 * run failed.  Exit status: 0 ran (whatever the calls answered), 1 could
 * not run (configuration, database), 2 bad usage.
 */

/* What became of one item; the tally counts each. */
enum	ig_run_outcome {
	IG_RUN_DONE,		/* its step succeeded and was written */
	IG_RUN_SUPERSEDED,	/* the row changed meanwhile: not written */
	IG_RUN_REVOKED,		/* Meta's 190: never tried again */
	IG_RUN_RATE_LIMITED,	/* tried again after a backoff */
	IG_RUN_TRANSIENT,	/* no answer, 5xx, garbage: likewise */
	IG_RUN_OTHER,		/* any other failure: likewise */
	IG_RUN_SKIPPED,		/* our side: no call was made */
	IG_RUN__MAX
};

/*
 * The numeric options, each "--flag value".  Every kind gets each
 * value in run->opt[], in the unit noted here, whether or not it
 * offers the flag.
 */
enum	ig_run_optname {
	IG_RUN_AGE,		/* the kind's own (--window DAYS): seconds */
	IG_RUN_INTERVAL,	/* seconds between a daemon's passes */
	IG_RUN_PARALLEL,	/* calls in flight at once */
	IG_RUN_BATCH,		/* items per claim; default 0: 4 x parallel */
	IG_RUN_MAX_ATTEMPTS,	/* failures before an item is given up */
	IG_RUN_BACKOFF,		/* seconds, base of ig_run_backoff() */
	IG_RUN_LEASE,		/* seconds a claim holds an item */
	IG_RUN_OPT__MAX
};

/*
 * One option of a kind: "flag" NULL leaves it out of the command line
 * and the usage line ("def" applies).  The value given must lie in
 * [lo, hi]; it is stored times "unit" (86400 for days).  "whole" keeps
 * only its integer part (counts).
 */
struct	ig_run_opt {
	const char	*flag;		/* "--window", or NULL */
	const char	*arg;		/* "days", for the usage line */
	double		 unit;
	double		 def, lo, hi;	/* in "arg" units */
	int		 whole;
};

struct	ig_run;

#define IG_RUN_FORWARD	0x01u	/* calls go to the host app, not Meta */
#define IG_RUN_CLOCK	0x02u	/* run->since is set for each pass */

/* A job, as the runner sees it.  See above for when each is called. */
struct	ig_run_kind {
	const char	*name;		/* "refresh": igconnect-refresh */
	const char	*done;		/* "refreshed": IG_RUN_DONE's word */
	const char	*note;		/* "upgraded": what run->noted counts */
	const char	*pass;		/* "pass": the daemon's log word */
	unsigned	 needs;		/* IG_NEED_* for ig_cfg_load() */
	unsigned	 flags;		/* IG_RUN_FORWARD, IG_RUN_CLOCK */
	double		 backoff_cap;	/* seconds, for ig_run_backoff() */
	struct ig_run_opt opt[IG_RUN_OPT__MAX];
	const void	*data;		/* the kind's constants, for callbacks
					   two kinds share; borrowed */
	size_t		 item_size;	/* bytes of one claimed item */

	enum ig_err	(*claim)(struct ig_run *, void **items, size_t *n);
	void		(*request)(struct ig_run *, void *item,
			    struct ig_http_batch *);
	ig_http_done	*reply;
	enum ig_err	(*settle)(struct ig_run *, void *item,
			    enum ig_run_outcome *);
	void		(*free)(void *items, size_t n);
	/* Optional (NULL): --dry-run; a summary line of the kind's own. */
	enum ig_err	(*dry_run)(struct ig_run *, long *due);
	void		(*summary)(const struct ig_run *, enum ig_err er,
			    int progress);
};

/*
 * A run, as the callbacks see it.  Borrowed; lives until
 * ig_run_main() returns.  Kinds only read it, but for "noted".
 */
struct	ig_run {
	const struct ig_run_kind *kind;
	const struct ig_cfg	*cfg;
	struct ig_db		*db;
	int			 daemon, dry_run;
	double			 opt[IG_RUN_OPT__MAX];
	/*
	 * With IG_RUN_CLOCK, the database's localtimestamp (text) when
	 * this pass began: a claim that takes only rows due by then tries
	 * each row at most once a pass.  NULL otherwise.
	 */
	const char		*since;
	long			 claimed;
	long			 count[IG_RUN__MAX];
	long			 noted;		/* the kind's own counter */
	/* The runner's own. */
	struct ig_http_batch	*http;
	time_t			 last_progress;
};

/* The main() of a runner program; its exit status (0, 1 or 2). */
int		 ig_run_main(int argc, char *argv[],
		    const struct ig_run_kind *);

/*
 * Seconds until the next attempt after failed attempt number
 * "attempts" (1 for the first): opt[IG_RUN_BACKOFF] x 2^(attempts-1),
 * at most kind->backoff_cap, times a random 50-100 %, and at least
 * "retry_after" (Meta's Retry-After, seconds; 0 if none).
 */
double		 ig_run_backoff(const struct ig_run *, int attempts,
		    long retry_after);

/* Failed items so far: revoked, rate limited, transient and other. */
long		 ig_run_failures(const struct ig_run *);

/* ------------------------------------------------------------- rekey.c */

/*
 * The main() of igconnect-rekey: every stored sealed value sealed again
 * with the first key of IGCONNECT_TOKEN_KEYS, in batches of --batch rows
 * (500) each in one transaction, online.  On stdout, "before" and
 * "after" lines "WHEN TABLE.COLUMN KEYID COUNT"; --dry-run prints the
 * first and changes nothing.  Exit status 0 when every value it could
 * take was sealed again, 1 when one could not be opened or the run
 * failed, 2 on bad usage.
 */
int		 ig_rekey_main(int argc, char *argv[]);

/*
 * The main() of igconnect-keygen: one line "keyid:base64" of a new key
 * on stdout (ig_key_new()); the id is --id's, else "k" and the UTC time.
 */
int		 ig_keygen_main(int argc, char *argv[]);

/* The kinds (job.c, relay.c). */
extern const struct ig_run_kind	ig_run_refresh, ig_run_sync, ig_run_relay,
					ig_run_publish;

#endif /* IG_H */
