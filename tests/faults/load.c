/* SPDX-License-Identifier: ISC */
/* load.c: see load.h. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ig.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "../lib/hook.h"
#include "load.h"

/*
 * Fake accounts of the exchanges: far above those flow_account() gives,
 * below the fake's largest (10^9).
 */
#define ACCOUNT_BASE	300000000LL
#define HOOK_ACCOUNTS	50	/* accounts the deliveries spread over */

/* One keep-alive client: a curl handle and the last answer. */
struct	lclient {
	CURL		*c;
	char		*body;
	size_t		 len, cap;
	char		 location[4096];
	long		 retry_after;
	long		 timeout_ms;
};

struct	lthread {
	struct load	*load;
	pthread_t	 tid;
	int		 idx;
	unsigned	 seed;
	long		 n;		/* operations begun */
	atomic_llong	 began_us;	/* when the current one began */
	struct lclient	 lc;
	struct load_op	*ops;
	size_t		 nops, cap;
};

struct	load {
	struct load_cfg	 cfg;
	char		 base[1024];
	const char	*secret;
	struct timespec	 t0;
	atomic_int	 stop;
	atomic_long	 done;
	int		 nthreads;
	struct lthread	*th;
	struct load_op	*all;
};

static double
since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------ client */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct lclient	*lc = arg;
	size_t		 k = size * n, cap;
	char		*np;

	if (lc->len + k + 1 > lc->cap) {
		for (cap = lc->cap ? lc->cap : 4096; cap < lc->len + k + 1;)
			cap *= 2;
		if ((np = realloc(lc->body, cap)) == NULL)
			return 0;
		lc->body = np;
		lc->cap = cap;
	}
	memcpy(lc->body + lc->len, p, k);
	lc->len += k;
	lc->body[lc->len] = '\0';
	return k;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct lclient	*lc = arg;
	size_t		 k = size * n, v;

	if (k > 9 && strncasecmp(p, "Location:", 9) == 0) {
		for (v = 9; v < k && p[v] == ' '; v++)
			continue;
		while (k > v && (p[k - 1] == '\r' || p[k - 1] == '\n'))
			k--;
		(void)snprintf(lc->location, sizeof(lc->location), "%.*s",
		    (int)(k - v), p + v);
	} else if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
		lc->retry_after = strtol(p + 12, NULL, 10);
	return size * n;
}

static int
lc_init(struct lclient *lc, long timeout_ms)
{
	memset(lc, 0, sizeof(*lc));
	lc->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	return (lc->c = curl_easy_init()) != NULL;
}

static void
lc_free(struct lclient *lc)
{
	curl_easy_cleanup(lc->c);
	free(lc->body);
	memset(lc, 0, sizeof(*lc));
}

/*
 * One request on the kept connection; "auth" and "ctype" are header
 * lines or NULL.  The status, 0 when no answer came.
 */
static long
lc_do(struct lclient *lc, const char *method, const char *url,
    const char *auth, const char *ctype, const char *body, size_t len)
{
	struct curl_slist	*h = NULL;
	long			 st = 0;
	CURL			*c = lc->c;

	lc->len = 0;
	lc->location[0] = '\0';
	lc->retry_after = 0;
	if (lc->body != NULL)
		lc->body[0] = '\0';
	if (auth != NULL)
		h = curl_slist_append(h, auth);
	if (ctype != NULL)
		h = curl_slist_append(h, ctype);
	/* An empty Expect: a body is sent at once, as browsers do. */
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, lc->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, lc);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, lc);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
		    strcmp(method, "GET") == 0 ? NULL : method);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	return st;
}

/* The answer is the API's error shape: {"error", ..., "request_id"}. */
static int
error_shaped(const struct lclient *lc)
{
	json_t	*o;
	int	 ok;

	o = json_loadb(lc->body != NULL ? lc->body : "", lc->len, 0, NULL);
	ok = json_is_string(json_object_get(o, "error")) &&
	    json_is_string(json_object_get(o, "request_id"));
	json_decref(o);
	return ok;
}

/* Record the answer of one of our API's steps in "op"; 1 if 200. */
static int
answered(struct load_op *op, const struct lclient *lc, long st)
{
	op->status = (int)st;
	op->shape_ok = st / 100 == 2 || (st != 0 && error_shaped(lc));
	op->retry_after = lc->retry_after;
	return st == 200;
}

/* ------------------------------------------------------------ kinds */

static const char *
api(struct lthread *t, char *buf, size_t sz, const char *path)
{
	(void)snprintf(buf, sz, "%s%s", t->load->base, path);
	return buf;
}

static void
do_read(struct lthread *t, struct load_op *op)
{
	const struct load_cfg	*cfg = &t->load->cfg;
	char			 auth[IG_MAX_JWT + 32], url[1200];

	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    cfg->readers[(size_t)rand_r(&t->seed) % cfg->nreaders]);
	(void)answered(op, &t->lc, lc_do(&t->lc, "GET",
	    api(t, url, sizeof(url), "/integrations"), auth, NULL, NULL, 0));
}

/* GET /oauth/instagram/url: the login's state and URL; 1 on a 200. */
static int
dance_start(struct lthread *t, struct load_op *op, const char *auth,
    char *state, size_t statesz, char *authurl, size_t authurlsz)
{
	char	 url[1200];
	json_t	*o;

	if (!answered(op, &t->lc, lc_do(&t->lc, "GET", api(t, url,
	    sizeof(url), "/oauth/instagram/url"), auth, NULL, NULL, 0)))
		return 0;
	o = json_loadb(t->lc.body, t->lc.len, 0, NULL);
	(void)snprintf(state, statesz, "%s", jstr(o, "state"));
	(void)snprintf(authurl, authurlsz, "%s", jstr(o, "authUrl"));
	json_decref(o);
	return *state != '\0' && *authurl != '\0';
}

/*
 * The whole dance as a fresh user for a fresh fake account.  The
 * login page is the fake's (the sandbox): its answers are not ours to
 * shape, so that step counts as shaped whatever it says.
 */
static void
do_exchange(struct lthread *t, struct load_op *op)
{
	char		 auth[IG_MAX_JWT + 32], url[8192], authurl[4096];
	char		 state[128], code[1024], body[2048], *jwt;
	long long	 acct;
	long		 st;

	(void)snprintf(op->user, sizeof(op->user), "lf-%ld-%d-%ld",
	    (long)getpid(), t->idx, t->n);
	acct = ACCOUNT_BASE + (long long)(getpid() % 100) * 5000000 +
	    (long long)t->idx * 100000 + t->n;
	if ((jwt = flow_jwt(op->user, 900, NULL)) == NULL)
		return;
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", jwt);
	free(jwt);
	op->step = 0;
	if (!dance_start(t, op, auth, state, sizeof(state), authurl,
	    sizeof(authurl)))
		return;
	op->step = 1;
	(void)snprintf(url, sizeof(url), "%s&fake_consent=allow"
	    "&fake_account=%lld", authurl, acct);
	st = lc_do(&t->lc, "GET", url, NULL, NULL, NULL, 0);
	op->status = (int)st;
	op->shape_ok = 1;
	if (st != 302 || !flow_query_param(t->lc.location, "code", code,
	    sizeof(code)))
		return;
	op->step = 2;
	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\",\"state\":\"%s\"}",
	    code, state);
	(void)answered(op, &t->lc, lc_do(&t->lc, "POST", api(t, url,
	    sizeof(url), "/oauth/instagram/exchange"), auth,
	    "Content-Type: application/json", body, strlen(body)));
}

/* A delivery of 1 to 3 entries no other delivery of any run holds. */
static char *
hook_body(struct lthread *t, int *entries)
{
	char	*b, *p;
	size_t	 cap = 4096;
	int	 i, k;

	*entries = 1 + rand_r(&t->seed) % 3;
	if ((b = malloc(cap)) == NULL)
		return NULL;
	p = b + snprintf(b, cap, "{\"object\":\"instagram\",\"entry\":[");
	for (i = 0; i < *entries; i++) {
		k = rand_r(&t->seed) % HOOK_ACCOUNTS;
		p += snprintf(p, cap - (size_t)(p - b), "%s{\"id\":\"%lld\","
		    "\"time\":%lld,\"changes\":[{\"field\":\"comments\","
		    "\"value\":{\"id\":\"lf%ld.%d.%ld.%d\","
		    "\"text\":\"load %s\",\"from\":{\"id\":\"232323232\","
		    "\"username\":\"someone\"},"
		    "\"media\":{\"id\":\"123123123\",\"media_product_type\":"
		    "\"FEED\"}}}]}", i > 0 ? "," : "",
		    17841490000000000LL + k, (long long)time(NULL),
		    (long)getpid(), t->idx, t->n, i, hook_nonce());
	}
	(void)snprintf(p, cap - (size_t)(p - b), "]}");
	return b;
}

static void
do_hook(struct lthread *t, struct load_op *op)
{
	char	 url[1200], *body, *sig;

	if ((body = hook_body(t, &op->entries)) == NULL)
		return;
	(void)ig_sha256(body, strlen(body), op->hash);
	if ((sig = load_hook_header(t->load->secret, body)) != NULL)
		(void)answered(op, &t->lc, lc_do(&t->lc, "POST", api(t, url,
		    sizeof(url), "/webhooks/instagram"), sig,
		    "Content-Type: application/json", body, strlen(body)));
	free(sig);
	free(body);
}

/* ------------------------------------------------------------ threads */

static struct load_op *
new_op(struct lthread *t)
{
	struct load_op	*np;
	size_t		 cap;

	if (t->nops == t->cap) {
		cap = t->cap ? 2 * t->cap : 1024;
		if ((np = realloc(t->ops, cap * sizeof(*np))) == NULL)
			return NULL;
		t->ops = np;
		t->cap = cap;
	}
	np = &t->ops[t->nops++];
	memset(np, 0, sizeof(*np));
	return np;
}

static enum load_kind
pick(struct lthread *t)
{
	const int	*w = t->load->cfg.weight;
	int		 k, total = 0, r;

	for (k = 0; k < LOAD__MAX; k++)
		total += w[k];
	r = rand_r(&t->seed) % total;
	for (k = 0; k < LOAD__MAX - 1 && r >= w[k]; k++)
		r -= w[k];
	return (enum load_kind)k;
}

static void *
run(void *arg)
{
	struct lthread	*t = arg;
	struct load_op	*op;

	while (!atomic_load(&t->load->stop) && (op = new_op(t)) != NULL) {
		op->kind = pick(t);
		op->t0 = since(&t->load->t0);
		atomic_store(&t->began_us, (long long)(op->t0 * 1e6));
		if (op->kind == LOAD_READ)
			do_read(t, op);
		else if (op->kind == LOAD_EXCHANGE)
			do_exchange(t, op);
		else
			do_hook(t, op);
		op->t1 = since(&t->load->t0);
		t->n++;
		atomic_fetch_add(&t->load->done, 1);
	}
	atomic_store(&t->began_us, LLONG_MAX);
	return NULL;
}

struct load *
load_start(const struct load_cfg *cfg)
{
	struct load	*l;
	int		 i, k, total = 0;

	for (k = 0; k < LOAD__MAX; k++)
		total += cfg->weight[k];
	if (total <= 0 || cfg->threads <= 0 ||
	    (cfg->weight[LOAD_READ] > 0 && cfg->nreaders == 0) ||
	    (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->cfg = *cfg;
	(void)snprintf(l->base, sizeof(l->base), "%s", cfg->base_url != NULL ?
	    cfg->base_url : env_or_die("IGCONNECT_BASE_URL"));
	l->secret = env_or_die("INSTAGRAM_APP_SECRET");
	clock_gettime(CLOCK_MONOTONIC, &l->t0);
	if ((l->th = calloc((size_t)cfg->threads, sizeof(*l->th))) == NULL) {
		free(l);
		return NULL;
	}
	for (i = 0; i < cfg->threads; i++) {
		l->th[i].load = l;
		l->th[i].idx = i;
		l->th[i].seed = (unsigned)getpid() * 7919u + (unsigned)i;
		if (!lc_init(&l->th[i].lc, cfg->timeout_ms) ||
		    pthread_create(&l->th[i].tid, NULL, run, &l->th[i]) != 0)
			break;
		l->nthreads++;
	}
	if (l->nthreads < cfg->threads) {
		(void)load_stop(l, NULL);
		load_free(l);
		return NULL;
	}
	return l;
}

double
load_now(const struct load *l)
{
	return since(&l->t0);
}

long
load_count(struct load *l)
{
	return atomic_load(&l->done);
}

int
load_settled(struct load *l, double t)
{
	int	i;

	for (i = 0; i < l->nthreads; i++)
		if (atomic_load(&l->th[i].began_us) < (long long)(t * 1e6))
			return 0;
	return 1;
}

static int
by_start(const void *a, const void *b)
{
	const struct load_op	*x = a, *y = b;

	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

size_t
load_stop(struct load *l, const struct load_op **ops)
{
	size_t	n = 0, k = 0;
	int	i;

	atomic_store(&l->stop, 1);
	for (i = 0; i < l->nthreads; i++) {
		(void)pthread_join(l->th[i].tid, NULL);
		n += l->th[i].nops;
	}
	l->nthreads = 0;
	free(l->all);
	if ((l->all = calloc(n + 1, sizeof(*l->all))) == NULL)
		n = 0;
	for (i = 0; l->all != NULL && i < l->cfg.threads; i++) {
		memcpy(l->all + k, l->th[i].ops,
		    l->th[i].nops * sizeof(*l->all));
		k += l->th[i].nops;
	}
	qsort(l->all, n, sizeof(*l->all), by_start);
	if (ops != NULL)
		*ops = l->all;
	return n;
}

void
load_free(struct load *l)
{
	int	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->cfg.threads; i++) {
		lc_free(&l->th[i].lc);
		free(l->th[i].ops);
	}
	free(l->th);
	free(l->all);
	free(l);
}

const char *
load_kind_name(enum load_kind k)
{
	static const char *const names[LOAD__MAX] = { "read", "exchange",
	    "webhook" };

	return (unsigned)k < LOAD__MAX ? names[k] : "?";
}

/* ------------------------------------------------------------ figures */

static int
by_value(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
load_sum(const struct load_op *ops, size_t n, int kind, double from,
    double to, struct load_sum *s)
{
	double	*ms;
	size_t	 i, k = 0;

	memset(s, 0, sizeof(*s));
	if ((ms = calloc(n + 1, sizeof(*ms))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((kind >= 0 && ops[i].kind != (enum load_kind)kind) ||
		    ops[i].t0 < from || ops[i].t0 >= to)
			continue;
		s->n++;
		if (!ops[i].shape_ok)
			s->bad_shape++;
		if (ops[i].status != 200) {
			s->errors++;
			continue;
		}
		s->ok++;
		ms[k++] = (ops[i].t1 - ops[i].t0) * 1000.0;
	}
	if (k > 0) {
		qsort(ms, k, sizeof(*ms), by_value);
		s->p50 = ms[k / 2];
		s->p99 = ms[k * 99 / 100];
		s->max = ms[k - 1];
	}
	free(ms);
}

void
load_statuses(const struct load_op *ops, size_t n, int kind, double from,
    double to, char *out, size_t outsz)
{
	static const char *const prefix[3] = { "", "url:", "login:" };
	long	count[3][600];
	size_t	i, len = 0;
	int	st, step;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		if ((kind >= 0 && ops[i].kind != (enum load_kind)kind) ||
		    ops[i].t0 < from || ops[i].t0 >= to)
			continue;
		st = ops[i].status >= 0 && ops[i].status < 600 ?
		    ops[i].status : 0;
		step = ops[i].kind == LOAD_EXCHANGE && ops[i].step < 2 ?
		    ops[i].step + 1 : 0;
		count[step][st]++;
	}
	out[0] = '\0';
	for (step = 0; step < 3; step++)
		for (st = 0; st < 600; st++) {
			if (count[step][st] == 0 || len >= outsz)
				continue;
			len += (size_t)snprintf(out + len, outsz - len,
			    "%s%s%d x%ld", len > 0 ? ", " : "", prefix[step],
			    st, count[step][st]);
		}
}

/* ------------------------------------------------------------ run all */

struct	runner {
	pthread_t		 tid;
	struct load_req		*r;
	size_t			 n;
	atomic_size_t		*next;
};

static void
run_one(struct lclient *lc, struct load_req *r)
{
	struct timespec	 t0;
	json_t		*o;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->status = (int)lc_do(lc, r->method, r->url, r->header,
	    r->body != NULL ? "Content-Type: application/json" : NULL,
	    r->body, r->body != NULL ? strlen(r->body) : 0);
	r->retry_after = lc->retry_after;
	r->shape_ok = r->status / 100 == 2 || (r->status != 0 &&
	    error_shaped(lc));
	o = json_loadb(lc->body != NULL ? lc->body : "", lc->len, 0, NULL);
	(void)snprintf(r->error, sizeof(r->error), "%s", jstr(o, "error"));
	r->duplicate = json_is_true(json_object_get(o, "duplicate"));
	json_decref(o);
	r->ms = since(&t0) * 1000.0;
}

static void *
run_some(void *arg)
{
	struct runner	*p = arg;
	struct lclient	 lc;
	size_t		 i;

	if (!lc_init(&lc, 0))
		return NULL;
	while ((i = atomic_fetch_add(p->next, 1)) < p->n)
		run_one(&lc, &p->r[i]);
	lc_free(&lc);
	return NULL;
}

double
load_run_all(struct load_req *r, size_t n, int threads)
{
	struct runner	*p;
	struct timespec	 t0;
	atomic_size_t	 next = 0;
	int		 i, started = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((p = calloc((size_t)threads, sizeof(*p))) == NULL)
		return 0;
	for (i = 0; i < threads; i++) {
		p[i].r = r;
		p[i].n = n;
		p[i].next = &next;
		if (pthread_create(&p[i].tid, NULL, run_some, &p[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(p[i].tid, NULL);
	free(p);
	return since(&t0);
}

char *
load_hook_header(const char *secret, const char *body)
{
	char	sig[HOOK_SIGLEN], *h;

	hook_sign(sig, secret, body, strlen(body));
	if ((h = malloc(HOOK_SIGLEN + 32)) != NULL)
		(void)snprintf(h, HOOK_SIGLEN + 32, "X-Hub-Signature-256: %s",
		    sig);
	return h;
}
