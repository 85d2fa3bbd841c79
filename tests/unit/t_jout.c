/* SPDX-License-Identifier: ISC */
/*
 * t_jout.c: unit tests of the JSON printer (jout.c): what it prints is
 * byte for byte what jansson's compact dump prints, for tricky strings
 * (every control, quotes, reverse solidus, UTF-8 of every length) and
 * for nested values; invalid UTF-8 fails the text as jansson refuses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

#include "../lib/check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* "v" printed by jout.c equals jansson's dump of it. */
static int
same_as_jansson(const json_t *v)
{
	struct ig_jout	 o;
	char		*ours, *theirs;
	size_t		 len;
	int		 same;

	ig_jout_init(&o);
	ig_jout_value(&o, v);
	if (ig_jout_end(&o, &ours, &len) != IG_OK)
		return 0;
	theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	same = theirs != NULL && strlen(theirs) == len &&
	    memcmp(ours, theirs, len) == 0;
	if (!same)
		fprintf(stderr, "ours:   %.*s\njansson: %s\n", (int)len, ours,
		    theirs != NULL ? theirs : "(none)");
	free(ours);
	free(theirs);
	return same;
}

static void
t_strings(void)
{
	static const char *const s[] = {
		"", "plain", "say \"hi\"", "back\\slash", "a/b",
		"tab\there", "new\nline", "\r\b\f", "\x01\x02\x1f\x7f",
		"caf\xc3\xa9", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80 smile",
		"\xe2\x80\xa8 line separator", "\xef\xbb\xbf BOM",
		"mixed \"\\\t\xc3\xa9\x1b[31m\"",
	};
	json_t	*v;
	size_t	 i;
	int	 c;
	char	 one[2];

	for (i = 0; i < NELEM(s); i++) {
		v = json_string(s[i]);
		CHECK(v != NULL && same_as_jansson(v));
		json_decref(v);
	}
	/* Every byte below 0x80 on its own, NUL included. */
	for (c = 0; c < 0x80; c++) {
		one[0] = (char)c;
		v = json_stringn(one, 1);
		CHECK(v != NULL && same_as_jansson(v));
		json_decref(v);
	}
}

/* A key is a string like any other. */
static void
t_keys(void)
{
	json_t	*v;

	v = json_pack("{s:i, s:s, s:n}", "quote\"key", 1, "caf\xc3\xa9",
	    "x", "ctl\x01", "");
	CHECK(v != NULL && same_as_jansson(v));
	json_decref(v);
}

static void
t_values(void)
{
	static const char	doc[] = "{\"a\":[1,-2,0,9223372036854775807,"
	    "-9223372036854775808,true,false,null,[],{}],\"b\":{\"c\":{\"d\":"
	    "[\"x\",{\"e\":0.5}]}},\"r\":[1.0,0.1,-2.5,3.0e2],"
	    "\"s\":\"\\u0001\\u001f\\\"\"}";
	static const double	tiny[] = { 1e-7, -2.5e300, 5e-324 };
	struct ig_jout		 o;
	json_t			*v, *back;
	char			*text;
	size_t			 i, len;

	v = json_loads(doc, 0, NULL);
	CHECK(v != NULL && same_as_jansson(v));
	json_decref(v);
	/* An exponent may be written otherwise; the value is the same. */
	for (i = 0; i < NELEM(tiny); i++) {
		v = json_real(tiny[i]);
		ig_jout_init(&o);
		ig_jout_value(&o, v);
		CHECK(ig_jout_end(&o, &text, &len) == IG_OK);
		back = json_loadb(text, len, JSON_DECODE_ANY, NULL);
		CHECK(json_is_real(back) && json_real_value(back) == tiny[i]);
		json_decref(back);
		json_decref(v);
		free(text);
	}
}

/* Bytes that are no UTF-8: the text fails, nothing half printed. */
static void
t_invalid_utf8(void)
{
	static const char *const bad[] = {
		"\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "ok \xff",
	};
	struct ig_jout	 o;
	char		*text;
	size_t		 i, len;

	for (i = 0; i < NELEM(bad); i++) {
		CHECK(json_string(bad[i]) == NULL);
		ig_jout_init(&o);
		ig_jout_open(&o, '{');
		ig_jout_key(&o, "k");
		ig_jout_str(&o, bad[i]);
		ig_jout_close(&o, '}');
		CHECK(ig_jout_end(&o, &text, &len) == IG_EINPUT);
		CHECK(text == NULL && len == 0);
	}
}

/* Members, elements and commas as the calls build them. */
static void
t_structure(void)
{
	static const char	want[] = "{\"a\":-42,\"b\":[\"x\",null,"
	    "true,{}],\"c\":false}";
	struct ig_jout		 o;
	char			*text;
	size_t			 len;

	ig_jout_init(&o);
	ig_jout_open(&o, '{');
	ig_jout_key(&o, "a");
	ig_jout_int(&o, -42);
	ig_jout_key(&o, "b");
	ig_jout_open(&o, '[');
	ig_jout_str(&o, "x");
	ig_jout_str(&o, NULL);
	ig_jout_bool(&o, 1);
	ig_jout_open(&o, '{');
	ig_jout_close(&o, '}');
	ig_jout_close(&o, ']');
	ig_jout_key(&o, "c");
	ig_jout_bool(&o, 0);
	ig_jout_close(&o, '}');
	CHECK(ig_jout_end(&o, &text, &len) == IG_OK);
	CHECK(text != NULL && len == strlen(want) &&
	    memcmp(text, want, len) == 0);
	free(text);
}

/* A text longer than the first buffer grows; the content survives. */
static void
t_growth(void)
{
	json_t	*v;
	char	 big[10000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[5000] = '"';
	v = json_pack("[s, s]", big, big);
	CHECK(v != NULL && same_as_jansson(v));
	json_decref(v);
}

int
main(int argc, char *argv[])
{
	static const struct ig_test	tests[] = {
		TEST(t_strings),
		TEST(t_keys),
		TEST(t_values),
		TEST(t_invalid_utf8),
		TEST(t_structure),
		TEST(t_growth),
	};

	return ig_test_main(argc, argv, tests, NELEM(tests));
}
