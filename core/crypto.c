/* SPDX-License-Identifier: ISC */
/*
 * crypto.c: every use of OpenSSL.  Randomness only from RAND_bytes,
 * MACs compared with CRYPTO_memcmp, tokens sealed with AES-256-GCM and
 * a fresh 96-bit nonce, the key id and the row bound as associated data.
 * Secrets are wiped before they are freed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ig.h"

#define SEAL_PREFIX	"ig1."
#define NONCE_LEN	12
#define TAG_LEN		16

enum ig_err
ig_rand_bytes(void *buf, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(buf, (int)n) != 1) {
		ig_log_err("could not read random bytes");
		return IG_ECRYPTO;
	}
	return IG_OK;
}

/*
 * Setting an HMAC up (looking the digest up by name, hashing the padded
 * key) costs more than MACing a JWT.  So each process keeps a keyed
 * context for the few keys it uses (the JWT secret, the app secrets),
 * which each thread copies once.  A key is found by its bytes, not its address:
 * configurations come and go in the tests.
 */
#define MAC_KEYS	8

struct mac_key {
	unsigned char	 key[128];
	size_t		 len;
	EVP_MAC_CTX	*ctx;		/* initialised with "key" */
};

static struct mac_key	 mac_keys[MAC_KEYS];
static size_t		 mac_nkeys;
static pthread_mutex_t	 mac_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_MAC_CTX *
mac_new(const void *key, size_t keylen)
{
	OSSL_PARAM	 params[2];
	EVP_MAC		*alg;
	EVP_MAC_CTX	*ctx = NULL;

	if ((alg = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(alg)) != NULL &&
	    EVP_MAC_init(ctx, key, keylen, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_MAC_free(alg);
	return ctx;
}

/* The index of the kept context of "key", made if new; -1 if none. */
static long
mac_find(const void *key, size_t keylen)
{
	size_t	i;

	if (keylen > sizeof(mac_keys[0].key))
		return -1;
	(void)pthread_mutex_lock(&mac_lock);
	for (i = 0; i < mac_nkeys; i++)
		if (mac_keys[i].len == keylen &&
		    CRYPTO_memcmp(mac_keys[i].key, key, keylen) == 0)
			break;
	if (i == mac_nkeys && mac_nkeys < MAC_KEYS &&
	    (mac_keys[i].ctx = mac_new(key, keylen)) != NULL) {
		memcpy(mac_keys[i].key, key, keylen);
		mac_keys[i].len = keylen;
		mac_nkeys++;
	}
	(void)pthread_mutex_unlock(&mac_lock);
	return i < mac_nkeys ? (long)i : -1;
}

static EVP_MAC_CTX *
mac_copy(long i)
{
	EVP_MAC_CTX	*ctx;

	(void)pthread_mutex_lock(&mac_lock);
	ctx = EVP_MAC_CTX_dup(mac_keys[i].ctx);
	(void)pthread_mutex_unlock(&mac_lock);
	return ctx;
}

/*
 * Each thread keeps a copy of the kept contexts it uses and starts it
 * over for every MAC (EVP_MAC_init() without a key keeps the key):
 * a copy for every MAC cost more than the MAC of a JWT.  A thread's
 * copies are freed when it ends.
 */
static pthread_key_t	 mac_thread;
static pthread_once_t	 mac_thread_once = PTHREAD_ONCE_INIT;
static int		 mac_thread_ok;

static void
mac_thread_free(void *p)
{
	EVP_MAC_CTX	**mine = p;
	size_t		  i;

	for (i = 0; i < MAC_KEYS; i++)
		EVP_MAC_CTX_free(mine[i]);
	free(mine);
}

static void
mac_thread_init(void)
{
	mac_thread_ok = pthread_key_create(&mac_thread, mac_thread_free) == 0;
}

/* This thread's context keyed with "key", ready for a MAC; or NULL. */
static EVP_MAC_CTX *
mac_mine(const void *key, size_t keylen)
{
	EVP_MAC_CTX	**mine;
	long		  i;

	if ((i = mac_find(key, keylen)) < 0 ||
	    pthread_once(&mac_thread_once, mac_thread_init) != 0 ||
	    !mac_thread_ok)
		return NULL;
	if ((mine = pthread_getspecific(mac_thread)) == NULL) {
		if ((mine = ig_calloc(MAC_KEYS, sizeof(*mine))) == NULL)
			return NULL;
		if (pthread_setspecific(mac_thread, mine) != 0) {
			free(mine);
			return NULL;
		}
	}
	if (mine[i] == NULL)
		return mine[i] = mac_copy(i);
	return EVP_MAC_init(mine[i], NULL, 0, NULL) == 1 ? mine[i] : NULL;
}

enum ig_err
ig_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char mac[32])
{
	EVP_MAC_CTX	*ctx, *own = NULL;
	size_t		 len = 0;
	int		 ok;

	/* A key past the kept ones gets a context of its own, once. */
	if ((ctx = mac_mine(key, keylen)) == NULL &&
	    (ctx = own = mac_new(key, keylen)) == NULL)
		return IG_ECRYPTO;
	ok = EVP_MAC_update(ctx, msg, msglen) == 1 &&
	    EVP_MAC_final(ctx, mac, &len, 32) == 1 && len == 32;
	EVP_MAC_CTX_free(own);
	return ok ? IG_OK : IG_ECRYPTO;
}

enum ig_err
ig_sha256(const void *msg, size_t len, unsigned char md[32])
{
	return SHA256(msg, len, md) == NULL ? IG_ECRYPTO : IG_OK;
}

int
ig_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * Compare MACs of both strings so the time taken depends on neither
 * content nor a common prefix, and unequal lengths leak nothing either.
 */
int
ig_ct_streq(const char *a, const char *b)
{
	static const unsigned char	key[16] = "ig_ct_streq key";
	unsigned char			ma[32], mb[32];

	if (ig_hmac_sha256(key, sizeof(key), a, strlen(a), ma) != IG_OK ||
	    ig_hmac_sha256(key, sizeof(key), b, strlen(b), mb) != IG_OK)
		return 0;
	return CRYPTO_memcmp(ma, mb, sizeof(ma)) == 0;
}

void
ig_wipe(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
}

void
ig_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
ig_hex(char *out, const unsigned char *in, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
ig_b64url_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

void
ig_b64url_enc(char *out, const unsigned char *in, size_t n)
{
	size_t		i, o = 0;
	unsigned long	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned long)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
}

/*
 * The value of "c" in a base64 alphabet: the two alphabets differ only in
 * their last two digits, "alpha"[62] and [63].  -1 if "c" is not a digit.
 */
static int
b64_digit(const char *alpha, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)alpha[62])
		return 62;
	if (c == (unsigned char)alpha[63])
		return 63;
	return -1;
}

/*
 * Decode with the given alphabet.  Padding is accepted only when "pad"
 * is set, and then only as the exact number of '=' RFC 4648 requires.
 * Non-zero leftover bits are refused so every value has one encoding.
 */
static enum ig_err
b64_dec(const char *alpha, int pad, unsigned char *out, size_t outsz,
    size_t *outlen, const char *in, size_t n)
{
	unsigned long	 v = 0;
	size_t		 i, o = 0, bits = 0, npad = 0;
	int		 d;

	if (pad) {
		while (npad < 2 && n > 0 && in[n - 1] == '=') {
			n--;
			npad++;
		}
		if ((n + npad) % 4 != 0)
			return IG_EINPUT;
	}
	if (n % 4 == 1)
		return IG_EINPUT;
	for (i = 0; i < n; i++) {
		if ((d = b64_digit(alpha, (unsigned char)in[i])) < 0)
			return IG_EINPUT;
		v = (v << 6 | (unsigned long)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return IG_EINPUT;
			out[o++] = (unsigned char)(v >> bits & 0xff);
		}
	}
	if (bits > 0 && (v & ((1ul << bits) - 1)) != 0)
		return IG_EINPUT;
	if (pad && npad != (n % 4 == 0 ? 0 : 4 - n % 4))
		return IG_EINPUT;
	*outlen = o;
	return IG_OK;
}

enum ig_err
ig_b64url_dec(unsigned char *out, size_t outsz, size_t *outlen,
    const char *in, size_t n)
{
	return b64_dec(b64url, 0, out, outsz, outlen, in, n);
}

enum ig_err
ig_b64_dec(unsigned char *out, size_t outsz, size_t *outlen,
    const char *in, size_t n)
{
	return b64_dec(b64std, 1, out, outsz, outlen, in, n);
}

enum ig_err
ig_key_new(const char *id, char *out, size_t sz)
{
	unsigned char	key[32];
	size_t		n = strlen(id);
	enum ig_err	er;

	if (!ig_valid_key_id(id, n) || sz < n + 1 + IG_KEY_B64 + 1)
		return IG_EINPUT;
	if ((er = ig_rand_bytes(key, sizeof(key))) != IG_OK)
		return er;
	memcpy(out, id, n);
	out[n] = ':';
	/* Padded standard base64, as IGCONNECT_TOKEN_KEYS takes it. */
	(void)EVP_EncodeBlock((unsigned char *)out + n + 1, key, sizeof(key));
	ig_wipe(key, sizeof(key));
	return IG_OK;
}

/* The associated data: key id, a NUL, then the caller's row binding. */
static enum ig_err
make_aad(struct ig_buf *b, const char *keyid, const char *aad)
{
	enum ig_err	er;

	ig_buf_init(b, 1024);
	if ((er = ig_buf_add(b, keyid, strlen(keyid) + 1)) != IG_OK)
		return er;
	return ig_buf_adds(b, aad);
}

static enum ig_err
gcm(int enc, const unsigned char key[32], const unsigned char *nonce,
    const struct ig_buf *aad, const unsigned char *in, size_t n,
    unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX	*c;
	int		 len, ok;

	if (n > INT32_MAX || aad->len > INT32_MAX ||
	    (c = EVP_CIPHER_CTX_new()) == NULL)
		return IG_ECRYPTO;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) == 1 &&
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
	    EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)aad->data,
	    (int)aad->len) == 1 &&
	    EVP_CipherUpdate(c, out, &len, in, (int)n) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
		    tag) == 1;
	/* For decryption this is where a bad tag is detected. */
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + len, &len) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
		    tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? IG_OK : IG_ECRYPTO;
}

enum ig_err
ig_seal(const struct ig_cfg *cfg, const char *plain, const char *aad,
    char **sealed)
{
	const struct ig_key	*k;
	struct ig_buf		 ad;
	unsigned char		*raw = NULL;
	size_t			 n = strlen(plain), rawlen, outlen;
	char			*out = NULL;
	enum ig_err		 er;

	*sealed = NULL;
	if (cfg->nkeys == 0)
		return IG_ECRYPTO;
	k = &cfg->keys[0];
	if ((er = make_aad(&ad, k->id, aad)) != IG_OK)
		return er;
	rawlen = NONCE_LEN + n + TAG_LEN;
	if ((raw = ig_malloc(rawlen)) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	if ((er = ig_rand_bytes(raw, NONCE_LEN)) != IG_OK)
		goto out;
	if ((er = gcm(1, k->key, raw, &ad, (const unsigned char *)plain, n,
	    raw + NONCE_LEN, raw + NONCE_LEN + n)) != IG_OK)
		goto out;
	outlen = strlen(SEAL_PREFIX) + strlen(k->id) + 1 +
	    ig_b64url_len(rawlen) + 1;
	if ((out = ig_malloc(outlen)) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	(void)snprintf(out, outlen, SEAL_PREFIX "%s.", k->id);
	ig_b64url_enc(out + strlen(out), raw, rawlen);
	*sealed = out;
out:
	ig_buf_free(&ad);
	if (raw != NULL) {
		ig_wipe(raw, rawlen);
		free(raw);
	}
	return er;
}

enum ig_err
ig_open(const struct ig_cfg *cfg, const char *sealed, const char *aad,
    char **plain)
{
	const struct ig_key	*k = NULL;
	const char		*id, *dot;
	struct ig_buf		 ad;
	unsigned char		*raw = NULL;
	char			*out = NULL;
	size_t			 i, idlen, enclen, rawlen = 0, n;
	enum ig_err		 er;

	*plain = NULL;
	if (strncmp(sealed, SEAL_PREFIX, strlen(SEAL_PREFIX)) != 0)
		return IG_ECRYPTO;
	id = sealed + strlen(SEAL_PREFIX);
	if ((dot = strchr(id, '.')) == NULL)
		return IG_ECRYPTO;
	idlen = (size_t)(dot - id);
	for (i = 0; i < cfg->nkeys; i++)
		if (strlen(cfg->keys[i].id) == idlen &&
		    memcmp(cfg->keys[i].id, id, idlen) == 0)
			k = &cfg->keys[i];
	if (k == NULL) {
		ig_log_warnx("sealed value names an unknown key id");
		return IG_ECRYPTO;
	}
	enclen = strlen(dot + 1);
	if ((raw = ig_malloc(enclen)) == NULL)
		return IG_ENOMEM;
	if (ig_b64url_dec(raw, enclen, &rawlen, dot + 1, enclen) != IG_OK ||
	    rawlen < NONCE_LEN + TAG_LEN) {
		free(raw);
		return IG_ECRYPTO;
	}
	n = rawlen - NONCE_LEN - TAG_LEN;
	if ((er = make_aad(&ad, k->id, aad)) != IG_OK)
		goto out;
	if ((out = ig_malloc(n + 1)) == NULL) {
		er = IG_ENOMEM;
		goto out;
	}
	if ((er = gcm(0, k->key, raw, &ad, raw + NONCE_LEN, n,
	    (unsigned char *)out, raw + NONCE_LEN + n)) != IG_OK) {
		ig_log_warnx("sealed value failed authentication");
		goto out;
	}
	out[n] = '\0';
	if (strlen(out) != n) {		/* we never seal an embedded NUL */
		er = IG_ECRYPTO;
		goto out;
	}
	*plain = out;
	out = NULL;
out:
	ig_buf_free(&ad);
	if (out != NULL) {
		ig_wipe(out, n + 1);
		free(out);
	}
	ig_wipe(raw, rawlen);
	free(raw);
	return er;
}
