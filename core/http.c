/* SPDX-License-Identifier: ISC */
/*
 * http.c: the only file that talks to libcurl, i.e. to Meta.  https only,
 * TLS verification always on (a CA bundle may be configured for tests),
 * no redirects followed, connect and total timeouts, replies capped.
 * One easy handle per thread is reused so connections and TLS sessions
 * to Meta stay alive.  URLs carry secrets in their query: never log one.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "ig.h"
#include "extern.h"

struct	ig_http {
	CURL			*curl;
	const struct ig_cfg	*cfg;
	long			 connects;
	struct ig_buf		 body;
	long			 retry_after;	/* from the last reply */
	struct ig_meta_usage	 usage;		/* likewise */
	int			 meta;		/* else the host app's */
	const char		*post;		/* the POST body being sent */
	size_t			 post_len, post_sent;
};

/*
 * A CA bundle loaded once for the whole process and shared by the
 * connections of every handle (SSL_CTX_set1_cert_store(3)): libcurl's own
 * cache keeps a store per handle, about 1 MiB with Debian's bundle, and
 * the programs that wait on Meta run a handle per thread.  Loaded on the
 * first TLS connection, kept until the process exits.
 */
struct	ca_store {
	char		*path;
	X509_STORE	*store;
	struct ca_store	*next;
};

static pthread_mutex_t	 ca_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ca_store	*ca_stores;

/* The store of the bundle "path", loaded if new; NULL on failure. */
static X509_STORE *
ca_store(const char *path)
{
	struct ca_store	*s;
	X509_STORE	*st = NULL;

	pthread_mutex_lock(&ca_mu);
	for (s = ca_stores; s != NULL && strcmp(s->path, path) != 0;
	    s = s->next)
		continue;
	if (s == NULL && (s = ig_calloc(1, sizeof(*s))) != NULL) {
		if ((s->path = ig_strdup(path)) == NULL ||
		    (s->store = X509_STORE_new()) == NULL ||
		    X509_STORE_load_file(s->store, path) != 1) {
			ig_log_warnx("could not load the CA bundle \"%s\"",
			    path);
			X509_STORE_free(s->store);
			free(s->path);
			free(s);
			s = NULL;
		} else {
			s->next = ca_stores;
			ca_stores = s;
		}
	}
	if (s != NULL)
		st = s->store;
	pthread_mutex_unlock(&ca_mu);
	return st;
}

/* A new connection's TLS context verifies with the shared store. */
static CURLcode
on_ssl_ctx(CURL *c, void *ssl_ctx, void *path)
{
	X509_STORE	*st;

	(void)c;
	if ((st = ca_store(path)) == NULL)
		return CURLE_SSL_CACERT_BADFILE;
	SSL_CTX_set1_cert_store(ssl_ctx, st);
	return CURLE_OK;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct ig_http	*h = arg;

	/* Returning short makes curl abort with CURLE_WRITE_ERROR. */
	if (ig_buf_add(&h->body, p, size * n) != IG_OK)
		return 0;
	return size * n;
}

void
ig_http_read_header(const char *p, size_t len, long *retry_after,
    struct ig_meta_usage *usage)
{
	char	 line[IG_MAX_HEADER_LINE], *v, *end;
	long	 ra;

	if (len >= sizeof(line) || (v = memchr(p, ':', len)) == NULL)
		return;
	memcpy(line, p, len);
	line[len] = '\0';
	v = line + (v - p);
	*v++ = '\0';
	v += strspn(v, " \t");
	for (end = v + strlen(v); end > v && strchr(" \t\r\n", end[-1]) !=
	    NULL; end--)
		continue;
	*end = '\0';
	if (strcasecmp(line, "retry-after") == 0) {
		ra = strtol(v, &end, 10);
		if (*v >= '0' && *v <= '9' && *end == '\0' && ra > 0 &&
		    ra < 86400)
			*retry_after = ra;
	} else if (ig_meta_usage_parse(line, v, (size_t)(end - v), usage) &&
	    usage->regain > 0)
		*retry_after = usage->regain;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct ig_http	*h = arg;

	ig_http_read_header(p, size * n, &h->retry_after, &h->usage);
	return size * n;
}

/*
 * A configured handle; "protocols" is what curl may speak, and the test
 * CA of IGCONNECT_CA_FILE applies to Meta's hosts only ("meta").
 *
 * Certificates are verified against the process's store of the bundle
 * (libcurl's built-in one, CURLINFO_CAINFO, unless the test CA applies),
 * so libcurl loads no file and no directory itself: with Debian's default
 * directory set it would build a store for every connection
 * (CURLOPT_CA_CACHE_TIMEOUT), and every POST has a connection of its
 * own.  One idle connection kept (CURLOPT_MAXCONNECTS): a POST's fresh
 * one replaces the one before instead of joining up to five others.
 */
static struct ig_http *
make_handle(const struct ig_cfg *cfg, const char *protocols, int meta)
{
	struct ig_http	*h;
	CURL		*c;
	char		*bundle = NULL;
	int		 ok;

	if ((h = ig_calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((c = curl_easy_init()) == NULL) {
		free(h);
		return NULL;
	}
	h->curl = c;
	h->cfg = cfg;
	h->meta = meta;
	ig_buf_init(&h->body, IG_MAX_GRAPH_REPLY);
	if (meta && cfg->ca_file != NULL)
		bundle = cfg->ca_file;
	else if (curl_easy_getinfo(c, CURLINFO_CAINFO, &bundle) != CURLE_OK)
		bundle = NULL;
	ok = bundle != NULL &&
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout) ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->http_timeout) ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)IG_MAX_GRAPH_REPLY) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "igconnect/" IG_VERSION) ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, h) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, h) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_CAINFO, NULL) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, bundle) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_MAXCONNECTS, 1L) == CURLE_OK;
	if (!ok) {
		ig_log_err("could not configure the HTTP client");
		ig_http_free(h);
		return NULL;
	}
	return h;
}

struct ig_http *
ig_http_new(const struct ig_cfg *cfg)
{
	return make_handle(cfg, "https", 1);
}

/*
 * For the host app's own endpoint (the relay): http too, since the app
 * may listen on loopback, and the system CA bundle.
 */
static struct ig_http *
new_forward(const struct ig_cfg *cfg)
{
	return make_handle(cfg, "http,https", 0);
}

void
ig_http_free(struct ig_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	ig_buf_free(&h->body);
	free(h);
}

long
ig_http_connects(const struct ig_http *h)
{
	return h->connects;
}

/* "name=value&..." with both sides percent-encoded. */
static enum ig_err
encode(CURL *c, const struct ig_kv *kv, struct ig_buf *b)
{
	char		*n, *v;
	enum ig_err	 er = IG_OK;
	int		 first = 1;

	for (; kv->name != NULL && er == IG_OK; kv++) {
		if (kv->value == NULL)
			continue;
		n = curl_easy_escape(c, kv->name, 0);
		v = curl_easy_escape(c, kv->value, 0);
		if (n == NULL || v == NULL)
			er = IG_ENOMEM;
		if (er == IG_OK && !first)
			er = ig_buf_adds(b, "&");
		if (er == IG_OK && (er = ig_buf_adds(b, n)) == IG_OK &&
		    (er = ig_buf_adds(b, "=")) == IG_OK)
			er = ig_buf_adds(b, v);
		first = 0;
		curl_free(n);
		if (v != NULL)
			ig_wipe(v, strlen(v));
		curl_free(v);
	}
	return er;
}

enum ig_err
ig_http_url(const char *base, const char *path, const struct ig_kv *query,
    char **out)
{
	struct ig_buf	b;
	enum ig_err	er;

	*out = NULL;
	ig_buf_init(&b, 8192);
	if ((er = ig_buf_adds(&b, base)) != IG_OK ||
	    (er = ig_buf_adds(&b, path)) != IG_OK ||
	    (er = ig_buf_adds(&b, "?")) != IG_OK ||
	    (er = encode(NULL, query, &b)) != IG_OK)
		return er;
	*out = b.data;
	return IG_OK;
}

/* An IPv4 or IPv6 literal in a range no public server lives in. */
static int
private_address(const char *host)
{
	unsigned char	a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
	if (host[0] == '[' && strlen(host) < 64) {
		char	inner[64];

		(void)snprintf(inner, sizeof(inner), "%.*s",
		    (int)strlen(host) - 2, host + 1);
		if (inet_pton(AF_INET6, inner, a) != 1)
			return 1;
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) == 0 ||
		    (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe &&
		    (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
		    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
	}
	return 0;
}

int
ig_url_public(const char *url, char *why, size_t sz)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *user = NULL;
	const char	*no = NULL;

	if (strlen(url) > IG_MAX_MEDIA_URL)
		no = "too long";
	else if (strcspn(url, " \t\r\n\"<>\\^`{|}") != strlen(url) ||
	    !ig_valid_printable(url, strlen(url)))
		no = "not a well-formed URL";
	else if ((u = curl_url()) == NULL)
		no = "could not be checked";
	else {
		if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
			no = "not a well-formed URL";
		else if (strcmp(scheme, "https") != 0)
			no = "must be https";
		else if (curl_url_get(u, CURLUPART_USER, &user, 0) ==
		    CURLUE_OK)
			no = "must not hold credentials";
		else if (strcasecmp(host, "localhost") == 0 ||
		    (strlen(host) > 10 && strcasecmp(host + strlen(host) - 10,
		    ".localhost") == 0) || private_address(host) ||
		    strchr(host, '.') == NULL)
			no = "must name a public host";
		curl_free(scheme);
		curl_free(host);
		curl_free(user);
		curl_url_cleanup(u);
	}
	if (no != NULL)
		(void)snprintf(why, sz, "%s", no);
	return no == NULL;
}

static void
copy_str(char *dst, size_t sz, const json_t *v)
{
	(void)snprintf(dst, sz, "%s", json_is_string(v) ?
	    json_string_value(v) : "");
}

static enum ig_meta_class
classify(long code, int transient)
{
	switch (code) {
	case 190:
		return IG_META_TOKEN;
	case 4: case 17: case 32: case 613: case 80002:
		return IG_META_RATELIMIT;
	case 1: case 2:
		return IG_META_TRANSIENT;
	case 10:
		return IG_META_PERMISSION;
	default:
		break;
	}
	if (code >= 200 && code <= 299)
		return IG_META_PERMISSION;
	return transient ? IG_META_TRANSIENT : IG_META_OTHER;
}

int
ig_meta_error_parse(const char *body, size_t len, long status,
    struct ig_meta_error *m)
{
	json_t		*root, *e, *v;
	int		 found = 0;

	memset(m, 0, sizeof(*m));
	m->status = status;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL || !json_is_object(root))
		goto out;
	if ((e = json_object_get(root, "error")) != NULL &&
	    json_is_object(e)) {
		/* Graph: {"error":{"message","type","code",...}} */
		if ((v = json_object_get(e, "code")) != NULL &&
		    json_is_integer(v))
			m->code = (long)json_integer_value(v);
		if ((v = json_object_get(e, "error_subcode")) != NULL &&
		    json_is_integer(v))
			m->subcode = (long)json_integer_value(v);
		m->transient = json_is_true(json_object_get(e,
		    "is_transient"));
		copy_str(m->type, sizeof(m->type), json_object_get(e, "type"));
		copy_str(m->message, sizeof(m->message),
		    json_object_get(e, "message"));
		copy_str(m->fbtrace_id, sizeof(m->fbtrace_id),
		    json_object_get(e, "fbtrace_id"));
		m->cls = classify(m->code, m->transient);
		found = 1;
	} else if ((v = json_object_get(root, "error_type")) != NULL &&
	    json_is_string(v)) {
		/* api.instagram.com: {"error_type","code","error_message"} */
		copy_str(m->type, sizeof(m->type), v);
		copy_str(m->message, sizeof(m->message),
		    json_object_get(root, "error_message"));
		if ((v = json_object_get(root, "code")) != NULL &&
		    json_is_integer(v))
			m->code = (long)json_integer_value(v);
		m->cls = IG_META_OAUTH;
		found = 1;
	}
out:
	json_decref(root);
	return found;
}

static const char *
host_of(const char *base)
{
	const char	*p = strstr(base, "://");

	return p != NULL ? p + 3 : base;
}

/* Interpret a completed exchange; "h->body" holds the reply. */
static enum ig_err
interpret(struct ig_http *h, const char *base, const char *path,
    long status, json_t **reply, struct ig_meta_error *merr)
{
	struct ig_meta_error	 m;
	json_t			*root;

	if (status >= 200 && status < 300) {
		root = json_loadb(h->body.data != NULL ? h->body.data : "",
		    h->body.len, JSON_REJECT_DUPLICATES, NULL);
		if (root != NULL && json_is_object(root) &&
		    json_object_get(root, "error") == NULL) {
			*reply = root;
			return IG_OK;
		}
		json_decref(root);
	}
	if (!ig_meta_error_parse(h->body.data != NULL ? h->body.data : "",
	    h->body.len, status, &m)) {
		ig_log_warnx("unexpected reply from %s%s: HTTP %ld, %zu bytes",
		    host_of(base), path, status, h->body.len);
		return IG_EUPSTREAM;
	}
	m.retry_after = h->retry_after;
	ig_log_info("meta error from %s%s: HTTP %ld code %ld subcode %ld "
	    "type \"%s\" fbtrace_id %s", host_of(base), path, status, m.code,
	    m.subcode, m.type, m.fbtrace_id);
	if (merr != NULL)
		*merr = m;
	if (m.cls == IG_META_RATELIMIT)
		return IG_ERATELIMIT;
	if (m.cls == IG_META_TRANSIENT || (status >= 500 &&
	    m.cls != IG_META_TOKEN))
		return IG_EUPSTREAM;
	return IG_EMETA;
}

enum ig_err
ig_appsecret_proof(const char *secret, const char *token, char out[65])
{
	unsigned char	mac[32];
	enum ig_err	er;

	er = ig_hmac_sha256(secret, strlen(secret), token, strlen(token), mac);
	if (er == IG_OK)
		ig_hex(out, mac, sizeof(mac));
	ig_wipe(mac, sizeof(mac));
	return er;
}

/*
 * The app secret that signs calls to "base" with appsecret_proof
 * (appsecret_proof docs): always on graph.facebook.com, on
 * graph.instagram.com when IGCONNECT_APPSECRET_PROOF_INSTAGRAM=1,
 * nowhere else.  NULL: no proof.
 */
static const char *
proof_secret(const struct ig_cfg *cfg, const char *base)
{
	if (strcmp(base, cfg->url_graph_facebook) == 0)
		return cfg->fb_app_secret;
	if (cfg->ig_appsecret_proof && strcmp(base,
	    cfg->url_graph_instagram) == 0)
		return cfg->ig_app_secret;
	return NULL;
}

/*
 * "&appsecret_proof=HEX" after the fields "kv" (already in "b") when
 * they carry an access_token and "base" wants a proof: the one place
 * every call to Meta gets it, whoever builds the call.
 */
static enum ig_err
add_proof(const struct ig_cfg *cfg, const char *base, const struct ig_kv *kv,
    struct ig_buf *b)
{
	const char	*secret = proof_secret(cfg, base);
	char		 proof[65];
	enum ig_err	 er;

	if (secret == NULL || kv == NULL)
		return IG_OK;
	for (; kv->name != NULL; kv++)
		if (kv->value != NULL && strcmp(kv->name, "access_token") == 0)
			break;
	if (kv->name == NULL)
		return IG_OK;
	if ((er = ig_appsecret_proof(secret, kv->value, proof)) != IG_OK)
		return er;
	if ((er = ig_buf_adds(b, b->len > 0 ? "&" : "")) == IG_OK &&
	    (er = ig_buf_adds(b, "appsecret_proof=")) == IG_OK)
		er = ig_buf_adds(b, proof);
	return er;
}

/* "base" + "path" + "?query" into "url" (which then holds secrets). */
static enum ig_err
build_url(const struct ig_cfg *cfg, CURL *c, const char *base,
    const char *path, const struct ig_kv *query, struct ig_buf *url)
{
	enum ig_err	er;

	ig_buf_init(url, 8192);
	if ((er = ig_buf_adds(url, base)) != IG_OK ||
	    (er = ig_buf_adds(url, path)) != IG_OK)
		return er;
	if (query != NULL && query->name != NULL &&
	    ((er = ig_buf_adds(url, "?")) != IG_OK ||
	    (er = encode(c, query, url)) != IG_OK ||
	    (er = add_proof(cfg, base, query, url)) != IG_OK))
		return er;
	return IG_OK;
}

/*
 * The urlencoded "form" with its proof into "body" (initialised by the
 * caller, then holding secrets); never NULL data, so curl POSTs even an
 * empty form.
 */
static enum ig_err
build_form(const struct ig_cfg *cfg, CURL *c, const char *base,
    const struct ig_kv *form, struct ig_buf *body)
{
	enum ig_err	er;

	if ((er = encode(c, form, body)) == IG_OK &&
	    (er = add_proof(cfg, base, form, body)) == IG_OK &&
	    body->data == NULL)
		er = ig_buf_adds(body, "");
	return er;
}

/* Before a transfer on "h": no reply yet. */
static void
reset_reply(struct ig_http *h)
{
	ig_buf_free(&h->body);
	h->retry_after = 0;
	memset(&h->usage, 0, sizeof(h->usage));
}

/*
 * The host app's answer: only its status counts (2xx: taken), whatever
 * the body says.  The URL is not logged: it may carry credentials.
 */
static enum ig_err
forward_done(struct ig_http *h, CURLcode cc, struct ig_meta_error *merr)
{
	long	status = 0;

	if (cc != CURLE_OK) {
		ig_log_warnx("could not POST to the forward URL: %s",
		    curl_easy_strerror(cc));
		return IG_EUPSTREAM;
	}
	(void)curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (merr != NULL)
		merr->status = status;
	return status >= 200 && status <= 299 ? IG_OK : IG_EUPSTREAM;
}

/* After a transfer on "h" ended with "cc": count, log, interpret. */
static enum ig_err
transfer_done(struct ig_http *h, CURLcode cc, const char *base,
    const char *path, json_t **reply, struct ig_meta_error *merr)
{
	long		status = 0, n = 0;
	enum ig_err	er;

	if (curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &n) ==
	    CURLE_OK)
		h->connects += n;
	if (!h->meta)
		er = forward_done(h, cc, merr);
	else if (cc != CURLE_OK) {
		ig_log_warnx("could not reach %s%s: %s", host_of(base), path,
		    curl_easy_strerror(cc));
		er = IG_EUPSTREAM;
	} else {
		(void)curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		    &status);
		er = interpret(h, base, path, status, reply, merr);
	}
	ig_buf_free(&h->body);
	return er;
}

/* libcurl's read callback: the next bytes of the POST body. */
static size_t
read_post(char *buf, size_t size, size_t n, void *arg)
{
	struct ig_http	*h = arg;
	size_t		 k = size * n;

	if (k > h->post_len - h->post_sent)
		k = h->post_len - h->post_sent;
	if (k == 0)
		return 0;
	memcpy(buf, h->post + h->post_sent, k);
	h->post_sent += k;
	return k;
}

/*
 * The next call is a POST of "body" ("len" bytes) when "body" is not
 * NULL, else a GET.  The body is given through a read callback that
 * cannot rewind: libcurl sends a request again by itself when a
 * kept-alive connection closes without an answer, and rewinds the body
 * to do so.  A POST whose body reached the server must never go twice
 * (a code redeemed twice is refused, and may revoke the tokens it gave,
 * RFC 6749 section 4.1.2; a media_publish twice is two posts), so that
 * case fails with CURLE_SEND_FAIL_REWIND instead, and POSTs can still
 * use kept-alive connections.  A request that died before its body was
 * sent is sent again, as nothing of it was acted on.
 */
static int
set_method(struct ig_http *h, const char *body, size_t len)
{
	h->post = body;
	h->post_len = len;
	h->post_sent = 0;
	if (body == NULL)
		return curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L) ==
		    CURLE_OK;
	return curl_easy_setopt(h->curl, CURLOPT_POST, 1L) == CURLE_OK &&
	    curl_easy_setopt(h->curl, CURLOPT_READFUNCTION, read_post) ==
	    CURLE_OK &&
	    curl_easy_setopt(h->curl, CURLOPT_READDATA, h) == CURLE_OK &&
	    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len) == CURLE_OK;
}

enum ig_err
ig_http_call(struct ig_http *h, const char *base, const char *path,
    const struct ig_kv *query, const struct ig_kv *form, json_t **reply,
    struct ig_meta_error *merr)
{
	struct ig_buf	 url, body;
	enum ig_err	 er;

	*reply = NULL;
	if (merr != NULL)
		memset(merr, 0, sizeof(*merr));
	ig_buf_init(&body, 16384);
	reset_reply(h);
	if ((er = build_url(h->cfg, h->curl, base, path, query, &url)) !=
	    IG_OK)
		goto out;
	if (form != NULL && (er = build_form(h->cfg, h->curl, base, form,
	    &body)) != IG_OK)
		goto out;
	if (curl_easy_setopt(h->curl, CURLOPT_URL, url.data) != CURLE_OK ||
	    !set_method(h, form != NULL ? body.data : NULL, body.len)) {
		er = IG_EUPSTREAM;
		goto out;
	}
	er = transfer_done(h, curl_easy_perform(h->curl), base, path, reply,
	    merr);
out:
	/* The URL and the form hold tokens and secrets. */
	ig_buf_free(&url);
	ig_buf_free(&body);
	(void)set_method(h, NULL, 0);
	return er;
}

static double
now_s(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Full jitter: a random delay in [0, cap) (Google SRE book, ch. 22). */
static double
jitter(double cap)
{
	uint32_t	r = 0;

	(void)ig_rand_bytes(&r, sizeof(r));
	return cap * ((double)r / 4294967296.0);
}

enum ig_err
ig_http_get(struct ig_http *h, const char *base, const char *path,
    const struct ig_kv *query, json_t **reply, struct ig_meta_error *merr)
{
	const double	 deadline = now_s() + (double)h->cfg->http_timeout;
	double		 cap = 0.2, delay;
	struct timespec	 ts;
	enum ig_err	 er;
	int		 attempt;

	for (attempt = 1; ; attempt++) {
		er = ig_http_call(h, base, path, query, NULL, reply, merr);
		if (er != IG_EUPSTREAM || attempt == 3)
			return er;
		delay = jitter(cap);
		cap *= 2;
		/* A retry that cannot finish in time is not worth starting. */
		if (now_s() + delay + 1.0 >= deadline)
			return er;
		ts.tv_sec = (time_t)delay;
		ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
		(void)nanosleep(&ts, NULL);
		ig_log_info("retrying %s%s (attempt %d)", host_of(base), path,
		    attempt + 1);
	}
}

enum ig_err
ig_json_id_dup(const json_t *obj, const char *name, char **out)
{
	const json_t	*v;
	const char	*s;
	char		 num[32];

	*out = NULL;
	if ((v = json_object_get(obj, name)) == NULL || json_is_null(v))
		return IG_ENOTFOUND;
	if (json_is_integer(v)) {
		/* json_int_t: exact to 9.2e18, and ids exceed 2^53. */
		if (json_integer_value(v) < 0)
			return IG_EUPSTREAM;
		(void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = num;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (!ig_valid_digits(s, strlen(s)) || strlen(s) > 30)
			return IG_EUPSTREAM;
	} else
		return IG_EUPSTREAM;
	return (*out = ig_strdup(s)) == NULL ? IG_ENOMEM : IG_OK;
}

/* ---------------------------------------------------------- batches */

/*
 * A queued call: its URL or body holds a token until the transfer ends.
 * A GET has no body; a POST always has one, if empty.
 */
struct	queued {
	struct ig_buf		 url;
	struct ig_buf		 body;
	struct curl_slist	*headers;
	int			 post;
	const char		*base;
	char			 path[96];
	void			*arg;
};

struct	ig_http_batch {
	CURLM		 *multi;
	struct ig_http	**slots;	/* one easy handle per transfer */
	struct queued	**busy;		/* what each slot carries, or NULL */
	int		  nslots;
	struct queued	 *queue;
	size_t		  nqueue, cap, next;
	long		  connects;
	/*
	 * Meta's usage headers pace a batch to Meta before Meta throttles
	 * it (Graph API "Rate Limits" docs): what the last reply's
	 * figures ask, and until when no call goes out.
	 */
	enum ig_pace	  pace;
	time_t		  resume;
};

static struct ig_http_batch *
new_batch(const struct ig_cfg *cfg, int parallel, int meta)
{
	struct ig_http_batch	*b;
	int			 i;

	if ((b = ig_calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->slots = ig_calloc((size_t)parallel, sizeof(*b->slots));
	b->busy = ig_calloc((size_t)parallel, sizeof(*b->busy));
	if (b->slots == NULL || b->busy == NULL)
		goto fail;
	b->nslots = parallel;
	for (i = 0; i < parallel; i++) {
		b->slots[i] = meta ? ig_http_new(cfg) : new_forward(cfg);
		if (b->slots[i] == NULL)
			goto fail;
		(void)curl_easy_setopt(b->slots[i]->curl, CURLOPT_PRIVATE,
		    (void *)(intptr_t)i);
	}
	/* After curl_easy_init(), which initialises libcurl once. */
	if ((b->multi = curl_multi_init()) == NULL ||
	    curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS,
	    (long)parallel) != CURLM_OK)
		goto fail;
	return b;
fail:
	ig_http_batch_free(b);
	return NULL;
}

struct ig_http_batch *
ig_http_batch_new(const struct ig_cfg *cfg, int parallel)
{
	return new_batch(cfg, parallel, 1);
}

struct ig_http_batch *
ig_http_batch_new_forward(const struct ig_cfg *cfg, int parallel)
{
	return new_batch(cfg, parallel, 0);
}

/* Wipe and free what "q" would send; safe to repeat. */
static void
drop(struct queued *q)
{
	ig_buf_free(&q->url);
	ig_buf_free(&q->body);
	curl_slist_free_all(q->headers);
	q->headers = NULL;
}

static void
clear_queue(struct ig_http_batch *b)
{
	size_t	i;

	for (i = 0; i < b->nqueue; i++)
		drop(&b->queue[i]);
	b->nqueue = b->next = 0;
}

void
ig_http_batch_free(struct ig_http_batch *b)
{
	int	i;

	if (b == NULL)
		return;
	clear_queue(b);
	free(b->queue);
	for (i = 0; b->slots != NULL && i < b->nslots; i++)
		ig_http_free(b->slots[i]);
	free(b->slots);
	free(b->busy);
	if (b->multi != NULL)
		curl_multi_cleanup(b->multi);
	free(b);
}

long
ig_http_batch_connects(const struct ig_http_batch *b)
{
	return b->connects;
}

/* The body of POST "c" and its extra headers into "q". */
static enum ig_err
build_post(const struct ig_cfg *cfg, CURL *curl, const struct ig_call *c,
    struct queued *q)
{
	struct curl_slist	*l;
	size_t			 i;
	enum ig_err		 er;

	if (c->body == NULL) {
		ig_buf_init(&q->body, 16384);
		return build_form(cfg, curl, c->base, c->form, &q->body);
	}
	ig_buf_init(&q->body, IG_MAX_POST);
	if ((er = ig_buf_add(&q->body, c->body, c->len)) != IG_OK ||
	    (q->body.data == NULL && (er = ig_buf_adds(&q->body, "")) !=
	    IG_OK))
		return er;
	for (i = 0; i < sizeof(c->headers) / sizeof(c->headers[0]) &&
	    c->headers[i] != NULL; i++) {
		if ((l = curl_slist_append(q->headers, c->headers[i])) == NULL)
			return IG_ENOMEM;
		q->headers = l;
	}
	return IG_OK;
}

enum ig_err
ig_http_batch_add(struct ig_http_batch *b, const struct ig_call *c,
    void *arg)
{
	const struct ig_cfg	*cfg = b->slots[0]->cfg;
	CURL			*curl = b->slots[0]->curl;
	struct queued		*q;
	enum ig_err		 er;

	if (b->nqueue == b->cap) {
		q = ig_reallocarray(b->queue, b->cap + 64, sizeof(*q));
		if (q == NULL)
			return IG_ENOMEM;
		b->queue = q;
		b->cap += 64;
	}
	q = &b->queue[b->nqueue];
	memset(q, 0, sizeof(*q));
	if ((er = build_url(cfg, curl, c->base, c->path, c->query,
	    &q->url)) != IG_OK ||
	    (c->post && (er = build_post(cfg, curl, c, q)) != IG_OK)) {
		drop(q);
		return er;
	}
	q->post = c->post;
	q->base = c->base;
	(void)snprintf(q->path, sizeof(q->path), "%s", c->path);
	q->arg = arg;
	b->nqueue++;
	return IG_OK;
}

/* Set "h" up for "q": its URL, and a GET or its POST (set_method()). */
static int
set_call(struct ig_http *h, const struct queued *q)
{
	return curl_easy_setopt(h->curl, CURLOPT_URL, q->url.data) ==
	    CURLE_OK && curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER,
	    q->headers) == CURLE_OK &&
	    set_method(h, q->post ? q->body.data : NULL, q->body.len);
}

/* "h" forgets the last call: nothing of it is sent again by mistake. */
static void
unset_call(struct ig_http *h)
{
	(void)curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	(void)set_method(h, NULL, 0);
}

/* Give the next queued call to free slot "i"; 0 if it could not start. */
static int
start(struct ig_http_batch *b, int i)
{
	struct ig_http	*h = b->slots[i];
	struct queued	*q = &b->queue[b->next++];

	reset_reply(h);
	if (!set_call(h, q) ||
	    curl_multi_add_handle(b->multi, h->curl) != CURLM_OK) {
		unset_call(h);
		drop(q);
		return 0;
	}
	b->busy[i] = q;
	return 1;
}

/*
 * The usage headers of the reply "h" just had (none: below any limit,
 * since Meta sends them only once they matter).  A change of pace is
 * logged once, with the figure that caused it.
 */
static void
note_usage(struct ig_http_batch *b, const struct ig_http *h)
{
	enum ig_pace	pace;
	long		status = 0, wait;

	if (!h->meta || curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
	    &status) != CURLE_OK || status == 0)
		return;
	if ((pace = ig_meta_usage_pace(&h->usage)) == IG_PACE_STOP) {
		wait = h->usage.regain > 0 ? h->usage.regain : IG_USAGE_PAUSE;
		if (b->pace != IG_PACE_STOP)
			ig_log_warnx("meta usage at %d%%, access back in "
			    "%ld s: no calls to meta until then",
			    h->usage.pct, wait);
		if (b->resume < time(NULL) + wait)
			b->resume = time(NULL) + wait;
	} else if (pace == IG_PACE_SLOW && b->pace != IG_PACE_SLOW)
		ig_log_warnx("meta usage at %d%%: one call at a time",
		    h->usage.pct);
	else if (pace == IG_PACE_FULL && b->pace != IG_PACE_FULL)
		ig_log_info("meta usage at %d%%: calls at full pace again",
		    h->usage.pct);
	/* Once stopped, only the clock starts calls again. */
	if (b->pace != IG_PACE_STOP)
		b->pace = pace;
}

long
ig_http_batch_paused(struct ig_http_batch *b)
{
	time_t	now = time(NULL);

	if (b->pace != IG_PACE_STOP)
		return 0;
	if (now < b->resume)
		return (long)(b->resume - now);
	/* Carefully at first: the next reply says how far we are. */
	b->pace = IG_PACE_SLOW;
	return 0;
}

/* Slot "i" finished with "cc": tell the caller, free the slot. */
static void
finish_slot(struct ig_http_batch *b, int i, CURLcode cc, ig_http_done *done)
{
	struct ig_http		*h = b->slots[i];
	struct queued		*q = b->busy[i];
	struct ig_meta_error	 merr;
	json_t			*reply = NULL;
	enum ig_err		 er;
	long			 before = h->connects;

	(void)curl_multi_remove_handle(b->multi, h->curl);
	memset(&merr, 0, sizeof(merr));
	er = transfer_done(h, cc, q->base, q->path, &reply, &merr);
	note_usage(b, h);
	b->connects += h->connects - before;
	unset_call(h);
	drop(q);
	b->busy[i] = NULL;
	done(q->arg, er, reply, &merr);
	json_decref(reply);
}

/*
 * Meta's usage said stop: the calls not yet made are not made now.
 * Each is told so (merr->deferred), with when Meta may be called again,
 * and its caller leaves it for a later run.
 */
static void
defer_rest(struct ig_http_batch *b, ig_http_done *done)
{
	struct ig_meta_error	merr;

	memset(&merr, 0, sizeof(merr));
	merr.deferred = 1;
	merr.cls = IG_META_RATELIMIT;
	merr.retry_after = ig_http_batch_paused(b);
	for (; b->next < b->nqueue; b->next++) {
		drop(&b->queue[b->next]);
		done(b->queue[b->next].arg, IG_ERATELIMIT, NULL, &merr);
	}
}

/*
 * Start what fits the pace; a call that cannot even start fails at
 * once.
 */
static void
fill_slots(struct ig_http_batch *b, ig_http_done *done)
{
	struct ig_meta_error	merr;
	struct queued		*q;
	int			 i, busy = 0, room;

	if (ig_http_batch_paused(b) > 0) {
		defer_rest(b, done);
		return;
	}
	for (i = 0; i < b->nslots; i++)
		busy += b->busy[i] != NULL;
	room = (b->pace == IG_PACE_SLOW ? 1 : b->nslots) - busy;
	memset(&merr, 0, sizeof(merr));
	for (i = 0; i < b->nslots && room > 0 && b->next < b->nqueue; i++) {
		if (b->busy[i] != NULL)
			continue;
		q = &b->queue[b->next];
		if (!start(b, i))
			done(q->arg, IG_EUPSTREAM, NULL, &merr);
		room--;
	}
}

/* libcurl failed: every call not yet answered fails. */
static void
abandon(struct ig_http_batch *b, ig_http_done *done)
{
	struct ig_meta_error	merr;
	int			i;

	memset(&merr, 0, sizeof(merr));
	for (i = 0; i < b->nslots; i++)
		if (b->busy[i] != NULL)
			finish_slot(b, i, CURLE_ABORTED_BY_CALLBACK, done);
	for (; b->next < b->nqueue; b->next++)
		done(b->queue[b->next].arg, IG_EUPSTREAM, NULL, &merr);
}

enum ig_err
ig_http_batch_run(struct ig_http_batch *b, ig_http_done *done)
{
	CURLMsg		*msg;
	char		*slot;
	int		 running = 0, left, ended;
	enum ig_err	 er = IG_OK;

	do {
		fill_slots(b, done);
		if (curl_multi_perform(b->multi, &running) != CURLM_OK) {
			er = IG_EUPSTREAM;
			break;
		}
		ended = 0;
		while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			(void)curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_PRIVATE, &slot);
			finish_slot(b, (int)(intptr_t)slot, msg->data.result,
			    done);
			ended++;
		}
		/* Wait only when no slot was freed for a queued call. */
		if (running > 0 && (ended == 0 || b->next == b->nqueue) &&
		    curl_multi_poll(b->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			er = IG_EUPSTREAM;
			break;
		}
	} while (running > 0 || b->next < b->nqueue);
	if (er != IG_OK)
		abandon(b, done);
	clear_queue(b);
	return er;
}
