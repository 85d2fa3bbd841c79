/* SPDX-License-Identifier: ISC */
/* check.c: see check.h. */
#include <stdio.h>
#include <stdlib.h>
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
		if (strstr(name, argv[i]) != NULL)
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

/* Every variable core/cfg.c reads; keep in step with its vars[]. */
static const char *const config_env[] = {
	"DATABASE_URL", "DATABASE_URL_FILE",
	"IGCONNECT_MIGRATE_DATABASE_URL", "IGCONNECT_MIGRATE_DATABASE_URL_FILE",
	"IGCONNECT_APP_ROLE",
	"INSTAGRAM_APP_ID", "INSTAGRAM_CLIENT_ID",
	"INSTAGRAM_APP_SECRET", "INSTAGRAM_CLIENT_SECRET",
	"INSTAGRAM_APP_SECRET_FILE", "INSTAGRAM_CLIENT_SECRET_FILE",
	"INSTAGRAM_REDIRECT_URI",
	"INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "INSTAGRAM_VERIFY_TOKEN",
	"INSTAGRAM_WEBHOOK_VERIFY_TOKEN_FILE", "INSTAGRAM_VERIFY_TOKEN_FILE",
	"FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET", "FACEBOOK_APP_SECRET_FILE",
	"IGCONNECT_AUTH", "JWT_SECRET", "JWT_SECRET_FILE",
	"IGCONNECT_JWT_ISSUER", "IGCONNECT_JWT_AUDIENCE",
	"IGCONNECT_TOKEN_KEYS", "IGCONNECT_TOKEN_KEYS_FILE",
	"IGCONNECT_GRAPH_VERSION",
	"IGCONNECT_INSTAGRAM_WWW_URL", "IGCONNECT_INSTAGRAM_API_URL",
	"IGCONNECT_GRAPH_INSTAGRAM_URL", "IGCONNECT_FACEBOOK_WWW_URL",
	"IGCONNECT_GRAPH_FACEBOOK_URL", "IGCONNECT_CA_FILE",
	"IGCONNECT_THREADS", "IGCONNECT_PROCESSES", "IGCONNECT_META_THREADS",
	"IGCONNECT_META_PROCESSES", "IGCONNECT_DB_CONNECTIONS",
	"IGCONNECT_SOCKET_MODE",
	"IGCONNECT_LOG_LEVEL", "IGCONNECT_MAX_BODY", "IGCONNECT_HTTP_TIMEOUT",
	"IGCONNECT_CONNECT_TIMEOUT",
	"IGCONNECT_REDIRECT_URIS",
	"IGCONNECT_INSTAGRAM_SCOPES",
	"IGCONNECT_REFRESH_WINDOW_DAYS",
	"IGCONNECT_WEBHOOK_MAX_BODY",
	"IGCONNECT_FORWARD_URL", "IGCONNECT_FORWARD_SECRET",
	"IGCONNECT_FORWARD_SECRET_FILE", "IGCONNECT_PUBLIC_URL",
	"VITE_INSTAGRAM_CLIENT_ID", "VITE_INSTAGRAM_CLIENT_SECRET", "APP_URL",
	"IGCONNECT_RETURN_TOKENS", "IGCONNECT_ACCEPT_CLIENT_TOKENS",
	"IGCONNECT_SIGNIN_STATE", "IGCONNECT_SIGNIN_TTL",
	"IGCONNECT_JWT_MAX_TTL", "IGCONNECT_SIGNED_REQUEST_MAX_AGE",
	"IGCONNECT_CORS_ORIGINS", "IGCONNECT_WEBHOOK_RETENTION_DAYS",
};

void
test_clear_config_env(void)
{
	size_t	i;

	for (i = 0; i < sizeof(config_env) / sizeof(config_env[0]); i++)
		(void)unsetenv(config_env[i]);
	/* An empty name reads no env file: never the operator's. */
	(void)setenv("IGCONNECT_ENV_FILE", "", 1);
}
