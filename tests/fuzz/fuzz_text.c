/* SPDX-License-Identifier: ISC */
/*
 * fuzz_text.c: the small readers of outside text, each on every input:
 * percent-decoding, the ig_valid_* validators, ISO 8601 times, both
 * base64 decoders, media URLs (ig_url_public()), a route's path id, the
 * names of kinds, and the log escaper.  Where one's result can be
 * checked against another's, it is: a validator's class holds the
 * narrower ones', a time formats back to itself, base64url decodes to
 * bytes that encode back to the input.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

/* The classes nest: digits, alnum, token, printable, utf8, text. */
static void
validators(const char *s, size_t n)
{
	int	digits = ig_valid_digits(s, n), alnum = ig_valid_alnum(s, n);
	int	token = ig_valid_token(s, n);
	int	printable = ig_valid_printable(s, n);
	int	utf8 = ig_valid_utf8(s, n), text = ig_valid_text(s, n);
	int	user = ig_valid_user_id(s, n), key = ig_valid_key_id(s, n);
	int	state = ig_valid_state(s, n);

	if ((digits && !alnum) || (alnum && !token) ||
	    (token && !printable) || (printable && !utf8) ||
	    (utf8 && !text) || (user && !utf8) || (key && !token) ||
	    (state && !token) || !ig_valid_any(s, n))
		abort();
}

static void
decoders(const uint8_t *data, size_t size)
{
	unsigned char	 small[16], *big;
	char		*s, *enc;
	size_t		 len;

	if (ig_url_decode((const char *)data, size, &s) == IG_OK) {
		if (strlen(s) > size)
			abort();
		free(s);
	}
	if ((big = malloc(size + 1)) == NULL ||
	    (enc = malloc(ig_b64url_len(size) + 1)) == NULL)
		abort();
	if (ig_b64url_dec(big, size + 1, &len, (const char *)data, size) ==
	    IG_OK) {
		/* One encoding per value: it comes back as it was. */
		ig_b64url_enc(enc, big, len);
		if (strlen(enc) != size || memcmp(enc, data, size) != 0)
			abort();
	}
	(void)ig_b64url_dec(small, sizeof(small), &len, (const char *)data,
	    size);
	(void)ig_b64_dec(big, size + 1, &len, (const char *)data, size);
	(void)ig_b64_dec(small, sizeof(small), &len, (const char *)data,
	    size);
	free(enc);
	free(big);
}

/*
 * A time read has the form, digits where it has digits, and formats
 * back to a string that reads as that time.
 */
static void
times(const char *s)
{
	static const char	 form[] = "dddd-dd-ddTdd:dd:ddZ";
	time_t			 t = ig_iso8601_parse(s);
	char			 iso[21];
	size_t			 i;

	if (t == -1)
		return;
	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			abort();
	ig_iso8601(iso, t);
	if (iso[0] != '\0' && ig_iso8601_parse(iso) != t)
		abort();
}

/* A known name reads as a kind whose name it is. */
static void
kinds(const char *s)
{
	enum ig_flavor		f;
	enum ig_token_kind	k;
	enum ig_status		st;
	enum ig_pub_status	ps;
	enum ig_step		step;

	if ((ig_flavor_parse(s, &f) && strcmp(ig_flavor_name(f), s) != 0) ||
	    (ig_token_kind_parse(s, &k) &&
	    strcmp(ig_token_kind_name(k), s) != 0) ||
	    (ig_status_parse(s, &st) && strcmp(ig_status_name(st), s) != 0) ||
	    (ig_pub_status_parse(s, &ps) &&
	    strcmp(ig_pub_status_name(ps), s) != 0) ||
	    (ig_step_parse(s, &step) && strcmp(ig_step_name(step), s) != 0))
		abort();
}

/* Whatever the size, an escaped line is printable and terminated. */
static void
escapes(const uint8_t *data, size_t size)
{
	static const size_t	 sizes[] = { 1, 4, 5, 64, 2048 };
	char			 out[2048];
	size_t			 i, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(out, 'x', sizeof(out));
		ig_log_escape(out, sizes[i], (const char *)data, size);
		for (k = 0; k < sizes[i] && out[k] != '\0'; k++)
			if (out[k] < 0x20 || out[k] > 0x7e)
				abort();
		if (k == sizes[i])
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *id, why[64];

	(void)fz_cfg();		/* logs off */
	validators((const char *)data, size);
	decoders(data, size);
	escapes(data, size);
	s = fz_str(data, size);
	times(s);
	kinds(s);
	(void)ig_url_public(s, why, sizeof(why));
	if ((id = ig_req_path_id_parse(s)) == NULL)
		abort();
	free(id);
	free(s);
	return 0;
}
