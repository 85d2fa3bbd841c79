/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: the records of the state file (--state), so that a sandbox
 * stopped and started again still knows the tokens it issued, their
 * revocations, its clock and the posts made through it.  The file is a
 * journal of JSON lines, one record per change, appended as it happens;
 * state.c replays it at start and rewrites it compactly at start and
 * exit.  This file turns records into JSON and back, and writes lines.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fakemeta.h"

static const char *const media_types[] = {
	"IMAGE", "VIDEO", "CAROUSEL_ALBUM", NULL
};
static const char *const products[] = { "FEED", "REELS", "STORY", NULL };

/* The static string of table[] equal to s, or NULL. */
static const char *
interned(const char *const *table, const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && table[i] != NULL; i++)
		if (strcmp(table[i], s) == 0)
			return table[i];
	return NULL;
}

json_t *
fm_token_record(const char *s, const struct fm_token *t)
{
	const struct fm_grant	*g = &t->grant;

	return json_pack("{s:s, s:i, s:I, s:I, s:i, s:{s:i, s:I, s:I, s:I, "
	    "s:I, s:I, s:i, s:I, s:i, s:i}}",
	    "token", s, "kind", (int)t->kind, "issued", (json_int_t)t->issued,
	    "expires", (json_int_t)t->expires, "page", t->page, "grant",
	    "flavor", (int)g->flavor, "account", (json_int_t)g->account,
	    "perms", (json_int_t)g->perms, "session", (json_int_t)g->session,
	    "login", (json_int_t)g->login,
	    "data_access", (json_int_t)g->data_access,
	    "npages", g->npages, "linked", (json_int_t)g->linked,
	    "page_size", g->page_size, "short_lived", g->short_lived);
}

/* A token record into *s (borrowed from rec) and *t: 0, else -1. */
int
fm_token_parse(json_t *rec, const char **s, struct fm_token *t)
{
	struct fm_grant	*g = &t->grant;
	json_int_t	 issued, expires, account, perms, session, login;
	json_int_t	 data, linked;
	int		 kind, flavor;

	memset(t, 0, sizeof(*t));
	if (json_unpack(rec, "{s:s, s:i, s:I, s:I, s:i, s:{s:i, s:I, s:I, "
	    "s:I, s:I, s:I, s:i, s:I, s:i, s:i}}",
	    "token", s, "kind", &kind, "issued", &issued,
	    "expires", &expires, "page", &t->page, "grant",
	    "flavor", &flavor, "account", &account, "perms", &perms,
	    "session", &session, "login", &login, "data_access", &data,
	    "npages", &g->npages, "linked", &linked,
	    "page_size", &g->page_size, "short_lived", &g->short_lived) != 0 ||
	    kind < FM_TOK_IG_SHORT || kind > FM_TOK_FB_PAGE ||
	    (flavor != FM_IG && flavor != FM_FB) || account < 1 ||
	    account > FM_MAX_ACCOUNT || strlen(*s) != FM_TOKEN_LEN)
		return -1;
	t->kind = (enum fm_tokkind)kind;
	t->issued = (time_t)issued;
	t->expires = (time_t)expires;
	g->flavor = (enum fm_flavor)flavor;
	g->account = account;
	g->perms = (unsigned)perms;
	g->session = session;
	g->login = (time_t)login;
	g->data_access = (time_t)data;
	g->linked = (unsigned long long)linked;
	return 0;
}

/* A container as created: unpublished (publish records say the rest). */
json_t *
fm_container_record(const struct fm_container *c)
{
	json_t	*kids;
	int	 i;

	if ((kids = json_array()) == NULL)
		return NULL;
	for (i = 0; i < c->nchildren; i++)
		json_array_append_new(kids, json_integer(c->children[i]));
	return json_pack("{s:{s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:s, s:s, "
	    "s:o, s:s}}", "container",
	    "id", (json_int_t)c->id, "account", (json_int_t)c->account,
	    "is_item", c->is_item, "failed", (json_int_t)c->failed,
	    "created", (json_int_t)c->created, "ready", (json_int_t)c->ready,
	    "expires", (json_int_t)c->expires, "media_type", c->media_type,
	    "product", c->product, "children", kids, "caption", c->caption);
}

int
fm_container_parse(json_t *rec, struct fm_container *c)
{
	json_int_t	 id, account, failed, created, ready, expires;
	const char	*type, *product, *caption;
	json_t		*kids, *v;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	if (json_unpack(rec, "{s:{s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:s, "
	    "s:s, s:o, s:s}}", "container",
	    "id", &id, "account", &account, "is_item", &c->is_item,
	    "failed", &failed, "created", &created, "ready", &ready,
	    "expires", &expires, "media_type", &type, "product", &product,
	    "children", &kids, "caption", &caption) != 0 ||
	    (c->media_type = interned(media_types, type)) == NULL ||
	    (c->product = interned(products, product)) == NULL ||
	    !json_is_array(kids) || json_array_size(kids) > FM_CHILDREN_MAX ||
	    strlen(caption) >= sizeof(c->caption))
		return -1;
	json_array_foreach(kids, i, v) {
		if (!json_is_integer(v))
			return -1;
		c->children[c->nchildren++] = json_integer_value(v);
	}
	c->id = id;
	c->account = account;
	c->failed = failed;
	c->created = (time_t)created;
	c->ready = (time_t)ready;
	c->expires = (time_t)expires;
	memcpy(c->caption, caption, strlen(caption) + 1);
	return 0;
}

/* A new, empty state file (or one emptied), private to its owner. */
FILE *
fm_journal_create(const char *path)
{
	FILE	*f;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);
	return f;
}

/*
 * Append rec (stolen) as one line, flushed at once: a fake killed
 * without warning loses at most the line being written.  0, else -1.
 */
int
fm_journal_write(FILE *f, json_t *rec)
{
	char	*s;
	int	 rc = -1;

	if (rec != NULL && (s = json_dumps(rec, JSON_COMPACT)) != NULL) {
		if (fputs(s, f) >= 0 && fputc('\n', f) != EOF &&
		    fflush(f) == 0)
			rc = 0;
		free(s);
	}
	json_decref(rec);
	return rc;
}
