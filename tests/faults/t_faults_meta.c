/* SPDX-License-Identifier: ISC */
/*
 * t_faults_meta.c: Meta misbehaving while clients exchange codes and
 * the token jobs run: slow answers, answers that never come (past a
 * 2 s timeout), reset connections, 5xx storms, bodies that are not
 * JSON, rate limits with Meta's usage headers.  Every client gets a
 * 200 or an error in the JSON shape (Retry-After on the rate limits),
 * nothing crashes (same supervisors and workers), and no connection is
 * refreshed twice: at the fake, each token is refreshed once plus once
 * per failure recorded, whether the jobs or the users (two requests
 * each at once) refresh it.  The cases run on a stack of their own,
 * whose programs give up on Meta after 2 s.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "fault.h"
#include "load.h"

#define META_TIMEOUT	"2"	/* seconds the programs wait for Meta */

static struct side	meta;
static int		up;

/* The side stack, started by the first case that needs it. */
static int
stack_up(void)
{
	static const char *const env[] = {
		"IGCONNECT_HTTP_TIMEOUT=" META_TIMEOUT,
		"IGCONNECT_CONNECT_TIMEOUT=" META_TIMEOUT, NULL };
	double	t0 = mono();

	if (!up && side_start(&meta, "meta", env)) {
		up = 1;
		figure("a stack with a %s s timeout on Meta started in %.1f s",
		    META_TIMEOUT, mono() - t0);
	}
	return up;
}

/* Injections the fake has not acted out yet, or -1. */
static long
pending(void)
{
	json_t	*o = fake_get("/_fake/inject");
	long	 n = -1;

	if (json_is_integer(json_object_get(o, "pending")))
		n = (long)json_integer_value(json_object_get(o, "pending"));
	json_decref(o);
	return n;
}

/* ------------------------------------------------------------ exchanges */

/* One kind of fault, on each route that it names. */
struct	phase {
	const char	*name;
	const char	*inject[3];	/* bodies for /_fake/inject */
};

#define ROUTES3(f) { "{\"route\":\"code_exchange\"," f "}", \
	"{\"route\":\"ig_exchange\"," f "}", "{\"route\":\"me\"," f "}" }

static const struct phase phases[] = {
	{ "slow answers (600 ms)", ROUTES3("\"delay_ms\":600,\"count\":4") },
	{ "no answer (past the timeout)",
	    ROUTES3("\"hang\":true,\"count\":3") },
	{ "connections reset", ROUTES3("\"drop\":true,\"count\":8") },
	{ "a 5xx storm", ROUTES3("\"http_status\":503,\"count\":15") },
	{ "bodies that are not JSON", { "{\"route\":\"code_exchange\","
	    "\"malformed\":true,\"count\":8}", "{\"route\":\"me\","
	    "\"http_status\":500,\"malformed\":true,\"count\":8}" } },
	{ "rate limits (code 4, X-App-Usage)",
	    ROUTES3("\"rate_limit\":true,\"count\":10") },
	{ "rate limits (code 80002, X-Business-Use-Case-Usage)",
	    { "{\"route\":\"me\",\"rate_limit\":true,\"graph_error\":"
	    "{\"code\":80002},\"count\":10}" } },
};

#define NPHASES	(sizeof(phases) / sizeof(phases[0]))

/*
 * Run the phases in turn under load; each lasts from its injections
 * until every one was acted out and the exchanges then in flight are
 * done: its [start, end) into "span".
 */
static void
run_phases(struct load *l, double span[][2])
{
	double	t, acted;
	size_t	i, k;

	for (i = 0; i < NPHASES; i++) {
		msleep(scale(100, 2000));
		span[i][0] = load_now(l);
		for (k = 0; k < 3 && phases[i].inject[k] != NULL; k++)
			CHECK(fake_inject(phases[i].inject[k]));
		for (t = mono(); pending() > 0 && mono() - t < 20;)
			msleep(50);
		CHECK(pending() == 0);
		for (acted = load_now(l), t = mono(); !load_settled(l, acted) &&
		    mono() - t < 10;)
			msleep(20);
		span[i][1] = load_now(l);
	}
}

/*
 * The exchanges that ended in a phase, [from, to): their answers,
 * checked.  (One that began before the faults may have met them.)
 */
static void
phase_report(const char *name, const struct load_op *ops, size_t n,
    double from, double to)
{
	struct load_op	*in;
	struct load_sum	 s;
	long		 rl = 0, rl_ra = 0, gw = 0;
	size_t		 i, k = 0;
	char		 st[256];

	if ((in = calloc(n + 1, sizeof(*in))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (ops[i].t1 >= from && ops[i].t1 < to)
			in[k++] = ops[i];
	load_sum(in, k, LOAD_EXCHANGE, 0, 1e9, &s);
	load_statuses(in, k, LOAD_EXCHANGE, 0, 1e9, st, sizeof(st));
	for (i = 0; i < k; i++) {
		if (in[i].status == 503) {
			rl++;
			rl_ra += in[i].retry_after > 0;
		} else if (in[i].status == 504)
			gw++;
	}
	figure("%s: %ld exchanges in %.1f s, p50 %.0f ms, max %.0f ms; %s; "
	    "%ld of %ld 503s with Retry-After", name, s.n, to - from, s.p50,
	    s.max, st, rl_ra, rl);
	CHECK(s.bad_shape == 0);
	/* The programs answer before nginx gives up on them. */
	CHECK(gw == 0);
	CHECK(rl_ra == rl);
	free(in);
}

static void
t_faults_meta_exchanges(void)
{
	struct load_cfg		 cfg = { .threads = (int)scale(6, 12),
	    .weight = { [LOAD_EXCHANGE] = 1 } };
	struct prog		 before[MAX_PROGS], after[MAX_PROGS];
	const struct load_op	*ops;
	struct load		*l;
	struct load_sum		 s;
	double			 span[NPHASES][2], end;
	char			 since[64], like[64];
	size_t			 n, i;
	int			 nb, na;

	if (!CHECK(stack_up()))
		return;
	cfg.base_url = meta.base;
	db_now(since, sizeof(since));
	nb = progs_read(meta.var, before, MAX_PROGS);
	if (!CHECK((l = load_start(&cfg)) != NULL))
		return;
	run_phases(l, span);
	end = load_now(l);
	msleep(scale(700, 3000));
	n = load_stop(l, &ops);
	for (i = 0; i < NPHASES; i++)
		phase_report(phases[i].name, ops, n, span[i][0], span[i][1]);
	load_sum(ops, n, LOAD_EXCHANGE, end, 1e9, &s);
	figure("after the faults: %ld exchanges, %ld errors", s.n, s.errors);
	CHECK(s.n > 0 && s.errors == 0);
	load_sum(ops, n, LOAD_EXCHANGE, 0, 1e9, &s);
	CHECK(s.bad_shape == 0);
	(void)snprintf(like, sizeof(like), "lf-%ld-%%", (long)getpid());
	CHECK(conns_broken(since, like) == 0);
	na = progs_read(meta.var, after, MAX_PROGS);
	CHECK(progs_same(before, nb, after, na));
	load_free(l);
}

/* ------------------------------------------------------------ jobs */

/* One connection the jobs and its user refresh. */
struct	row {
	struct flow_user u;
	char		 key[17];	/* the fake's refresh_by_token key */
};

/* Connect "n" users; each row's token as the fake counts it. */
static int
rows_make(struct row *r, size_t n)
{
	unsigned char	 md[32];
	char		 uid[40], sealed[4096], aad[64], hex[65], *tok;
	size_t		 i;

	for (i = 0; i < n; i++) {
		flow_user_new(&r[i].u);
		if (flow_connect(&r[i].u, flow_account(0), NULL, NULL) != 200 ||
		    db_val(uid, sizeof(uid), "SELECT userid::text FROM "
		    "oauth_connections WHERE " FLOW_CONN, r[i].u.id,
		    NULL) != 1 || db_val(sealed, sizeof(sealed), "SELECT "
		    "accesstoken FROM oauth_connections WHERE " FLOW_CONN,
		    r[i].u.id, NULL) != 1)
			return 0;
		(void)snprintf(aad, sizeof(aad), "%s|instagram", uid);
		if (ig_open(flow_cfg(), sealed, aad, &tok) != IG_OK)
			return 0;
		(void)ig_sha256(tok, strlen(tok), md);
		ig_free_secret(tok);
		ig_hex(hex, md, sizeof(md));
		(void)snprintf(r[i].key, sizeof(r[i].key), "%.16s", hex);
	}
	return 1;
}

/* The users of the run's rows, as a LIKE pattern. */
static const char *
mine(void)
{
	static char	like[64];

	(void)snprintf(like, sizeof(like), "t-%ld-%%", (long)getpid());
	return like;
}

/*
 * Due for both jobs, ours only: every other row is pushed out of
 * their reach (as t_jobs does), ours made 25 hours old, expiring in 5
 * days and unsynced for a day, and the fake's clock a day on.
 */
static void
make_due(void)
{
	CHECK(db_exec("UPDATE oauth_connections c SET expiresat = greatest("
	    "c.expiresat, now() + interval '50 days'), lastsyncedat = now() "
	    "FROM users u WHERE u.id = c.userid AND c.expiresat > now() AND "
	    "u.externalid NOT LIKE $1", mine(), NULL) >= 0);
	CHECK(db_exec("UPDATE oauth_connections c SET tokenissuedat = "
	    "c.tokenissuedat - interval '25 hours', expiresat = now() + "
	    "interval '5 days', lastsyncedat = now() - interval '25 hours' "
	    "FROM users u WHERE u.id = c.userid AND u.externalid LIKE $1",
	    mine(), NULL) > 0);
	CHECK(fake_post("/_fake/clock", "{\"advance\":90000}") == 200);
}

/* Rows of ours not yet refreshed, or not yet synced, since "since". */
static long long
left(const char *since, const char *col)
{
	char	sql[256];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
	    "oauth_connections c JOIN users u ON u.id = c.userid WHERE "
	    "u.externalid LIKE $1 AND c.%s <= $2::timestamp", col);
	return db_long(sql, mine(), since, NULL);
}

static const char *const job_env[] = {
	"IGCONNECT_HTTP_TIMEOUT=" META_TIMEOUT,
	"IGCONNECT_CONNECT_TIMEOUT=" META_TIMEOUT, NULL };

/* One pass of "prog", started: its pid. */
static pid_t
job(const char *prog)
{
	char		 log[512];
	const char	*argv[] = { prog, "--once", "--parallel", "4",
	    "--backoff", "0", "--max-attempts", "1000", NULL };

	(void)snprintf(log, sizeof(log), "%s/log/faults-jobs.log",
	    env_or_die("IGCONNECT_VAR"));
	return spawn_env(argv, job_env, log);
}

/* Two refresh passes and a sync pass at once; 1 if all ended well. */
static int
passes(void)
{
	pid_t	p[3];
	int	i, ok = 1, rc;

	p[0] = job("tools/igconnect-refresh");
	p[1] = job("tools/igconnect-refresh");
	p[2] = job("tools/igconnect-sync");
	for (i = 0; i < 3; i++)
		if ((rc = wait_exit(p[i], 60000)) != 0) {
			printf("  a job exited %d\n", rc);
			ok = 0;
		}
	return ok;
}

/* Each user asks for a refresh twice at once, on the side stack. */
static void
manual(const struct row *r, size_t n, struct load_req *q)
{
	char	url[256];
	size_t	i, len;

	(void)snprintf(url, sizeof(url), "%s/integrations/instagram/refresh",
	    meta.base);
	for (i = 0; i < 2 * n; i++) {
		q[i].method = "POST";
		q[i].url = url;
		len = strlen(r[i / 2].u.jwt) + 32;
		if ((q[i].header = malloc(len)) != NULL)
			(void)snprintf(q[i].header, len,
			    "Authorization: Bearer %s", r[i / 2].u.jwt);
	}
	(void)load_run_all(q, 2 * n, 8);
	for (i = 0; i < 2 * n; i++) {
		free(q[i].header);
		q[i].header = NULL;
		q[i].url = NULL;
	}
}

/*
 * The users' answers: 200, or the JSON shape of an error they can act
 * on: 409 (too_early: the job was first; conflict: the other request
 * was), 502 (Meta failed) or 503 with Retry-After (Meta throttles).
 */
static void
check_manual(const struct load_req *q, size_t n)
{
	long	ok = 0, c409 = 0, c502 = 0, c503 = 0, other = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (q[i].status == 200)
			ok++;
		else if (q[i].status == 409 && q[i].shape_ok)
			c409++;
		else if (q[i].status == 502 && q[i].shape_ok)
			c502++;
		else if (q[i].status == 503 && q[i].shape_ok &&
		    q[i].retry_after > 0)
			c503++;
		else if (other++ < 5)
			printf("  a refresh answered %d (%s)\n", q[i].status,
			    q[i].error);
	}
	figure("users' refreshes (two at once each): %zu: %ld 200, %ld 409, "
	    "%ld 502, %ld 503, %ld else", n, ok, c409, c502, c503, other);
	CHECK(other == 0);
}

/* History events "ev" of the user's connection since "since". */
static long long
events(const struct flow_user *u, const char *ev, const char *since)
{
	return db_long("SELECT count(*) FROM connection_history h JOIN "
	    "users u ON u.id = h.userid WHERE u.externalid = $1 AND "
	    "h.event = $2 AND h.createdat >= $3::timestamp", u->id, ev, since,
	    NULL);
}

/* Tokens the fake has minted so far, or -1. */
static long long
minted(void)
{
	json_t		*st = fake_get("/_fake/stats");
	long long	 n = -1;

	if (json_is_integer(json_object_get(st, "tokens")))
		n = json_integer_value(json_object_get(st, "tokens"));
	json_decref(st);
	return n;
}

/*
 * No connection was refreshed twice: Meta minted one token per
 * connection, each connection was written once ("refreshed") and no
 * refresh was thrown away ("refresh_superseded").  Meta's refresh got
 * each token once plus once per failed attempt recorded
 * (refresh_failed), plus once per transient failure resent at once (a
 * GET to Meta is tried up to three times), which the figures count.
 */
static void
check_once(const struct row *r, size_t n, const char *since,
    long long before)
{
	json_t		*st = fake_get("/_fake/stats"), *by;
	long long	 calls, failed, sum = 0, fails = 0, resent = 0;
	long		 notonce = 0;
	size_t		 i;

	by = json_object_get(st, "refresh_by_token");
	for (i = 0; i < n; i++) {
		calls = json_integer_value(json_object_get(by, r[i].key));
		failed = events(&r[i].u, "refresh_failed", since);
		sum += calls;
		fails += failed;
		resent += calls - failed - 1;
		if ((events(&r[i].u, "refreshed", since) != 1 ||
		    events(&r[i].u, "refresh_superseded", since) != 0) &&
		    notonce++ < 5)
			printf("  %s: refreshed %lld times, %lld thrown away\n",
			    r[i].u.id, events(&r[i].u, "refreshed", since),
			    events(&r[i].u, "refresh_superseded", since));
	}
	figure("%zu connections: %lld tokens minted by Meta's refresh; %lld "
	    "refresh calls: %lld failed, %lld retried at once", n,
	    minted() - before, sum, fails, resent);
	CHECK(minted() - before == (long long)n);
	CHECK(notonce == 0);
	json_decref(st);
}

/* Faults on the jobs' calls: Meta's refresh, and /me for the sync. */
static const char *const job_faults[] = {
	"{\"route\":\"refresh\",\"delay_ms\":500,\"count\":6}",
	"{\"route\":\"refresh\",\"http_status\":503,\"count\":6}",
	"{\"route\":\"refresh\",\"drop\":true,\"count\":4}",
	"{\"route\":\"refresh\",\"hang\":true,\"count\":2}",
	"{\"route\":\"refresh\",\"rate_limit\":true,\"count\":4}",
	"{\"route\":\"me\",\"http_status\":500,\"count\":6}",
	"{\"route\":\"me\",\"drop\":true,\"count\":3}",
	NULL
};

static void
t_faults_meta_jobs(void)
{
	size_t		 n = (size_t)scale(20, 150), i;
	struct row	*r;
	struct load_req	*q;
	struct prog	 before[MAX_PROGS], after[MAX_PROGS];
	char		 since[64];
	double		 t0;
	long long	 tokens;
	int		 nb, na, rounds = 0, ok = 1;
	pid_t		 p[3];

	if (!CHECK(stack_up()) || (r = calloc(n, sizeof(*r))) == NULL ||
	    (q = calloc(2 * n, sizeof(*q))) == NULL)
		return;
	if (!CHECK(rows_make(r, n)))
		goto out;
	make_due();
	nb = progs_read(meta.var, before, MAX_PROGS);
	db_now(since, sizeof(since));
	tokens = minted();
	for (i = 0; job_faults[i] != NULL; i++)
		CHECK(fake_inject(job_faults[i]));
	t0 = mono();
	/* The users ask while the first passes run. */
	p[0] = job("tools/igconnect-refresh");
	p[1] = job("tools/igconnect-refresh");
	p[2] = job("tools/igconnect-sync");
	manual(r, n, q);
	for (i = 0; i < 3; i++)
		ok &= wait_exit(p[i], 60000) == 0;
	while ((left(since, "tokenissuedat") > 0 ||
	    left(since, "lastsyncedat") > 0) && rounds++ < 20)
		ok &= passes();
	figure("jobs: %d rounds of passes (two refresh and a sync at once) "
	    "in %.1f s; %lld connections left unrefreshed, %lld unsynced, "
	    "faults not acted out %ld", rounds + 1, mono() - t0,
	    left(since, "tokenissuedat"), left(since, "lastsyncedat"),
	    pending());
	CHECK(ok);
	CHECK(left(since, "tokenissuedat") == 0);
	CHECK(left(since, "lastsyncedat") == 0);
	check_manual(q, 2 * n);
	check_once(r, n, since, tokens);
	CHECK(conns_broken(since, mine()) == 0);
	na = progs_read(meta.var, after, MAX_PROGS);
	CHECK(progs_same(before, nb, after, na));
out:
	for (i = 0; i < n; i++)
		flow_user_free(&r[i].u);
	free(r);
	free(q);
}

/*
 * Meta throttles the refreshes (80002 with X-Business-Use-Case-Usage,
 * estimated_time_to_regain_access 5 minutes).  Each refused row waits
 * at least that long, and the pass makes no call after the refusals:
 * only the four in flight (--parallel 4) when the first came reach
 * Meta; every other due row is left as it was, its lease given back
 * and no attempt counted, for a run after the 5 minutes.
 */
static void
t_faults_meta_throttled(void)
{
	size_t		 n = (size_t)scale(10, 50), i;
	struct row	*r;
	long		 before, calls;
	long long	 due, refused, untouched;
	char		 wait[64];
	int		 rc;

	if (!CHECK(stack_up()) || (r = calloc(n, sizeof(*r))) == NULL)
		return;
	if (!CHECK(rows_make(r, n)))
		goto out;
	make_due();
	due = db_long("SELECT count(*) FROM oauth_connections c JOIN users u "
	    "ON u.id = c.userid WHERE u.externalid LIKE $1", mine(), NULL);
	/* As many refusals as calls can be in flight at once. */
	CHECK(fake_inject("{\"route\":\"refresh\",\"rate_limit\":true,"
	    "\"graph_error\":{\"code\":80002},\"count\":4}"));
	before = fake_count("refresh");
	rc = wait_exit(job("tools/igconnect-refresh"), 60000);
	calls = fake_count("refresh") - before;
	CHECK(rc == 0);
	CHECK(db_val(wait, sizeof(wait), "SELECT round(min(extract(epoch FROM "
	    "c.refreshnextat - now()))) FROM oauth_connections c JOIN users u "
	    "ON u.id = c.userid WHERE u.externalid LIKE $1 AND "
	    "c.refresherror->>'class' = 'rate_limited'", mine(), NULL) == 1);
	refused = db_long("SELECT count(*) FROM oauth_connections c JOIN "
	    "users u ON u.id = c.userid WHERE u.externalid LIKE $1 AND "
	    "c.refresherror->>'class' = 'rate_limited'", mine(), NULL);
	untouched = db_long("SELECT count(*) FROM oauth_connections c JOIN "
	    "users u ON u.id = c.userid WHERE u.externalid LIKE $1 AND "
	    "c.refreshattempts = 0 AND c.refreshleaseuntil IS NULL AND "
	    "c.refreshnextat IS NULL", mine(), NULL);
	figure("throttled (80002): one pass over %lld due connections called "
	    "Meta's refresh %ld times, all refused, then stopped; each "
	    "refused waits %s s or more, %lld left untouched", due, calls,
	    wait, untouched);
	CHECK(calls >= 1 && calls <= 4);
	CHECK(refused == calls);
	CHECK(untouched == due - calls);
	CHECK(strtol(wait, NULL, 10) >= 290);
out:
	for (i = 0; i < n; i++)
		flow_user_free(&r[i].u);
	free(r);
}

static const struct ig_test tests[] = {
	TEST(t_faults_meta_exchanges),
	TEST(t_faults_meta_jobs),
	TEST(t_faults_meta_throttled),
};

int
main(int argc, char *argv[])
{
	int	rc;

	rc = flow_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
	if (up)
		side_destroy(&meta);
	return rc;
}
