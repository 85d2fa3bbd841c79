/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share: a fixed
 * configuration with test secrets, a database that refuses every
 * statement without any I/O, a fixed clock, and helpers that cut an
 * input into C strings.  Nothing here may keep state from one input to
 * the next: a crash must replay from its input alone.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "ig.h"

/* libFuzzer's entry point, defined once per target. */
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The time every target checks against, so an input means one thing. */
#define FZ_NOW		1790000000	/* 2026-09-21T14:13:20Z */

/* The secrets of fz_cfg(), for targets that sign what they feed in. */
#define FZ_JWT_SECRET	"fuzz-jwt-secret-0123456789abcdef"
#define FZ_IG_SECRET	"fuzz-instagram-app-secret"
#define FZ_FB_SECRET	"fuzz-facebook-app-secret"

/*
 * The configuration every target runs with, loaded once by ig_cfg_load()
 * from a private environment: the secrets above, two token keys ("k2"
 * encrypts, "k1" still opens), default URLs and scopes.  Logging is
 * turned off: a fuzzer runs millions of inputs.  Borrowed, never freed.
 */
const struct ig_cfg	*fz_cfg(void);

/*
 * A database handle for the readers that write only once they have read
 * what Meta or a client sent: each statement fails with IG_EDB.  The
 * targets are linked with --wrap=ig_db_exec, so a statement fails at
 * once, as with the database down; one that still reaches libpq (a call
 * inside db.c) fails too, since libpq refuses the handle's connection
 * string before it opens anything.
 */
struct ig_db		*fz_db(void);

/* What the core calls for ig_db_exec(): IG_EDB, touching nothing. */
struct	ig_stmt;
struct	pg_result;
enum ig_err		 __wrap_ig_db_exec(struct ig_db *,
			    const struct ig_stmt *, const char *const *,
			    struct pg_result **);

/*
 * What ig_http_call() makes of a reply body of HTTP status "status": a
 * JSON object without "error" is IG_OK and "*reply" (new, or NULL when
 * it is not); anything else is Meta's error, in "m" when it has either
 * envelope (IG_EMETA, IG_ERATELIMIT), else IG_EUPSTREAM.
 */
enum ig_err		 fz_reply(const uint8_t *data, size_t size, long status,
			    json_t **reply, struct ig_meta_error *m);

/*
 * "n" bytes of "p" as a new NUL-terminated string (which a NUL in them
 * cuts short).  This and fz_line() abort when out of memory.
 */
char			*fz_str(const void *p, size_t n);

/*
 * The next line of "*p" (up to "*n" bytes, without its '\n') as a new
 * string; "*p" and "*n" move past it.
 */
char			*fz_line(const uint8_t **p, size_t *n);

#endif /* FUZZ_H */
