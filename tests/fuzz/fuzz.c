/* SPDX-License-Identifier: ISC */
/*
 * fuzz.c: the helpers fuzz.h declares, linked into every target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "fuzz.h"

extern char	**environ;

/*
 * What fz_cfg() is loaded from.  Two keys, so a value sealed under the
 * older one ("k1") opens too; the env file is off ("").
 */
static const char *const settings[][2] = {
	{ "IGCONNECT_ENV_FILE", "" },
	{ "INSTAGRAM_APP_ID", "1234567890" },
	{ "INSTAGRAM_APP_SECRET", FZ_IG_SECRET },
	{ "INSTAGRAM_REDIRECT_URI", "https://app.example.com/callback" },
	{ "INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "fuzz-verify-token" },
	{ "FACEBOOK_APP_ID", "9876543210" },
	{ "FACEBOOK_APP_SECRET", FZ_FB_SECRET },
	{ "JWT_SECRET", FZ_JWT_SECRET },
	{ "IGCONNECT_TOKEN_KEYS",
	    "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=,"
	    "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
};

/* The first variable of the caller's that names a setting, or NULL. */
static char *
caller_setting(char *name, size_t sz)
{
	static const char *const prefixes[] = { "IGCONNECT_", "INSTAGRAM_",
	    "FACEBOOK_", "JWT_SECRET", "DATABASE_URL", "VITE_", "APP_URL" };
	char	**e;
	size_t	  i;

	for (e = environ; *e != NULL; e++)
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (strncmp(*e, prefixes[i], strlen(prefixes[i])) ==
			    0) {
				(void)snprintf(name, sz, "%.*s",
				    (int)strcspn(*e, "="), *e);
				return name;
			}
	return NULL;
}

const struct ig_cfg *
fz_cfg(void)
{
	static struct ig_cfg	 cfg;
	static int		 loaded;
	char			 msg[256], name[256];
	size_t			 i;

	if (loaded)
		return &cfg;
	/* A setting of the caller's shell would change what inputs mean. */
	while (caller_setting(name, sizeof(name)) != NULL)
		(void)unsetenv(name);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		(void)setenv(settings[i][0], settings[i][1], 1);
	if (ig_cfg_load(&cfg, IG_NEED_KEYS | IG_NEED_AUTH, msg, sizeof(msg)) !=
	    IG_OK) {
		fprintf(stderr, "fuzz: %s\n", msg);
		abort();
	}
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		(void)unsetenv(settings[i][0]);
	/* Below IG_LOG_ERR: not a line, whatever an input makes us say. */
	ig_log_init("fuzz", IG_LOG_ERR - 1);
	loaded = 1;
	return &cfg;
}

struct ig_db *
fz_db(void)
{
	static struct ig_db	*db;

	/* An unknown keyword: libpq gives up before any socket or file. */
	if (db == NULL && (db = ig_db_open("igconnect_fuzz=refused",
	    "fuzz")) == NULL)
		abort();
	return db;
}

enum ig_err
__wrap_ig_db_exec(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals, struct pg_result **res)
{
	(void)db;
	(void)st;
	(void)vals;
	if (res != NULL)
		*res = NULL;
	return IG_EDB;
}

/* As http.c's interpret() does, but for the log line. */
enum ig_err
fz_reply(const uint8_t *data, size_t size, long status, json_t **reply,
    struct ig_meta_error *m)
{
	json_t	*root;

	*reply = NULL;
	memset(m, 0, sizeof(*m));
	if (status >= 200 && status < 300) {
		root = json_loadb((const char *)data, size,
		    JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(root) &&
		    json_object_get(root, "error") == NULL) {
			*reply = root;
			return IG_OK;
		}
		json_decref(root);
	}
	if (!ig_meta_error_parse((const char *)data, size, status, m))
		return IG_EUPSTREAM;
	if (m->cls == IG_META_RATELIMIT)
		return IG_ERATELIMIT;
	if (m->cls == IG_META_TRANSIENT || (status >= 500 &&
	    m->cls != IG_META_TOKEN))
		return IG_EUPSTREAM;
	return IG_EMETA;
}

char *
fz_str(const void *p, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *
fz_line(const uint8_t **p, size_t *n)
{
	const uint8_t	*nl = memchr(*p, '\n', *n);
	size_t		 len = nl != NULL ? (size_t)(nl - *p) : *n;
	char		*s = fz_str(*p, len);

	*p += len + (nl != NULL);
	*n -= len + (nl != NULL);
	return s;
}
