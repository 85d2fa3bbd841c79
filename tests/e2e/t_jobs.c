/* SPDX-License-Identifier: ISC */
/*
 * t_jobs.c: igconnect-refresh and igconnect-sync end to end.  Each job
 * runs as a separate process against the stack's PostgreSQL and the
 * fake of Meta.  Connections are seeded straight into the database as
 * its superuser (a thousand rows in one statement), with tokens minted
 * at the fake already weeks old and sealed exactly as the programs seal
 * them, so what a job writes can be opened and compared.  Covered: a
 * thousand rows shared by two processes with every token refreshed
 * exactly once, a re-link during a refresh, revoked tokens, rate
 * limits and backoff, exhausted retries, rows that are not due, the
 * short-lived token upgrade, SIGTERM in the middle of a run, dry runs,
 * the profile sync and its failures, usage and an unreachable database.
 *
 * Each test first pushes every connection out of both jobs' reach, so
 * it sees only the rows it seeds; those carry the users.externalId
 * prefix "jobs-<pid>-<tag>-".
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"

#define REFRESH		"tools/igconnect-refresh"
#define SYNC		"tools/igconnect-sync"
#define DAY		86400L
#define LONG_TTL	5184000L	/* the fake's refresh expires_in, max */
#define LONG_TTL_MIN	(LONG_TTL - 100)	/* ... and its min */
#define EXCHANGE_TTL	5183944L	/* the fake's ig_exchange expires_in */
#define APP_SCOPED_BASE	27281358591558845LL	/* fake account N's ids */
#define IG_ID_BASE	17841457215396811LL
#define JOB_WAIT_MS	60000L

/* Columns are UTC timestamps without time zone. */
#define NOW_UTC		"(now() AT TIME ZONE 'UTC')"

/* The connections of a row set: $1 is its externalId prefix. */
#define MINE \
	"c.userid IN (SELECT id FROM users WHERE starts_with(externalid, $1))"

extern char	**environ;

static PGconn	*pg;			/* ours, for multi-row results */
static char	 tmpdir[PATH_MAX];	/* the jobs' output files */
static unsigned	 njobs;

/* ------------------------------------------------------------ utilities */

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A growing string, for the array literals of the seeding statements. */
struct	sb {
	char	*p;
	size_t	 n, cap;
	int	 bad;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	char	*np;
	size_t	 cap;

	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 1024; cap < b->n + n + 1; cap *= 2)
			continue;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->bad = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_adds(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Element "i" of a PostgreSQL array literal, quoted and escaped. */
static void
sb_elem(struct sb *b, const char *s, size_t i)
{
	sb_adds(b, i == 0 ? "{\"" : ",\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sb_add(b, "\\", 1);
		sb_add(b, s, 1);
	}
	sb_add(b, "\"", 1);
}

/* Close the literal; NULL if memory ran out on the way. */
static const char *
sb_close(struct sb *b)
{
	if (b->n == 0)
		sb_adds(b, "{");
	sb_adds(b, "}");
	return b->bad ? NULL : b->p;
}

/* A random (version 4) uuid. */
static void
uuid_new(char out[37])
{
	unsigned char	b[16];
	char		h[33];

	(void)ig_rand_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	ig_hex(h, b, sizeof(b));
	(void)snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8,
	    h + 12, h + 16, h + 20);
}

/* A whole small file as a new string ("" if it cannot be read). */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*p = NULL, *np;
	size_t	 n = 0, cap = 0, k;

	if ((f = fopen(path, "r")) != NULL) {
		for (;;) {
			if (n + 4096 + 1 > cap) {
				cap = cap ? cap * 2 : 16384;
				if ((np = realloc(p, cap)) == NULL)
					break;
				p = np;
			}
			if ((k = fread(p + n, 1, cap - n - 1, f)) == 0)
				break;
			n += k;
		}
		fclose(f);
	}
	if (p == NULL)
		return strdup("");
	p[n] = '\0';
	return p;
}

/* The last non-empty line of "s" into "out". */
static void
last_line(const char *s, char *out, size_t outsz)
{
	const char	*end, *p;

	if (s == NULL)
		s = "";
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (p = end; p > s && p[-1] != '\n'; p--)
		continue;
	(void)snprintf(out, outsz, "%.*s", (int)(end - p), p);
}

/*
 * The count that follows "key " in a summary line ("claimed 12"), the
 * key standing alone after a space or "(" ; -1 if absent.
 */
static long
sum_after(const char *s, const char *key)
{
	size_t		 k = strlen(key);
	const char	*p;

	for (p = s; (p = strstr(p, key)) != NULL; p += k)
		if ((p == s || p[-1] == ' ' || p[-1] == '(') && p[k] == ' ' &&
		    isdigit((unsigned char)p[k + 1]))
			return strtol(p + k + 1, NULL, 10);
	return -1;
}

/* The count before " key" ("(1 upgraded)"); -1 if absent. */
static long
sum_before(const char *s, const char *key)
{
	size_t		 k = strlen(key);
	const char	*p, *d;

	for (p = s; (p = strstr(p, key)) != NULL; p += k) {
		if (p - s < 2 || p[-1] != ' ' ||
		    !isdigit((unsigned char)p[-2]))
			continue;
		for (d = p - 2; d > s && isdigit((unsigned char)d[-1]); d--)
			continue;
		return strtol(d, NULL, 10);
	}
	return -1;
}

/* The number of lines of "s" (a last one without newline counts). */
static int
lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n' || s[1] == '\0')
			n++;
	return n;
}

/* A loopback TCP port nobody listens on (bound a moment ago, closed). */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			fd, port = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* ------------------------------------------------------------ database */

static PGconn *
pgc(void)
{
	if (pg != NULL && PQstatus(pg) == CONNECTION_OK)
		return pg;
	if (pg != NULL)
		PQfinish(pg);
	pg = PQconnectdb(env_or_die("IGCONNECT_DB_ADMIN_URL"));
	if (PQstatus(pg) != CONNECTION_OK)
		printf("  could not connect to the database: %s",
		    PQerrorMessage(pg));
	return pg;
}

/* Run "sql" with "n" text parameters; the caller PQclear()s. */
static PGresult *
q(const char *sql, int n, const char *const *p)
{
	PGresult	*res;

	res = PQexecParams(pgc(), sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		printf("  query failed: %.160s...: %s", sql,
		    PQresultErrorMessage(res));
	return res;
}

/*
 * Put every connection out of both jobs' reach: expiring in 50 days
 * (past any refresh window used here) and just synced.  Rows already
 * expired, or without a token, are due for neither job anyway.
 */
static void
quiesce(void)
{
	CHECK(db_exec("UPDATE oauth_connections SET expiresat = "
	    "greatest(expiresat, " NOW_UTC " + interval '50 days'), "
	    "lastsyncedat = " NOW_UTC " WHERE expiresat > " NOW_UTC,
	    NULL) >= 0);
}

/* ------------------------------------------------------------ the fake */

/* A control call to the fake answered 200, as JSON (new) or NULL. */
static json_t *
fake_call(const char *method, const char *path, const char *body)
{
	const char *const	 h[] = { "Content-Type: application/json",
	    NULL };
	struct http_resp	 r;
	char			 url[2048];
	json_t			*o = NULL;

	(void)snprintf(url, sizeof(url), "%s%s",
	    env_or_die("IGCONNECT_FAKE_URL"), path);
	if (flow_http(NULL, method, url, body != NULL ? h : NULL, body,
	    body != NULL ? strlen(body) : 0, &r) == 200)
		o = resp_json(&r);
	else
		printf("  %s %s: HTTP %ld %.200s\n", method, path, r.status,
		    r.body);
	http_resp_free(&r);
	return o;
}

/* An integer member, or -1. */
static long long
jint(const json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* How many tokens the fake knows (minted by us or by its routes). */
static long long
fake_tokens(void)
{
	json_t		*o = fake_get("/_fake/stats");
	long long	 n = jint(o, "tokens");

	json_decref(o);
	return n;
}

/* refresh_by_token of "stats" for "tok": keyed by hex SHA-256, 16 chars. */
static long long
refreshes_of(const json_t *stats, const char *tok)
{
	unsigned char	md[32];
	char		hex[65];
	long long	n;

	(void)ig_sha256(tok, strlen(tok), md);
	ig_hex(hex, md, sizeof(md));
	hex[16] = '\0';
	n = jint(json_object_get(stats, "refresh_by_token"), hex);
	return n < 0 ? 0 : n;
}

/* GET /me at the fake with "tok": 1 if it is live for "account". */
static int
me_ok(const char *tok, long long account)
{
	char			 url[2048], auth[1024], want[32];
	const char		*h[] = { auth, NULL };
	struct http_resp	 r;
	json_t			*o;
	int			 ok;

	/* In a header, not the query: a failed request prints its URL. */
	(void)snprintf(url, sizeof(url), "%s/me?fields=id",
	    env_or_die("IGCONNECT_GRAPH_INSTAGRAM_URL"));
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	(void)flow_http(NULL, "GET", url, h, NULL, 0, &r);
	o = resp_json(&r);
	(void)snprintf(want, sizeof(want), "%lld", APP_SCOPED_BASE + account);
	ok = r.status == 200 && strcmp(jstr(o, "id"), want) == 0;
	json_decref(o);
	http_resp_free(&r);
	return ok;
}

/* ------------------------------------------------------------ the jobs */

/* One run of a job: a child process with its output in two files. */
struct	job {
	pid_t	 pid;
	int	 rc;		/* exit status, 128+signal, -1 if we killed it */
	char	*out;		/* standard output, once it ended */
	char	*err;		/* standard error, likewise */
	char	 outf[PATH_MAX + 32];
	char	 errf[PATH_MAX + 32];
	char	 what[512];	/* the command line, for messages */
};

/*
 * Start "prog" with "args" and this process's environment, where
 * "envset" ("NAME=value", may be NULL) replaces or adds one variable.
 * Everything the child needs is built before fork().
 */
static int
job_start(struct job *j, const char *prog, const char *const *args,
    const char *envset)
{
	const char	*argv[24];
	char		**envp;
	size_t		 i, n = 0, nl;
	int		 fo, fe;

	memset(j, 0, sizeof(*j));
	j->pid = -1;
	j->rc = -1;
	argv[0] = prog;
	(void)snprintf(j->what, sizeof(j->what), "%s", prog);
	for (i = 0; args[i] != NULL && i < 22; i++) {
		argv[i + 1] = args[i];
		(void)snprintf(j->what + strlen(j->what), sizeof(j->what) -
		    strlen(j->what), " %s", args[i]);
	}
	argv[i + 1] = NULL;
	(void)snprintf(j->outf, sizeof(j->outf), "%s/job%u.out", tmpdir,
	    njobs);
	(void)snprintf(j->errf, sizeof(j->errf), "%s/job%u.err", tmpdir,
	    njobs++);
	for (i = 0; environ[i] != NULL; i++)
		continue;
	if ((envp = calloc(i + 2, sizeof(*envp))) == NULL)
		return 0;
	nl = envset != NULL ? strcspn(envset, "=") + 1 : 0;
	for (i = 0; environ[i] != NULL; i++)
		if (nl == 0 || strncmp(environ[i], envset, nl) != 0)
			envp[n++] = environ[i];
	if (envset != NULL)
		envp[n++] = (char *)(uintptr_t)envset;
	fo = open(j->outf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open(j->errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fo != -1 && fe != -1) {
		fflush(stdout);
		if ((j->pid = fork()) == 0) {
			dup2(fo, STDOUT_FILENO);
			dup2(fe, STDERR_FILENO);
			execve(prog, (char *const *)(void *)argv, envp);
			_exit(127);
		}
	}
	if (fo != -1)
		close(fo);
	if (fe != -1)
		close(fe);
	free(envp);
	return j->pid > 0;
}

/* 1 while the job has not ended (without reaping it). */
static int
job_running(const struct job *j)
{
	siginfo_t	si;

	memset(&si, 0, sizeof(si));
	return j->pid > 0 && waitid(P_PID, (id_t)j->pid, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

/*
 * Read what the job wrote and append it to the stack's log directory,
 * where tests/run looks for sanitizer reports.
 */
static void
job_collect(struct job *j)
{
	char	 logf[PATH_MAX];
	FILE	*f;

	j->out = slurp(j->outf);
	j->err = slurp(j->errf);
	(void)snprintf(logf, sizeof(logf), "%s/log/jobs-test.log",
	    env_or_die("IGCONNECT_VAR"));
	if ((f = fopen(logf, "a")) != NULL) {
		fprintf(f, "---- %s: exit %d\n%s%s", j->what, j->rc, j->err,
		    j->out);
		fclose(f);
	}
}

/* Wait at most "ms" for the job; its exit status, -1 if it was killed. */
static int
job_wait(struct job *j, long ms)
{
	long long	t0 = mono_ms();
	int		status;

	if (j->pid <= 0)
		return j->rc = -1;
	while (waitpid(j->pid, &status, WNOHANG) != j->pid) {
		if (mono_ms() - t0 > ms) {
			printf("  %s still running after %ld ms: killed\n",
			    j->what, ms);
			(void)kill(j->pid, SIGKILL);
			(void)waitpid(j->pid, &status, 0);
			j->pid = -1;
			j->rc = -1;
			job_collect(j);
			return -1;
		}
		msleep(10);
	}
	j->pid = -1;
	j->rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	job_collect(j);
	return j->rc;
}

static void
job_free(struct job *j)
{
	if (j->pid > 0) {
		(void)kill(j->pid, SIGKILL);
		(void)waitpid(j->pid, NULL, 0);
	}
	free(j->out);
	free(j->err);
	(void)unlink(j->outf);
	(void)unlink(j->errf);
	memset(j, 0, sizeof(*j));
}

/*
 * Run a job to its end; its exit status, with the last line of its
 * standard error (the summary) in "line".  Says so when it is not
 * "want", since the reason is in that output.
 */
static int
run(const char *prog, const char *const *args, int want, char *line,
    size_t linesz)
{
	struct job	j;
	int		rc;

	if (!job_start(&j, prog, args, NULL))
		printf("  could not start %s\n", prog);
	rc = job_wait(&j, JOB_WAIT_MS);
	last_line(j.err, line, linesz);
	if (rc != want)
		printf("  %s exited %d, not %d: %.300s\n", j.what, rc, want,
		    line);
	job_free(&j);
	return rc;
}

/* ------------------------------------------------------------ rows */

/* One seeded connection and what we stored in it. */
struct	row {
	char		 id[37];	/* the connection */
	char		 user[37];	/* users.id: the token's aad */
	long long	 account;	/* fake account */
	char		*tok;		/* the token the fake minted */
	char		*sealed;	/* accessToken as stored */
	long long	 expires;	/* expiresAt as stored, epoch */
};

/* The connections of one test, in externalId order. */
struct	rows {
	char		 prefix[48];	/* users.externalId prefix */
	struct row	*v;
	size_t		 n;
};

/* How to seed: the token at the fake and the row's times. */
struct	seed {
	const char	*kind;		/* "long" or "short", both places */
	long long	 account;
	long		 age;		/* the token's age at the fake */
	long		 issued_ago;	/* tokenIssuedAt = now - this */
	long		 expires_in;	/* expiresAt = now + this */
	long		 synced_ago;	/* lastSyncedAt = now - this */
};

static const struct seed due_long = {
	"long", 0, 30 * DAY, 30 * DAY, 5 * DAY, 0
};

/* A clean slate and an empty row set named "tag". */
static void
begin(struct rows *rs, const char *tag)
{
	CHECK(fake_reset());
	quiesce();
	memset(rs, 0, sizeof(*rs));
	(void)snprintf(rs->prefix, sizeof(rs->prefix), "jobs-%ld-%s-",
	    (long)getpid(), tag);
}

static void
rows_free(struct rows *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++) {
		ig_free_secret(rs->v[i].tok);
		free(rs->v[i].sealed);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/* Stale profile values: the sync test checks they are replaced. */
static char *
metadata(const char *kind)
{
	json_t	*m;
	char	*s;

	m = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:i, s:i, s:i, s:s, "
	    "s:s, s:s}, s:{s:s}}",
	    "flavor", "instagram",
	    "tokenKind", kind,
	    "profile",
	    "username", "old_user",
	    "name", "Old Name",
	    "profilePictureUrl", "https://example.com/old.jpg",
	    "followersCount", 0,
	    "followsCount", 0,
	    "mediaCount", 0,
	    "biography", "old",
	    "website", "https://old.example.com",
	    "accountType", "BUSINESS",
	    "settings",
	    "toneOfVoice", "calm");
	s = m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	return s;
}

/*
 * Add "n" connections to "rs": tokens minted at the fake, sealed with
 * the row's "<user uuid>|instagram" as the programs do, users and
 * connections inserted with one statement each.  Only sealed tokens
 * reach PostgreSQL (its log records every parameter).
 */
static int
seed(struct rows *rs, size_t n, const struct seed *s)
{
	static const char ins_users[] = "INSERT INTO users (id, externalid) "
	    "SELECT * FROM unnest($1::uuid[], $2::text[])";
	static const char ins_conns[] = "INSERT INTO oauth_connections "
	    "(id, userid, provider, provideruserid, accesstoken, expiresat, "
	    "businessaccountid, scopes, metadata, status, tokenissuedat, "
	    "version, connectedat, lastsyncedat, createdat, updatedat) "
	    "SELECT x.i, x.u, 'instagram', $4, x.t, "
	    NOW_UTC " + $5::bigint * interval '1 second', $6, "
	    "ARRAY['instagram_business_basic', "
	    "'instagram_business_content_publish'], $7::jsonb, 'active', "
	    NOW_UTC " - $8::bigint * interval '1 second', 1, "
	    NOW_UTC " - $8::bigint * interval '1 second', "
	    NOW_UTC " - $9::bigint * interval '1 second', "
	    NOW_UTC " - $8::bigint * interval '1 second', " NOW_UTC " "
	    "FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(i, u, t) "
	    "RETURNING floor(extract(epoch FROM expiresat))::bigint";
	struct sb	 ids = { 0 }, users = { 0 }, exts = { 0 }, seals = { 0 };
	struct row	*v, *r;
	json_t		*o, *toks;
	PGresult	*res = NULL;
	const char	*p[9];
	char		 body[256], aad[64], ext[128], puid[32], igid[32];
	char		 ttl[32], issued[32], synced[32], *meta = NULL;
	size_t		 i, base = rs->n;
	long long	 exp;
	int		 ok = 0;

	(void)snprintf(body, sizeof(body), "{\"account\":%lld,\"kind\":\"%s\","
	    "\"age\":%ld,\"count\":%zu}", s->account, s->kind, s->age, n);
	if ((o = fake_call("POST", "/_fake/tokens", body)) == NULL)
		return 0;
	toks = json_object_get(o, "tokens");
	if (json_array_size(toks) != n ||
	    (v = reallocarray(rs->v, rs->n + n, sizeof(*v))) == NULL)
		goto out;
	rs->v = v;
	for (i = 0; i < n; i++) {
		r = &rs->v[base + i];
		memset(r, 0, sizeof(*r));
		rs->n++;
		uuid_new(r->id);
		uuid_new(r->user);
		r->account = s->account;
		r->tok = strdup(jstr(json_array_get(toks, i), "access_token"));
		(void)snprintf(aad, sizeof(aad), "%s|instagram", r->user);
		if (r->tok == NULL || *r->tok == '\0' ||
		    ig_seal(flow_cfg(), r->tok, aad, &r->sealed) != IG_OK)
			goto out;
		(void)snprintf(ext, sizeof(ext), "%s%05zu", rs->prefix,
		    base + i);
		sb_elem(&ids, r->id, i);
		sb_elem(&users, r->user, i);
		sb_elem(&exts, ext, i);
		sb_elem(&seals, r->sealed, i);
	}
	(void)snprintf(puid, sizeof(puid), "%lld", APP_SCOPED_BASE +
	    s->account);
	(void)snprintf(igid, sizeof(igid), "%lld", IG_ID_BASE + s->account);
	(void)snprintf(ttl, sizeof(ttl), "%ld", s->expires_in);
	(void)snprintf(issued, sizeof(issued), "%ld", s->issued_ago);
	(void)snprintf(synced, sizeof(synced), "%ld", s->synced_ago);
	if ((meta = metadata(s->kind)) == NULL)
		goto out;
	p[0] = sb_close(&users);
	p[1] = sb_close(&exts);
	if (p[0] == NULL || p[1] == NULL)
		goto out;
	res = q(ins_users, 2, p);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto out;
	PQclear(res);
	p[0] = sb_close(&ids);
	p[1] = users.p;
	p[2] = sb_close(&seals);
	p[3] = puid;
	p[4] = ttl;
	p[5] = igid;
	p[6] = meta;
	p[7] = issued;
	p[8] = synced;
	if (p[0] == NULL || p[2] == NULL) {
		res = NULL;
		goto out;
	}
	res = q(ins_conns, 9, p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (size_t)PQntuples(res) != n)
		goto out;
	/* One statement, one now(): every row got the same expiry. */
	exp = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	for (i = 0; i < n; i++)
		rs->v[base + i].expires = exp;
	ok = 1;
out:
	if (!ok)
		printf("  could not seed %zu connections\n", n);
	PQclear(res);
	free(meta);
	free(ids.p);
	free(users.p);
	free(exts.p);
	free(seals.p);
	json_decref(o);
	return ok;
}

/* What a connection holds now, for one job's columns. */
struct	cur {
	long long	 version;
	char		*sealed;	/* NULL when the column is */
	long long	 expires;	/* epoch, 0 when NULL */
	long long	 issued;
	char		 kind[16];
	char		 status[16];
	int		 attempts;
	char		 state[16];
	char		 eclass[32];	/* <job>Error->>'class', "" if none */
	int		 has_next;	/* <job>NextAt is set */
	double		 next_in;	/* seconds from now to it */
};

static void
cur_free(struct cur *c, size_t n)
{
	size_t	i;

	for (i = 0; c != NULL && i < n; i++)
		free(c[i].sealed);
	free(c);
}

/* The rows of "rs" now, with the columns of "job" (refresh or sync). */
static struct cur *
load(const struct rows *rs, const char *job)
{
	const char	*p[1] = { rs->prefix };
	char		 sql[1024];
	struct cur	*c = NULL;
	PGresult	*res;
	size_t		 i;

	(void)snprintf(sql, sizeof(sql), "SELECT c.id::text, c.version, "
	    "c.accesstoken, "
	    "coalesce(floor(extract(epoch FROM c.expiresat))::bigint, 0), "
	    "coalesce(floor(extract(epoch FROM c.tokenissuedat))::bigint, 0), "
	    "coalesce(c.metadata->>'tokenKind', ''), c.status, "
	    "c.%sattempts, c.%sstate, coalesce(c.%serror->>'class', ''), "
	    "extract(epoch FROM c.%snextat - " NOW_UTC ") "
	    "FROM oauth_connections c JOIN users u ON u.id = c.userid "
	    "WHERE starts_with(u.externalid, $1) ORDER BY u.externalid",
	    job, job, job, job);
	res = q(sql, 1, p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (size_t)PQntuples(res) != rs->n) {
		printf("  %d rows of %s, not %zu\n", PQntuples(res),
		    rs->prefix, rs->n);
		goto out;
	}
	if ((c = calloc(rs->n + 1, sizeof(*c))) == NULL)
		goto out;
	for (i = 0; i < rs->n; i++) {
		if (strcmp(PQgetvalue(res, (int)i, 0), rs->v[i].id) != 0) {
			printf("  row %zu is %s, not %s\n", i,
			    PQgetvalue(res, (int)i, 0), rs->v[i].id);
			cur_free(c, rs->n);
			c = NULL;
			goto out;
		}
		c[i].version = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
		if (!PQgetisnull(res, (int)i, 2))
			c[i].sealed = strdup(PQgetvalue(res, (int)i, 2));
		c[i].expires = strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
		c[i].issued = strtoll(PQgetvalue(res, (int)i, 4), NULL, 10);
		(void)snprintf(c[i].kind, sizeof(c[i].kind), "%s",
		    PQgetvalue(res, (int)i, 5));
		(void)snprintf(c[i].status, sizeof(c[i].status), "%s",
		    PQgetvalue(res, (int)i, 6));
		c[i].attempts = atoi(PQgetvalue(res, (int)i, 7));
		(void)snprintf(c[i].state, sizeof(c[i].state), "%s",
		    PQgetvalue(res, (int)i, 8));
		(void)snprintf(c[i].eclass, sizeof(c[i].eclass), "%s",
		    PQgetvalue(res, (int)i, 9));
		c[i].has_next = !PQgetisnull(res, (int)i, 10);
		c[i].next_in = strtod(PQgetvalue(res, (int)i, 10), NULL);
	}
out:
	PQclear(res);
	return c;
}

/* Every column of every row of "rs", as text (new string) or NULL. */
static char *
snapshot(const struct rows *rs)
{
	const char	*p[1] = { rs->prefix };
	PGresult	*res;
	char		*s = NULL;

	res = q("SELECT string_agg(c::text, E'\\n' ORDER BY c.id) FROM "
	    "oauth_connections c WHERE " MINE, 1, p);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		s = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return s;
}

/* Untouched: the version, token and expiry we seeded. */
static int
is_old(const struct row *r, const struct cur *c)
{
	return c->version == 1 && c->sealed != NULL &&
	    strcmp(c->sealed, r->sealed) == 0 && c->expires == r->expires;
}

/* The token "c" holds, opened with "r"'s aad (ig_free_secret it). */
static char *
opened(const struct row *r, const struct cur *c)
{
	char	aad[64], *plain = NULL;

	if (c->sealed == NULL)
		return NULL;
	(void)snprintf(aad, sizeof(aad), "%s|instagram", r->user);
	if (ig_open(flow_cfg(), c->sealed, aad, &plain) != IG_OK)
		return NULL;
	return plain;
}

/*
 * Written once by a job: version + 1, another token that opens with
 * the row's aad, an expiry in [lo, hi].
 */
static int
is_new(const struct row *r, const struct cur *c, long long lo,
    long long hi)
{
	char	*plain;
	int	 ok;

	if (c->version != 2 || c->sealed == NULL ||
	    strcmp(c->sealed, r->sealed) == 0 || c->expires < lo ||
	    c->expires > hi || (plain = opened(r, c)) == NULL)
		return 0;
	ok = strcmp(plain, r->tok) != 0 && strncmp(plain, "IGAA", 4) == 0;
	ig_free_secret(plain);
	return ok;
}

/* History rows of event "ev" for the connections of "rs". */
static long long
events(const struct rows *rs, const char *ev)
{
	return db_long("SELECT count(*) FROM connection_history h "
	    "JOIN oauth_connections c ON c.id = h.connectionid "
	    "WHERE " MINE " AND h.event = $2", rs->prefix, ev, NULL);
}

/* Every history row of the connections of "rs". */
static long long
events_all(const struct rows *rs)
{
	return db_long("SELECT count(*) FROM connection_history h "
	    "JOIN oauth_connections c ON c.id = h.connectionid "
	    "WHERE " MINE, rs->prefix, NULL);
}

/* Make a row due again for "job" (its <job>NextAt just passed). */
static int
make_due(const struct row *r, const char *job)
{
	char	sql[256];

	(void)snprintf(sql, sizeof(sql), "UPDATE oauth_connections SET "
	    "%snextat = " NOW_UTC " - interval '1 second' WHERE id = "
	    "$1::uuid", job);
	return db_exec(sql, r->id, NULL) == 1;
}

/* ------------------------------------------------------------ refresh */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *const once[] = { "--once", NULL };

/*
 * A thousand due connections, two processes at once: each token
 * reaches Meta exactly once and each row is written exactly once.
 */
static void
t_refresh_thousand_two_processes(void)
{
	static const char *const args[] = { "--once", "--parallel", "64",
	    NULL };
	struct seed		 s = due_long;
	struct flow_secrets	 sec;
	struct rows		 rs;
	struct job		 a, b;
	struct cur		*c = NULL;
	json_t			*st;
	char			 la[512], lb[512], **plain = NULL;
	const char		**sorted = NULL;
	long long		 t0, ms, w0, w1, tok0;
	size_t			 i, badcount = 0, badrow = 0, dup = 0, live = 0;
	int			 ra, rb;

	memset(&sec, 0, sizeof(sec));
	begin(&rs, "bulk");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1000, &s)))
		goto out;
	tok0 = fake_tokens();
	w0 = time(NULL);
	t0 = mono_ms();
	CHECK(job_start(&a, REFRESH, args, NULL));
	CHECK(job_start(&b, REFRESH, args, NULL));
	ra = job_wait(&a, 2 * JOB_WAIT_MS);
	rb = job_wait(&b, 2 * JOB_WAIT_MS);
	ms = mono_ms() - t0;
	w1 = time(NULL);
	printf("  1000 connections refreshed by two processes in %lld ms "
	    "(%.0f refreshes/s)\n", ms, 1000.0 * 1000.0 /
	    (double)(ms > 0 ? ms : 1));
	last_line(a.err, la, sizeof(la));
	last_line(b.err, lb, sizeof(lb));
	if (!CHECK(ra == 0 && rb == 0))
		printf("  exits %d, %d:\n  %s\n  %s\n", ra, rb, la, lb);
	if (!CHECK(strncmp(la, "igconnect-refresh: ", 19) == 0 &&
	    strncmp(lb, "igconnect-refresh: ", 19) == 0 &&
	    sum_after(la, "claimed") >= 0 && sum_after(lb, "claimed") >= 0 &&
	    sum_after(la, "claimed") + sum_after(lb, "claimed") == 1000))
		printf("  summaries:\n  %s\n  %s\n", la, lb);
	CHECK(sum_after(la, "refreshed") + sum_after(lb, "refreshed") == 1000);
	CHECK(sum_after(la, "failed") == 0 && sum_after(lb, "failed") == 0);
	job_free(&a);
	job_free(&b);

	/* At the fake: every token refreshed once, nothing else. */
	st = fake_get("/_fake/stats");
	for (i = 0; i < rs.n; i++)
		if (refreshes_of(st, rs.v[i].tok) != 1 && badcount++ < 5)
			printf("  token of row %zu refreshed %lld times\n", i,
			    refreshes_of(st, rs.v[i].tok));
	CHECK(badcount == 0);
	CHECK(json_object_size(json_object_get(st, "refresh_by_token")) ==
	    1000);
	CHECK(jint(json_object_get(st, "requests"), "refresh") == 1000);
	json_decref(st);
	CHECK(fake_tokens() - tok0 == 1000);

	/* In the database: every row written once, with a new token. */
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	if ((plain = calloc(rs.n, sizeof(*plain))) == NULL)
		goto out;
	for (i = 0; i < rs.n; i++) {
		if (!is_new(&rs.v[i], &c[i], w0 + LONG_TTL_MIN - 2,
		    w1 + LONG_TTL + 2) || c[i].issued < w0 - 2 ||
		    c[i].issued > w1 + 2 || strcmp(c[i].kind, "long") != 0 ||
		    strcmp(c[i].status, "active") != 0 || c[i].attempts != 0 ||
		    strcmp(c[i].state, "ok") != 0 || c[i].eclass[0] != '\0' ||
		    c[i].has_next) {
			if (badrow++ < 5)
				printf("  row %zu: version %lld, expires in "
				    "%lld s, state %s, attempts %d\n", i,
				    c[i].version, c[i].expires - w1,
				    c[i].state, c[i].attempts);
			continue;
		}
		plain[i] = opened(&rs.v[i], &c[i]);
	}
	CHECK(badrow == 0);
	CHECK(db_long("SELECT count(*) FROM oauth_connections c WHERE " MINE
	    " AND c.refresherror IS NULL AND c.refreshnextat IS NULL",
	    rs.prefix, NULL) == 1000);
	/* The new tokens are all different, and live at the fake. */
	if ((sorted = calloc(rs.n, sizeof(*sorted))) != NULL) {
		for (i = 0; i < rs.n; i++)
			sorted[i] = plain[i] != NULL ? plain[i] : "";
		qsort(sorted, rs.n, sizeof(*sorted), cmp_str);
		for (i = 1; i < rs.n; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0)
				dup++;
	}
	CHECK(sorted != NULL && dup == 0);
	for (i = 0; i < rs.n; i += 100)
		if (plain[i] != NULL && me_ok(plain[i], s.account))
			live++;
	CHECK(live == 10);

	CHECK(events(&rs, "refreshed") == 1000);
	CHECK(db_long("SELECT count(DISTINCT h.connectionid) FROM "
	    "connection_history h JOIN oauth_connections c ON "
	    "c.id = h.connectionid WHERE " MINE " AND h.event = 'refreshed'",
	    rs.prefix, NULL) == 1000);
	CHECK(events_all(&rs) == 1000);

	/* No token, old or new, in any log (PostgreSQL's included). */
	for (i = 0; i < rs.n; i += 100) {
		secrets_add(&sec, rs.v[i].tok);
		secrets_add(&sec, plain[i]);
	}
	CHECK(sec.n == 20);
	CHECK(!secrets_in_logs(&sec));
out:
	for (i = 0; plain != NULL && i < rs.n; i++)
		ig_free_secret(plain[i]);
	free(plain);
	free(sorted);
	secrets_free(&sec);
	cur_free(c, rs.n);
	rows_free(&rs);
}

/*
 * The account is linked again through nginx while Meta is answering
 * the job's refresh: the newer link stays, the job's write is dropped.
 */
static void
t_refresh_superseded_by_relink(void)
{
	struct seed		 s = due_long;
	struct flow_user	 u;
	struct rows		 rs;
	struct job		 j;
	json_t			*st;
	char			 mid[2048], after[2048], line[512];
	long long		 t0;
	int			 rc;

	memset(&u, 0, sizeof(u));
	begin(&rs, "relink");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	/* Meta takes 4 s to answer this refresh, then answers it. */
	CHECK(fake_inject("{\"route\":\"refresh\",\"delay_ms\":4000}"));
	CHECK(job_start(&j, REFRESH, once, NULL));
	for (t0 = mono_ms(); mono_ms() - t0 < 15000 &&
	    fake_count("refresh") < 1; )
		msleep(20);
	CHECK(fake_count("refresh") == 1);

	/* The user connects again: the exchange bumps the version. */
	(void)snprintf(u.id, sizeof(u.id), "%s%05d", rs.prefix, 0);
	u.jwt = flow_jwt(u.id, 300, NULL);
	flow_user_readdress(&u);
	CHECK(flow_connect(&u, s.account, NULL, NULL) == 200);
	if (!CHECK(job_running(&j)))
		printf("  the job ended before the re-link: proves nothing\n");
	CHECK(db_val(mid, sizeof(mid), "SELECT version || ' ' || "
	    "expiresat::text || ' ' || accesstoken FROM oauth_connections "
	    "WHERE id = $1::uuid", rs.v[0].id, NULL) == 1);
	CHECK(strncmp(mid, "2 ", 2) == 0 && strstr(mid, rs.v[0].sealed) ==
	    NULL);

	rc = job_wait(&j, JOB_WAIT_MS);
	last_line(j.err, line, sizeof(line));
	if (!CHECK(rc == 0))
		printf("  exit %d: %s\n", rc, line);
	job_free(&j);
	CHECK(db_val(after, sizeof(after), "SELECT version || ' ' || "
	    "expiresat::text || ' ' || accesstoken FROM oauth_connections "
	    "WHERE id = $1::uuid", rs.v[0].id, NULL) == 1);
	if (!CHECK(strcmp(mid, after) == 0))
		printf("  re-linked: %.60s...\n  after the job: %.60s...\n",
		    mid, after);
	CHECK(events(&rs, "refresh_superseded") == 1);
	CHECK(events(&rs, "refreshed") == 0);
	if (!CHECK(sum_after(line, "superseded") == 1))
		printf("  summary: %s\n", line);
	/* The job did call Meta, with the token it had claimed. */
	st = fake_get("/_fake/stats");
	CHECK(refreshes_of(st, rs.v[0].tok) == 1);
	json_decref(st);
out:
	flow_user_free(&u);
	rows_free(&rs);
}

/* Meta says the token is dead: needs_reauth, and never asked again. */
static void
t_refresh_revoked(void)
{
	struct seed	 s = due_long;
	struct rows	 rs;
	struct cur	*c = NULL;
	char		 line[512];

	begin(&rs, "revoked");
	s.account = flow_account(1);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	CHECK(fake_inject("{\"route\":\"refresh\",\"count\":-1,"
	    "\"graph_error\":{\"code\":190,\"error_subcode\":460}}"));
	CHECK(run(REFRESH, once, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == 1);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(strcmp(c[0].status, "needs_reauth") == 0);
	/* The token is kept as it was: sealed, not NULL. */
	CHECK(c[0].sealed != NULL && strcmp(c[0].sealed, rs.v[0].sealed) ==
	    0);
	CHECK(events(&rs, "token_revoked") == 1);
	CHECK(events(&rs, "refreshed") == 0);
	if (!CHECK(sum_after(line, "failed") == 1 &&
	    sum_after(line, "revoked") == 1))
		printf("  summary: %s\n", line);

	/* Not due any more: no call, no new history. */
	CHECK(run(REFRESH, once, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == 1);
	CHECK(events(&rs, "token_revoked") == 1);
	CHECK(sum_after(line, "claimed") == 0);
out:
	cur_free(c, rs.n);
	rows_free(&rs);
}

/*
 * Rate limited: one attempt counted, a backoff within [backoff/2,
 * backoff], the token untouched; not called again before that, and
 * refreshed once it is due.
 */
static void
t_refresh_rate_limited(void)
{
	static const char *const args[] = { "--once", "--backoff", "200",
	    NULL };
	struct seed	 s = due_long;
	struct rows	 rs;
	struct cur	*c = NULL;
	char		 line[512], code[32];
	long long	 w0, w1;

	begin(&rs, "ratelimit");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	/* One reply only: a second call in this run would succeed. */
	CHECK(fake_inject("{\"route\":\"refresh\",\"rate_limit\":true}"));
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == 1);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_old(&rs.v[0], &c[0]));
	CHECK(strcmp(c[0].status, "active") == 0);
	CHECK(c[0].attempts == 1);
	CHECK(strcmp(c[0].state, "retrying") == 0);
	CHECK(strcmp(c[0].eclass, "rate_limited") == 0);
	if (!CHECK(c[0].has_next && c[0].next_in >= 100 - 3 &&
	    c[0].next_in <= 200 + 3))
		printf("  next attempt in %.1f s, want 100-200\n",
		    c[0].next_in);
	CHECK(db_val(code, sizeof(code), "SELECT refresherror->>'code' FROM "
	    "oauth_connections WHERE id = $1::uuid", rs.v[0].id, NULL) == 1 &&
	    strcmp(code, "4") == 0);
	CHECK(events(&rs, "refresh_failed") == 1);
	if (!CHECK(sum_after(line, "rate_limited") == 1))
		printf("  summary: %s\n", line);
	cur_free(c, rs.n);
	c = NULL;

	/* Backing off: no call. */
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == 1);
	CHECK(db_long("SELECT refreshattempts FROM oauth_connections WHERE "
	    "id = $1::uuid", rs.v[0].id, NULL) == 1);

	/* Due again: refreshed, and the failure forgotten. */
	CHECK(make_due(&rs.v[0], "refresh"));
	w0 = time(NULL);
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	w1 = time(NULL);
	CHECK(fake_count("refresh") == 2);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_new(&rs.v[0], &c[0], w0 + LONG_TTL_MIN - 2,
	    w1 + LONG_TTL + 2));
	CHECK(c[0].attempts == 0 && strcmp(c[0].state, "ok") == 0 &&
	    !c[0].has_next && c[0].eclass[0] == '\0');
	CHECK(db_long("SELECT count(*) FROM oauth_connections WHERE id = "
	    "$1::uuid AND refresherror IS NULL", rs.v[0].id, NULL) == 1);
	CHECK(events(&rs, "refreshed") == 1);
out:
	cur_free(c, rs.n);
	rows_free(&rs);
}

/* Meta keeps failing: exhausted after --max-attempts, then left alone. */
static void
t_refresh_exhausted(void)
{
	static const char *const args[] = { "--once", "--max-attempts", "2",
	    "--backoff", "60", NULL };
	struct seed	 s = due_long;
	struct rows	 rs;
	struct cur	*c = NULL;
	char		 line[512];
	long		 n1, n2;

	begin(&rs, "exhausted");
	s.account = flow_account(1);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	CHECK(fake_inject("{\"route\":\"refresh\",\"count\":-1,"
	    "\"http_status\":500}"));
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	/* Within a run a GET may be retried (at most three calls). */
	n1 = fake_count("refresh");
	CHECK(n1 >= 1 && n1 <= 3);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_old(&rs.v[0], &c[0]));
	CHECK(c[0].attempts == 1 && strcmp(c[0].state, "retrying") == 0);
	CHECK(strcmp(c[0].eclass, "transient") == 0);
	if (!CHECK(c[0].has_next && c[0].next_in > 0))
		printf("  next attempt in %.1f s\n", c[0].next_in);
	cur_free(c, rs.n);
	c = NULL;

	CHECK(make_due(&rs.v[0], "refresh"));
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	n2 = fake_count("refresh");
	CHECK(n2 > n1 && n2 <= n1 + 3);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_old(&rs.v[0], &c[0]));
	CHECK(strcmp(c[0].status, "active") == 0);
	if (!CHECK(c[0].attempts == 2 && strcmp(c[0].state, "exhausted") ==
	    0))
		printf("  attempts %d, state %s\n", c[0].attempts,
		    c[0].state);
	cur_free(c, rs.n);
	c = NULL;

	/* Even with its next attempt passed, an exhausted row stays put. */
	CHECK(make_due(&rs.v[0], "refresh"));
	CHECK(run(REFRESH, args, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == n2);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_old(&rs.v[0], &c[0]));
	CHECK(c[0].attempts == 2 && strcmp(c[0].state, "exhausted") == 0);
	CHECK(events(&rs, "refresh_failed") == 2);
out:
	cur_free(c, rs.n);
	rows_free(&rs);
}

/*
 * Not due: tokens under 24 hours old, expired tokens (long and short)
 * and tokens expiring past the window.  No call, not a byte changed.
 * A wider --window then reaches the last kind, and only it.
 */
static void
t_refresh_leaves_rows_not_due(void)
{
	static const char *const wide[] = { "--once", "--window", "30",
	    NULL };
	struct seed	 young = { "long", 0, 3600, 3600, 5 * DAY, 0 };
	struct seed	 expired = { "long", 0, 70 * DAY, 70 * DAY, -DAY, 0 };
	struct seed	 expshort = { "short", 0, 7200, 7200, -3600, 0 };
	struct seed	 far = { "long", 0, 40 * DAY, 40 * DAY, 20 * DAY, 0 };
	struct rows	 rs;
	struct cur	*c = NULL;
	char		*before = NULL, *after = NULL, line[512];
	long long	 w0, w1;
	size_t		 i;

	begin(&rs, "notdue");
	young.account = expired.account = expshort.account = far.account =
	    flow_account(0);
	if (!CHECK(seed(&rs, 2, &young) && seed(&rs, 2, &expired) &&
	    seed(&rs, 1, &expshort) && seed(&rs, 1, &far)))
		goto out;
	before = snapshot(&rs);
	CHECK(before != NULL);
	CHECK(run(REFRESH, once, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("refresh") == 0);
	CHECK(fake_count("ig_exchange") == 0);
	after = snapshot(&rs);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
	CHECK(events_all(&rs) == 0);
	if (!CHECK(sum_after(line, "claimed") == 0))
		printf("  summary: %s\n", line);

	/* Past the default window of 10 days, within 30. */
	w0 = time(NULL);
	CHECK(run(REFRESH, wide, 0, line, sizeof(line)) == 0);
	w1 = time(NULL);
	CHECK(fake_count("refresh") == 1);
	CHECK(fake_count("ig_exchange") == 0);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	for (i = 0; i < 5; i++)
		CHECK(is_old(&rs.v[i], &c[i]));
	CHECK(is_new(&rs.v[5], &c[5], w0 + LONG_TTL_MIN - 2,
	    w1 + LONG_TTL + 2));
	CHECK(events_all(&rs) == 1);
out:
	free(before);
	free(after);
	cur_free(c, rs.n);
	rows_free(&rs);
}

/* A short-lived fallback token is exchanged for a long-lived one. */
static void
t_refresh_upgrades_short(void)
{
	struct seed	 s = { "short", 0, 600, 600, 3000, 0 };
	struct rows	 rs;
	struct cur	*c = NULL;
	char		 line[512], *plain = NULL;
	long long	 w0, w1;

	begin(&rs, "upgrade");
	s.account = flow_account(1);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	w0 = time(NULL);
	CHECK(run(REFRESH, once, 0, line, sizeof(line)) == 0);
	w1 = time(NULL);
	CHECK(fake_count("ig_exchange") == 1);
	CHECK(fake_count("refresh") == 0);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	CHECK(is_new(&rs.v[0], &c[0], w0 + EXCHANGE_TTL - 2,
	    w1 + EXCHANGE_TTL + 2));
	CHECK(strcmp(c[0].kind, "long") == 0);
	CHECK(c[0].issued >= w0 - 2 && c[0].issued <= w1 + 2);
	CHECK(strcmp(c[0].state, "ok") == 0 && c[0].attempts == 0);
	/* The stored token is the long-lived one the fake issued. */
	CHECK((plain = opened(&rs.v[0], &c[0])) != NULL &&
	    me_ok(plain, s.account));
	CHECK(events(&rs, "upgraded") == 1);
	CHECK(events(&rs, "refreshed") == 0);
	if (!CHECK(sum_after(line, "refreshed") == 1 &&
	    sum_before(line, "upgraded") == 1))
		printf("  summary: %s\n", line);
out:
	ig_free_secret(plain);
	cur_free(c, rs.n);
	rows_free(&rs);
}

/*
 * SIGTERM in the middle of a slow run: the batch in flight is
 * finished (every call made is written), nothing more is started, the
 * summary is printed and the exit is 0.  Every row is entirely old or
 * entirely new.  The next run refreshes the rest, no token twice.
 */
static void
t_refresh_sigterm_finishes_batch(void)
{
	static const char *const args[] = { "--once", "--parallel", "8",
	    "--batch", "16", NULL };
	struct seed	 s = due_long;
	struct rows	 rs;
	struct job	 j;
	struct cur	*c = NULL;
	json_t		*st;
	char		 line[512];
	long long	 t0, el, w0, w1, w2, calls;
	size_t		 i, nold = 0, nnew = 0, neither = 0, twice = 0;
	int		 rc;

	begin(&rs, "sigterm");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 200, &s)))
		goto out;
	CHECK(fake_post("/_fake/latency", "{\"ms\":400}") == 200);
	w0 = time(NULL);
	CHECK(job_start(&j, REFRESH, args, NULL));
	for (t0 = mono_ms(); mono_ms() - t0 < 15000 &&
	    fake_count("refresh") < 1; )
		msleep(10);
	CHECK(fake_count("refresh") >= 1);
	msleep(600);
	if (!CHECK(job_running(&j)))
		printf("  the job ended before SIGTERM: proves nothing\n");
	/* Never kill(-1): a job that did not start has no pid. */
	CHECK(j.pid > 0 && kill(j.pid, SIGTERM) == 0);
	t0 = mono_ms();
	rc = job_wait(&j, 20000);
	el = mono_ms() - t0;
	w1 = time(NULL);
	printf("  exited %lld ms after SIGTERM\n", el);
	last_line(j.err, line, sizeof(line));
	if (!CHECK(rc == 0))
		printf("  exit %d: %s\n", rc, line);
	CHECK(el < 5000);
	if (!CHECK(strncmp(line, "igconnect-refresh: ", 19) == 0 &&
	    sum_after(line, "claimed") >= 0))
		printf("  last line: %s\n", line);
	job_free(&j);
	CHECK(fake_post("/_fake/latency", "{\"ms\":0}") == 200);
	calls = fake_count("refresh");

	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	for (i = 0; i < rs.n; i++)
		if (is_old(&rs.v[i], &c[i]))
			nold++;
		else if (is_new(&rs.v[i], &c[i], w0 + LONG_TTL_MIN - 2,
		    w1 + LONG_TTL + 2))
			nnew++;
		else if (neither++ < 5)
			printf("  row %zu half written: version %lld, "
			    "expires %lld\n", i, c[i].version, c[i].expires);
	printf("  %zu of %zu refreshed before it stopped\n", nnew, rs.n);
	CHECK(neither == 0);
	CHECK(nold >= 1);
	CHECK(nnew >= 1);
	if (!CHECK((long long)nnew == calls))
		printf("  %lld calls to Meta, %zu rows written\n", calls,
		    nnew);
	CHECK(sum_after(line, "refreshed") == (long)nnew);
	CHECK(events(&rs, "refreshed") == (long long)nnew);
	cur_free(c, rs.n);
	c = NULL;

	/* The rest now; nothing twice. */
	CHECK(run(REFRESH, once, 0, line, sizeof(line)) == 0);
	w2 = time(NULL);
	if (!CHECK((c = load(&rs, "refresh")) != NULL))
		goto out;
	st = fake_get("/_fake/stats");
	for (i = 0; i < rs.n; i++) {
		if (!is_new(&rs.v[i], &c[i], w0 + LONG_TTL_MIN - 2,
		    w2 + LONG_TTL + 2))
			neither++;
		if (refreshes_of(st, rs.v[i].tok) != 1)
			twice++;
	}
	json_decref(st);
	CHECK(neither == 0);
	CHECK(twice == 0);
	CHECK(events(&rs, "refreshed") == 200);
out:
	(void)fake_post("/_fake/latency", "{\"ms\":0}");
	cur_free(c, rs.n);
	rows_free(&rs);
}

/* --dry-run names the due connections and does nothing else. */
static void
t_refresh_dry_run(void)
{
	static const char *const args[] = { "--once", "--dry-run", NULL };
	struct seed	 s = due_long;
	struct seed	 young = { "long", 0, 3600, 3600, 5 * DAY, 0 };
	struct rows	 rs;
	struct job	 j;
	char		*before = NULL, *after = NULL, *p;
	size_t		 i, lines = 0;
	int		 rc;

	begin(&rs, "dryrun");
	s.account = young.account = flow_account(1);
	if (!CHECK(seed(&rs, 3, &s) && seed(&rs, 1, &young)))
		goto out;
	before = snapshot(&rs);
	CHECK(job_start(&j, REFRESH, args, NULL));
	rc = job_wait(&j, JOB_WAIT_MS);
	CHECK(rc == 0);
	for (i = 0; i < 3; i++)
		CHECK(strstr(j.out, rs.v[i].id) != NULL);
	CHECK(strstr(j.out, rs.v[3].id) == NULL);
	for (p = j.out; *p != '\0'; p++)
		if (*p == '\n' && (p == j.out || p[-1] != '\n'))
			lines++;
	if (!CHECK(lines == 3))
		printf("  %zu lines on stdout:\n%.1000s\n", lines, j.out);
	job_free(&j);
	CHECK(fake_count("refresh") == 0);
	CHECK(fake_count("ig_exchange") == 0);
	after = snapshot(&rs);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
	CHECK(events_all(&rs) == 0);
out:
	free(before);
	free(after);
	rows_free(&rs);
}

/* ------------------------------------------------------------ sync */

/* CHECK that profile "p" is fake account "n"'s, as /me returns it. */
static void
check_profile(const json_t *p, long long n)
{
	char	want[512];

	(void)snprintf(want, sizeof(want), "fake_user_%lld", n);
	CHECK(strcmp(jstr(p, "username"), want) == 0);
	(void)snprintf(want, sizeof(want), "Fake User %lld", n);
	CHECK(strcmp(jstr(p, "name"), want) == 0);
	(void)snprintf(want, sizeof(want), "https://scontent.cdninstagram.com"
	    "/v/t51.2885-19/fake_user_%lld.jpg?_nc_ht=scontent.cdninstagram"
	    ".com&oe=6740A1B2", n);
	CHECK(strcmp(jstr(p, "profilePictureUrl"), want) == 0);
	CHECK(jint(p, "followersCount") == 1000 + 37 * n);
	CHECK(jint(p, "followsCount") == 100 + n);
	CHECK(jint(p, "mediaCount") == 10 + n % 1000);
	(void)snprintf(want, sizeof(want), "Fake account %lld \xe2\x80\x94 "
	    "caf\xc3\xa9 & \"tests\"", n);
	CHECK(strcmp(jstr(p, "biography"), want) == 0);
	/* Replaced, not merged: an odd account has no website any more. */
	if (n % 2 == 0) {
		(void)snprintf(want, sizeof(want),
		    "https://example.com/fake_user_%lld", n);
		CHECK(strcmp(jstr(p, "website"), want) == 0);
	} else
		CHECK(json_object_get(p, "website") == NULL);
	CHECK(strcasecmp(jstr(p, "accountType"), "BUSINESS") == 0);
}

/* Stale profiles take /me's values; tokens and versions stay. */
static void
t_sync_updates_profile(void)
{
	struct seed	 s = { "long", 0, 30 * DAY, 30 * DAY, 5 * DAY,
	    2 * DAY };
	struct rows	 rs;
	struct cur	*c = NULL;
	json_t		*m;
	char		 line[512], buf[8192], fol[32], fws[32], med[32];
	long long	 w0, w1, t, n;
	size_t		 i;

	begin(&rs, "sync");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	s.account = flow_account(1);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	w0 = time(NULL);
	CHECK(run(SYNC, once, 0, line, sizeof(line)) == 0);
	w1 = time(NULL);
	CHECK(fake_count("me") == 2);
	CHECK(fake_count("refresh") == 0);
	if (!CHECK(strncmp(line, "igconnect-sync: ", 16) == 0 &&
	    sum_after(line, "synced") == 2))
		printf("  summary: %s\n", line);
	if (!CHECK((c = load(&rs, "sync")) != NULL))
		goto out;
	for (i = 0; i < rs.n; i++) {
		/* A sync is not a token write. */
		CHECK(c[i].version == 1 && c[i].sealed != NULL &&
		    strcmp(c[i].sealed, rs.v[i].sealed) == 0 &&
		    c[i].expires == rs.v[i].expires);
		CHECK(strcmp(c[i].status, "active") == 0);
		CHECK(c[i].attempts == 0 && strcmp(c[i].state, "ok") == 0 &&
		    c[i].eclass[0] == '\0' && !c[i].has_next);
		CHECK(db_val(buf, sizeof(buf), "SELECT metadata::text FROM "
		    "oauth_connections WHERE id = $1::uuid", rs.v[i].id,
		    NULL) == 1);
		m = json_loads(buf, 0, NULL);
		check_profile(json_object_get(m, "profile"),
		    rs.v[i].account);
		/* The rest of the metadata is kept. */
		CHECK(strcmp(jstr(m, "tokenKind"), "long") == 0);
		CHECK(strcmp(jstr(m, "flavor"), "instagram") == 0);
		CHECK(strcmp(jstr(json_object_get(m, "settings"),
		    "toneOfVoice"), "calm") == 0);
		json_decref(m);
		t = db_long("SELECT floor(extract(epoch FROM lastsyncedat))"
		    "::bigint FROM oauth_connections WHERE id = $1::uuid",
		    rs.v[i].id, NULL);
		CHECK(t >= w0 - 2 && t <= w1 + 2);
		/* Its history row has the counts /me gave. */
		n = rs.v[i].account;
		(void)snprintf(fol, sizeof(fol), "%lld", 1000 + 37 * n);
		(void)snprintf(fws, sizeof(fws), "%lld", 100 + n);
		(void)snprintf(med, sizeof(med), "%lld", 10 + n % 1000);
		CHECK(db_long("SELECT count(*) FROM connection_history WHERE "
		    "connectionid = $1::uuid AND event = 'synced' AND "
		    "(detail->>'followersCount')::bigint = $2::bigint AND "
		    "(detail->>'followsCount')::bigint = $3::bigint AND "
		    "(detail->>'mediaCount')::bigint = $4::bigint",
		    rs.v[i].id, fol, fws, med, NULL) == 1);
	}
	CHECK(events(&rs, "synced") == 2);

	/* Just synced: not due. */
	CHECK(run(SYNC, once, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("me") == 2);
	CHECK(events(&rs, "synced") == 2);
out:
	cur_free(c, rs.n);
	rows_free(&rs);
}

/* How many times "needle" is in "s". */
static int
occurrences(const char *s, const char *needle)
{
	int	n = 0;

	while (s != NULL && (s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * The last "n" /me calls the fake received, oldest first: how many
 * calls were being answered when each arrived, into "flying".
 */
static int
me_in_flight(int *flying, size_t n)
{
	json_t	*o, *a;
	char	 path[64];
	size_t	 i;
	int	 ok;

	(void)snprintf(path, sizeof(path), "/_fake/requests?route=me&"
	    "limit=%zu", n);
	if ((o = fake_call("GET", path, NULL)) == NULL)
		return 0;
	a = json_object_get(o, "requests");
	if ((ok = json_array_size(a) == n))
		for (i = 0; i < n; i++)
			flying[i] = (int)jint(json_array_get(a, i),
			    "in_flight");
	json_decref(o);
	return ok;
}

/* A sync of "n" due rows of a new set "tag" at the usage "json". */
static int
usage_run(struct rows *rs, const char *tag, size_t n, const char *json,
    const char *const *args, struct job *j)
{
	struct seed	s = { "long", 0, 30 * DAY, 30 * DAY, 5 * DAY,
	    2 * DAY };
	json_t		*o;

	begin(rs, tag);
	s.account = flow_account(0);
	if (!seed(rs, n, &s) ||
	    (o = fake_call("POST", "/_fake/usage", json)) == NULL)
		return 0;
	json_decref(o);
	/* Long enough for calls to overlap when the job lets them. */
	if ((o = fake_call("POST", "/_fake/latency", "{\"ms\":150}")) ==
	    NULL)
		return 0;
	json_decref(o);
	if (!job_start(j, SYNC, args, NULL))
		return 0;
	(void)job_wait(j, JOB_WAIT_MS);
	return 1;
}

/*
 * Meta's usage headers pace the jobs before Meta refuses a call: every
 * reply is a 200 with data, only the headers change (C.3).  Low usage:
 * calls overlap, nothing logged.  At 85 %: after the first replies one
 * call at a time, logged once, every row still synced.  At 100 % with
 * 2 minutes to regain access: no call after the first replies, the
 * rest left as they were (no attempt counted, the leases given back),
 * and synced by the next run once usage is low.
 */
static void
t_sync_paced_by_usage(void)
{
	static const char *const args[] = { "--once", "--parallel", "4",
	    NULL };
	struct rows	 rs;
	struct cur	*c = NULL;
	struct job	 j;
	char		 line[512];
	int		 fly[12], most = 0;
	size_t		 i;

	memset(&j, 0, sizeof(j));
	if (!CHECK(usage_run(&rs, "pace-low", 12, "{\"app\":28,\"buc\":29}",
	    args, &j)))
		goto out;
	CHECK(j.rc == 0 && occurrences(j.err, "meta usage") == 0);
	CHECK(fake_count("me") == 12);
	last_line(j.err, line, sizeof(line));
	CHECK(sum_after(line, "synced") == 12);
	if (CHECK(me_in_flight(fly, 12)))
		for (i = 0; i < 12; i++)
			most = fly[i] > most ? fly[i] : most;
	if (!CHECK(most > 1))
		printf("  at most %d calls at once at low usage\n", most);
	job_free(&j);
	rows_free(&rs);

	if (!CHECK(usage_run(&rs, "pace-slow", 12, "{\"app\":85}", args,
	    &j)))
		goto out;
	CHECK(j.rc == 0 && fake_count("me") == 12);
	if (!CHECK(occurrences(j.err, "meta usage at 85%: one call at a "
	    "time") == 1))
		printf("  log: %.400s\n", j.err);
	last_line(j.err, line, sizeof(line));
	CHECK(sum_after(line, "synced") == 12);
	/* Four went out before any reply; then one at a time. */
	if (CHECK(me_in_flight(fly, 12)))
		for (i = 4; i < 12; i++)
			if (!CHECK(fly[i] == 1))
				printf("  call %zu of 12 had %d at once\n",
				    i + 1, fly[i]);
	job_free(&j);
	rows_free(&rs);

	if (!CHECK(usage_run(&rs, "pace-stop", 12, "{\"buc\":100,"
	    "\"regain\":2}", args, &j)))
		goto out;
	CHECK(j.rc == 0);
	/* The four in flight when the first reply said stop, no more. */
	CHECK(fake_count("me") == 4);
	if (!CHECK(occurrences(j.err, "meta usage at 100%, access back in "
	    "120 s") == 1))
		printf("  log: %.400s\n", j.err);
	last_line(j.err, line, sizeof(line));
	if (!CHECK(sum_after(line, "synced") == 4 &&
	    sum_after(line, "skipped") == 8 && sum_after(line, "failed") == 0))
		printf("  summary: %s\n", line);
	if (CHECK((c = load(&rs, "sync")) != NULL))
		for (i = 0; i < rs.n; i++)
			CHECK(c[i].attempts == 0 && c[i].eclass[0] == '\0' &&
			    !c[i].has_next);
	CHECK(db_long("SELECT count(*) FROM oauth_connections c WHERE "
	    MINE " AND c.syncleaseuntil IS NULL AND c.lastsyncedat < "
	    NOW_UTC " - interval '1 day'", rs.prefix, NULL) == 8);
	job_free(&j);
	cur_free(c, rs.n);
	c = NULL;

	/* Low again: the next run syncs the eight, at full pace. */
	json_decref(fake_call("POST", "/_fake/usage", "{\"app\":28,"
	    "\"buc\":29,\"regain\":0}"));
	CHECK(job_start(&j, SYNC, args, NULL));
	CHECK(job_wait(&j, JOB_WAIT_MS) == 0);
	CHECK(fake_count("me") == 12);
	CHECK(occurrences(j.err, "meta usage") == 0);
	last_line(j.err, line, sizeof(line));
	CHECK(sum_after(line, "synced") == 8);
	CHECK(db_long("SELECT count(*) FROM oauth_connections c WHERE "
	    MINE " AND c.lastsyncedat < " NOW_UTC " - interval '1 day'",
	    rs.prefix, NULL) == 0);
out:
	cur_free(c, rs.n);
	job_free(&j);
	rows_free(&rs);
	json_decref(fake_call("POST", "/_fake/latency", "{\"ms\":0}"));
}

/* metadata and lastSyncedAt of row "r", as text, into "out". */
static int
profile_state(const struct row *r, char *out, size_t outsz)
{
	return db_val(out, outsz, "SELECT metadata::text || ' ' || "
	    "lastsyncedat::text || ' ' || version || ' ' || accesstoken "
	    "FROM oauth_connections WHERE id = $1::uuid", r->id, NULL) == 1;
}

/*
 * /me fails: the old profile and lastSyncedAt stay exactly as they
 * were, the failure is recorded and backed off; 190 means needs_reauth.
 */
static void
t_sync_failure_keeps_profile(void)
{
	static const char *const args[] = { "--once", "--backoff", "100",
	    NULL };
	struct seed	 s = { "long", 0, 30 * DAY, 30 * DAY, 5 * DAY,
	    2 * DAY };
	struct rows	 rs;
	struct cur	*c = NULL;
	char		 line[512], b0[4096], b1[4096], a[4096];
	size_t		 i;

	begin(&rs, "syncfail");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	s.account = flow_account(1);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	CHECK(profile_state(&rs.v[0], b0, sizeof(b0)));
	CHECK(profile_state(&rs.v[1], b1, sizeof(b1)));

	CHECK(fake_inject("{\"route\":\"me\",\"count\":-1,"
	    "\"http_status\":500}"));
	CHECK(run(SYNC, args, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("me") >= 2);
	if (!CHECK(sum_after(line, "failed") == 2 &&
	    sum_after(line, "transient") == 2))
		printf("  summary: %s\n", line);
	CHECK(profile_state(&rs.v[0], a, sizeof(a)) && strcmp(a, b0) == 0);
	CHECK(profile_state(&rs.v[1], a, sizeof(a)) && strcmp(a, b1) == 0);
	if (!CHECK((c = load(&rs, "sync")) != NULL))
		goto out;
	for (i = 0; i < rs.n; i++) {
		CHECK(strcmp(c[i].status, "active") == 0);
		CHECK(c[i].attempts == 1);
		CHECK(strcmp(c[i].state, "retrying") == 0);
		CHECK(strcmp(c[i].eclass, "transient") == 0);
		if (!CHECK(c[i].has_next && c[i].next_in >= 50 - 3 &&
		    c[i].next_in <= 100 + 3))
			printf("  next sync in %.1f s, want 50-100\n",
			    c[i].next_in);
	}
	CHECK(events(&rs, "sync_failed") == 2);
	CHECK(events(&rs, "synced") == 0);
	cur_free(c, rs.n);
	c = NULL;

	/* The first row's next try meets a dead token. */
	CHECK(fake_reset());
	CHECK(fake_inject("{\"route\":\"me\",\"count\":-1,"
	    "\"graph_error\":{\"code\":190,\"error_subcode\":460}}"));
	CHECK(make_due(&rs.v[0], "sync"));
	CHECK(run(SYNC, args, 0, line, sizeof(line)) == 0);
	CHECK(fake_count("me") == 1);
	if (!CHECK((c = load(&rs, "sync")) != NULL))
		goto out;
	CHECK(strcmp(c[0].status, "needs_reauth") == 0);
	CHECK(c[0].sealed != NULL && strcmp(c[0].sealed, rs.v[0].sealed) ==
	    0);
	CHECK(db_val(a, sizeof(a), "SELECT metadata::text || ' ' || "
	    "lastsyncedat::text FROM oauth_connections WHERE id = $1::uuid",
	    rs.v[0].id, NULL) == 1 && strncmp(a, b0, strlen(a)) == 0);
	CHECK(events(&rs, "token_revoked") == 1);
	/* The other row was still backing off: untouched. */
	CHECK(profile_state(&rs.v[1], a, sizeof(a)) && strcmp(a, b1) == 0);
	CHECK(c[1].attempts == 1 && strcmp(c[1].status, "active") == 0);
out:
	cur_free(c, rs.n);
	rows_free(&rs);
}

/* ------------------------------------------------------------ usage */

/*
 * Bad usage exits 2 and touches nothing; a database that cannot be
 * reached exits 1 with a summary that says so and no password.
 */
static void
t_usage_and_unreachable_database(void)
{
	static const char *const bad[][5] = {
		{ NULL },
		{ "--bogus", NULL },
		{ "--once", "--daemon", NULL },
		{ "--once", "--parallel", NULL },
		{ "--once", "--parallel", "0", NULL },
		{ "--once", "--batch", "x", NULL },
		{ "--once", "--max-attempts", "-1", NULL },
		{ "--once", "extra", NULL },
	};
	static const char *const progs[] = { REFRESH, SYNC };
	struct seed	 s = { "long", 0, 30 * DAY, 30 * DAY, 5 * DAY,
	    2 * DAY };
	struct rows	 rs;
	struct job	 j;
	char		*before = NULL, *after = NULL, env[512];
	size_t		 i, k;
	int		 port, rc;

	begin(&rs, "usage");
	s.account = flow_account(0);
	if (!CHECK(seed(&rs, 1, &s)))
		goto out;
	before = snapshot(&rs);
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CHECK(job_start(&j, progs[k], bad[i], NULL));
			rc = job_wait(&j, 20000);
			if (!CHECK(rc == 2))
				printf("  %s: exit %d\n", j.what, rc);
			CHECK(j.err[0] != '\0');
			job_free(&j);
		}

	/* A port nobody listens on. */
	port = closed_port();
	CHECK(port > 0);
	(void)snprintf(env, sizeof(env), "DATABASE_URL=postgresql://"
	    "igconnect:jobs-db-password-0123@127.0.0.1:%d/igconnect?"
	    "connect_timeout=5", port);
	for (k = 0; k < 2; k++) {
		char	line[512];

		CHECK(job_start(&j, progs[k], once, env));
		rc = job_wait(&j, 30000);
		last_line(j.err, line, sizeof(line));
		if (!CHECK(rc == 1))
			printf("  %s with no database: exit %d: %s\n",
			    j.what, rc, line);
		/*
		 * At most libpq's reason as a log line, then the summary,
		 * which names the program and says it could not run.
		 */
		if (!CHECK(lines(j.err) <= 2))
			printf("  %s said:\n%.1000s\n", j.what, j.err);
		CHECK(strncmp(line, progs[k] + strlen("tools/"),
		    strlen(progs[k] + strlen("tools/"))) == 0);
		CHECK(strstr(line, "could not run") != NULL);
		CHECK(strstr(j.err, "jobs-db-password-0123") == NULL &&
		    strstr(j.out, "jobs-db-password-0123") == NULL);
		job_free(&j);
	}
	CHECK(fake_count("refresh") == 0);
	CHECK(fake_count("me") == 0);
	after = snapshot(&rs);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
	CHECK(events_all(&rs) == 0);
out:
	free(before);
	free(after);
	rows_free(&rs);
}

/* ------------------------------------------------------------ deploy */

/*
 * Run the job a line of "path" starts ("/usr/bin/igconnect-..." up to
 * a shell pipe, redirections left out), with --dry-run added: the
 * schedules in deploy/ must name our programs with options they accept.
 * Returns the number of lines run.
 */
static int
deploy_lines(const char *path)
{
	char		 line[1024], prog[64], *p, *w, *save;
	const char	*args[20];
	struct job	 j;
	FILE		*f;
	size_t		 n;
	int		 runs = 0;

	if ((f = fopen(path, "r")) == NULL) {
		printf("  cannot read %s\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' ||
		    (p = strstr(line, "/usr/bin/igconnect-")) == NULL)
			continue;
		p[strcspn(p, "|\n")] = '\0';
		w = strtok_r(p + strlen("/usr/bin/"), " \t", &save);
		(void)snprintf(prog, sizeof(prog), "tools/%s", w);
		/* Arguments, not the shell's redirections. */
		for (n = 0; n < 18 &&
		    (w = strtok_r(NULL, " \t", &save)) != NULL; )
			if (strchr(w, '>') == NULL)
				args[n++] = w;
		args[n++] = "--dry-run";
		args[n] = NULL;
		CHECK(job_start(&j, prog, args, NULL));
		if (!CHECK(job_wait(&j, 20000) == 0))
			printf("  %s: %s", j.what, j.err);
		job_free(&j);
		runs++;
	}
	fclose(f);
	return runs;
}

/* The systemd units and the crontab run the jobs as documented. */
static void
t_deploy_schedules(void)
{
	CHECK(deploy_lines("deploy/systemd/igconnect-refresh.service") == 1);
	CHECK(deploy_lines("deploy/systemd/igconnect-sync.service") == 1);
	CHECK(deploy_lines("deploy/systemd/igconnect-publish.service") == 1);
	CHECK(deploy_lines("deploy/crontab") == 3);
}

static const struct ig_test tests[] = {
	TEST(t_refresh_thousand_two_processes),
	TEST(t_refresh_superseded_by_relink),
	TEST(t_refresh_revoked),
	TEST(t_refresh_rate_limited),
	TEST(t_refresh_exhausted),
	TEST(t_refresh_leaves_rows_not_due),
	TEST(t_refresh_upgrades_short),
	TEST(t_refresh_sigterm_finishes_batch),
	TEST(t_refresh_dry_run),
	TEST(t_sync_updates_profile),
	TEST(t_sync_failure_keeps_profile),
	TEST(t_sync_paced_by_usage),
	TEST(t_usage_and_unreachable_database),
	TEST(t_deploy_schedules),
};

int
main(int argc, char *argv[])
{
	const char	*t = getenv("TMPDIR");
	int		 rc;

	signal(SIGPIPE, SIG_IGN);
	if (!flow_init())
		return 2;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/t_jobs.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL || PQstatus(pgc()) != CONNECTION_OK) {
		printf("could not start: temporary directory or database\n");
		flow_end();
		return 2;
	}
	if (access(REFRESH, X_OK) != 0 || access(SYNC, X_OK) != 0)
		printf("  %s or %s is not built\n", REFRESH, SYNC);
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	/* Leave nothing due for whoever runs next. */
	quiesce();
	(void)fake_reset();
	(void)rmdir(tmpdir);
	PQfinish(pg);
	pg = NULL;
	flow_end();
	return rc;
}
