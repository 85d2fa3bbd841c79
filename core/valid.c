/* SPDX-License-Identifier: ISC */
/*
 * valid.c: input validators for request parameters.  Each is a
 * character class plus a length; each refuses embedded NUL, because a
 * value is later used as a C string (kcgi kvalid_string).
 */
#include <string.h>

#include "ig.h"

static int
all_of(const char *s, size_t n, const char *extra, int lo, int hi)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= '0' && c <= '9')
			continue;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if (lo != 0 && c >= lo && c <= hi)
			continue;
		if (c != '\0' && extra != NULL && strchr(extra, c) != NULL)
			continue;
		return 0;
	}
	return 1;
}

int
ig_valid_printable(const char *s, size_t n)
{
	return all_of(s, n, NULL, 0x20, 0x7e);
}

int
ig_valid_token(const char *s, size_t n)
{
	return all_of(s, n, NULL, 0x21, 0x7e);
}

int
ig_valid_digits(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
ig_valid_alnum(const char *s, size_t n)
{
	return all_of(s, n, NULL, 0, 0);
}

/* RFC 6749 10.10: 32 random bytes, base64url unpadded, is 43 chars. */
int
ig_valid_state(const char *s, size_t n)
{
	return n == 43 && all_of(s, n, "-_", 0, 0);
}

/* Key ids appear in sealed values "ig1.<id>.<data>": no '.' allowed. */
int
ig_valid_key_id(const char *s, size_t n)
{
	return n <= 32 && all_of(s, n, "-_", 0, 0);
}

/*
 * Well-formed UTF-8 without NUL, DEL, the C1 controls, or C0 controls
 * other than those in "ctl".
 */
static int
utf8_ok(const char *s, size_t n, const char *ctl)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k, len;
	unsigned long		 cp;

	while (i < n) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && (p[i] == 0 ||
			    strchr(ctl, p[i]) == NULL)) || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = p[i] & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/*
		 * Overlong forms, surrogates, values past U+10FFFF and the C1
		 * controls (U+0080 to U+009F), which terminals act upon.
		 */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += len;
	}
	return 1;
}

/* Any text a person would call a name or an id: no control at all. */
int
ig_valid_user_id(const char *s, size_t n)
{
	return n > 0 && n <= IG_MAX_USER_ID && utf8_ok(s, n, "");
}

int
ig_valid_utf8(const char *s, size_t n)
{
	return utf8_ok(s, n, "\t\n");
}

/* A browser sends a textarea's lines ended by CR LF. */
int
ig_valid_text(const char *s, size_t n)
{
	return utf8_ok(s, n, "\t\n\r");
}

int
ig_valid_any(const char *s, size_t n)
{
	(void)s;
	(void)n;
	return 1;
}
