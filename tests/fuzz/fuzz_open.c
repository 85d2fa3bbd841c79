/* SPDX-License-Identifier: ISC */
/*
 * fuzz_open.c: ig_open(), a sealed token as the database gives it back
 * (or as an attacker with write access to it would make it).  An input
 * is a first line and the rest.  When the first line is "seal", the
 * rest is a token and its associated data (split at the first
 * newline): sealed with fz_cfg()'s first key, it must open to the same
 * token with the same data and to nothing with other data.  Otherwise
 * the first line is the sealed value and the rest the associated data
 * it is opened with, under keys "k2" and "k1".
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

static void
round_trip(const struct ig_cfg *cfg, const char *plain, const char *aad)
{
	char	*sealed, *opened;

	if (ig_seal(cfg, plain, aad, &sealed) != IG_OK)
		return;		/* associated data too long */
	if (ig_open(cfg, sealed, aad, &opened) != IG_OK ||
	    strcmp(opened, plain) != 0)
		abort();
	ig_free_secret(opened);
	if (ig_open(cfg, sealed, "another row", &opened) == IG_OK) {
		if (strcmp(aad, "another row") != 0)
			abort();
		ig_free_secret(opened);
	}
	free(sealed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ig_cfg	*cfg = fz_cfg();
	char			*first = fz_line(&data, &size), *token, *aad;
	char			*plain;

	if (strcmp(first, "seal") == 0) {
		token = fz_line(&data, &size);
		aad = fz_str(data, size);
		round_trip(cfg, token, aad);
		free(token);
	} else {
		aad = fz_str(data, size);
		if (ig_open(cfg, first, aad, &plain) == IG_OK)
			ig_free_secret(plain);
	}
	free(aad);
	free(first);
	return 0;
}
