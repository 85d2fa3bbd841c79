/* SPDX-License-Identifier: ISC */
/*
 * t_chaos.c: the chaos allocator (jansson test_chaos).  For n = 1, 2, ...
 * the nth allocation through ig_malloc() and every later one fail while
 * an operation runs; each run must end in IG_ENOMEM (never a crash, a
 * leak under ASan, or another error) until the first n at which the
 * operation has all it needs, and succeed from then on.  jansson and
 * OpenSSL allocate on their own and are not failed here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ig.h"

#include "../lib/check.h"

#define MAX_N		10000	/* no operation here needs this many */
#define EXTRA_OK	5	/* runs past the first success, all OK */

static struct ig_cfg	 cfg;	/* keys and JWT secret, built by hand */
static json_t		*claims;
static char		 cfgmsg[256];

static const char	 secret[] = "CANARY_JWTKEY_0123456789abcdefghijklmnop";

/*
 * Run "op" under failure after n allocations for n = 1, 2, ... and
 * check the pattern: IG_ENOMEM for every n below the first success,
 * IG_OK from then on, at least one IG_ENOMEM.  Returns that first n.
 */
static unsigned long
chaos(const char *name, enum ig_err (*op)(void))
{
	unsigned long	n, first_ok = 0;
	size_t		nomem = 0, bad = 0;
	enum ig_err	er;

	if (!CHECK(op() == IG_OK)) {
		printf("  %s fails without chaos\n", name);
		return 0;
	}
	for (n = 1; n <= MAX_N; n++) {
		ig_mem_fail_after(n);
		er = op();
		ig_mem_fail_after(0);
		if (er == IG_ENOMEM && first_ok == 0)
			nomem++;
		else if (er == IG_OK) {
			if (first_ok == 0)
				first_ok = n;
			if (n >= first_ok + EXTRA_OK)
				break;
		} else {
			if (++bad <= 5)
				printf("  %s: n=%lu gave %d (%s)\n", name, n,
				    er, ig_strerror(er));
		}
	}
	CHECK(bad == 0);
	CHECK(first_ok > 1);
	CHECK(nomem >= 1 && nomem == first_ok - 1);
	/* The hook is off again: plain allocation works. */
	CHECK(op() == IG_OK);
	return first_ok;
}

static enum ig_err
op_seal_open(void)
{
	char		*s = NULL, *p = NULL;
	enum ig_err	 er;

	if ((er = ig_seal(&cfg, "CANARY_TOKEN_chaos", "u1|instagram",
	    &s)) != IG_OK) {
		if (s != NULL)
			return IG_ESYS;		/* must stay NULL */
		return er;
	}
	er = ig_open(&cfg, s, "u1|instagram", &p);
	free(s);
	if (er != IG_OK)
		return p == NULL ? er : IG_ESYS;
	if (strcmp(p, "CANARY_TOKEN_chaos") != 0)
		er = IG_ECRYPTO;
	ig_free_secret(p);
	return er;
}

static enum ig_err
op_jwt(void)
{
	char		*t = NULL, sub[64];
	enum ig_err	 er;

	if ((er = ig_jwt_sign(&cfg, claims, &t)) != IG_OK)
		return t == NULL ? er : IG_ESYS;
	er = ig_jwt_verify(&cfg, t, (time_t)1750000000, sub, sizeof(sub), NULL);
	free(t);
	if (er == IG_OK && strcmp(sub, "chaos-user") != 0)
		er = IG_EAUTH;
	return er;
}

static enum ig_err
op_buf(void)
{
	static const char	chunk[] =
	    "0123456789abcdefghijklmnopqrstuvwxyz";
	struct ig_buf		b;
	size_t			i;
	enum ig_err		er = IG_OK;

	ig_buf_init(&b, 64 * 1024);
	for (i = 0; i < 1000; i++)
		if ((er = ig_buf_adds(&b, chunk)) != IG_OK)
			break;
	if (er != IG_OK) {
		/* A failed add leaves the buffer freed and empty. */
		if (b.data != NULL || b.len != 0)
			er = IG_ESYS;
		return er;
	}
	if (b.len != 1000 * (sizeof(chunk) - 1) ||
	    memcmp(b.data + b.len - 36, chunk, 36) != 0)
		er = IG_ESYS;
	ig_buf_free(&b);
	return er;
}

static enum ig_err
op_cfg(void)
{
	struct ig_cfg	c;
	enum ig_err	er;

	cfgmsg[0] = '\0';
	er = ig_cfg_load(&c, IG_NEED_DB | IG_NEED_KEYS | IG_NEED_AUTH |
	    IG_NEED_INSTAGRAM, cfgmsg, sizeof(cfgmsg));
	if (er == IG_OK) {
		if (c.nkeys != 2 || c.jwt_secret_len != 40 ||
		    strcmp(c.graph_version, "v26.0") != 0)
			er = IG_ESYS;
		ig_cfg_free(&c);
	} else if (er == IG_ENOMEM && (strcmp(cfgmsg,
	    "out of memory reading configuration") != 0 ||
	    c.database_url != NULL || c.nkeys != 0))
		er = IG_ESYS;
	return er;
}

static enum ig_err
op_url_decode(void)
{
	char		*out = NULL;
	enum ig_err	 er;

	if ((er = ig_url_decode("hub.mode%3Dsubscribe+x", 22, &out)) !=
	    IG_OK)
		return out == NULL ? er : IG_ESYS;
	if (strcmp(out, "hub.mode=subscribe x") != 0)
		er = IG_ESYS;
	free(out);
	return er;
}

static enum ig_err
op_json_id(void)
{
	json_t		*o;
	char		*out = NULL;
	enum ig_err	 er;

	if ((o = json_loads("{\"id\":27281358591558845}", 0, NULL)) == NULL)
		return IG_ESYS;
	er = ig_json_id_dup(o, "id", &out);
	json_decref(o);
	if (er != IG_OK)
		return out == NULL ? er : IG_ESYS;
	if (strcmp(out, "27281358591558845") != 0)
		er = IG_ESYS;
	free(out);
	return er;
}

static void
setup_cfg(void)
{
	memset(&cfg, 0, sizeof(cfg));
	(void)strcpy(cfg.keys[0].id, "new");
	memset(cfg.keys[0].key, 0x21, sizeof(cfg.keys[0].key));
	(void)strcpy(cfg.keys[1].id, "old");
	memset(cfg.keys[1].key, 0x12, sizeof(cfg.keys[1].key));
	cfg.nkeys = 2;
	cfg.jwt_secret = (char *)(uintptr_t)secret;
	cfg.jwt_secret_len = sizeof(secret) - 1;
}

static void
t_chaos_seal_open(void)
{
	unsigned long	n;

	setup_cfg();
	n = chaos("seal+open", op_seal_open);
	/* ig_seal: aad, raw, out; ig_open: raw, aad, out. */
	CHECK(n == 7);
}

static void
t_chaos_jwt(void)
{
	unsigned long	n;

	setup_cfg();
	claims = json_pack("{s:s, s:I}", "sub", "chaos-user", "exp",
	    (json_int_t)1750000300);
	if (!CHECK(claims != NULL))
		return;
	n = chaos("jwt sign+verify", op_jwt);
	/* Header, payload, the buffer, the signature; verify allocates none. */
	CHECK(n == 5);
	json_decref(claims);
	claims = NULL;
}

static void
t_chaos_buf(void)
{
	unsigned long	n;

	n = chaos("buf growth", op_buf);
	/* 36000 bytes: nine blocks, 256, 512, ... 32768, then the cap. */
	CHECK(n == 10);
}

/* Every variable of vars[] in core/cfg.c, its alias and _FILE form. */
static void
t_chaos_cfg(void)
{
	char	path[64];
	int	fd;

	test_clear_config_env();
	(void)snprintf(path, sizeof(path), "/tmp/t_chaos.XXXXXX");
	if (!CHECK((fd = mkstemp(path)) != -1))
		return;
	CHECK(write(fd, secret, strlen(secret)) == (ssize_t)strlen(secret));
	CHECK(write(fd, "\n", 1) == 1);
	close(fd);
	CHECK(setenv("JWT_SECRET_FILE", path, 1) == 0);
	CHECK(setenv("DATABASE_URL", "postgresql:///igconnect", 1) == 0);
	CHECK(setenv("IGCONNECT_TOKEN_KEYS",
	    "b:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=,"
	    "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1) == 0);
	CHECK(setenv("INSTAGRAM_CLIENT_ID", "1234", 1) == 0);
	CHECK(setenv("INSTAGRAM_APP_SECRET", "CANARY_APPSECRET_c", 1) == 0);
	CHECK(setenv("INSTAGRAM_REDIRECT_URI", "https://x.example/cb", 1) ==
	    0);
	CHECK(setenv("IGCONNECT_GRAPH_INSTAGRAM_URL", "https://127.0.0.1:1/",
	    1) == 0);
	(void)chaos("cfg load", op_cfg);
	(void)unlink(path);
	test_clear_config_env();
}

static void
t_chaos_small(void)
{
	CHECK(chaos("url decode", op_url_decode) == 2);
	CHECK(chaos("json id", op_json_id) == 2);
}

/* The hook itself: which calls fail, and the wrappers' edge cases. */
static void
t_mem_hook(void)
{
	void	*a, *b, *c;
	char	*s;

	ig_mem_fail_after(2);
	a = ig_malloc(8);
	b = ig_malloc(8);
	c = ig_calloc(1, 8);
	ig_mem_fail_after(0);
	CHECK(a != NULL && b == NULL && c == NULL);
	free(a);

	ig_mem_fail_after(1);
	CHECK((s = ig_strdup("x")) == NULL);
	CHECK(ig_reallocarray(NULL, 1, 8) == NULL);
	ig_mem_fail_after(0);
	free(s);

	/* Zero sizes still give a pointer to free. */
	CHECK((a = ig_malloc(0)) != NULL);
	free(a);
	CHECK((a = ig_calloc(0, 0)) != NULL);
	free(a);
	/* Overflow of nmemb * size is refused, not wrapped. */
	CHECK(ig_reallocarray(NULL, SIZE_MAX / 2 + 1, 2) == NULL);
	CHECK(ig_reallocarray(NULL, 2, SIZE_MAX / 2 + 1) == NULL);
	/* strndup copies exactly n bytes and terminates. */
	if (CHECK((s = ig_strndup("abcdef", 3)) != NULL)) {
		CHECK(strcmp(s, "abc") == 0);
		free(s);
	}
	if (CHECK((s = ig_strdup("")) != NULL)) {
		CHECK(s[0] == '\0');
		free(s);
	}
}

static const struct ig_test tests[] = {
	TEST(t_chaos_seal_open),
	TEST(t_chaos_jwt),
	TEST(t_chaos_buf),
	TEST(t_chaos_cfg),
	TEST(t_chaos_small),
	TEST(t_mem_hook),
};

int
main(int argc, char *argv[])
{
	ig_log_init("t_chaos", IG_LOG_ERR);
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
