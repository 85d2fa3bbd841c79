/* SPDX-License-Identifier: ISC */
/*
 * cfg.c: configuration, read once at start from the environment (names
 * the README lists, seed aliases included), and for what the environment
 * does not set, from an env file (see envfile_load()).  Each secret may
 * come from a file named by <NAME>_FILE instead; a file of nothing but
 * line ends counts as unset.  The env file and those files must be
 * private to the user we run as.  Every value present is validated; a
 * bad or missing one stops the program with one line that names the
 * variable or the file, never a value.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"

#define MAX_FILE_SECRET	4096
#define MAX_ENV_FILE	(64 * 1024)
#define MAX_ENV_LINE	8192
#define MAX_ENV_VARS	256
/* Under the home directory: see envfile_load(). */
#define ENV_FILE_DEFAULT ".config/igconnect/igconnect.env"

struct	var;
typedef enum ig_err (*parse_fn)(struct ig_cfg *, const struct var *,
    const char *, char *, size_t);

struct	var {
	const char	*name;
	const char	*alias;		/* seed .env name, or NULL */
	unsigned	 need;		/* IG_NEED_* bit that requires it */
	int		 secret;	/* may come from <NAME>_FILE */
	parse_fn	 parse;
	size_t		 off;		/* field in struct ig_cfg */
	long		 lo, hi;	/* range for numbers */
	const char	*alias2;	/* another seed's name, or NULL */
};

#define FIELD(f)	offsetof(struct ig_cfg, f)
#define STRP(c, v)	((char **)(void *)((char *)(c) + (v)->off))
#define INTP(c, v)	((long *)(void *)((char *)(c) + (v)->off))

static enum ig_err
bad(char *msg, size_t sz, const struct var *v, const char *why)
{
	(void)snprintf(msg, sz, "invalid value for %s: %s", v->name, why);
	return IG_EINPUT;
}

static enum ig_err
set_str(struct ig_cfg *c, const struct var *v, const char *s)
{
	if ((*STRP(c, v) = ig_strdup(s)) == NULL)
		return IG_ENOMEM;
	return IG_OK;
}

static enum ig_err
p_text(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (!ig_valid_printable(s, strlen(s)))
		return bad(msg, sz, v, "expected printable ASCII");
	return set_str(c, v, s);
}

static enum ig_err
p_digits(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (!ig_valid_digits(s, strlen(s)) || strlen(s) > 32)
		return bad(msg, sz, v, "expected a numeric app id");
	return set_str(c, v, s);
}

static enum ig_err
p_secret(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (!ig_valid_token(s, strlen(s)))
		return bad(msg, sz, v, "expected printable characters "
		    "without spaces");
	return set_str(c, v, s);
}

/* Where tokens and redirects go, a URL must be plain and absolute. */
static int
url_ok(const char *s, int https_only)
{
	const char	*host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (!https_only && strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || strlen(s) > 1024)
		return 0;
	return ig_valid_token(s, strlen(s));
}

static enum ig_err
p_redirect(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (!url_ok(s, 0))
		return bad(msg, sz, v, "expected an absolute http(s) URL");
	return set_str(c, v, s);
}

/*
 * "ORIGIN[,ORIGIN...]": the web origins (RFC 6454: scheme, host and
 * port, no path) whose pages may call the API from a browser, compared
 * exactly.  No "*": any site could then read its visitors' answers.
 */
static enum ig_err
p_origins(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	const char	*p = s, *end, *host;
	char		 one[256];

	do {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) >= sizeof(one))
			return bad(msg, sz, v, "an origin is too long");
		memcpy(one, p, (size_t)(end - p));
		one[end - p] = '\0';
		if (strcmp(one, "*") == 0)
			return bad(msg, sz, v, "no wildcard: list each origin");
		host = strstr(one, "://");
		if (!url_ok(one, 0) || host == NULL ||
		    strchr(host + 3, '/') != NULL)
			return bad(msg, sz, v, "expected origins such as "
			    "https://app.example.com, separated by commas");
		p = end + 1;
	} while (*end != '\0');
	return set_str(c, v, s);
}

/* "URL[,URL...]": the redirect URIs a caller may ask for, exactly. */
static enum ig_err
p_redirects(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	const char	*p = s, *end;
	char		 one[1025];

	do {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) >= sizeof(one))
			return bad(msg, sz, v, "a URL is too long");
		memcpy(one, p, (size_t)(end - p));
		one[end - p] = '\0';
		if (!url_ok(one, 0))
			return bad(msg, sz, v, "expected absolute http(s) URLs "
			    "separated by commas");
		p = end + 1;
	} while (*end != '\0');
	return set_str(c, v, s);
}

int
ig_redirect_allowed(const struct ig_cfg *c, const char *uri)
{
	const char	*list = c->redirect_uris;
	size_t		 n = strlen(uri), len;

	while (list != NULL) {
		len = strcspn(list, ",");
		if (len == n && strncmp(list, uri, n) == 0)
			return 1;
		list = list[len] == ',' ? list + len + 1 : NULL;
	}
	return 0;
}

/*
 * "scope[,scope...]": Meta's permission names are [a-z_], and the list
 * must hold the flavor's basic permission "basic" (Meta's login flavors).
 */
static enum ig_err
scope_list(struct ig_cfg *c, const struct var *v, const char *s,
    const char *basic, char *msg, size_t sz)
{
	const char	*p;
	char		 why[64];
	size_t		 n = strlen(basic);

	for (p = s; *p != '\0'; p++)
		if ((*p < 'a' || *p > 'z') && *p != '_' && (*p != ',' ||
		    p == s || p[1] == ',' || p[1] == '\0'))
			return bad(msg, sz, v, "expected permission names "
			    "separated by commas");
	for (p = s; *p != '\0'; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, basic, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return set_str(c, v, s);
	(void)snprintf(why, sizeof(why), "must include %s", basic);
	return bad(msg, sz, v, why);
}

static enum ig_err
p_scopes(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return scope_list(c, v, s, "instagram_business_basic", msg, sz);
}

static enum ig_err
p_fb_scopes(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return scope_list(c, v, s, "instagram_basic", msg, sz);
}

/*
 * A plain http URL whose host is a loopback address or localhost.  No
 * '@' at all: "http://127.0.0.1:80@host/" names "host".
 */
static int
loopback_http(const char *s)
{
	struct in_addr	 a;
	char		 host[64];
	size_t		 n;

	if (strncmp(s, "http://", 7) != 0 || strchr(s, '@') != NULL)
		return 0;
	s += 7;
	if ((n = strcspn(s, ":/")) >= sizeof(host) || n == 0)
		return 0;
	if (strncmp(s, "[::1]", 5) == 0)
		return s[5] == ':' || s[5] == '/' || s[5] == '\0';
	memcpy(host, s, n);
	host[n] = '\0';
	return strcmp(host, "localhost") == 0 ||
	    (inet_pton(AF_INET, host, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127);
}

/*
 * Meta base URLs: https only (TLS is never optional), no trailing '/'.
 * "loopback_ok" also takes plain http to a loopback host.
 */
static enum ig_err
base_url(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz, int loopback_ok)
{
	enum ig_err	 er;
	char		*p;
	size_t		 n;

	if (!url_ok(s, !(loopback_ok && loopback_http(s))) ||
	    strchr(s, '?') != NULL || strchr(s, '#') != NULL)
		return bad(msg, sz, v, loopback_ok ? "expected an https URL, "
		    "or http on loopback, without query" :
		    "expected an https URL without query");
	if ((er = set_str(c, v, s)) != IG_OK)
		return er;
	p = *STRP(c, v);
	for (n = strlen(p); n > 8 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	return IG_OK;
}

static enum ig_err
p_base(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return base_url(c, v, s, msg, sz, 0);
}

/*
 * The login pages: only a browser goes there, sent by the authorize URL
 * we answer, and no program calls them, so plain http to a loopback host
 * is allowed too: the local sandbox serves its fake pages that way, and
 * a browser meets no test certificate.
 */
static enum ig_err
p_www(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return base_url(c, v, s, msg, sz, 1);
}

static enum ig_err
p_path(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (access(s, R_OK) != 0)
		return bad(msg, sz, v, "file is not readable");
	return set_str(c, v, s);
}

static enum ig_err
p_long(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz, int base)
{
	char	*end;
	long	 n;

	errno = 0;
	/* strtol would also take " 16" and "+16": digits only here. */
	n = ig_valid_digits(s, strlen(s)) ? strtol(s, &end, base) : -1;
	if (n == -1 || *end != '\0' || errno != 0 || n < v->lo ||
	    n > v->hi) {
		char why[96];

		(void)snprintf(why, sizeof(why), "expected a number from "
		    "%ld to %ld", v->lo, v->hi);
		return bad(msg, sz, v, why);
	}
	*INTP(c, v) = n;
	return IG_OK;
}

static enum ig_err
p_int(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return p_long(c, v, s, msg, sz, 10);
}

static enum ig_err
p_octal(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	return p_long(c, v, s, msg, sz, 8);
}

static enum ig_err
p_version(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	const char	*p = s + 1;

	if (s[0] != 'v' || !isdigit((unsigned char)*p))
		return bad(msg, sz, v, "expected a version such as v26.0");
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return bad(msg, sz, v, "expected a version such as v26.0");
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '\0' || strlen(s) > 8)
		return bad(msg, sz, v, "expected a version such as v26.0");
	return set_str(c, v, s);
}

/*
 * Seed 000's APP_URL: its sign-in's redirect URI is
 * ${APP_URL}/auth/instagram/callback, used when INSTAGRAM_REDIRECT_URI
 * (read before it) is not set.
 */
static enum ig_err
p_app_url(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	char	 uri[1025];
	size_t	 n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	if ((size_t)snprintf(uri, sizeof(uri), "%.*s/auth/instagram/callback",
	    (int)n, s) >= sizeof(uri) || strchr(s, '?') != NULL ||
	    strchr(s, '#') != NULL || !url_ok(uri, 0))
		return bad(msg, sz, v, "expected an absolute http(s) URL");
	if (c->ig_redirect_uri != NULL)
		return IG_OK;
	return (c->ig_redirect_uri = ig_strdup(uri)) == NULL ? IG_ENOMEM :
	    IG_OK;
}

/* Who makes the sign-in's state: igconnect, or the front end itself. */
static enum ig_err
p_signin_state(struct ig_cfg *c, const struct var *v, const char *s,
    char *msg, size_t sz)
{
	if (strcmp(s, "server") == 0)
		c->signin_client_state = 0;
	else if (strcmp(s, "client") == 0)
		c->signin_client_state = 1;
	else
		return bad(msg, sz, v, "expected server or client");
	return IG_OK;
}

static enum ig_err
p_auth(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	if (strcmp(s, "jwt") == 0)
		c->auth = IG_AUTH_JWT;
	else if (strcmp(s, "remote_user") == 0)
		c->auth = IG_AUTH_REMOTE_USER;
	else if (strcmp(s, "none") == 0)
		c->auth = IG_AUTH_NONE;
	else
		return bad(msg, sz, v, "expected jwt, remote_user or none");
	return IG_OK;
}

static enum ig_err
p_level(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	static const char *const lv[] = { "err", "warn", "info", "debug" };
	int			 i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, lv[i]) == 0) {
			c->log_level = i;
			return IG_OK;
		}
	return bad(msg, sz, v, "expected err, warn, info or debug");
}

/*
 * A PostgreSQL role name that grants.sql quotes as an identifier: kept
 * to unquoted identifier characters, lower case, at most NAMEDATALEN-1.
 */
static enum ig_err
p_role(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 63 || isdigit((unsigned char)*s) ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return bad(msg, sz, v, "expected a role name of lower-case "
		    "letters, digits and '_'");
	return set_str(c, v, s);
}

/* RFC 7518 3.2: an HS256 key must be at least 256 bits. */
static enum ig_err
p_jwt_secret(struct ig_cfg *c, const struct var *v, const char *s,
    char *msg, size_t sz)
{
	enum ig_err	er;

	if (strlen(s) < 32)
		return bad(msg, sz, v, "must be at least 32 bytes");
	if ((er = p_secret(c, v, s, msg, sz)) != IG_OK)
		return er;
	c->jwt_secret_len = strlen(s);
	return IG_OK;
}

/* The relay's signing key: long enough not to be guessed. */
static enum ig_err
p_forward_secret(struct ig_cfg *c, const struct var *v, const char *s,
    char *msg, size_t sz)
{
	if (strlen(s) < 16)
		return bad(msg, sz, v, "must be at least 16 bytes");
	return p_secret(c, v, s, msg, sz);
}

/* "keyid:base64-of-32-bytes[,keyid:...]"; the first key encrypts. */
static enum ig_err
p_keys(struct ig_cfg *c, const struct var *v, const char *s, char *msg,
    size_t sz)
{
	const char	*p = s, *colon, *end;
	size_t		 idlen, klen, i;

	c->nkeys = 0;
	while (*p != '\0') {
		if (c->nkeys == IG_MAX_KEYS)
			return bad(msg, sz, v, "too many keys");
		end = p + strcspn(p, ",");
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL)
			return bad(msg, sz, v, "expected keyid:base64 entries "
			    "separated by commas");
		idlen = (size_t)(colon - p);
		if (idlen == 0 || idlen >= sizeof(c->keys[0].id) ||
		    !ig_valid_key_id(p, idlen))
			return bad(msg, sz, v, "a key id must be 1 to 32 "
			    "letters, digits, '-' or '_'");
		for (i = 0; i < c->nkeys; i++)
			if (strlen(c->keys[i].id) == idlen &&
			    memcmp(c->keys[i].id, p, idlen) == 0)
				return bad(msg, sz, v, "duplicate key id");
		if (ig_b64_dec(c->keys[c->nkeys].key, 32, &klen, colon + 1,
		    (size_t)(end - colon - 1)) != IG_OK || klen != 32)
			return bad(msg, sz, v, "each key must be base64 of "
			    "exactly 32 bytes");
		memcpy(c->keys[c->nkeys].id, p, idlen);
		c->keys[c->nkeys].id[idlen] = '\0';
		c->nkeys++;
		if (*end == ',' && end[1] == '\0')
			return bad(msg, sz, v, "trailing comma");
		p = *end == ',' ? end + 1 : end;
	}
	if (c->nkeys == 0)
		return bad(msg, sz, v, "no keys given");
	return IG_OK;
}

static const struct var vars[] = {
	{ "DATABASE_URL", NULL, IG_NEED_DB, 1, p_text,
	    FIELD(database_url), 0, 0, NULL },
	{ "IGCONNECT_MIGRATE_DATABASE_URL", NULL, IG_NEED_MIGRATE, 1, p_text,
	    FIELD(migrate_database_url), 0, 0, NULL },
	{ "IGCONNECT_APP_ROLE", NULL, 0, 0, p_role, FIELD(app_role), 0, 0,
	    NULL },
	{ "INSTAGRAM_APP_ID", "INSTAGRAM_CLIENT_ID", IG_NEED_INSTAGRAM, 0,
	    p_digits, FIELD(ig_app_id), 0, 0, "VITE_INSTAGRAM_CLIENT_ID" },
	{ "INSTAGRAM_APP_SECRET", "INSTAGRAM_CLIENT_SECRET",
	    IG_NEED_INSTAGRAM, 1, p_secret, FIELD(ig_app_secret), 0, 0,
	    "VITE_INSTAGRAM_CLIENT_SECRET" },
	{ "INSTAGRAM_REDIRECT_URI", NULL, IG_NEED_INSTAGRAM, 0, p_redirect,
	    FIELD(ig_redirect_uri), 0, 0, NULL },
	{ "APP_URL", NULL, 0, 0, p_app_url, 0, 0, 0, NULL },
	{ "INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "INSTAGRAM_VERIFY_TOKEN",
	    IG_NEED_WEBHOOK, 1, p_secret, FIELD(ig_verify_token), 0, 0, NULL },
	{ "FACEBOOK_APP_ID", NULL, 0, 0, p_digits, FIELD(fb_app_id), 0, 0, NULL },
	{ "FACEBOOK_APP_SECRET", NULL, 0, 1, p_secret, FIELD(fb_app_secret),
	    0, 0, NULL },
	{ "IGCONNECT_AUTH", NULL, 0, 0, p_auth, 0, 0, 0, NULL },
	{ "JWT_SECRET", NULL, IG_NEED_AUTH, 1, p_jwt_secret,
	    FIELD(jwt_secret), 0, 0, NULL },
	{ "IGCONNECT_JWT_ISSUER", NULL, 0, 0, p_text, FIELD(jwt_issuer),
	    0, 0, NULL },
	{ "IGCONNECT_JWT_AUDIENCE", NULL, 0, 0, p_text, FIELD(jwt_audience),
	    0, 0, NULL },
	{ "IGCONNECT_JWT_MAX_TTL", NULL, 0, 0, p_int, FIELD(jwt_max_ttl),
	    60, IG_MAX_JWT_TTL, NULL },
	{ "IGCONNECT_TOKEN_KEYS", NULL, IG_NEED_KEYS, 1, p_keys, 0, 0, 0, NULL },
	{ "IGCONNECT_GRAPH_VERSION", NULL, 0, 0, p_version,
	    FIELD(graph_version), 0, 0, NULL },
	{ "IGCONNECT_INSTAGRAM_WWW_URL", NULL, 0, 0, p_www,
	    FIELD(url_instagram_www), 0, 0, NULL },
	{ "IGCONNECT_INSTAGRAM_API_URL", NULL, 0, 0, p_base,
	    FIELD(url_instagram_api), 0, 0, NULL },
	{ "IGCONNECT_GRAPH_INSTAGRAM_URL", NULL, 0, 0, p_base,
	    FIELD(url_graph_instagram), 0, 0, NULL },
	{ "IGCONNECT_FACEBOOK_WWW_URL", NULL, 0, 0, p_www,
	    FIELD(url_facebook_www), 0, 0, NULL },
	{ "IGCONNECT_GRAPH_FACEBOOK_URL", NULL, 0, 0, p_base,
	    FIELD(url_graph_facebook), 0, 0, NULL },
	{ "IGCONNECT_CA_FILE", NULL, 0, 0, p_path, FIELD(ca_file), 0, 0, NULL },
	{ "IGCONNECT_THREADS", NULL, 0, 0, p_int, FIELD(threads), 1, 256, NULL },
	{ "IGCONNECT_PROCESSES", NULL, 0, 0, p_int, FIELD(processes), 1, 64, NULL },
	{ "IGCONNECT_META_THREADS", NULL, 0, 0, p_int, FIELD(meta_threads),
	    1, 256, NULL },
	{ "IGCONNECT_META_PROCESSES", NULL, 0, 0, p_int,
	    FIELD(meta_processes), 1, 64, NULL },
	{ "IGCONNECT_DB_CONNECTIONS", NULL, 0, 0, p_int,
	    FIELD(db_connections), 1, 256, NULL },
	{ "IGCONNECT_SOCKET_MODE", NULL, 0, 0, p_octal, FIELD(socket_mode),
	    0600, 0777, NULL },
	{ "IGCONNECT_LOG_LEVEL", NULL, 0, 0, p_level, 0, 0, 0, NULL },
	{ "IGCONNECT_MAX_BODY", NULL, 0, 0, p_int, FIELD(max_body),
	    1024, 16 << 20, NULL },
	{ "IGCONNECT_HTTP_TIMEOUT", NULL, 0, 0, p_int, FIELD(http_timeout),
	    1, 120, NULL },
	{ "IGCONNECT_CONNECT_TIMEOUT", NULL, 0, 0, p_int, FIELD(connect_timeout),
	    1, 60, NULL },
	{ "IGCONNECT_REDIRECT_URIS", NULL, 0, 0, p_redirects,
	    FIELD(redirect_uris), 0, 0, NULL },
	{ "IGCONNECT_INSTAGRAM_SCOPES", NULL, 0, 0, p_scopes,
	    FIELD(ig_scopes), 0, 0, NULL },
	{ "IGCONNECT_FACEBOOK_SCOPES", NULL, 0, 0, p_fb_scopes,
	    FIELD(fb_scopes), 0, 0, NULL },
	{ "IGCONNECT_FACEBOOK_CONFIG_ID", NULL, 0, 0, p_digits,
	    FIELD(fb_config_id), 0, 0, NULL },
	{ "IGCONNECT_APPSECRET_PROOF_INSTAGRAM", NULL, 0, 0, p_int,
	    FIELD(ig_appsecret_proof), 0, 1, NULL },
	{ "IGCONNECT_REFRESH_WINDOW_DAYS", NULL, 0, 0, p_int,
	    FIELD(refresh_window), 1, 59, NULL },
	{ "IGCONNECT_WEBHOOK_MAX_BODY", NULL, 0, 0, p_int,
	    FIELD(webhook_max_body), 1024, 16 << 20, NULL },
	{ "IGCONNECT_FORWARD_URL", NULL, IG_NEED_FORWARD, 0, p_redirect,
	    FIELD(forward_url), 0, 0, NULL },
	{ "IGCONNECT_FORWARD_SECRET", NULL, IG_NEED_FORWARD, 1,
	    p_forward_secret, FIELD(forward_secret), 0, 0, NULL },
	{ "IGCONNECT_PUBLIC_URL", NULL, 0, 0, p_base, FIELD(public_url),
	    0, 0, NULL },
	{ "IGCONNECT_RETURN_TOKENS", NULL, 0, 0, p_int,
	    FIELD(return_tokens), 0, 1, NULL },
	{ "IGCONNECT_ACCEPT_CLIENT_TOKENS", NULL, 0, 0, p_int,
	    FIELD(accept_client_tokens), 0, 1, NULL },
	{ "IGCONNECT_SIGNIN_STATE", NULL, 0, 0, p_signin_state, 0, 0, 0,
	    NULL },
	{ "IGCONNECT_SIGNIN_TTL", NULL, 0, 0, p_int, FIELD(signin_ttl),
	    60, 366 * 86400, NULL },
	{ "IGCONNECT_SIGNED_REQUEST_MAX_AGE", NULL, 0, 0, p_int,
	    FIELD(signed_request_max_age), 60, 7 * 86400, NULL },
	{ "IGCONNECT_CORS_ORIGINS", NULL, 0, 0, p_origins,
	    FIELD(cors_origins), 0, 0, NULL },
	{ "IGCONNECT_WEBHOOK_RETENTION_DAYS", NULL, 0, 0, p_int,
	    FIELD(webhook_retention), 1, 3650, NULL },
};

/*
 * Read a file that holds secrets: a secret's <NAME>_FILE or the env file.
 * Both follow one rule: a regular file owned by the user we run as, not
 * accessible by group or others (0600 or 0400), so no other account on
 * a shared host can have read or replaced it.  "label" names the file in
 * messages.  With "missing_ok", a file that does not exist is no error:
 * *out is then NULL.  The contents go to *out (NUL-terminated, *len
 * bytes), to be freed with ig_free_secret().
 */
static enum ig_err
read_private(const char *label, const char *path, size_t max, int missing_ok,
    char **out, size_t *len, char *msg, size_t sz)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1) {
		if (fd == -1 && missing_ok &&
		    (errno == ENOENT || errno == ENOTDIR))
			return IG_OK;
		(void)snprintf(msg, sz, "could not read %s: %s", label,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return IG_EINPUT;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		(void)snprintf(msg, sz, "invalid value for %s: the file must "
		    "%s", label, !S_ISREG(st.st_mode) ? "be a regular file" :
		    st.st_uid != geteuid() ? "be owned by the user the "
		    "program runs as" : "not be accessible by group or "
		    "others");
		close(fd);
		return IG_EINPUT;
	}
	if ((buf = ig_calloc(1, max + 2)) == NULL) {
		close(fd);
		return IG_ENOMEM;
	}
	while (got <= max &&
	    (n = read(fd, buf + got, max + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got > max) {
		ig_wipe(buf, max + 2);
		free(buf);
		(void)snprintf(msg, sz, "invalid value for %s: file too large",
		    label);
		return IG_EINPUT;
	}
	*out = buf;
	*len = got;
	return IG_OK;
}

/* Read a secret file; trailing newlines are not part of the secret. */
static enum ig_err
read_secret_file(const char *fvar, const char *path, char **out, char *msg,
    size_t sz)
{
	enum ig_err	er;
	size_t		len;

	er = read_private(fvar, path, MAX_FILE_SECRET, 0, out, &len, msg, sz);
	if (er != IG_OK)
		return er;
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	return IG_OK;
}

/*
 * The env file: NAME=VALUE lines for hosts where nothing can set the
 * programs' environment (shared hosting, where the web server starts
 * them as CGI).  Its values are kept here, never put into the process
 * environment, so they are not inherited and setenv never races with
 * the getenv of a request; lookup() asks the environment first.
 */
struct	envfile {
	struct {
		char	*name;
		char	*val;
	}	 v[MAX_ENV_VARS];
	size_t	 n;
};

static void
envfile_free(struct envfile *ef)
{
	size_t	i;

	for (i = 0; i < ef->n; i++) {
		free(ef->v[i].name);
		ig_free_secret(ef->v[i].val);
	}
	ef->n = 0;
}

/* The variables the env file may set, as the stack's sh reader has it. */
static int
envfile_ours(const char *name)
{
	static const char *const exact[] = { "DATABASE_URL",
	    "DATABASE_URL_FILE", "JWT_SECRET", "JWT_SECRET_FILE" };
	static const char *const prefix[] = { "INSTAGRAM_", "FACEBOOK_",
	    "IGCONNECT_" };
	size_t	i;

	/* Only the environment can name the file. */
	if (strcmp(name, "IGCONNECT_ENV_FILE") == 0)
		return 0;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(name, exact[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return 1;
	return 0;
}

static const char *
envfile_get(const struct envfile *ef, const char *name)
{
	size_t	i;

	for (i = 0; i < ef->n; i++)
		if (strcmp(ef->v[i].name, name) == 0)
			return ef->v[i].val;
	return NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One line (NUL-terminated, no newline) into "ef".  The format is the one
 * tests/stack/envfile.sh reads: "# comment", blank, [export ]NAME=VALUE,
 * the value 'single' or "double" quoted and then taken literally (no
 * escapes, no $expansion, the rest of the line ignored), or unquoted up
 * to a " #" comment, blanks trimmed.  A line that is none of these is an
 * error, where the sh reader warns: a program started by a web server
 * has no one to warn, and a mistyped secret must not go unnoticed.
 * Returns NULL, or what is wrong.  The first of repeated names counts.
 */
static const char *
envfile_line(struct envfile *ef, char *p)
{
	char	*name, *end, *val, q;

	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return NULL;
	if (strncmp(p, "export", 6) == 0 && is_blank(p[6]))
		for (p += 6; is_blank(*p); p++)
			continue;
	if ((val = strchr(p, '=')) == NULL)
		return "expected NAME=VALUE";
	for (end = val; end > p && is_blank(end[-1]); end--)
		continue;
	*end = '\0';
	name = p;
	if (*name == '\0' || isdigit((unsigned char)*name) ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != strlen(name))
		return "invalid variable name";
	for (val++; is_blank(*val); val++)
		continue;
	if (*val == '"' || *val == '\'') {
		q = *val++;
		if ((end = strchr(val, q)) == NULL)
			return "unterminated quote";
		*end = '\0';
	} else {
		for (end = val; *end != '\0' && !(is_blank(*end) &&
		    end[1] == '#'); end++)
			continue;
		while (end > val && is_blank(end[-1]))
			end--;
		*end = '\0';
	}
	if (!envfile_ours(name) || envfile_get(ef, name) != NULL)
		return NULL;
	if (ef->n == MAX_ENV_VARS)
		return "too many variables";
	if ((ef->v[ef->n].name = ig_strdup(name)) == NULL ||
	    (ef->v[ef->n].val = ig_strdup(val)) == NULL) {
		free(ef->v[ef->n].name);
		return "out of memory";
	}
	ef->n++;
	return NULL;
}

/*
 * Load the env file named by IGCONNECT_ENV_FILE (an empty value: none),
 * or else the one at ENV_FILE_DEFAULT under the home directory, if it
 * exists.  That place is outside any document root, so a web server
 * cannot serve it, and it does not depend on where the binaries were
 * uploaded.  The home is $HOME, or the password database's entry for
 * our user when HOME is unset, as it is for CGI programs: web servers
 * and suexec do not pass it on.
 */
static enum ig_err
envfile_load(struct envfile *ef, char *msg, size_t sz)
{
	const char	*label = "IGCONNECT_ENV_FILE", *path, *home;
	struct passwd	*pw;
	const char	*why = NULL;
	char		 dflt[PATH_MAX], *buf, *line, *nl;
	size_t		 len, n;
	enum ig_err	 er;
	int		 missing_ok = 0;

	ef->n = 0;
	if ((path = getenv(label)) != NULL && *path == '\0')
		return IG_OK;
	if (path == NULL) {
		if ((home = getenv("HOME")) == NULL || *home != '/')
			home = (pw = getpwuid(geteuid())) != NULL ?
			    pw->pw_dir : NULL;
		if (home == NULL || *home != '/' ||
		    (size_t)snprintf(dflt, sizeof(dflt), "%s/%s", home,
		    ENV_FILE_DEFAULT) >= sizeof(dflt))
			return IG_OK;
		label = path = dflt;
		missing_ok = 1;
	}
	er = read_private(label, path, MAX_ENV_FILE, missing_ok, &buf, &len,
	    msg, sz);
	if (er != IG_OK || buf == NULL)
		return er;
	for (n = 1, line = buf; line < buf + len; n++) {
		if ((nl = memchr(line, '\n', len - (size_t)(line - buf))) ==
		    NULL)
			nl = buf + len;
		if ((size_t)(nl - line) > MAX_ENV_LINE)
			why = "line too long";
		else if (memchr(line, '\0', (size_t)(nl - line)) != NULL)
			why = "a NUL byte";
		else {
			*nl = '\0';
			if (nl > line && nl[-1] == '\r')
				nl[-1] = '\0';
			why = envfile_line(ef, line);
		}
		if (why != NULL)
			break;
		line = nl + 1;
	}
	if (why != NULL) {
		(void)snprintf(msg, sz, "invalid value for %s: line %zu: %s",
		    label, n, why);
		er = IG_EINPUT;
	}
	ig_wipe(buf, len);
	free(buf);
	if (er != IG_OK)
		envfile_free(ef);
	return er;
}

/* A variable from the environment, or else from the env file. */
static const char *
get(const struct envfile *ef, const char *name)
{
	const char	*s;

	return (s = getenv(name)) != NULL ? s : envfile_get(ef, name);
}

/* The value of a variable, its alias or its _FILE form; NULL if unset. */
static enum ig_err
lookup(const struct envfile *ef, const struct var *v, char **val, char *msg,
    size_t sz)
{
	const char	*s, *name = v->name;
	char		 fvar[96];

	*val = NULL;
	if ((s = get(ef, v->name)) == NULL && v->alias != NULL &&
	    (s = get(ef, v->alias)) != NULL)
		name = v->alias;
	if (s == NULL && v->alias2 != NULL && (s = get(ef, v->alias2)) != NULL)
		name = v->alias2;
	if (v->secret) {
		const char	*f;
		enum ig_err	 er;

		(void)snprintf(fvar, sizeof(fvar), "%s_FILE", v->name);
		if ((f = get(ef, fvar)) != NULL) {
			er = read_secret_file(fvar, f, val, msg, sz);
			/*
			 * A file of nothing but line ends is no value: it is
			 * the systemd units' stand-in for a credential the
			 * operator did not create (SetCredential= may not be
			 * empty), so the variable itself applies.
			 */
			if (er == IG_OK && **val == '\0') {
				free(*val);
				*val = NULL;
			} else if (s != NULL) {
				ig_free_secret(*val);
				*val = NULL;
				(void)snprintf(msg, sz, "both %s and %s are "
				    "set", name, fvar);
				return IG_EINPUT;
			} else
				return er;
		}
	}
	if (s == NULL)
		return IG_OK;
	*val = ig_strdup(s);
	return *val == NULL ? IG_ENOMEM : IG_OK;
}

static enum ig_err
set_defaults(struct ig_cfg *c)
{
	static const struct { size_t off; const char *val; } defs[] = {
		{ FIELD(graph_version), "v26.0" },
		{ FIELD(app_role), "igconnect" },
		{ FIELD(url_instagram_www), "https://www.instagram.com" },
		{ FIELD(url_instagram_api), "https://api.instagram.com" },
		{ FIELD(url_graph_instagram), "https://graph.instagram.com" },
		{ FIELD(url_facebook_www), "https://www.facebook.com" },
		{ FIELD(url_graph_facebook), "https://graph.facebook.com" },
		{ FIELD(ig_scopes), "instagram_business_basic,"
		    "instagram_business_content_publish,"
		    "instagram_business_manage_messages,"
		    "instagram_business_manage_comments,"
		    "instagram_business_manage_insights" },
		{ FIELD(fb_scopes), "pages_show_list,pages_read_engagement,"
		    "instagram_basic,instagram_content_publish,"
		    "instagram_manage_comments,instagram_manage_insights,"
		    "business_management" },
	};
	size_t	i;
	char	**p;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		p = (char **)(void *)((char *)c + defs[i].off);
		if (*p == NULL && (*p = ig_strdup(defs[i].val)) == NULL)
			return IG_ENOMEM;
	}
	/*
	 * Facebook Login needs the Meta app's id and secret.  Without
	 * FACEBOOK_APP_ID, the Instagram pair is used: apps that run one Meta
	 * app for both flavors (seeds 001 and 002) put the Meta app id in
	 * INSTAGRAM_APP_ID.  With an Instagram Login app id, Meta refuses the
	 * Facebook calls (code 101, a known Meta pitfall).
	 */
	if (c->fb_app_id == NULL && c->fb_app_secret == NULL &&
	    c->ig_app_id != NULL && c->ig_app_secret != NULL &&
	    ((c->fb_app_id = ig_strdup(c->ig_app_id)) == NULL ||
	    (c->fb_app_secret = ig_strdup(c->ig_app_secret)) == NULL))
		return IG_ENOMEM;
	/* By default the one registered redirect URI is the allow-list. */
	if (c->redirect_uris == NULL && c->ig_redirect_uri != NULL &&
	    (c->redirect_uris = ig_strdup(c->ig_redirect_uri)) == NULL)
		return IG_ENOMEM;
	return IG_OK;
}

enum ig_err
ig_cfg_load(struct ig_cfg *c, unsigned needs, char *msg, size_t sz)
{
	struct envfile		 ef;
	const struct var	*v;
	size_t			 i;
	char			*val;
	enum ig_err		 er = IG_OK;

	memset(c, 0, sizeof(*c));
	c->auth = IG_AUTH_JWT;
	c->log_level = IG_LOG_INFO;
	c->threads = 8;
	c->processes = 1;
	c->meta_threads = 32;
	c->meta_processes = 2;
	c->db_connections = 8;
	c->socket_mode = 0660;
	c->max_body = IG_MAX_BODY;
	c->http_timeout = 20;
	c->connect_timeout = 5;
	c->refresh_window = 10;
	c->webhook_max_body = 1 << 20;
	c->signin_ttl = 7 * 86400;
	c->jwt_max_ttl = IG_JWT_MAX_TTL;
	c->signed_request_max_age = 3600;
	c->webhook_retention = 30;
	msg[0] = '\0';
	if ((er = envfile_load(&ef, msg, sz)) != IG_OK)
		goto out;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = &vars[i];
		if ((er = lookup(&ef, v, &val, msg, sz)) != IG_OK)
			goto out;
		if (val == NULL)
			continue;
		er = v->parse(c, v, val, msg, sz);
		ig_free_secret(val);
		if (er != IG_OK)
			goto out;
	}
	if (c->auth != IG_AUTH_JWT)
		needs &= ~IG_NEED_AUTH;
	/* Without an owner's connection, migrations use the programs' one. */
	if (c->migrate_database_url == NULL && c->database_url != NULL &&
	    (c->migrate_database_url = ig_strdup(c->database_url)) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = &vars[i];
		if ((v->need & needs) == 0)
			continue;
		if (v->parse == p_keys ? c->nkeys == 0 : *STRP(c, v) == NULL) {
			(void)snprintf(msg, sz, "missing required setting %s",
			    v->name);
			er = IG_EINPUT;
			goto out;
		}
	}
	er = set_defaults(c);
out:
	envfile_free(&ef);
	if (er == IG_ENOMEM)
		(void)snprintf(msg, sz, "out of memory reading configuration");
	if (er != IG_OK)
		ig_cfg_free(c);
	return er;
}

void
ig_cfg_free(struct ig_cfg *c)
{
	ig_free_secret(c->database_url);
	ig_free_secret(c->migrate_database_url);
	free(c->app_role);
	free(c->ig_app_id);
	ig_free_secret(c->ig_app_secret);
	free(c->ig_redirect_uri);
	ig_free_secret(c->ig_verify_token);
	free(c->fb_app_id);
	free(c->fb_scopes);
	free(c->fb_config_id);
	ig_free_secret(c->fb_app_secret);
	ig_free_secret(c->jwt_secret);
	free(c->jwt_issuer);
	free(c->jwt_audience);
	free(c->graph_version);
	free(c->url_instagram_www);
	free(c->url_instagram_api);
	free(c->url_graph_instagram);
	free(c->url_facebook_www);
	free(c->url_graph_facebook);
	free(c->ca_file);
	free(c->redirect_uris);
	free(c->ig_scopes);
	free(c->forward_url);
	ig_free_secret(c->forward_secret);
	free(c->public_url);
	free(c->cors_origins);
	ig_wipe(c->keys, sizeof(c->keys));
	memset(c, 0, sizeof(*c));
}
