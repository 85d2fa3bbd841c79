/* SPDX-License-Identifier: ISC */
/*
 * t_crypto.c: unit tests of core/crypto.c: base64url and base64 against
 * RFC 4648, HMAC-SHA256 against RFC 4231, SHA-256, the constant-time
 * comparisons, sealing with AES-256-GCM (tampering, truncation,
 * associated data, key ids and rotation), and new keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ig.h"

#include "../lib/check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define URLALPHA	\
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A small deterministic generator for lengths; data comes from the CSPRNG. */
static unsigned long	seed = 20240611;

static unsigned long
next_rand(void)
{
	seed = seed * 6364136223846793005ul + 1442695040888963407ul;
	return (seed >> 33) & 0x7fffffff;
}

/* A configuration holding the keys "ids" (in order) with set bytes. */
static void
mkcfg(struct ig_cfg *c, const char *const *ids, const unsigned char *fill,
    size_t n)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		(void)strcpy(c->keys[i].id, ids[i]);
		memset(c->keys[i].key, fill[i], sizeof(c->keys[i].key));
	}
	c->nkeys = n;
}

/* The base64url part of a sealed value: after the second '.'. */
static const char *
payload_of(const char *sealed)
{
	const char	*p;

	if ((p = strchr(sealed, '.')) == NULL ||
	    (p = strchr(p + 1, '.')) == NULL)
		return NULL;
	return p + 1;
}

/* 1 if ig_open(sealed) fails with IG_ECRYPTO and leaves *plain NULL. */
static int
open_fails(const struct ig_cfg *c, const char *sealed, const char *aad)
{
	char		 dummy, *plain = &dummy;
	enum ig_err	 er;

	er = ig_open(c, sealed, aad, &plain);
	if (er == IG_OK)
		ig_free_secret(plain);
	return er == IG_ECRYPTO && plain == NULL;
}

static void
t_b64url_vectors(void)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
	} v[] = {
		/* RFC 4648 section 10. */
		{ "", 0, "" },
		{ "f", 1, "Zg" },
		{ "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg" },
		{ "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" },
		/* The two characters where the url alphabet differs. */
		{ "\xfb\xff", 2, "-_8" },
		{ "\xfb\xef\xbe", 3, "----" },
		{ "\xff\xff\xff", 3, "____" },
		{ "\0", 1, "AA" },
		{ "\0\0\0", 3, "AAAA" },
	};
	unsigned char	dec[16];
	char		enc[32];
	size_t		i, len;

	for (i = 0; i < NELEM(v); i++) {
		CHECK(ig_b64url_len(v[i].n) == strlen(v[i].out));
		memset(enc, '#', sizeof(enc));
		ig_b64url_enc(enc, (const unsigned char *)v[i].in, v[i].n);
		CHECK(strcmp(enc, v[i].out) == 0);
		len = 99;
		CHECK(ig_b64url_dec(dec, sizeof(dec), &len, v[i].out,
		    strlen(v[i].out)) == IG_OK);
		CHECK(len == v[i].n);
		CHECK(len == v[i].n && memcmp(dec, v[i].in, len) == 0);
	}
}

static void
t_b64url_len(void)
{
	static const struct {
		size_t	n, len;
	} v[] = {
		{ 0, 0 }, { 1, 2 }, { 2, 3 }, { 3, 4 }, { 4, 6 }, { 5, 7 },
		{ 6, 8 }, { 32, 43 }, { 33, 44 }, { 300, 400 },
	};
	size_t	i;

	for (i = 0; i < NELEM(v); i++)
		CHECK(ig_b64url_len(v[i].n) == v[i].len);
}

static void
t_b64url_roundtrip(void)
{
	unsigned char	in[300], out[300];
	char		enc[401];
	size_t		i, k, n, len, bad = 0;

	for (i = 0; i < 20000; i++) {
		n = next_rand() % (sizeof(in) + 1);
		if (ig_rand_bytes(in, n) != IG_OK) {
			bad++;
			break;
		}
		memset(enc, '#', sizeof(enc));
		ig_b64url_enc(enc, in, n);
		if (strlen(enc) != ig_b64url_len(n) ||
		    strspn(enc, URLALPHA) != strlen(enc))
			bad++;
		/* Exactly enough room works ... */
		len = 0;
		if (ig_b64url_dec(out, n, &len, enc, strlen(enc)) != IG_OK ||
		    len != n || memcmp(in, out, n) != 0)
			bad++;
		/* ... and one byte less is refused. */
		if (n > 0 && ig_b64url_dec(out, n - 1, &len, enc,
		    strlen(enc)) != IG_EINPUT)
			bad++;
		if (bad > 0)
			break;
	}
	CHECK(bad == 0);
	CHECK(i == 20000);

	/* Every length 0..300 once, with a byte pattern. */
	for (n = 0; n <= sizeof(in); n++) {
		for (k = 0; k < n; k++)
			in[k] = (unsigned char)(k * 7 + n);
		ig_b64url_enc(enc, in, n);
		CHECK(ig_b64url_dec(out, sizeof(out), &len, enc,
		    strlen(enc)) == IG_OK && len == n &&
		    memcmp(in, out, n) == 0);
	}
}

static void
t_b64url_reject(void)
{
	static const struct {
		const char	*in;
		size_t		 n;
	} v[] = {
		{ "Zg==", 4 },		/* padding */
		{ "Zg=", 3 },
		{ "Zm8=", 4 },
		{ "=", 1 },
		{ "+/8", 3 },		/* standard alphabet */
		{ "Zm+v", 4 },
		{ "Zm/v", 4 },
		{ "Zm 9v", 5 },		/* whitespace */
		{ " Zm9v", 5 },
		{ "Zm9v ", 5 },
		{ "Zm9v\n", 5 },
		{ "Zm\t9v", 5 },
		{ "Zm9v\r", 5 },
		{ "Zm\0v", 4 },		/* NUL inside */
		{ "\0", 1 },
		{ "Zm9vY", 5 },		/* length % 4 == 1 */
		{ "Z", 1 },
		{ "Zm9vYmFyZ", 9 },
		{ "Zh", 2 },		/* non-canonical trailing bits */
		{ "Zm9", 3 },
		{ "Zm9vYh", 6 },
		{ "AB", 2 },
		{ "AAB", 3 },
		{ "Zm9v.", 5 },		/* other punctuation */
		{ "Zm9v\xc3\xa9", 6 },	/* non-ASCII */
	};
	unsigned char	out[16];
	size_t		i, len;

	for (i = 0; i < NELEM(v); i++) {
		len = 77;
		if (!CHECK(ig_b64url_dec(out, sizeof(out), &len, v[i].in,
		    v[i].n) == IG_EINPUT))
			printf("  case %zu\n", i);
	}
	/* Output too small. */
	CHECK(ig_b64url_dec(out, 2, &len, "Zm9v", 4) == IG_EINPUT);
	CHECK(ig_b64url_dec(out, 0, &len, "Zg", 2) == IG_EINPUT);
	CHECK(ig_b64url_dec(out, 0, &len, "", 0) == IG_OK && len == 0);
}

/*
 * Every string of 2 and 3 alphabet characters decodes if and only if
 * encoding the result gives the same string back: one encoding per value.
 */
static void
t_b64url_canonical(void)
{
	unsigned char	out[4];
	char		in[4], re[8];
	size_t		a, b, c, len, ok2 = 0, ok3 = 0, bad = 0;

	for (a = 0; a < 64; a++)
		for (b = 0; b < 64; b++) {
			in[0] = URLALPHA[a];
			in[1] = URLALPHA[b];
			in[2] = '\0';
			if (ig_b64url_dec(out, sizeof(out), &len, in, 2) ==
			    IG_OK) {
				ok2++;
				ig_b64url_enc(re, out, len);
				if (len != 1 || strcmp(re, in) != 0)
					bad++;
			}
			for (c = 0; c < 64; c++) {
				in[2] = URLALPHA[c];
				in[3] = '\0';
				if (ig_b64url_dec(out, sizeof(out), &len, in,
				    3) != IG_OK)
					continue;
				ok3++;
				ig_b64url_enc(re, out, len);
				if (len != 2 || strcmp(re, in) != 0)
					bad++;
			}
		}
	CHECK(bad == 0);
	CHECK(ok2 == 256);
	CHECK(ok3 == 65536);
}

static void
t_b64_std(void)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*out;
		size_t		 n;
	} v[] = {
		{ "", 1, "", 0 },
		{ "Zg==", 1, "f", 1 },
		{ "Zm8=", 1, "fo", 2 },
		{ "Zm9v", 1, "foo", 3 },
		{ "Zm9vYg==", 1, "foob", 4 },
		{ "Zm9vYmE=", 1, "fooba", 5 },
		{ "Zm9vYmFy", 1, "foobar", 6 },
		{ "+/8=", 1, "\xfb\xff", 2 },
		{ "Zg", 0, NULL, 0 },		/* padding is required */
		{ "Zm8", 0, NULL, 0 },
		{ "Zg=", 0, NULL, 0 },		/* too little padding */
		{ "Zg===", 0, NULL, 0 },	/* too much */
		{ "Zm8==", 0, NULL, 0 },
		{ "Zm9v=", 0, NULL, 0 },
		{ "Zm9v==", 0, NULL, 0 },
		{ "Zm9v====", 0, NULL, 0 },
		{ "Z===", 0, NULL, 0 },
		{ "====", 0, NULL, 0 },
		{ "=", 0, NULL, 0 },
		{ "Zg=a", 0, NULL, 0 },		/* '=' inside */
		{ "Z=g=", 0, NULL, 0 },
		{ "Zh==", 0, NULL, 0 },		/* non-canonical bits */
		{ "Zm9=", 0, NULL, 0 },
		{ "-_8=", 0, NULL, 0 },		/* url alphabet */
		{ "Zm9v\n", 0, NULL, 0 },
		{ "Zm 9v", 0, NULL, 0 },
	};
	unsigned char	out[16];
	size_t		i, len;
	enum ig_err	er;

	for (i = 0; i < NELEM(v); i++) {
		len = 55;
		er = ig_b64_dec(out, sizeof(out), &len, v[i].in,
		    strlen(v[i].in));
		if (v[i].ok) {
			if (!CHECK(er == IG_OK && len == v[i].n &&
			    memcmp(out, v[i].out, len) == 0))
				printf("  case %zu\n", i);
		} else if (!CHECK(er == IG_EINPUT))
			printf("  case %zu\n", i);
	}
}

static void
t_hmac_rfc4231(void)
{
	unsigned char	key1[20], key6[131], mac[32];
	char		hex[65];

	/* Test case 1. */
	memset(key1, 0x0b, sizeof(key1));
	CHECK(ig_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac) ==
	    IG_OK);
	ig_hex(hex, mac, sizeof(mac));
	CHECK(strcmp(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7") == 0);

	/* Test case 2. */
	CHECK(ig_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28,
	    mac) == IG_OK);
	ig_hex(hex, mac, sizeof(mac));
	CHECK(strcmp(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843") == 0);

	/* Test case 6: a key longer than the block size. */
	memset(key6, 0xaa, sizeof(key6));
	CHECK(ig_hmac_sha256(key6, sizeof(key6), "Test Using Larger Than "
	    "Block-Size Key - Hash Key First", 54, mac) == IG_OK);
	ig_hex(hex, mac, sizeof(mac));
	CHECK(strcmp(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54") == 0);
}

/*
 * Keyed contexts are kept per process and found by the key's bytes: many
 * keys, keys that differ in one byte, and one buffer whose bytes change
 * all give the MAC OpenSSL computes from scratch.
 */
static void
t_hmac_kept_keys(void)
{
	unsigned char	key[32], mac[32], want[32];
	unsigned int	wlen;
	int		round, k;

	for (round = 0; round < 2; round++)
		for (k = 0; k < 20; k++) {
			memset(key, 0x5c, sizeof(key));
			key[31] = (unsigned char)k;
			CHECK(ig_hmac_sha256(key, sizeof(key), "msg", 3, mac) ==
			    IG_OK);
			wlen = 0;
			CHECK(HMAC(EVP_sha256(), key, sizeof(key),
			    (const unsigned char *)"msg", 3, want, &wlen) !=
			    NULL && wlen == 32);
			if (!CHECK(memcmp(mac, want, sizeof(mac)) == 0))
				printf("  round %d key %d\n", round, k);
		}
	/* The same length, a prefix of a kept key: another key. */
	CHECK(ig_hmac_sha256(key, 31, "msg", 3, mac) == IG_OK);
	CHECK(HMAC(EVP_sha256(), key, 31, (const unsigned char *)"msg", 3,
	    want, &wlen) != NULL);
	CHECK(memcmp(mac, want, sizeof(mac)) == 0);
}

static void
t_sha256(void)
{
	unsigned char	md[32];
	char		hex[65];

	CHECK(ig_sha256("abc", 3, md) == IG_OK);
	ig_hex(hex, md, sizeof(md));
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0);
	CHECK(ig_sha256("", 0, md) == IG_OK);
	ig_hex(hex, md, sizeof(md));
	CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855") == 0);
}

static void
t_hex(void)
{
	static const unsigned char	in[] = { 0x00, 0xff, 0x10, 0xab, 0x09 };
	char				out[16];

	memset(out, '#', sizeof(out));
	ig_hex(out, in, sizeof(in));
	CHECK(strcmp(out, "00ff10ab09") == 0);
	ig_hex(out, in, 0);
	CHECK(out[0] == '\0');
}

static void
t_ct_equal(void)
{
	static const struct {
		const char	*a, *b;
		size_t		 n;
		int		 want;
	} v[] = {
		{ "abcdef", "abcdef", 6, 1 },
		{ "abcdef", "Abcdef", 6, 0 },	/* first byte */
		{ "abcdef", "abcdeF", 6, 0 },	/* last byte */
		{ "abcdef", "abcxef", 6, 0 },
		{ "abcdef", "abcxyz", 3, 1 },	/* only n bytes count */
		{ "a", "b", 0, 1 },
		{ "\0\0", "\0\x01", 2, 0 },
	};
	size_t	i;

	for (i = 0; i < NELEM(v); i++)
		CHECK(ig_ct_equal(v[i].a, v[i].b, v[i].n) == v[i].want);
}

static void
t_ct_streq(void)
{
	static const struct {
		const char	*a, *b;
		int		 want;
	} v[] = {
		{ "", "", 1 },
		{ "abc", "abc", 1 },
		{ "abc", "abd", 0 },
		{ "abc", "abcd", 0 },		/* common prefix */
		{ "abcd", "abc", 0 },
		{ "", "a", 0 },
		{ "a", "", 0 },
		{ "secret-token", "secret-tokeN", 0 },
		{ "secret-token", "secret-token", 1 },
	};
	size_t	i;

	for (i = 0; i < NELEM(v); i++)
		CHECK(ig_ct_streq(v[i].a, v[i].b) == v[i].want);
}

static void
t_seal_roundtrip(void)
{
	static const char *const	 ids[] = { "k1" };
	static const unsigned char	 fill[] = { 0x42 };
	static const char *const	 plains[] = {
		"CANARY_TOKEN_IGQVJXa1b2c3",
		"",
		"x",
		"a token with spaces and \"quotes\" and \xc3\xa9",
	};
	struct ig_cfg	 c;
	char		*s, *p;
	size_t		 i, n;

	mkcfg(&c, ids, fill, 1);
	for (i = 0; i < NELEM(plains); i++) {
		s = p = NULL;
		if (!CHECK(ig_seal(&c, plains[i], "user1|instagram", &s) ==
		    IG_OK && s != NULL))
			continue;
		n = strlen(plains[i]);
		CHECK(strncmp(s, "ig1.k1.", 7) == 0);
		CHECK(strlen(s) == 7 + ig_b64url_len(12 + n + 16));
		CHECK(strspn(s + 7, URLALPHA) == strlen(s + 7));
		/* A short plaintext may turn up in random base64 by chance. */
		if (n >= 8)
			CHECK(strstr(s, plains[i]) == NULL);
		CHECK(ig_open(&c, s, "user1|instagram", &p) == IG_OK);
		CHECK(p != NULL && strcmp(p, plains[i]) == 0);
		ig_free_secret(p);
		free(s);
	}
	ig_cfg_free(&c);
}

static void
t_seal_fresh_nonce(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 1 };
	struct ig_cfg	 c;
	char		*s1 = NULL, *s2 = NULL;
	const char	*p1, *p2;

	mkcfg(&c, ids, fill, 1);
	CHECK(ig_seal(&c, "same plaintext", "", &s1) == IG_OK);
	CHECK(ig_seal(&c, "same plaintext", "", &s2) == IG_OK);
	if (s1 != NULL && s2 != NULL) {
		CHECK(strcmp(s1, s2) != 0);
		p1 = payload_of(s1);
		p2 = payload_of(s2);
		/* The first 16 characters encode the 12-byte nonce. */
		CHECK(p1 != NULL && p2 != NULL && strncmp(p1, p2, 16) != 0);
	}
	free(s1);
	free(s2);
	ig_cfg_free(&c);
}

static void
t_seal_aad(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 9 };
	static const char *const	 other[] = {
		"", "u2|instagram", "u1|instagraM", "u1|instagram ",
		"u1|instagra", "u1", "u1|instagram|x",
	};
	struct ig_cfg	 c;
	char		*s = NULL, *e = NULL, *p = NULL;
	size_t		 i;

	mkcfg(&c, ids, fill, 1);
	CHECK(ig_seal(&c, "tok", "u1|instagram", &s) == IG_OK);
	CHECK(ig_seal(&c, "tok", "", &e) == IG_OK);
	if (s != NULL)
		for (i = 0; i < NELEM(other); i++)
			CHECK(open_fails(&c, s, other[i]));
	if (e != NULL) {
		CHECK(open_fails(&c, e, "u1|instagram"));
		CHECK(ig_open(&c, e, "", &p) == IG_OK && p != NULL &&
		    strcmp(p, "tok") == 0);
		ig_free_secret(p);
	}
	free(s);
	free(e);
	ig_cfg_free(&c);
}

/* Flip every bit of every character of the base64url part in turn. */
static void
t_seal_bitflip_text(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 7 };
	struct ig_cfg	 c;
	char		*s = NULL, *t;
	size_t		 off, i, bit, tried = 0, failed = 0;

	mkcfg(&c, ids, fill, 1);
	if (!CHECK(ig_seal(&c, "CANARY_TOKEN_flip", "u|p", &s) == IG_OK)) {
		ig_cfg_free(&c);
		return;
	}
	off = (size_t)(payload_of(s) - s);
	if ((t = strdup(s)) == NULL) {
		CHECK(t != NULL);
		free(s);
		ig_cfg_free(&c);
		return;
	}
	for (i = off; s[i] != '\0'; i++)
		for (bit = 0; bit < 8; bit++) {
			t[i] = (char)(s[i] ^ (1 << bit));
			tried++;
			if (open_fails(&c, t, "u|p"))
				failed++;
			t[i] = s[i];
		}
	CHECK(tried == (strlen(s) - off) * 8);
	CHECK(failed == tried);
	/* The untouched copy still opens. */
	CHECK(!open_fails(&c, t, "u|p"));
	free(t);
	free(s);
	ig_cfg_free(&c);
}

/* Flip every bit of the decoded nonce, ciphertext and tag in turn. */
static void
t_seal_bitflip_raw(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 3 };
	struct ig_cfg	 c;
	unsigned char	 raw[128];
	char		*s = NULL, t[256];
	const char	*enc;
	size_t		 off, rawlen = 0, i, tried = 0, failed = 0;

	mkcfg(&c, ids, fill, 1);
	if (!CHECK(ig_seal(&c, "IGQVJ-a-plausible-token", "u|p", &s) ==
	    IG_OK)) {
		ig_cfg_free(&c);
		return;
	}
	enc = payload_of(s);
	off = (size_t)(enc - s);
	CHECK(ig_b64url_dec(raw, sizeof(raw), &rawlen, enc, strlen(enc)) ==
	    IG_OK);
	CHECK(rawlen == 12 + strlen("IGQVJ-a-plausible-token") + 16);
	memcpy(t, s, off);
	for (i = 0; i < rawlen * 8; i++) {
		raw[i / 8] ^= (unsigned char)(1 << (i % 8));
		ig_b64url_enc(t + off, raw, rawlen);
		tried++;
		if (open_fails(&c, t, "u|p"))
			failed++;
		raw[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	CHECK(tried == rawlen * 8 && tried > 0);
	CHECK(failed == tried);
	ig_b64url_enc(t + off, raw, rawlen);
	CHECK(strcmp(t, s) == 0);
	free(s);
	ig_cfg_free(&c);
}

static void
t_seal_truncated(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 5 };
	struct ig_cfg	 c;
	char		*s = NULL, *t, *u;
	size_t		 n, len, failed = 0;

	mkcfg(&c, ids, fill, 1);
	if (!CHECK(ig_seal(&c, "truncate me", "", &s) == IG_OK)) {
		ig_cfg_free(&c);
		return;
	}
	len = strlen(s);
	if ((t = strdup(s)) == NULL) {
		CHECK(t != NULL);
		free(s);
		ig_cfg_free(&c);
		return;
	}
	/* Every proper prefix, down to the empty string. */
	for (n = 0; n < len; n++) {
		t[n] = '\0';
		if (open_fails(&c, t, ""))
			failed++;
		t[n] = s[n];
	}
	CHECK(failed == len);
	/* Extra characters at the end fail too. */
	if ((u = malloc(len + 5)) != NULL) {
		(void)strcpy(u, s);
		(void)strcat(u, "AAAA");
		CHECK(open_fails(&c, u, ""));
		(void)strcpy(u, s);
		(void)strcat(u, "A");
		CHECK(open_fails(&c, u, ""));
		free(u);
	}
	free(t);
	free(s);
	ig_cfg_free(&c);
}

static void
t_seal_malformed(void)
{
	static const char *const	 ids[] = { "a" };
	static const unsigned char	 fill[] = { 5 };
	static const char *const	 bad[] = {
		"", "ig1", "ig1.", "ig1.a", "ig1.a.", "ig2.a.AAAA",
		"IG1.a.AAAA", "ig1..AAAA", ".a.AAAA",
		"ig1.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ig1.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"ig1.a.!!!!",
	};
	struct ig_cfg	 c;
	size_t		 i;

	mkcfg(&c, ids, fill, 1);
	for (i = 0; i < NELEM(bad); i++)
		if (!CHECK(open_fails(&c, bad[i], "")))
			printf("  case %zu\n", i);
	ig_cfg_free(&c);
}

static void
t_seal_unknown_key(void)
{
	static const char *const	 ida[] = { "a" };
	static const char *const	 idb[] = { "b" };
	static const char *const	 idab[] = { "ab" };
	static const unsigned char	 fill[] = { 0x11 };
	static const unsigned char	 fill2[] = { 0x12 };
	struct ig_cfg	 ca, cb, cab, ca2;
	char		*s = NULL;

	mkcfg(&ca, ida, fill, 1);
	mkcfg(&cb, idb, fill, 1);	/* same key bytes, other id */
	mkcfg(&cab, idab, fill, 1);	/* an id "a" is a prefix of */
	mkcfg(&ca2, ida, fill2, 1);	/* same id, other key bytes */
	CHECK(ig_seal(&ca, "hello", "", &s) == IG_OK);
	if (s != NULL) {
		CHECK(open_fails(&cb, s, ""));
		CHECK(open_fails(&cab, s, ""));
		CHECK(open_fails(&ca2, s, ""));
		CHECK(!open_fails(&ca, s, ""));
		/*
		 * The key id is bound as associated data: renaming the id
		 * to one with the very same key bytes must not open.
		 */
		s[4] = 'b';
		CHECK(open_fails(&cb, s, ""));
	}
	free(s);
	ig_cfg_free(&ca);
	ig_cfg_free(&cb);
	ig_cfg_free(&cab);
	ig_cfg_free(&ca2);
}

static void
t_seal_no_keys(void)
{
	struct ig_cfg	 c;
	char		 dummy, *s = &dummy, *p = &dummy;

	memset(&c, 0, sizeof(c));
	CHECK(ig_seal(&c, "x", "", &s) == IG_ECRYPTO);
	CHECK(s == NULL);
	CHECK(ig_open(&c, "ig1.a.AAAA", "", &p) == IG_ECRYPTO);
	CHECK(p == NULL);
}

static void
t_seal_rotation(void)
{
	static const char *const	 ida[] = { "a" };
	static const char *const	 idba[] = { "b", "a" };
	static const unsigned char	 filla[] = { 0xaa };
	static const unsigned char	 fillba[] = { 0xbb, 0xaa };
	struct ig_cfg	 old, cur;
	char		*s = NULL, *s2 = NULL, *p = NULL;

	mkcfg(&old, ida, filla, 1);
	mkcfg(&cur, idba, fillba, 2);
	CHECK(ig_seal(&old, "rotated token", "u|ig", &s) == IG_OK);
	CHECK(s != NULL && strncmp(s, "ig1.a.", 6) == 0);
	if (s != NULL) {
		CHECK(ig_open(&cur, s, "u|ig", &p) == IG_OK);
		CHECK(p != NULL && strcmp(p, "rotated token") == 0);
		ig_free_secret(p);
		p = NULL;
	}
	CHECK(ig_seal(&cur, "rotated token", "u|ig", &s2) == IG_OK);
	CHECK(s2 != NULL && strncmp(s2, "ig1.b.", 6) == 0);
	if (s2 != NULL) {
		CHECK(ig_open(&cur, s2, "u|ig", &p) == IG_OK);
		CHECK(p != NULL && strcmp(p, "rotated token") == 0);
		ig_free_secret(p);
		/* The old configuration does not know "b". */
		CHECK(open_fails(&old, s2, "u|ig"));
	}
	free(s);
	free(s2);
	ig_cfg_free(&old);
	ig_cfg_free(&cur);
}

static void
t_seal_empty(void)
{
	static const char *const	 ids[] = { "e" };
	static const unsigned char	 fill[] = { 0 };
	struct ig_cfg	 c;
	char		*s = NULL, *p = NULL;

	mkcfg(&c, ids, fill, 1);
	CHECK(ig_seal(&c, "", "", &s) == IG_OK);
	CHECK(s != NULL && strlen(s) == 6 + ig_b64url_len(28));
	if (s != NULL) {
		CHECK(ig_open(&c, s, "", &p) == IG_OK);
		CHECK(p != NULL && p[0] == '\0');
		ig_free_secret(p);
		CHECK(open_fails(&c, s, "x"));
	}
	free(s);
	ig_cfg_free(&c);
}

static void
t_wipe(void)
{
	unsigned char	 b[8];
	char		*s;
	size_t		 i, nz = 0;

	memset(b, 0x5a, sizeof(b));
	ig_wipe(b, 4);
	for (i = 0; i < sizeof(b); i++)
		nz += b[i] != 0;
	CHECK(nz == 4 && b[4] == 0x5a && b[3] == 0);
	ig_wipe(NULL, 10);		/* must not crash */
	ig_free_secret(NULL);
	if ((s = strdup("secret")) != NULL)
		ig_free_secret(s);
}

static void
t_rand(void)
{
	unsigned char	a[32], b[32], z[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(z, 0, sizeof(z));
	CHECK(ig_rand_bytes(a, sizeof(a)) == IG_OK);
	CHECK(ig_rand_bytes(b, sizeof(b)) == IG_OK);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, z, sizeof(a)) != 0);
	CHECK(ig_rand_bytes(a, 0) == IG_OK);
}

/*
 * appsecret_proof is HMAC-SHA256(app secret, token) in lower-case hex
 * (appsecret_proof docs): RFC 4231's test case 2, and a token-shaped input
 * checked against openssl dgst -sha256 -hmac.
 */
static void
t_appsecret_proof(void)
{
	char	out[65];

	CHECK(ig_appsecret_proof("Jefe", "what do ya want for nothing?",
	    out) == IG_OK && strcmp(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843") == 0);
	CHECK(ig_appsecret_proof("a1b2c3d4e5f6", "EAAB123token", out) ==
	    IG_OK && strcmp(out, "7b53bea41c0cfb59107576a74704e964"
	    "2a8542f79ee214db4fed15b75efc9d6e") == 0);
}

/*
 * A new key is "id:" and padded base64 of 32 random bytes, which the
 * configuration takes as it is and which seals; two differ; a bad id or
 * a short buffer is refused.
 */
static void
t_key_new(void)
{
	struct ig_cfg	 c;
	char		 a[64], b[64], msg[256], *sealed = NULL, *plain = NULL;

	CHECK(ig_key_new("k1", a, sizeof(a)) == IG_OK);
	CHECK(strlen(a) == 3 + IG_KEY_B64 && strncmp(a, "k1:", 3) == 0 &&
	    a[strlen(a) - 1] == '=');
	CHECK(ig_key_new("k2", b, sizeof(b)) == IG_OK);
	CHECK(strcmp(a + 3, b + 3) != 0);
	test_clear_config_env();
	CHECK(setenv("IGCONNECT_TOKEN_KEYS", a, 1) == 0);
	if (CHECK(ig_cfg_load(&c, IG_NEED_KEYS, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.nkeys == 1 && strcmp(c.keys[0].id, "k1") == 0);
		CHECK(ig_seal(&c, "token", "u|instagram", &sealed) == IG_OK &&
		    ig_open(&c, sealed, "u|instagram", &plain) == IG_OK &&
		    strcmp(plain, "token") == 0);
		free(sealed);
		ig_free_secret(plain);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	CHECK(ig_key_new("a.b", a, sizeof(a)) == IG_EINPUT);
	CHECK(ig_key_new("", a, sizeof(a)) == IG_EINPUT);
	CHECK(ig_key_new("k1", a, 3 + IG_KEY_B64) == IG_EINPUT);
	CHECK(ig_key_new("k1", a, 3 + IG_KEY_B64 + 1) == IG_OK);
	ig_wipe(a, sizeof(a));
	ig_wipe(b, sizeof(b));
}

static const struct ig_test tests[] = {
	TEST(t_b64url_vectors),
	TEST(t_b64url_len),
	TEST(t_b64url_roundtrip),
	TEST(t_b64url_reject),
	TEST(t_b64url_canonical),
	TEST(t_b64_std),
	TEST(t_hmac_rfc4231),
	TEST(t_hmac_kept_keys),
	TEST(t_sha256),
	TEST(t_hex),
	TEST(t_ct_equal),
	TEST(t_ct_streq),
	TEST(t_seal_roundtrip),
	TEST(t_seal_fresh_nonce),
	TEST(t_seal_aad),
	TEST(t_seal_bitflip_text),
	TEST(t_seal_bitflip_raw),
	TEST(t_seal_truncated),
	TEST(t_seal_malformed),
	TEST(t_seal_unknown_key),
	TEST(t_seal_no_keys),
	TEST(t_seal_rotation),
	TEST(t_seal_empty),
	TEST(t_wipe),
	TEST(t_appsecret_proof),
	TEST(t_rand),
	TEST(t_key_new),
};

int
main(int argc, char *argv[])
{
	/* ig_open() warns on every rejection; keep the output readable. */
	ig_log_init("t_crypto", IG_LOG_ERR);
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
