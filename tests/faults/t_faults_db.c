/* SPDX-License-Identifier: ISC */
/*
 * t_faults_db.c: PostgreSQL restarted under a sustained mixed load of
 * reads, OAuth exchanges and signed webhook deliveries.  Requests may
 * fail only while the database is away and for at most 5 s after it is
 * back; every failure is the JSON error shape; every delivery answered
 * 200 is stored with its entries; no connection row is left half
 * written; and every program serves on with the very worker processes
 * it had, none restarted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "fault.h"
#include "load.h"

#define READERS		8
#define GRACE		5.0	/* seconds after the restart errors may last */

static int
stack(const char *cmd)
{
	const char *const	argv[] = { "sh", "tests/stack/igconnect-stack",
	    cmd, NULL };
	char			out[4096];

	return run_capture(argv, "/dev/null", out, sizeof(out));
}

/* The SHA-256 of every delivery answered 200, in hex; how many. */
static size_t
stored_hashes(const struct load_op *ops, size_t n, char ***out,
    long *entries)
{
	char	**v;
	size_t	  i, k = 0;

	*entries = 0;
	*out = NULL;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (ops[i].kind != LOAD_HOOK || ops[i].status != 200 ||
		    (v[k] = malloc(65)) == NULL)
			continue;
		ig_hex(v[k++], ops[i].hash, sizeof(ops[i].hash));
		*entries += ops[i].entries;
	}
	*out = v;
	return k;
}

static void
free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Every delivery answered 200 is in the database, with its entries. */
static void
check_deliveries(const struct load_op *ops, size_t n)
{
	char		**hex, *a;
	long		  want, missing;
	size_t		  k = stored_hashes(ops, n, &hex, &want);
	long long	  got;

	missing = events_missing(hex, k);
	a = text_array((const char *const *)hex, k);
	got = a == NULL ? -1 : db_long("SELECT count(*) FROM webhook_entries n "
	    "JOIN webhook_events e ON e.id = n.eventid WHERE e.bodyhash IN "
	    "(SELECT decode(h, 'hex') FROM unnest($1::text[]) h)", a, NULL);
	figure("webhooks answered 200: %zu deliveries, %ld entries; "
	    "missing from the database: %ld deliveries, %lld entries", k,
	    want, missing, want - got);
	CHECK(k > 0);
	CHECK(missing == 0);
	CHECK(got == want);
	free(a);
	free_strings(hex, k);
}

/* Every exchange answered 200 left its user an active connection. */
static void
check_exchanges(const struct load_op *ops, size_t n)
{
	const char	**users;
	char		 *a;
	size_t		  i, k = 0;
	long long	  active;

	if ((users = calloc(n + 1, sizeof(*users))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (ops[i].kind == LOAD_EXCHANGE && ops[i].status == 200)
			users[k++] = ops[i].user;
	a = text_array(users, k);
	active = a == NULL ? -1 : db_long("SELECT count(*) FROM "
	    "oauth_connections c JOIN users u ON u.id = c.userid WHERE "
	    "c.status = 'active' AND u.externalid = ANY($1::text[])", a, NULL);
	figure("exchanges answered 200: %zu, with an active connection: %lld",
	    k, active);
	CHECK(k > 0);
	CHECK(active == (long long)k);
	free(a);
	free(users);
}

/*
 * Errors, and when the last one was: none may have begun after the
 * restart plus GRACE nor ended before the stop.
 */
static void
check_errors(const struct load_op *ops, size_t n, double stop, double up)
{
	struct load_sum	s;
	char		st[512];
	double		first = -1, last = -1;
	long		outside = 0, shape = 0, late = 0;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		if (ops[i].status == 200)
			continue;
		if (!ops[i].shape_ok && shape++ < 3)
			printf("  %s answered %d without the error shape\n",
			    load_kind_name(ops[i].kind), ops[i].status);
		if (ops[i].t1 < stop || ops[i].t0 > up + GRACE) {
			if (outside++ < 5)
				printf("  %s at %.2f-%.2f s answered %d "
				    "(step %d)\n", load_kind_name(ops[i].kind),
				    ops[i].t0, ops[i].t1, ops[i].status,
				    ops[i].step);
		}
		if (first < 0)
			first = ops[i].t0;
		if (ops[i].t1 > last)
			last = ops[i].t1;
		late += ops[i].t1 > up;
	}
	for (k = 0; k < LOAD__MAX; k++) {
		load_sum(ops, n, k, 0, 1e9, &s);
		figure("%-8s %5ld requests, %4ld errors, p50 %.1f ms, "
		    "p99 %.1f ms", load_kind_name((enum load_kind)k), s.n,
		    s.errors, s.p50, s.p99);
	}
	load_sum(ops, n, -1, 0, 1e9, &s);
	load_statuses(ops, n, -1, 0, 1e9, st, sizeof(st));
	figure("errors: %ld of %ld requests, %ld outside the outage + %.0f s; "
	    "answers: %s", s.errors, s.n, outside, GRACE, st);
	figure("clients saw errors from %.2f s to %.2f s; %ld ended after "
	    "PostgreSQL was back, the last %.2f s after", first, last, late,
	    last - up);
	CHECK(outside == 0);
	CHECK(shape == 0);
	CHECK(last - up <= GRACE);
}

/* The first success of each kind after "up": how long it took. */
static void
first_success(const struct load_op *ops, size_t n, double up)
{
	double	first[LOAD__MAX];
	size_t	i;
	int	k;

	for (k = 0; k < LOAD__MAX; k++)
		first[k] = -1;
	for (i = 0; i < n; i++) {
		k = (int)ops[i].kind;
		if (ops[i].status == 200 && ops[i].t0 >= up && first[k] < 0)
			first[k] = ops[i].t1 - up;
	}
	figure("first success after the restart: read %.2f s, exchange "
	    "%.2f s, webhook %.2f s", first[LOAD_READ], first[LOAD_EXCHANGE],
	    first[LOAD_HOOK]);
	for (k = 0; k < LOAD__MAX; k++)
		CHECK(first[k] >= 0 && first[k] <= GRACE);
}

static void
t_faults_db_restart(void)
{
	const char		*var = env_or_die("IGCONNECT_VAR");
	struct flow_user	 u[READERS];
	const char		*jwts[READERS];
	struct prog		 before[MAX_PROGS], after[MAX_PROGS];
	struct load_cfg		 cfg = { .threads = (int)scale(6, 12),
	    .weight = { [LOAD_READ] = 5, [LOAD_EXCHANGE] = 2,
	    [LOAD_HOOK] = 3 }, .readers = jwts, .nreaders = READERS };
	const struct load_op	*ops;
	struct load		*l;
	char			 since[64], like[64];
	double			 stop, down, up;
	size_t			 n;
	int			 i, nb, na;

	for (i = 0; i < READERS; i++) {
		flow_user_new(&u[i]);
		CHECK(flow_connect(&u[i], flow_account(0), NULL, NULL) == 200);
		jwts[i] = u[i].jwt;
	}
	db_now(since, sizeof(since));
	nb = progs_read(var, before, MAX_PROGS);
	CHECK(nb >= 10);
	if (!CHECK((l = load_start(&cfg)) != NULL))
		return;
	msleep(scale(2000, 10000));
	stop = load_now(l);
	CHECK(stack("db-stop") == 0);
	down = load_now(l);
	msleep(scale(1500, 5000));
	CHECK(stack("db-start") == 0);
	up = load_now(l);
	db_reset();
	msleep(scale(2500, 10000));
	n = load_stop(l, &ops);
	figure("load: %d threads, %zu requests in %.1f s; PostgreSQL stopped "
	    "at %.2f s (took %.2f s), back at %.2f s", cfg.threads, n,
	    load_now(l), stop, down - stop, up);

	check_errors(ops, n, stop, up);
	first_success(ops, n, up);
	check_deliveries(ops, n);
	check_exchanges(ops, n);
	(void)snprintf(like, sizeof(like), "lf-%ld-%%", (long)getpid());
	CHECK(conns_broken(since, like) == 0);

	na = progs_read(var, after, MAX_PROGS);
	if (!CHECK(progs_same(before, nb, after, na)))
		printf("  a worker was restarted during the outage\n");
	figure("programs: %d, their worker processes unchanged: %s", na,
	    progs_same(before, nb, after, na) ? "yes" : "no");
	load_free(l);
	for (i = 0; i < READERS; i++)
		flow_user_free(&u[i]);
}

static const struct ig_test tests[] = {
	TEST(t_faults_db_restart),
};

int
main(int argc, char *argv[])
{
	return flow_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
