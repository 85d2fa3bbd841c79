/* SPDX-License-Identifier: ISC */
/*
 * fuzz_header.c: the header lines of one reply from Meta, as libcurl
 * hands them to http.c's header callback (ig_http_read_header()), which
 * reads Retry-After and the usage headers (ig_meta_usage_parse()).  An
 * input is the reply's header block: each line, with its '\n', is one
 * call, as curl makes one per line.  The whole input is also read as
 * the value of each usage header.
 *
 * Properties: a percentage stays within 0-1000 and only grows over a
 * reply's lines; a time to regain access is whole minutes of at most a
 * day; a Retry-After is 1 to 86400 seconds; the pace follows the figure.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

static void
check(const struct ig_meta_usage *u, long retry_after)
{
	enum ig_pace	pace = ig_meta_usage_pace(u);

	if (u->pct < 0 || u->pct > 1000 || u->regain < 0 ||
	    u->regain > 86400 || u->regain % 60 != 0 ||
	    retry_after < 0 || retry_after > 86400)
		abort();
	if ((pace == IG_PACE_STOP) != (u->regain > 0 ||
	    u->pct >= IG_USAGE_STOP) || (pace == IG_PACE_SLOW) !=
	    (u->regain == 0 && u->pct >= IG_USAGE_SLOW &&
	    u->pct < IG_USAGE_STOP))
		abort();
}

/* The whole input as the value of header "name". */
static void
as_value(const char *name, const uint8_t *data, size_t size)
{
	struct ig_meta_usage	u = { 0, 0 };

	if (ig_meta_usage_parse(name, (const char *)data, size, &u))
		check(&u, 0);
	else if (u.pct != 0 || u.regain != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_meta_usage	 u = { 0, 0 }, before;
	const uint8_t		*p = data, *nl;
	long			 retry_after = 0;
	size_t			 left = size, len;

	while (left > 0) {
		nl = memchr(p, '\n', left);
		len = nl != NULL ? (size_t)(nl - p) + 1 : left;
		before = u;
		ig_http_read_header((const char *)p, len, &retry_after, &u);
		check(&u, retry_after);
		if (u.pct < before.pct || u.regain < before.regain)
			abort();
		p += len;
		left -= len;
	}
	as_value("X-App-Usage", data, size);
	as_value("x-business-use-case-usage", data, size);
	return 0;
}
