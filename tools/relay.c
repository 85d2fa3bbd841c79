/* SPDX-License-Identifier: ISC */
/*
 * igconnect-relay: hand stored webhook entries to the host app.  Each
 * pending entry is POSTed to IGCONNECT_FORWARD_URL, signed with
 * IGCONNECT_FORWARD_SECRET, at least once and in order per account;
 * failures back off exponentially and end "dead" after --max-attempts.
 * Any number of relays may run at once, on any hosts: they claim rows
 * with FOR UPDATE SKIP LOCKED and never send one entry concurrently.
 *
 *	igconnect-relay --once      deliver what is due, then exit (cron)
 *	igconnect-relay --daemon    keep delivering; poll every --interval
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"

struct	opts {
	int	daemon;
	double	interval;	/* seconds between polls when idle */
	int	batch;
	int	max_attempts;
	double	backoff;	/* seconds, base of the exponential */
	int	lease;		/* seconds a claim holds an entry */
};

struct	tally {
	long	delivered;
	long	failed;
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
	o->interval = 1;
	o->batch = 50;
	o->max_attempts = 10;
	o->backoff = 5;
	o->lease = 60;
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
		else if (i + 1 < argc && strcmp(argv[i], "--max-attempts") ==
		    0 && ig_arg_num(argv[++i], 1, 1000, &v))
			o->max_attempts = (int)v;
		else if (i + 1 < argc && strcmp(argv[i], "--backoff") == 0 &&
		    ig_arg_num(argv[++i], 0, 3600, &o->backoff))
			continue;
		else if (i + 1 < argc && strcmp(argv[i], "--lease") == 0 &&
		    ig_arg_num(argv[++i], 5, 3600, &v))
			o->lease = (int)v;
		else
			return 0;
	}
	return mode == 1;
}

/* One claim and its deliveries; "*claimed" says whether work was found. */
static enum ig_err
cycle(struct ig_db *db, struct ig_http *h, const struct ig_cfg *cfg,
    const struct opts *o, struct tally *t, size_t *claimed)
{
	struct ig_relay_item	*items;
	char			 why[128];
	size_t			 n, i;
	int			 ok;
	enum ig_err		 er;

	if ((er = ig_relay_claim(db, o->batch, o->lease, &items, &n)) !=
	    IG_OK)
		return er;
	*claimed = n;
	/* Claimed entries are sent even after SIGTERM: the batch is short. */
	for (i = 0; i < n && er == IG_OK; i++) {
		why[0] = '\0';
		ok = ig_relay_send(h, cfg, &items[i], why, sizeof(why)) ==
		    IG_OK;
		if (ok)
			t->delivered++;
		else {
			t->failed++;
			ig_log_info("entry %s not delivered (attempt %d): %s",
			    items[i].id, items[i].attempts, why);
		}
		er = ig_relay_settle(db, &items[i], ok, why, o->max_attempts,
		    o->backoff);
	}
	ig_relay_items_free(items, n);
	return er;
}

static enum ig_err
run(struct ig_db *db, struct ig_http *h, const struct ig_cfg *cfg,
    const struct opts *o, struct tally *t)
{
	size_t		claimed;
	enum ig_err	er;

	while (!stop) {
		if ((er = cycle(db, h, cfg, o, t, &claimed)) != IG_OK) {
			if (!o->daemon)
				return er;
			/* A daemon outlives a database restart. */
			ig_log_warnx("relay cycle failed: %s; retrying",
			    ig_strerror(er));
			claimed = 0;
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
	struct ig_db		*db = NULL;
	struct ig_http		*h = NULL;
	struct opts		 o;
	struct tally		 t = { 0, 0 };
	struct sigaction	 sa;
	char			 msg[256];
	enum ig_err		 er = IG_ENOMEM;

	if (!parse(argc, argv, &o)) {
		fprintf(stderr, "usage: igconnect-relay --once | --daemon "
		    "[--interval s] [--batch n] [--max-attempts n] "
		    "[--backoff s] [--lease s]\n");
		return 2;
	}
	if (ig_cfg_load(&cfg, IG_NEED_DB | IG_NEED_FORWARD, msg,
	    sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-relay: %s\n", msg);
		return 1;
	}
	ig_log_init("relay", cfg.log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	if ((db = ig_db_open(cfg.database_url, "relay")) != NULL &&
	    (h = ig_http_new_forward(&cfg)) != NULL)
		er = run(db, h, &cfg, &o, &t);
	fprintf(stderr, "igconnect-relay: %ld delivered, %ld failed%s\n",
	    t.delivered, t.failed, er == IG_OK ? "" : "; stopped: database "
	    "unavailable");
	ig_http_free(h);
	if (db != NULL)
		ig_db_close(db);
	ig_cfg_free(&cfg);
	return er == IG_OK ? 0 : 1;
}
