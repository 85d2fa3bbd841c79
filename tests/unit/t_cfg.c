/* SPDX-License-Identifier: ISC */
/*
 * t_cfg.c: unit tests of core/cfg.c.  Each test starts from an
 * environment without any of our variables, sets what it needs and
 * checks what ig_cfg_load() made of it, or the one line it refused with.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"

#include "../lib/check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Base64 of the bytes 0..31, 32..63, 0..30 and 0..32. */
#define KEY_A	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_B	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define KEY_31	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="
#define KEY_33	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"

#define SECRET32	"CANARY_JWTKEY_0123456789abcdefgh"	/* 32 bytes */

/* Every variable of vars[] in core/cfg.c, its alias and _FILE form. */
static void
set(const char *name, const char *val)
{
	CHECK(setenv(name, val, 1) == 0);
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* 1 if every byte of "k" is "first", "first"+1, ... */
static int
key_is(const unsigned char *k, unsigned first)
{
	size_t	i;

	for (i = 0; i < 32; i++)
		if (k[i] != (unsigned char)(first + i))
			return 0;
	return 1;
}

/*
 * Write "text" to a new file of mode "mode" under /tmp; its name goes
 * to "path" (PATH_MAX is plenty for the template).  0 on failure.
 */
static int
mkfile(char *path, size_t pathsz, const char *text, mode_t mode)
{
	int	fd;
	size_t	n = strlen(text);

	(void)snprintf(path, pathsz, "/tmp/t_cfg.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 0;
	if (write(fd, text, n) != (ssize_t)n || fchmod(fd, mode) == -1) {
		close(fd);
		(void)unlink(path);
		return 0;
	}
	close(fd);
	return 1;
}

/* A load that must fail: IG_EINPUT, "cfg" zeroed, "msg" as wanted. */
static int
load_fails(unsigned needs, const char *prefix, const char *value)
{
	struct ig_cfg	c;
	char		msg[256];
	enum ig_err	er;
	int		ok;

	memset(&c, 0x5a, sizeof(c));
	msg[0] = 'X';
	msg[1] = '\0';
	er = ig_cfg_load(&c, needs, msg, sizeof(msg));
	ok = CHECK(er == IG_EINPUT);
	if (er == IG_OK)
		ig_cfg_free(&c);
	else {
		/* "leaves cfg freed": nothing left to free or wipe. */
		ok &= CHECK(c.database_url == NULL && c.jwt_secret == NULL &&
		    c.nkeys == 0 && c.graph_version == NULL);
	}
	ok &= CHECK(starts(msg, prefix));
	ok &= CHECK(strchr(msg, '\n') == NULL);
	/* Short values may occur in the fixed text by chance. */
	if (value != NULL && strlen(value) >= 8)
		ok &= CHECK(strstr(msg, value) == NULL);
	if (!ok)
		printf("  msg \"%s\", wanted \"%s...\"\n", msg, prefix);
	return ok;
}

static void
t_defaults(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	if (!CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK))
		return;
	CHECK(msg[0] == '\0');
	CHECK(c.database_url == NULL && c.ig_app_id == NULL &&
	    c.ig_app_secret == NULL && c.jwt_secret == NULL &&
	    c.jwt_secret_len == 0 && c.nkeys == 0 && c.ca_file == NULL);
	CHECK(c.auth == IG_AUTH_JWT);
	CHECK(c.log_level == IG_LOG_INFO);
	CHECK(c.threads == 8);
	CHECK(c.processes == 1);
	CHECK(c.socket_mode == 0660);
	CHECK(c.max_body == IG_MAX_BODY);
	CHECK(c.http_timeout == 20);
	CHECK(c.connect_timeout == 5);
	CHECK(c.graph_version != NULL &&
	    strcmp(c.graph_version, "v26.0") == 0);
	CHECK(c.migrate_database_url == NULL);
	CHECK(c.app_role != NULL && strcmp(c.app_role, "igconnect") == 0);
	CHECK(c.url_instagram_www != NULL &&
	    strcmp(c.url_instagram_www, "https://www.instagram.com") == 0);
	CHECK(c.url_instagram_api != NULL &&
	    strcmp(c.url_instagram_api, "https://api.instagram.com") == 0);
	CHECK(c.url_graph_instagram != NULL &&
	    strcmp(c.url_graph_instagram, "https://graph.instagram.com") == 0);
	CHECK(c.url_facebook_www != NULL &&
	    strcmp(c.url_facebook_www, "https://www.facebook.com") == 0);
	CHECK(c.url_graph_facebook != NULL &&
	    strcmp(c.url_graph_facebook, "https://graph.facebook.com") == 0);
	ig_cfg_free(&c);
	CHECK(c.graph_version == NULL && c.url_graph_facebook == NULL);
}

static void
t_missing_required(void)
{
	static const struct {
		unsigned	 needs;
		const char	*msg;
	} v[] = {
		{ IG_NEED_DB, "missing required setting DATABASE_URL" },
		{ IG_NEED_MIGRATE,
		    "missing required setting IGCONNECT_MIGRATE_DATABASE_URL" },
		{ IG_NEED_KEYS,
		    "missing required setting IGCONNECT_TOKEN_KEYS" },
		{ IG_NEED_INSTAGRAM,
		    "missing required setting INSTAGRAM_APP_ID" },
		{ IG_NEED_AUTH, "missing required setting JWT_SECRET" },
		{ IG_NEED_WEBHOOK,
		    "missing required setting INSTAGRAM_WEBHOOK_VERIFY_TOKEN" },
	};
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		CHECK(ig_cfg_load(&c, v[i].needs, msg, sizeof(msg)) ==
		    IG_EINPUT);
		if (!CHECK(strcmp(msg, v[i].msg) == 0))
			printf("  msg \"%s\"\n", msg);
	}

	/* DATABASE_URL present, the keys still missing. */
	test_clear_config_env();
	set("DATABASE_URL", "postgresql:///igconnect");
	CHECK(ig_cfg_load(&c, IG_NEED_DB | IG_NEED_KEYS, msg, sizeof(msg)) ==
	    IG_EINPUT);
	CHECK(strcmp(msg, "missing required setting IGCONNECT_TOKEN_KEYS") ==
	    0);
	CHECK(c.database_url == NULL);

	/* Instagram: the id alone is not enough. */
	test_clear_config_env();
	set("INSTAGRAM_APP_ID", "123");
	set("INSTAGRAM_APP_SECRET", "s3cr3t");
	CHECK(ig_cfg_load(&c, IG_NEED_INSTAGRAM, msg, sizeof(msg)) ==
	    IG_EINPUT);
	CHECK(strcmp(msg, "missing required setting INSTAGRAM_REDIRECT_URI") ==
	    0);

	/* A small message buffer is truncated, still terminated. */
	test_clear_config_env();
	CHECK(ig_cfg_load(&c, IG_NEED_DB, msg, 8) == IG_EINPUT);
	CHECK(strcmp(msg, "missing") == 0);
	test_clear_config_env();
}

static void
t_database_url(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("DATABASE_URL", "host=/tmp/pg dbname=ig user=ig");
	if (CHECK(ig_cfg_load(&c, IG_NEED_DB, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.database_url != NULL &&
		    strcmp(c.database_url, "host=/tmp/pg dbname=ig user=ig") ==
		    0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	set("DATABASE_URL", "");
	load_fails(IG_NEED_DB, "invalid value for DATABASE_URL", NULL);
	test_clear_config_env();
	set("DATABASE_URL", "postgresql://u:CANARY_DBPASS\x01@h/d");
	load_fails(0, "invalid value for DATABASE_URL", "CANARY_DBPASS");
	test_clear_config_env();
}

/*
 * The migrations' connection: its own setting (a secret, so a file
 * too), else DATABASE_URL; and the programs' role they grant to.
 */
static void
t_migrate_settings(void)
{
	static const char *const bad[] = { "", "Igconnect", "1app", "a-b",
	    "x; DROP TABLE users", "\"q\"", "a234567890123456789012345678901"
	    "234567890123456789012345678901234" };
	struct ig_cfg	 c;
	char		 path[64], msg[256];
	size_t		 i;

	test_clear_config_env();
	set("DATABASE_URL", "dbname=ig user=app");
	if (CHECK(ig_cfg_load(&c, IG_NEED_MIGRATE, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.migrate_database_url != NULL &&
		    strcmp(c.migrate_database_url, "dbname=ig user=app") == 0);
		ig_cfg_free(&c);
	}
	set("IGCONNECT_MIGRATE_DATABASE_URL", "dbname=ig user=owner");
	set("IGCONNECT_APP_ROLE", "ig_app2");
	if (CHECK(ig_cfg_load(&c, IG_NEED_MIGRATE, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(strcmp(c.migrate_database_url, "dbname=ig user=owner") ==
		    0 && strcmp(c.database_url, "dbname=ig user=app") == 0);
		CHECK(strcmp(c.app_role, "ig_app2") == 0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	if (!CHECK(mkfile(path, sizeof(path), "dbname=ig user=owner\n",
	    0600)))
		return;
	set("IGCONNECT_MIGRATE_DATABASE_URL_FILE", path);
	if (CHECK(ig_cfg_load(&c, IG_NEED_MIGRATE, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(strcmp(c.migrate_database_url, "dbname=ig user=owner") ==
		    0 && c.database_url == NULL);
		ig_cfg_free(&c);
	}
	(void)unlink(path);
	for (i = 0; i < NELEM(bad); i++) {
		test_clear_config_env();
		set("IGCONNECT_APP_ROLE", bad[i]);
		if (!load_fails(0, "invalid value for IGCONNECT_APP_ROLE",
		    NULL))
			printf("  case %zu\n", i);
	}
	test_clear_config_env();
}

static void
t_keys_invalid(void)
{
	static const char *const v[] = {
		"a",					/* no colon */
		"a" KEY_A,
		"a:!!notbase64!!",			/* bad base64 */
		/* Unpadded, then with a url-alphabet character. */
		"a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
		"a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8=",
		"a:" KEY_31,				/* 31 bytes */
		"a:" KEY_33,				/* 33 bytes */
		"a:",					/* no key */
		"a:" KEY_A ",a:" KEY_B,			/* duplicate id */
		"a:" KEY_A ",b:" KEY_B ",a:" KEY_A,
		":" KEY_A,				/* empty id */
		"a:" KEY_A ",:" KEY_B,
		"a b:" KEY_A,				/* id charset */
		"a.b:" KEY_A,
		"abcdefghijklmnopqrstuvwxyz0123456:" KEY_A,	/* 33 chars */
		"a:" KEY_A ",,b:" KEY_B,		/* empty entry */
		",a:" KEY_A,
		"",					/* nothing */
		"1:" KEY_A ",2:" KEY_A ",3:" KEY_A ",4:" KEY_A ",5:" KEY_A
		    ",6:" KEY_A ",7:" KEY_A ",8:" KEY_A ",9:" KEY_A,
	};
	size_t	i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set("IGCONNECT_TOKEN_KEYS", v[i]);
		if (!load_fails(IG_NEED_KEYS,
		    "invalid value for IGCONNECT_TOKEN_KEYS", v[i]))
			printf("  case %zu\n", i);
		/* Key material never shows up either. */
		test_clear_config_env();
		set("IGCONNECT_TOKEN_KEYS", v[i]);
		if (!load_fails(0, "invalid value for IGCONNECT_TOKEN_KEYS",
		    "AAECAwQFBgcICQoLDA0O"))
			printf("  case %zu (no needs)\n", i);
	}
	test_clear_config_env();
}

static void
t_keys_valid(void)
{
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	test_clear_config_env();
	set("IGCONNECT_TOKEN_KEYS", "k2025:" KEY_B ",k2024:" KEY_A);
	if (CHECK(ig_cfg_load(&c, IG_NEED_KEYS, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.nkeys == 2);
		CHECK(strcmp(c.keys[0].id, "k2025") == 0);
		CHECK(strcmp(c.keys[1].id, "k2024") == 0);
		CHECK(key_is(c.keys[0].key, 32));
		CHECK(key_is(c.keys[1].key, 0));
		ig_cfg_free(&c);
		CHECK(c.nkeys == 0 && c.keys[0].key[1] == 0);
	}

	/* Eight keys, and an id of exactly 32 characters. */
	test_clear_config_env();
	set("IGCONNECT_TOKEN_KEYS",
	    "1:" KEY_A ",2:" KEY_A ",3:" KEY_A ",4:" KEY_A ",5:" KEY_A
	    ",6:" KEY_A ",7:" KEY_A ",abcdefghijklmnopqrstuvwxyz012345:"
	    KEY_B);
	if (CHECK(ig_cfg_load(&c, IG_NEED_KEYS, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.nkeys == 8);
		for (i = 0; i < 7 && i < c.nkeys; i++)
			CHECK(c.keys[i].id[0] == (char)('1' + i) &&
			    c.keys[i].id[1] == '\0' &&
			    key_is(c.keys[i].key, 0));
		CHECK(strcmp(c.keys[7].id,
		    "abcdefghijklmnopqrstuvwxyz012345") == 0);
		CHECK(key_is(c.keys[7].key, 32));
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

/*
 * ig.h documents a key id as [A-Za-z0-9_-]{1,32}; ids such as
 * "key-2025" or "k_1" must therefore be accepted.
 */
static void
t_keys_id_charset(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("IGCONNECT_TOKEN_KEYS", "key-2025:" KEY_B ",k_1:" KEY_A);
	if (CHECK(ig_cfg_load(&c, IG_NEED_KEYS, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.nkeys == 2);
		CHECK(strcmp(c.keys[0].id, "key-2025") == 0);
		CHECK(strcmp(c.keys[1].id, "k_1") == 0);
		ig_cfg_free(&c);
	} else
		printf("  msg \"%s\"\n", msg);
	test_clear_config_env();
}

static void
t_aliases(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("INSTAGRAM_CLIENT_ID", "990011223344");
	set("INSTAGRAM_CLIENT_SECRET", "CANARY_APPSECRET_alias");
	set("INSTAGRAM_REDIRECT_URI", "https://app.example/cb");
	set("INSTAGRAM_VERIFY_TOKEN", "verify-me");
	if (CHECK(ig_cfg_load(&c, IG_NEED_INSTAGRAM | IG_NEED_WEBHOOK, msg,
	    sizeof(msg)) == IG_OK)) {
		CHECK(c.ig_app_id != NULL &&
		    strcmp(c.ig_app_id, "990011223344") == 0);
		CHECK(c.ig_app_secret != NULL &&
		    strcmp(c.ig_app_secret, "CANARY_APPSECRET_alias") == 0);
		CHECK(c.ig_redirect_uri != NULL &&
		    strcmp(c.ig_redirect_uri, "https://app.example/cb") == 0);
		CHECK(c.ig_verify_token != NULL &&
		    strcmp(c.ig_verify_token, "verify-me") == 0);
		ig_cfg_free(&c);
	}

	/* The canonical name wins over the alias. */
	set("INSTAGRAM_APP_ID", "1111");
	set("INSTAGRAM_APP_SECRET", "canonical");
	set("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "canonical-verify");
	if (CHECK(ig_cfg_load(&c, IG_NEED_INSTAGRAM | IG_NEED_WEBHOOK, msg,
	    sizeof(msg)) == IG_OK)) {
		CHECK(c.ig_app_id != NULL && strcmp(c.ig_app_id, "1111") == 0);
		CHECK(c.ig_app_secret != NULL &&
		    strcmp(c.ig_app_secret, "canonical") == 0);
		CHECK(c.ig_verify_token != NULL &&
		    strcmp(c.ig_verify_token, "canonical-verify") == 0);
		ig_cfg_free(&c);
	}

	/* An alias is validated like the canonical name. */
	test_clear_config_env();
	set("INSTAGRAM_CLIENT_ID", "12ab");
	load_fails(0, "invalid value for INSTAGRAM_APP_ID", "12ab");
	test_clear_config_env();
	set("INSTAGRAM_CLIENT_SECRET", "has space");
	load_fails(0, "invalid value for INSTAGRAM_APP_SECRET", "has space");
	test_clear_config_env();
}

static void
t_jwt_secret(void)
{
	struct ig_cfg	c;
	char		msg[256];

	/* 31 bytes: refused, and the value is not echoed. */
	test_clear_config_env();
	set("JWT_SECRET", "CANARY_JWTKEY_0123456789abcdefg");
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET",
	    "CANARY_JWTKEY");

	/* 32 bytes: accepted, length exact. */
	test_clear_config_env();
	set("JWT_SECRET", SECRET32);
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.jwt_secret != NULL &&
		    strcmp(c.jwt_secret, SECRET32) == 0);
		CHECK(c.jwt_secret_len == 32);
		CHECK(c.auth == IG_AUTH_JWT);
		ig_cfg_free(&c);
		CHECK(c.jwt_secret == NULL && c.jwt_secret_len == 0);
	}

	/* A space inside is refused. */
	test_clear_config_env();
	set("JWT_SECRET", "CANARY_JWTKEY_0123456789 abcdefghij");
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET",
	    "CANARY_JWTKEY");

	/* Not required unless IGCONNECT_AUTH is jwt (the default). */
	test_clear_config_env();
	load_fails(IG_NEED_AUTH, "missing required setting JWT_SECRET", NULL);
	test_clear_config_env();
	set("IGCONNECT_AUTH", "jwt");
	load_fails(IG_NEED_AUTH, "missing required setting JWT_SECRET", NULL);
	test_clear_config_env();
	set("IGCONNECT_AUTH", "none");
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.auth == IG_AUTH_NONE);
		CHECK(c.jwt_secret == NULL);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	set("IGCONNECT_AUTH", "remote_user");
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.auth == IG_AUTH_REMOTE_USER);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

static void
t_auth_mode(void)
{
	static const char *const bad[] = {
		"bogus", "", "JWT", "None", "jwt ", "remote-user",
	};
	size_t	i;

	for (i = 0; i < NELEM(bad); i++) {
		test_clear_config_env();
		set("IGCONNECT_AUTH", bad[i]);
		if (!load_fails(0, "invalid value for IGCONNECT_AUTH", NULL))
			printf("  case %zu\n", i);
	}
	test_clear_config_env();
}

static void
t_secret_file(void)
{
	static const char *const	 texts[] = {
		SECRET32 "\n", SECRET32 "\r\n", SECRET32, SECRET32 "\n\n",
	};
	struct ig_cfg	 c;
	char		 path[64], msg[256];
	size_t		 i;

	for (i = 0; i < NELEM(texts); i++) {
		test_clear_config_env();
		if (!CHECK(mkfile(path, sizeof(path), texts[i], 0600)))
			return;
		set("JWT_SECRET_FILE", path);
		if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
		    IG_OK)) {
			CHECK(c.jwt_secret != NULL &&
			    strcmp(c.jwt_secret, SECRET32) == 0);
			CHECK(c.jwt_secret_len == 32);
			ig_cfg_free(&c);
		} else
			printf("  case %zu: msg \"%s\"\n", i, msg);
		(void)unlink(path);
	}

	/* Readable by group or others: refused. */
	test_clear_config_env();
	if (!CHECK(mkfile(path, sizeof(path), SECRET32 "\n", 0644)))
		return;
	set("JWT_SECRET_FILE", path);
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET_FILE",
	    "CANARY_JWTKEY");
	CHECK(chmod(path, 0640) == 0);
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET_FILE",
	    "CANARY_JWTKEY");
	CHECK(chmod(path, 0604) == 0);
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET_FILE",
	    "CANARY_JWTKEY");
	(void)unlink(path);

	/* Both the value and the file: refused. */
	test_clear_config_env();
	if (!CHECK(mkfile(path, sizeof(path), SECRET32 "\n", 0600)))
		return;
	set("JWT_SECRET_FILE", path);
	set("JWT_SECRET", SECRET32);
	load_fails(IG_NEED_AUTH, "both JWT_SECRET and JWT_SECRET_FILE are set",
	    "CANARY_JWTKEY");

	/* A short secret in a file is refused like a short value. */
	test_clear_config_env();
	(void)unlink(path);
	if (!CHECK(mkfile(path, sizeof(path), "short\n", 0600)))
		return;
	set("JWT_SECRET_FILE", path);
	load_fails(IG_NEED_AUTH, "invalid value for JWT_SECRET", NULL);
	(void)unlink(path);

	/*
	 * Nothing but a line end (the systemd units' stand-in for a
	 * credential not made): unset, so the value applies, and a required
	 * secret with no value is missing.
	 */
	test_clear_config_env();
	(void)unlink(path);
	if (!CHECK(mkfile(path, sizeof(path), "\n", 0400)))
		return;
	set("JWT_SECRET_FILE", path);
	load_fails(IG_NEED_AUTH, "missing required setting JWT_SECRET", NULL);
	set("JWT_SECRET", SECRET32);
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.jwt_secret != NULL &&
		    strcmp(c.jwt_secret, SECRET32) == 0);
		ig_cfg_free(&c);
	} else
		printf("  msg \"%s\"\n", msg);
	(void)unlink(path);

	/* A file that is not there. */
	test_clear_config_env();
	set("JWT_SECRET_FILE", path);
	load_fails(IG_NEED_AUTH, "could not read JWT_SECRET_FILE", NULL);

	/* Other secrets have a _FILE form too. */
	test_clear_config_env();
	if (!CHECK(mkfile(path, sizeof(path), "a:" KEY_A "\n", 0600)))
		return;
	set("IGCONNECT_TOKEN_KEYS_FILE", path);
	if (CHECK(ig_cfg_load(&c, IG_NEED_KEYS, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(c.nkeys == 1 && strcmp(c.keys[0].id, "a") == 0 &&
		    key_is(c.keys[0].key, 0));
		ig_cfg_free(&c);
	}
	(void)unlink(path);
	test_clear_config_env();
}

static void
t_base_urls(void)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
		const char	*www;	/* the same for the login pages */
	} v[] = {
		{ "https://127.0.0.1:8443", "https://127.0.0.1:8443",
		    "https://127.0.0.1:8443" },
		{ "https://127.0.0.1:8443/", "https://127.0.0.1:8443",
		    "https://127.0.0.1:8443" },
		{ "https://fake.test/graph//", "https://fake.test/graph",
		    "https://fake.test/graph" },
		{ "https://graph.example", "https://graph.example",
		    "https://graph.example" },
		{ "http://127.0.0.1:8080", NULL, "http://127.0.0.1:8080" },
		{ "http://127.0.0.1:8080/sandbox/", NULL,
		    "http://127.0.0.1:8080/sandbox" },
		{ "http://127.9.8.7", NULL, "http://127.9.8.7" },
		{ "http://localhost:1/x", NULL, "http://localhost:1/x" },
		{ "http://[::1]:8080/x", NULL, "http://[::1]:8080/x" },
		{ "http://graph.instagram.com/", NULL, NULL },
		{ "http://127.0.0.1.example.com/", NULL, NULL },
		{ "http://127.0.0.1:80@example.com/", NULL, NULL },
		{ "http://localhost.example.com", NULL, NULL },
		{ "http://10.0.0.1:8080", NULL, NULL },
		{ "http://[::2]:8080", NULL, NULL },
		{ "http://127.0.0.1/?a=b", NULL, NULL },
		{ "ftp://graph.instagram.com", NULL, NULL },
		{ "graph.instagram.com", NULL, NULL },
		{ "https://", NULL, NULL },
		{ "https:///x", NULL, NULL },
		{ "https://h/?a=b", NULL, NULL },
		{ "https://h/#frag", NULL, NULL },
		{ "https://h /x", NULL, NULL },
		{ "HTTPS://h", NULL, NULL },
		{ "", NULL, NULL },
	};
	static const char *const names[] = {
		"IGCONNECT_INSTAGRAM_WWW_URL", "IGCONNECT_INSTAGRAM_API_URL",
		"IGCONNECT_GRAPH_INSTAGRAM_URL", "IGCONNECT_FACEBOOK_WWW_URL",
		"IGCONNECT_GRAPH_FACEBOOK_URL",
	};
	struct ig_cfg	 c;
	char		 msg[256], prefix[96];
	const char	*got, *out;
	size_t		 i, k;

	for (k = 0; k < NELEM(names); k++)
		for (i = 0; i < NELEM(v); i++) {
			test_clear_config_env();
			set(names[k], v[i].in);
			/* Only the login pages may be http on loopback. */
			out = v[i].out;
			if (k == 0 || k == 3)
				out = v[i].www;
			if (out == NULL) {
				(void)snprintf(prefix, sizeof(prefix),
				    "invalid value for %s", names[k]);
				if (!load_fails(0, prefix, NULL))
					printf("  %s case %zu\n", names[k], i);
				continue;
			}
			if (!CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) ==
			    IG_OK))
				continue;
			got = k == 0 ? c.url_instagram_www :
			    k == 1 ? c.url_instagram_api :
			    k == 2 ? c.url_graph_instagram :
			    k == 3 ? c.url_facebook_www : c.url_graph_facebook;
			if (!CHECK(got != NULL && strcmp(got, out) == 0))
				printf("  %s case %zu\n", names[k], i);
			ig_cfg_free(&c);
		}
	test_clear_config_env();
}

static void
t_redirect_uri(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("INSTAGRAM_REDIRECT_URI", "http://localhost:8080/auth/callback");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.ig_redirect_uri != NULL && strcmp(c.ig_redirect_uri,
		    "http://localhost:8080/auth/callback") == 0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	set("INSTAGRAM_REDIRECT_URI", "/auth/callback");
	load_fails(0, "invalid value for INSTAGRAM_REDIRECT_URI", NULL);
	test_clear_config_env();
	set("INSTAGRAM_REDIRECT_URI", "javascript:alert(1)");
	load_fails(0, "invalid value for INSTAGRAM_REDIRECT_URI", NULL);
	test_clear_config_env();
}

/* The redirect allow-list and the requested scopes. */
static void
t_oauth_lists(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		int		 ok;
	} v[] = {
		{ "IGCONNECT_REDIRECT_URIS", "https://a.example/cb", 1 },
		{ "IGCONNECT_REDIRECT_URIS",
		    "https://a.example/cb,http://127.0.0.1:8080/cb", 1 },
		{ "IGCONNECT_REDIRECT_URIS", "https://a.example/cb,", 0 },
		{ "IGCONNECT_REDIRECT_URIS", ",https://a.example/cb", 0 },
		{ "IGCONNECT_REDIRECT_URIS", "https://a.example/cb,/cb", 0 },
		{ "IGCONNECT_REDIRECT_URIS", "https://a.example/ cb", 0 },
		{ "IGCONNECT_REDIRECT_URIS", "", 0 },
		{ "IGCONNECT_INSTAGRAM_SCOPES", "instagram_business_basic", 1 },
		{ "IGCONNECT_INSTAGRAM_SCOPES", "instagram_business_basic,"
		    "instagram_business_content_publish", 1 },
		{ "IGCONNECT_INSTAGRAM_SCOPES",
		    "instagram_business_content_publish", 0 },
		{ "IGCONNECT_INSTAGRAM_SCOPES", "instagram_business_basic,", 0 },
		{ "IGCONNECT_INSTAGRAM_SCOPES",
		    "instagram_business_basic,,x", 0 },
		{ "IGCONNECT_INSTAGRAM_SCOPES",
		    "instagram_business_basic&evil=1", 0 },
		{ "IGCONNECT_INSTAGRAM_SCOPES", "", 0 },
	};
	struct ig_cfg	c;
	char		msg[256], prefix[96];
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set(v[i].name, v[i].in);
		if (!v[i].ok) {
			(void)snprintf(prefix, sizeof(prefix),
			    "invalid value for %s", v[i].name);
			if (!load_fails(0, prefix, NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			CHECK(strcmp(v[i].name[10] == 'R' ? c.redirect_uris :
			    c.ig_scopes, v[i].in) == 0);
			ig_cfg_free(&c);
		}
	}
	/* Defaults: the one registered URI, and all five scopes. */
	test_clear_config_env();
	set("INSTAGRAM_REDIRECT_URI", "https://a.example/cb");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(strcmp(c.redirect_uris, "https://a.example/cb") == 0);
		CHECK(strstr(c.ig_scopes, "instagram_business_manage_insights")
		    != NULL);
		CHECK(c.refresh_window == 10);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

/* Exact origins only: no wildcard, no path. */
static void
t_cors_origins(void)
{
	static const struct {
		const char	*in;
		int		 ok;
	} v[] = {
		{ "https://app.example.com", 1 },
		{ "https://a.example,http://localhost:5173", 1 },
		{ "*", 0 },
		{ "https://a.example/", 0 },
		{ "https://a.example/app", 0 },
		{ "a.example", 0 },
		{ "https://a.example,", 0 },
	};
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		test_clear_config_env();
		set("IGCONNECT_CORS_ORIGINS", v[i].in);
		if (!v[i].ok) {
			if (!load_fails(0, "invalid value for "
			    "IGCONNECT_CORS_ORIGINS", NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			CHECK(strcmp(c.cors_origins, v[i].in) == 0);
			ig_cfg_free(&c);
		}
	}
	test_clear_config_env();
}

/* Seed 000's names for the app and its redirect URI. */
static void
t_seed000_names(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("VITE_INSTAGRAM_CLIENT_ID", "123456");
	set("VITE_INSTAGRAM_CLIENT_SECRET", "0123456789abcdef0123456789abcdef");
	set("APP_URL", "http://localhost:5173/");
	if (CHECK(ig_cfg_load(&c, IG_NEED_INSTAGRAM, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(strcmp(c.ig_app_id, "123456") == 0);
		CHECK(strcmp(c.ig_redirect_uri,
		    "http://localhost:5173/auth/instagram/callback") == 0);
		ig_cfg_free(&c);
	}
	/* INSTAGRAM_REDIRECT_URI, when set, wins. */
	set("INSTAGRAM_REDIRECT_URI", "https://a.example/cb");
	if (CHECK(ig_cfg_load(&c, IG_NEED_INSTAGRAM, msg, sizeof(msg)) ==
	    IG_OK)) {
		CHECK(strcmp(c.ig_redirect_uri, "https://a.example/cb") == 0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

/* A redirect URI is allowed only as one whole entry of the list. */
static void
t_redirect_allowed(void)
{
	static const struct {
		const char	*uri;
		int		 ok;
	} v[] = {
		{ "https://a.example/cb", 1 },
		{ "http://127.0.0.1:8080/cb", 1 },
		{ "https://c.example/x", 1 },
		{ "https://a.example/cb/", 0 },
		{ "https://a.example/c", 0 },
		{ "https://a.example/cb,http://127.0.0.1:8080/cb", 0 },
		{ "HTTPS://a.example/cb", 0 },
		{ "https://c.example/", 0 },
		{ "", 0 },
	};
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	test_clear_config_env();
	set("IGCONNECT_REDIRECT_URIS", "https://a.example/cb,"
	    "http://127.0.0.1:8080/cb,https://c.example/x");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		for (i = 0; i < NELEM(v); i++)
			if (!CHECK(ig_redirect_allowed(&c, v[i].uri) ==
			    v[i].ok))
				printf("  \"%s\"\n", v[i].uri);
		ig_cfg_free(&c);
	}
	/* No list and no registered URI: nothing is allowed. */
	test_clear_config_env();
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(!ig_redirect_allowed(&c, "https://a.example/cb"));
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

static void
t_graph_version(void)
{
	static const struct {
		const char	*in;
		int		 ok;
	} v[] = {
		{ "v26.0", 1 }, { "v19.0", 1 }, { "v1.10", 1 },
		{ "26.0", 0 }, { "v26", 0 }, { "v26.", 0 }, { "v.0", 0 },
		{ "v26.0x", 0 }, { "V26.0", 0 }, { "", 0 }, { "v", 0 },
		{ "v26.0/..", 0 }, { "v123456.0", 0 },
	};
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set("IGCONNECT_GRAPH_VERSION", v[i].in);
		if (!v[i].ok) {
			if (!load_fails(0,
			    "invalid value for IGCONNECT_GRAPH_VERSION", NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			CHECK(strcmp(c.graph_version, v[i].in) == 0);
			ig_cfg_free(&c);
		}
	}
	test_clear_config_env();
}

static void
t_numbers(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		long		 want;		/* -1: refused */
	} v[] = {
		{ "IGCONNECT_THREADS", "0", -1 },
		{ "IGCONNECT_THREADS", "abc", -1 },
		{ "IGCONNECT_THREADS", "257", -1 },
		{ "IGCONNECT_THREADS", "-1", -1 },
		{ "IGCONNECT_THREADS", "", -1 },
		{ "IGCONNECT_THREADS", "16x", -1 },
		{ "IGCONNECT_THREADS", "16 ", -1 },
		{ "IGCONNECT_THREADS", "99999999999999999999999", -1 },
		{ "IGCONNECT_THREADS", "16", 16 },
		{ "IGCONNECT_THREADS", "1", 1 },
		{ "IGCONNECT_THREADS", "256", 256 },
		{ "IGCONNECT_PROCESSES", "64", 64 },
		{ "IGCONNECT_PROCESSES", "65", -1 },
		{ "IGCONNECT_PROCESSES", "0", -1 },
		{ "IGCONNECT_SOCKET_MODE", "0600", 0600 },
		{ "IGCONNECT_SOCKET_MODE", "660", 0660 },
		{ "IGCONNECT_SOCKET_MODE", "0777", 0777 },
		{ "IGCONNECT_SOCKET_MODE", "0999", -1 },
		{ "IGCONNECT_SOCKET_MODE", "0400", -1 },
		{ "IGCONNECT_SOCKET_MODE", "1777", -1 },
		{ "IGCONNECT_SOCKET_MODE", "rw", -1 },
		{ "IGCONNECT_MAX_BODY", "1024", 1024 },
		{ "IGCONNECT_MAX_BODY", "1023", -1 },
		{ "IGCONNECT_MAX_BODY", "16777216", 16777216 },
		{ "IGCONNECT_MAX_BODY", "16777217", -1 },
		{ "IGCONNECT_HTTP_TIMEOUT", "120", 120 },
		{ "IGCONNECT_HTTP_TIMEOUT", "121", -1 },
		{ "IGCONNECT_CONNECT_TIMEOUT", "60", 60 },
		{ "IGCONNECT_CONNECT_TIMEOUT", "0", -1 },
		{ "IGCONNECT_REFRESH_WINDOW_DAYS", "59", 59 },
		{ "IGCONNECT_REFRESH_WINDOW_DAYS", "60", -1 },
		{ "IGCONNECT_REFRESH_WINDOW_DAYS", "0", -1 },
	};
	struct ig_cfg	c;
	char		msg[256], prefix[96];
	long		got;
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set(v[i].name, v[i].in);
		if (v[i].want == -1) {
			(void)snprintf(prefix, sizeof(prefix),
			    "invalid value for %s: expected a number from ",
			    v[i].name);
			if (!load_fails(0, prefix, NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (!CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			printf("  case %zu: msg \"%s\"\n", i, msg);
			continue;
		}
		switch (v[i].name[10]) {
		case 'T':
			got = c.threads;
			break;
		case 'P':
			got = c.processes;
			break;
		case 'S':
			got = c.socket_mode;
			break;
		case 'M':
			got = c.max_body;
			break;
		case 'H':
			got = c.http_timeout;
			break;
		case 'R':
			got = c.refresh_window;
			break;
		default:
			got = c.connect_timeout;
			break;
		}
		if (!CHECK(got == v[i].want))
			printf("  case %zu: got %ld\n", i, got);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

static void
t_log_level(void)
{
	static const struct {
		const char	*in;
		int		 want;		/* -1: refused */
	} v[] = {
		{ "err", IG_LOG_ERR }, { "warn", IG_LOG_WARN },
		{ "info", IG_LOG_INFO }, { "debug", IG_LOG_DEBUG },
		{ "ERR", -1 }, { "error", -1 }, { "", -1 }, { "3", -1 },
		{ "trace", -1 }, { "debug ", -1 },
	};
	struct ig_cfg	c;
	char		msg[256];
	size_t		i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set("IGCONNECT_LOG_LEVEL", v[i].in);
		if (v[i].want == -1) {
			if (!load_fails(0, "invalid value for "
			    "IGCONNECT_LOG_LEVEL", NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			CHECK(c.log_level == v[i].want);
			ig_cfg_free(&c);
		}
	}
	test_clear_config_env();
}

static void
t_app_ids(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		int		 ok;
	} v[] = {
		{ "INSTAGRAM_APP_ID", "1234567890123456", 1 },
		{ "INSTAGRAM_APP_ID", "0", 1 },
		{ "INSTAGRAM_APP_ID", "12a", 0 },
		{ "INSTAGRAM_APP_ID", "-1", 0 },
		{ "INSTAGRAM_APP_ID", " 12", 0 },
		{ "INSTAGRAM_APP_ID", "12 ", 0 },
		{ "INSTAGRAM_APP_ID", "", 0 },
		{ "INSTAGRAM_APP_ID", "0x1f", 0 },
		{ "INSTAGRAM_APP_ID", "123456789012345678901234567890123", 0 },
		{ "INSTAGRAM_APP_ID", "12345678901234567890123456789012", 1 },
		{ "FACEBOOK_APP_ID", "42", 1 },
		{ "FACEBOOK_APP_ID", "4.2", 0 },
	};
	struct ig_cfg	 c;
	char		 msg[256], prefix[96];
	const char	*got;
	size_t		 i;

	for (i = 0; i < NELEM(v); i++) {
		test_clear_config_env();
		set(v[i].name, v[i].in);
		if (!v[i].ok) {
			(void)snprintf(prefix, sizeof(prefix),
			    "invalid value for %s", v[i].name);
			if (!load_fails(0, prefix, NULL))
				printf("  case %zu\n", i);
			continue;
		}
		if (!CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK))
			continue;
		got = v[i].name[0] == 'I' ? c.ig_app_id : c.fb_app_id;
		CHECK(got != NULL && strcmp(got, v[i].in) == 0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
}

static void
t_issuer_audience(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("IGCONNECT_JWT_ISSUER", "https://issuer.example");
	set("IGCONNECT_JWT_AUDIENCE", "igconnect");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.jwt_issuer != NULL &&
		    strcmp(c.jwt_issuer, "https://issuer.example") == 0);
		CHECK(c.jwt_audience != NULL &&
		    strcmp(c.jwt_audience, "igconnect") == 0);
		ig_cfg_free(&c);
	}
	test_clear_config_env();
	set("IGCONNECT_JWT_AUDIENCE", "tab\there");
	load_fails(0, "invalid value for IGCONNECT_JWT_AUDIENCE", NULL);
	test_clear_config_env();
}

static void
t_ca_file(void)
{
	struct ig_cfg	c;
	char		path[64], msg[256];

	test_clear_config_env();
	if (!CHECK(mkfile(path, sizeof(path), "-----BEGIN CERTIFICATE-----\n",
	    0644)))
		return;
	set("IGCONNECT_CA_FILE", path);
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.ca_file != NULL && strcmp(c.ca_file, path) == 0);
		ig_cfg_free(&c);
	}
	(void)unlink(path);
	load_fails(0, "invalid value for IGCONNECT_CA_FILE", NULL);
	test_clear_config_env();
}

/* The first bad variable stops the load; nothing loaded before leaks. */
static void
t_failure_frees(void)
{
	test_clear_config_env();
	set("DATABASE_URL", "postgresql:///x");
	set("INSTAGRAM_APP_SECRET", "CANARY_APPSECRET_x");
	set("JWT_SECRET", SECRET32);
	set("IGCONNECT_TOKEN_KEYS", "a:" KEY_A);
	set("IGCONNECT_LOG_LEVEL", "loud");
	load_fails(IG_NEED_DB, "invalid value for IGCONNECT_LOG_LEVEL",
	    "loud");
	test_clear_config_env();
}

/* The sizing of programs that wait on Meta: its own defaults and ranges. */
static void
t_meta_sizing(void)
{
	struct ig_cfg	c;
	char		msg[256];

	test_clear_config_env();
	set("IGCONNECT_THREADS", "4");
	set("IGCONNECT_PROCESSES", "3");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.meta_threads == 32);
		CHECK(c.meta_processes == 2);
		CHECK(c.threads == 4 && c.processes == 3);
		ig_cfg_free(&c);
	}
	set("IGCONNECT_META_THREADS", "256");
	set("IGCONNECT_META_PROCESSES", "64");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.meta_threads == 256 && c.meta_processes == 64);
		CHECK(c.threads == 4 && c.processes == 3);
		ig_cfg_free(&c);
	}
	set("IGCONNECT_META_THREADS", "257");
	load_fails(0, "invalid value for IGCONNECT_META_THREADS: expected a "
	    "number from ", NULL);
	set("IGCONNECT_META_THREADS", "8");
	set("IGCONNECT_META_PROCESSES", "0");
	load_fails(0, "invalid value for IGCONNECT_META_PROCESSES: expected a "
	    "number from ", NULL);
	test_clear_config_env();
}

/* Like mkfile() but "n" bytes of "text", which may hold NUL bytes. */
static int
mkfile_n(char *path, size_t pathsz, const char *text, size_t n, mode_t mode)
{
	int	fd;

	(void)snprintf(path, pathsz, "/tmp/t_cfg.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 0;
	if (write(fd, text, n) != (ssize_t)n || fchmod(fd, mode) == -1) {
		close(fd);
		(void)unlink(path);
		return 0;
	}
	close(fd);
	return 1;
}

/* An env file with "text", named by IGCONNECT_ENV_FILE. */
static int
envfile(char *path, size_t pathsz, const char *text)
{
	test_clear_config_env();
	if (!CHECK(mkfile(path, pathsz, text, 0600)))
		return 0;
	set("IGCONNECT_ENV_FILE", path);
	return 1;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Every form the stack's sh reader accepts, CRLF included. */
static void
t_envfile_parse(void)
{
	static const char text[] =
	    "# comment\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "INSTAGRAM_APP_ID=1234\r\n"
	    "export INSTAGRAM_REDIRECT_URI = https://app.example/cb # note\n"
	    "JWT_SECRET='" SECRET32 "' ignored after the quote\n"
	    "IGCONNECT_JWT_ISSUER=\"an issuer # not a comment\"\n"
	    "IGCONNECT_JWT_AUDIENCE=aud#1\r\n"
	    "DATABASE_URL=\"host=/tmp dbname='ig'\"\n"
	    "PATH=/nowhere\n"
	    "INSTAGRAM_APP_ID=5678\n"
	    "IGCONNECT_ENV_FILE=/etc/passwd\n"
	    "IGCONNECT_LOG_LEVEL=warn";	/* no final newline */
	struct ig_cfg	c;
	char		path[64], msg[256];
	const char	*p;

	if (!envfile(path, sizeof(path), text))
		return;
	p = getenv("PATH");
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH | IG_NEED_DB, msg,
	    sizeof(msg)) == IG_OK)) {
		/* The first of two lines for one name counts. */
		CHECK(streq(c.ig_app_id, "1234"));
		CHECK(streq(c.ig_redirect_uri, "https://app.example/cb"));
		CHECK(streq(c.jwt_secret, SECRET32));
		CHECK(streq(c.jwt_issuer, "an issuer # not a comment"));
		CHECK(streq(c.jwt_audience, "aud#1"));
		CHECK(streq(c.database_url, "host=/tmp dbname='ig'"));
		CHECK(c.log_level == IG_LOG_WARN);
		ig_cfg_free(&c);
	} else
		printf("  msg \"%s\"\n", msg);
	/* Values stay out of the environment; other names are ignored. */
	CHECK(getenv("JWT_SECRET") == NULL);
	CHECK(p != NULL && streq(getenv("PATH"), p));
	(void)unlink(path);

	/* A secret's _FILE form may come from the env file too. */
	{
		char	sec[64], line[128];

		test_clear_config_env();
		if (!CHECK(mkfile(sec, sizeof(sec), SECRET32 "\n", 0600)))
			return;
		(void)snprintf(line, sizeof(line), "JWT_SECRET_FILE=%s\n", sec);
		if (!envfile(path, sizeof(path), line))
			return;
		if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) ==
		    IG_OK)) {
			CHECK(streq(c.jwt_secret, SECRET32));
			ig_cfg_free(&c);
		}
		(void)unlink(sec);
		(void)unlink(path);
	}
	test_clear_config_env();
}

/* The environment wins over the file, name by name. */
static void
t_envfile_precedence(void)
{
	struct ig_cfg	c;
	char		path[64], msg[256];

	if (!envfile(path, sizeof(path), "INSTAGRAM_APP_ID=2222\n"
	    "IGCONNECT_JWT_ISSUER=from-file\n"))
		return;
	set("INSTAGRAM_APP_ID", "1111");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(streq(c.ig_app_id, "1111"));
		CHECK(streq(c.jwt_issuer, "from-file"));
		ig_cfg_free(&c);
	}
	/* A value in one place and its _FILE form in the other: refused. */
	(void)unlink(path);
	if (!envfile(path, sizeof(path), "JWT_SECRET_FILE=/nonexistent\n"))
		return;
	set("JWT_SECRET", SECRET32);
	load_fails(IG_NEED_AUTH, "both JWT_SECRET and JWT_SECRET_FILE are set",
	    "CANARY_JWTKEY");
	(void)unlink(path);
	test_clear_config_env();
}

/* The file must be private to our user, as secret files are. */
static void
t_envfile_modes(void)
{
	static const mode_t	 bad[] = { 0644, 0640, 0604, 0660, 0602 };
	struct ig_cfg		 c;
	char			 path[64], msg[256];
	size_t			 i;

	if (!envfile(path, sizeof(path), "JWT_SECRET=" SECRET32 "\n"))
		return;
	for (i = 0; i < NELEM(bad); i++) {
		CHECK(chmod(path, bad[i]) == 0);
		if (!load_fails(IG_NEED_AUTH, "invalid value for "
		    "IGCONNECT_ENV_FILE: the file must not be accessible by "
		    "group or others", "CANARY_JWTKEY"))
			printf("  mode %o\n", (unsigned)bad[i]);
	}
	CHECK(chmod(path, 0400) == 0);
	if (CHECK(ig_cfg_load(&c, IG_NEED_AUTH, msg, sizeof(msg)) == IG_OK))
		ig_cfg_free(&c);
	/* Someone else's file, even a private one (only root can test). */
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0);
		load_fails(IG_NEED_AUTH, "invalid value for IGCONNECT_ENV_FILE: "
		    "the file must be owned by the user the program runs as",
		    NULL);
	}
	(void)unlink(path);
	set("IGCONNECT_ENV_FILE", "/tmp");
	load_fails(0, "invalid value for IGCONNECT_ENV_FILE: the file must "
	    "be a regular file", NULL);
	test_clear_config_env();
}

/*
 * A file named by IGCONNECT_ENV_FILE must be there; the default place
 * under the home directory may be empty.
 */
static void
t_envfile_default(void)
{
	struct ig_cfg	c;
	char		home[64], dir[128], file[192], msg[256];
	int		fd;

	test_clear_config_env();
	set("IGCONNECT_ENV_FILE", "/nonexistent/igconnect.env");
	load_fails(0, "could not read IGCONNECT_ENV_FILE: ", NULL);

	(void)snprintf(home, sizeof(home), "/tmp/t_cfg.home.XXXXXX");
	if (!CHECK(mkdtemp(home) != NULL))
		return;
	CHECK(unsetenv("IGCONNECT_ENV_FILE") == 0);
	set("HOME", home);
	/* No ~/.config at all, then no file in it: fine. */
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK))
		ig_cfg_free(&c);
	(void)snprintf(dir, sizeof(dir), "%s/.config", home);
	CHECK(mkdir(dir, 0700) == 0);
	(void)snprintf(dir, sizeof(dir), "%s/.config/igconnect", home);
	CHECK(mkdir(dir, 0700) == 0);
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK))
		ig_cfg_free(&c);

	(void)snprintf(file, sizeof(file), "%s/igconnect.env", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1 && write(fd, "INSTAGRAM_APP_ID=4242\n", 22) == 22);
	if (fd != -1)
		close(fd);
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(streq(c.ig_app_id, "4242"));
		ig_cfg_free(&c);
	}
	/* The default file is checked like a named one; messages name it. */
	CHECK(chmod(file, 0644) == 0);
	load_fails(0, "invalid value for /tmp/t_cfg.home.", NULL);
	CHECK(chmod(file, 0600) == 0);
	/* An empty IGCONNECT_ENV_FILE reads no file at all. */
	set("IGCONNECT_ENV_FILE", "");
	if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
		CHECK(c.ig_app_id == NULL);
		ig_cfg_free(&c);
	}
	CHECK(unlink(file) == 0 && rmdir(dir) == 0);
	(void)snprintf(dir, sizeof(dir), "%s/.config", home);
	CHECK(rmdir(dir) == 0 && rmdir(home) == 0);
	test_clear_config_env();
}

/* What the format does not allow: one clear line naming the line. */
static void
t_envfile_bad(void)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} v[] = {
		{ "# ok\nJUST_A_WORD\n", "line 2: expected NAME=VALUE" },
		{ "1ABC=x\n", "line 1: invalid variable name" },
		{ "\n\nIG-CONNECT=x\n", "line 3: invalid variable name" },
		{ "=x\n", "line 1: invalid variable name" },
		{ "export =x\n", "line 1: invalid variable name" },
		{ "A B=x\n", "line 1: invalid variable name" },
		{ "JWT_SECRET=\"CANARY_JWTKEY_unterminated\n",
		    "line 1: unterminated quote" },
		{ "JWT_SECRET='CANARY_JWTKEY_unterminated\n",
		    "line 1: unterminated quote" },
	};
	char	path[64], *big;
	size_t	i, n;

	for (i = 0; i < NELEM(v); i++) {
		char	want[128];

		if (!envfile(path, sizeof(path), v[i].text))
			return;
		(void)snprintf(want, sizeof(want), "invalid value for "
		    "IGCONNECT_ENV_FILE: %s", v[i].msg);
		if (!load_fails(0, want, "CANARY_JWTKEY"))
			printf("  case %zu\n", i);
		(void)unlink(path);
	}

	/* A NUL byte, on the line it is on. */
	test_clear_config_env();
	if (!CHECK(mkfile_n(path, sizeof(path), "A=1\nJWT_SECRET=CANARY_"
	    "JWTKEY\0x\n", 30, 0600)))
		return;
	set("IGCONNECT_ENV_FILE", path);
	load_fails(0, "invalid value for IGCONNECT_ENV_FILE: line 2: a NUL "
	    "byte", "CANARY_JWTKEY");
	(void)unlink(path);

	/* A line over 8 KiB, and a file over 64 KiB. */
	n = 70 * 1024;
	if (!CHECK((big = malloc(n + 1)) != NULL))
		return;
	memset(big, 'A', n);
	memcpy(big, "# x\nIGCONNECT_JWT_ISSUER=", 25);
	big[9000] = '\n';
	big[9001] = '\0';
	if (envfile(path, sizeof(path), big)) {
		load_fails(0, "invalid value for IGCONNECT_ENV_FILE: line 2: "
		    "line too long", NULL);
		(void)unlink(path);
	}
	/* Exactly 8 KiB is fine. */
	big[4 + 8192] = '\n';
	big[4 + 8192 + 1] = '\0';
	if (envfile(path, sizeof(path), big)) {
		struct ig_cfg	c;
		char		msg[256];

		if (CHECK(ig_cfg_load(&c, 0, msg, sizeof(msg)) == IG_OK)) {
			CHECK(c.jwt_issuer != NULL &&
			    strlen(c.jwt_issuer) == 8192 - 21);
			ig_cfg_free(&c);
		} else
			printf("  msg \"%s\"\n", msg);
		(void)unlink(path);
	}
	/* Comment lines only: the size alone is wrong. */
	memset(big, '#', n);
	for (i = 63; i < n; i += 64)
		big[i] = '\n';
	big[n] = '\0';
	if (envfile(path, sizeof(path), big)) {
		load_fails(0, "invalid value for IGCONNECT_ENV_FILE: file too "
		    "large", NULL);
		(void)unlink(path);
	}
	free(big);
	test_clear_config_env();
}

static const struct ig_test tests[] = {
	TEST(t_cors_origins),
	TEST(t_seed000_names),
	TEST(t_defaults),
	TEST(t_missing_required),
	TEST(t_database_url),
	TEST(t_migrate_settings),
	TEST(t_keys_invalid),
	TEST(t_keys_valid),
	TEST(t_keys_id_charset),
	TEST(t_aliases),
	TEST(t_jwt_secret),
	TEST(t_auth_mode),
	TEST(t_secret_file),
	TEST(t_base_urls),
	TEST(t_redirect_uri),
	TEST(t_oauth_lists),
	TEST(t_redirect_allowed),
	TEST(t_graph_version),
	TEST(t_numbers),
	TEST(t_meta_sizing),
	TEST(t_log_level),
	TEST(t_app_ids),
	TEST(t_issuer_audience),
	TEST(t_ca_file),
	TEST(t_failure_frees),
	TEST(t_envfile_parse),
	TEST(t_envfile_precedence),
	TEST(t_envfile_modes),
	TEST(t_envfile_default),
	TEST(t_envfile_bad),
};

int
main(int argc, char *argv[])
{
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
