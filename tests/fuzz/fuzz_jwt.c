/* SPDX-License-Identifier: ISC */
/*
 * fuzz_jwt.c: ig_jwt_verify(), a caller's token.  The first byte of an
 * input says what the rest is:
 *
 *	'T'	the whole token, as a caller sends it
 *	'P'	the claims (JSON): signed here with fz_cfg()'s secret under
 *		the header {"alg":"HS256","typ":"JWT"}
 *	'H'	a header line, then the claims: both encoded and signed here
 *
 * so that the claims' checks are reached past the MAC, which no fuzzer
 * forges.  Any other first byte is read as 'T'.  Each token is checked
 * with and without an issuer and audience configured, and with a "sub"
 * buffer too small for most user ids.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

#define HEADER	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* base64url of "n" bytes of "p" appended to "out" at "*o". */
static void
append_b64(char *out, size_t *o, const void *p, size_t n)
{
	ig_b64url_enc(out + *o, p, n);
	*o += ig_b64url_len(n);
}

/* "header.claims.signature", signed with the test secret; new. */
static char *
sign(const char *hdr, size_t hlen, const uint8_t *claims, size_t clen)
{
	unsigned char	 mac[32];
	size_t		 o = 0;
	char		*jwt;

	if ((jwt = malloc(ig_b64url_len(hlen) + ig_b64url_len(clen) +
	    ig_b64url_len(sizeof(mac)) + 3)) == NULL)
		abort();
	append_b64(jwt, &o, hdr, hlen);
	jwt[o++] = '.';
	append_b64(jwt, &o, claims, clen);
	if (ig_hmac_sha256(FZ_JWT_SECRET, strlen(FZ_JWT_SECRET), jwt, o,
	    mac) != IG_OK)
		abort();
	jwt[o++] = '.';
	append_b64(jwt, &o, mac, sizeof(mac));
	return jwt;
}

static char *
token(const uint8_t *data, size_t size)
{
	const uint8_t	*nl;
	size_t		 hlen;

	if (size > 0 && data[0] == 'P')
		return sign(HEADER, strlen(HEADER), data + 1, size - 1);
	if (size > 0 && data[0] == 'H') {
		hlen = (nl = memchr(data + 1, '\n', size - 1)) != NULL ?
		    (size_t)(nl - data - 1) : size - 1;
		return sign((const char *)data + 1, hlen, data + 1 + hlen +
		    (nl != NULL), size - 1 - hlen - (nl != NULL));
	}
	return fz_str(data + (size > 0 && data[0] == 'T'),
	    size - (size > 0 && data[0] == 'T'));
}

static void
verify(const struct ig_cfg *cfg, const char *jwt)
{
	char		 sub[IG_MAX_USER_ID + 1], tiny[4];
	const char	*why;

	if (ig_jwt_verify(cfg, jwt, FZ_NOW, sub, sizeof(sub), &why) ==
	    IG_OK && (why != NULL || strlen(sub) >= sizeof(sub)))
		abort();
	(void)ig_jwt_verify(cfg, jwt, FZ_NOW, tiny, sizeof(tiny), NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 iss[] = "https://app.example.com";
	static char	 aud[] = "igconnect";
	struct ig_cfg	 cfg = *fz_cfg();
	char		*jwt = token(data, size);

	verify(&cfg, jwt);
	cfg.jwt_issuer = iss;
	cfg.jwt_audience = aud;
	verify(&cfg, jwt);
	free(jwt);
	return 0;
}
