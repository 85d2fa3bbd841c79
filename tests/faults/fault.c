/* SPDX-License-Identifier: ISC */
/* fault.c: see fault.h. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ig.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "fault.h"

extern char	**environ;

long
scale(long quick, long full)
{
	const char	*v = getenv("FAULTS_FULL");

	return v != NULL && strcmp(v, "1") == 0 ? full : quick;
}

void
figure(const char *fmt, ...)
{
	va_list	ap;

	printf("  figure ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

double
mono(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ programs */

int
progs_read(const char *var, struct prog *p, int max)
{
	char	 path[512], name[64];
	long	 pid;
	FILE	*f;
	int	 n = 0;

	(void)snprintf(path, sizeof(path), "%s/run/stack.pids", var);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (n < max && fscanf(f, "%63s %ld", name, &pid) == 2) {
		/* The ledger also lists nginx and the fake of Meta. */
		if (strcmp(name, "nginx") == 0 || strcmp(name, "fakemeta") == 0)
			continue;
		memset(&p[n], 0, sizeof(p[n]));
		(void)snprintf(p[n].name, sizeof(p[n].name), "%s", name);
		p[n].sup = pid;
		p[n].nkids = children_of(pid, p[n].kids, PROG_KIDS);
		n++;
	}
	fclose(f);
	return n;
}

static int
has_pid(const long *v, int n, long pid)
{
	int	i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

int
progs_same(const struct prog *a, int na, const struct prog *b, int nb)
{
	const struct prog	*q;
	int			 i, k, same = na == nb && na > 0;

	for (i = 0; i < na; i++) {
		if ((q = prog_named(b, nb, a[i].name)) == NULL ||
		    q->sup != a[i].sup) {
			printf("  %s: supervisor %ld is gone\n", a[i].name,
			    a[i].sup);
			same = 0;
			continue;
		}
		for (k = 0; k < a[i].nkids; k++)
			if (!has_pid(q->kids, q->nkids, a[i].kids[k])) {
				printf("  %s: worker %ld is gone\n", a[i].name,
				    a[i].kids[k]);
				same = 0;
			}
		if (q->nkids != a[i].nkids) {
			printf("  %s: %d workers, were %d\n", a[i].name,
			    q->nkids, a[i].nkids);
			same = 0;
		}
	}
	return same;
}

const struct prog *
prog_named(const struct prog *p, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return &p[i];
	return NULL;
}

long
rss_kb(long pid)
{
	char	path[64], buf[4096], *p;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (!read_small_file(path, buf, sizeof(buf)) ||
	    (p = strstr(buf, "\nVmRSS:")) == NULL)
		return -1;
	return strtol(p + 7, NULL, 10);
}

long
prog_rss_kb(const struct prog *p)
{
	long	sum = rss_kb(p->sup), k;
	int	i;

	for (i = 0; i < p->nkids; i++)
		if ((k = rss_kb(p->kids[i])) > 0)
			sum += k;
	return sum;
}

int
pid_gone(long pid)
{
	char	path[64], buf[4096], *s;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (!read_small_file(path, buf, sizeof(buf)))
		return 1;
	if ((s = strstr(buf, "\nState:")) == NULL)
		return 0;
	for (s += 7; *s == ' ' || *s == '\t'; s++)
		continue;
	return *s == 'Z';
}

/* ------------------------------------------------------------ a 2nd stack */

/*
 * A loopback port nobody uses, below the kernel's ephemeral range, as
 * tests/lib/check.sh's free_port finds one.
 */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	int			fd, i, p, ok;

	for (i = 0; i < 4000; i++) {
		p = 20000 + (int)((getpid() * 13 + i * 7) % 12000);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)p);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return -1;
		ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		close(fd);
		if (ok)
			return p;
	}
	return -1;
}

/* What describes the suite's stack, not the side's: never inherited. */
static const char *const not_inherited[] = { "IGCONNECT_VAR=",
	"IGCONNECT_PORT=", "IGCONNECT_BASE_URL=", "IGCONNECT_PGDATA=",
	"IGCONNECT_PGHOST=", "IGCONNECT_PGBIN=", "IGCONNECT_SANDBOX=",
	"IGCONNECT_STACK_LOG_STATEMENTS=", NULL };

/* 1 if "e" ("NAME=value") is named in "v" ("NAME=..."); NULL: none. */
static int
named(const char *e, const char *const *v)
{
	size_t	i, n;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if ((n = strcspn(v[i], "=")) > 0 && strncmp(e, v[i], n + 1) ==
		    0)
			return 1;
	return 0;
}

/*
 * This process's environment with "env" added or replacing what it
 * names, less the suite stack's own description when "side" is set; a
 * new array of borrowed strings.
 */
static char **
env_merge(const char *const *env, int side)
{
	char	**envp;
	size_t	  i, k, n = 0;

	for (i = 0; environ[i] != NULL; i++)
		continue;
	for (k = 0; env != NULL && env[k] != NULL; k++)
		continue;
	if ((envp = calloc(i + k + 1, sizeof(*envp))) == NULL)
		return NULL;
	for (i = 0; environ[i] != NULL; i++)
		if (!named(environ[i], env) &&
		    !(side && named(environ[i], not_inherited)))
			envp[n++] = environ[i];
	for (k = 0; env != NULL && env[k] != NULL; k++)
		envp[n++] = (char *)(uintptr_t)env[k];
	return envp;
}

static pid_t
spawn(const char *const *argv, const char *const *env, const char *log,
    int side)
{
	char	**envp;
	pid_t	  pid;
	int	  fd;

	if ((envp = env_merge(env, side)) == NULL)
		return -1;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execve(argv[0], (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	if (fd != -1)
		close(fd);
	free(envp);
	return pid;
}

pid_t
spawn_env(const char *const *argv, const char *const *env, const char *log)
{
	return spawn(argv, env, log, 0);
}

int
wait_exit(pid_t pid, long ms)
{
	double	end = mono() + (double)ms / 1000.0;
	int	status;

	if (pid <= 0)
		return -1;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (mono() > end) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		msleep(10);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

static int
side_run(const struct side *s, const char *cmd, const char *const *env)
{
	const char	*argv[] = { "/bin/sh", "tests/stack/igconnect-stack",
	    cmd, NULL };
	const char	*more[64];
	char		 ve[300], pe[32];
	size_t		 k = 0;

	(void)snprintf(ve, sizeof(ve), "IGCONNECT_VAR=%s", s->var);
	(void)snprintf(pe, sizeof(pe), "IGCONNECT_PORT=%d", s->port);
	more[k++] = ve;
	more[k++] = pe;
	for (; env != NULL && *env != NULL && k < 63; env++)
		more[k++] = *env;
	more[k] = NULL;
	/* A stop waits out the programs' grace, 25 s at most. */
	return wait_exit(spawn(argv, more, s->log, 1), 120000);
}

int
side_start(struct side *s, const char *tag, const char *const *env)
{
	const char	*var = env_or_die("IGCONNECT_VAR");

	memset(s, 0, sizeof(*s));
	(void)snprintf(s->var, sizeof(s->var), "%s-%s", var, tag);
	(void)snprintf(s->log, sizeof(s->log), "%s/log/side-%s.log", var,
	    tag);
	if ((s->port = free_port()) == -1)
		return 0;
	(void)snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d",
	    s->port);
	if (side_run(s, "start", env) == 0)
		return 1;
	printf("  the %s stack did not start: see %s\n", tag, s->log);
	return 0;
}

int
side_cmd(const struct side *s, const char *cmd)
{
	return side_run(s, cmd, NULL);
}

void
side_destroy(struct side *s)
{
	if (s->var[0] != '\0')
		(void)side_run(s, "destroy", NULL);
	s->var[0] = '\0';
}

int
procs_naming(const char *dir, long *pids, int max)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], buf[8192];
	ssize_t		 k, i;
	long		 pid;
	int		 fd, n = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (n < max && (e = readdir(d)) != NULL) {
		if ((pid = strtol(e->d_name, NULL, 10)) <= 0 ||
		    pid == (long)getpid())
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k <= 0)
			continue;
		for (i = 0; i < k; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[k] = '\0';
		if (strstr(buf, dir) != NULL)
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ database */

char *
text_array(const char *const *v, size_t n)
{
	size_t	 i, len = 3;
	char	*a, *p;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 3;
	if ((a = malloc(len)) == NULL)
		return NULL;
	p = a;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"%s\"", i > 0 ? "," : "", v[i]);
	(void)strcpy(p, "}");
	return a;
}

long
events_missing(char *const *hex, size_t n)
{
	char		*a = text_array((const char *const *)hex, n);
	long long	 found;

	if (a == NULL)
		return -1;
	found = db_long("SELECT count(DISTINCT e.id) FROM webhook_events e "
	    "WHERE e.bodyhash IN (SELECT decode(h, 'hex') FROM "
	    "unnest($1::text[]) h)", a, NULL);
	free(a);
	return found < 0 ? -1 : (long)n - (long)found;
}

void
db_now(char *out, size_t outsz)
{
	if (db_val(out, outsz, "SELECT (now() AT TIME ZONE 'UTC')::text",
	    NULL) != 1)
		(void)snprintf(out, outsz, "-infinity");
}

/* Why row "r" of the query below is not whole, or NULL. */
static const char *
row_broken(PGresult *res, int r)
{
	char		 aad[64], *plain = NULL;
	const char	*why = PQgetvalue(res, r, 3);

	if (*why != '\0')
		return why;
	if (PQgetisnull(res, r, 4))
		return NULL;
	(void)snprintf(aad, sizeof(aad), "%s|instagram",
	    PQgetvalue(res, r, 1));
	if (ig_open(flow_cfg(), PQgetvalue(res, r, 4), aad, &plain) != IG_OK)
		return "its token does not open";
	ig_free_secret(plain);
	return NULL;
}

long
conns_broken(const char *since, const char *like)
{
	static const char sql[] = "SELECT c.id::text, c.userid::text, "
	    "u.externalid, CASE "
	    "WHEN c.status = 'active' AND c.accesstoken IS NULL "
	    "  THEN 'active without a token' "
	    "WHEN c.status = 'active' AND c.tokenissuedat IS NULL "
	    "  THEN 'active without tokenIssuedAt' "
	    "WHEN c.status = 'active' AND c.connectedat IS NULL "
	    "  THEN 'active without connectedAt' "
	    "WHEN c.status = 'active' AND c.provideruserid = '' "
	    "  THEN 'active without providerUserId' "
	    "WHEN c.status = 'active' AND NOT c.metadata ? 'tokenKind' "
	    "  THEN 'active without tokenKind' "
	    "WHEN c.status = 'active' AND c.expiresat IS NULL AND "
	    "  c.metadata->>'tokenKind' <> 'page' "
	    "  THEN 'active without expiresAt' "
	    "WHEN c.status = 'disconnected' AND (c.accesstoken IS NOT NULL "
	    "  OR c.expiresat IS NOT NULL) THEN 'disconnected with a token' "
	    "ELSE '' END, c.accesstoken "
	    "FROM oauth_connections c JOIN users u ON u.id = c.userid "
	    "WHERE c.updatedat >= $1::timestamp OR u.externalid LIKE $2";
	const char	*p[2] = { since, like };
	const char	*why;
	PGresult	*res;
	PGconn		*c;
	long		 bad = 0;
	int		 r;

	if ((c = PQconnectdb(env_or_die("IGCONNECT_DB_ADMIN_URL"))) == NULL ||
	    PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return -1;
	}
	res = PQexecParams(c, sql, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		printf("  %s", PQresultErrorMessage(res));
		bad = -1;
	}
	for (r = 0; bad >= 0 && r < PQntuples(res); r++)
		if ((why = row_broken(res, r)) != NULL && bad++ < 5)
			printf("  connection %s of %s: %s\n",
			    PQgetvalue(res, r, 0), PQgetvalue(res, r, 2), why);
	PQclear(res);
	PQfinish(c);
	return bad;
}
