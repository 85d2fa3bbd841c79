/* SPDX-License-Identifier: ISC */
/*
 * fault.h: what the cases of the fault suite share: their scale (short
 * inside tests/run, full under make faults), the figures they print,
 * the programs' processes and memory, a second stack that a case may
 * break and stop without harming the suite's, and the checks of what
 * the database holds afterwards.
 */
#ifndef FAULT_H
#define FAULT_H

#include <sys/types.h>

#include <stddef.h>

/* "full" when FAULTS_FULL=1 (tests/faults/run), else "quick". */
long	 scale(long quick, long full);

/* One figure of a case: a line that starts with "  figure ". */
void	 figure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds on the monotonic clock. */
double	 mono(void);

/*
 * Start argv[0] (a path) with this process's environment plus "env"
 * ("NAME=value", NULL-terminated, may be NULL), its output appended to
 * the file "log".  Its pid, or -1.
 */
pid_t	 spawn_env(const char *const *argv, const char *const *env,
	    const char *log);

/*
 * Wait "ms" at most for "pid": its exit status (128 + a signal), or -1
 * when it had to be killed.
 */
int	 wait_exit(pid_t pid, long ms);

/* ------------------------------------------------------------ programs */

#define PROG_KIDS	64

/* One FastCGI program of a stack: its supervisor and worker processes. */
struct	prog {
	char	name[64];
	long	sup;
	long	kids[PROG_KIDS];
	int	nkids;
};

#define MAX_PROGS	32

/* The programs the stack in "var" started (its ledger); how many. */
int	 progs_read(const char *var, struct prog *p, int max);

/* 1 if "b" has the very processes "a" had; else prints what changed. */
int	 progs_same(const struct prog *a, int na, const struct prog *b,
	    int nb);

/* The program "name" in "p", or NULL. */
const struct prog *prog_named(const struct prog *p, int n,
	    const char *name);

/* Resident memory in kB of a process (-1: gone), of a whole program. */
long	 rss_kb(long pid);
long	 prog_rss_kb(const struct prog *);

/* 1 if "pid" is gone (or a zombie). */
int	 pid_gone(long pid);

/* ------------------------------------------------------------ a 2nd stack */

/*
 * A stack of its own (programs and nginx) on the suite stack's
 * PostgreSQL and fake of Meta, in $IGCONNECT_VAR-TAG, with "env"
 * ("NAME=value", NULL-terminated, may be NULL) added to its settings.
 */
struct	side {
	char	var[256];
	char	base[64];
	char	log[300];
	int	port;
};

int	 side_start(struct side *, const char *tag, const char *const *env);

/* tests/stack/igconnect-stack CMD on it; the exit status. */
int	 side_cmd(const struct side *, const char *cmd);

/* Stop it and remove its state directory. */
void	 side_destroy(struct side *);

/*
 * Processes whose command line names the directory "dir" (the stack's
 * state or sockets), their pids into "pids"; how many.
 */
int	 procs_naming(const char *dir, long *pids, int max);

/* ------------------------------------------------------------ database */

/*
 * A PostgreSQL array literal of the "n" strings "v" (none may hold a
 * quote or a backslash: ids, hex); the caller frees it.
 */
char	*text_array(const char *const *v, size_t n);

/*
 * Connection rows written since "since" (a timestamp the database
 * gave) or held by the users "like" (a LIKE pattern) that are not
 * whole: an active row without its token, expiry, issue time or token
 * kind, a disconnected one that kept a token, a token that does not
 * open.  Prints the first few; how many (-1: could not look).
 */
long	 conns_broken(const char *since, const char *like);

/*
 * How many of the deliveries whose SHA-256 are "hex" (distinct, in
 * hex) webhook_events lacks; -1 if it could not look.
 */
long	 events_missing(char *const *hex, size_t n);

/* The database's clock now, as text for conns_broken(). */
void	 db_now(char *out, size_t outsz);

#endif /* FAULT_H */
