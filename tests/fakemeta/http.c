/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: HTTPS transport.  One detached thread per accepted
 * connection runs TLS (OpenSSL) and HTTP/1.1 with keep-alive: it reads
 * a request (Content-Length or chunked body, bounded by FM_MAX_HEAD and
 * FM_MAX_BODY), parses query and form parameters, hands the request to
 * route.c and writes the response.  This file knows nothing about Meta.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fakemeta.h"

#define IDLE_SECS	300		/* idle connections are closed */
#define THREAD_STACK	(512 * 1024)
#define ONE_WRITE_MAX	(64 * 1024)	/* head + body in one write */

struct conn {
	int		 fd;
	SSL		*ssl;
	char		 buf[FM_MAX_HEAD];
	size_t		 r;		/* first unread byte in buf */
	size_t		 w;		/* end of data in buf */
	struct conn	*prev;
	struct conn	*next;
};

static SSL_CTX		*ctx;
static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;
static struct conn	*live;		/* connections being served */
static size_t		 nlive;

/*
 * Answer ALPN with http/1.1 when offered: curl offers h2 first, and
 * without an explicit choice some clients would keep probing.
 */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int	 i;

	(void)ssl;
	(void)arg;
	for (i = 0; i < inlen && i + 1 + in[i] <= inlen; i += 1 + in[i])
		if (in[i] == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
	return SSL_TLSEXT_ERR_NOACK;
}

int
fm_http_init(const char *cert, const char *key)
{
	static const unsigned char	 sid[] = "fakemeta";

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	return 0;
fail:
	fprintf(stderr, "fakemeta: could not set up TLS with %s and %s: ",
	    cert, key);
	ERR_print_errors_fp(stderr);
	fputc('\n', stderr);
	SSL_CTX_free(ctx);
	ctx = NULL;
	return -1;
}

void
fm_http_free(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}

/* Wake every connection thread: their blocking reads fail at once. */
void
fm_http_shutdown_all(void)
{
	struct conn	*c;

	pthread_mutex_lock(&mu);
	for (c = live; c != NULL; c = c->next)
		(void)shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&mu);
}

void
fm_http_wait_all(void)
{
	pthread_mutex_lock(&mu);
	while (nlive > 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/*
 * Forget a connection.  This happens before close(): while it is in the
 * list, fm_http_shutdown_all may use its descriptor, which must not be
 * reused by another socket yet.
 */
static void
unregister(struct conn *c)
{
	pthread_mutex_lock(&mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nlive--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Header lookup, case-insensitive; the first one wins.  Borrowed. */
const char *
fm_header(const struct fm_req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nhdr; i++)
		if (strcasecmp(req->hdr[i].name, name) == 0)
			return req->hdr[i].value;
	return NULL;
}

static const char *
kv_get(const struct fm_kv *kv, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

const char *
fm_query(const struct fm_req *req, const char *name)
{
	return kv_get(req->query, req->nquery, name);
}

const char *
fm_form(const struct fm_req *req, const char *name)
{
	return kv_get(req->form, req->nform, name);
}

/* Query string first, then body fields: Graph accepts either (D). */
const char *
fm_param(const struct fm_req *req, const char *name)
{
	const char	*v;

	if ((v = fm_query(req, name)) != NULL)
		return v;
	return fm_form(req, name);
}

int
fm_resp_header(struct fm_resp *resp, const char *name, const char *value)
{
	/* Header injection guard: values must be single lines. */
	if (strpbrk(value, "\r\n") != NULL)
		return -1;
	if (fm_buf_adds(&resp->hdrs, name) == -1 ||
	    fm_buf_add(&resp->hdrs, ": ", 2) == -1 ||
	    fm_buf_adds(&resp->hdrs, value) == -1 ||
	    fm_buf_add(&resp->hdrs, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* Set a JSON body (j is stolen) with extra jansson dump flags. */
void
fm_resp_json(struct fm_resp *resp, int status, json_t *j, size_t flags)
{
	char	*s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT | flags);
	json_decref(j);
	if (s == NULL) {
		fm_resp_text(resp, 500, "text/plain", "could not build JSON\n");
		return;
	}
	free(resp->body);
	resp->status = status;
	resp->ctype = "application/json; charset=UTF-8";
	resp->body = s;
	resp->bodylen = strlen(s);
}

void
fm_resp_text(struct fm_resp *resp, int status, const char *ctype,
    const char *text)
{
	free(resp->body);
	resp->status = status;
	resp->ctype = ctype;
	resp->body = fm_xstrdup(text);
	resp->bodylen = strlen(text);
}

static void
req_free(struct fm_req *req)
{
	free(req->target);
	free(req->path);
	free(req->head);
	free(req->qbuf);
	free(req->fbuf);
	free(req->body);
}

static void
resp_free(struct fm_resp *resp)
{
	fm_buf_free(&resp->hdrs);
	free(resp->body);
}

/* Read more bytes into the buffer: >0 bytes, 0 on EOF or error. */
static int
fill(struct conn *c)
{
	int	 n;

	if (c->r == c->w)
		c->r = c->w = 0;
	else if (c->w == sizeof(c->buf) && c->r > 0) {
		memmove(c->buf, c->buf + c->r, c->w - c->r);
		c->w -= c->r;
		c->r = 0;
	}
	if (c->w == sizeof(c->buf))
		return 0;
	n = SSL_read(c->ssl, c->buf + c->w, (int)(sizeof(c->buf) - c->w));
	if (n <= 0)
		return 0;
	c->w += (size_t)n;
	return n;
}

/* Copy exactly n body bytes to dst: buffered ones first.  0 or -1. */
static int
read_exact(struct conn *c, char *dst, size_t n)
{
	size_t	 k;
	int	 got;

	k = c->w - c->r < n ? c->w - c->r : n;
	memcpy(dst, c->buf + c->r, k);
	c->r += k;
	while (k < n) {
		got = SSL_read(c->ssl, dst + k, (int)(n - k > 1 << 20 ?
		    1 << 20 : n - k));
		if (got <= 0)
			return -1;
		k += (size_t)got;
	}
	return 0;
}

/* One CRLF-terminated line (chunked framing) into line[sz].  0 or -1. */
static int
read_line(struct conn *c, char *line, size_t sz)
{
	const char	*e;
	size_t		 n;

	while ((e = fm_memmem(c->buf + c->r, c->w - c->r, "\r\n", 2)) ==
	    NULL) {
		if (c->w - c->r >= sz || fill(c) <= 0)
			return -1;
	}
	n = (size_t)(e - (c->buf + c->r));
	if (n >= sz)
		return -1;
	memcpy(line, c->buf + c->r, n);
	line[n] = '\0';
	c->r += n + 2;
	return 0;
}

/* Chunked request body (RFC 9112 7.1).  0, -1 (malformed), -2 (big). */
static int
read_chunked(struct conn *c, struct fm_req *req)
{
	struct fm_buf	 b;
	char		 line[1024], *end;
	unsigned long	 sz;

	fm_buf_init(&b, FM_MAX_BODY);
	for (;;) {
		if (read_line(c, line, sizeof(line)) == -1)
			goto bad;
		errno = 0;
		sz = strtoul(line, &end, 16);
		if (end == line || errno != 0 || (*end != '\0' && *end != ';'))
			goto bad;
		if (sz == 0)
			break;
		if (sz > FM_MAX_BODY || b.len + sz > FM_MAX_BODY) {
			fm_buf_free(&b);
			return -2;
		}
		if (fm_buf_reserve(&b, sz) == -1)
			goto bad;
		if (read_exact(c, b.p + b.len, sz) == -1)
			goto bad;
		b.len += sz;
		b.p[b.len] = '\0';
		if (read_line(c, line, sizeof(line)) == -1 || line[0] != '\0')
			goto bad;
	}
	do {				/* trailer fields are ignored */
		if (read_line(c, line, sizeof(line)) == -1)
			goto bad;
	} while (line[0] != '\0');
	req->bodylen = b.len;
	req->body = fm_buf_steal(&b);
	return req->body == NULL ? -1 : 0;
bad:
	fm_buf_free(&b);
	return -1;
}

/*
 * Split "a=1&b=2" (s is a modifiable copy of n bytes) into kv[], decoding
 * in place.  Returns -1 if there are more than FM_MAX_PARAMS pairs.
 */
static int
parse_pairs(char *s, size_t n, struct fm_kv *kv, size_t *nkv)
{
	char	*p = s, *end = s + n, *amp, *eq;

	*nkv = 0;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		*amp = '\0';
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		else
			eq = amp;	/* "flag" alone: empty value */
		if (*p != '\0') {
			if (*nkv == FM_MAX_PARAMS)
				return -1;
			fm_pct_decode(p, strlen(p), 1);
			kv[*nkv].name = p;
			kv[*nkv].vlen = eq == amp ? 0 :
			    fm_pct_decode(eq, strlen(eq), 1);
			kv[*nkv].value = eq;
			(*nkv)++;
		}
		p = amp + 1;
	}
	return 0;
}

/* The value of parameter attr in a header such as Content-Type. */
static int
header_param(const char *h, const char *attr, char *out, size_t sz)
{
	const char	*p;
	size_t		 alen = strlen(attr), n;

	for (p = strchr(h, ';'); p != NULL; p = strchr(p + 1, ';')) {
		while (*++p == ' ')
			continue;
		if (strncasecmp(p, attr, alen) != 0 || p[alen] != '=')
			continue;
		p += alen + 1;
		if (*p == '"') {
			p++;
			n = strcspn(p, "\"");
		} else
			n = strcspn(p, "; \r\n");
		if (n == 0 || n >= sz)
			return -1;
		memcpy(out, p, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/*
 * multipart/form-data (RFC 7578), as Meta's own curl -F samples send the
 * code exchange (A.2).  Parts are NUL-terminated in place in fbuf.
 */
static int
parse_multipart(struct fm_req *req, const char *ctype)
{
	char		 bnd[80], delim[84], name[128];
	char		*p, *end, *hend, *cd, *val, *next;
	size_t		 dlen;

	if (header_param(ctype, "boundary", bnd, sizeof(bnd)) == -1)
		return -1;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
	if (dlen >= sizeof(delim))
		return -1;
	req->fbuf = fm_xmalloc(req->bodylen + 3);
	/* A leading CRLF lets the first delimiter match like the others. */
	memcpy(req->fbuf, "\r\n", 2);
	memcpy(req->fbuf + 2, req->body, req->bodylen);
	req->fbuf[req->bodylen + 2] = '\0';
	end = req->fbuf + req->bodylen + 2;
	if ((p = (char *)fm_memmem(req->fbuf, (size_t)(end - req->fbuf),
	    delim, dlen)) == NULL)
		return -1;
	for (;;) {
		p += dlen;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;		/* close delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		if ((hend = (char *)fm_memmem(p, (size_t)(end - p),
		    "\r\n\r\n", 4)) == NULL)
			return -1;
		*hend = '\0';
		val = hend + 4;
		if ((next = (char *)fm_memmem(val, (size_t)(end - val),
		    delim, dlen)) == NULL)
			return -1;
		*next = '\0';
		for (cd = p; cd != NULL && *cd != '\0'; ) {
			if (strncasecmp(cd, "content-disposition:", 20) == 0)
				break;
			if ((cd = strstr(cd, "\r\n")) != NULL)
				cd += 2;
		}
		if (cd != NULL && *cd != '\0' &&
		    header_param(cd, "name", name, sizeof(name)) == 0) {
			if (req->nform == FM_MAX_PARAMS)
				return -1;
			/* The name is copied over the part's own header. */
			memcpy(p, name, strlen(name) + 1);
			req->form[req->nform].name = p;
			req->form[req->nform].value = val;
			req->form[req->nform].vlen = (size_t)(next - val);
			req->nform++;
		}
		p = next;
	}
}

/*
 * A JSON object body (D: Graph takes parameters as JSON too): its
 * string, integer and boolean members become body fields, and arrays
 * and objects (user_tags, collaborators) their compact JSON text, as
 * the same parameter reads in a query string.
 */
static int
parse_json_body(struct fm_req *req)
{
	json_t		*j, *v;
	const char	*k;
	char		*s;
	struct fm_buf	 b;
	size_t		 off[FM_MAX_PARAMS][2], i;
	json_error_t	 jerr;
	int		 rc = 0;

	if ((j = json_loadb(req->body, req->bodylen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return -1;
	if (!json_is_object(j) || json_object_size(j) > FM_MAX_PARAMS) {
		json_decref(j);
		return -1;
	}
	fm_buf_init(&b, FM_MAX_BODY * 2);
	json_object_foreach(j, k, v) {
		off[req->nform][0] = b.len;
		if (fm_buf_add(&b, k, strlen(k) + 1) == -1)
			rc = -1;
		off[req->nform][1] = b.len;
		if (json_is_string(v))
			rc |= fm_buf_add(&b, json_string_value(v),
			    json_string_length(v));
		else if (json_is_integer(v))
			rc |= fm_buf_addf(&b, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else if (json_is_boolean(v))
			rc |= fm_buf_adds(&b, json_is_true(v) ? "true" :
			    "false");
		else if (json_is_array(v) || json_is_object(v)) {
			if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
				rc = -1;
			else
				rc |= fm_buf_adds(&b, s);
			free(s);
		} else
			continue;	/* null and reals are not parameters */
		rc |= fm_buf_add(&b, "", 1);
		req->form[req->nform].vlen = b.len - 1 - off[req->nform][1];
		req->nform++;
	}
	json_decref(j);
	if (rc != 0 || (req->fbuf = fm_buf_steal(&b)) == NULL) {
		fm_buf_free(&b);
		req->nform = 0;
		return -1;
	}
	/* Pointers are set only now: the buffer moved while growing. */
	for (i = 0; i < req->nform; i++) {
		req->form[i].name = req->fbuf + off[i][0];
		req->form[i].value = req->fbuf + off[i][1];
	}
	return 0;
}

static int
parse_body_fields(struct fm_req *req)
{
	const char	*ct;

	if (req->bodylen == 0 || (ct = fm_header(req, "content-type")) ==
	    NULL)
		return 0;
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		req->fbuf = fm_xmalloc(req->bodylen + 1);
		memcpy(req->fbuf, req->body, req->bodylen + 1);
		return parse_pairs(req->fbuf, req->bodylen, req->form,
		    &req->nform);
	}
	if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		return parse_multipart(req, ct);
	if (strncasecmp(ct, "application/json", 16) == 0)
		return parse_json_body(req);
	return 0;
}

/* Does comma-separated header value h contain token tok? */
static int
has_token(const char *h, const char *tok)
{
	size_t	 n = strlen(tok), k;

	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ',' || *h == '\t')
			h++;
		k = strcspn(h, ", \t");
		if (k == n && strncasecmp(h, tok, n) == 0)
			return 1;
		h += k;
	}
	return 0;
}

/* Request line and header fields of the head copied into req->head. */
static int
parse_head(struct fm_req *req)
{
	char	*line, *next, *sp, *colon, *v, *e, *ws;
	int	 v11;

	line = req->head;
	if ((next = strstr(line, "\r\n")) == NULL)
		return -1;
	*next = '\0';
	next += 2;
	if ((sp = strchr(line, ' ')) == NULL ||
	    (size_t)(sp - line) >= sizeof(req->method) || sp == line)
		return -1;
	memcpy(req->method, line, (size_t)(sp - line));
	req->method[sp - line] = '\0';
	line = sp + 1;
	if ((sp = strchr(line, ' ')) == NULL || *line != '/')
		return -1;
	*sp = '\0';
	if (strcmp(sp + 1, "HTTP/1.1") == 0)
		v11 = 1;
	else if (strcmp(sp + 1, "HTTP/1.0") == 0)
		v11 = 0;
	else
		return -1;
	req->target = fm_xstrdup(line);

	while (*next != '\0') {
		line = next;
		if ((next = strstr(line, "\r\n")) == NULL)
			return -1;
		*next = '\0';
		next += 2;
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    req->nhdr == FM_MAX_HEADERS)
			return -1;
		/* No space before the colon, no obsolete line folding. */
		if ((ws = strpbrk(line, " \t")) != NULL && ws < colon)
			return -1;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			continue;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
		    e[-1] == '\t'); e--)
			continue;
		*e = '\0';
		req->hdr[req->nhdr].name = line;
		req->hdr[req->nhdr].value = v;
		req->hdr[req->nhdr].vlen = (size_t)(e - v);
		req->nhdr++;
	}
	req->keepalive = v11 ?
	    !has_token(fm_header(req, "connection"), "close") :
	    has_token(fm_header(req, "connection"), "keep-alive");
	return 0;
}

static void
fail(struct fm_resp *resp, int status, const char *msg)
{
	fm_resp_json(resp, status, json_pack("{s:s}", "error", msg), 0);
	resp->close = 1;
}

/*
 * Read and parse one request.  Returns 1 to route it, 2 when resp
 * already holds an error to send before closing, 0 to close silently.
 */
static int
read_request(struct conn *c, struct fm_req *req, struct fm_resp *resp)
{
	const char	*te, *cl, *q, *e;
	size_t		 scanned = 0, hlen;
	long long	 len = 0;
	int		 rc;

	for (;;) {
		while (c->w - c->r >= 2 && c->buf[c->r] == '\r' &&
		    c->buf[c->r + 1] == '\n' && scanned == 0)
			c->r += 2;	/* stray CRLF between requests */
		if ((e = fm_memmem(c->buf + c->r + scanned,
		    c->w - c->r - scanned, "\r\n\r\n", 4)) != NULL)
			break;
		scanned = c->w - c->r > 3 ? c->w - c->r - 3 : 0;
		if (c->w - c->r >= sizeof(c->buf)) {
			fail(resp, 431, "request header too large");
			return 2;
		}
		if (fill(c) <= 0)
			return 0;
	}
	hlen = (size_t)(e + 4 - (c->buf + c->r));
	req->head = fm_xmalloc(hlen + 1);
	memcpy(req->head, c->buf + c->r, hlen);
	req->head[hlen] = '\0';
	c->r += hlen;
	if (parse_head(req) == -1) {
		fail(resp, 400, "malformed request head");
		return 2;
	}

	te = fm_header(req, "transfer-encoding");
	cl = fm_header(req, "content-length");
	if (te != NULL && (cl != NULL || !has_token(te, "chunked"))) {
		fail(resp, 400, "unsupported transfer-encoding");
		return 2;
	}
	if (cl != NULL && fm_parse_ll(cl, 0, 1LL << 40, &len) == -1) {
		fail(resp, 400, "bad content-length");
		return 2;
	}
	if (len > FM_MAX_BODY) {
		fail(resp, 413, "request body too large");
		return 2;
	}
	/* curl waits for this before sending larger bodies. */
	if ((te != NULL || (size_t)len > c->w - c->r) &&
	    has_token(fm_header(req, "expect"), "100-continue") &&
	    SSL_write(c->ssl, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 25)
		return 0;
	if (te != NULL) {
		if ((rc = read_chunked(c, req)) == -2) {
			fail(resp, 413, "request body too large");
			return 2;
		} else if (rc == -1)
			return 0;
	} else {
		req->bodylen = (size_t)len;
		req->body = fm_xmalloc(req->bodylen + 1);
		if (read_exact(c, req->body, req->bodylen) == -1)
			return 0;
		req->body[req->bodylen] = '\0';
	}

	q = strchr(req->target, '?');
	req->path = fm_xmalloc(q == NULL ? strlen(req->target) + 1 :
	    (size_t)(q - req->target) + 1);
	if (q == NULL)
		memcpy(req->path, req->target, strlen(req->target) + 1);
	else {
		memcpy(req->path, req->target, (size_t)(q - req->target));
		req->path[q - req->target] = '\0';
		req->qbuf = fm_xstrdup(q + 1);
		if (parse_pairs(req->qbuf, strlen(req->qbuf), req->query,
		    &req->nquery) == -1) {
			fail(resp, 400, "too many query parameters");
			return 2;
		}
	}
	if (parse_body_fields(req) == -1) {
		/* Meta would answer a Graph error; fields simply miss. */
		req->nform = 0;
	}
	return 1;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

static int
write_all(struct conn *c, const char *p, size_t n)
{
	int	 k;

	while (n > 0) {
		k = SSL_write(c->ssl, p, (int)(n > 1 << 20 ? 1 << 20 : n));
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
write_response(struct conn *c, const struct fm_req *req,
    struct fm_resp *resp, int keep)
{
	struct fm_buf	 h;
	char		 date[64];
	int		 rc;

	if (resp->status == 0)
		fm_resp_text(resp, 500, "text/plain", "no response\n");
	fm_fmt_http_date(time(NULL), date, sizeof(date));
	fm_buf_init(&h, FM_MAX_HEAD + ONE_WRITE_MAX);
	rc = fm_buf_addf(&h, "HTTP/1.1 %d %s\r\nDate: %s\r\n",
	    resp->status, reason(resp->status), date);
	if (resp->ctype != NULL)
		rc |= fm_buf_addf(&h, "Content-Type: %s\r\n", resp->ctype);
	rc |= fm_buf_addf(&h, "Content-Length: %zu\r\n", resp->bodylen);
	if (resp->hdrs.len > 0)
		rc |= fm_buf_add(&h, resp->hdrs.p, resp->hdrs.len);
	rc |= fm_buf_adds(&h, keep ? "Connection: keep-alive\r\n\r\n" :
	    "Connection: close\r\n\r\n");
	if (rc == 0 && resp->bodylen <= ONE_WRITE_MAX) {
		rc = fm_buf_add(&h, resp->body, resp->bodylen);
		rc |= write_all(c, h.p, h.len);
	} else if (rc == 0) {
		rc = write_all(c, h.p, h.len);
		if (rc == 0)
			rc = write_all(c, resp->body, resp->bodylen);
	}
	fm_buf_free(&h);
	if (fm_cfg->verbose)
		fprintf(stderr, "fakemeta: %s %s %d\n", req->method,
		    req->path != NULL ? req->path : "-", resp->status);
	return rc == 0 ? 0 : -1;
}

/*
 * The "hang" fault: never answer, and keep reading until the client
 * gives up and closes (or the fake stops), like a black hole would.
 */
static void
hang(struct conn *c)
{
	char	 scratch[4096];
	int	 n;

	for (;;) {
		n = SSL_read(c->ssl, scratch, sizeof(scratch));
		if (n > 0)
			continue;
		if (SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ &&
		    !fm_stopping())
			continue;	/* SO_RCVTIMEO expired: keep hanging */
		return;
	}
}

static void *
conn_main(void *arg)
{
	struct conn	*c = arg;
	struct fm_req	 req;
	struct fm_resp	 resp;
	int		 rc, keep, one = 1;
	struct timeval	 tv = { IDLE_SECS, 0 };

	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_accept(c->ssl) != 1)
		goto out;
	for (keep = 1; keep; ) {
		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		fm_buf_init(&resp.hdrs, FM_MAX_HEAD);
		rc = read_request(c, &req, &resp);
		if (rc == 1)
			fm_route_handle(&req, &resp);
		if (rc == 0)
			keep = 0;
		else if (resp.hang) {
			hang(c);
			keep = 0;
		} else if (resp.drop)
			keep = 0;
		else {
			keep = req.keepalive && !resp.close && !fm_stopping();
			if (write_response(c, &req, &resp, keep) == -1)
				keep = 0;
		}
		req_free(&req);
		resp_free(&resp);
	}
	(void)SSL_shutdown(c->ssl);
out:
	ERR_clear_error();
	SSL_free(c->ssl);
	unregister(c);
	close(c->fd);
	free(c);
	return NULL;
}

/* Serve accepted socket fd on a new thread.  Takes fd; 0 or -1. */
int
fm_http_spawn(int fd)
{
	struct conn	*c;
	pthread_attr_t	 attr;
	pthread_t	 t;
	int		 rc;

	c = fm_xcalloc(1, sizeof(*c));
	c->fd = fd;
	pthread_mutex_lock(&mu);
	c->next = live;
	if (live != NULL)
		live->prev = c;
	live = c;
	nlive++;
	pthread_mutex_unlock(&mu);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	rc = pthread_create(&t, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		unregister(c);
		close(fd);
		free(c);
		return -1;
	}
	return 0;
}
