/* SPDX-License-Identifier: ISC */
/*
 * fuzz_webhook.c: a webhook delivery, as fcgi/webhook.c takes one.  An
 * input is the X-Hub-Signature-256 header's value, a newline, then the
 * raw body.  A header "sign:ig" or "sign:fb" stands for the right
 * signature of the body under that app's secret, computed here (no
 * fuzzer forges an HMAC): it must be accepted.  A delivery accepted is
 * stored with ig_webhook_store(), which reads its "object" and whether
 * it is JSON before the statement that splits it into entries (which
 * then fails: fz_db()).
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

/* The header Meta sends for "body" under "secret", into "out". */
static void
signature(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char	mac[32];

	if (ig_hmac_sha256(secret, strlen(secret), body, len, mac) != IG_OK)
		abort();
	memcpy(out, "sha256=", 7);
	ig_hex(out + 7, mac, sizeof(mac));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_ctx	 ctx = { fz_cfg(), fz_db(), NULL, NULL };
	char		*line = fz_line(&data, &size), *body, sig[72];
	const char	*header = line;
	int		 fresh, forged = 1;

	body = fz_str(data, size);
	if (strcmp(line, "sign:ig") == 0 || strcmp(line, "sign:fb") == 0) {
		signature(line[5] == 'i' ? FZ_IG_SECRET : FZ_FB_SECRET, body,
		    size, sig);
		header = sig;
		forged = 0;
	}
	if (ig_webhook_signed(ctx.cfg, header, body, size)) {
		if (ig_webhook_store(&ctx, body, size, &fresh) != IG_EDB)
			abort();
	} else if (!forged)
		abort();
	free(body);
	free(line);
	return 0;
}
