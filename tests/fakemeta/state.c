/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: what the fake remembers between requests: the clock offset,
 * base latency, authorization codes, tokens, publishing containers and
 * published posts.  One mutex guards all of it; every critical section
 * is a few map operations, so contention stays negligible even under a
 * benchmark.  Check-and-consume of a code happens under that one lock,
 * which is what makes parallel exchanges of one code yield one success.
 *
 * With a state file (--state), what outlives a restart is also written
 * there as it changes, under the same lock: tokens, revocations, the
 * clock, containers and posts (persist.c has the records).  Codes live
 * minutes and are not kept; test knobs (latency, quota, proofs) neither.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakemeta.h"

#define CONTAINER_BASE	17889455560000000LL
#define MEDIA_BASE	17900000000000000LL

/* Logins of one account and flavor killed by /_fake/revoke. */
struct revoked {
	long long	 upto;		/* sessions up to this one */
	int		 subcode;
};

struct code {
	struct fm_grant	 grant;
	char		*redirect;
	time_t		 expires;
	int		 used;
};

/*
 * Publishing by one account: its media, oldest first, whose publish
 * times make the 24 h quota (D.4), and the counts tests assert on.
 */
struct pubs {
	long long	*media;		/* media ids */
	time_t		*t;		/* their publish times */
	size_t		 n;
	size_t		 cap;
	long long	 containers;	/* created */
	long long	 calls;		/* media_publish calls */
};

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static long long	 clock_offset;
static long		 latency_ms;
static struct fm_map	 codes;		/* code -> struct code */
static struct fm_map	 tokens;	/* token -> struct fm_token */
static struct fm_map	 containers;	/* decimal id -> fm_container */
static struct fm_map	 published;	/* decimal account -> pubs */
static struct fm_map	 media;		/* decimal media id -> container */
static int		 quota_total = FM_QUOTA_TOTAL;
static struct fm_map	 revoked;	/* "f:N", "i:N" -> struct revoked */
static int		 ig_proof;	/* graph.instagram.com wants proofs */
static long long	 session_seq;	/* logins; not reset either */
static long long	 container_seq;	/* not reset: ids stay unique */
static long long	 media_seq;
static char		*journal_path;	/* --state, or NULL */
static FILE		*journal;	/* appended to as state changes */

static void
code_free(void *p)
{
	struct code	*c = p;

	free(c->redirect);
	free(c);
}

static void
pubs_free(void *p)
{
	struct pubs	*ps = p;

	free(ps->media);
	free(ps->t);
	free(ps);
}

void
fm_state_init(void)
{
	fm_map_init(&codes);
	fm_map_init(&tokens);
	fm_map_init(&containers);
	fm_map_init(&published);
	fm_map_init(&media);
	fm_map_init(&revoked);
	ig_proof = fm_cfg->require_ig_proof;
}

void
fm_state_free(void)
{
	fm_map_free(&codes, code_free);
	fm_map_free(&tokens, free);
	fm_map_free(&containers, free);
	fm_map_free(&published, pubs_free);
	fm_map_free(&media, free);
	fm_map_free(&revoked, free);
	if (journal != NULL)
		fclose(journal);
	journal = NULL;
	free(journal_path);
	journal_path = NULL;
}

/*
 * Append a record of a change (stolen) to the state file, if there is
 * one.  A failed write is said once; the fake goes on serving.
 */
static void
journal_locked(json_t *rec)
{
	static int	 warned;

	if (journal == NULL) {
		json_decref(rec);
		return;
	}
	if (fm_journal_write(journal, rec) == -1 && !warned++)
		fprintf(stderr, "fakemeta: could not write %s\n",
		    journal_path);
}

/* The counters that keep ids unique, also across a reset. */
static json_t *
seq_record_locked(void)
{
	return json_pack("{s:{s:I, s:I, s:I}}", "seq",
	    "session", (json_int_t)session_seq,
	    "container", (json_int_t)container_seq,
	    "media", (json_int_t)media_seq);
}

void
fm_state_reset(void)
{
	pthread_mutex_lock(&mu);
	fm_map_clear(&codes, code_free);
	fm_map_clear(&tokens, free);
	fm_map_clear(&containers, free);
	fm_map_clear(&published, pubs_free);
	fm_map_clear(&media, free);
	fm_map_clear(&revoked, free);
	quota_total = FM_QUOTA_TOTAL;
	clock_offset = 0;
	latency_ms = 0;
	ig_proof = fm_cfg->require_ig_proof;
	if (journal != NULL) {
		fclose(journal);
		if ((journal = fm_journal_create(journal_path)) == NULL)
			fprintf(stderr, "fakemeta: could not empty %s\n",
			    journal_path);
		journal_locked(seq_record_locked());
	}
	pthread_mutex_unlock(&mu);
}

static time_t
now_locked(void)
{
	return time(NULL) + (time_t)clock_offset;
}

/* The fake's "now": wall clock plus what tests advanced it by. */
time_t
fm_now(void)
{
	time_t	 t;

	pthread_mutex_lock(&mu);
	t = now_locked();
	pthread_mutex_unlock(&mu);
	return t;
}

time_t
fm_clock_advance(long long secs)
{
	time_t	 t;

	pthread_mutex_lock(&mu);
	clock_offset += secs;
	t = now_locked();
	journal_locked(json_pack("{s:I}", "clock", (json_int_t)clock_offset));
	pthread_mutex_unlock(&mu);
	return t;
}

void
fm_latency_set(long ms)
{
	pthread_mutex_lock(&mu);
	latency_ms = ms;
	pthread_mutex_unlock(&mu);
}

long
fm_latency_get(void)
{
	long	 ms;

	pthread_mutex_lock(&mu);
	ms = latency_ms;
	pthread_mutex_unlock(&mu);
	return ms;
}

/*
 * A new login of account 1 at the fake's now, with the defaults of the
 * dialog knobs: FM_PAGES Pages, the first linked to the account's
 * Instagram account, Meta's page size, data access for FM_DATA_DAYS
 * (B.6).  The caller sets the account and overrides the rest.
 */
void
fm_grant_init(struct fm_grant *g, enum fm_flavor fl)
{
	memset(g, 0, sizeof(*g));
	g->flavor = fl;
	g->account = 1;
	g->npages = FM_PAGES;
	g->linked = 1;
	pthread_mutex_lock(&mu);
	g->session = ++session_seq;
	g->login = now_locked();
	pthread_mutex_unlock(&mu);
	g->data_access = g->login + FM_DATA_DAYS * 86400;
}

/*
 * Mint a single-use code bound to the grant and redirect URI (A.1),
 * valid FM_CODE_TTL seconds.  Codes look like Meta's ("AQ" + base64url,
 * a few hundred characters), which tests a client's length limits.
 */
int
fm_code_new(const struct fm_grant *g, const char *redirect, char *out,
    size_t outsz)
{
	struct code	*c;

	if (outsz < 203)
		return -1;
	out[0] = 'A';
	out[1] = 'Q';
	fm_rand_b64url(out + 2, 200);
	c = fm_xmalloc(sizeof(*c));
	c->grant = *g;
	c->redirect = fm_xstrdup(redirect);
	c->used = 0;
	pthread_mutex_lock(&mu);
	c->expires = now_locked() + FM_CODE_TTL;
	fm_map_put(&codes, out, c);
	pthread_mutex_unlock(&mu);
	return 0;
}

/*
 * Check a code for the flavor and redirect URI and, if it passes, mark
 * it used and copy its grant out.  A redirect mismatch does not burn the
 * code (UNCONFIRMED what Meta does; the client must fix its URI either
 * way).
 */
enum fm_codeerr
fm_code_take(const char *code, enum fm_flavor fl, const char *redirect,
    struct fm_grant *g)
{
	struct code	*c;
	enum fm_codeerr	 er;

	pthread_mutex_lock(&mu);
	if ((c = fm_map_get(&codes, code)) == NULL || c->grant.flavor != fl)
		er = FM_CODE_UNKNOWN;
	else if (c->used)
		er = FM_CODE_USED;
	else if (now_locked() >= c->expires)
		er = FM_CODE_EXPIRED;
	else if (redirect == NULL || strcmp(redirect, c->redirect) != 0)
		er = FM_CODE_REDIRECT;
	else {
		c->used = 1;
		*g = c->grant;
		er = FM_CODE_OK;
	}
	pthread_mutex_unlock(&mu);
	return er;
}

/*
 * Store a token and write its string to out (FM_TOKEN_LEN + 1 bytes).
 * Instagram tokens start "IGAA", Facebook ones "EAA" (0.1); the rest is
 * random, so no token carries meaning a client could rely on.
 */
int
fm_token_new(const struct fm_token *t, char *out, size_t outsz)
{
	struct fm_token	*c;
	size_t		 pre;

	if (outsz < FM_TOKEN_LEN + 1)
		return -1;
	if (t->kind == FM_TOK_IG_SHORT || t->kind == FM_TOK_IG_LONG) {
		memcpy(out, "IGAA", 4);
		pre = 4;
	} else {
		memcpy(out, "EAA", 3);
		pre = 3;
	}
	fm_rand_alnum(out + pre, FM_TOKEN_LEN - pre);
	c = fm_xmalloc(sizeof(*c));
	*c = *t;
	pthread_mutex_lock(&mu);
	fm_map_put(&tokens, out, c);
	journal_locked(fm_token_record(out, c));
	pthread_mutex_unlock(&mu);
	return 0;
}

/* Copy the token's record to *t: 0 if known, -1 if not. */
int
fm_token_get(const char *s, struct fm_token *t)
{
	struct fm_token	*c;

	pthread_mutex_lock(&mu);
	if ((c = fm_map_get(&tokens, s)) != NULL)
		*t = *c;
	pthread_mutex_unlock(&mu);
	return c == NULL ? -1 : 0;
}

static void
revoked_key(enum fm_flavor fl, long long account, char key[FM_IDLEN + 2])
{
	char	 n[FM_IDLEN];

	fm_msgf(key, FM_IDLEN + 2, "%c:%s", fl == FM_IG ? 'i' : 'f',
	    fm_idstr(account, n));
}

/*
 * Kill every login of account so far in flavor fl, so all their tokens
 * (user and Page) answer 190 with subcode (C.2) from now on.  Later
 * logins work again, as after the user logs in anew.
 */
void
fm_revoke(enum fm_flavor fl, long long account, int subcode)
{
	struct revoked	*r;
	char		 key[FM_IDLEN + 2];

	revoked_key(fl, account, key);
	pthread_mutex_lock(&mu);
	if ((r = fm_map_get(&revoked, key)) == NULL) {
		r = fm_xmalloc(sizeof(*r));
		fm_map_put(&revoked, key, r);
	}
	r->upto = session_seq;
	r->subcode = subcode;
	journal_locked(json_pack("{s:s, s:I, s:i}", "revoke", key,
	    "upto", (json_int_t)r->upto, "subcode", r->subcode));
	pthread_mutex_unlock(&mu);
}

/* The 190 subcode that killed t's login, or 0 if it lives. */
int
fm_token_revoked(const struct fm_token *t)
{
	struct revoked	*r;
	char		 key[FM_IDLEN + 2];
	int		 sub = 0;

	revoked_key(t->grant.flavor, t->grant.account, key);
	pthread_mutex_lock(&mu);
	if ((r = fm_map_get(&revoked, key)) != NULL &&
	    t->grant.session <= r->upto)
		sub = r->subcode;
	pthread_mutex_unlock(&mu);
	return sub;
}

/*
 * The message of a revoked token: 460 is A.4's recorded wording; 458's
 * is ours (C.2 names the case, no recording of the text).
 */
void
fm_revoked_message(int subcode, char *buf, size_t sz)
{
	if (subcode == 460)
		fm_msgf(buf, sz, "Error validating access token: The session "
		    "has been invalidated because the user changed their "
		    "password or Facebook has changed the session for "
		    "security reasons.");
	else
		fm_msgf(buf, sz, "Error validating access token: The user has "
		    "not authorized application %s.",
		    fm_cfg->fb_app_id != NULL ? fm_cfg->fb_app_id :
		    fm_cfg->app_id);
}

/*
 * Whether graph.instagram.com calls need appsecret_proof (UNCONFIRMED
 * at Meta, C.4): --require-ig-proof, or /_fake/proof since the last
 * reset.
 */
int
fm_ig_proof(void)
{
	int	 on;

	pthread_mutex_lock(&mu);
	on = ig_proof;
	pthread_mutex_unlock(&mu);
	return on;
}

void
fm_ig_proof_set(int on)
{
	pthread_mutex_lock(&mu);
	ig_proof = on;
	pthread_mutex_unlock(&mu);
}

size_t
fm_token_count(void)
{
	size_t	 n;

	pthread_mutex_lock(&mu);
	n = tokens.n;
	pthread_mutex_unlock(&mu);
	return n;
}

/* The publishing record of account, made on first use. */
static struct pubs *
pubs_locked(long long account)
{
	struct pubs	*ps;
	char		 key[FM_IDLEN];

	fm_idstr(account, key);
	if ((ps = fm_map_get(&published, key)) == NULL) {
		ps = fm_xcalloc(1, sizeof(*ps));
		fm_map_put(&published, key, ps);
	}
	return ps;
}

/* Store a copy of *c under a fresh id and return that id. */
long long
fm_container_new(const struct fm_container *c)
{
	struct fm_container	*nc;
	char			 key[FM_IDLEN];

	nc = fm_xmalloc(sizeof(*nc));
	*nc = *c;
	pthread_mutex_lock(&mu);
	nc->id = CONTAINER_BASE + ++container_seq;
	fm_idstr(nc->id, key);
	fm_map_put(&containers, key, nc);
	pubs_locked(c->account)->containers++;
	journal_locked(fm_container_record(nc));
	pthread_mutex_unlock(&mu);
	return nc->id;
}

int
fm_container_get(long long id, struct fm_container *c)
{
	struct fm_container	*p;
	char			 key[FM_IDLEN];

	fm_idstr(id, key);
	pthread_mutex_lock(&mu);
	if ((p = fm_map_get(&containers, key)) != NULL)
		*c = *p;
	pthread_mutex_unlock(&mu);
	return p == NULL ? -1 : 0;
}

/*
 * status_code of a container at time now (D.2).  A container that is
 * not published by its expiry reads EXPIRED, whatever it was before.
 */
enum fm_cstatus
fm_container_status(const struct fm_container *c, time_t now)
{
	if (c->media_id != 0)
		return FM_CS_PUBLISHED;
	if (now >= c->expires)
		return FM_CS_EXPIRED;
	if (now < c->ready)
		return FM_CS_IN_PROGRESS;
	return c->failed != 0 ? FM_CS_ERROR : FM_CS_FINISHED;
}

/* Count a media_publish call of account, whatever it answers. */
void
fm_publish_call(long long account)
{
	pthread_mutex_lock(&mu);
	pubs_locked(account)->calls++;
	pthread_mutex_unlock(&mu);
}

/* Publishes within the quota window before now, and since since. */
static int
usage_locked(const struct pubs *ps, time_t now, time_t since)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < ps->n; i++)
		if (ps->t[i] > now - FM_QUOTA_WINDOW && ps->t[i] >= since &&
		    ps->t[i] <= now)
			n++;
	return n;
}

static void *
grow(void *p, size_t n, size_t size)
{
	if ((p = realloc(p, n * size)) == NULL) {
		fputs("fakemeta: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Container c of ps's account became media mid at time now. */
static void
published_locked(struct fm_container *c, struct pubs *ps, long long mid,
    time_t now)
{
	long long	*cid;
	char		 key[FM_IDLEN];

	if (ps->n == ps->cap) {
		ps->cap = ps->cap == 0 ? 16 : ps->cap * 2;
		ps->t = grow(ps->t, ps->cap, sizeof(*ps->t));
		ps->media = grow(ps->media, ps->cap, sizeof(*ps->media));
	}
	c->media_id = mid;
	c->published = now;
	ps->t[ps->n] = now;
	ps->media[ps->n++] = mid;
	cid = fm_xmalloc(sizeof(*cid));
	*cid = c->id;
	fm_map_put(&media, fm_idstr(mid, key), cid);
}

/*
 * Publish container id for account at time now (D.3, D.4): sets
 * *media_id and returns FM_PUB_OK, or the reason it cannot.  Check and
 * update happen under the lock, so a container is published once even
 * when a client retries in parallel.  A carousel is one media and one
 * post of the quota.
 */
int
fm_publish(long long id, long long account, time_t now, long long *media_id)
{
	struct fm_container	*c;
	struct pubs		*ps;
	char			 key[FM_IDLEN];
	int			 er;

	pthread_mutex_lock(&mu);
	ps = pubs_locked(account);
	fm_idstr(id, key);
	if ((c = fm_map_get(&containers, key)) == NULL ||
	    c->account != account || c->is_item)
		er = FM_PUB_UNKNOWN;
	else if (c->media_id != 0)
		er = FM_PUB_DONE;
	else if (fm_container_status(c, now) == FM_CS_EXPIRED)
		er = FM_PUB_EXPIRED;
	else if (fm_container_status(c, now) != FM_CS_FINISHED)
		er = FM_PUB_NOTREADY;
	else if (usage_locked(ps, now, 0) >= quota_total)
		er = FM_PUB_QUOTA;
	else {
		published_locked(c, ps, MEDIA_BASE + ++media_seq, now);
		journal_locked(json_pack("{s:I, s:I, s:I}", "publish",
		    (json_int_t)c->id, "media", (json_int_t)c->media_id,
		    "at", (json_int_t)now));
		*media_id = c->media_id;
		er = FM_PUB_OK;
	}
	pthread_mutex_unlock(&mu);
	return er;
}

/* The container that became media id, or -1. */
int
fm_media_get(long long id, struct fm_container *c)
{
	long long	*cid;
	char		 key[FM_IDLEN];
	int		 rc = -1;

	fm_idstr(id, key);
	pthread_mutex_lock(&mu);
	if ((cid = fm_map_get(&media, key)) != NULL) {
		fm_idstr(*cid, key);
		*c = *(struct fm_container *)fm_map_get(&containers, key);
		rc = 0;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

/* A new array of account's media ids, oldest first; their number. */
size_t
fm_media_ids(long long account, long long **ids)
{
	struct pubs	*ps;
	char		 key[FM_IDLEN];
	size_t		 n = 0;

	*ids = NULL;
	fm_idstr(account, key);
	pthread_mutex_lock(&mu);
	if ((ps = fm_map_get(&published, key)) != NULL && ps->n > 0) {
		n = ps->n;
		*ids = fm_xmalloc(n * sizeof(**ids));
		memcpy(*ids, ps->media, n * sizeof(**ids));
	}
	pthread_mutex_unlock(&mu);
	return n;
}

/* Posts published by account within the last 24 h and since since. */
int
fm_quota_usage(long long account, time_t now, time_t since)
{
	struct pubs	*ps;
	char		 key[FM_IDLEN];
	int		 n = 0;

	fm_idstr(account, key);
	pthread_mutex_lock(&mu);
	if ((ps = fm_map_get(&published, key)) != NULL)
		n = usage_locked(ps, now, since);
	pthread_mutex_unlock(&mu);
	return n;
}

/* config.quota_total (D.4): set by tests, FM_QUOTA_TOTAL after reset. */
int
fm_quota_total(void)
{
	int	 n;

	pthread_mutex_lock(&mu);
	n = quota_total;
	pthread_mutex_unlock(&mu);
	return n;
}

void
fm_quota_total_set(int n)
{
	pthread_mutex_lock(&mu);
	quota_total = n;
	pthread_mutex_unlock(&mu);
}

static void
add_pubs(const char *key, void *val, void *arg)
{
	struct fm_account	 a;
	struct pubs		*ps = val;
	long long		 n;
	char			 id[FM_IDLEN];

	if (fm_parse_ll(key, 1, FM_MAX_ACCOUNT, &n) == -1)
		return;
	fm_account_get(n, &a);
	json_object_set_new(arg, fm_idstr(a.ig_id, id),
	    json_pack("{s:I, s:I, s:I}",
	    "containers", (json_int_t)ps->containers,
	    "media_publish_calls", (json_int_t)ps->calls,
	    "media", (json_int_t)ps->n));
}

/* /_fake/stats "publishing": counts per IG_ID. */
json_t *
fm_publishing_json(void)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	pthread_mutex_lock(&mu);
	fm_map_foreach(&published, add_pubs, o);
	pthread_mutex_unlock(&mu);
	return o;
}

/* /_fake/media: account's media, oldest first, with their containers. */
json_t *
fm_media_json(long long account)
{
	struct fm_container	*c;
	struct pubs		*ps;
	json_t			*a, *kids;
	long long		*cid;
	char			 key[FM_IDLEN], mid[FM_IDLEN], id[FM_IDLEN];
	size_t			 i;
	int			 k;

	if ((a = json_array()) == NULL)
		return NULL;
	fm_idstr(account, key);
	pthread_mutex_lock(&mu);
	ps = fm_map_get(&published, key);
	for (i = 0; ps != NULL && i < ps->n; i++) {
		fm_idstr(ps->media[i], mid);
		cid = fm_map_get(&media, mid);
		c = fm_map_get(&containers, fm_idstr(*cid, key));
		if ((kids = json_array()) == NULL)
			break;
		for (k = 0; k < c->nchildren; k++)
			json_array_append_new(kids,
			    json_string(fm_idstr(c->children[k], id)));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:I, s:o}",
		    "id", mid,
		    "container_id", key,
		    "media_type", c->media_type,
		    "media_product_type", c->product,
		    "published_at", (json_int_t)c->published,
		    "children", kids));
	}
	pthread_mutex_unlock(&mu);
	return a;
}

/* ------------------------------------------------------------ state file */

static long long
max_ll(long long a, long long b)
{
	return a > b ? a : b;
}

static int
replay_token(json_t *rec)
{
	struct fm_token	 t, *c;
	const char	*s;

	if (fm_token_parse(rec, &s, &t) == -1 ||
	    fm_map_get(&tokens, s) != NULL)
		return -1;
	c = fm_xmalloc(sizeof(*c));
	*c = t;
	fm_map_put(&tokens, s, c);
	session_seq = max_ll(session_seq, t.grant.session);
	return 0;
}

static int
replay_revoke(json_t *rec)
{
	struct revoked	*r;
	const char	*key;
	json_int_t	 upto;
	int		 sub;

	if (json_unpack(rec, "{s:s, s:I, s:i}", "revoke", &key, "upto", &upto,
	    "subcode", &sub) != 0 || strlen(key) > FM_IDLEN + 1)
		return -1;
	if ((r = fm_map_get(&revoked, key)) == NULL) {
		r = fm_xmalloc(sizeof(*r));
		fm_map_put(&revoked, key, r);
	}
	r->upto = upto;
	r->subcode = sub;
	session_seq = max_ll(session_seq, upto);
	return 0;
}

static int
replay_container(json_t *rec)
{
	struct fm_container	 c, *nc;
	char			 key[FM_IDLEN];

	if (fm_container_parse(rec, &c) == -1 || c.id <= CONTAINER_BASE ||
	    fm_map_get(&containers, fm_idstr(c.id, key)) != NULL)
		return -1;
	nc = fm_xmalloc(sizeof(*nc));
	*nc = c;
	fm_map_put(&containers, key, nc);
	pubs_locked(c.account)->containers++;
	container_seq = max_ll(container_seq, c.id - CONTAINER_BASE);
	return 0;
}

static int
replay_publish(json_t *rec)
{
	struct fm_container	*c;
	json_int_t		 id, mid, at;
	char			 key[FM_IDLEN];

	if (json_unpack(rec, "{s:I, s:I, s:I}", "publish", &id, "media", &mid,
	    "at", &at) != 0 || mid <= MEDIA_BASE ||
	    (c = fm_map_get(&containers, fm_idstr(id, key))) == NULL ||
	    c->media_id != 0)
		return -1;
	published_locked(c, pubs_locked(c->account), mid, (time_t)at);
	media_seq = max_ll(media_seq, mid - MEDIA_BASE);
	return 0;
}

/* Apply one record of the state file: 0, or -1 if it makes no sense. */
static int
replay_locked(json_t *rec)
{
	json_int_t	 a, b, c;

	if (json_object_get(rec, "token") != NULL)
		return replay_token(rec);
	if (json_object_get(rec, "revoke") != NULL)
		return replay_revoke(rec);
	if (json_object_get(rec, "container") != NULL)
		return replay_container(rec);
	if (json_object_get(rec, "publish") != NULL)
		return replay_publish(rec);
	if (json_unpack(rec, "{s:I}", "clock", &a) == 0) {
		clock_offset = a;
		return 0;
	}
	if (json_unpack(rec, "{s:{s:I, s:I, s:I}}", "seq", "session", &a,
	    "container", &b, "media", &c) == 0) {
		session_seq = max_ll(session_seq, a);
		container_seq = max_ll(container_seq, b);
		media_seq = max_ll(media_seq, c);
		return 0;
	}
	return -1;
}

/* Where a compact copy of the state is being written. */
struct dump {
	FILE	*f;
	int	 rc;
};

static void
dump_token(const char *key, void *val, void *arg)
{
	struct dump	*d = arg;

	d->rc |= fm_journal_write(d->f, fm_token_record(key, val));
}

static void
dump_revoked(const char *key, void *val, void *arg)
{
	struct revoked	*r = val;
	struct dump	*d = arg;

	d->rc |= fm_journal_write(d->f, json_pack("{s:s, s:I, s:i}",
	    "revoke", key, "upto", (json_int_t)r->upto,
	    "subcode", r->subcode));
}

static void
dump_container(const char *key, void *val, void *arg)
{
	struct dump	*d = arg;

	(void)key;
	d->rc |= fm_journal_write(d->f, fm_container_record(val));
}

/* An account's posts, oldest first: the order its quota counts them. */
static void
dump_pubs(const char *key, void *val, void *arg)
{
	struct pubs	*ps = val;
	struct dump	*d = arg;
	long long	*cid;
	char		 mid[FM_IDLEN];
	size_t		 i;

	(void)key;
	for (i = 0; i < ps->n; i++) {
		cid = fm_map_get(&media, fm_idstr(ps->media[i], mid));
		d->rc |= fm_journal_write(d->f, json_pack("{s:I, s:I, s:I}",
		    "publish", (json_int_t)*cid,
		    "media", (json_int_t)ps->media[i],
		    "at", (json_int_t)ps->t[i]));
	}
}

/*
 * Rewrite the state file as one record per thing it holds, containers
 * before the posts made of them, into a new file renamed over the old
 * one: a crash leaves one or the other whole.  0, else -1.
 */
static int
compact_locked(void)
{
	struct dump	 d;
	char		 tmp[4096];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", journal_path) >=
	    sizeof(tmp) || (d.f = fm_journal_create(tmp)) == NULL)
		return -1;
	d.rc = fm_journal_write(d.f, seq_record_locked());
	d.rc |= fm_journal_write(d.f, json_pack("{s:I}", "clock",
	    (json_int_t)clock_offset));
	fm_map_foreach(&tokens, dump_token, &d);
	fm_map_foreach(&revoked, dump_revoked, &d);
	fm_map_foreach(&containers, dump_container, &d);
	fm_map_foreach(&published, dump_pubs, &d);
	if (fflush(d.f) != 0 || fsync(fileno(d.f)) != 0)
		d.rc = -1;
	if (fclose(d.f) != 0)
		d.rc = -1;
	if (d.rc != 0 || rename(tmp, journal_path) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* Replay the state file's records, those that make sense; 0 or -1. */
static int
replay_file_locked(const char *path)
{
	json_t	*rec;
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0, bad = 0;

	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (getline(&line, &cap, f) != -1) {
		if (line[0] == '\n')
			continue;
		rec = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		if (rec == NULL || replay_locked(rec) == -1)
			bad++;
		json_decref(rec);
	}
	free(line);
	fclose(f);
	/* A fake killed mid-line leaves half a record: said, not fatal. */
	if (bad > 0)
		fprintf(stderr, "fakemeta: %s: skipped %zu unreadable "
		    "record%s\n", path, bad, bad == 1 ? "" : "s");
	return 0;
}

/*
 * Take the state from path (--state), if the file exists, rewrite it
 * compactly and append every change to it from now on.  Called before
 * any thread serves.  0, or -1 after saying why.
 */
int
fm_state_load(const char *path)
{
	int	 rc;

	pthread_mutex_lock(&mu);
	journal_path = fm_xstrdup(path);
	rc = replay_file_locked(path);
	if (rc == 0)
		rc = compact_locked();
	if (rc == 0 && (journal = fopen(path, "ae")) == NULL)
		rc = -1;
	pthread_mutex_unlock(&mu);
	if (rc == -1)
		fprintf(stderr, "fakemeta: could not use the state file %s: "
		    "%s\n", path, strerror(errno));
	return rc;
}

/* At exit: the state file rewritten compactly, when there is one. */
void
fm_state_save(void)
{
	pthread_mutex_lock(&mu);
	if (journal != NULL) {
		fclose(journal);
		journal = NULL;
		if (compact_locked() == -1)
			fprintf(stderr, "fakemeta: could not write %s: %s\n",
			    journal_path, strerror(errno));
	}
	pthread_mutex_unlock(&mu);
}
