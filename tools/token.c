/* SPDX-License-Identifier: ISC */
/*
 * igconnect-token: print a caller's JWT for user SUB, signed with the
 * configured JWT_SECRET (JWT_SECRET_FILE and the env file included) and
 * carrying IGCONNECT_JWT_ISSUER and IGCONNECT_JWT_AUDIENCE when they are
 * set: what a host app would send, for curl and scripts.
 *
 *	igconnect-token --sub USER [--ttl SECONDS]	default ttl 3600
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ig.h"

static const char usage[] =
    "usage: igconnect-token --sub USER [--ttl SECONDS]\n";

/* A whole number of seconds in 1..IG_MAX_JWT_TTL, else -1. */
static long
parse_ttl(const char *s)
{
	char	*end;
	long	 n;

	if (!ig_valid_digits(s, strlen(s)))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > IG_MAX_JWT_TTL)
		return -1;
	return n;
}

static int
mint(const char *sub, long ttl)
{
	struct ig_cfg	 cfg;
	char		 msg[256], *jwt;
	enum ig_err	 er;

	if (ig_cfg_load(&cfg, IG_NEED_AUTH, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-token: %s\n", msg);
		return 1;
	}
	if (cfg.auth != IG_AUTH_JWT) {
		fprintf(stderr, "igconnect-token: IGCONNECT_AUTH is not jwt: "
		    "the programs take no token\n");
		ig_cfg_free(&cfg);
		return 1;
	}
	er = ig_jwt_mint(&cfg, sub, ttl, time(NULL), &jwt);
	ig_cfg_free(&cfg);
	if (er != IG_OK) {
		fprintf(stderr, "igconnect-token: %s\n", er == IG_EINPUT ?
		    "invalid --sub: use letters, digits and @ . _ : | -, "
		    "at most 128" : ig_strerror(er));
		return er == IG_EINPUT ? 2 : 1;
	}
	printf("%s\n", jwt);
	ig_free_secret(jwt);
	return 0;
}

/* The options into *sub and *ttl: 0, else the exit status of a bad one. */
static int
options(int argc, char *argv[], const char **sub, long *ttl)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			/* Asked for: on stdout, and not a failure. */
			printf("%s", usage);
			exit(0);
		} else if (strcmp(argv[i], "--sub") == 0 && i + 1 < argc)
			*sub = argv[++i];
		else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc) {
			if ((*ttl = parse_ttl(argv[++i])) == -1) {
				fprintf(stderr, "igconnect-token: invalid "
				    "--ttl: seconds from 1 to %d\n",
				    IG_MAX_JWT_TTL);
				return 2;
			}
		} else
			break;
	}
	if (i < argc || *sub == NULL) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*sub = NULL;
	long		 ttl = 3600;
	int		 rc;

	if ((rc = options(argc, argv, &sub, &ttl)) != 0)
		return rc;
	return mint(sub, ttl);
}
