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

/*
 * Seconds of clock skew allowed on exp, nbf and iat alike: RFC 7519
 * (4.1.4, 4.1.5) lets a verifier allow "some small leeway, usually no
 * more than a few minutes"; a minute absorbs a host app's drifting
 * clock without keeping a token alive for long past its end.
 */
#define LEEWAY	60

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

/*
 * The headers signers write, as base64url: {"alg":"HS256","typ":"JWT"}
 * (ours, jose and most libraries), {"alg":"HS256"} and
 * {"typ":"JWT","alg":"HS256"}.  Known by their bytes, they need no parse.
 */
static int
common_header(const char *seg, size_t n)
{
	static const char *const known[] = {
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
		"eyJhbGciOiJIUzI1NiJ9",
		"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
	};
	size_t	i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == n && memcmp(known[i], seg, n) == 0)
			return 1;
	return 0;
}

/* The header must be exactly {"alg":"HS256"} plus an optional typ. */
static int
header_ok(const char *seg, size_t n)
{
	json_t		*h, *v;
	const char	*k;
	int		 ok = 1;

	if (common_header(seg, n))
		return 1;
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

/* The longest a caller's token may still have to live. */
static long
max_ttl(const struct ig_cfg *cfg)
{
	return cfg->jwt_max_ttl > 0 ? cfg->jwt_max_ttl : IG_JWT_MAX_TTL;
}

/* NULL if the claims are acceptable at "now", else why not. */
static const char *
claims_refused(const struct ig_cfg *cfg, json_t *c, time_t now)
{
	const json_t	*v;
	double		 t;

	/* exp is required; exp, nbf and iat all get the same leeway. */
	if ((v = json_object_get(c, "exp")) == NULL || !numeric_date(v, &t))
		return "the token has no exp claim";
	if ((double)now >= t + LEEWAY)
		return "the token has expired";
	if (t > (double)now + (double)max_ttl(cfg))
		return "the token's exp is further ahead than "
		    "IGCONNECT_JWT_MAX_TTL allows";
	if ((v = json_object_get(c, "nbf")) != NULL &&
	    (!numeric_date(v, &t) || t > (double)now + LEEWAY))
		return "the token is not valid yet (nbf)";
	if ((v = json_object_get(c, "iat")) != NULL &&
	    (!numeric_date(v, &t) || t > (double)now + LEEWAY))
		return "the token was issued in the future (iat)";
	if (cfg->jwt_issuer != NULL &&
	    ((v = json_object_get(c, "iss")) == NULL || !json_is_string(v) ||
	    strcmp(json_string_value(v), cfg->jwt_issuer) != 0))
		return "the token's issuer (iss) is not the one configured";
	if (cfg->jwt_audience != NULL &&
	    ((v = json_object_get(c, "aud")) == NULL ||
	    !aud_ok(v, cfg->jwt_audience)))
		return "the token's audience (aud) is not the one configured";
	return NULL;
}

/* NULL if the token is signed by us and well formed, else why not. */
static const char *
signature_refused(const struct ig_cfg *cfg, const char *jwt,
    const char **d1, const char **d2)
{
	unsigned char	mac[32], sig[33];
	size_t		n = strlen(jwt), siglen;

	if (cfg->jwt_secret == NULL)
		return "JWT_SECRET is not configured";
	if (n == 0 || n > IG_MAX_JWT || (*d1 = strchr(jwt, '.')) == NULL ||
	    (*d2 = strchr(*d1 + 1, '.')) == NULL || strchr(*d2 + 1, '.') != NULL)
		return "the token is not a JWT (three base64url parts)";
	if (!header_ok(jwt, (size_t)(*d1 - jwt)))
		return "the token's header must be {\"alg\":\"HS256\"} (with "
		    "an optional \"typ\":\"JWT\")";
	if (ig_b64url_dec(sig, sizeof(sig), &siglen, *d2 + 1,
	    strlen(*d2 + 1)) != IG_OK || siglen != 32 ||
	    ig_hmac_sha256(cfg->jwt_secret, cfg->jwt_secret_len, jwt,
	    (size_t)(*d2 - jwt), mac) != IG_OK || !ig_ct_equal(mac, sig, 32))
		return "the token's signature does not verify";
	return NULL;
}

enum ig_err
ig_jwt_verify(const struct ig_cfg *cfg, const char *jwt, time_t now,
    char *sub, size_t subsz, const char **why)
{
	const char	*d1, *d2, *s, *no;
	json_t		*claims, *v;

	if ((no = signature_refused(cfg, jwt, &d1, &d2)) == NULL) {
		if ((claims = decode_object(d1 + 1,
		    (size_t)(d2 - d1 - 1))) == NULL)
			no = "the token's payload is not a JSON object";
		else if ((no = claims_refused(cfg, claims, now)) == NULL) {
			v = json_object_get(claims, "sub");
			if ((s = json_string_value(v)) == NULL ||
			    !ig_valid_user_id(s, strlen(s)) ||
			    strlen(s) >= subsz)
				no = "the token's sub is missing or not a user "
				    "id we accept";
			else
				memcpy(sub, s, strlen(s) + 1);
		}
		json_decref(claims);
	}
	if (why != NULL)
		*why = no;
	return no == NULL ? IG_OK : IG_EAUTH;
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
	    ttl < 1 || ttl > max_ttl(cfg))
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
