/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: the sandbox's dev identity.  GET /_fake/jwt[?sub=USER] mints
 * an HS256 caller token (RFC 7519) with the JWT secret the local stack
 * gave the fake (--jwt-secret-file), and the issuer and audience it
 * checks, so a demo page in a browser can call igconnect as a demo user
 * without ever holding the secret.  Nothing of Meta's: the stack's nginx
 * serves it as /dev/token, only when it runs the sandbox.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fakemeta.h"

#define DEV_SUB		"demo-user"
#define DEV_SUB_MAX	64
#define DEV_TTL		3600

/* Append n bytes as unpadded base64url (RFC 4648 section 5). */
static int
b64url(struct fm_buf *b, const void *p, size_t n)
{
	unsigned char	 out[4 * 1024];
	size_t		 i, len;

	if (n > 3 * 1000)
		return -1;
	len = (size_t)EVP_EncodeBlock(out, p, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	return fm_buf_add(b, out, len);
}

/* A subject a page may ask for: [A-Za-z0-9._@-], 1 to DEV_SUB_MAX. */
static int
sub_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n >= 1 && n <= DEV_SUB_MAX && strspn(s, "abcdefghijklmnopqrs"
	    "tuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

/* The token for sub, issued at now, into b: 0, else -1. */
static int
mint(const char *sub, time_t now, struct fm_buf *b)
{
	static const char	 hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0;
	json_t			*c;
	char			*claims;
	int			 rc;

	c = json_pack("{s:s, s:I, s:I}", "sub", sub, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + DEV_TTL));
	if (c != NULL && fm_cfg->jwt_issuer != NULL)
		json_object_set_new(c, "iss", json_string(fm_cfg->jwt_issuer));
	if (c != NULL && fm_cfg->jwt_audience != NULL)
		json_object_set_new(c, "aud",
		    json_string(fm_cfg->jwt_audience));
	claims = c != NULL ? json_dumps(c, JSON_COMPACT) : NULL;
	json_decref(c);
	if (claims == NULL)
		return -1;
	rc = b64url(b, hdr, strlen(hdr));
	rc |= fm_buf_adds(b, ".");
	rc |= b64url(b, claims, strlen(claims));
	free(claims);
	if (rc != 0 || HMAC(EVP_sha256(), fm_cfg->jwt_secret,
	    (int)strlen(fm_cfg->jwt_secret), (unsigned char *)b->p, b->len,
	    mac, &maclen) == NULL)
		return -1;
	rc = fm_buf_adds(b, ".");
	return rc | b64url(b, mac, maclen);
}

void
fm_dev_token(struct fm_call *c)
{
	struct fm_buf	 b;
	const char	*sub;

	if (fm_cfg->jwt_secret == NULL) {
		fm_resp_json(c->resp, 404, json_pack("{s:s}", "error",
		    "no JWT secret: start the fake with --jwt-secret-file"),
		    0);
		return;
	}
	if ((sub = fm_query(c->req, "sub")) == NULL)
		sub = DEV_SUB;
	if (!sub_ok(sub)) {
		fm_resp_json(c->resp, 400, json_pack("{s:s}", "error",
		    "sub must be 1 to 64 letters, digits or . _ @ -"), 0);
		return;
	}
	fm_buf_init(&b, 8192);
	/* The programs check the token against the real clock. */
	if (mint(sub, time(NULL), &b) == -1)
		fm_resp_text(c->resp, 500, "text/plain", "could not mint\n");
	else
		fm_resp_json(c->resp, 200, json_pack("{s:s, s:s, s:i}",
		    "token", b.p, "sub", sub, "expiresIn", DEV_TTL), 0);
	fm_buf_free(&b);
}
