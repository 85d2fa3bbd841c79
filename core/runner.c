/* SPDX-License-Identifier: ISC */
/*
 * runner.c: the loop every leased-claim program shares.  A kind (ig.h)
 * says what to claim, which HTTP step each item takes and how to write
 * what became of it; the runner parses the options, runs passes of
 * batches (claim, the calls at once, every write in one transaction),
 * stops cleanly on a signal, shows progress on a terminal and ends with
 * one summary line.  It holds no kind's SQL and reads no kind's rows.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define PROGRESS_EVERY	3	/* seconds between progress lines on a tty */

/* The database's clock starts a pass: rows failed in it wait for the next. */
static const struct ig_stmt pass_start = { "pass_start",
	"SELECT localtimestamp::text", 0 };
static const struct ig_stmt tx_begin = { "run_begin", "BEGIN", 0 };
static const struct ig_stmt tx_commit = { "run_commit", "COMMIT", 0 };
static const struct ig_stmt tx_rollback = { "run_rollback", "ROLLBACK", 0 };

/* ---------------------------------------------------------- signals */

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
catch_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
}

/* ---------------------------------------------------------- options */

/* 1 if "s" is a whole number within [lo, hi], stored in "*out". */
static int
arg_num(const char *s, double lo, double hi, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && *out >= lo &&
	    *out <= hi;
}

/* Sleep "s" seconds, or less: a signal stops a daemon at once. */
static void
pause_for(double s)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	(void)nanosleep(&ts, NULL);	/* a signal cuts it short */
}

/* The option "flag" names for this kind, or -1. */
static int
option(const struct ig_run_kind *k, const char *flag)
{
	int	o;

	for (o = 0; o < IG_RUN_OPT__MAX; o++)
		if (k->opt[o].flag != NULL && strcmp(k->opt[o].flag, flag) == 0)
			return o;
	return -1;
}

/* Store "s" as option "o"; 0 if it is no number in range. */
static int
set_option(struct ig_run *run, int o, const char *s)
{
	const struct ig_run_opt	*spec = &run->kind->opt[o];
	double			 v;

	if (!arg_num(s, spec->lo, spec->hi, &v))
		return 0;
	if (spec->whole)
		v = (double)(long)v;
	run->opt[o] = v * spec->unit;
	return 1;
}

static int
parse(int argc, char *argv[], struct ig_run *run)
{
	const struct ig_run_kind	*k = run->kind;
	int				 i, o, modes = 0;

	for (o = 0; o < IG_RUN_OPT__MAX; o++)
		run->opt[o] = k->opt[o].def * k->opt[o].unit;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			modes++;
		else if (strcmp(argv[i], "--daemon") == 0) {
			run->daemon = 1;
			modes++;
		} else if (k->dry_run != NULL &&
		    strcmp(argv[i], "--dry-run") == 0)
			run->dry_run = 1;
		else if (i + 1 == argc || (o = option(k, argv[i])) == -1 ||
		    !set_option(run, o, argv[++i]))
			return 0;
	}
	/* A batch keeps every parallel slot busy a few times over. */
	if (run->opt[IG_RUN_BATCH] == 0)
		run->opt[IG_RUN_BATCH] = 4 * run->opt[IG_RUN_PARALLEL];
	return modes == 1;
}

static void
usage(const struct ig_run_kind *k)
{
	int	o;

	fprintf(stderr, "usage: igconnect-%s --once | --daemon", k->name);
	if (k->dry_run != NULL)
		fprintf(stderr, " [--dry-run]");
	for (o = 0; o < IG_RUN_OPT__MAX; o++)
		if (k->opt[o].flag != NULL)
			fprintf(stderr, " [%s %s]", k->opt[o].flag,
			    k->opt[o].arg);
	fprintf(stderr, "\n");
}

/* ------------------------------------------------------------ tally */

long
ig_run_failures(const struct ig_run *run)
{
	return run->count[IG_RUN_REVOKED] + run->count[IG_RUN_RATE_LIMITED] +
	    run->count[IG_RUN_TRANSIENT] + run->count[IG_RUN_OTHER];
}

static void
print_tally(const struct ig_run *run, const char *label)
{
	const struct ig_run_kind	*k = run->kind;

	fprintf(stderr, "igconnect-%s: %sclaimed %ld, %s %ld", k->name, label,
	    run->claimed, k->done, run->count[IG_RUN_DONE]);
	if (k->note != NULL)
		fprintf(stderr, " (%ld %s)", run->noted, k->note);
	fprintf(stderr, ", failed %ld (revoked %ld, rate_limited %ld, "
	    "transient %ld, other %ld), superseded %ld, skipped %ld\n",
	    ig_run_failures(run), run->count[IG_RUN_REVOKED],
	    run->count[IG_RUN_RATE_LIMITED], run->count[IG_RUN_TRANSIENT],
	    run->count[IG_RUN_OTHER], run->count[IG_RUN_SUPERSEDED],
	    run->count[IG_RUN_SKIPPED]);
}

static void
summary(const struct ig_run *run, enum ig_err er, int progress)
{
	char	label[128];

	if (run->kind->summary != NULL) {
		run->kind->summary(run, er, progress);
		return;
	}
	if (progress)
		(void)snprintf(label, sizeof(label), "so far: ");
	else if (er != IG_OK)
		(void)snprintf(label, sizeof(label), "could not run (%s): ",
		    ig_strerror(er));
	else
		label[0] = '\0';
	print_tally(run, label);
}

static void
progress(struct ig_run *run)
{
	time_t	now = time(NULL);

	if (!isatty(STDERR_FILENO) || now - run->last_progress <
	    PROGRESS_EVERY)
		return;
	run->last_progress = now;
	summary(run, IG_OK, 1);
}

/* ---------------------------------------------------------- backoff */

double
ig_run_backoff(const struct ig_run *run, int attempts, long retry_after)
{
	uint32_t	r = 0;
	double		wait = run->opt[IG_RUN_BACKOFF];
	int		i;

	for (i = 1; i < attempts && wait < run->kind->backoff_cap; i++)
		wait *= 2;
	if (wait > run->kind->backoff_cap)
		wait = run->kind->backoff_cap;
	/*
	 * Jitter spreads the retries of a batch that failed together (one
	 * outage) so they do not come back as one burst.
	 */
	(void)ig_rand_bytes(&r, sizeof(r));
	wait *= 0.5 + (double)r / 4294967296.0 / 2;
	return wait > (double)retry_after ? wait : (double)retry_after;
}

/* ------------------------------------------------------------ passes */

static void *
item_at(const struct ig_run *run, void *items, size_t i)
{
	return (char *)items + i * run->kind->item_size;
}

/* Every item's outcome, in one transaction. */
static enum ig_err
settle_all(struct ig_run *run, void *items, size_t n)
{
	enum ig_run_outcome	o;
	size_t			i;
	enum ig_err		er;

	er = ig_db_exec(run->db, &tx_begin, NULL, NULL);
	for (i = 0; er == IG_OK && i < n; i++)
		if ((er = run->kind->settle(run, item_at(run, items, i), &o)) ==
		    IG_OK)
			run->count[o]++;
	if (er == IG_OK)
		return ig_db_exec(run->db, &tx_commit, NULL, NULL);
	(void)ig_db_exec(run->db, &tx_rollback, NULL, NULL);
	return er;
}

/* One batch: claim, call, settle.  "*claimed" is what was found. */
static enum ig_err
batch(struct ig_run *run, size_t *claimed)
{
	const struct ig_run_kind	*k = run->kind;
	void				*items;
	size_t				 n, i;
	enum ig_err			 er;

	if ((er = k->claim(run, &items, claimed)) != IG_OK ||
	    (n = *claimed) == 0)
		return er;
	run->claimed += (long)n;
	for (i = 0; i < n; i++)
		k->request(run, item_at(run, items, i), run->http);
	/* A libcurl failure has failed each call: settle() sees it. */
	(void)ig_http_batch_run(run->http, k->reply);
	er = settle_all(run, items, n);
	k->free(items, n);
	progress(run);
	return er;
}

/* One pass: batches until nothing is due or a signal came. */
static enum ig_err
pass(struct ig_run *run)
{
	char		 since[64];
	PGresult	*res;
	size_t		 claimed = 0;
	long		 wait;
	enum ig_err	 er;

	if (run->kind->flags & IG_RUN_CLOCK) {
		if ((er = ig_db_exec(run->db, &pass_start, NULL, &res)) !=
		    IG_OK)
			return er;
		(void)snprintf(since, sizeof(since), "%s",
		    PQgetvalue(res, 0, 0));
		PQclear(res);
		run->since = since;
	}
	er = IG_OK;
	do {
		/*
		 * Meta's usage headers said stop: a daemon waits that long;
		 * a single run ends, the rest unclaimed for the next one.
		 */
		if ((wait = ig_http_batch_paused(run->http)) > 0) {
			if (!run->daemon)
				break;
			pause_for((double)wait);
			continue;
		}
		er = batch(run, &claimed);
	} while (er == IG_OK && claimed > 0 && !stop);
	run->since = NULL;
	return er;
}

static enum ig_err
dry_run(struct ig_run *run)
{
	long		due = -1;
	enum ig_err	er;

	er = run->kind->dry_run(run, &due);
	if (due >= 0)
		fprintf(stderr, "igconnect-%s: dry run: %ld due\n",
		    run->kind->name, due);
	return er;
}

static enum ig_err
run_passes(struct ig_run *run)
{
	enum ig_err	er;

	if (run->dry_run)
		return dry_run(run);
	while (!stop) {
		if ((er = pass(run)) != IG_OK) {
			if (!run->daemon)
				return er;
			/* A daemon outlives a database restart. */
			ig_log_warnx("%s %s failed: %s; retrying",
			    run->kind->name, run->kind->pass, ig_strerror(er));
		}
		if (!run->daemon)
			break;
		pause_for(run->opt[IG_RUN_INTERVAL]);
	}
	return IG_OK;
}

int
ig_run_main(int argc, char *argv[], const struct ig_run_kind *k)
{
	struct ig_cfg	 cfg;
	struct ig_run	 run;
	char		 msg[256];
	int		 parallel;
	enum ig_err	 er = IG_ENOMEM;

	memset(&run, 0, sizeof(run));
	run.kind = k;
	if (!parse(argc, argv, &run)) {
		usage(k);
		return 2;
	}
	if (ig_cfg_load(&cfg, k->needs, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-%s: %s\n", k->name, msg);
		return 1;
	}
	ig_log_init(k->name, cfg.log_level);
	catch_signals();
	run.cfg = &cfg;
	parallel = (int)run.opt[IG_RUN_PARALLEL];
	if ((run.db = ig_db_open(cfg.database_url, k->name)) != NULL &&
	    (run.http = k->flags & IG_RUN_FORWARD ?
	    ig_http_batch_new_forward(&cfg, parallel) :
	    ig_http_batch_new(&cfg, parallel)) != NULL)
		er = run_passes(&run);
	if (er != IG_OK || !run.dry_run)
		summary(&run, er, 0);
	ig_http_batch_free(run.http);
	if (run.db != NULL)
		ig_db_close(run.db);
	ig_cfg_free(&cfg);
	return er == IG_OK ? 0 : 1;
}
