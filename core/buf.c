/* SPDX-License-Identifier: ISC */
/*
 * buf.c: a capped, growable byte buffer (curl dynbuf).  Size arithmetic
 * is checked before growing, and a buffer that overflows its cap is
 * freed so no caller goes on with half its data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"

void
ig_buf_init(struct ig_buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

void
ig_buf_free(struct ig_buf *b)
{
	size_t	cap = b->cap;

	if (b->data != NULL) {
		ig_wipe(b->data, b->size);
		free(b->data);
	}
	ig_buf_init(b, cap);
}

enum ig_err
ig_buf_add(struct ig_buf *b, const void *p, size_t n)
{
	size_t	 need, nsize;
	char	*nd;

	if (n > b->cap || b->len > b->cap - n) {
		ig_buf_free(b);
		return IG_ETOOBIG;
	}
	need = b->len + n + 1;
	if (need > b->size) {
		nsize = b->size == 0 ? 256 : b->size;
		while (nsize < need)
			nsize = nsize > SIZE_MAX / 2 ? need : nsize * 2;
		if (nsize > b->cap + 1)
			nsize = b->cap + 1;
		/* Not realloc: the old block may hold a secret to wipe. */
		if ((nd = ig_malloc(nsize)) == NULL) {
			ig_buf_free(b);
			return IG_ENOMEM;
		}
		if (b->data != NULL) {
			memcpy(nd, b->data, b->len);
			ig_wipe(b->data, b->size);
			free(b->data);
		}
		b->data = nd;
		b->size = nsize;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return IG_OK;
}

enum ig_err
ig_buf_adds(struct ig_buf *b, const char *s)
{
	return ig_buf_add(b, s, strlen(s));
}
