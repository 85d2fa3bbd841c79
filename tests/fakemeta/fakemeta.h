/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: a test-only fake of Meta's OAuth and Graph endpoints.
 *
 * Declarations shared by the files of the fake, grouped by file.  The
 * fake follows the project's notes on Meta's Graph API (README.md here);
 * every behaviour that the notes mark UNCONFIRMED is a choice made here
 * and says so where it is implemented.  Nothing in this directory is linked into igconnect.
 *
 * Conventions: functions that can fail return 0 on success and -1 on
 * failure (this is a test program, not core/); pointers returned by
 * *_get functions are borrowed, *_new and *_dup results are owned by the
 * caller.
 */

#ifndef FAKEMETA_H
#define FAKEMETA_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#define FM_MAX_HEAD	(16 * 1024)	/* request line + headers */
#define FM_MAX_BODY	(1024 * 1024)	/* request body */
#define FM_MAX_HEADERS	64
#define FM_MAX_PARAMS	64
#define FM_MAX_OVERSIZE	(64 * 1024 * 1024) /* "oversized" cap */
#define FM_TOKEN_LEN	180		/* characters in a token */
#define FM_MAX_ACCOUNT	1000000000LL	/* ids stay 17 digits */
#define FM_IDLEN	24		/* decimal long long and a NUL */

/* Lifetimes from Instagram Login docs and B.2-B.3. */
#define FM_CODE_TTL	3600
#define FM_SHORT_TTL	3600
#define FM_LONG_TTL	5184000		/* 60 days */
#define FM_EXCHANGE_TTL	5183944		/* documented sample */
#define FM_FB_CODE_TTL	5183827		/* recorded FB exchange */
#define FM_REFRESH_AGE	86400		/* min. age to refresh */
#define FM_FB_SHORT_MAX	7200		/* short-lived FB user token */
#define FM_CONSENT_ACCOUNTS 5		/* offered on the login page */
#define FM_DATA_DAYS	90		/* data access after login (B.6) */

/* Facebook Login Pages (B.4). */
#define FM_MAX_PAGES	50		/* fake_pages cap */
#define FM_PAGES	2		/* Pages per user by default */
#define FM_PAGE_LIMIT	25		/* /me/accounts default limit */
#define FM_PAGE_MAXLIM	100		/* larger limits are cut to this */

/* Publishing (publishing docs). */
#define FM_QUOTA_TOTAL	50		/* reference sample value */
#define FM_QUOTA_WINDOW	86400
#define FM_VIDEO_SECS	30		/* video processing time */
#define FM_CONTAINER_TTL 86400		/* then EXPIRED */
#define FM_CHILDREN_MAX	10		/* carousel items (D.1) */
#define FM_CAPTION_MAX	2200		/* characters */

/*
 * Every route the fake knows.  The names (fm_route_name) are what the
 * control API uses for injections, statistics and the request log.
 */
enum fm_route {
	FM_R_AUTHORIZE,
	FM_R_CODE_EXCHANGE,
	FM_R_IG_EXCHANGE,
	FM_R_REFRESH,
	FM_R_ME,
	FM_R_FB_DIALOG,
	FM_R_FB_CODE_EXCHANGE,
	FM_R_FB_EXCHANGE,
	FM_R_FB_ACCOUNTS,
	FM_R_FB_PERMISSIONS,
	FM_R_FB_DEBUG_TOKEN,
	FM_R_NODE,
	FM_R_MEDIA,
	FM_R_MEDIA_PUBLISH,
	FM_R_PUBLISHING_LIMIT,
	FM_R_USER_MEDIA,
	FM_R_UNKNOWN,
	FM_R_CONTROL,
	FM_R__MAX
};
#define FM_R_ANY	FM_R__MAX	/* injection matching every route */

/* Login flavors (Meta's login flavors); tokens never cross them. */
enum fm_flavor {
	FM_IG,
	FM_FB
};

enum fm_tokkind {
	FM_TOK_IG_SHORT,	/* code exchange, 1 hour */
	FM_TOK_IG_LONG,		/* exchange / refresh, 60 days */
	FM_TOK_FB_USER,		/* Facebook Login user token */
	FM_TOK_FB_PAGE		/* Page token, never expires */
};
#define FM_TOKBIT(k)	(1U << (k))
#define FM_TOK_IG	(FM_TOKBIT(FM_TOK_IG_SHORT) | \
			    FM_TOKBIT(FM_TOK_IG_LONG))
#define FM_TOK_FB	(FM_TOKBIT(FM_TOK_FB_USER) | FM_TOKBIT(FM_TOK_FB_PAGE))

/* Capped growable buffer; p is always NUL-terminated when non-NULL. */
struct fm_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

/* String-keyed hash map (map.c); callers provide the locking. */
struct fm_mapent;
struct fm_map {
	struct fm_mapent	**b;
	size_t			  nb;	/* power of two */
	size_t			  n;
};

/* A name/value pair; both point into memory owned by the request. */
struct fm_kv {
	const char	*name;
	const char	*value;
	size_t		 vlen;
};

/* One parsed HTTP request; it owns everything (http.c frees it). */
struct fm_req {
	char		 method[8];
	char		*target;	/* raw request target, path?query */
	char		*path;		/* raw path (copy) */
	char		*head;		/* header block: hdr[] */
	struct fm_kv	 hdr[FM_MAX_HEADERS];
	size_t		 nhdr;
	char		*qbuf;		/* decoded query: query[] */
	struct fm_kv	 query[FM_MAX_PARAMS];
	size_t		 nquery;
	char		*fbuf;		/* decoded fields: form[] */
	struct fm_kv	 form[FM_MAX_PARAMS];
	size_t		 nform;
	char		*body;		/* raw body, NUL-terminated */
	size_t		 bodylen;
	int		 keepalive;
};

/* One response, built by a handler and written by http.c. */
struct fm_resp {
	int		 status;
	const char	*ctype;		/* static string */
	struct fm_buf	 hdrs;		/* "Name: value\r\n" lines */
	char		*body;		/* owned */
	size_t		 bodylen;
	int		 close;		/* close the connection */
	int		 hang;		/* never answer */
	int		 drop;		/* close without answering */
};

/* Read-only configuration, set once in main() before any thread. */
struct fm_cfg {
	const char	 *app_id;
	const char	 *app_secret;
	const char	 *fb_app_id;	/* NULL: no Facebook Login */
	const char	 *fb_app_secret;
	const char	**redirects;	/* allowed redirect URIs */
	size_t		  nredirects;
	const char	 *base_url;	/* https://HOST:PORT, for paging */
	const char	 *jwt_secret;	/* /_fake/jwt; NULL: none */
	const char	 *jwt_issuer;	/* its iss and aud, or NULL */
	const char	 *jwt_audience;
	int		  require_ig_proof; /* initial fm_ig_proof() */
	int		  verbose;
};
extern const struct fm_cfg *fm_cfg;

/* Everything the fake invents for account N (account.c). */
struct fm_account {
	long long	 n;
	long long	 app_scoped_id;	/* IG Login user id */
	long long	 ig_id;		/* IG professional account id */
	long long	 legacy_ig_id;	/* FB flavor's ig_id */
	long long	 fb_user_id;	/* FB Login app-scoped user id */
	long long	 followers;
	long long	 follows;
	long long	 media;
	char		 username[32];
	char		 name[48];
	char		 fb_name[48];
	char		 biography[96];
	char		 website[64];	/* empty: none */
	char		 picture[128];
};

/*
 * What a code or token carries: one login (consent) of one user, with
 * the dialog's knobs.  Every token minted from it shares its session,
 * which is what revocation kills.
 */
struct fm_grant {
	enum fm_flavor	 flavor;
	long long	 account;
	unsigned	 perms;		/* bits of the scope table */
	long long	 session;	/* login number (state.c) */
	time_t		 login;
	time_t		 data_access;	/* data_access_expires_at (B.6) */
	/* Facebook Login only. */
	int		 npages;	/* Pages 1..npages */
	unsigned long long linked;	/* bit i-1: Page i has an IG account */
	int		 page_size;	/* /me/accounts limit; 0: Meta's */
	int		 short_lived;	/* the code gives a 1 h token */
};

struct fm_token {
	enum fm_tokkind	 kind;
	struct fm_grant	 grant;
	int		 page;		/* FM_TOK_FB_PAGE: Page number */
	time_t		 issued;
	time_t		 expires;	/* 0: never */
};

enum fm_codeerr {
	FM_CODE_OK,
	FM_CODE_UNKNOWN,
	FM_CODE_USED,
	FM_CODE_EXPIRED,
	FM_CODE_REDIRECT
};

enum fm_cstatus {
	FM_CS_IN_PROGRESS,
	FM_CS_FINISHED,
	FM_CS_PUBLISHED,
	FM_CS_ERROR,
	FM_CS_EXPIRED
};

enum fm_puberr {
	FM_PUB_OK,
	FM_PUB_UNKNOWN,		/* no such container for this account */
	FM_PUB_DONE,		/* already published */
	FM_PUB_NOTREADY,	/* IN_PROGRESS or ERROR: 9007 / 2207027 */
	FM_PUB_EXPIRED,		/* EXPIRED */
	FM_PUB_QUOTA		/* 24 h limit reached: 9 / 2207042 */
};

/*
 * A publishing container as seen at a given time (state.c), and once
 * published the media it became.  media_type and product are static
 * strings: what the media reads as (IMAGE, VIDEO, CAROUSEL_ALBUM; FEED,
 * REELS, STORY).
 */
struct fm_container {
	long long	 id;
	long long	 account;
	int		 is_item;	/* carousel child */
	long long	 failed;	/* ERROR's subcode, 0: none */
	time_t		 created;
	time_t		 ready;		/* FINISHED from then on */
	time_t		 expires;	/* EXPIRED from then on */
	const char	*media_type;
	const char	*product;
	long long	 children[FM_CHILDREN_MAX];
	int		 nchildren;
	char		 caption[FM_CAPTION_MAX * 4 + 1]; /* UTF-8 */
	long long	 media_id;	/* non-zero once published */
	time_t		 published;
};

/* One scripted fault (inject.c). */
struct fm_inject;

/* The request being answered, as handlers see it (route.c). */
struct fm_call {
	struct fm_req	*req;
	struct fm_resp	*resp;
	enum fm_route	 route;
	const char	*rest;		/* path after /vNN.0 */
	int		 versioned;	/* /vNN.0/ prefix present */
	char		 node[FM_IDLEN]; /* id segment: digits or "me" */
	int		 wrapped;	/* injected: data-wrapped */
};

/* main.c */
int		 fm_stopping(void);
void		 fm_sleep_ms(long);

/* http.c */
int		 fm_http_init(const char *, const char *);
void		 fm_http_free(void);
int		 fm_http_spawn(int);
void		 fm_http_shutdown_all(void);
void		 fm_http_wait_all(void);
const char	*fm_header(const struct fm_req *, const char *);
const char	*fm_query(const struct fm_req *, const char *);
const char	*fm_form(const struct fm_req *, const char *);
const char	*fm_param(const struct fm_req *, const char *);
int		 fm_resp_header(struct fm_resp *, const char *,
		    const char *);
void		 fm_resp_json(struct fm_resp *, int, json_t *, size_t);
void		 fm_resp_text(struct fm_resp *, int, const char *,
		    const char *);

/* util.c */
void		 fm_buf_init(struct fm_buf *, size_t);
int		 fm_buf_reserve(struct fm_buf *, size_t);
int		 fm_buf_add(struct fm_buf *, const void *, size_t);
int		 fm_buf_adds(struct fm_buf *, const char *);
int		 fm_buf_addf(struct fm_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*fm_buf_steal(struct fm_buf *);
void		 fm_buf_free(struct fm_buf *);
void		 fm_msgf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
const char	*fm_idstr(long long, char [FM_IDLEN]);
void		 fm_rand(void *, size_t);
void		 fm_rand_alnum(char *, size_t);
void		 fm_rand_b64url(char *, size_t);
long		 fm_rand_range(long, long);
void		 fm_fbtrace(char *, size_t);
int		 fm_pct_encode(struct fm_buf *, const char *);
int		 fm_html_escape(struct fm_buf *, const char *, size_t);
size_t		 fm_pct_decode(char *, size_t, int);
void		 fm_sha256_hex16(const char *, char [17]);
void		 fm_hmac_hex(const char *, const char *, char [65]);
int		 fm_parse_ll(const char *, long long, long long,
		    long long *);
void		 fm_fmt_pacific(time_t, char *, size_t);
void		 fm_fmt_http_date(time_t, char *, size_t);
const void	*fm_memmem(const void *, size_t, const void *, size_t);
void		*fm_xmalloc(size_t);
void		*fm_xcalloc(size_t, size_t);
char		*fm_xstrdup(const char *);

/* map.c */
void		 fm_map_init(struct fm_map *);
void		*fm_map_get(const struct fm_map *, const char *);
void		 fm_map_put(struct fm_map *, const char *, void *);
void		 fm_map_foreach(const struct fm_map *,
		    void (*)(const char *, void *, void *), void *);
void		 fm_map_clear(struct fm_map *, void (*)(void *));
void		 fm_map_free(struct fm_map *, void (*)(void *));

/* account.c */
void		 fm_account_get(long long, struct fm_account *);
long long	 fm_account_by_app_scoped_id(const char *);
long long	 fm_account_by_ig_id(const char *);
long long	 fm_account_by_fb_user_id(const char *);
long long	 fm_account_by_page_id(const char *, int *);
long long	 fm_page_id(long long, int);
void		 fm_page_name(long long, int, char *, size_t);
int		 fm_scopes_parse(const char *, enum fm_flavor, unsigned *,
		    struct fm_buf *);
unsigned	 fm_scope_bit(const char *);
json_t		*fm_scopes_array(unsigned);
int		 fm_scopes_csv(unsigned, struct fm_buf *);
unsigned	 fm_scopes_all(enum fm_flavor);

/* state.c */
void		 fm_state_init(void);
void		 fm_state_free(void);
void		 fm_state_reset(void);
int		 fm_state_load(const char *);
void		 fm_state_save(void);
time_t		 fm_now(void);
void		 fm_grant_init(struct fm_grant *, enum fm_flavor);
time_t		 fm_clock_advance(long long);
void		 fm_latency_set(long);
long		 fm_latency_get(void);
int		 fm_code_new(const struct fm_grant *, const char *, char *,
		    size_t);
enum fm_codeerr	 fm_code_take(const char *, enum fm_flavor, const char *,
		    struct fm_grant *);
int		 fm_token_new(const struct fm_token *, char *, size_t);
int		 fm_token_get(const char *, struct fm_token *);
void		 fm_revoke(enum fm_flavor, long long, int);
int		 fm_token_revoked(const struct fm_token *);
void		 fm_revoked_message(int, char *, size_t);
int		 fm_ig_proof(void);
void		 fm_ig_proof_set(int);
size_t		 fm_token_count(void);
long long	 fm_container_new(const struct fm_container *);
int		 fm_container_get(long long, struct fm_container *);
enum fm_cstatus	 fm_container_status(const struct fm_container *,
		    time_t);
void		 fm_publish_call(long long);
int		 fm_publish(long long, long long, time_t, long long *);
int		 fm_media_get(long long, struct fm_container *);
size_t		 fm_media_ids(long long, long long **);
int		 fm_quota_usage(long long, time_t, time_t);
int		 fm_quota_total(void);
void		 fm_quota_total_set(int);
json_t		*fm_publishing_json(void);
json_t		*fm_media_json(long long);

/* persist.c */
json_t		*fm_token_record(const char *, const struct fm_token *);
int		 fm_token_parse(json_t *, const char **, struct fm_token *);
json_t		*fm_container_record(const struct fm_container *);
int		 fm_container_parse(json_t *, struct fm_container *);
FILE		*fm_journal_create(const char *);
int		 fm_journal_write(FILE *, json_t *);

/* stats.c */
void		 fm_stats_init(void);
void		 fm_stats_free(void);
void		 fm_stats_reset(void);
void		 fm_stats_connection(void);
void		 fm_stats_request(enum fm_route);
void		 fm_stats_refresh(const char *);
void		 fm_stats_proof(int);
void		 fm_stats_log(enum fm_route, const struct fm_req *, int);
int		 fm_stats_enter(void);
void		 fm_stats_leave(void);
json_t		*fm_stats_json(void);
json_t		*fm_stats_requests(enum fm_route, size_t);

/* inject.c */
struct	fm_usage {
	int		 app;		/* X-App-Usage %; -1: none */
	int		 buc;		/* the BUC header's %; -1 */
	int		 regain;	/* minutes, in the latter */
};
void		 fm_usage_set(const struct fm_usage *);
void		 fm_usage_get(struct fm_usage *);
void		 fm_usage_headers(struct fm_call *);
void		 fm_inject_reset(void);
int		 fm_inject_add(json_t *, char *, size_t);
struct fm_inject *fm_inject_take(enum fm_route);
int		 fm_inject_after(const struct fm_inject *);
int		 fm_inject_apply(struct fm_inject *, struct fm_call *);
void		 fm_inject_release(struct fm_inject *);
size_t		 fm_inject_pending(void);

/* graph.c */
struct fm_gerr {
	int		 http;		/* 0: 400 */
	long long	 code;
	long long	 subcode;	/* 0: omitted */
	const char	*type;		/* NULL: OAuthException */
	const char	*message;
	int		 transient;	/* -1: omitted, else 0/1 */
	const char	*user_title;	/* NULL: omitted */
	const char	*user_msg;	/* NULL: omitted */
};
void		 fm_graph_error(struct fm_resp *, const struct fm_gerr *);
void		 fm_graph_fail(struct fm_resp *, long long, const char *,
		    const char *);
void		 fm_oauth_error(struct fm_resp *, int, long long,
		    const char *, const char *);
void		 fm_graph_ok(struct fm_resp *, json_t *);
const char	*fm_req_token(const struct fm_req *);
int		 fm_token_check(struct fm_call *, const char *, unsigned,
		    struct fm_token *);
int		 fm_auth(struct fm_call *, unsigned, struct fm_token *,
		    const char **);
void		 fm_expired_message(time_t, time_t, char *, size_t);
int		 fm_fields(struct fm_call *, const char *const *,
		    const char *, const char *, unsigned *);
int		 fm_appsecret_proof(struct fm_call *, const char *,
		    const char *);

/* route.c */
const char	*fm_route_name(enum fm_route);
int		 fm_route_by_name(const char *);
void		 fm_route_handle(struct fm_req *, struct fm_resp *);

/* iglogin.c */
enum fm_consent {
	FM_CONSENT_ASKED,	/* the page (or a page error) was answered */
	FM_CONSENT_ALLOW,
	FM_CONSENT_DENY
};
int		 fm_redirect_allowed(const char *);
void		 fm_redirect(struct fm_call *, const char *, const char *,
		    const char *, const char *);
int		 fm_login_knobs(struct fm_call *, enum fm_flavor,
		    struct fm_grant *);
enum fm_consent	 fm_consent(struct fm_call *, const struct fm_grant *,
		    unsigned, const char *);
void		 fm_ig_authorize(struct fm_call *);
void		 fm_ig_code_exchange(struct fm_call *);
void		 fm_ig_exchange(struct fm_call *);
void		 fm_ig_refresh(struct fm_call *);
void		 fm_ig_user(struct fm_call *, const struct fm_token *,
		    long long);

/* fblogin.c */
void		 fm_fb_dialog(struct fm_call *);
void		 fm_fb_code_exchange(struct fm_call *);
void		 fm_fb_exchange(struct fm_call *);
void		 fm_fb_accounts(struct fm_call *);
void		 fm_fb_permissions(struct fm_call *);
void		 fm_fb_debug_token(struct fm_call *);
void		 fm_fb_me(struct fm_call *, const struct fm_token *);
void		 fm_fb_page(struct fm_call *, const struct fm_token *, int);
long long	 fm_fb_page_ig(const struct fm_grant *, int);
void		 fm_fb_ig_user(struct fm_call *, const struct fm_token *,
		    long long);

/* node.c */
void		 fm_me(struct fm_call *);
void		 fm_node(struct fm_call *);
void		 fm_no_object(struct fm_call *);
long long	 fm_fb_visible_ig(const struct fm_token *, long long);

/* publish.c */
void		 fm_pub_media(struct fm_call *);
void		 fm_pub_publish(struct fm_call *);
void		 fm_pub_count_call(struct fm_call *);
void		 fm_pub_limit(struct fm_call *);
void		 fm_pub_user_media(struct fm_call *);
void		 fm_pub_container(struct fm_call *,
		    const struct fm_container *);
void		 fm_pub_media_node(struct fm_call *,
		    const struct fm_container *);

/* control.c */
void		 fm_control(struct fm_call *);

/* jwt.c */
void		 fm_dev_token(struct fm_call *);

#endif /* FAKEMETA_H */
