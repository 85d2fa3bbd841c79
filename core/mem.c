/* SPDX-License-Identifier: ISC */
/*
 * mem.c: allocation wrappers.  All core allocation goes through here so
 * a test can make the Nth call fail (jansson's chaos allocator idea) and
 * check that every out-of-memory path answers instead of crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"

static unsigned long	fail_after;	/* 0: never fail */
static unsigned long	calls;

static int
should_fail(void)
{
	if (fail_after == 0)
		return 0;
	return ++calls >= fail_after;
}

void
ig_mem_fail_after(unsigned long n)
{
	fail_after = n;
	calls = 0;
}

void *
ig_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
ig_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);
}

void *
ig_reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	if (should_fail())
		return NULL;
	return realloc(p, nmemb * size == 0 ? 1 : nmemb * size);
}

char *
ig_strndup(const char *s, size_t n)
{
	char	*p;

	if ((p = ig_malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
ig_strdup(const char *s)
{
	return ig_strndup(s, strlen(s));
}
