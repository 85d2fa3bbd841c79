/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: what every Graph endpoint shares: the two error envelopes
 * (C.1 for graph.*, A.2 for api.instagram.com), token lookup from the
 * access_token parameter or the Authorization header, the "fields"
 * selection and appsecret_proof checking (C.4).
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "fakemeta.h"

/* Graph escapes '/' and non-ASCII in its JSON (0.3.4); so do we. */
#define GRAPH_JSON	(JSON_ESCAPE_SLASH | JSON_ENSURE_ASCII)

void
fm_graph_ok(struct fm_resp *resp, json_t *j)
{
	fm_resp_json(resp, 200, j, GRAPH_JSON);
}

/*
 * The Graph error envelope.  Only message, type, code and fbtrace_id
 * are always present (C.1).  Token errors (code 190) also carry the
 * WWW-Authenticate header that Graph sends with them.
 */
void
fm_graph_error(struct fm_resp *resp, const struct fm_gerr *g)
{
	json_t	*e;
	char	 trace[24], msg[400], hdr[512];
	size_t	 i;
	int	 n;

	fm_fbtrace(trace, sizeof(trace));
	e = json_pack("{s:s, s:s, s:I}",
	    "message", g->message,
	    "type", g->type != NULL ? g->type : "OAuthException",
	    "code", (json_int_t)g->code);
	if (e != NULL && g->subcode != 0)
		json_object_set_new(e, "error_subcode",
		    json_integer(g->subcode));
	if (e != NULL && g->transient != -1)
		json_object_set_new(e, "is_transient",
		    json_boolean(g->transient));
	if (e != NULL && g->user_title != NULL)
		json_object_set_new(e, "error_user_title",
		    json_string(g->user_title));
	if (e != NULL && g->user_msg != NULL)
		json_object_set_new(e, "error_user_msg",
		    json_string(g->user_msg));
	if (e != NULL)
		json_object_set_new(e, "fbtrace_id", json_string(trace));
	fm_resp_json(resp, g->http != 0 ? g->http : 400,
	    e == NULL ? NULL : json_pack("{s:o}", "error", e), GRAPH_JSON);
	if (g->code != 190)
		return;
	/* Keep the quoted-string well formed whatever the message says. */
	n = snprintf(msg, sizeof(msg), "%s", g->message);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;		/* an injected novel: no header */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '"' || msg[i] == '\\' || msg[i] == '\r' ||
		    msg[i] == '\n')
			msg[i] = '\'';
	n = snprintf(hdr, sizeof(hdr),
	    "OAuth \"Facebook Platform\" \"invalid_token\" \"%s\"", msg);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return;
	(void)fm_resp_header(resp, "WWW-Authenticate", hdr);
}

/* The common case: HTTP 400, no subcode, no transient flag. */
void
fm_graph_fail(struct fm_resp *resp, long long code, const char *type,
    const char *message)
{
	struct fm_gerr	 g;

	memset(&g, 0, sizeof(g));
	g.code = code;
	g.type = type;
	g.message = message;
	g.transient = -1;
	fm_graph_error(resp, &g);
}

/* api.instagram.com's own envelope (A.2), not the Graph one. */
void
fm_oauth_error(struct fm_resp *resp, int http, long long code,
    const char *type, const char *message)
{
	fm_resp_json(resp, http, json_pack("{s:s, s:I, s:s}",
	    "error_type", type != NULL ? type : "OAuthException",
	    "code", (json_int_t)code,
	    "error_message", message), GRAPH_JSON);
}

/* The recorded wording for an expired token (A.4). */
void
fm_expired_message(time_t expired, time_t now, char *buf, size_t sz)
{
	char	 a[64], b[64];

	fm_fmt_pacific(expired, a, sizeof(a));
	fm_fmt_pacific(now, b, sizeof(b));
	if (snprintf(buf, sz, "Error validating access token: Session has "
	    "expired on %s. The current time is %s.", a, b) >= (int)sz)
		buf[0] = '\0';
}

/*
 * The token kinds the request's host takes.  The fake answers for every
 * Meta host on one address, so only a Host header naming graph.*.com
 * (curl --resolve, --connect-to) says which one was meant; then the
 * other flavor's tokens are as unparseable as at Meta (0.1, F.4).
 */
static unsigned
host_kinds(const struct fm_req *req)
{
	const char	*h;
	size_t		 n;

	if ((h = fm_header(req, "host")) == NULL)
		return FM_TOK_IG | FM_TOK_FB;
	n = strcspn(h, ":");
	if (n == 19 && strncasecmp(h, "graph.instagram.com", n) == 0)
		return FM_TOK_IG;
	if (n == 18 && strncasecmp(h, "graph.facebook.com", n) == 0)
		return FM_TOK_FB;
	return FM_TOK_IG | FM_TOK_FB;
}

/*
 * Look up token str and check that it is of one of kinds (a set of
 * FM_TOKBIT()s) that the host takes and unexpired.  A token of another
 * kind is as unparseable to that host as it is to Meta (F.4).  0 and *t
 * filled, or -1 after writing the Graph error (190; subcode 460 or 458
 * when its login was revoked, 463 when expired, C.2).
 */
int
fm_token_check(struct fm_call *c, const char *str, unsigned kinds,
    struct fm_token *t)
{
	struct fm_gerr	 g;
	char		 msg[256];
	time_t		 now;

	kinds &= host_kinds(c->req);
	if (fm_token_get(str, t) == -1 || !(kinds & FM_TOKBIT(t->kind))) {
		fm_graph_fail(c->resp, 190, "OAuthException",
		    "Invalid OAuth access token - Cannot parse access token");
		return -1;
	}
	memset(&g, 0, sizeof(g));
	g.code = 190;
	g.message = msg;
	g.transient = -1;
	if ((g.subcode = fm_token_revoked(t)) != 0) {
		fm_revoked_message((int)g.subcode, msg, sizeof(msg));
		fm_graph_error(c->resp, &g);
		return -1;
	}
	now = fm_now();
	if (t->expires != 0 && now >= t->expires) {
		fm_expired_message(t->expires, now, msg, sizeof(msg));
		g.subcode = 463;
		fm_graph_error(c->resp, &g);
		return -1;
	}
	return 0;
}

/*
 * The token a request carries: the access_token parameter, else
 * "Authorization: Bearer" (or "OAuth", Graph's own scheme).  Borrowed
 * from the request; NULL if none.
 */
const char *
fm_req_token(const struct fm_req *req)
{
	const char	*s, *h;

	if ((s = fm_param(req, "access_token")) == NULL &&
	    (h = fm_header(req, "authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) == 0)
			s = h + 7;
		else if (strncasecmp(h, "OAuth ", 6) == 0)
			s = h + 6;
	}
	return s;
}

/*
 * The caller's token (fm_req_token), checked by fm_token_check, then
 * its appsecret_proof: always for Facebook tokens ("Require App
 * Secret" on, C.4), for Instagram ones when fm_ig_proof() says so.
 * On success fills *t and *str (borrowed from the request) and returns
 * 0; otherwise writes the Graph error and returns -1.
 */
int
fm_auth(struct fm_call *c, unsigned kinds, struct fm_token *t,
    const char **str)
{
	const char	*s;

	if ((s = fm_req_token(c->req)) == NULL || *s == '\0') {
		fm_graph_fail(c->resp, 2500, kinds & FM_TOK_IG ?
		    "IGApiException" : "OAuthException",
		    "An active access token must be used to query "
		    "information about the current user.");
		return -1;
	}
	if (fm_token_check(c, s, kinds, t) == -1)
		return -1;
	*str = s;
	if (FM_TOKBIT(t->kind) & FM_TOK_FB)
		return fm_appsecret_proof(c, s, fm_cfg->fb_app_secret);
	if (fm_ig_proof())
		return fm_appsecret_proof(c, s, fm_cfg->app_secret);
	return 0;
}

/*
 * Parse the "fields" parameter against names[] (NULL-terminated) into a
 * bit set; without the parameter, dflt (same syntax) is used.  Nested
 * selections such as "instagram_business_account{id}" select the outer
 * field.  An unknown name gets Graph's (#100) error and -1.
 */
int
fm_fields(struct fm_call *c, const char *const *names, const char *dflt,
    const char *node_type, unsigned *mask)
{
	const char	*f, *p, *e;
	char		 msg[256];
	size_t		 n, i;
	int		 depth;

	if ((f = fm_param(c->req, "fields")) == NULL || *f == '\0')
		f = dflt;
	*mask = 0;
	for (p = f; *p != '\0'; p = e) {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ',' && *e != '{' && *e != ' ';
		    e++)
			continue;
		n = (size_t)(e - p);
		for (depth = 0; *e == '{' || (depth > 0 && *e != '\0'); e++)
			if (*e == '{')
				depth++;
			else if (*e == '}' && --depth == 0) {
				e++;
				break;
			}
		for (i = 0; names[i] != NULL; i++)
			if (strlen(names[i]) == n &&
			    memcmp(names[i], p, n) == 0)
				break;
		if (names[i] == NULL) {
			fm_msgf(msg, sizeof(msg), "(#100) Tried "
			    "accessing nonexisting field (%.*s) on node type "
			    "(%s)", (int)(n > 64 ? 64 : n), p, node_type);
			fm_graph_fail(c->resp, 100, "OAuthException", msg);
			return -1;
		}
		*mask |= 1U << i;
	}
	return 0;
}

/*
 * appsecret_proof (C.4): hex HMAC-SHA256(app secret, token), over the
 * token the call uses.  0 if right, else the documented
 * GraphMethodException and -1.
 */
int
fm_appsecret_proof(struct fm_call *c, const char *token, const char *secret)
{
	const char	*proof;
	char		 want[65];

	if (secret == NULL) {
		fm_graph_fail(c->resp, 101, "OAuthException", "Error "
		    "validating application. Invalid application ID.");
		return -1;
	}
	if ((proof = fm_param(c->req, "appsecret_proof")) == NULL) {
		fm_stats_proof(0);
		fm_graph_fail(c->resp, 100, "GraphMethodException",
		    "API calls from the server require an appsecret_proof "
		    "argument");
		return -1;
	}
	fm_hmac_hex(secret, token, want);
	if (strlen(proof) != 64 || CRYPTO_memcmp(proof, want, 64) != 0) {
		fm_stats_proof(0);
		fm_graph_fail(c->resp, 100, "GraphMethodException",
		    "Invalid appsecret_proof provided in the API argument");
		return -1;
	}
	fm_stats_proof(1);
	return 0;
}
