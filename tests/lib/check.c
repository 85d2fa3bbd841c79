/* SPDX-License-Identifier: ISC */
/* check.c: see check.h. */
#include <stdio.h>
#include <string.h>

#include "check.h"

static int	failures;	/* failed CHECKs in the current test */

int
ig_check(int ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		failures++;
		fprintf(stdout, "  %s:%d: check failed: %s\n", file, line,
		    expr);
		fflush(stdout);
	}
	return ok;
}

static int
selected(int argc, char *argv[], const char *name)
{
	int	i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int
ig_test_main(int argc, char *argv[], const struct ig_test *t, size_t n)
{
	size_t	i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		if (!selected(argc, argv, t[i].name))
			continue;
		failures = 0;
		t[i].fn();
		if (failures == 0) {
			passed++;
			printf("ok %s\n", t[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", t[i].name);
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
