/* SPDX-License-Identifier: ISC */
/*
 * t_rekey.c: the token keys, on the running stack.  igconnect-keygen's
 * lines; then a rotation as an operator makes it, with requests all
 * along and none failing: connections stored under the stack's key A
 * (access tokens, a Facebook user token, a pending account selection),
 * the programs restarted with B,A (igconnect-stack reload), every value
 * sealed again with B by igconnect-rekey while requests run, the counts
 * by key id before and after, then A removed: the connections still
 * read, refresh and finish their selection.  The stack is put back on A
 * at the end, for the tests after this one.  And a value no key opens,
 * which igconnect-rekey reports and leaves, and bad usage.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define NUSERS	3		/* Instagram Login connections */
#define KEY_B	"rekey2"	/* the new key's id */

/* ------------------------------------------------------------- helpers */

/* Run a tool with "keys" as IGCONNECT_TOKEN_KEYS; output in "out". */
static int
tool(const char *keys, const char *const argv[], char *out, size_t sz)
{
	char	*saved = strdup(env_or_die("IGCONNECT_TOKEN_KEYS"));
	int	 rc;

	(void)setenv("IGCONNECT_TOKEN_KEYS", keys, 1);
	rc = run_capture(argv, "/dev/null", out, sz);
	if (saved != NULL)
		(void)setenv("IGCONNECT_TOKEN_KEYS", saved, 1);
	free(saved);
	return rc;
}

static int
rekey(const char *keys, char *out, size_t sz)
{
	const char *const	argv[] = { "tools/igconnect-rekey", "--batch",
	    "2", NULL };

	return tool(keys, argv, out, sz);
}

/*
 * The programs' keys: IGCONNECT_TOKEN_KEYS in the stack's stack.env
 * becomes "keys", and the programs restart with it.
 */
static int
programs_keys(const char *keys)
{
	const char *const	reload[] = { "sh",
	    "tests/stack/igconnect-stack", "reload", NULL };
	char			expr[512], path[1024], out[4096];
	const char *const	sed[] = { "sed", "-i", expr, path, NULL };

	(void)snprintf(expr, sizeof(expr), "s|^IGCONNECT_TOKEN_KEYS=.*|"
	    "IGCONNECT_TOKEN_KEYS='%s'|", keys);
	(void)snprintf(path, sizeof(path), "%s/stack.env",
	    env_or_die("IGCONNECT_VAR"));
	if (run_cmd(sed) != 0)
		return 0;
	if (run_capture(reload, "/dev/null", out, sizeof(out)) == 0)
		return 1;
	printf("  igconnect-stack reload:\n%s", out);
	return 0;
}

/*
 * The sum of the counts igconnect-rekey printed for "when" ("before",
 * "after"), for key "key", or with other = 1 for every sealed key but
 * "key".
 */
static long
counted(const char *out, const char *when, const char *key, int other)
{
	const char	*p = out;
	char		 w[16], col[128], id[64];
	long		 n, sum = 0;

	for (; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		if (sscanf(p, "%15s %127s %63s %ld", w, col, id, &n) != 4 ||
		    strcmp(w, when) != 0)
			continue;
		if (other ? strcmp(id, key) != 0 && strcmp(id, "unsealed") !=
		    0 : strcmp(id, key) == 0)
			sum += n;
	}
	return sum;
}

/* The number after "word " in igconnect-rekey's summary line, or -1. */
static long
summary_num(const char *out, const char *word)
{
	const char	*p = strstr(out, "igconnect-rekey: sealed ");

	if (p == NULL || (p = strstr(p, word)) == NULL)
		return -1;
	return strtol(p + strlen(word), NULL, 10);
}

/* Sealed values of the user "u" (all three columns) under key "key". */
static long long
user_values(const struct flow_user *u, const char *key)
{
	return db_long("SELECT (SELECT count(*) FILTER (WHERE split_part("
	    "c.accesstoken, '.', 2) = $2) + count(*) FILTER (WHERE "
	    "split_part(c.refreshtoken, '.', 2) = $2) FROM oauth_connections "
	    "c, users x WHERE x.id = c.userid AND x.externalid = $1) + "
	    "(SELECT count(*) FROM account_selections s, users x WHERE "
	    "x.id = s.userid AND x.externalid = $1 AND "
	    "split_part(s.usertoken, '.', 2) = $2)", u->id, key, NULL);
}

/* ------------------------------------------------------------- readers */

/* Requests made all along the rotation, by a thread of their own. */
struct	readers {
	pthread_t		 thread;
	const struct flow_user	*users;
	size_t			 n;
	volatile int		 stop;
	long			 done, failed, first_status;
};

static void *
reader_loop(void *arg)
{
	struct readers		*rd = arg;
	struct http_resp	 r;
	size_t			 i = 0;
	long			 st;

	while (!rd->stop) {
		memset(&r, 0, sizeof(r));
		st = flow_req(&rd->users[i++ % rd->n], "GET",
		    "/integrations/instagram", NULL, NULL, &r);
		http_resp_free(&r);
		rd->done++;
		if (st != 200 && rd->failed++ == 0)
			rd->first_status = st;
	}
	return NULL;
}

static int
readers_start(struct readers *rd, const struct flow_user *users, size_t n)
{
	memset(rd, 0, sizeof(*rd));
	rd->users = users;
	rd->n = n;
	return pthread_create(&rd->thread, NULL, reader_loop, rd) == 0;
}

/* Stop the readers; 1 if they made requests and none failed. */
static int
readers_stop(struct readers *rd, const char *during)
{
	rd->stop = 1;
	(void)pthread_join(rd->thread, NULL);
	if (rd->done == 0 || rd->failed != 0)
		printf("  during %s: %ld requests, %ld failed (first: %ld)\n",
		    during, rd->done, rd->failed, rd->first_status);
	return rd->done > 0 && rd->failed == 0;
}

/* ------------------------------------------------------------- keygen */

static void
t_keygen(void)
{
	const char *const	plain[] = { "tools/igconnect-keygen", NULL };
	const char *const	named[] = { "tools/igconnect-keygen", "--id",
	    "k-2_b", NULL };
	const char *const	bad[][4] = {
		{ "tools/igconnect-keygen", "--id", "a.b", NULL },
		{ "tools/igconnect-keygen", "--id", "", NULL },
		{ "tools/igconnect-keygen", "--id", NULL, NULL },
		{ "tools/igconnect-keygen", "extra", NULL, NULL },
	};
	char			a[256], b[256], o[256];
	size_t			i;

	CHECK(run_capture(plain, "/dev/null", a, sizeof(a)) == 0);
	CHECK(run_capture(plain, "/dev/null", b, sizeof(b)) == 0);
	/* "k", 14 digits of UTC time, ':', 44 of padded base64, '\n'. */
	CHECK(strlen(a) == 1 + 14 + 1 + 44 + 1 && a[0] == 'k' &&
	    strspn(a + 1, "0123456789") == 14 && a[15] == ':' &&
	    strspn(a + 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789+/=") == 44 && a[60] == '\n');
	CHECK(strcmp(a + 16, b + 16) != 0);
	CHECK(run_capture(named, "/dev/null", o, sizeof(o)) == 0);
	CHECK(strncmp(o, "k-2_b:", 6) == 0 && strlen(o) == 6 + 44 + 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK(run_capture(bad[i], "/dev/null", o, sizeof(o)) == 2))
			printf("  case %zu\n", i);
}

/* ------------------------------------------------------------- rotation */

/* The Facebook Page ids of fake account "n" (tests/fakemeta/README.md). */
static long long
page_id(long long n, int i)
{
	return 134895700000000LL + 100 * n + i;
}

/*
 * A Facebook Login connection whose long-lived exchange failed: its
 * short-lived user token is sealed in refreshToken, and a refresh
 * upgrades it (opening it).  Returns the exchange's status.
 */
static long
connect_fb_short(const struct flow_user *u)
{
	char	knobs[128];

	CHECK(fake_inject("{\"route\":\"fb_exchange\",\"graph_error\":"
	    "{\"code\":100,\"message\":\"(#100) Invalid parameter\","
	    "\"type\":\"OAuthException\"}}"));
	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld&fake_pages=2"
	    "&fake_linked=2&fake_short_lived=1", flow_account(1));
	return flow_connect_fb(u, knobs, NULL);
}

/*
 * Two Pages with an account: the exchange answers with a selection,
 * whose user token waits sealed in account_selections; its handle goes
 * into "sel" (IG_STATE_LEN + 1 bytes).
 */
static int
start_choice(const struct flow_user *u, long long n, char *sel)
{
	char	 knobs[128];
	json_t	*o = NULL;
	int	 ok;

	(void)snprintf(knobs, sizeof(knobs), "&fake_account=%lld"
	    "&fake_pages=3&fake_linked=1,3", n);
	ok = flow_connect_fb(u, knobs, &o) == 409 &&
	    strlen(jstr(o, "selection")) == IG_STATE_LEN;
	if (ok)
		(void)strcpy(sel, jstr(o, "selection"));
	json_decref(o);
	return ok;
}

static void
t_rotate(void)
{
	struct flow_user	 users[NUSERS + 1], chooser;
	struct readers		 rd;
	const char		*a = env_or_die("IGCONNECT_TOKEN_KEYS");
	const char *const	 gen[] = { "tools/igconnect-keygen", "--id",
	    KEY_B, NULL };
	char			 b[128], ba[1024], ab[1024], body[256];
	char			 key_a[33], sel[IG_STATE_LEN + 1] = "";
	char			*out = calloc(1, 65536);
	long long		 chooser_n = flow_account(1);
	json_t			*o;
	long			 st, failed;
	size_t			 i;

	(void)snprintf(key_a, sizeof(key_a), "%.*s", (int)strcspn(a, ":"), a);
	if (!CHECK(out != NULL) || !CHECK(fake_reset()))
		goto out;
	for (i = 0; i < NUSERS; i++) {
		flow_user_new(&users[i]);
		CHECK(flow_connect(&users[i], flow_account(0), NULL, NULL) ==
		    200);
	}
	flow_user_new(&users[NUSERS]);
	CHECK(connect_fb_short(&users[NUSERS]) == 200);
	flow_user_new(&chooser);
	CHECK(start_choice(&chooser, chooser_n, sel));
	for (i = 0; i <= NUSERS; i++)
		CHECK(user_values(&users[i], key_a) == (i < NUSERS ? 1 : 2));
	CHECK(user_values(&chooser, key_a) == 1);

	/* The new key B, first: the programs seal with it, open both. */
	CHECK(run_capture(gen, "/dev/null", b, sizeof(b)) == 0);
	b[strcspn(b, "\n")] = '\0';
	(void)snprintf(ba, sizeof(ba), "%s,%s", b, a);
	(void)snprintf(ab, sizeof(ab), "%s,%s", a, b);
	if (!CHECK(readers_start(&rd, users, NUSERS + 1)))
		goto out;
	msleep(300);
	CHECK(programs_keys(ba));
	msleep(300);
	CHECK(readers_stop(&rd, "the restart with B,A"));

	/* Every value sealed again with B, while requests go on. */
	if (!CHECK(readers_start(&rd, users, NUSERS + 1)))
		goto restore;
	msleep(300);
	st = rekey(ba, out, 65536);
	msleep(300);
	CHECK(readers_stop(&rd, "igconnect-rekey"));
	failed = summary_num(out, "failed ");
	if (!CHECK(st == (failed == 0 ? 0 : 1) && failed >= 0))
		printf("  igconnect-rekey: exit %ld\n%.2000s\n", st, out);
	CHECK(counted(out, "before", key_a, 0) >= NUSERS + 3);
	CHECK(summary_num(out, "again with key " KEY_B ", failed ") ==
	    failed);
	CHECK(summary_num(out, "sealed ") >= NUSERS + 3);
	/* What is not on B now is exactly what could not be opened. */
	CHECK(counted(out, "after", KEY_B, 0) >= NUSERS + 3);
	CHECK(counted(out, "after", KEY_B, 1) == failed);
	for (i = 0; i <= NUSERS; i++) {
		CHECK(user_values(&users[i], key_a) == 0);
		CHECK(user_values(&users[i], KEY_B) == (i < NUSERS ? 1 : 2));
	}
	CHECK(user_values(&chooser, KEY_B) == 1);
	/* A second run finds nothing more to do. */
	st = rekey(ba, out, 65536);
	CHECK(summary_num(out, "sealed ") == 0);
	CHECK(st == (failed == 0 ? 0 : 1));

	/* A goes: everything still opens, with B alone. */
	if (!CHECK(readers_start(&rd, users, NUSERS + 1)))
		goto restore;
	msleep(300);
	CHECK(programs_keys(b));
	msleep(300);
	CHECK(readers_stop(&rd, "the restart with B"));
	/* The Facebook user token, in refreshToken, made long-lived. */
	o = flow_req_json(&users[NUSERS], "POST",
	    "/integrations/instagram/refresh", NULL, &st);
	CHECK(st == 200 && strcmp(jstr(o, "tokenKind"), "page") == 0);
	json_decref(o);
	/* The selection's user token, to finish the choice. */
	(void)snprintf(body, sizeof(body), "{\"selection\":\"%s\","
	    "\"pageId\":\"%lld\"}", sel, page_id(chooser_n, 3));
	o = flow_req_json(&chooser, "POST", "/oauth/instagram/exchange", body,
	    &st);
	CHECK(st == 200 && strcmp(jstr(o, "flavor"), "facebook") == 0);
	json_decref(o);
	CHECK(user_values(&chooser, KEY_B) == 2);
	/* An Instagram token a day old, refreshed. */
	CHECK(db_exec("UPDATE oauth_connections SET tokenissuedat = "
	    "tokenissuedat - interval '25 hours' WHERE " FLOW_CONN,
	    users[0].id, NULL) == 1);
	CHECK(fake_post("/_fake/clock", "{\"advance\":90000}") == 200);
	o = flow_req_json(&users[0], "POST", "/integrations/instagram/refresh",
	    NULL, &st);
	CHECK(st == 200 && strcmp(jstr(o, "status"), "connected") == 0);
	json_decref(o);
	for (i = 0; i <= NUSERS; i++)
		CHECK(user_values(&users[i], KEY_B) == (i < NUSERS ? 1 : 2));

restore:
	/* Back on A, as the programs of the next tests are. */
	st = rekey(ab, out, 65536);
	CHECK(counted(out, "after", key_a, 1) == summary_num(out,
	    "failed "));
	CHECK(programs_keys(a));
	for (i = 0; i <= NUSERS; i++)
		CHECK(user_values(&users[i], KEY_B) == 0);
out:
	for (i = 0; i <= NUSERS; i++)
		flow_user_free(&users[i]);
	flow_user_free(&chooser);
	free(out);
}

/*
 * A value no configured key opens (its key was dropped too early) is
 * counted, named in the log and left as it is; the run then exits 1.
 * --dry-run counts it and changes nothing.
 */
static void
t_unreadable(void)
{
	static const char	 gone[] = "ig1.gone.AAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	const char *const	 dry[] = { "tools/igconnect-rekey", "--dry-run",
	    NULL };
	const char		*keys = env_or_die("IGCONNECT_TOKEN_KEYS");
	struct flow_user	 u;
	char			 out[8192], v[256];

	flow_user_new(&u);
	CHECK(db_exec("WITH x AS (INSERT INTO users (externalid) VALUES ($1) "
	    "RETURNING id) INSERT INTO oauth_connections (userid, provider, "
	    "provideruserid, accesstoken) SELECT id, 'instagram', '1', $2 "
	    "FROM x", u.id, gone, NULL) == 1);
	CHECK(tool(keys, dry, out, sizeof(out)) == 0);
	CHECK(counted(out, "before", "gone", 0) == 1);
	CHECK(strstr(out, "dry run: ") != NULL && counted(out, "after",
	    "gone", 0) == 0);
	CHECK(rekey(keys, out, sizeof(out)) == 1);
	CHECK(summary_num(out, "failed ") == 1);
	CHECK(counted(out, "after", "gone", 0) == 1);
	CHECK(strstr(out, "oauth_connections.accessToken of row ") != NULL &&
	    strstr(out, "cannot be opened") != NULL);
	CHECK(db_val(v, sizeof(v), "SELECT accesstoken FROM oauth_connections "
	    "WHERE " FLOW_CONN, u.id, NULL) == 1 && strcmp(v, gone) == 0);
	CHECK(db_exec("DELETE FROM users WHERE externalid = $1", u.id,
	    NULL) == 1);
	flow_user_free(&u);
}

/* Bad usage is exit 2 and changes nothing. */
static void
t_rekey_usage(void)
{
	static const char *const bad[][4] = {
		{ "tools/igconnect-rekey", "--batch", "0", NULL },
		{ "tools/igconnect-rekey", "--batch", "10001", NULL },
		{ "tools/igconnect-rekey", "--batch", "x", NULL },
		{ "tools/igconnect-rekey", "--batch", NULL, NULL },
		{ "tools/igconnect-rekey", "--once", NULL, NULL },
	};
	char	out[1024];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK(run_capture(bad[i], "/dev/null", out,
		    sizeof(out)) == 2 && strstr(out, "usage: ") != NULL))
			printf("  case %zu\n", i);
}

int
main(int argc, char *argv[])
{
	static const struct ig_test	tests[] = {
		TEST(t_keygen),
		TEST(t_rotate),
		TEST(t_unreadable),
		TEST(t_rekey_usage),
	};

	return flow_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
