/* SPDX-License-Identifier: ISC */
/*
 * igconnect-publish: advance publish jobs that are due (scheduled ones
 * whose time came, containers to poll, posts to publish, outcomes to
 * confirm).  Each claim holds a batch of jobs with FOR UPDATE SKIP
 * LOCKED and a lease, and every step is written conditionally, so any
 * number of copies may run at once on any hosts and each step is done
 * once; a post is never published twice (core/publish.c).
 *
 *	igconnect-publish --once      advance what is due, then exit (cron)
 *	igconnect-publish --daemon    keep advancing; poll every --interval
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ig.h"

#define STEPS_PER_CLAIM	6	/* steps one job may take in one claim */

struct	opts {
	int	daemon;
	double	interval;	/* seconds between polls when idle */
	int	batch;
	int	lease;		/* seconds a claim holds a job */
};

struct	tally {
	long	claimed, steps, published, failed;
};

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse(int argc, char *argv[], struct opts *o)
{
	double	v;
	int	i, mode = 0;

	o->daemon = 0;
	o->interval = 5;
	o->batch = 20;
	o->lease = 120;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			mode++;
		else if (strcmp(argv[i], "--daemon") == 0) {
			o->daemon = 1;
			mode++;
		} else if (i + 1 < argc && strcmp(argv[i], "--interval") == 0 &&
		    ig_arg_num(argv[++i], 0.01, 3600, &o->interval))
			continue;
		else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0 &&
		    ig_arg_num(argv[++i], 1, 1000, &v))
			o->batch = (int)v;
		else if (i + 1 < argc && strcmp(argv[i], "--lease") == 0 &&
		    ig_arg_num(argv[++i], 30, 3600, &v))
			o->lease = (int)v;
		else
			return 0;
	}
	return mode == 1;
}

static void
print_tally(const struct tally *t, const char *label)
{
	fprintf(stderr, "igconnect-publish: %sclaimed %ld, steps %ld, "
	    "published %ld, failed %ld\n", label, t->claimed, t->steps,
	    t->published, t->failed);
}

/* The steps of one claimed job that are due now, then let it go. */
static void
advance(struct ig_ctx *ctx, struct ig_pubjob *j, struct tally *t)
{
	struct ig_conn	c;
	int		n, have;

	have = ig_conn_get_row(ctx, j->user_id, &c) == IG_OK;
	for (n = 0; n < STEPS_PER_CLAIM && j->step != IG_STEP_NONE &&
	    j->next_at <= time(NULL); n++) {
		if (ig_pub_step(ctx, j, have ? &c : NULL) != IG_OK)
			break;
		t->steps++;
	}
	if (j->status == IG_PUB_PUBLISHED)
		t->published++;
	else if (j->status == IG_PUB_FAILED)
		t->failed++;
	ig_pub_release(ctx->db, j);
	if (have)
		ig_conn_free(&c);
}

/* One claim; "*claimed" says whether work was found. */
static enum ig_err
cycle(struct ig_ctx *ctx, const struct opts *o, struct tally *t,
    size_t *claimed)
{
	struct ig_pubjob	*jobs;
	size_t			 n, i;
	enum ig_err		 er;

	if ((er = ig_pub_claim(ctx->db, o->batch, o->lease, &jobs, &n)) !=
	    IG_OK)
		return er;
	*claimed = n;
	t->claimed += (long)n;
	/* Claimed jobs take their step even after SIGTERM: it is short. */
	for (i = 0; i < n; i++) {
		advance(ctx, &jobs[i], t);
		ig_pub_free(&jobs[i]);
	}
	free(jobs);
	return IG_OK;
}

static enum ig_err
run(struct ig_ctx *ctx, const struct opts *o, struct tally *t)
{
	time_t		last = 0;
	size_t		claimed;
	enum ig_err	er;

	while (!stop) {
		if ((er = cycle(ctx, o, t, &claimed)) != IG_OK) {
			if (!o->daemon)
				return er;
			ig_log_warnx("publish cycle failed: %s; retrying",
			    ig_strerror(er));
			claimed = 0;
		}
		if (isatty(STDERR_FILENO) && time(NULL) - last >= 3) {
			last = time(NULL);
			print_tally(t, "so far: ");
		}
		if (claimed > 0)
			continue;
		if (!o->daemon)
			break;
		ig_pause(o->interval);
	}
	return IG_OK;
}

int
main(int argc, char *argv[])
{
	struct ig_cfg		 cfg;
	struct ig_ctx		 ctx;
	struct opts		 o;
	struct tally		 t;
	struct sigaction	 sa;
	char			 msg[256];
	enum ig_err		 er = IG_ENOMEM;

	memset(&t, 0, sizeof(t));
	memset(&ctx, 0, sizeof(ctx));
	if (!parse(argc, argv, &o)) {
		fprintf(stderr, "usage: igconnect-publish --once | --daemon "
		    "[--interval s] [--batch n] [--lease s]\n");
		return 2;
	}
	if (ig_cfg_load(&cfg, IG_NEED_DB | IG_NEED_KEYS, msg, sizeof(msg)) !=
	    IG_OK) {
		fprintf(stderr, "igconnect-publish: %s\n", msg);
		return 1;
	}
	ig_log_init("publish", cfg.log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	ctx.cfg = &cfg;
	if ((ctx.db = ig_db_open(cfg.database_url, "publish")) != NULL &&
	    (ctx.http = ig_http_new(&cfg)) != NULL)
		er = run(&ctx, &o, &t);
	print_tally(&t, "");
	ig_http_free(ctx.http);
	if (ctx.db != NULL)
		ig_db_close(ctx.db);
	ig_cfg_free(&cfg);
	return er == IG_OK ? 0 : 1;
}
