/* SPDX-License-Identifier: ISC */
/*
 * jwt.c: HS256 JSON Web Tokens (RFC 7519), how callers authenticate.
 * Written here rather than with libjwt because the rules we need are
 * stricter than Debian's libjwt 1.10 offers: the
 * algorithm is pinned and never read from the token, unknown header
 * members (crit, kid, jku, jwk, x5u) are refused, duplicate names are
 * refused, and the MAC is checked before a single claim is parsed.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"

#define LEEWAY	60	/* seconds of clock skew allowed for iat and nbf */

static json_t *
decode_object(const char *seg, size_t n)
{
	unsigned char	 buf[IG_MAX_JWT];
	size_t		 len;
	json_t		*o;

	if (ig_b64url_dec(buf, sizeof(buf), &len, seg, n) != IG_OK)
		return NULL;
	o = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The header must be exactly {"alg":"HS256"} plus an optional typ. */
static int
header_ok(const char *seg, size_t n)
{
	json_t		*h, *v;
	const char	*k;
	int		 ok = 1;

	if ((h = decode_object(seg, n)) == NULL)
		return 0;
	json_object_foreach(h, k, v) {
		if (strcmp(k, "alg") == 0)
			ok &= json_is_string(v) &&
			    strcmp(json_string_value(v), "HS256") == 0;
		else if (strcmp(k, "typ") == 0)
			ok &= json_is_string(v) &&
			    strcmp(json_string_value(v), "JWT") == 0;
		else
			ok = 0;
	}
	ok &= json_object_get(h, "alg") != NULL;
	json_decref(h);
	return ok;
}

static int
numeric_date(const json_t *v, double *t)
{
	if (json_is_integer(v))
		*t = (double)json_integer_value(v);
	else if (json_is_real(v))
		*t = json_real_value(v);
	else
		return 0;
	return 1;
}

static int
aud_ok(const json_t *aud, const char *want)
{
	size_t		 i;
	const json_t	*v;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return 1;
	return 0;
}

static int
claims_ok(const struct ig_cfg *cfg, json_t *c, time_t now)
{
	const json_t	*v;
	double		 t;

	/* exp is required and strict; nbf and iat get a little leeway. */
	if ((v = json_object_get(c, "exp")) == NULL || !numeric_date(v, &t) ||
	    (double)now >= t)
		return 0;
	if ((v = json_object_get(c, "nbf")) != NULL &&
	    (!numeric_date(v, &t) || t > (double)now + LEEWAY))
		return 0;
	if ((v = json_object_get(c, "iat")) != NULL &&
	    (!numeric_date(v, &t) || t > (double)now + LEEWAY))
		return 0;
	if (cfg->jwt_issuer != NULL &&
	    ((v = json_object_get(c, "iss")) == NULL || !json_is_string(v) ||
	    strcmp(json_string_value(v), cfg->jwt_issuer) != 0))
		return 0;
	if (cfg->jwt_audience != NULL &&
	    ((v = json_object_get(c, "aud")) == NULL ||
	    !aud_ok(v, cfg->jwt_audience)))
		return 0;
	return 1;
}

enum ig_err
ig_jwt_verify(const struct ig_cfg *cfg, const char *jwt, time_t now,
    char *sub, size_t subsz)
{
	const char	*d1, *d2, *s;
	unsigned char	 mac[32], sig[33];
	size_t		 n = strlen(jwt), siglen;
	json_t		*claims, *v;
	enum ig_err	 er = IG_EAUTH;

	if (cfg->jwt_secret == NULL || n == 0 || n > IG_MAX_JWT)
		return IG_EAUTH;
	if ((d1 = strchr(jwt, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return IG_EAUTH;
	if (!header_ok(jwt, (size_t)(d1 - jwt)))
		return IG_EAUTH;
	if (ig_b64url_dec(sig, sizeof(sig), &siglen, d2 + 1,
	    strlen(d2 + 1)) != IG_OK || siglen != 32)
		return IG_EAUTH;
	if (ig_hmac_sha256(cfg->jwt_secret, cfg->jwt_secret_len, jwt,
	    (size_t)(d2 - jwt), mac) != IG_OK || !ig_ct_equal(mac, sig, 32))
		return IG_EAUTH;
	if ((claims = decode_object(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		return IG_EAUTH;
	if (claims_ok(cfg, claims, now) &&
	    (v = json_object_get(claims, "sub")) != NULL &&
	    json_is_string(v) && (s = json_string_value(v)) != NULL &&
	    ig_valid_user_id(s, strlen(s)) && strlen(s) < subsz) {
		memcpy(sub, s, strlen(s) + 1);
		er = IG_OK;
	}
	json_decref(claims);
	return er;
}

static char *
b64url_dup(const void *p, size_t n)
{
	char	*s;

	if ((s = ig_malloc(ig_b64url_len(n) + 1)) != NULL)
		ig_b64url_enc(s, p, n);
	return s;
}

enum ig_err
ig_jwt_sign(const struct ig_cfg *cfg, json_t *claims, char **jwt)
{
	static const char	 hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char			*payload = NULL, *h = NULL, *p = NULL;
	unsigned char		 mac[32];
	struct ig_buf		 b;
	enum ig_err		 er = IG_ENOMEM;

	*jwt = NULL;
	ig_buf_init(&b, IG_MAX_JWT);
	if (cfg->jwt_secret == NULL)
		return IG_EAUTH;
	if ((payload = json_dumps(claims, JSON_COMPACT)) == NULL ||
	    (h = b64url_dup(hdr, strlen(hdr))) == NULL ||
	    (p = b64url_dup(payload, strlen(payload))) == NULL)
		goto out;
	if ((er = ig_buf_adds(&b, h)) != IG_OK ||
	    (er = ig_buf_adds(&b, ".")) != IG_OK ||
	    (er = ig_buf_adds(&b, p)) != IG_OK)
		goto out;
	if ((er = ig_hmac_sha256(cfg->jwt_secret, cfg->jwt_secret_len,
	    b.data, b.len, mac)) != IG_OK)
		goto out;
	free(p);
	if ((p = b64url_dup(mac, sizeof(mac))) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	if ((er = ig_buf_adds(&b, ".")) != IG_OK ||
	    (er = ig_buf_adds(&b, p)) != IG_OK)
		goto out;
	*jwt = b.data;
	b.data = NULL;
out:
	ig_buf_free(&b);
	free(payload);
	free(h);
	free(p);
	return er;
}

/*
 * The claims a host app puts in a caller's token: who, when, until when,
 * and the issuer and audience the programs check when they are set.
 */
enum ig_err
ig_jwt_mint(const struct ig_cfg *cfg, const char *sub, long ttl, time_t now,
    char **jwt)
{
	json_t		*claims;
	enum ig_err	 er = IG_ENOMEM;

	*jwt = NULL;
	if (*sub == '\0' || !ig_valid_user_id(sub, strlen(sub)) ||
	    ttl < 1 || ttl > IG_MAX_JWT_TTL)
		return IG_EINPUT;
	if ((claims = json_pack("{s:s, s:I, s:I}", "sub", sub,
	    "iat", (json_int_t)now, "exp", (json_int_t)now + ttl)) == NULL)
		return IG_ENOMEM;
	if ((cfg->jwt_issuer == NULL || json_object_set_new(claims, "iss",
	    json_string(cfg->jwt_issuer)) == 0) &&
	    (cfg->jwt_audience == NULL || json_object_set_new(claims, "aud",
	    json_string(cfg->jwt_audience)) == 0))
		er = ig_jwt_sign(cfg, claims, jwt);
	json_decref(claims);
	return er;
}
