/* SPDX-License-Identifier: ISC */
/*
 * jout.c: JSON text (RFC 8259) printed straight into a capped buffer,
 * for answers of a fixed shape that are sent on every read: building a
 * jansson object only to dump it costs several times more.  It prints
 * what jansson's compact dump prints: the same escapes, UTF-8 as it is
 * (a real's exponent may be written otherwise, the same number).
 * Nothing is parsed here; whatever comes from outside is parsed with
 * jansson first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ig.h"
#include "extern.h"

/* Far above any connection; a runaway value stops here. */
#define JOUT_CAP	(1024 * 1024)

/* Enough for a connection at once: no growing on the read path. */
#define JOUT_FIRST	2048

void
ig_jout_init(struct ig_jout *o)
{
	memset(o, 0, sizeof(*o));
}

/* Room for "n" more bytes, the buffer grown by doubling up to the cap. */
static int
room(struct ig_jout *o, size_t n)
{
	size_t	 size = o->size == 0 ? JOUT_FIRST : o->size;
	char	*p;

	if (o->er != IG_OK)
		return 0;
	if (n <= o->size - o->len)
		return 1;
	if (n > JOUT_CAP - o->len) {
		o->er = IG_ETOOBIG;
		return 0;
	}
	while (size - o->len < n)
		size *= 2;
	if ((p = ig_reallocarray(o->data, size, 1)) == NULL) {
		o->er = IG_ENOMEM;
		return 0;
	}
	o->data = p;
	o->size = size;
	return 1;
}

static void
put(struct ig_jout *o, const char *p, size_t n)
{
	if (room(o, n)) {
		memcpy(o->data + o->len, p, n);
		o->len += n;
	}
}

static void
put_char(struct ig_jout *o, char c)
{
	if (room(o, 1))
		o->data[o->len++] = c;
}

/*
 * A comma before a member or an element unless it is the first of its
 * object or array, or the value of a key just printed.
 */
static void
separate(struct ig_jout *o)
{
	char	last;

	if (o->er != IG_OK || o->len == 0)
		return;
	last = o->data[o->len - 1];
	if (last != '{' && last != '[' && last != ':')
		put_char(o, ',');
}

void
ig_jout_open(struct ig_jout *o, char bracket)
{
	separate(o);
	put_char(o, bracket);
}

void
ig_jout_close(struct ig_jout *o, char bracket)
{
	put_char(o, bracket);
}

/*
 * The length of the UTF-8 sequence at "s" (RFC 3629 section 4), or 0 if
 * it is not one: no overlong form, no surrogate, nothing past U+10FFFF.
 * jansson refuses such a string; so does this printer.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	size_t	n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * 1 for a byte that stands for itself in a string: printable ASCII but
 * the quotation mark and the reverse solidus (DEL too, as in jansson).
 * Controls are escaped, bytes from 0x80 start UTF-8 sequences.
 */
static const unsigned char	plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 " */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50 \ */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x70 */
};

/*
 * The escape of byte "c", a quotation mark, a reverse solidus or a
 * control U+0000 to U+001F (RFC 8259 section 7), into "esc": the short
 * forms where there is one, as jansson writes them.
 */
static size_t
escape(unsigned char c, char esc[7])
{
	static const char	short_form[] = "\b\f\n\r\t\"\\";
	static const char	letter[] = "bfnrt\"\\";
	const char		*p;

	if (c != '\0' && (p = strchr(short_form, c)) != NULL) {
		esc[0] = '\\';
		esc[1] = letter[p - short_form];
		return 2;
	}
	(void)snprintf(esc, 7, "\\u%04X", c);
	return 6;
}

/* "s" of "n" bytes as a JSON string; invalid UTF-8 fails the text. */
static void
put_string(struct ig_jout *o, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, run = 0, k;
	char			 esc[7];

	put_char(o, '"');
	while (i < n && o->er == IG_OK) {
		/* Most text is printable ASCII, copied as it stands. */
		while (i < n && plain[p[i]])
			i++;
		if (i == n)
			break;
		if (p[i] >= 0x80) {
			if ((k = utf8_seq(p + i)) == 0 || k > n - i)
				o->er = IG_EINPUT;
			i += k;
			continue;
		}
		put(o, s + run, i - run);
		put(o, esc, escape(p[i], esc));
		run = ++i;
	}
	put(o, s + run, n - run);
	put_char(o, '"');
}

void
ig_jout_key(struct ig_jout *o, const char *key)
{
	separate(o);
	put_string(o, key, strlen(key));
	put(o, ":", 1);
}

void
ig_jout_str(struct ig_jout *o, const char *s)
{
	separate(o);
	if (s == NULL)
		put(o, "null", 4);
	else
		put_string(o, s, strlen(s));
}

void
ig_jout_int(struct ig_jout *o, long long v)
{
	char			 num[24], *p = num + sizeof(num);
	unsigned long long	 u = v < 0 ? 0 - (unsigned long long)v :
				    (unsigned long long)v;

	separate(o);
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	put(o, p, (size_t)(num + sizeof(num) - p));
}

void
ig_jout_bool(struct ig_jout *o, int v)
{
	separate(o);
	put(o, v ? "true" : "false", v ? 4 : 5);
}

/*
 * A real as jansson prints one: 17 significant digits, and ".0" when
 * that reads as an integer, so it parses back as a real.
 */
static void
put_real(struct ig_jout *o, double v)
{
	char	num[32];
	int	n;

	n = snprintf(num, sizeof(num), "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(num) - 2) {
		o->er = IG_EINPUT;
		return;
	}
	if (strpbrk(num, ".e") == NULL) {
		memcpy(num + n, ".0", 3);
		n += 2;
	}
	put(o, num, (size_t)n);
}

void
ig_jout_value(struct ig_jout *o, const json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		ig_jout_open(o, '{');
		json_object_foreach((json_t *)v, k, e) {
			ig_jout_key(o, k);
			ig_jout_value(o, e);
		}
		ig_jout_close(o, '}');
		break;
	case JSON_ARRAY:
		ig_jout_open(o, '[');
		json_array_foreach(v, i, e)
			ig_jout_value(o, e);
		ig_jout_close(o, ']');
		break;
	case JSON_STRING:
		separate(o);
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		ig_jout_int(o, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		separate(o);
		put_real(o, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		ig_jout_bool(o, json_is_true(v));
		break;
	case JSON_NULL:
		ig_jout_str(o, NULL);
		break;
	}
}

enum ig_err
ig_jout_end(struct ig_jout *o, char **text, size_t *len)
{
	enum ig_err	er = o->er;

	*text = NULL;
	*len = 0;
	if (er == IG_OK && o->len == 0)
		er = IG_EINPUT;
	if (er == IG_OK) {
		*text = o->data;
		*len = o->len;
	} else
		free(o->data);
	memset(o, 0, sizeof(*o));
	return er;
}
