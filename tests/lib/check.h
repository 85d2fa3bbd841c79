/* SPDX-License-Identifier: ISC */
/*
 * check.h: the smallest test harness that does the job.  A test is a
 * function; CHECK() records a failed condition with its line and goes on.
 * ig_test_main() runs every test, prints "ok NAME" or "FAIL NAME" lines
 * and ends with "N passed, N failed"; it exits non-zero on any failure.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

struct	ig_test {
	const char	*name;
	void		(*fn)(void);
};

#define CHECK(c)	ig_check((c) ? 1 : 0, __FILE__, __LINE__, #c)
#define TEST(fn)	{ #fn, fn }

/* Record one condition; returns it so a test can stop early. */
int	ig_check(int ok, const char *file, int line, const char *expr);

/*
 * Run "n" tests, or those whose name holds a word given on the command
 * line, and report.
 */
int	ig_test_main(int argc, char *argv[], const struct ig_test *t,
	    size_t n);

/*
 * Unset every variable core/cfg.c reads (names, aliases, _FILE forms),
 * so a test starts from an empty configuration.
 */
void	test_clear_config_env(void);

#endif /* CHECK_H */
