/* SPDX-License-Identifier: ISC */
/*
 * t_faults_limits.c: clients that hold resources without using them,
 * while others must be served: slowloris (headers a byte at a time),
 * bodies a byte at a time and a thousand idle kept-alive connections
 * at nginx, a FastCGI peer that stalls in the middle of a request at a
 * program, an OAuth state table full of abandoned logins; and the
 * programs' memory before and after all of it.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "crowd.h"
#include "fault.h"
#include "load.h"

#define READERS		4

static struct flow_user	readers[READERS];
static const char	*jwts[READERS];
static int		nreaders;

/* ------------------------------------------------------------ others */

static int
readers_up(void)
{
	for (; nreaders < READERS; nreaders++) {
		flow_user_new(&readers[nreaders]);
		if (flow_connect(&readers[nreaders], flow_account(0), NULL,
		    NULL) != 200)
			return 0;
		jwts[nreaders] = readers[nreaders].jwt;
	}
	return 1;
}

/* Readers, logins and webhook senders: the clients to be served. */
static struct load *
others(void)
{
	struct load_cfg	cfg = { .threads = (int)scale(4, 8),
	    .weight = { [LOAD_READ] = 5, [LOAD_EXCHANGE] = 2,
	    [LOAD_HOOK] = 3 }, .readers = jwts, .nreaders = READERS,
	    .timeout_ms = 5000 };

	return readers_up() ? load_start(&cfg) : NULL;
}

/* Stop them; 1 if every one was served, with its figures. */
static int
served(struct load *l, const char *while_)
{
	const struct load_op	*ops;
	struct load_sum		 s;
	char			 st[512];
	size_t			 n;

	n = load_stop(l, &ops);
	load_sum(ops, n, -1, 0, 1e9, &s);
	load_statuses(ops, n, -1, 0, 1e9, st, sizeof(st));
	figure("meanwhile (%s): %ld requests, %ld failed, p50 %.1f ms, "
	    "p99 %.1f ms: %s", while_, s.n, s.errors, s.p50, s.p99, st);
	load_free(l);
	return n > 0 && s.errors == 0;
}

/* ------------------------------------------------------------ memory */

static struct prog	warm[MAX_PROGS];
static long		warm_kb[MAX_PROGS];
static int		nwarm;

/* The programs' memory now, once a load has warmed them up. */
static void
remember_memory(void)
{
	long	sum = 0;
	int	i;

	nwarm = progs_read(env_or_die("IGCONNECT_VAR"), warm, MAX_PROGS);
	for (i = 0; i < nwarm; i++)
		sum += warm_kb[i] = prog_rss_kb(&warm[i]);
	figure("memory of the %d programs once warm: %ld kB", nwarm, sum);
}

/* ------------------------------------------------------------ stalled */

static const char *const hz_params[] = { "REQUEST_METHOD=GET",
	"DOCUMENT_URI=/healthz", "REQUEST_ID=faultsstalled", NULL };

/*
 * A FastCGI peer that stops in the middle of a request at a private
 * fcgi/healthz of one thread, then a request behind it.  nginx sends
 * each request whole, so only another local peer could stall; nginx
 * itself gives up sending to a program after 10 s.
 */
struct	stalled {
	pthread_t	 tid;
	char		 sock[512], pidf[512];
	pid_t		 server;
	int		 fd;		/* the stalled peer */
	double		 served;	/* seconds the next one waited */
};

static void *
behind(void *arg)
{
	struct stalled	*st = arg;
	struct timeval	 tv = { 30, 0 };
	char		 out[4096];
	double		 t0 = mono();
	int		 fd;

	st->served = -1;
	if ((fd = fcgi_connect(st->sock)) < 0)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    fcgi_exchange(fd, hz_params, 0, out, sizeof(out)) > 0 &&
	    strncmp(out, "Status: 200", 11) == 0)
		st->served = mono() - t0;
	close(fd);
	return NULL;
}

static int
stall_start(struct stalled *st)
{
	const char *const	 env[] = { "IGCONNECT_THREADS=1",
	    "IGCONNECT_PROCESSES=1", NULL };
	const char		*argv[] = { "fcgi/healthz", "--listen",
	    st->sock, "--pidfile", st->pidf, NULL };
	const char		*var = env_or_die("IGCONNECT_VAR");
	char			 log[512];
	int			 i;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	(void)snprintf(st->sock, sizeof(st->sock), "%s/run/stalled.sock", var);
	(void)snprintf(st->pidf, sizeof(st->pidf), "%s/run/stalled.pid", var);
	(void)snprintf(log, sizeof(log), "%s/log/faults-stalled.log", var);
	if ((st->server = spawn_env(argv, env, log)) <= 0)
		return 0;
	for (i = 0; i < 50 && pidfile_read(st->pidf) != (long)st->server; i++)
		msleep(100);
	/* Half of a record's header, then nothing. */
	if ((st->fd = fcgi_connect(st->sock)) < 0 ||
	    write(st->fd, "\1\1", 2) != 2)
		return 0;
	msleep(200);
	return pthread_create(&st->tid, NULL, behind, st) == 0;
}

/* The seconds the request behind the stalled peer waited (-1: never). */
static double
stall_end(struct stalled *st)
{
	(void)pthread_join(st->tid, NULL);
	if (st->fd >= 0)
		close(st->fd);
	if (st->server > 0 && kill(st->server, SIGTERM) == 0)
		CHECK(wait_exit(st->server, 30000) == 0);
	return st->served;
}

/* ------------------------------------------------------------ slow */

#define SLOW_HEADERS \
	"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"\r\n\r\n"
#define SLOW_BODY_HEAD \
	"POST /webhooks/instagram HTTP/1.1\r\nHost: localhost\r\n" \
	"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
#define IDLE_GET \
	"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

/* Lines of nginx's error log that say it ran out of connections. */
static long long
out_of_connections(void)
{
	char		 log[512], n[32];
	const char *const argv[] = { "grep", "-c", "worker_connections are "
	    "not enough", log, NULL };

	(void)snprintf(log, sizeof(log), "%s/log/igconnect-error.log",
	    env_or_die("IGCONNECT_VAR"));
	return run_capture(argv, "/dev/null", n, sizeof(n)) <= 1 ?
	    strtoll(n, NULL, 10) : -1;
}

/*
 * Slowloris, slow bodies and idle kept connections at nginx, and a
 * stalled peer at a program, all at once, while readers, logins and
 * webhook senders must be served.  nginx reads a request whole before
 * a program sees it, drops a header not done in 10 s
 * (client_header_timeout) and an idle connection after 15 s
 * (keepalive_timeout); a program drops a stalled peer after 10 s.
 */
static void
t_faults_limits_slow_clients(void)
{
	struct crowd	 c[3];
	struct stalled	 st;
	struct load	*l;
	char		 body[sizeof(SLOW_BODY_HEAD) + 1000];
	double		 secs = (double)scale(11, 17), last[3], waited;
	long long	 full0 = out_of_connections();
	int		 want[3], open[3], i;
	int		 port = atoi(env_or_die("IGCONNECT_PORT"));

	want[0] = (int)scale(300, 500);
	want[1] = (int)scale(100, 200);
	want[2] = (int)scale(500, 1000);
	(void)snprintf(body, sizeof(body), "%s%1000s", SLOW_BODY_HEAD, "");
	/* The stalled peer first: it takes the longest. */
	CHECK(stall_start(&st));
	if (!CHECK((l = others()) != NULL))
		return;
	msleep(1500);
	remember_memory();
	CHECK(crowd_open(&c[0], want[0], port, SLOW_HEADERS, 1) == want[0]);
	CHECK(crowd_open(&c[1], want[1], port, body,
	    sizeof(SLOW_BODY_HEAD) - 1) == want[1]);
	CHECK(crowd_open(&c[2], want[2], port, IDLE_GET,
	    sizeof(IDLE_GET) - 1) == want[2]);
	crowds_run(c, 3, secs, 1.0);
	waited = stall_end(&st);
	for (i = 0; i < 3; i++)
		open[i] = crowd_open_now(&c[i], &last[i]);
	figure("%d slowloris clients (a header byte a second): %d still open "
	    "after %.0f s, the last closed by nginx at %.1f s", c[0].n,
	    open[0], secs, last[0]);
	figure("%d clients sending a body a byte a second: %d still open "
	    "(client_body_timeout is per read)", c[1].n, open[1]);
	figure("%d idle kept-alive connections: %d still open, %d closed "
	    "before keepalive_timeout (15 s), the last at %.1f s", c[2].n,
	    open[2], crowd_closed_before(&c[2], 14.5), last[2]);
	figure("nginx out of connections (\"worker_connections are not "
	    "enough\"): %lld times", out_of_connections() - full0);
	figure("a request behind a peer stalled at a program of one thread: "
	    "answered after %.1f s", waited);
	CHECK(served(l, "slow and idle clients"));
	CHECK(open[0] == 0 && last[0] <= 12);
	CHECK(waited > 0 && waited < 15);
	if (scale(0, 1))
		CHECK(open[2] == 0 && last[2] <= 17);
	for (i = 0; i < 3; i++)
		crowd_close(&c[i]);
}

/*
 * One client address holds at most 64 connections with a request in
 * progress (limit_conn in nginx.conf.sample); past that, nginx answers
 * 429 at once.  The test stack limits 127.254.0.0/16 like any client.
 */
#define CONNS_PER_CLIENT	64

static void
t_faults_limits_conns_per_client(void)
{
	struct crowd	 c;
	char		 body[sizeof(SLOW_BODY_HEAD) + 1000];
	int		 extra = 16, n = CONNS_PER_CLIENT + extra;

	(void)snprintf(body, sizeof(body), "%s%1000s", SLOW_BODY_HEAD, "");
	if (!CHECK(crowd_open_from(&c, "127.254.0.20", n,
	    atoi(env_or_die("IGCONNECT_PORT")), body,
	    sizeof(SLOW_BODY_HEAD) - 1) == n))
		return;
	crowds_run(&c, 1, 3.0, 1.0);
	figure("%d slow bodies from one limited address: %d answered 429, "
	    "%d unanswered", n, crowd_answered(&c, 429),
	    crowd_answered(&c, 0));
	CHECK(crowd_answered(&c, 429) == extra);
	CHECK(crowd_answered(&c, 0) == CONNS_PER_CLIENT);
	crowd_close(&c);
}

/* ------------------------------------------------------------ states */

#define ABANDONED	"https://faults.invalid/abandoned"

static int
by_ms(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * "n" logins started by one user, 4 at a time: how many were answered
 * 200, their median time into "*p50" (ms), and a figure of how fast.
 */
static long
logins(size_t n, const char *what, double *p50)
{
	struct load_req	*q;
	char		 url[512], auth[IG_MAX_JWT + 32];
	double		 secs, *ms;
	size_t		 i;
	long		 ok = 0, bad = 0;

	if ((q = calloc(n, sizeof(*q))) == NULL ||
	    (ms = calloc(n, sizeof(*ms))) == NULL) {
		free(q);
		return 0;
	}
	(void)snprintf(url, sizeof(url), "%s",
	    stack_url("/oauth/instagram/url"));
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    jwts[0]);
	for (i = 0; i < n; i++) {
		q[i].method = "GET";
		q[i].url = url;
		q[i].header = auth;
	}
	secs = load_run_all(q, n, 4);
	for (i = 0; i < n; i++) {
		ok += q[i].status == 200;
		if (q[i].status != 200 && bad++ < 5)
			printf("  a login answered %d (%s)\n", q[i].status,
			    q[i].error);
		ms[i] = q[i].ms;
	}
	qsort(ms, n, sizeof(*ms), by_ms);
	figure("%zu logins started %s: %.0f/s, p50 %.1f ms, p99 %.1f ms, "
	    "%ld answered 200", n, what, (double)n / secs, ms[n / 2],
	    ms[n * 99 / 100], ok);
	*p50 = ms[n / 2];
	free(ms);
	free(q);
	return ok;
}

static long long
expired(void)
{
	return db_long("SELECT count(*) FROM oauth_states WHERE expiresat < "
	    "now() AT TIME ZONE 'UTC'", NULL);
}

/*
 * A state table full of abandoned logins: making a state stays about as
 * fast as with an empty one, and each made purges 8 expired ones
 * (core/state.c), so the table shrinks back as logins go on.  They are
 * piled up at once by SQL; autovacuum would ANALYZE the table within a
 * minute, and so does the test, after a first burst that shows the
 * minute before: the programs prepared their statements while the table
 * was small, and PostgreSQL keeps those plans until an ANALYZE.
 */
static void
t_faults_limits_state_table(void)
{
	char		 k[32], what[64];
	size_t		 m = (size_t)scale(300, 2000);
	long		 ok0, ok1, ok2;
	long long	 before, after;
	double		 p50_empty, p50_piled, p50_after;

	if (!CHECK(readers_up()))
		return;
	(void)snprintf(k, sizeof(k), "%ld", scale(50000, 200000));
	CHECK(db_exec("DELETE FROM oauth_states WHERE expiresat < now() AT "
	    "TIME ZONE 'UTC'", NULL) >= 0);
	ok0 = logins(m, "with no expired state", &p50_empty);
	CHECK(db_exec("INSERT INTO oauth_states (statehash, redirecturi, "
	    "createdat, expiresat) SELECT sha256(convert_to('faults ' || "
	    "g || ' ' || now(), 'UTF8')), '" ABANDONED "', now() - "
	    "interval '2 hours', now() - interval '1 hour' FROM "
	    "generate_series(1, $1::int) g", k, NULL) == atol(k));
	before = expired();
	(void)snprintf(what, sizeof(what), "with %lld expired, before an "
	    "ANALYZE", before);
	ok1 = logins(30, what, &p50_piled);
	CHECK(db_exec("ANALYZE oauth_states", NULL) >= 0);
	(void)snprintf(what, sizeof(what), "after the ANALYZE");
	ok2 = logins(m, what, &p50_after);
	after = expired();
	figure("they purged %lld expired states (8 each at most)",
	    before - after);
	CHECK(ok0 == (long)m && ok1 == 30 && ok2 == (long)m);
	/* The purge finds expired states by index, however many piled up. */
	CHECK(p50_piled <= 3 * p50_empty + 5);
	CHECK(p50_after <= 3 * p50_empty + 5);
	CHECK(before - after <= 8 * (long long)(m + 30));
	CHECK(before - after >= 7 * (long long)(m + 30));
	CHECK(db_exec("DELETE FROM oauth_states WHERE redirecturi = '"
	    ABANDONED "'", NULL) >= 0);
}

/*
 * What a program's RSS may grow by once warm: a fifth, at least 4 MiB,
 * for caches, arenas and pages touched late.  Under AddressSanitizer a
 * freed block waits in a quarantine of up to 256 MiB a process before
 * its memory is reused (the default quarantine_size_mb), so there the
 * bound is that much looser and still catches a program that keeps
 * what every request allocates.
 */
static long
growth_allowed_kb(long was)
{
	long	allowed = was / 5 > 4096 ? was / 5 : 4096;

#ifdef __SANITIZE_ADDRESS__
	allowed += 256 * 1024;
#endif
	return allowed;
}

/*
 * The programs' memory after all of it, against what it was once warm
 * (at the start of the slow clients, or here after a load of its own):
 * a program that kept some of each request, or of each client it gave
 * up on, shows it here.
 */
static void
t_faults_limits_memory(void)
{
	struct prog	 p[MAX_PROGS];
	const struct prog *w;
	struct load	*l;
	long		 sum = 0, now, was;
	int		 n, i, grew = 0;

	if (nwarm == 0) {
		if (!CHECK((l = others()) != NULL))
			return;
		msleep(2000);
		remember_memory();
		msleep((unsigned)scale(3000, 20000));
		(void)served(l, "after warming up");
	}
	n = progs_read(env_or_die("IGCONNECT_VAR"), p, MAX_PROGS);
	for (i = 0; i < n; i++) {
		sum += now = prog_rss_kb(&p[i]);
		if ((w = prog_named(warm, nwarm, p[i].name)) == NULL)
			continue;
		was = warm_kb[w - warm];
		if (now > was + growth_allowed_kb(was)) {
			printf("  %s: %ld kB once warm, %ld kB now\n",
			    p[i].name, was, now);
			grew++;
		}
	}
	figure("memory of the %d programs now: %ld kB", n, sum);
	CHECK(n == nwarm);
	CHECK(grew == 0);
}

static const struct ig_test tests[] = {
	TEST(t_faults_limits_slow_clients),
	TEST(t_faults_limits_conns_per_client),
	TEST(t_faults_limits_state_table),
	TEST(t_faults_limits_memory),
};

int
main(int argc, char *argv[])
{
	int	rc, i;

	rc = flow_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
	for (i = 0; i < nreaders; i++)
		flow_user_free(&readers[i]);
	return rc;
}
