/* SPDX-License-Identifier: ISC */
/*
 * load.h: the fault suite's load generator.  Worker threads, each with a
 * libcurl handle of its own (its connection to nginx kept alive, as a
 * busy backend keeps it), run a weighted mix of operations against a
 * stack until load_stop(), and record every one: when it started and
 * ended, what it was and how it was answered.  A test then holds that
 * record against what it did to the stack meanwhile.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stddef.h>

enum load_kind {
	LOAD_READ,	/* GET /integrations as a connected user */
	LOAD_EXCHANGE,	/* the OAuth dance: url, the fake's login, exchange */
	LOAD_HOOK,	/* a signed webhook delivery of fresh entries */
	LOAD__MAX
};

/* One operation and what became of it. */
struct	load_op {
	double		 t0, t1;	/* seconds since the load began */
	enum load_kind	 kind;
	int		 status;	/* the last answer's; 0: none came */
	int		 step;		/* exchange: the step that ended it */
	int		 shape_ok;	/* not 2xx: the JSON error shape */
	long		 retry_after;	/* its Retry-After; 0: none */
	int		 entries;	/* hook: entries in the delivery */
	unsigned char	 hash[32];	/* hook: SHA-256 of the delivery */
	char		 user[48];	/* exchange: the caller's id */
};

struct	load_cfg {
	int		  threads;
	int		  weight[LOAD__MAX];	/* share of each kind */
	const char	 *base_url;	/* NULL: IGCONNECT_BASE_URL */
	const char *const *readers;	/* JWTs of connected users */
	size_t		  nreaders;
	long		  timeout_ms;	/* per request; 0: 30 s */
};

struct	load;

/* Start the threads; NULL if they could not start. */
struct load	*load_start(const struct load_cfg *);

/* Seconds since the load began, on its clock. */
double		 load_now(const struct load *);

/* Operations done so far, all kinds. */
long		 load_count(struct load *);

/* 1 once every operation begun before "t" (load_now()) is done. */
int		 load_settled(struct load *, double t);

/*
 * Stop the threads (each finishes the operation it is in) and point
 * "*ops" at every operation, by start time; how many.  The load owns
 * them until load_free().
 */
size_t		 load_stop(struct load *, const struct load_op **ops);
void		 load_free(struct load *);

const char	*load_kind_name(enum load_kind);

/* What the operations of one kind (-1: all) started in [from, to) did. */
struct	load_sum {
	long	n, ok, errors, bad_shape;
	double	p50, p99, max;		/* milliseconds, of those that ok */
};
void		 load_sum(const struct load_op *, size_t, int kind,
		    double from, double to, struct load_sum *);

/* One request of a batch for load_run_all(), and its answer. */
struct	load_req {
	const char	*method, *url;
	char		*header;	/* one header line, or NULL */
	const char	*body;		/* JSON, or NULL */
	int		 status;	/* 0: no answer */
	int		 shape_ok;	/* not 2xx: the JSON error shape */
	long		 retry_after;	/* its Retry-After; 0: none */
	char		 error[48];	/* not 2xx: the "error" code */
	int		 duplicate;	/* a webhook's answer said so */
	double		 ms;		/* how long it took */
};

/*
 * The answers of those operations as "STATUS xN, ..." into "out"; an
 * exchange that ended before its last step shows it ("url:503 x2").
 */
void		 load_statuses(const struct load_op *, size_t, int kind,
		    double from, double to, char *out, size_t outsz);

/*
 * Make each of "n" requests once, from "threads" threads that take the
 * next one in turn, so neighbours in "r" are sent at the same moment.
 * Returns the seconds it took.
 */
double		 load_run_all(struct load_req *r, size_t n, int threads);

/* A webhook delivery's signature header line, as Meta signs (new). */
char		*load_hook_header(const char *secret, const char *body);

#endif /* LOAD_H */
