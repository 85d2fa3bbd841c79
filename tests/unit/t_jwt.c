/* SPDX-License-Identifier: ISC */
/*
 * t_jwt.c: unit tests of core/jwt.c.  Tokens come from ig_jwt_sign() and
 * from craft(), which signs any header and payload text we like with
 * HS256, so that a rejection is always about the rule under test and
 * never about a wrong signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"

#include "../lib/check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1750000000)
#define HS256		"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static const char	secret[] = "CANARY_JWTKEY_0123456789abcdefghijklmnop";
static const char	other[] = "CANARY_JWTKEY_0123456789abcdefghijklmnoq";

static void
mkcfg(struct ig_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->jwt_secret = (char *)(uintptr_t)secret;
	c->jwt_secret_len = sizeof(secret) - 1;
}

/* base64url of "s" appended to "out" (which must have room). */
static void
enc_cat(char *out, const char *s)
{
	ig_b64url_enc(out + strlen(out), (const unsigned char *)s,
	    strlen(s));
}

/*
 * "hseg.pseg.sig" with the segments given as they are (already encoded)
 * and sig the HS256 MAC of "hseg.pseg" under "key".  New string.
 */
static char *
sign_segs(const char *hseg, const char *pseg, const char *key)
{
	unsigned char	 mac[32];
	char		*t;
	size_t		 n;

	n = strlen(hseg) + strlen(pseg) + 64;
	if ((t = malloc(n)) == NULL)
		return NULL;
	(void)snprintf(t, n, "%s.%s", hseg, pseg);
	if (ig_hmac_sha256(key, strlen(key), t, strlen(t), mac) != IG_OK) {
		free(t);
		return NULL;
	}
	(void)strcat(t, ".");
	ig_b64url_enc(t + strlen(t), mac, sizeof(mac));
	return t;
}

/* A token of header and payload JSON text, signed with "key".  New. */
static char *
craft_key(const char *hdr, const char *payload, const char *key)
{
	char	*h, *p, *t = NULL;

	h = calloc(1, ig_b64url_len(strlen(hdr)) + 1);
	p = calloc(1, ig_b64url_len(strlen(payload)) + 1);
	if (h != NULL && p != NULL) {
		enc_cat(h, hdr);
		enc_cat(p, payload);
		t = sign_segs(h, p, key);
	}
	free(h);
	free(p);
	return t;
}

static char *
craft(const char *hdr, const char *payload)
{
	return craft_key(hdr, payload, secret);
}

/* Verify "tok" (which may be NULL: a setup failure) with "c". */
static enum ig_err
verify(const struct ig_cfg *c, const char *tok, char *sub, size_t subsz)
{
	if (!CHECK(tok != NULL))
		return IG_ENOMEM;
	return ig_jwt_verify(c, tok, NOW, sub, subsz, NULL);
}

/* Verify a crafted token; 1 if the result is "want". */
static int
crafted_is(const struct ig_cfg *c, const char *hdr, const char *payload,
    enum ig_err want)
{
	char		*t, sub[256];
	enum ig_err	 er;

	t = craft(hdr, payload);
	er = verify(c, t, sub, sizeof(sub));
	free(t);
	return er == want;
}

static void
t_valid(void)
{
	struct ig_cfg	 c;
	json_t		*claims;
	char		*t = NULL, sub[64];

	mkcfg(&c);
	claims = json_pack("{s:s, s:I}", "sub", "user-1",
	    "exp", (json_int_t)NOW + 300);
	CHECK(claims != NULL);
	if (claims != NULL)
		CHECK(ig_jwt_sign(&c, claims, &t) == IG_OK);
	json_decref(claims);
	memset(sub, '#', sizeof(sub));
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strcmp(sub, "user-1") == 0);
	free(t);

	/* Crafted, with and without "typ". */
	t = craft(HS256, "{\"sub\":\"u@example.com\",\"exp\":1750000300}");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strcmp(sub, "u@example.com") == 0);
	free(t);
	t = craft("{\"alg\":\"HS256\"}",
	    "{\"sub\":\"a.b_c:d|e-f@g\",\"exp\":1750000001}");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strcmp(sub, "a.b_c:d|e-f@g") == 0);
	free(t);
	t = craft("{\"typ\":\"JWT\",\"alg\":\"HS256\"}",
	    "{\"exp\":1750000001,\"sub\":\"x\",\"extra\":{\"a\":[1,2]}}");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strcmp(sub, "x") == 0);
	free(t);
	/* Spelled otherwise than the common headers: parsed, the same. */
	t = craft("{ \"alg\": \"HS256\", \"typ\": \"JWT\" }",
	    "{\"sub\":\"y\",\"exp\":1750000001}");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strcmp(sub, "y") == 0);
	free(t);
}

/* What ig_jwt_sign() writes: our header, compact claims, the HMAC. */
static void
t_sign_format(void)
{
	struct ig_cfg	 c;
	json_t		*claims;
	char		*t = NULL, *want;

	mkcfg(&c);
	claims = json_pack("{s:s, s:I}", "sub", "u1", "exp",
	    (json_int_t)1750000300);
	if (!CHECK(claims != NULL))
		return;
	CHECK(ig_jwt_sign(&c, claims, &t) == IG_OK);
	json_decref(claims);
	want = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	CHECK(t != NULL && want != NULL && strcmp(t, want) == 0);
	CHECK(t != NULL && strncmp(t,
	    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
	free(t);
	free(want);

	/* Without a secret nothing is signed. */
	c.jwt_secret = NULL;
	c.jwt_secret_len = 0;
	claims = json_pack("{s:s}", "sub", "u1");
	t = (char *)(uintptr_t)"not touched";
	CHECK(claims != NULL && ig_jwt_sign(&c, claims, &t) == IG_EAUTH);
	CHECK(t == NULL);
	json_decref(claims);
}

static void
t_alg(void)
{
	static const char *const hdrs[] = {
		"{\"alg\":\"none\"}",
		"{\"alg\":\"None\"}",
		"{\"alg\":\"NONE\"}",
		"{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS384\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
		"{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
		"{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS256 \",\"typ\":\"JWT\"}",
		"{\"alg\":\"\",\"typ\":\"JWT\"}",
		"{\"typ\":\"JWT\"}",
		"{}",
		"{\"alg\":256}",
		"{\"alg\":null}",
		"{\"alg\":[\"HS256\"]}",
		"{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
		"{\"alg\":\"HS256\",\"alg\":\"none\"}",
		"[\"HS256\"]",
		"\"HS256\"",
		"",
		"not json",
	};
	static const char	payload[] =
	    "{\"sub\":\"u1\",\"exp\":1750000300}";
	struct ig_cfg	 c;
	char		*h, *p, *t, tok[512], sub[64];
	size_t		 i;

	mkcfg(&c);
	for (i = 0; i < NELEM(hdrs); i++)
		if (!CHECK(crafted_is(&c, hdrs[i], payload, IG_EAUTH)))
			printf("  case %zu: %s\n", i, hdrs[i]);

	/* alg none with the empty signature an attacker would send. */
	h = calloc(1, 256);
	p = calloc(1, 256);
	if (h != NULL && p != NULL) {
		enc_cat(h, "{\"alg\":\"none\"}");
		enc_cat(p, payload);
		(void)snprintf(tok, sizeof(tok), "%s.%s.", h, p);
		CHECK(ig_jwt_verify(&c, tok, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		/* Our own header, an empty signature. */
		h[0] = '\0';
		enc_cat(h, HS256);
		(void)snprintf(tok, sizeof(tok), "%s.%s.", h, p);
		CHECK(ig_jwt_verify(&c, tok, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
	}
	free(h);
	free(p);

	/* The right header, signed with the right key, verifies. */
	t = craft(HS256, payload);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	free(t);
}

static void
t_header_members(void)
{
	static const char *const hdrs[] = {
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"1\"}",
		"{\"alg\":\"HS256\",\"kid\":\"\"}",
		"{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
		"{\"alg\":\"HS256\",\"jku\":\"https://evil.example/k\"}",
		"{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AA\"}}",
		"{\"alg\":\"HS256\",\"x5u\":\"https://evil.example/c\"}",
		"{\"alg\":\"HS256\",\"cty\":\"JWT\"}",
		"{\"alg\":\"HS256\",\"b64\":false}",
		"{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}",
		"{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
		"{\"alg\":\"HS256\",\"typ\":\"\"}",
		"{\"alg\":\"HS256\",\"typ\":null}",
		"{\"alg\":\"HS256\",\"typ\":1}",
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS256\",\"ALG\":\"none\"}",
	};
	static const char	payload[] =
	    "{\"sub\":\"u1\",\"exp\":1750000300}";
	struct ig_cfg	c;
	size_t		i;

	mkcfg(&c);
	for (i = 0; i < NELEM(hdrs); i++)
		if (!CHECK(crafted_is(&c, hdrs[i], payload, IG_EAUTH)))
			printf("  case %zu: %s\n", i, hdrs[i]);
}

/* Every character of a good token, replaced in turn, makes it fail. */
static void
t_tamper(void)
{
	struct ig_cfg	 c;
	char		*t, sub[64];
	size_t		 i, n, tried = 0, failed = 0;
	char		 keep;

	mkcfg(&c);
	t = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	if (!CHECK(t != NULL))
		return;
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	n = strlen(t);
	for (i = 0; i < n; i++) {
		if (t[i] == '.')
			continue;
		keep = t[i];
		t[i] = keep == 'A' ? 'B' : 'A';
		tried++;
		if (ig_jwt_verify(&c, t, NOW, sub, sizeof(sub), NULL) == IG_EAUTH)
			failed++;
		t[i] = keep;
	}
	CHECK(tried == n - 2);
	CHECK(failed == tried);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	free(t);
}

static void
t_signature_forms(void)
{
	struct ig_cfg	 c;
	char		*t = NULL, *u, sub[64], payload[128];
	size_t		 n, i, k;

	mkcfg(&c);

	/* Signed with another secret. */
	t = craft_key(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}", other);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);

	/* The right key but a prefix or a suffix of it. */
	t = craft_key(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}",
	    "CANARY_JWTKEY_0123456789abcdefghijklmno");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);

	/*
	 * Find a token whose signature holds '-' or '_', then present it
	 * in standard base64 ('+', '/'): refused.
	 */
	t = NULL;
	for (i = 0; i < 1000; i++) {
		(void)snprintf(payload, sizeof(payload),
		    "{\"sub\":\"u%zu\",\"exp\":1750000300}", i);
		free(t);
		if ((t = craft(HS256, payload)) == NULL)
			break;
		u = strrchr(t, '.') + 1;
		if (strpbrk(u, "-_") != NULL)
			break;
	}
	if (CHECK(t != NULL && i < 1000)) {
		CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
		for (u = strrchr(t, '.') + 1; *u != '\0'; u++)
			if (*u == '-')
				*u = '+';
			else if (*u == '_')
				*u = '/';
		CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	}
	free(t);

	/* Truncated, extended, padded, empty signatures. */
	t = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	if (!CHECK(t != NULL))
		return;
	n = strlen(t);
	if ((u = malloc(n + 8)) == NULL) {
		CHECK(u != NULL);
		free(t);
		return;
	}
	for (k = 1; k <= 43; k++) {
		memcpy(u, t, n - k);
		u[n - k] = '\0';
		CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
	}
	(void)snprintf(u, n + 8, "%sA", t);
	CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) == IG_EAUTH);
	(void)snprintf(u, n + 8, "%sAAAA", t);
	CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) == IG_EAUTH);
	(void)snprintf(u, n + 8, "%s=", t);
	CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) == IG_EAUTH);
	(void)snprintf(u, n + 8, "%s\n", t);
	CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) == IG_EAUTH);
	(void)snprintf(u, n + 8, " %s", t);
	CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) == IG_EAUTH);
	free(u);
	free(t);
}

static void
t_segments(void)
{
	static const char *const bad[] = {
		"", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d",
		"eyJhbGciOiJIUzI1NiJ9",
	};
	struct ig_cfg	 c;
	char		*t, *u, sub[64];
	size_t		 i, n;

	mkcfg(&c);
	for (i = 0; i < NELEM(bad); i++)
		if (!CHECK(ig_jwt_verify(&c, bad[i], NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH))
			printf("  case %zu\n", i);

	t = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	if (!CHECK(t != NULL))
		return;
	n = strlen(t);
	if ((u = malloc(n + 64)) != NULL) {
		/* Four segments: a good token plus one. */
		(void)snprintf(u, n + 64, "%s.", t);
		CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		(void)snprintf(u, n + 64, "%s.AAAA", t);
		CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		(void)snprintf(u, n + 64, "eyJhbGciOiJIUzI1NiJ9.%s", t);
		CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		/* Two segments: header and payload only. */
		memcpy(u, t, n + 1);
		*strrchr(u, '.') = '\0';
		CHECK(ig_jwt_verify(&c, u, NOW, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		free(u);
	}
	free(t);
}

/* '=' padding in a header or payload segment, correctly signed. */
static void
t_padding(void)
{
	struct ig_cfg	 c;
	char		*t, hseg[128], pseg[128], sub[64];

	mkcfg(&c);

	/* {"alg":"HS256"} is 15 bytes: 20 characters, no padding needed. */
	hseg[0] = '\0';
	enc_cat(hseg, "{\"alg\":\"HS256\"}");
	CHECK(strlen(hseg) == 20);
	/* 31 bytes of payload: 42 characters, padded would be 44. */
	pseg[0] = '\0';
	enc_cat(pseg, "{\"sub\":\"u123\",\"exp\":1750000300}");
	CHECK(strlen(pseg) == 42);
	t = sign_segs(hseg, pseg, secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	free(t);
	(void)strcat(pseg, "==");
	t = sign_segs(hseg, pseg, secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);

	/* A header of 16 bytes takes 22 characters; padded 24. */
	hseg[0] = '\0';
	enc_cat(hseg, "{\"alg\":\"HS256\"} ");
	CHECK(strlen(hseg) == 22);
	pseg[0] = '\0';
	enc_cat(pseg, "{\"sub\":\"u123\",\"exp\":1750000300}");
	t = sign_segs(hseg, pseg, secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	free(t);
	(void)strcat(hseg, "==");
	t = sign_segs(hseg, pseg, secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);

	/* Standard-alphabet or whitespace in a signed payload segment. */
	hseg[0] = '\0';
	enc_cat(hseg, "{\"alg\":\"HS256\"}");
	t = sign_segs(hseg, "eyJzdWIiOiJ1MSIsImV4cCI6MTc1MDAwMDMwMH0+",
	    secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);
	t = sign_segs(hseg, "eyJzdWIiOiJ1MSIsImV4cCI6MTc1MDAwMDMwMH0 ",
	    secret);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);
}

static void
t_payload_shape(void)
{
	static const char *const payloads[] = {
		"",
		"[]",
		"[{\"sub\":\"u1\",\"exp\":1750000300}]",
		"\"u1\"",
		"1750000300",
		"null",
		"{\"sub\":\"u1\",\"exp\":1750000300",
		"{\"sub\":\"u1\",\"exp\":1750000300} x",
		"{\"sub\":\"u\xff\",\"exp\":1750000300}",
		"{\"sub\":\"u\\u0000\",\"exp\":1750000300}",
	};
	struct ig_cfg	c;
	size_t		i;

	mkcfg(&c);
	for (i = 0; i < NELEM(payloads); i++)
		if (!CHECK(crafted_is(&c, HS256, payloads[i], IG_EAUTH)))
			printf("  case %zu\n", i);
}

static void
t_times(void)
{
	static const struct {
		const char	*claims;	/* after "sub":"u1", */
		enum ig_err	 want;
	} v[] = {
		{ "\"exp\":1750000300", IG_OK },
		{ "\"exp\":1750000001", IG_OK },		/* now+1 */
		/* exp gets the same 60 s of leeway as nbf and iat */
		{ "\"exp\":1750000000", IG_OK },		/* now */
		{ "\"exp\":1749999999", IG_OK },		/* now-1 */
		{ "\"exp\":1749999970", IG_OK },		/* now-30 */
		{ "\"exp\":1749999941", IG_OK },		/* now-59 */
		{ "\"exp\":1749999940", IG_EAUTH },		/* now-60 */
		{ "\"exp\":1749999939", IG_EAUTH },		/* now-61 */
		{ "\"exp\":1749996400", IG_EAUTH },		/* an hour ago */
		{ "\"exp\":0", IG_EAUTH },
		{ "\"exp\":-1", IG_EAUTH },
		{ "\"exp\":1750000000.5", IG_OK },
		{ "\"exp\":1749999940.5", IG_OK },
		{ "\"exp\":1749999939.5", IG_EAUTH },
		{ "\"exp\":1.7500003e9", IG_OK },
		{ "\"exp\":\"1750000300\"", IG_EAUTH },		/* string */
		{ "\"exp\":null", IG_EAUTH },
		{ "\"exp\":true", IG_EAUTH },
		{ "\"exp\":[1750000300]", IG_EAUTH },
		{ "\"exp\":{}", IG_EAUTH },
		{ "\"nope\":1750000300", IG_EAUTH },		/* no exp */
		{ "\"exp\":1750000300,\"exp\":1750000300", IG_EAUTH },
		{ "\"exp\":1750000300,\"nbf\":1750000120", IG_EAUTH },
		{ "\"exp\":1750000300,\"nbf\":1750000061", IG_EAUTH },
		{ "\"exp\":1750000300,\"nbf\":1750000060", IG_OK },
		{ "\"exp\":1750000300,\"nbf\":1750000030", IG_OK },
		{ "\"exp\":1750000300,\"nbf\":1749990000", IG_OK },
		{ "\"exp\":1750000300,\"nbf\":\"0\"", IG_EAUTH },
		{ "\"exp\":1750000300,\"nbf\":null", IG_EAUTH },
		{ "\"exp\":1750000300,\"iat\":1750000120", IG_EAUTH },
		{ "\"exp\":1750000300,\"iat\":1750003600", IG_EAUTH },
		{ "\"exp\":1750000300,\"iat\":1750000061", IG_EAUTH },
		{ "\"exp\":1750000300,\"iat\":1750000060", IG_OK },
		{ "\"exp\":1750000300,\"iat\":1749999900", IG_OK },
		{ "\"exp\":1750000300,\"iat\":\"1749999900\"", IG_EAUTH },
		{ "\"exp\":1750000300,\"iat\":1749999900,\"iat\":1749999900",
		    IG_EAUTH },
	};
	struct ig_cfg	c;
	char		payload[256];
	size_t		i;

	mkcfg(&c);
	for (i = 0; i < NELEM(v); i++) {
		(void)snprintf(payload, sizeof(payload),
		    "{\"sub\":\"u1\",%s}", v[i].claims);
		if (!CHECK(crafted_is(&c, HS256, payload, v[i].want)))
			printf("  case %zu: %s\n", i, payload);
	}
}

static void
t_iss_aud(void)
{
	static const struct {
		const char	*claims;	/* after "sub" and "exp" */
		enum ig_err	 want;
	} v[] = {
		{ "\"iss\":\"https://issuer.example\",\"aud\":\"igconnect\"",
		    IG_OK },
		{ "\"iss\":\"https://issuer.example\","
		    "\"aud\":[\"other\",\"igconnect\"]", IG_OK },
		{ "\"iss\":\"https://issuer.example\",\"aud\":[\"igconnect\"]",
		    IG_OK },
		{ "\"iss\":\"https://issuer.example\"", IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":\"other\"",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":\"igconnect2\"",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":\"Igconnect\"",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":[\"other\"]",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":[]", IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\",\"aud\":null",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\","
		    "\"aud\":[[\"igconnect\"]]", IG_EAUTH },
		{ "\"iss\":\"https://issuer.example\","
		    "\"aud\":\"igconnect\",\"aud\":\"igconnect\"", IG_EAUTH },
		{ "\"aud\":\"igconnect\"", IG_EAUTH },
		{ "\"iss\":\"https://evil.example\",\"aud\":\"igconnect\"",
		    IG_EAUTH },
		{ "\"iss\":\"https://issuer.example/\",\"aud\":\"igconnect\"",
		    IG_EAUTH },
		{ "\"iss\":1,\"aud\":\"igconnect\"", IG_EAUTH },
		{ "\"iss\":[\"https://issuer.example\"],\"aud\":\"igconnect\"",
		    IG_EAUTH },
	};
	struct ig_cfg	c;
	char		payload[256];
	size_t		i;

	mkcfg(&c);
	c.jwt_issuer = (char *)(uintptr_t)"https://issuer.example";
	c.jwt_audience = (char *)(uintptr_t)"igconnect";
	for (i = 0; i < NELEM(v); i++) {
		(void)snprintf(payload, sizeof(payload),
		    "{\"sub\":\"u1\",\"exp\":1750000300,%s}", v[i].claims);
		if (!CHECK(crafted_is(&c, HS256, payload, v[i].want)))
			printf("  case %zu: %s\n", i, payload);
	}

	/* Not configured: not checked. */
	mkcfg(&c);
	CHECK(crafted_is(&c, HS256, "{\"sub\":\"u1\",\"exp\":1750000300,"
	    "\"iss\":\"anyone\",\"aud\":[\"x\"]}", IG_OK));
	/* Only the issuer configured. */
	c.jwt_issuer = (char *)(uintptr_t)"https://issuer.example";
	CHECK(crafted_is(&c, HS256, "{\"sub\":\"u1\",\"exp\":1750000300,"
	    "\"iss\":\"https://issuer.example\"}", IG_OK));
	CHECK(crafted_is(&c, HS256, "{\"sub\":\"u1\",\"exp\":1750000300}",
	    IG_EAUTH));
}

static void
t_sub(void)
{
	static const struct {
		const char	*sub;		/* JSON text of the member */
		enum ig_err	 want;
	} v[] = {
		{ "\"u1\"", IG_OK },
		{ NULL, IG_EAUTH },			/* missing */
		{ "\"\"", IG_EAUTH },
		{ "123", IG_EAUTH },
		{ "null", IG_EAUTH },
		{ "true", IG_EAUTH },
		{ "[\"u1\"]", IG_EAUTH },
		{ "{\"id\":\"u1\"}", IG_EAUTH },
		/* Any text without controls: names, emails, any script. */
		{ "\"u 1\"", IG_OK },
		{ "\"O'Brien\"", IG_OK },
		{ "\"u1\\n\"", IG_EAUTH },
		{ "\"u1\\u0085\"", IG_EAUTH },
		{ "\"u1/x\"", IG_OK },
		{ "\"u\\u00e9\"", IG_OK },
		{ "\"u1\",\"sub\":\"u1\"", IG_EAUTH },	/* duplicate */
		{ "\"u1\",\"sub\":\"u2\"", IG_EAUTH },
	};
	struct ig_cfg	c;
	char		payload[256];
	size_t		i;

	mkcfg(&c);
	for (i = 0; i < NELEM(v); i++) {
		if (v[i].sub == NULL)
			(void)snprintf(payload, sizeof(payload),
			    "{\"exp\":1750000300}");
		else
			(void)snprintf(payload, sizeof(payload),
			    "{\"sub\":%s,\"exp\":1750000300}", v[i].sub);
		if (!CHECK(crafted_is(&c, HS256, payload, v[i].want)))
			printf("  case %zu: %s\n", i, payload);
	}
}

static void
t_sub_length(void)
{
	struct ig_cfg	 c;
	char		 name[IG_MAX_USER_ID + 2], payload[512], sub[256];
	char		*t;

	mkcfg(&c);
	t = craft(HS256, "{\"sub\":\"abcdef\",\"exp\":1750000300}");
	CHECK(verify(&c, t, sub, 6) == IG_EAUTH);	/* no room for NUL */
	CHECK(verify(&c, t, sub, 1) == IG_EAUTH);
	CHECK(verify(&c, t, sub, 0) == IG_EAUTH);
	memset(sub, '#', sizeof(sub));
	CHECK(verify(&c, t, sub, 7) == IG_OK);
	CHECK(strcmp(sub, "abcdef") == 0 && sub[7] == '#');
	free(t);

	/* IG_MAX_USER_ID bytes are fine, one more is not. */
	memset(name, 'a', sizeof(name));
	name[IG_MAX_USER_ID] = '\0';
	(void)snprintf(payload, sizeof(payload),
	    "{\"sub\":\"%s\",\"exp\":1750000300}", name);
	t = craft(HS256, payload);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
	CHECK(strlen(sub) == IG_MAX_USER_ID);
	free(t);
	name[IG_MAX_USER_ID] = 'a';
	name[IG_MAX_USER_ID + 1] = '\0';
	(void)snprintf(payload, sizeof(payload),
	    "{\"sub\":\"%s\",\"exp\":1750000300}", name);
	t = craft(HS256, payload);
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);
}

/* A token of exactly IG_MAX_JWT bytes verifies; one byte more does not. */
static void
t_max_length(void)
{
	struct ig_cfg	 c;
	char		*pad, *payload, *t, sub[64];
	size_t		 n, len, found = 0;

	mkcfg(&c);
	pad = malloc(IG_MAX_JWT);
	payload = malloc(IG_MAX_JWT + 64);
	if (!CHECK(pad != NULL && payload != NULL)) {
		free(pad);
		free(payload);
		return;
	}
	for (n = 2900; n < 3100; n++) {
		memset(pad, 'x', n);
		pad[n] = '\0';
		(void)snprintf(payload, IG_MAX_JWT + 64,
		    "{\"sub\":\"u1\",\"exp\":1750000300,\"pad\":\"%s\"}", pad);
		if ((t = craft(HS256, payload)) == NULL)
			break;
		len = strlen(t);
		if (len == IG_MAX_JWT) {
			found |= 1;
			CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK);
		} else if (len == IG_MAX_JWT + 1 || len == IG_MAX_JWT + 2) {
			found |= 2;
			CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
		}
		free(t);
	}
	CHECK(found == 3);
	free(pad);
	free(payload);
}

/* Sign and verify 100 random subjects. */
static void
t_roundtrip(void)
{
	static const char	 alpha[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._:|-";
	struct ig_cfg	 c;
	unsigned char	 r[IG_MAX_USER_ID + 1];
	char		 s[IG_MAX_USER_ID + 1], got[IG_MAX_USER_ID + 1];
	char		*t;
	json_t		*claims;
	size_t		 i, k, n, ok = 0;

	mkcfg(&c);
	for (i = 0; i < 100; i++) {
		if (ig_rand_bytes(r, sizeof(r)) != IG_OK)
			break;
		n = 1 + r[0] % IG_MAX_USER_ID;
		for (k = 0; k < n; k++)
			s[k] = alpha[r[k + 1] % (sizeof(alpha) - 1)];
		s[n] = '\0';
		claims = json_pack("{s:s, s:I, s:I}", "sub", s,
		    "exp", (json_int_t)NOW + 60, "iat", (json_int_t)NOW);
		t = NULL;
		if (claims != NULL && ig_jwt_sign(&c, claims, &t) == IG_OK &&
		    ig_jwt_verify(&c, t, NOW, got, sizeof(got), NULL) == IG_OK &&
		    strcmp(got, s) == 0 &&
		    ig_jwt_verify(&c, t, NOW + 120, got, sizeof(got), NULL) ==
		    IG_EAUTH)
			ok++;
		else
			printf("  failed for sub \"%s\"\n", s);
		free(t);
		json_decref(claims);
	}
	CHECK(ok == 100);
}

static void
t_no_secret(void)
{
	struct ig_cfg	 c;
	char		*t, sub[64];

	mkcfg(&c);
	t = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	c.jwt_secret = NULL;
	c.jwt_secret_len = 0;
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);
	/* A token signed with the empty key must not pass either. */
	t = craft_key(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}", "");
	CHECK(verify(&c, t, sub, sizeof(sub)) == IG_EAUTH);
	free(t);
}

/* The claims of ig_jwt_mint()'s token (new object), or NULL. */
static json_t *
claims_of(const char *t)
{
	const char	*d1, *d2;
	unsigned char	 buf[IG_MAX_JWT];
	size_t		 n;

	if ((d1 = strchr(t, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL ||
	    ig_b64url_dec(buf, sizeof(buf), &n, d1 + 1,
	    (size_t)(d2 - d1 - 1)) != IG_OK)
		return NULL;
	return json_loadb((const char *)buf, n, 0, NULL);
}

/* 1 if member "k" of "o" is the string "want". */
static int
str_is(const json_t *o, const char *k, const char *want)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL && strcmp(v, want) == 0;
}

/*
 * A minted token passes ig_jwt_verify() with the same settings, and only
 * with them: iat, exp, and iss and aud when configured.
 */
static void
t_mint(void)
{
	struct ig_cfg	 c, o;
	char		*t = NULL, sub[64];
	json_t		*j;

	mkcfg(&c);
	c.jwt_issuer = (char *)(uintptr_t)"https://issuer.example";
	c.jwt_audience = (char *)(uintptr_t)"igconnect";
	if (CHECK(ig_jwt_mint(&c, "alice@x", 3600, NOW, &t) == IG_OK)) {
		CHECK(verify(&c, t, sub, sizeof(sub)) == IG_OK &&
		    strcmp(sub, "alice@x") == 0);
		/* It lives an hour, and the minute of leeway after it. */
		CHECK(ig_jwt_verify(&c, t, NOW + 3659, sub, sizeof(sub), NULL) ==
		    IG_OK);
		CHECK(ig_jwt_verify(&c, t, NOW + 3660, sub, sizeof(sub), NULL) ==
		    IG_EAUTH);
		j = claims_of(t);
		CHECK(json_integer_value(json_object_get(j, "iat")) == NOW);
		CHECK(json_integer_value(json_object_get(j, "exp")) ==
		    NOW + 3600);
		CHECK(str_is(j, "iss", "https://issuer.example") &&
		    str_is(j, "aud", "igconnect"));
		json_decref(j);
		/* Another audience, issuer or secret refuses it. */
		o = c;
		o.jwt_audience = (char *)(uintptr_t)"other";
		CHECK(verify(&o, t, sub, sizeof(sub)) == IG_EAUTH);
		o = c;
		o.jwt_issuer = (char *)(uintptr_t)"https://other.example";
		CHECK(verify(&o, t, sub, sizeof(sub)) == IG_EAUTH);
		o = c;
		o.jwt_secret = (char *)(uintptr_t)other;
		CHECK(verify(&o, t, sub, sizeof(sub)) == IG_EAUTH);
	}
	free(t);

	/* Neither configured: neither claim. */
	mkcfg(&c);
	t = NULL;
	if (CHECK(ig_jwt_mint(&c, "u1", 1, NOW, &t) == IG_OK)) {
		j = claims_of(t);
		CHECK(j != NULL && json_object_size(j) == 3 &&
		    json_object_get(j, "iss") == NULL);
		json_decref(j);
	}
	free(t);

	t = NULL;
	CHECK(ig_jwt_mint(&c, "", 60, NOW, &t) == IG_EINPUT && t == NULL);
	CHECK(ig_jwt_mint(&c, "a\tb", 60, NOW, &t) == IG_EINPUT);
	/* No further ahead than IGCONNECT_JWT_MAX_TTL (30 days unless set). */
	CHECK(ig_jwt_mint(&c, "u1", IG_JWT_MAX_TTL + 1L, NOW, &t) ==
	    IG_EINPUT);
	c.jwt_max_ttl = 60;
	CHECK(ig_jwt_mint(&c, "u1", 61, NOW, &t) == IG_EINPUT);
	c.jwt_max_ttl = 0;
	CHECK(ig_jwt_mint(&c, "u1", 0, NOW, &t) == IG_EINPUT);
	CHECK(ig_jwt_mint(&c, "u1", IG_MAX_JWT_TTL + 1L, NOW, &t) ==
	    IG_EINPUT);
	c.jwt_secret = NULL;
	CHECK(ig_jwt_mint(&c, "u1", 60, NOW, &t) == IG_EAUTH && t == NULL);
}

/* Each refusal says which rule refused the token, never the token. */
static void
t_reasons(void)
{
	static const struct {
		const char	*payload;
		const char	*why;		/* a word of the reason */
	} v[] = {
		{ "{\"sub\":\"u1\",\"exp\":1749999939}", "expired" },
		{ "{\"sub\":\"u1\"}", "no exp" },
		/* 31 days ahead: past IGCONNECT_JWT_MAX_TTL's 30. */
		{ "{\"sub\":\"u1\",\"exp\":1752678400}", "MAX_TTL" },
		{ "{\"sub\":\"u1\",\"exp\":1750000300,\"nbf\":1750000999}",
		    "not valid yet" },
		{ "{\"sub\":\"u\\t1\",\"exp\":1750000300}", "sub" },
		{ "[1]", "not a JSON object" },
	};
	struct ig_cfg	 c;
	const char	*why;
	char		*t, sub[256];
	size_t		 i;

	mkcfg(&c);
	for (i = 0; i < NELEM(v); i++) {
		t = craft(HS256, v[i].payload);
		why = NULL;
		CHECK(ig_jwt_verify(&c, t, NOW, sub, sizeof(sub), &why) ==
		    IG_EAUTH);
		if (!CHECK(why != NULL && strstr(why, v[i].why) != NULL))
			printf("  case %zu: %s\n", i, why != NULL ? why : "-");
		free(t);
	}
	t = craft_key(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}",
	    "another secret of enough length 0123456789");
	CHECK(ig_jwt_verify(&c, t, NOW, sub, sizeof(sub), &why) == IG_EAUTH &&
	    strstr(why, "signature") != NULL);
	free(t);
	CHECK(ig_jwt_verify(&c, "a.b", NOW, sub, sizeof(sub), &why) ==
	    IG_EAUTH && strstr(why, "not a JWT") != NULL);
	t = craft(HS256, "{\"sub\":\"u1\",\"exp\":1750000300}");
	CHECK(ig_jwt_verify(&c, t, NOW, sub, sizeof(sub), &why) == IG_OK &&
	    why == NULL);
	free(t);
}

/*
 * The signature is checked before any claim is read: a token signed
 * with another key is refused for its signature even when its payload
 * would be refused anyway (not JSON, expired, no sub), so no claim of
 * an unsigned payload ever reaches the claim checks.
 */
static void
t_signature_before_claims(void)
{
	static const char *const payloads[] = {
		"not json",
		"[1]",
		"{\"sub\":\"u1\",\"exp\":1}",
		"{\"exp\":1750000300}",
		"{\"sub\":\"u1\",\"exp\":1750000300,\"nbf\":1760000000}",
	};
	struct ig_cfg	 c;
	const char	*why;
	char		*t, sub[64];
	size_t		 i;

	mkcfg(&c);
	for (i = 0; i < NELEM(payloads); i++) {
		t = craft_key(HS256, payloads[i], other);
		why = NULL;
		CHECK(t != NULL && ig_jwt_verify(&c, t, NOW, sub, sizeof(sub),
		    &why) == IG_EAUTH);
		if (!CHECK(why != NULL && strstr(why, "signature") != NULL))
			printf("  case %zu: %s\n", i, why != NULL ? why : "-");
		free(t);
	}
}

static const struct ig_test tests[] = {
	TEST(t_reasons),
	TEST(t_signature_before_claims),
	TEST(t_valid),
	TEST(t_sign_format),
	TEST(t_alg),
	TEST(t_header_members),
	TEST(t_tamper),
	TEST(t_signature_forms),
	TEST(t_segments),
	TEST(t_padding),
	TEST(t_payload_shape),
	TEST(t_times),
	TEST(t_iss_aud),
	TEST(t_sub),
	TEST(t_sub_length),
	TEST(t_max_length),
	TEST(t_roundtrip),
	TEST(t_no_secret),
	TEST(t_mint),
};

int
main(int argc, char *argv[])
{
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
