/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: a string-keyed hash map with chaining.  It has no lock of
 * its own; every map lives inside a file that guards it with a mutex.
 * Keys are copied; values are owned by whoever put them.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakemeta.h"

struct fm_mapent {
	char			*key;
	void			*val;
	struct fm_mapent	*next;
};

static uint64_t
hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
fm_map_init(struct fm_map *m)
{
	m->nb = 1024;
	m->n = 0;
	m->b = fm_xcalloc(m->nb, sizeof(*m->b));
}

void *
fm_map_get(const struct fm_map *m, const char *key)
{
	struct fm_mapent	*e;

	for (e = m->b[hash(key) & (m->nb - 1)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e->val;
	return NULL;
}

/* Double the bucket array so chains stay short as tokens pile up. */
static void
grow(struct fm_map *m)
{
	struct fm_mapent	**nb, *e, *next;
	size_t			  i, n = m->nb * 2, h;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			h = hash(e->key) & (n - 1);
			e->next = nb[h];
			nb[h] = e;
		}
	free(m->b);
	m->b = nb;
	m->nb = n;
}

/* Insert key (which must not be present yet) with val. */
void
fm_map_put(struct fm_map *m, const char *key, void *val)
{
	struct fm_mapent	*e;
	size_t			 h;

	if (m->n >= m->nb)
		grow(m);
	e = fm_xmalloc(sizeof(*e));
	e->key = fm_xstrdup(key);
	e->val = val;
	h = hash(key) & (m->nb - 1);
	e->next = m->b[h];
	m->b[h] = e;
	m->n++;
}

void
fm_map_foreach(const struct fm_map *m,
    void (*fn)(const char *, void *, void *), void *arg)
{
	struct fm_mapent	*e;
	size_t			 i;

	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = e->next)
			fn(e->key, e->val, arg);
}

/* Remove every entry, passing each value to freeval; keeps the map usable. */
void
fm_map_clear(struct fm_map *m, void (*freeval)(void *))
{
	struct fm_mapent	*e, *next;
	size_t			 i;

	for (i = 0; i < m->nb; i++) {
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			if (freeval != NULL)
				freeval(e->val);
			free(e->key);
			free(e);
		}
		m->b[i] = NULL;
	}
	m->n = 0;
}

void
fm_map_free(struct fm_map *m, void (*freeval)(void *))
{
	fm_map_clear(m, freeval);
	free(m->b);
	m->b = NULL;
	m->nb = 0;
}
