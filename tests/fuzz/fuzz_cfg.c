/* SPDX-License-Identifier: ISC */
/*
 * fuzz_cfg.c: the configuration as ig_cfg_load() reads it.  The first
 * byte of an input says what the rest is:
 *
 *	'E'	an env file (IGCONNECT_ENV_FILE): its lines, and then every
 *		setting it gives, IGCONNECT_TOKEN_KEYS among them, through
 *		that setting's own check
 *	'K'	the value of IGCONNECT_TOKEN_KEYS in the environment
 *
 * Any other first byte is read as 'E'.  The env file is a temporary
 * file, unlinked at once and named by /proc/self/fd/N, so a crash
 * leaves nothing behind; its mode is 0600 as ig_cfg_load() requires.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"
#include "fuzz.h"

static int	envfd = -1;

/* The env file, holding "n" bytes of "p" from now on. */
static void
write_env_file(const uint8_t *p, size_t n)
{
	char	 path[] = "/tmp/igconnect-fuzz-cfg.XXXXXX", name[32];

	if (envfd == -1) {
		if ((envfd = mkstemp(path)) == -1 || unlink(path) == -1 ||
		    fchmod(envfd, 0600) == -1)
			abort();
		(void)snprintf(name, sizeof(name), "/proc/self/fd/%d", envfd);
		(void)setenv("IGCONNECT_ENV_FILE", name, 1);
	}
	if (ftruncate(envfd, 0) == -1 || pwrite(envfd, p, n, 0) != (ssize_t)n)
		abort();
}

/* Keys taken are keys ig_seal() can use: ids valid, "k" unique. */
static void
check_keys(const struct ig_cfg *cfg)
{
	size_t	i, k;

	if (cfg->nkeys == 0 || cfg->nkeys > IG_MAX_KEYS)
		abort();
	for (i = 0; i < cfg->nkeys; i++) {
		if (!ig_valid_key_id(cfg->keys[i].id,
		    strlen(cfg->keys[i].id)))
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(cfg->keys[i].id, cfg->keys[k].id) == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_cfg	 cfg;
	char		 msg[256], *keys = NULL;
	int		 mode = size > 0 ? data[0] : '\0';

	(void)fz_cfg();		/* the caller's settings dropped, logs off */
	(void)unsetenv("IGCONNECT_TOKEN_KEYS");
	if (mode == 'K') {
		keys = fz_str(data + 1, size - 1);
		(void)setenv("IGCONNECT_TOKEN_KEYS", keys, 1);
		write_env_file(NULL, 0);
	} else if (mode == 'E')
		write_env_file(data + 1, size - 1);
	else
		write_env_file(data, size);
	if (ig_cfg_load(&cfg, 0, msg, sizeof(msg)) == IG_OK) {
		if (mode == 'K' || cfg.nkeys > 0)
			check_keys(&cfg);
		ig_cfg_free(&cfg);
	} else if (msg[0] == '\0')
		abort();
	free(keys);
	return 0;
}
