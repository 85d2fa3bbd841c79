/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: /me and /{id}.  Which node an id names, and what a token
 * may see of it, depends on the token's flavor: Instagram tokens see
 * their own Instagram user (A.5), Facebook tokens see the user, their
 * Pages and the Instagram account linked to the first Page (B.4, B.5).
 * Container ids answer their publishing status (D.2).
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
	struct fm_account	 a;
	struct fm_token		 t;
	const char		*str;

	if (fm_auth(c, FM_TOK_IG | FM_TOK_FB, &t, &str) == -1)
		return;
	if (t.kind == FM_TOK_IG_SHORT || t.kind == FM_TOK_IG_LONG) {
		fm_ig_user(c, &t, t.grant.account);
		return;
	}
	if (fm_appsecret_proof(c, str) == -1)
		return;
	fm_account_get(t.grant.account, &a);
	if (t.kind == FM_TOK_FB_USER)
		fm_fb_me(c, &t);
	else
		fm_fb_page(c, &t, t.grant.account, t.page_id == a.page_id);
}

/* The Instagram account Facebook token t may read, or 0. */
long long
fm_fb_visible_ig(const struct fm_token *t, long long n)
{
	struct fm_account	 a;

	if (n != t->grant.account || t->grant.unlinked)
		return 0;
	fm_account_get(n, &a);
	if (t->kind == FM_TOK_FB_PAGE && t->page_id != a.page_id)
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
	int			 linked;

	if (fm_parse_ll(c->node, 1, LLONG_MAX, &id) == 0 &&
	    fm_container_get(id, &ct) == 0) {
		fm_pub_container(c, &ct);
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
	if (fm_appsecret_proof(c, str) == -1)
		return;
	if ((n = fm_account_by_ig_id(c->node)) != 0 &&
	    fm_fb_visible_ig(&t, n) != 0)
		fm_fb_ig_user(c, &t, n);
	else if ((n = fm_account_by_page_id(c->node, &linked)) != 0 &&
	    n == t.grant.account)
		fm_fb_page(c, &t, n, linked);
	else
		fm_no_object(c);
}
