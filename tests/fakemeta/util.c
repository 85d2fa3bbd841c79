/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: small helpers with no state of their own: capped buffers,
 * randomness (RAND_bytes only), percent-encoding, hashes and the time
 * formats Meta uses in its messages and headers.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "fakemeta.h"

void *
fm_xmalloc(size_t n)
{
	void	*p;

	/* Running out of memory in a test fake is not worth surviving. */
	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		fputs("fakemeta: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *
fm_xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL) {
		fputs("fakemeta: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *
fm_xstrdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p = fm_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

void
fm_buf_init(struct fm_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

/* Make room for n more bytes (plus the NUL) within the cap: 0 or -1. */
int
fm_buf_reserve(struct fm_buf *b, size_t n)
{
	size_t	 need, ncap;
	char	*np;

	if (n > b->max || b->len > b->max - n)
		return -1;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 256 ? 256 : b->cap;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return -1;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
fm_buf_add(struct fm_buf *b, const void *p, size_t n)
{
	if (fm_buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
fm_buf_adds(struct fm_buf *b, const char *s)
{
	return fm_buf_add(b, s, strlen(s));
}

int
fm_buf_addf(struct fm_buf *b, const char *fmt, ...)
{
	char	 tmp[512];
	va_list	 ap;
	int	 n;

	/* Only short, locally built lines go through here. */
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return fm_buf_add(b, tmp, (size_t)n);
}

/*
 * Format a message for a reply.  Messages echo bounded pieces of input;
 * if one still does not fit, it ends in "..." so the cut is visible.
 */
void
fm_msgf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	else if ((size_t)n >= sz && sz >= 4)
		memcpy(buf + sz - 4, "...", 4);
}

/* Decimal text of an id into buf (FM_IDLEN fits any long long). */
const char *
fm_idstr(long long v, char buf[FM_IDLEN])
{
	if (snprintf(buf, FM_IDLEN, "%lld", v) >= FM_IDLEN)
		abort();	/* cannot happen: 20 digits and a sign */
	return buf;
}

/* Hand the contents to the caller (owned, NUL-terminated) and reset. */
char *
fm_buf_steal(struct fm_buf *b)
{
	char	*p;

	if (b->p == NULL && fm_buf_add(b, "", 0) == -1)
		return NULL;
	p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
fm_buf_free(struct fm_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
fm_rand(void *p, size_t n)
{
	if (n > INT_MAX || RAND_bytes(p, (int)n) != 1) {
		fputs("fakemeta: RAND_bytes failed\n", stderr);
		abort();
	}
}

/*
 * n random characters from [A-Za-z0-9] plus a NUL: the alphabet of real
 * Instagram and Facebook tokens.  Rejection sampling keeps it uniform.
 */
void
fm_rand_alnum(char *out, size_t n)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char		 r[64];
	size_t			 i = 0, j;

	while (i < n) {
		fm_rand(r, sizeof(r));
		for (j = 0; j < sizeof(r) && i < n; j++)
			if (r[j] < 248)		/* 248 = 4 * 62 */
				out[i++] = al[r[j] % 62];
	}
	out[n] = '\0';
}

/* n random base64url characters plus a NUL (authorization codes). */
void
fm_rand_b64url(char *out, size_t n)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		 r[64];
	size_t			 i = 0, j;

	while (i < n) {
		fm_rand(r, sizeof(r));
		for (j = 0; j < sizeof(r) && i < n; j++)
			out[i++] = al[r[j] & 63];
	}
	out[n] = '\0';
}

/* Uniform-enough integer in [lo, hi]; only used to vary lifetimes. */
long
fm_rand_range(long lo, long hi)
{
	uint32_t	 r;

	fm_rand(&r, sizeof(r));
	return lo + (long)(r % (uint32_t)(hi - lo + 1));
}

/* fbtrace_id values look like "A7OjVVCXwSdfpIERKqntSKo" (23 chars). */
void
fm_fbtrace(char *out, size_t sz)
{
	size_t	 n = sz - 1 < 23 ? sz - 1 : 23;

	fm_rand_alnum(out, n);
	out[0] = 'A';
}

/*
 * Append s percent-encoded for a query component: everything but the
 * RFC 3986 unreserved set is encoded, so state values come back to the
 * client exactly as sent.
 */
int
fm_pct_encode(struct fm_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (fm_buf_add(b, s, 1) == -1)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (fm_buf_add(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

/*
 * Append n bytes of s escaped for HTML text and quoted attribute
 * values: the consent page echoes the request's parameters.
 */
int
fm_html_escape(struct fm_buf *b, const char *s, size_t n)
{
	const char	*e;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		switch (s[i]) {
		case '&':	e = "&amp;"; break;
		case '<':	e = "&lt;"; break;
		case '>':	e = "&gt;"; break;
		case '"':	e = "&quot;"; break;
		case '\'':	e = "&#39;"; break;
		default:	e = NULL; break;
		}
		rc = e != NULL ? fm_buf_adds(b, e) : fm_buf_add(b, s + i, 1);
	}
	return rc;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode n bytes of s in place (output is never longer), turning '+'
 * into a space when plus is set (form and query encoding).  Malformed
 * escapes are kept literally, as lenient servers do.  Returns the new
 * length; s is NUL-terminated there.
 */
size_t
fm_pct_decode(char *s, size_t n, int plus)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) != -1 &&
		    (lo = hexval(s[i + 2])) != -1) {
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+')
			s[o++] = ' ';
		else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* First 16 hex digits of SHA-256(s): how stats name tokens. */
void
fm_sha256_hex16(const char *s, char out[17])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 i;

	SHA256((const unsigned char *)s, strlen(s), md);
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
}

/* appsecret_proof = lowercase hex HMAC-SHA256(key, msg) (C.4). */
void
fm_hmac_hex(const char *key, const char *msg, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)msg, strlen(msg), md, &mdlen) == NULL ||
	    mdlen != 32) {
		fputs("fakemeta: HMAC failed\n", stderr);
		abort();
	}
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* Whole-string decimal integer in [min, max]: 0, else -1. */
int
fm_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Day of the month of the k-th (1-based) Sunday of month m (0-11). */
static int
nth_sunday(int year, int m, int k)
{
	struct tm	 tm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year;
	tm.tm_mon = m;
	tm.tm_mday = 1;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return 1 + (7 - tm.tm_wday) % 7 + 7 * (k - 1);
}

/*
 * Meta writes expiry times in US Pacific time ("Friday, 11-Sep-20
 * 06:41:31 PDT", A.4).  The DST rule is computed here rather than read
 * from tzdata so the fake never depends on TZ or the installed zones.
 */
void
fm_fmt_pacific(time_t t, char *out, size_t sz)
{
	struct tm	 tm, b;
	time_t		 start, end, local;
	char		 day[48];
	int		 dst;

	gmtime_r(&t, &tm);
	memset(&b, 0, sizeof(b));
	b.tm_year = tm.tm_year;
	b.tm_mon = 2;
	b.tm_mday = nth_sunday(tm.tm_year, 2, 2);
	b.tm_hour = 10;			/* 02:00 PST */
	start = timegm(&b);
	b.tm_mon = 10;
	b.tm_mday = nth_sunday(tm.tm_year, 10, 1);
	b.tm_hour = 9;			/* 02:00 PDT */
	end = timegm(&b);
	dst = t >= start && t < end;
	local = t - (dst ? 7 : 8) * 3600;
	gmtime_r(&local, &tm);
	/* Two-digit year, as Meta writes it ("11-Sep-20"). */
	if (strftime(day, sizeof(day), "%A, %d-%b-", &tm) == 0 ||
	    snprintf(out, sz, "%s%02d %02d:%02d:%02d %s", day,
	    tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    dst ? "PDT" : "PST") >= (int)sz)
		out[0] = '\0';
}

/* RFC 9110 IMF-fixdate for the Date header. */
void
fm_fmt_http_date(time_t t, char *out, size_t sz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	if (strftime(out, sz, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		out[0] = '\0';
}

const void *
fm_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	const char	*h = hay, *p;

	if (nlen == 0 || hlen < nlen)
		return NULL;
	while (hlen >= nlen) {
		if ((p = memchr(h, *(const char *)needle, hlen - nlen + 1)) ==
		    NULL)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
		hlen -= (size_t)(p - h) + 1;
		h = p + 1;
	}
	return NULL;
}
