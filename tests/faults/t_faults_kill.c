/* SPDX-License-Identifier: ISC */
/*
 * t_faults_kill.c: processes killed with SIGKILL under a mixed load, on
 * a stack of its own.  A killed worker costs only the requests it had
 * in flight and its supervisor starts another; a killed supervisor
 * takes its workers with it, its endpoint answers nginx's JSON 502 and
 * the others serve on; igconnect-stack then says the stack runs only in
 * part, start brings all of it back, and stop leaves no process of it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "fault.h"
#include "load.h"

#define READERS		8
#define RESTART		2.0	/* seconds a worker's restart may take */
/*
 * nginx may still send a request on a connection it kept to the killed
 * worker for a moment, and does not send a POST again (it may have
 * been acted on): those fail too.
 */
#define AFTERMATH	0.5

static struct side	kill_stack;
static int		up;
static struct flow_user	readers[READERS];
static const char	*jwts[READERS];

static int
stack_up(void)
{
	double	t0 = mono();
	int	i;

	if (up)
		return 1;
	for (i = 0; i < READERS; i++) {
		flow_user_new(&readers[i]);
		if (flow_connect(&readers[i], flow_account(0), NULL,
		    NULL) != 200)
			return 0;
		jwts[i] = readers[i].jwt;
	}
	if (!side_start(&kill_stack, "kill", NULL))
		return 0;
	figure("a stack of its own started in %.1f s", mono() - t0);
	return up = 1;
}

static struct load *
start_load(void)
{
	struct load_cfg	cfg = { .threads = (int)scale(6, 12),
	    .weight = { [LOAD_READ] = 5, [LOAD_EXCHANGE] = 2,
	    [LOAD_HOOK] = 3 }, .readers = jwts, .nreaders = READERS };

	cfg.base_url = kill_stack.base;
	return load_start(&cfg);
}

/* The programs whose workers are killed, one after the other. */
static const char *const victims[] = { "integrations", "webhook",
	"oauth-exchange", "oauth-url", NULL };

/* 1 once "name" again has as many workers as "was", none of them "pid". */
static int
replaced(const char *name, const struct prog *was, long pid)
{
	struct prog		 now[MAX_PROGS];
	const struct prog	*p;
	double			 t0 = mono();
	int			 i, n;

	while (mono() - t0 < RESTART) {
		n = progs_read(kill_stack.var, now, MAX_PROGS);
		if ((p = prog_named(now, n, name)) != NULL &&
		    p->nkids == was->nkids) {
			for (i = 0; i < p->nkids && p->kids[i] != pid; i++)
				continue;
			if (i == p->nkids)
				return 1;
		}
		msleep(20);
	}
	return 0;
}

/*
 * Kill one worker of each victim under load: every error was a request
 * in flight at a kill or sent just after it, in the JSON shape, and each
 * supervisor replaced its worker.
 */
static void
t_faults_kill_workers(void)
{
	struct prog		 p[MAX_PROGS], after[MAX_PROGS];
	const struct prog	*v;
	const struct load_op	*ops;
	struct load		*l;
	double			 at[8], worst = 0, t;
	size_t			 n, i;
	long			 errors = 0, stray = 0, shape = 0, late = 0;
	int			 np, na, k, j;

	if (!CHECK(stack_up()) || !CHECK((l = start_load()) != NULL))
		return;
	np = progs_read(kill_stack.var, p, MAX_PROGS);
	msleep(scale(500, 5000));
	for (k = 0; victims[k] != NULL; k++) {
		if (!CHECK((v = prog_named(p, np, victims[k])) != NULL &&
		    v->nkids > 0))
			continue;
		at[k] = load_now(l);
		t = mono();
		CHECK(kill((pid_t)v->kids[0], SIGKILL) == 0);
		if (!CHECK(replaced(victims[k], v, v->kids[0])))
			printf("  %s: worker %ld not replaced\n", victims[k],
			    v->kids[0]);
		if (mono() - t > worst)
			worst = mono() - t;
		msleep(scale(300, 2000));
	}
	msleep(scale(700, 5000));
	n = load_stop(l, &ops);
	for (i = 0; i < n; i++) {
		if (ops[i].status == 200)
			continue;
		errors++;
		shape += !ops[i].shape_ok;
		for (j = 0; j < k && !(ops[i].t0 <= at[j] + AFTERMATH &&
		    ops[i].t1 >= at[j]); j++)
			continue;
		if (j < k)
			late += ops[i].t0 > at[j];
		else if (stray++ < 5)
			printf("  %s at %.2f-%.2f s answered %d, near no "
			    "kill\n", load_kind_name(ops[i].kind), ops[i].t0,
			    ops[i].t1, ops[i].status);
	}
	figure("%d workers killed under %zu requests: %ld failed (%ld in "
	    "flight, %ld sent within %.1f s after, %ld else); each replaced "
	    "within %.2f s", k, n, errors, errors - late - stray, late,
	    AFTERMATH, stray, worst);
	CHECK(stray == 0);
	CHECK(shape == 0);
	CHECK(errors <= (long)k * scale(6, 12));
	na = progs_read(kill_stack.var, after, MAX_PROGS);
	for (i = 0; i < (size_t)np; i++)
		if (prog_named(after, na, p[i].name) == NULL ||
		    prog_named(after, na, p[i].name)->sup != p[i].sup)
			CHECK(0);
	load_free(l);
}

/* The pids of every process of the stack: ledger, workers, nginx's. */
static int
all_pids(long *pids, int max)
{
	struct prog	 p[MAX_PROGS];
	char		 path[512], name[64];
	long		 pid;
	FILE		*f;
	int		 n = 0, np, i, k;

	np = progs_read(kill_stack.var, p, MAX_PROGS);
	for (i = 0; i < np; i++)
		for (k = 0; k < p[i].nkids && n < max; k++)
			pids[n++] = p[i].kids[k];
	(void)snprintf(path, sizeof(path), "%s/run/stack.pids",
	    kill_stack.var);
	if ((f = fopen(path, "r")) == NULL)
		return n;
	while (n < max && fscanf(f, "%63s %ld", name, &pid) == 2) {
		pids[n++] = pid;
		if (strcmp(name, "nginx") == 0)
			n += children_of(pid, pids + n, max - n);
	}
	fclose(f);
	return n;
}

/*
 * Kill a supervisor under load: its workers go with it, its endpoint
 * answers 502 in the JSON shape while the others serve on, status says
 * the stack runs in part, start brings it all back.
 */
static void
t_faults_kill_supervisor(void)
{
	struct prog		 p[MAX_PROGS];
	const struct prog	*v;
	const struct load_op	*ops;
	struct load		*l;
	struct load_sum		 s[LOAD__MAX];
	double			 at, t0;
	size_t			 n;
	int			 np, i, gone;

	if (!CHECK(stack_up()) || !CHECK((l = start_load()) != NULL))
		return;
	np = progs_read(kill_stack.var, p, MAX_PROGS);
	msleep(scale(500, 3000));
	if (!CHECK((v = prog_named(p, np, "integrations")) != NULL)) {
		(void)load_stop(l, &ops);
		load_free(l);
		return;
	}
	at = load_now(l);
	t0 = mono();
	CHECK(kill((pid_t)v->sup, SIGKILL) == 0);
	for (gone = 0; !gone && mono() - t0 < 5; msleep(10))
		for (gone = 1, i = 0; i < v->nkids; i++)
			gone &= pid_gone(v->kids[i]);
	figure("supervisor killed: its %d workers gone after %.2f s",
	    v->nkids, mono() - t0);
	CHECK(gone);
	msleep(scale(1300, 5000));
	n = load_stop(l, &ops);
	for (i = 0; i < LOAD__MAX; i++)
		load_sum(ops, n, i, at + 1, 1e9, &s[i]);
	figure("after it: reads %ld, %ld failed; exchanges %ld, %ld failed; "
	    "webhooks %ld, %ld failed; answers without the JSON shape %ld",
	    s[LOAD_READ].n, s[LOAD_READ].errors, s[LOAD_EXCHANGE].n,
	    s[LOAD_EXCHANGE].errors, s[LOAD_HOOK].n, s[LOAD_HOOK].errors,
	    s[0].bad_shape + s[1].bad_shape + s[2].bad_shape);
	CHECK(s[LOAD_READ].n > 0 && s[LOAD_READ].errors == s[LOAD_READ].n);
	CHECK(s[LOAD_EXCHANGE].errors == 0 && s[LOAD_HOOK].errors == 0);
	CHECK(s[0].bad_shape + s[1].bad_shape + s[2].bad_shape == 0);
	load_free(l);

	CHECK(side_cmd(&kill_stack, "status") == 1);
	t0 = mono();
	CHECK(side_cmd(&kill_stack, "start") == 0);
	figure("igconnect-stack start brought it back in %.1f s",
	    mono() - t0);
	CHECK(side_cmd(&kill_stack, "status") == 0);
	if (!CHECK((l = start_load()) != NULL))
		return;
	msleep(scale(700, 3000));
	n = load_stop(l, &ops);
	load_sum(ops, n, -1, 0, 1e9, &s[0]);
	figure("then: %ld requests, %ld failed", s[0].n, s[0].errors);
	CHECK(s[0].n > 0 && s[0].errors == 0);
	load_free(l);
}

/* stop leaves nothing it started running, nor anything naming it. */
static void
t_faults_kill_stop_leaves_nothing(void)
{
	long	pids[512], named[64];
	double	t0;
	int	n, i, left = 0, k;

	if (!CHECK(stack_up()))
		return;
	n = all_pids(pids, 512);
	t0 = mono();
	CHECK(side_cmd(&kill_stack, "stop") == 0);
	for (i = 0; i < n; i++)
		if (!pid_gone(pids[i]) && left++ < 5)
			printf("  pid %ld still runs\n", pids[i]);
	k = procs_naming(kill_stack.var, named, 64);
	figure("stop: %d processes stopped in %.1f s; left: %d, naming the "
	    "stack: %d", n, mono() - t0, left, k);
	CHECK(n >= 30);
	CHECK(left == 0);
	CHECK(k == 0);
	side_destroy(&kill_stack);
	up = 0;
}

static const struct ig_test tests[] = {
	TEST(t_faults_kill_workers),
	TEST(t_faults_kill_supervisor),
	TEST(t_faults_kill_stop_leaves_nothing),
};

int
main(int argc, char *argv[])
{
	int	rc, i;

	rc = flow_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
	if (up)
		side_destroy(&kill_stack);
	for (i = 0; i < READERS; i++)
		flow_user_free(&readers[i]);
	return rc;
}
