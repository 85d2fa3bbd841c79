/* SPDX-License-Identifier: ISC */
/*
 * fuzz_signed_request.c: ig_signed_request(), the signed_request of
 * Meta's deauthorize and data deletion callbacks.  The first byte of an
 * input says what the rest is:
 *
 *	'S'	the whole signed_request, as Meta posts it
 *	'I'	the payload (JSON), encoded and signed here with the
 *		Instagram app's secret, so its checks are reached past the
 *		MAC
 *	'F'	the same with the Facebook app's secret
 *	'='	the same as 'I', the signature padded with '=' as some
 *		senders do
 *
 * Any other first byte is read as 'S'.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

/* "signature.payload" for "payload" under "secret"; new. */
static char *
sign(const char *secret, const uint8_t *payload, size_t n, int pad)
{
	unsigned char	 mac[32];
	size_t		 sig = ig_b64url_len(sizeof(mac)) + (pad ? 1 : 0);
	char		*sr;

	if ((sr = malloc(sig + 1 + ig_b64url_len(n) + 1)) == NULL)
		abort();
	ig_b64url_enc(sr + sig + 1, payload, n);
	if (ig_hmac_sha256(secret, strlen(secret), sr + sig + 1,
	    strlen(sr + sig + 1), mac) != IG_OK)
		abort();
	ig_b64url_enc(sr, mac, sizeof(mac));
	if (pad)
		sr[sig - 1] = '=';
	sr[sig] = '.';
	return sr;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*sr, *user_id;
	int	 mode = size > 0 ? data[0] : '\0';

	if (mode == 'I' || mode == '=')
		sr = sign(FZ_IG_SECRET, data + 1, size - 1, mode == '=');
	else if (mode == 'F')
		sr = sign(FZ_FB_SECRET, data + 1, size - 1, 0);
	else if (mode == 'S')
		sr = fz_str(data + 1, size - 1);
	else
		sr = fz_str(data, size);
	if (ig_signed_request(fz_cfg(), sr, FZ_NOW, &user_id) == IG_OK) {
		if (user_id == NULL || !ig_valid_digits(user_id,
		    strlen(user_id)))
			abort();
		free(user_id);
	}
	free(sr);
	return 0;
}
