/* SPDX-License-Identifier: ISC */
/*
 * t_basics.c: unit tests of the small pieces of core/: the validators
 * (valid.c), the capped buffer (buf.c), the log escaper (log.c),
 * percent-decoding (req.c), the error mapping (err.c), the parsers
 * of Meta's error envelopes and ids (http.c) and of ISO 8601 times
 * (resp.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

#include "../lib/check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A string literal and its length, embedded NULs included. */
#define S(s)		s, sizeof(s) - 1

struct	vcase {
	const char	*s;
	size_t		 n;
	int		 want;
};

static int
run_valid(const char *name, int (*fn)(const char *, size_t),
    const struct vcase *v, size_t nv)
{
	size_t	i;
	int	ok = 1;

	for (i = 0; i < nv; i++)
		if (!CHECK(fn(v[i].s, v[i].n) == v[i].want)) {
			printf("  %s case %zu\n", name, i);
			ok = 0;
		}
	return ok;
}

static void
t_valid_state(void)
{
	static const struct vcase v[] = {
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 1 },
		{ S("abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE"), 1 },
		/* 42 and 44 characters. */
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/"), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA."), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "), 0 },
		{ S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0"), 0 },
		{ S("\xc3\xa9"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0 },
		{ S(""), 0 },
	};

	run_valid("state", ig_valid_state, v, NELEM(v));
}

static void
t_valid_digits(void)
{
	static const struct vcase v[] = {
		{ S("0"), 1 }, { S("0123456789"), 1 },
		{ S("17841457215396811"), 1 },
		{ S(""), 0 }, { S("-1"), 0 }, { S("+1"), 0 }, { S(" 1"), 0 },
		{ S("1 "), 0 }, { S("1a"), 0 }, { S("0x10"), 0 },
		{ S("1.5"), 0 }, { S("1\0" "2"), 0 }, { S("\xd9\xa3"), 0 },
		{ S("/"), 0 }, { S(":"), 0 },
	};

	run_valid("digits", ig_valid_digits, v, NELEM(v));
}

static void
t_valid_alnum(void)
{
	static const struct vcase v[] = {
		{ S("a"), 1 }, { S("Z9"), 1 }, { S("abcXYZ019"), 1 },
		{ S(""), 0 }, { S("a_b"), 0 }, { S("a-b"), 0 }, { S("a b"), 0 },
		{ S("a.b"), 0 }, { S("a\0"), 0 }, { S("\xc3\xa9"), 0 },
		{ S("@"), 0 }, { S("["), 0 }, { S("`"), 0 }, { S("{"), 0 },
	};

	run_valid("alnum", ig_valid_alnum, v, NELEM(v));
}

static void
t_valid_token(void)
{
	static const struct vcase v[] = {
		{ S("!"), 1 }, { S("~"), 1 }, { S("IGQVJ-abc_def.ghi/+="), 1 },
		{ S("a\"b'c<d>e"), 1 },
		{ S(""), 0 }, { S(" "), 0 }, { S("a b"), 0 }, { S("a\tb"), 0 },
		{ S("a\nb"), 0 }, { S("a\x7f"), 0 }, { S("a\0b"), 0 },
		{ S("\xc3\xa9"), 0 }, { S("\x1f"), 0 },
	};

	run_valid("token", ig_valid_token, v, NELEM(v));
}

static void
t_valid_printable(void)
{
	static const struct vcase v[] = {
		{ S(" "), 1 }, { S("a b"), 1 }, { S("~!@#$%^&*()"), 1 },
		{ S("host=/tmp dbname=x"), 1 },
		{ S(""), 0 }, { S("a\tb"), 0 }, { S("a\nb"), 0 },
		{ S("a\rb"), 0 }, { S("\x7f"), 0 }, { S("\x1f"), 0 },
		{ S("a\0b"), 0 }, { S("\xc3\xa9"), 0 }, { S("\x80"), 0 },
	};

	run_valid("printable", ig_valid_printable, v, NELEM(v));
}

/* Key ids: what a sealed value "ig1.<id>.<data>" can hold. */
static void
t_valid_key_id(void)
{
	static const struct vcase v[] = {
		{ S("k1"), 1 }, { S("dev1"), 1 }, { S("k20260101-1_b"), 1 },
		{ S("abcdefghijklmnopqrstuvwxyz012345"), 1 },	/* 32 */
		{ S("abcdefghijklmnopqrstuvwxyz0123456"), 0 },	/* 33 */
		{ S(""), 0 }, { S("a.b"), 0 }, { S("a:b"), 0 }, { S("a,b"), 0 },
		{ S("a b"), 0 }, { S("a\0"), 0 }, { S("\xc3\xa9"), 0 },
	};

	run_valid("key id", ig_valid_key_id, v, NELEM(v));
}

static void
t_valid_user_id(void)
{
	static char		 max[IG_MAX_USER_ID + 2];
	static const struct vcase v[] = {
		{ S("u1"), 1 }, { S("user@example.com"), 1 },
		{ S("auth0|5f7c8ec7c33c6c004bbafe82"), 1 },
		{ S("a.b_c:d|e-f"), 1 }, { S("jane+test@example.com"), 1 },
		{ S("O'Brien"), 1 }, { S("\xc3\xa9mile"), 1 },
		{ S("\xe6\x97\xa5\xe6\x9c\xac"), 1 }, { S("a b"), 1 },
		{ S("a/b"), 1 }, { S("a,b;c\"d\\e%f"), 1 },
		/* Empty, controls (C0, DEL, C1), not UTF-8. */
		{ S(""), 0 }, { S("a\0b"), 0 }, { S("a\tb"), 0 },
		{ S("a\nb"), 0 }, { S("a\rb"), 0 }, { S("a\x7f"), 0 },
		{ S("a\xc2\x85"), 0 }, { S("a\xff"), 0 }, { S("\xc3"), 0 },
	};

	run_valid("user_id", ig_valid_user_id, v, NELEM(v));
	memset(max, 'a', sizeof(max));
	CHECK(ig_valid_user_id(max, IG_MAX_USER_ID) == 1);
	CHECK(ig_valid_user_id(max, IG_MAX_USER_ID + 1) == 0);
}

static void
t_valid_utf8(void)
{
	static const struct vcase v[] = {
		{ S("plain ascii"), 1 },
		/* U+00E9 U+20AC U+1F600 */
		{ S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 1 },
		{ S("caf\xc3\xa9"), 1 },
		{ S("\xc2\x80"), 0 },			/* U+0080, a C1 control */
		{ S("\xc2\x9f"), 0 },			/* U+009F, a C1 control */
		{ S("\xc2\xa0"), 1 },			/* U+00A0 */
		{ S("\xdf\xbf"), 1 },			/* U+07FF */
		{ S("\xe0\xa0\x80"), 1 },		/* U+0800 */
		{ S("\xed\x9f\xbf"), 1 },		/* U+D7FF */
		{ S("\xee\x80\x80"), 1 },		/* U+E000 */
		{ S("\xef\xbf\xbd"), 1 },		/* U+FFFD */
		{ S("\xf0\x90\x80\x80"), 1 },		/* U+10000 */
		{ S("\xf4\x8f\xbf\xbf"), 1 },		/* U+10FFFF */
		{ S("tab\there"), 1 },
		{ S("line\nbreak"), 1 },
		/* Overlong forms. */
		{ S("\xc0\xaf"), 0 },
		{ S("\xc1\xbf"), 0 },
		{ S("\xc0\x80"), 0 },
		{ S("\xe0\x80\xaf"), 0 },
		{ S("\xe0\x9f\xbf"), 0 },
		{ S("\xf0\x80\x80\xaf"), 0 },
		{ S("\xf0\x8f\xbf\xbf"), 0 },
		/* Surrogates. */
		{ S("\xed\xa0\x80"), 0 },
		{ S("\xed\xbf\xbf"), 0 },
		{ S("\xed\xa0\xbd\xed\xb8\x80"), 0 },
		/* Past U+10FFFF and bytes that never occur. */
		{ S("\xf4\x90\x80\x80"), 0 },
		{ S("\xf7\xbf\xbf\xbf"), 0 },
		{ S("\xf8\x88\x80\x80\x80"), 0 },
		{ S("\xfe"), 0 },
		{ S("\xff"), 0 },
		/* Truncated sequences and lone continuation bytes. */
		{ S("\xc3"), 0 },
		{ S("a\xc3"), 0 },
		{ S("\xe2\x82"), 0 },
		{ S("\xf0\x9f\x98"), 0 },
		{ S("\xf0\x9f\x98" "a"), 0 },
		{ S("\xe2" "a\xac"), 0 },
		{ S("\x80"), 0 },
		{ S("a\xbf"), 0 },
		/* Control characters and NUL. */
		{ S("a\0b"), 0 },
		{ S("\0"), 0 },
		{ S("a\rb"), 0 },
		{ S("\x1b[31m"), 0 },
		{ S("\x01"), 0 },
		{ S("\x7f"), 0 },
	};

	run_valid("utf8", ig_valid_utf8, v, NELEM(v));
	/* A truncated sequence is caught by the length, not a NUL. */
	CHECK(ig_valid_utf8("\xc3\xa9", 1) == 0);
	CHECK(ig_valid_utf8("\xf0\x9f\x98\x80", 3) == 0);
	CHECK(ig_valid_utf8("\xf0\x9f\x98\x80", 4) == 1);
}

static void
t_buf_cap(void)
{
	struct ig_buf	b;
	size_t		i;

	ig_buf_init(&b, 10);
	CHECK(b.data == NULL && b.len == 0 && b.size == 0 && b.cap == 10);
	CHECK(ig_buf_adds(&b, "0123") == IG_OK);
	CHECK(ig_buf_add(&b, "456789", 6) == IG_OK);
	CHECK(b.len == 10 && b.data != NULL &&
	    strcmp(b.data, "0123456789") == 0);
	CHECK(ig_buf_add(&b, "", 0) == IG_OK && b.len == 10);
	/* One byte more: refused, and the buffer is emptied. */
	CHECK(ig_buf_add(&b, "x", 1) == IG_ETOOBIG);
	CHECK(b.data == NULL && b.len == 0 && b.size == 0 && b.cap == 10);
	/* Still usable afterwards, with the same cap. */
	CHECK(ig_buf_adds(&b, "abc") == IG_OK && b.len == 3 &&
	    strcmp(b.data, "abc") == 0);
	ig_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 10);

	/* A single add over the cap from empty, and from part full. */
	ig_buf_init(&b, 10);
	CHECK(ig_buf_add(&b, "0123456789A", 11) == IG_ETOOBIG);
	CHECK(b.data == NULL && b.len == 0);
	CHECK(ig_buf_adds(&b, "01234") == IG_OK);
	CHECK(ig_buf_adds(&b, "567890") == IG_ETOOBIG);
	CHECK(b.data == NULL && b.len == 0);
	/* A huge length must not wrap around the check. */
	CHECK(ig_buf_adds(&b, "01234") == IG_OK);
	CHECK(ig_buf_add(&b, "x", SIZE_MAX) == IG_ETOOBIG);
	CHECK(ig_buf_add(&b, "x", SIZE_MAX - 2) == IG_ETOOBIG);
	CHECK(b.data == NULL && b.len == 0);
	ig_buf_free(&b);

	/* A cap of zero holds only the empty string. */
	ig_buf_init(&b, 0);
	CHECK(ig_buf_add(&b, "", 0) == IG_OK && b.data != NULL &&
	    b.data[0] == '\0');
	CHECK(ig_buf_add(&b, "x", 1) == IG_ETOOBIG && b.data == NULL);
	ig_buf_free(&b);

	/* Growth past the first block keeps every byte. */
	ig_buf_init(&b, 5000);
	for (i = 0; i < 5000; i++)
		if (ig_buf_add(&b, &"0123456789"[i % 10], 1) != IG_OK)
			break;
	/* Never more than cap + 1 bytes, however it grows. */
	CHECK(i == 5000 && b.len == 5000 && b.size == 5001);
	for (i = 0; b.data != NULL && i < 5000; i++)
		if (b.data[i] != (char)('0' + i % 10))
			break;
	CHECK(i == 5000 && b.data[5000] == '\0');
	CHECK(ig_buf_add(&b, "x", 1) == IG_ETOOBIG && b.data == NULL);
	ig_buf_free(&b);

	/* Binary content with NULs is kept; len counts it. */
	ig_buf_init(&b, 64);
	CHECK(ig_buf_add(&b, "a\0b", 3) == IG_OK && b.len == 3 &&
	    memcmp(b.data, "a\0b", 4) == 0);
	ig_buf_free(&b);
}

/* What ig_log_escape() should produce with room to spare. */
static void
escape_ref(char *out, const char *s, size_t n)
{
	size_t	i;
	char	*o = out;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	*o = '\0';
}

static void
t_log_escape_values(void)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
	} v[] = {
		{ S("plain text ~!"), "plain text ~!" },
		{ S("a\nb"), "a\\x0ab" },
		{ S("a\rb"), "a\\x0db" },
		{ S("\x1b[31mred"), "\\x1b[31mred" },
		{ S("back\\slash"), "back\\x5cslash" },
		{ S("tab\t"), "tab\\x09" },
		{ S("del\x7f"), "del\\x7f" },
		{ S("nul\0nul"), "nul\\x00nul" },
		{ S("caf\xc3\xa9"), "caf\\xc3\\xa9" },
		{ S("\xff"), "\\xff" },
		{ S("\"quoted\" 'x'"), "\"quoted\" 'x'" },
		{ S(""), "" },
	};
	char	out[128], ref[128];
	size_t	i;

	for (i = 0; i < NELEM(v); i++) {
		memset(out, '#', sizeof(out));
		ig_log_escape(out, sizeof(out), v[i].in, v[i].n);
		escape_ref(ref, v[i].in, v[i].n);
		if (!CHECK(strcmp(out, v[i].out) == 0 &&
		    strcmp(ref, v[i].out) == 0))
			printf("  case %zu: got \"%s\"\n", i, out);
	}
	/* Only "n" bytes are read. */
	ig_log_escape(out, sizeof(out), "abcdef", 3);
	CHECK(strcmp(out, "abc") == 0);
}

static const char *const	escape_inputs[] = {
	"hello world, a longer line of plain text",
	"a\nb\nc\nd\ne\nf\ng\nh\ni\nj",
	"\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b",
	"ab\\cd\\ef\\gh\\ij\\kl\\mn\\op",
	"abc",
	"x",
	"\n",
};

/*
 * Every output size from 0 to 40: nothing is written past the buffer,
 * the result is NUL-terminated, a prefix of the full escape, and ends
 * with "..." when cut (if there is room for it).
 */
static void
t_log_escape_bounds(void)
{
	char	buf[64], full[256];
	size_t	k, sz, len, bad = 0;

	for (k = 0; k < NELEM(escape_inputs); k++) {
		escape_ref(full, escape_inputs[k], strlen(escape_inputs[k]));
		for (sz = 0; sz <= 40; sz++) {
			memset(buf, '#', sizeof(buf));
			buf[sz] = '\xa5';		/* canary */
			ig_log_escape(buf, sz, escape_inputs[k],
			    strlen(escape_inputs[k]));
			if (buf[sz] != '\xa5') {
				bad++;
				printf("  input %zu size %zu: overflow\n",
				    k, sz);
				continue;
			}
			if (sz == 0)
				continue;
			if ((len = strnlen(buf, sz)) == sz) {
				bad++;
				printf("  input %zu size %zu: no NUL\n", k, sz);
				continue;
			}
			if (strcmp(buf, full) == 0)
				continue;
			/* Cut: "..." at the end when it fits. */
			if (sz >= 4 && (len < 3 ||
			    strcmp(buf + len - 3, "...") != 0)) {
				bad++;
				printf("  input %zu size %zu: \"%s\" without "
				    "...\n", k, sz, buf);
				continue;
			}
			if (sz >= 4)
				len -= 3;
			if (strncmp(buf, full, len) != 0) {
				bad++;
				printf("  input %zu size %zu: \"%s\" not a "
				    "prefix\n", k, sz, buf);
			}
		}
	}
	CHECK(bad == 0);
}

/* A cut never splits an escape: "\x1..." would misread as a byte. */
static void
t_log_escape_no_split(void)
{
	char	buf[64], full[256];
	size_t	k, sz, len, i, bad = 0;

	for (k = 0; k < NELEM(escape_inputs); k++) {
		escape_ref(full, escape_inputs[k], strlen(escape_inputs[k]));
		for (sz = 4; sz <= 40; sz++) {
			ig_log_escape(buf, sz, escape_inputs[k],
			    strlen(escape_inputs[k]));
			len = strlen(buf);
			if (strcmp(buf, full) == 0 || len < 3)
				continue;
			len -= 3;
			/* "len" must be a boundary between units of "full". */
			for (i = 0; i < len; i += full[i] == '\\' ? 4 : 1)
				;
			if (i != len && ++bad <= 5) {
				printf("  input %zu size %zu: \"%s\"\n", k, sz,
				    buf);
			}
		}
	}
	CHECK(bad == 0);
}

/* Output that fits is never cut: "abc" needs 4 bytes, not 8. */
static void
t_log_escape_fits(void)
{
	char	buf[64], full[256];
	size_t	k, sz, bad = 0;

	for (k = 0; k < NELEM(escape_inputs); k++) {
		escape_ref(full, escape_inputs[k], strlen(escape_inputs[k]));
		for (sz = strlen(full) + 1; sz <= 40; sz++) {
			ig_log_escape(buf, sz, escape_inputs[k],
			    strlen(escape_inputs[k]));
			if (strcmp(buf, full) != 0 && ++bad <= 5) {
				printf("  input %zu size %zu: \"%s\"\n", k, sz,
				    buf);
			}
		}
	}
	CHECK(bad == 0);
}

static void
t_url_decode(void)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;		/* NULL: IG_EINPUT */
	} v[] = {
		{ S("a%2Eb"), "a.b" },
		{ S("a%2eb"), "a.b" },
		{ S("hub.mode"), "hub.mode" },
		{ S("a+b"), "a b" },
		{ S("+"), " " },
		{ S("%2B"), "+" },
		{ S("%25"), "%" },
		{ S("%252E"), "%2E" },		/* decoded once only */
		{ S("%41%42%43"), "ABC" },
		{ S("%e2%82%ac"), "\xe2\x82\xac" },
		{ S("%0A"), "\n" },
		{ S(""), "" },
		{ S("%zz"), NULL },
		{ S("%4"), NULL },
		{ S("%"), NULL },
		{ S("a%"), NULL },
		{ S("a%4"), NULL },
		{ S("%g0"), NULL },
		{ S("%0g"), NULL },
		{ S("% 1"), NULL },
		{ S("%00"), NULL },
		{ S("a%00b"), NULL },
		{ S("a\0b"), NULL },
		{ S("%%41"), NULL },
	};
	char		*out;
	size_t		 i;
	enum ig_err	 er;

	for (i = 0; i < NELEM(v); i++) {
		out = (char *)(uintptr_t)"untouched";
		er = ig_url_decode(v[i].in, v[i].n, &out);
		if (v[i].out == NULL) {
			if (!CHECK(er == IG_EINPUT && out == NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (!CHECK(er == IG_OK && out != NULL &&
		    strcmp(out, v[i].out) == 0))
			printf("  case %zu\n", i);
		if (er == IG_OK)
			free(out);
	}
	/* Only "n" bytes are read. */
	CHECK(ig_url_decode("ab%41", 2, &out) == IG_OK &&
	    strcmp(out, "ab") == 0);
	free(out);
	CHECK(ig_url_decode("ab%41", 4, &out) == IG_EINPUT);
}

static void
t_err_map(void)
{
	static const struct {
		enum ig_err	 er;
		int		 status;
		const char	*code;
		const char	*phrase;
	} v[] = {
		{ IG_OK, 200, "ok", "success" },
		{ IG_ENOMEM, 503, "unavailable", "out of memory" },
		{ IG_EINPUT, 400, "invalid_request", "invalid input" },
		{ IG_EAUTH, 401, "unauthorized", "not authenticated" },
		{ IG_EFORBIDDEN, 403, "forbidden", "forbidden" },
		{ IG_ENOTFOUND, 404, "not_found", "not found" },
		{ IG_EMETHOD, 405, "method_not_allowed", "method not allowed" },
		{ IG_ETOOBIG, 413, "payload_too_large", "payload too large" },
		{ IG_EDB, 503, "unavailable", "database unavailable" },
		{ IG_EUPSTREAM, 502, "upstream_error", "upstream failure" },
		{ IG_ERATELIMIT, 503, "upstream_rate_limited",
		    "upstream rate limit" },
		{ IG_EMETA, 502, "upstream_error", "upstream error" },
		{ IG_ECRYPTO, 500, "internal_error", "cryptographic failure" },
		{ IG_ESYS, 500, "internal_error", "system error" },
		{ IG_ESCOPE, 400, "insufficient_scope",
		    "the user did not grant a permission the app needs" },
		{ IG_ENOACCOUNT, 400, "no_instagram_account", NULL },
		{ IG_ECHOICE, 409, "account_choice_required", NULL },
		{ IG_ENOTOFFERED, 400, "invalid_request", NULL },
		{ IG_ESELECTION, 400, "invalid_selection", NULL },
		{ IG_ECONFLICT, 409, "conflict", NULL },
		{ IG_ESTATE, 400, "invalid_state", NULL },
		{ IG_EDENIED, 400, "access_denied", NULL },
		{ IG_EGRANT, 400, "invalid_grant", NULL },
		{ IG_EREVOKED, 409, "token_revoked", NULL },
		{ IG_ETOOEARLY, 409, "too_early", NULL },
		{ IG_EPUBLIMIT, 429, "publish_limit_reached", NULL },
		{ IG_ENOPUBLISH, 403, "insufficient_scope", NULL },
		{ IG_ENOCONN, 404, "not_found", NULL },
		{ IG_EMEDIATYPE, 415, "unsupported_media_type", NULL },
		{ IG_EPERMISSION, 403, "insufficient_permission", NULL },
		/* Out of range: a safe default. */
		{ IG_ERR__MAX, 500, "internal_error", "unknown error" },
		{ (enum ig_err)-1, 500, "internal_error", "unknown error" },
		{ (enum ig_err)1000, 500, "internal_error", "unknown error" },
	};
	size_t	i;

	CHECK(NELEM(v) == (size_t)IG_ERR__MAX + 3);
	for (i = 0; i < NELEM(v); i++) {
		if (!CHECK(ig_err_http(v[i].er) == v[i].status &&
		    strcmp(ig_err_code(v[i].er), v[i].code) == 0 &&
		    (v[i].phrase == NULL ||
		    strcmp(ig_strerror(v[i].er), v[i].phrase) == 0)))
			printf("  case %zu\n", i);
	}
}

/* Every name parses back to its value; unknown names are refused. */
static void
t_kinds(void)
{
	enum ig_flavor		f;
	enum ig_token_kind	k;
	enum ig_status		st;
	int			i;

	for (i = 0; i < IG_FLAVOR__MAX; i++)
		CHECK(ig_flavor_parse(ig_flavor_name((enum ig_flavor)i), &f) &&
		    (int)f == i);
	for (i = 0; i < IG_TOKEN__MAX; i++)
		CHECK(ig_token_kind_parse(ig_token_kind_name(
		    (enum ig_token_kind)i), &k) && (int)k == i);
	for (i = 0; i < IG_STATUS__MAX; i++)
		CHECK(ig_status_parse(ig_status_name((enum ig_status)i), &st) &&
		    (int)st == i);
	CHECK(strcmp(ig_flavor_name(IG_FLAVOR_FACEBOOK), "facebook") == 0);
	CHECK(strcmp(ig_token_kind_name(IG_TOKEN_PAGE), "page") == 0);
	CHECK(strcmp(ig_status_name(IG_STATUS_NEEDS_REAUTH),
	    "needs_reauth") == 0);
	CHECK(!ig_flavor_parse("Instagram", &f));
	CHECK(!ig_flavor_parse("", &f));
	CHECK(!ig_flavor_parse(NULL, &f));
	CHECK(!ig_token_kind_parse("longer", &k));
	CHECK(!ig_status_parse("connected", &st));
	CHECK(strcmp(ig_flavor_name((enum ig_flavor)99), "instagram") == 0);
}

/*
 * The Facebook dialog URL (Facebook Login docs): the Meta app id, the exact
 * redirect URI, response_type=code, the state, and the scopes, or
 * config_id instead of them for Facebook Login for Business.
 */
static void
t_fb_authorize_url(void)
{
	struct ig_cfg	 c;
	char		*url = NULL;

	memset(&c, 0, sizeof(c));
	c.fb_app_id = (char *)"1234567890123";
	c.graph_version = (char *)"v26.0";
	c.url_facebook_www = (char *)"https://www.facebook.com";
	c.fb_scopes = (char *)"pages_show_list,instagram_basic";
	if (CHECK(ig_fb_authorize_url(&c, "https://app.example/cb?x=1",
	    "STATE", &url) == IG_OK))
		CHECK(strcmp(url, "https://www.facebook.com/v26.0/dialog/oauth?"
		    "client_id=1234567890123&redirect_uri=https%3A%2F%2F"
		    "app.example%2Fcb%3Fx%3D1&response_type=code&scope="
		    "pages_show_list%2Cinstagram_basic&state=STATE") == 0);
	free(url);
	url = NULL;
	c.fb_config_id = (char *)"987654321";
	if (CHECK(ig_fb_authorize_url(&c, "https://app.example/cb", "S",
	    &url) == IG_OK)) {
		CHECK(strstr(url, "&config_id=987654321&") != NULL);
		CHECK(strstr(url, "scope=") == NULL);
	}
	free(url);
}

static const char *
jsonstr(const json_t *o, const char *k)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

/* debug_token's reply (debug_token docs), ids as strings or numbers. */
static void
t_fb_read_debug(void)
{
	struct ig_fb_debug	 d;
	json_t			*r;

	r = json_loads("{\"data\":{\"app_id\":\"138483919580948\","
	    "\"type\":\"USER\",\"application\":\"Social Cafe\","
	    "\"data_access_expires_at\":1649504517,\"expires_at\":"
	    "1641733200,\"is_valid\":true,\"scopes\":[\"pages_show_list\","
	    "\"instagram_basic\",\"public_profile\"],\"user_id\":"
	    "\"10161234567890001\"}}", 0, NULL);
	if (CHECK(r != NULL && ig_fb_read_debug(r, &d) == IG_OK)) {
		CHECK(d.valid == 1);
		CHECK(d.data_access_expires_at == 1649504517);
		CHECK(d.expires_at == 1641733200);
		CHECK(strcmp(d.user_id, "10161234567890001") == 0);
		CHECK(json_array_size(d.scopes) == 3);
		ig_fb_debug_free(&d);
	}
	json_decref(r);
	/* Older samples: numbers; expires_at 0 is never; not valid. */
	r = json_loads("{\"data\":{\"app_id\":138483919580948,"
	    "\"expires_at\":0,\"is_valid\":false,\"user_id\":"
	    "10161234567890001}}", 0, NULL);
	if (CHECK(r != NULL && ig_fb_read_debug(r, &d) == IG_OK)) {
		CHECK(d.valid == 0 && d.expires_at == 0);
		CHECK(strcmp(d.user_id, "10161234567890001") == 0);
		CHECK(json_array_size(d.scopes) == 0);
		ig_fb_debug_free(&d);
	}
	json_decref(r);
	r = json_loads("{\"data\":{\"expires_at\":0}}", 0, NULL);
	CHECK(r != NULL && ig_fb_read_debug(r, &d) == IG_EUPSTREAM);
	json_decref(r);
	r = json_loads("{\"data\":{\"is_valid\":true,\"expires_at\":1.5}}",
	    0, NULL);
	CHECK(r != NULL && ig_fb_read_debug(r, &d) == IG_EUPSTREAM);
	json_decref(r);
}

/* The Instagram account on the Facebook host (Facebook Login docs). */
static void
t_fb_read_profile(void)
{
	struct ig_profile	 p;
	json_t			*r;

	r = json_loads("{\"id\":\"17841407673135339\",\"biography\":"
	    "\"Build with us\",\"name\":\"Facebook for Developers\","
	    "\"username\":\"facebookfordevelopers\",\"profile_picture_url\":"
	    "\"https://scontent.example/p.jpg\",\"followers_count\":64363,"
	    "\"media_count\":427,\"ig_id\":5370000001}", 0, NULL);
	if (CHECK(r != NULL && ig_fb_read_profile(r, &p) == IG_OK)) {
		CHECK(strcmp(p.ig_id, "17841407673135339") == 0);
		CHECK(strcmp(p.id, p.ig_id) == 0);
		CHECK(strcmp(jsonstr(p.fields, "username"),
		    "facebookfordevelopers") == 0);
		CHECK(json_integer_value(json_object_get(p.fields,
		    "followersCount")) == 64363);
		CHECK(json_object_get(p.fields, "website") == NULL);
		ig_profile_free(&p);
	}
	json_decref(r);
	r = json_loads("{\"id\":1.7841407673135339e16}", 0, NULL);
	CHECK(r != NULL && ig_fb_read_profile(r, &p) == IG_EUPSTREAM);
	json_decref(r);
}

static void
t_meta_error(void)
{
	static const struct {
		const char		*body;
		int			 found;
		long			 code, subcode;
		int			 transient;
		enum ig_meta_class	 cls;
		const char		*type, *message, *fbtrace;
	} v[] = {
		{ "{\"error\":{\"message\":\"Error validating access token: "
		    "Session has expired\",\"type\":\"OAuthException\","
		    "\"code\":190,\"error_subcode\":463,"
		    "\"fbtrace_id\":\"AbCdEf123\"}}", 1, 190, 463, 0,
		    IG_META_TOKEN, "OAuthException",
		    "Error validating access token: Session has expired",
		    "AbCdEf123" },
		{ "{\"error_type\":\"OAuthException\",\"code\":400,"
		    "\"error_message\":\"Invalid authorization code\"}", 1,
		    400, 0, 0, IG_META_OAUTH, "OAuthException",
		    "Invalid authorization code", "" },
		{ "{\"error\":{\"code\":4}}", 1, 4, 0, 0, IG_META_RATELIMIT,
		    "", "", "" },
		{ "{\"error\":{\"code\":17}}", 1, 17, 0, 0, IG_META_RATELIMIT,
		    "", "", "" },
		{ "{\"error\":{\"code\":32}}", 1, 32, 0, 0, IG_META_RATELIMIT,
		    "", "", "" },
		{ "{\"error\":{\"code\":613}}", 1, 613, 0, 0,
		    IG_META_RATELIMIT, "", "", "" },
		{ "{\"error\":{\"code\":80002}}", 1, 80002, 0, 0,
		    IG_META_RATELIMIT, "", "", "" },
		{ "{\"error\":{\"code\":1}}", 1, 1, 0, 0, IG_META_TRANSIENT,
		    "", "", "" },
		{ "{\"error\":{\"code\":2}}", 1, 2, 0, 0, IG_META_TRANSIENT,
		    "", "", "" },
		{ "{\"error\":{\"code\":100,\"is_transient\":true}}", 1, 100,
		    0, 1, IG_META_TRANSIENT, "", "", "" },
		{ "{\"error\":{\"code\":100,\"is_transient\":false}}", 1, 100,
		    0, 0, IG_META_OTHER, "", "", "" },
		{ "{\"error\":{\"code\":10}}", 1, 10, 0, 0,
		    IG_META_PERMISSION, "", "", "" },
		{ "{\"error\":{\"code\":200}}", 1, 200, 0, 0,
		    IG_META_PERMISSION, "", "", "" },
		{ "{\"error\":{\"code\":299}}", 1, 299, 0, 0,
		    IG_META_PERMISSION, "", "", "" },
		{ "{\"error\":{\"code\":300}}", 1, 300, 0, 0, IG_META_OTHER,
		    "", "", "" },
		{ "{\"error\":{\"code\":190,\"is_transient\":true}}", 1, 190,
		    0, 1, IG_META_TOKEN, "", "", "" },
		{ "{\"error\":{\"message\":\"x\",\"code\":\"190\"}}", 1, 0, 0,
		    0, IG_META_OTHER, "", "x", "" },
		{ "{\"error\":{}}", 1, 0, 0, 0, IG_META_OTHER, "", "", "" },
		/* Not recognised. */
		{ "", 0, 0, 0, 0, IG_META_OTHER, "", "", "" },
		{ "garbage", 0, 0, 0, 0, IG_META_OTHER, "", "", "" },
		{ "<html>502 Bad Gateway</html>", 0, 0, 0, 0, IG_META_OTHER,
		    "", "", "" },
		{ "[{\"error\":{\"code\":190}}]", 0, 0, 0, 0, IG_META_OTHER,
		    "", "", "" },
		{ "\"error\"", 0, 0, 0, 0, IG_META_OTHER, "", "", "" },
		{ "{}", 0, 0, 0, 0, IG_META_OTHER, "", "", "" },
		{ "{\"error\":\"invalid_grant\"}", 0, 0, 0, 0, IG_META_OTHER,
		    "", "", "" },
		{ "{\"error_type\":7,\"code\":400}", 0, 0, 0, 0,
		    IG_META_OTHER, "", "", "" },
		{ "{\"error\":{\"code\":190},\"error\":{\"code\":4}}", 0, 0, 0,
		    0, IG_META_OTHER, "", "", "" },
		{ "{\"error\":{\"code\":190}", 0, 0, 0, 0, IG_META_OTHER,
		    "", "", "" },
	};
	struct ig_meta_error	m;
	size_t			i;
	int			found;

	for (i = 0; i < NELEM(v); i++) {
		memset(&m, 0x5a, sizeof(m));
		found = ig_meta_error_parse(v[i].body, strlen(v[i].body), 400,
		    &m);
		if (!CHECK(found == v[i].found && m.status == 400 &&
		    m.code == v[i].code && m.subcode == v[i].subcode &&
		    m.transient == v[i].transient && m.cls == v[i].cls &&
		    strcmp(m.type, v[i].type) == 0 &&
		    strcmp(m.message, v[i].message) == 0 &&
		    strcmp(m.fbtrace_id, v[i].fbtrace) == 0 &&
		    m.retry_after == 0))
			printf("  case %zu\n", i);
	}
}

/* The publish route's path: the collection, one job, or neither. */
static void
t_pub_path(void)
{
	static const char	 job[] = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";
	static const struct {
		const char		*uri;
		enum ig_pub_path	 want;
	} v[] = {
		{ IG_PUB_COLLECTION, IG_PUB_PATH_COLLECTION },
		{ IG_PUB_COLLECTION "?status=failed", IG_PUB_PATH_COLLECTION },
		{ IG_PUB_COLLECTION "/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		    IG_PUB_PATH_JOB },
		/* A query after the id (CGI's REQUEST_URI) is not the id. */
		{ IG_PUB_COLLECTION "/0a1b2c3d-4e5f-6789-abcd-ef0123456789?x",
		    IG_PUB_PATH_JOB },
		{ IG_PUB_COLLECTION "/", IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/0A1B2C3D-4E5F-6789-ABCD-EF0123456789",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/------------------------------------",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/0a1b2c3d4e5f6789abcdef0123456789abcd",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/0a1b2c3d-4e5f-6789-abcd-ef012345678",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/0a1b2c3d-4e5f-6789-abcd-ef01234567890",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "/0a1b2c3d-4e5f-6789-abcd-ef0123456789/",
		    IG_PUB_PATH_BAD },
		{ IG_PUB_COLLECTION "x", IG_PUB_PATH_BAD },
		{ "/integrations/instagram/medi", IG_PUB_PATH_BAD },
		{ "", IG_PUB_PATH_BAD },
	};
	char	id[IG_UUID_LEN + 1];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(id, 'x', sizeof(id));
		if (!CHECK(ig_pub_path_parse(v[i].uri, id) == v[i].want &&
		    strcmp(id, v[i].want == IG_PUB_PATH_JOB ? job : "") == 0))
			printf("  case %zu: %s\n", i, v[i].uri);
	}
}

/* The two header values of Meta's "Rate Limiting" docs, verbatim. */
#define APP_USAGE_DOC \
	"{\"call_count\":28,\"total_time\":25,\"total_cputime\":25}"
#define BUC_DOC \
	"{\"<business-object-id>\":[{\"type\":\"instagram\"," \
	"\"call_count\":12,\"total_cputime\":29,\"total_time\":10," \
	"\"estimated_time_to_regain_access\":0}]}"
/* python-facebook's recorded headers.json (appendix 11), as sent. */
#define BUC_RECORDED \
	"{\"17841400455970028\": [{\"type\": \"instagram\", " \
	"\"call_count\": 12, \"total_cputime\": 29, \"total_time\": 10, " \
	"\"estimated_time_to_regain_access\": 0}]}"

/* "value" as header "name" into a zeroed usage: 1 if read. */
static int
usage_of(const char *name, const char *value, struct ig_meta_usage *u)
{
	memset(u, 0, sizeof(*u));
	return ig_meta_usage_parse(name, value, strlen(value), u);
}

/* Meta's usage headers: the highest figure and the regain time. */
static void
t_meta_usage(void)
{
	static const struct {
		const char	*name, *value;
	} bad[] = {
		{ "X-App-Usage", "" },
		{ "X-App-Usage", "28" },
		{ "X-App-Usage", "[28]" },
		{ "X-App-Usage", "{\"call_count\":\"90\"}" },
		{ "X-App-Usage", "{\"call_count\":-5}" },
		{ "X-App-Usage", "{\"call_count\":95.5}" },
		{ "X-App-Usage", "{\"calls\":95}" },
		{ "X-App-Usage", "{\"call_count\":95,\"call_count\":1}" },
		{ "X-App-Usage", "{\"call_count\":95" },
		{ "X-App-Usage", "{\"call_count\":95} x" },
		{ "X-Business-Use-Case-Usage", APP_USAGE_DOC },
		{ "X-Business-Use-Case-Usage", "{\"1\":{\"call_count\":90}}" },
		{ "X-Business-Use-Case-Usage", "{\"1\":[90]}" },
		{ "X-Business-Use-Case-Usage", "{\"1\":[{\"type\":\"x\","
		    "\"estimated_time_to_regain_access\":1441}]}" },
		{ "X-Ad-Account-Usage", APP_USAGE_DOC },
		{ "Content-Type", APP_USAGE_DOC },
	};
	static const char	 buc_line[] = "x-business-use-case-usage:\t"
	    "{\"9\":[{\"call_count\":100,"
	    "\"estimated_time_to_regain_access\":2}]} \r\n";
	struct ig_meta_usage	 u;
	size_t			 i;
	long			 ra;

	CHECK(usage_of("X-App-Usage", APP_USAGE_DOC, &u) && u.pct == 28 &&
	    u.regain == 0 && ig_meta_usage_pace(&u) == IG_PACE_FULL);
	CHECK(usage_of("x-business-use-case-usage", BUC_DOC, &u) &&
	    u.pct == 29 && u.regain == 0);
	CHECK(usage_of("X-Business-Use-Case-Usage", BUC_RECORDED, &u) &&
	    u.pct == 29 && u.regain == 0);
	/* The highest figure of every business; minutes become seconds. */
	CHECK(usage_of("X-Business-Use-Case-Usage", "{\"1\":[{\"type\":"
	    "\"instagram\",\"call_count\":12,\"total_cputime\":81}],\"2\":"
	    "[{\"type\":\"pages\",\"total_time\":64,"
	    "\"estimated_time_to_regain_access\":5}]}", &u) &&
	    u.pct == 81 && u.regain == 300 &&
	    ig_meta_usage_pace(&u) == IG_PACE_STOP);
	CHECK(usage_of("X-App-Usage", "{\"call_count\":79}", &u) &&
	    ig_meta_usage_pace(&u) == IG_PACE_FULL);
	CHECK(usage_of("X-App-Usage", "{\"total_time\":80}", &u) &&
	    ig_meta_usage_pace(&u) == IG_PACE_SLOW);
	CHECK(usage_of("X-App-Usage", "{\"total_cputime\":100}", &u) &&
	    ig_meta_usage_pace(&u) == IG_PACE_STOP);
	/* Overdrawn allowances read as at most 1000 %. */
	CHECK(usage_of("X-App-Usage", "{\"call_count\":99999999999}", &u) &&
	    u.pct == 1000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&u, 0, sizeof(u));
		u.pct = 7;
		if (!CHECK(ig_meta_usage_parse(bad[i].name, bad[i].value,
		    strlen(bad[i].value), &u) == 0 && u.pct == 7 &&
		    u.regain == 0))
			printf("  bad case %zu\n", i);
	}

	/* Whole header lines, as libcurl hands them over. */
	memset(&u, 0, sizeof(u));
	ra = 0;
	ig_http_read_header("X-App-Usage: " APP_USAGE_DOC "\r\n",
	    strlen("X-App-Usage: " APP_USAGE_DOC "\r\n"), &ra, &u);
	CHECK(u.pct == 28 && ra == 0);
	ig_http_read_header(buc_line, sizeof(buc_line) - 1, &ra, &u);
	CHECK(u.pct == 100 && u.regain == 120 && ra == 120);
	ra = 0;
	ig_http_read_header("Retry-After: 30\r\n", 17, &ra, &u);
	CHECK(ra == 30);
	ig_http_read_header("Retry-After: -3\r\n", 17, &ra, &u);
	ig_http_read_header("Retry-After: 1e9\r\n", 18, &ra, &u);
	ig_http_read_header("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
	    44, &ra, &u);
	ig_http_read_header("HTTP/1.1 200 OK\r\n", 17, &ra, &u);
	ig_http_read_header("\r\n", 2, &ra, &u);
	CHECK(ra == 30 && u.pct == 100);
}

/* Long text fields are cut to their arrays, NUL-terminated. */
static void
t_meta_error_truncate(void)
{
	struct ig_meta_error	 m;
	char			*body, *p;
	size_t			 n = 2000;

	if ((body = malloc(3 * n + 128)) == NULL) {
		CHECK(body != NULL);
		return;
	}
	p = body + sprintf(body, "{\"error\":{\"code\":190,\"type\":\"");
	memset(p, 't', n);
	p += n;
	p += sprintf(p, "\",\"message\":\"");
	memset(p, 'm', n);
	p += n;
	p += sprintf(p, "\",\"fbtrace_id\":\"");
	memset(p, 'f', n);
	p += n;
	(void)sprintf(p, "\"}}");
	CHECK(ig_meta_error_parse(body, strlen(body), 401, &m) == 1);
	CHECK(strlen(m.type) == sizeof(m.type) - 1 && m.type[0] == 't');
	CHECK(strlen(m.message) == sizeof(m.message) - 1 &&
	    m.message[0] == 'm');
	CHECK(strlen(m.fbtrace_id) == sizeof(m.fbtrace_id) - 1 &&
	    m.fbtrace_id[0] == 'f');
	CHECK(m.cls == IG_META_TOKEN && m.status == 401);
	/* Only "len" bytes are read: a cut body is not JSON. */
	CHECK(ig_meta_error_parse(body, 20, 401, &m) == 0);
	free(body);
}

static void
t_json_id_dup(void)
{
	static const struct {
		const char	*json;
		enum ig_err	 want;
		const char	*out;
	} v[] = {
		{ "{\"user_id\":27281358591558845}", IG_OK,
		    "27281358591558845" },
		{ "{\"user_id\":\"17841457215396811\"}", IG_OK,
		    "17841457215396811" },
		{ "{\"user_id\":9223372036854775807}", IG_OK,
		    "9223372036854775807" },
		{ "{\"user_id\":9007199254740993}", IG_OK,
		    "9007199254740993" },		/* 2^53 + 1 */
		{ "{\"user_id\":0}", IG_OK, "0" },
		{ "{\"user_id\":\"0\"}", IG_OK, "0" },
		{ "{\"user_id\":\"123456789012345678901234567890\"}", IG_OK,
		    "123456789012345678901234567890" },
		{ "{\"user_id\":\"1234567890123456789012345678901\"}",
		    IG_EUPSTREAM, NULL },		/* 31 digits */
		{ "{\"user_id\":1.5e16}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":17841457215396811.0}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":-5}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":\"-5\"}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":\"12a\"}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":\"\"}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":\" 12\"}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":\"1e5\"}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":true}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":[1]}", IG_EUPSTREAM, NULL },
		{ "{\"user_id\":{\"id\":1}}", IG_EUPSTREAM, NULL },
		{ "{\"id\":1}", IG_ENOTFOUND, NULL },
		{ "{}", IG_ENOTFOUND, NULL },
		{ "{\"user_id\":null}", IG_ENOTFOUND, NULL },
	};
	json_t		*o;
	char		*out;
	size_t		 i;
	enum ig_err	 er;

	for (i = 0; i < NELEM(v); i++) {
		if ((o = json_loads(v[i].json, 0, NULL)) == NULL) {
			CHECK(o != NULL);
			printf("  case %zu: bad test JSON\n", i);
			continue;
		}
		out = (char *)(uintptr_t)"untouched";
		er = ig_json_id_dup(o, "user_id", &out);
		if (!CHECK(er == v[i].want && (v[i].out == NULL ?
		    out == NULL : out != NULL && strcmp(out, v[i].out) == 0)))
			printf("  case %zu: got %d\n", i, er);
		if (er == IG_OK)
			free(out);
		json_decref(o);
	}
}

/*
 * Only the form ig_iso8601() writes reads as a time: sscanf's %d alone
 * would take a sign or a blank in a field (found by fuzz_text).
 */
static void
t_iso8601_parse(void)
{
	static const char *const bad[] = { "2024-01-29T23:-1:60Z",
	    "2026-12-24T-1:00:00Z", "2026-12-24T 1:00:00Z",
	    "+026-12-24T18:00:00Z", "2026-12-24T18:00:00+0",
	    "2026-12-24T18:00:00", "2026-12-24 18:00:00Z",
	    "2026-13-24T18:00:00Z", "" };
	char	iso[21];
	size_t	i;

	CHECK(ig_iso8601_parse("2026-12-24T18:00:00Z") == 1798135200);
	ig_iso8601(iso, 1798135200);
	CHECK(strcmp(iso, "2026-12-24T18:00:00Z") == 0);
	for (i = 0; i < NELEM(bad); i++)
		if (!CHECK(ig_iso8601_parse(bad[i]) == -1))
			printf("  case %zu: %s\n", i, bad[i]);
}

/* Times as strftime("%Y-%m-%dT%H:%M:%SZ") writes them; "" past its form. */
static void
t_iso8601(void)
{
	static const struct {
		time_t		 t;
		const char	*want;
	} c[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ 1798135200, "2026-12-24T18:00:00Z" },
		{ 253402300799LL, "9999-12-31T23:59:59Z" },
		{ 253402300800LL, "" },		/* year 10000 */
		{ -30610224000LL, "1000-01-01T00:00:00Z" },
		{ -30610224001LL, "" },		/* year 999 */
	};
	char	iso[21];
	size_t	i;

	for (i = 0; i < NELEM(c); i++) {
		ig_iso8601(iso, c[i].t);
		if (!CHECK(strcmp(iso, c[i].want) == 0))
			printf("  case %zu: %s\n", i, iso);
	}
}

static const struct ig_test tests[] = {
	TEST(t_valid_state),
	TEST(t_valid_digits),
	TEST(t_valid_alnum),
	TEST(t_valid_token),
	TEST(t_valid_printable),
	TEST(t_valid_user_id),
	TEST(t_valid_key_id),
	TEST(t_valid_utf8),
	TEST(t_buf_cap),
	TEST(t_log_escape_values),
	TEST(t_log_escape_bounds),
	TEST(t_log_escape_no_split),
	TEST(t_log_escape_fits),
	TEST(t_url_decode),
	TEST(t_err_map),
	TEST(t_kinds),
	TEST(t_fb_authorize_url),
	TEST(t_fb_read_debug),
	TEST(t_fb_read_profile),
	TEST(t_meta_error),
	TEST(t_meta_error_truncate),
	TEST(t_meta_usage),
	TEST(t_pub_path),
	TEST(t_json_id_dup),
	TEST(t_iso8601),
	TEST(t_iso8601_parse),
};

int
main(int argc, char *argv[])
{
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
