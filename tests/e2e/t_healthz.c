/* SPDX-License-Identifier: ISC */
/*
 * t_healthz.c: the foundation end to end, through the running stack
 * (nginx -> fcgi/healthz -> PostgreSQL): answers and their shape, the
 * JSON errors of nginx itself, a database outage survived by the same
 * workers, a crashed worker restarted, plain CGI, configuration errors,
 * and logs that never keep a query string.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check.h"
#include "../lib/client.h"

static char	pidpath[4096];

static long
supervisor_pid(void)
{
	(void)snprintf(pidpath, sizeof(pidpath), "%s/run/healthz.pid",
	    env_or_die("IGCONNECT_VAR"));
	return pidfile_read(pidpath);
}

static long
get_healthz(json_t **body)
{
	struct http_resp	r;
	long			st;

	st = http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL, &r);
	if (body != NULL)
		*body = resp_json(&r);
	http_resp_free(&r);
	return st;
}

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* An error body in the canonical shape, with "code" and the request id. */
static void
check_error_shape(const struct http_resp *r, const char *code)
{
	json_t	*o = resp_json(r);
	char	 rid[128];

	CHECK(o != NULL && json_is_object(o));
	CHECK(strcmp(str(o, "error"), code) == 0);
	CHECK(strlen(str(o, "error_description")) > 0);
	CHECK(strlen(str(o, "request_id")) > 0);
	CHECK(resp_header(r, "X-Request-Id", rid, sizeof(rid)) &&
	    strcmp(rid, str(o, "request_id")) == 0);
	json_decref(o);
}

static void
t_healthz_ok(void)
{
	struct http_resp	 r;
	json_t			*o;
	char			 v[256];

	CHECK(http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL,
	    &r) == 200);
	o = resp_json(&r);
	CHECK(o != NULL);
	CHECK(strcmp(str(o, "status"), "ok") == 0);
	CHECK(strcmp(str(o, "database"), "ok") == 0);
	CHECK(strlen(str(o, "version")) > 0);
	CHECK(resp_header(&r, "Content-Type", v, sizeof(v)) &&
	    strncmp(v, "application/json", 16) == 0);
	CHECK(resp_header(&r, "Cache-Control", v, sizeof(v)) &&
	    strstr(v, "no-store") != NULL);
	CHECK(resp_header(&r, "X-Request-Id", v, sizeof(v)) &&
	    strlen(v) >= 16);
	json_decref(o);
	http_resp_free(&r);
}

static void
t_security_headers(void)
{
	struct http_resp	r;
	char			v[512];

	CHECK(http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL,
	    &r) == 200);
	CHECK(resp_header(&r, "X-Content-Type-Options", v, sizeof(v)) &&
	    strcmp(v, "nosniff") == 0);
	CHECK(resp_header(&r, "Referrer-Policy", v, sizeof(v)) &&
	    strcmp(v, "no-referrer") == 0);
	CHECK(resp_header(&r, "Content-Security-Policy", v, sizeof(v)) &&
	    strstr(v, "frame-ancestors 'none'") != NULL);
	CHECK(resp_header(&r, "Strict-Transport-Security", v, sizeof(v)));
	/* server_tokens off: no version in the Server header. */
	CHECK(!resp_header(&r, "Server", v, sizeof(v)) ||
	    strchr(v, '/') == NULL);
	http_resp_free(&r);
}

static void
t_request_ids_unique(void)
{
	struct http_resp	r1, r2;
	char			a[128] = "", b[128] = "";

	http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL, &r1);
	http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL, &r2);
	CHECK(resp_header(&r1, "X-Request-Id", a, sizeof(a)));
	CHECK(resp_header(&r2, "X-Request-Id", b, sizeof(b)));
	CHECK(strcmp(a, b) != 0);
	http_resp_free(&r1);
	http_resp_free(&r2);
}

static void
t_head(void)
{
	struct http_resp	r;

	CHECK(http_do("HEAD", stack_url("/healthz"), NULL, NULL, 0, NULL,
	    &r) == 200);
	CHECK(r.len == 0);
	http_resp_free(&r);
}

static void
t_method_not_allowed(void)
{
	struct http_resp	r;

	CHECK(http_do("POST", stack_url("/healthz"), NULL, "{}", 2, NULL,
	    &r) == 405);
	check_error_shape(&r, "method_not_allowed");
	http_resp_free(&r);
	CHECK(http_do("DELETE", stack_url("/healthz"), NULL, NULL, 0, NULL,
	    &r) == 405);
	check_error_shape(&r, "method_not_allowed");
	http_resp_free(&r);
}

/* The headers every answer carries, an error made by nginx included. */
static void
check_security_headers(const struct http_resp *r)
{
	char	v[512];

	CHECK(resp_header(r, "Strict-Transport-Security", v, sizeof(v)) &&
	    strncmp(v, "max-age=31536000", 16) == 0);
	CHECK(resp_header(r, "X-Content-Type-Options", v, sizeof(v)) &&
	    strcmp(v, "nosniff") == 0);
	CHECK(resp_header(r, "Content-Security-Policy", v, sizeof(v)) &&
	    strstr(v, "frame-ancestors 'none'") != NULL);
	CHECK(resp_header(r, "Referrer-Policy", v, sizeof(v)) &&
	    strcmp(v, "no-referrer") == 0);
	CHECK(resp_header(r, "Cache-Control", v, sizeof(v)) &&
	    strstr(v, "no-store") != NULL);
	CHECK(!resp_header(r, "Server", v, sizeof(v)) ||
	    strchr(v, '/') == NULL);
}

static void
t_unknown_path_404(void)
{
	struct http_resp	r;

	CHECK(http_do("GET", stack_url("/no/such/thing"), NULL, NULL, 0, NULL,
	    &r) == 404);
	check_error_shape(&r, "not_found");
	check_security_headers(&r);
	http_resp_free(&r);
}

/* One header of 64 KiB: nginx answers 400 itself, in the JSON shape. */
static void
t_header_too_large_400(void)
{
	size_t			 n = 64 * 1024;
	char			*h = malloc(n + 16);
	const char		*hdrs[] = { h, NULL };
	struct http_resp	 r;

	if (!CHECK(h != NULL))
		return;
	memcpy(h, "X-Big: ", 7);
	memset(h + 7, 'a', n);
	h[7 + n] = '\0';
	CHECK(http_do("GET", stack_url("/healthz"), hdrs, NULL, 0, NULL,
	    &r) == 400);
	check_error_shape(&r, "invalid_request");
	check_security_headers(&r);
	http_resp_free(&r);
	free(h);
}

/* nginx stops a large body itself, in the same JSON shape. */
static void
t_body_too_large_413(void)
{
	const char *const	 h[] = { "Content-Type: application/json", NULL };
	size_t			 n = 2 * 1024 * 1024;
	char			*big = malloc(n);
	struct http_resp	 r;

	memset(big, 'a', n);
	CHECK(http_do("POST", stack_url("/healthz"), h, big, n, NULL,
	    &r) == 413);
	check_error_shape(&r, "payload_too_large");
	check_security_headers(&r);
	http_resp_free(&r);
	free(big);
}

/* Query strings carry OAuth codes: no log may keep one. */
static void
t_logs_never_keep_query(void)
{
	static const char	 canary[] = "CANARY_CODE_5d1e";
	char			 cmd[8192], logdir[4096];
	const char *const	 grep[] = { "grep", "-rq", canary, logdir,
	    NULL };
	const char *const	 grep_path[] = { "grep", "-rq",
	    "GET /healthz", logdir, NULL };
	struct http_resp	 r;

	(void)snprintf(cmd, sizeof(cmd), "/healthz?code=%s&state=x", canary);
	CHECK(http_do("GET", stack_url(cmd), NULL, NULL, 0, NULL, &r) == 200);
	http_resp_free(&r);
	msleep(300);	/* nginx writes its access log line after the answer */
	(void)snprintf(logdir, sizeof(logdir), "%s/log",
	    env_or_die("IGCONNECT_VAR"));
	CHECK(run_cmd(grep_path) == 0);	/* the request was logged... */
	CHECK(run_cmd(grep) == 1);	/* ...without its query */
}

static void
t_db_outage_same_workers(void)
{
	const char *const	 stop[] = { "sh", "tests/stack/igconnect-stack",
	    "db-stop", NULL };
	const char *const	 start[] = { "sh", "tests/stack/igconnect-stack",
	    "db-start", NULL };
	long			 sup = supervisor_pid(), before[8], after[8];
	int			 nb, na, i, st = 0;
	json_t			*o = NULL;
	struct http_resp	 r;
	char			 ra[16];

	CHECK(sup > 0);
	nb = children_of(sup, before, 8);
	CHECK(nb >= 1);
	CHECK(get_healthz(NULL) == 200);
	CHECK(run_cmd(stop) == 0);
	CHECK(http_do("GET", stack_url("/healthz"), NULL, NULL, 0, NULL,
	    &r) == 503);
	/* A 503 says when to come back. */
	CHECK(resp_header(&r, "Retry-After", ra, sizeof(ra)) &&
	    atoi(ra) > 0);
	http_resp_free(&r);
	CHECK(get_healthz(&o) == 503);
	CHECK(o != NULL && strcmp(str(o, "database"), "unreachable") == 0);
	json_decref(o);
	CHECK(run_cmd(start) == 0);
	/* Every thread reconnects on its next request; allow a moment. */
	for (i = 0; i < 50 && (st = get_healthz(NULL)) != 200; i++)
		msleep(100);
	CHECK(st == 200);
	na = children_of(sup, after, 8);
	CHECK(na == nb);
	for (i = 0; i < nb && i < na; i++)
		CHECK(before[i] == after[i]);
	CHECK(supervisor_pid() == sup);
}

static void
t_crashed_worker_restarted(void)
{
	long	sup = supervisor_pid(), kids[8], now[8];
	int	n, i, m = 0;

	n = children_of(sup, kids, 8);
	CHECK(n >= 1);
	if (n < 1)
		return;
	CHECK(kill((pid_t)kids[0], SIGKILL) == 0);
	for (i = 0; i < 50; i++) {
		msleep(100);
		m = children_of(sup, now, 8);
		if (m == n && now[0] != kids[0])
			break;
	}
	CHECK(m == n);
	CHECK(get_healthz(NULL) == 200);
	CHECK(supervisor_pid() == sup);
}

/* The "Threads:" line of /proc/PID/status; -1 if unreadable. */
static long
threads_of(long pid)
{
	char	path[64], buf[4096], *p;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (!read_small_file(path, buf, sizeof(buf)) ||
	    (p = strstr(buf, "\nThreads:")) == NULL)
		return -1;
	return strtol(p + 9, NULL, 10);
}

/* The stack's setting "name", or "dflt" when it sets none. */
static long
setting(const char *name, long dflt)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : dflt;
}

/*
 * Programs that wait on Meta run IGCONNECT_META_THREADS x _PROCESSES,
 * the others IGCONNECT_THREADS x _PROCESSES: worker processes under the
 * supervisor, each with its pool of threads plus its main thread.
 */
static void
t_pool_sizes(void)
{
	static const struct {
		const char	*prog;
		const char	*threads, *procs;
		long		 dthreads, dprocs;
	} v[] = {
		{ "healthz", "IGCONNECT_THREADS", "IGCONNECT_PROCESSES", 8, 1 },
		{ "integration", "IGCONNECT_THREADS", "IGCONNECT_PROCESSES",
		    8, 1 },
		{ "oauth-exchange", "IGCONNECT_META_THREADS",
		    "IGCONNECT_META_PROCESSES", 32, 2 },
		{ "integration-refresh", "IGCONNECT_META_THREADS",
		    "IGCONNECT_META_PROCESSES", 32, 2 },
	};
	char	path[4096];
	long	kids[64], sup, want;
	int	i, k, n;
	size_t	j;

	for (j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
		(void)snprintf(path, sizeof(path), "%s/run/%s.pid",
		    env_or_die("IGCONNECT_VAR"), v[j].prog);
		sup = pidfile_read(path);
		CHECK(sup > 0);
		n = children_of(sup, kids, 64);
		if (!CHECK(n == setting(v[j].procs, v[j].dprocs)))
			printf("  %s: %d processes\n", v[j].prog, n);
		want = setting(v[j].threads, v[j].dthreads) + 1;
		for (i = 0; i < n; i++) {
			/* A worker may still be starting its threads. */
			for (k = 0; k < 50 && threads_of(kids[i]) != want; k++)
				msleep(100);
			if (!CHECK(threads_of(kids[i]) == want))
				printf("  %s: %ld threads, want %ld\n",
				    v[j].prog, threads_of(kids[i]), want);
		}
	}
}

/* Started without a FastCGI socket, the program answers one CGI request. */
static void
t_cgi_mode(void)
{
	const char *const	argv[] = { "fcgi/healthz", NULL };
	char			out[8192];
	int			rc;

	setenv("REQUEST_METHOD", "GET", 1);
	setenv("REQUEST_ID", "cgitest0123456789", 1);
	rc = run_capture(argv, "/dev/null", out, sizeof(out));
	unsetenv("REQUEST_METHOD");
	unsetenv("REQUEST_ID");
	CHECK(rc == 0);
	/* stderr (the log line) and stdout are captured together. */
	CHECK(strstr(out, "Status: 200 OK\r\n") != NULL);
	CHECK(strstr(out, "\r\n\r\n{") != NULL);
	CHECK(strstr(out, "X-Request-Id: cgitest0123456789\r\n") != NULL);
	CHECK(strstr(out, "\"database\":\"ok\"") != NULL);
}

/* A malformed setting stops the program with one line naming it. */
static void
t_bad_config_stops(void)
{
	const char *const	argv[] = { "fcgi/healthz", NULL };
	char			out[4096], *nl;
	int			rc;

	setenv("IGCONNECT_TOKEN_KEYS", "k1:SECRETVALUE", 1);
	rc = run_capture(argv, "/dev/null", out, sizeof(out));
	unsetenv("IGCONNECT_TOKEN_KEYS");
	CHECK(rc == 1);
	CHECK(strstr(out, "IGCONNECT_TOKEN_KEYS") != NULL);
	CHECK(strstr(out, "SECRETVALUE") == NULL);
	nl = strchr(out, '\n');
	CHECK(nl != NULL && nl[1] == '\0');	/* exactly one line */
}

static void
t_missing_config_stops(void)
{
	const char *const	argv[] = { "fcgi/healthz", NULL };
	char			out[4096], *saved;
	int			rc;

	saved = strdup(env_or_die("DATABASE_URL"));
	unsetenv("DATABASE_URL");
	rc = run_capture(argv, "/dev/null", out, sizeof(out));
	setenv("DATABASE_URL", saved, 1);
	free(saved);
	CHECK(rc == 1);
	CHECK(strstr(out, "DATABASE_URL") != NULL);
}

/*
 * A private fcgi/healthz supervisor on $IGCONNECT_VAR/run/NAME.sock with
 * NAME.pid, its workers sized by "threads" and "processes" (NULL keeps
 * the environment's).  Returns its pid once the pidfile names it, else -1.
 */
static pid_t
start_healthz(const char *name, const char *threads, const char *processes,
    char sock[4096], char pidf[4096])
{
	const char *const argv[] = { "fcgi/healthz", "--listen", sock,
	    "--pidfile", pidf, NULL };
	pid_t	server;
	int	i;

	(void)snprintf(sock, 4096, "%s/run/%s.sock",
	    env_or_die("IGCONNECT_VAR"), name);
	(void)snprintf(pidf, 4096, "%s/run/%s.pid",
	    env_or_die("IGCONNECT_VAR"), name);
	if ((server = fork()) == 0) {
		if (threads != NULL)
			setenv("IGCONNECT_THREADS", threads, 1);
		if (processes != NULL)
			setenv("IGCONNECT_PROCESSES", processes, 1);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execvp(argv[0], (char *const *)(void *)argv);
		_exit(127);
	}
	for (i = 0; i < 50; i++) {
		if (pidfile_read(pidf) == (long)server)
			return server;
		msleep(100);
	}
	return -1;
}

/* 1 if process "pid" is gone (or a zombie nobody waits for). */
static int
gone(long pid)
{
	char	path[64], line[256];
	FILE	*f;
	int	z = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "State:", 6) == 0 && strchr(line, 'Z'))
			z = 1;
	fclose(f);
	return z;
}

/*
 * kill -9 of a supervisor: its workers die with it instead of serving on
 * as orphans that nothing restarts and nothing stops.
 */
static void
t_supervisor_killed(void)
{
	char	sock[4096], pidf[4096];
	long	kids[8];
	pid_t	p;
	int	n, i, k, left = 0;

	p = start_healthz("orphans", NULL, "2", sock, pidf);
	if (!CHECK(p > 0))
		return;
	for (k = 0; k < 50 && (n = children_of(p, kids, 8)) < 2; k++)
		msleep(100);
	CHECK(n == 2);
	CHECK(kill(p, SIGKILL) == 0);
	(void)waitpid(p, NULL, 0);
	for (k = 0; k < 100; k++) {
		for (left = 0, i = 0; i < n; i++)
			left += !gone(kids[i]);
		if (left == 0)
			break;
		msleep(100);
	}
	if (!CHECK(left == 0))
		for (i = 0; i < n; i++)
			(void)kill((pid_t)kids[i], SIGKILL);
	(void)unlink(sock);
	(void)unlink(pidf);
}

/* SIGTERM to a supervisor: it exits 0 and removes its socket. */
static void
t_sigterm_clean_exit(void)
{
	char		sock[4096], pid[4096];
	struct stat	st;
	pid_t		p;
	int		i;

	p = start_healthz("sigterm-test", NULL, NULL, sock, pid);
	CHECK(p > 0);
	CHECK(access(sock, F_OK) == 0);
	/* IGCONNECT_SOCKET_MODE's default: the owner and nginx's group. */
	CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 07777) == 0660);
	if (p > 0)
		CHECK(kill(p, SIGTERM) == 0);
	for (i = 0; i < 100 && access(sock, F_OK) == 0; i++)
		msleep(100);
	CHECK(access(sock, F_OK) != 0);
	CHECK(access(pid, F_OK) != 0);
}

static const char *const get_params[] = { "REQUEST_METHOD=GET",
    "DOCUMENT_URI=/healthz", "REQUEST_ID=fcgitest", NULL };

/* spawn-fcgi and systemd hand the listening socket over as fd 0. */
static void
t_fastcgi_on_fd0(void)
{
	char			 sock[4096], out[8192];
	const char *const	 argv[] = { "fcgi/healthz", NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid;
	int			 fd, status = -1;

	(void)snprintf(sock, sizeof(sock), "%s/run/fd0-test.sock",
	    env_or_die("IGCONNECT_VAR"));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CHECK(strlen(sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock) + 1 < sizeof(sun.sun_path) ?
	    strlen(sock) + 1 : sizeof(sun.sun_path) - 1);
	(void)unlink(sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CHECK(listen(fd, 16) == 0);
	if ((pid = fork()) == 0) {
		dup2(fd, 0);
		close(fd);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execvp(argv[0], (char *const *)(void *)argv);
		_exit(127);
	}
	close(fd);
	CHECK(fcgi_request(sock, get_params, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	CHECK(strstr(out, "X-Request-Id: fcgitest\r\n") != NULL);
	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	(void)unlink(sock);
}

/*
 * nginx keeps connections to a program open between requests
 * (fastcgi_keep_conn).  With one thread, a kept idle connection must not
 * hold it: a new connection is served meanwhile, and the kept one still
 * serves its next request afterwards.  A connection nginx does not ask to
 * keep is closed after its request.
 */
static void
t_kept_connection_holds_no_thread(void)
{
	char		 sock[4096], pidf[4096], out[8192];
	pid_t		 server;
	int		 kept, once, status = -1;

	server = start_healthz("kept", "1", "1", sock, pidf);
	CHECK(server > 0);

	kept = fcgi_connect(sock);
	CHECK(kept >= 0);
	CHECK(fcgi_exchange(kept, get_params, 1, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);

	CHECK(fcgi_request(sock, get_params, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);

	CHECK(fcgi_exchange(kept, get_params, 1, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	close(kept);

	once = fcgi_connect(sock);
	CHECK(once >= 0);
	CHECK(fcgi_exchange(once, get_params, 0, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	CHECK(read(once, out, 1) == 0);		/* closed by the program */
	close(once);

	CHECK(kill(server, SIGTERM) == 0);
	CHECK(waitpid(server, &status, 0) == server);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A web server that is buggy or not ours sends parameter lengths that
 * libfcgi adds into an int that wraps (the overflow of CVE-2025-23016;
 * Debian's patched 2.4.2 still takes these): two 4-byte lengths of
 * 0x56d6d6d6, as fuzz_fcgi found.  The worker closes that connection
 * unanswered, before libfcgi reads it, and stays up: the same process
 * answers the next request.  A management record (request id 0) is
 * refused the same way.
 */
static void
t_hostile_fastcgi_params(void)
{
	static const unsigned char	 wrap[] = {
		1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		1, 4, 0, 1, 0, 24, 0, 0,
		0xd6, 0xd6, 0xd6, 0xd6, 0xd6, 0xd6, 0xd6, 0xd6,
		'R', 'E', 'Q', 'U', 'E', 'S', 'T', '_',
		'M', 'E', 'T', 'H', 'O', 'D', 'G', 'E',
		1, 4, 0, 1, 0, 0, 0, 0,
		1, 5, 0, 1, 0, 0, 0, 0 };
	static const unsigned char	 mgmt[] = {
		1, 9, 0, 0, 0, 0, 0, 0 };
	char		 sock[4096], pidf[4096], out[8192];
	long		 before[8], after[8];
	pid_t		 server;
	int		 fd, nb, status = -1;

	if (!CHECK((server = start_healthz("hostile", "1", "1", sock,
	    pidf)) > 0))
		return;
	CHECK(fcgi_request(sock, get_params, out, sizeof(out)) > 0);
	nb = children_of(server, before, 8);
	CHECK(nb == 1);
	if (CHECK((fd = fcgi_connect(sock)) >= 0)) {
		CHECK(write(fd, wrap, sizeof(wrap)) == (ssize_t)sizeof(wrap));
		/* Closed unanswered (reset: its bytes were never read). */
		CHECK(read(fd, out, sizeof(out)) <= 0);
		close(fd);
	}
	if (CHECK((fd = fcgi_connect(sock)) >= 0)) {
		CHECK(write(fd, mgmt, sizeof(mgmt)) == (ssize_t)sizeof(mgmt));
		CHECK(read(fd, out, sizeof(out)) <= 0);
		close(fd);
	}
	CHECK(fcgi_request(sock, get_params, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	CHECK(children_of(server, after, 8) == 1 && nb == 1 &&
	    after[0] == before[0]);
	CHECK(kill(server, SIGTERM) == 0);
	CHECK(waitpid(server, &status, 0) == server);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Signal every process of the private PostgreSQL (postmaster first). */
static int
signal_postgres(int sig)
{
	char	path[4096];
	long	pm, kids[64];
	int	n, i;

	(void)snprintf(path, sizeof(path), "%s/postmaster.pid",
	    env_or_die("IGCONNECT_PGDATA"));
	if ((pm = pidfile_read(path)) <= 0 || kill((pid_t)pm, sig) != 0)
		return 0;
	n = children_of(pm, kids, 64);
	for (i = 0; i < n; i++)
		(void)kill((pid_t)kids[i], sig);
	return 1;
}

/*
 * SIGTERM while a request is in flight: the request still completes and
 * the program then exits 0.  A connection nginx kept
 * idle is closed at once, so no new request is sent to a worker on its
 * way out.  The request is held in flight by freezing PostgreSQL for a
 * moment.
 */
static void
t_sigterm_finishes_inflight(void)
{
	char		 sock[4096], pidf[4096], out[8192];
	pid_t		 server, client;
	struct pollfd	 pfd;
	int		 fds[2], kept, status = -1;
	ssize_t		 n;

	/* One process: the kept connection and the request share it. */
	server = start_healthz("inflight", NULL, "1", sock, pidf);
	CHECK(server > 0);
	kept = fcgi_connect(sock);
	CHECK(kept >= 0);
	CHECK(fcgi_exchange(kept, get_params, 1, out, sizeof(out)) > 0);
	CHECK(signal_postgres(SIGSTOP));
	CHECK(pipe(fds) == 0);
	if ((client = fork()) == 0) {
		long k = fcgi_request(sock, get_params, out, sizeof(out));

		if (k > 0 && write(fds[1], out, (size_t)k) < 0)
			_exit(1);
		_exit(k > 0 ? 0 : 1);
	}
	close(fds[1]);
	msleep(500);			/* the request is now waiting on SQL */
	CHECK(kill(server, SIGTERM) == 0);
	msleep(500);
	CHECK(waitpid(server, &status, WNOHANG) == 0);	/* still finishing */
	/*
	 * Closed before the request is done (PostgreSQL is frozen, so it
	 * cannot be), not left idle until then.  5 s: a loaded machine may
	 * be slow to run the worker's close.
	 */
	pfd.fd = kept;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1 && read(kept, out, 1) == 0);
	close(kept);
	CHECK(signal_postgres(SIGCONT));
	n = read(fds[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	CHECK(waitpid(client, &status, 0) == client && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK(waitpid(server, &status, 0) == server);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(sock, F_OK) != 0);
}

static const struct ig_test tests[] = {
	TEST(t_healthz_ok),
	TEST(t_security_headers),
	TEST(t_request_ids_unique),
	TEST(t_head),
	TEST(t_method_not_allowed),
	TEST(t_unknown_path_404),
	TEST(t_header_too_large_400),
	TEST(t_body_too_large_413),
	TEST(t_logs_never_keep_query),
	TEST(t_db_outage_same_workers),
	TEST(t_crashed_worker_restarted),
	TEST(t_pool_sizes),
	TEST(t_cgi_mode),
	TEST(t_bad_config_stops),
	TEST(t_missing_config_stops),
	TEST(t_sigterm_clean_exit),
	TEST(t_fastcgi_on_fd0),
	TEST(t_kept_connection_holds_no_thread),
	TEST(t_hostile_fastcgi_params),
	TEST(t_sigterm_finishes_inflight),
	TEST(t_supervisor_killed),
};

int
main(int argc, char *argv[])
{
	/*
	 * The FastCGI tests write to workers that may close first (SIGTERM,
	 * a connection not kept): a failed write is a result to check, not
	 * a reason to die.
	 */
	signal(SIGPIPE, SIG_IGN);
	return ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
