/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: /me and /{id}.  Which node an id names, and what a token
 * may see of it, depends on the token's flavor: Instagram tokens see
 * their own Instagram user (A.5); a Facebook user token sees the user,
 * the login's Pages and the Instagram accounts linked to them, a Page
 * token its Page and that Page's Instagram account (B.4, B.5).
 * Container ids answer their publishing status (D.2), published media
 * ids the media.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fakemeta.h"

/* Graph's answer for an id the token cannot see. */
void
fm_no_object(struct fm_call *c)
{
	struct fm_gerr	 g;
	char		 msg[400];

	fm_msgf(msg, sizeof(msg), "Unsupported %s request. Object "
	    "with ID '%s' does not exist, cannot be loaded due to missing "
	    "permissions, or does not support this operation. Please read "
	    "the Graph API documentation at "
	    "https://developers.facebook.com/docs/graph-api",
	    strcmp(c->req->method, "POST") == 0 ? "post" : "get", c->node);
	memset(&g, 0, sizeof(g));
	g.code = 100;
	g.subcode = 33;
	g.type = "GraphMethodException";
	g.message = msg;
	g.transient = -1;
	fm_graph_error(c->resp, &g);
}

void
fm_me(struct fm_call *c)
{
	struct fm_token		 t;
	const char		*str;

	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return;
	if (t.kind == FM_TOK_IG_SHORT || t.kind == FM_TOK_IG_LONG)
		fm_ig_user(c, &t, t.grant.account);
	else if (t.kind == FM_TOK_FB_USER)
		fm_fb_me(c, &t);
	else
		fm_fb_page(c, &t, t.page);
}

/* Account n if Facebook token t may read its Instagram account, or 0. */
long long
fm_fb_visible_ig(const struct fm_token *t, long long n)
{
	long long	 i = n - t->grant.account + 1;

	if (i < 1 || i > FM_MAX_PAGES || fm_fb_page_ig(&t->grant, (int)i) != n)
		return 0;
	if (t->kind == FM_TOK_FB_PAGE && t->page != i)
		return 0;
	return n;
}

void
fm_node(struct fm_call *c)
{
	struct fm_container	 ct;
	struct fm_token		 t;
	const char		*str;
	long long		 id, n;
	int			 i;

	if (fm_parse_ll(c->node, 1, LLONG_MAX, &id) == 0 &&
	    fm_container_get(id, &ct) == 0) {
		fm_pub_container(c, &ct);
		return;
	}
	if (fm_parse_ll(c->node, 1, LLONG_MAX, &id) == 0 &&
	    fm_media_get(id, &ct) == 0) {
		fm_pub_media_node(c, &ct);
		return;
	}
	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return;
	if (t.kind == FM_TOK_IG_SHORT || t.kind == FM_TOK_IG_LONG) {
		/* /{IG_ID} is equivalent to /me (A.5). */
		if ((n = fm_account_by_ig_id(c->node)) == 0)
			n = fm_account_by_app_scoped_id(c->node);
		if (n != 0 && n == t.grant.account)
			fm_ig_user(c, &t, n);
		else
			fm_no_object(c);
		return;
	}
	if ((n = fm_account_by_ig_id(c->node)) != 0 &&
	    fm_fb_visible_ig(&t, n) != 0)
		fm_fb_ig_user(c, &t, n);
	else if ((n = fm_account_by_page_id(c->node, &i)) != 0 &&
	    n == t.grant.account && i <= t.grant.npages &&
	    (t.kind == FM_TOK_FB_USER || t.page == i))
		fm_fb_page(c, &t, i);
	else
		fm_no_object(c);
}
