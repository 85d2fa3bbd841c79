/* SPDX-License-Identifier: ISC */
/*
 * app.c: the life of an endpoint program.  Configuration is loaded and
 * checked before anything else.  Then one of three modes:
 *  - "--listen PATH": bind a unix socket and supervise worker processes;
 *  - a FastCGI listening socket on fd 0 (spawn-fcgi, systemd): the same;
 *  - otherwise plain CGI (RFC 3875): answer one request and exit.
 * The supervisor owns the socket and restarts a worker that dies, so a
 * crash costs only the requests it had in flight.  A
 * worker runs a pool of threads taking ready connections from nginx
 * (conns.c), each with its own Meta client, sharing a pool of database
 * connections (a thread waiting for Meta holds none); SIGTERM stops
 * accepting and lets in-flight requests finish.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "ig.h"
#include "extern.h"

#define GRACE_SECONDS	25	/* under systemd's default 90 s stop timeout */
#define MAX_WORKERS	64

struct	worker {
	pthread_t			 tid;
	const struct ig_endpoint	*ep;
	const struct ig_cfg		*cfg;
	struct ig_db			*db;	/* the process's pool */
	struct ig_conns			*conns;	/* the process's connections */
};

static volatile sig_atomic_t	stopping;

static double
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Answer one request: parse, dispatch, send what the handler gave, log. */
static void
serve(FCGX_Request *fr, const struct ig_endpoint *ep,
    const struct ig_cfg *cfg, struct ig_db *db, struct ig_http *http)
{
	struct ig_ctx	 ctx;
	struct ig_req	*req;
	const char	*m, *path;
	double		 t0 = now_ms();
	enum ig_err	 er = IG_OK;

	if ((req = ig_req_new(fr, ep, cfg)) == NULL) {
		ig_log_err("could not allocate a request");
		return;
	}
	ig_log_set_rid(ig_req_id(req));
	if (!ig_resp_sent(req) && ig_req_method(req) != IG_METHOD_OPTIONS) {
		ctx.cfg = cfg;
		ctx.db = db;
		ctx.http = http;
		ctx.req = req;
		er = ep->handle(&ctx);
	} else
		er = ig_req_answer(req)->err;	/* refused, or a preflight */
	(void)ig_answer_send(req, cfg, er);
	if ((m = ig_req_env(req, "REQUEST_METHOD")) == NULL)
		m = "-";
	if ((path = ig_req_env(req, "DOCUMENT_URI")) == NULL &&
	    (path = ig_req_env(req, "SCRIPT_NAME")) == NULL)
		path = "-";
	/* The path only: query strings carry OAuth codes. */
	ig_log_info("%.8s %.200s %d %.3fms%s%s", m, path,
	    ig_resp_status(req), now_ms() - t0, er != IG_OK ? " " : "",
	    er != IG_OK ? ig_strerror(er) : "");
	ig_log_set_rid(NULL);
	ig_req_free(req);
}

/*
 * Serve requests on the connections ig_conns_next hands out.  libfcgi has
 * no call to read a request from a connection it did not accept, so the
 * connection goes in through the request's ipcFd, a field fcgiapp.h marks
 * as internal (stable since libfcgi 2.4.0).  keepConnection set before
 * FCGX_Accept_r keeps the finish it starts with from closing that
 * connection; FCGX_Finish_r then closes it unless nginx asked to keep it.
 * listen_sock -1 makes sure libfcgi never accepts on its own.  Each
 * request's parameters are looked at first (ig_fcgi_peek()): libfcgi
 * must not read lengths it could overflow.
 */
static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct ig_http		*http;
	FCGX_Request		 fr;
	enum ig_fcgi_peek	 peeked;
	int			 fd;

	http = ig_http_new(w->cfg);
	if (http == NULL || FCGX_InitRequest(&fr, -1, 0) != 0) {
		ig_log_err("could not set up a worker thread");
		ig_http_free(http);
		return NULL;
	}
	while (!stopping && (fd = ig_conns_next(w->conns)) >= 0) {
		if ((peeked = ig_fcgi_peek(fd)) != IG_FCGI_READY) {
			if (peeked == IG_FCGI_BROKEN)
				ig_log_warnx("closed a FastCGI connection: "
				    "malformed or unsafe request parameters");
			(void)close(fd);
			continue;
		}
		fr.ipcFd = fd;
		fr.keepConnection = 1;
		if (FCGX_Accept_r(&fr) != 0)
			continue;	/* libfcgi closed a broken connection */
		serve(&fr, w->ep, w->cfg, w->db, http);
		FCGX_Finish_r(&fr);
		if (fr.ipcFd >= 0)
			ig_conns_keep(w->conns, fr.ipcFd);
		fr.ipcFd = -1;
	}
	if (!stopping) {
		/* Not a stop: let the supervisor start a fresh worker. */
		ig_log_err("could not take a connection");
		(void)kill(getpid(), SIGTERM);
	}
	FCGX_Free(&fr, 0);
	ig_http_free(http);
	return NULL;
}

/*
 * One worker process.  Threads wait in ig_conns_next; on SIGTERM we mark
 * the stop, close the connections nginx kept idle and wake every thread.
 * Threads busy with a request finish it first, then close its connection.
 */
static int
run_worker(int fd, const struct ig_endpoint *ep, const struct ig_cfg *cfg)
{
	struct worker		*ws;
	struct ig_db		*db;
	struct ig_conns		*conns;
	sigset_t		 set;
	long			 i;
	int			 sig;

	/*
	 * glibc gives threads up to eight malloc arenas per core, each
	 * holding on to its own free memory; two serve 100 threads that
	 * mostly wait, at a tenth less resident memory (mallopt(3)).
	 */
	(void)mallopt(M_ARENA_MAX, 2);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Threads share the connections; no more than there are threads. */
	db = ig_db_open_pool(cfg->database_url != NULL ? cfg->database_url :
	    "", ep->name, (size_t)(cfg->db_connections < cfg->threads ?
	    cfg->db_connections : cfg->threads));
	conns = ig_conns_open(fd);
	if (db == NULL || conns == NULL || (ws = ig_calloc((size_t)cfg->threads,
	    sizeof(*ws))) == NULL)
		return 1;
	for (i = 0; i < cfg->threads; i++) {
		ws[i].ep = ep;
		ws[i].cfg = cfg;
		ws[i].db = db;
		ws[i].conns = conns;
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
			ig_log_err("could not start worker thread");
			_exit(1);
		}
	}
	ig_log_info("worker ready with %ld threads", cfg->threads);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		continue;
	stopping = 1;
	ig_conns_stop(conns);
	for (i = 0; i < cfg->threads; i++)
		(void)pthread_join(ws[i].tid, NULL);
	free(ws);
	ig_conns_close(conns);
	ig_db_close(db);
	ig_log_info("worker stopped");
	return 0;
}

static pid_t
spawn(int fd, const struct ig_endpoint *ep, const struct ig_cfg *cfg)
{
	sigset_t	none;
	pid_t		pid, parent = getpid();

	if ((pid = fork()) == -1) {
		ig_log_warn("could not fork a worker");
		return -1;
	}
	if (pid == 0) {
		/*
		 * A worker dies with its supervisor (SIGTERM: it finishes its
		 * requests first): nothing else would restart or stop it.  A
		 * supervisor gone before the prctl is seen by getppid().
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() != parent)
			_exit(1);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(run_worker(fd, ep, cfg));
	}
	return pid;
}

static void
describe_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		ig_log_err("worker %ld killed by signal %d; restarting",
		    (long)pid, WTERMSIG(status));
	else
		ig_log_err("worker %ld exited with status %d; restarting",
		    (long)pid, WEXITSTATUS(status));
}

/* Stop every worker: SIGTERM, then SIGKILL after the grace period. */
static void
stop_workers(pid_t *pids, long n)
{
	struct timespec	tick = { 0, 50 * 1000 * 1000 };
	double		deadline = now_ms() + GRACE_SECONDS * 1000.0;
	long		i, alive;
	int		status;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGTERM);
	do {
		for (alive = 0, i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status, WNOHANG) == pids[i])
				pids[i] = 0;
			else if (now_ms() > deadline) {
				ig_log_err("worker %ld did not stop in time",
				    (long)pids[i]);
				(void)kill(pids[i], SIGKILL);
				(void)waitpid(pids[i], &status, 0);
				pids[i] = 0;
			} else
				alive++;
		}
		if (alive > 0)
			(void)nanosleep(&tick, NULL);
	} while (alive > 0);
}

/*
 * Restart dead workers.  One that dies within a second of its start is
 * crash-looping: wait a second before the next try, never a fork loop.
 */
static int
supervise(int fd, const struct ig_endpoint *ep, const struct ig_cfg *cfg)
{
	pid_t		pids[MAX_WORKERS];
	double		started[MAX_WORKERS];
	sigset_t	set;
	pid_t		pid;
	long		i, n = cfg->processes;
	int		sig, status;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < n; i++) {
		pids[i] = spawn(fd, ep, cfg);
		started[i] = now_ms();
	}
	while (sigwait(&set, &sig) == 0 && sig == SIGCHLD) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && pids[i] != pid; i++)
				continue;
			if (i == n)
				continue;
			describe_exit(pid, status);
			if (now_ms() - started[i] < 1000.0)
				(void)sleep(1);
			pids[i] = spawn(fd, ep, cfg);
			started[i] = now_ms();
		}
	}
	ig_log_info("stopping");
	stop_workers(pids, n);
	return 0;
}

static int
bind_unix(const char *path, mode_t mode)
{
	struct sockaddr_un	sun;
	struct stat		st;
	mode_t			old;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ig_log_err("socket path too long: \"%s\"", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Remove a stale socket from a previous run, never another file. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ig_log_warn("could not create a socket");
		return -1;
	}
	/* The umask makes the socket private from the moment it exists. */
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		ig_log_warn("could not bind \"%s\"", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, mode) == -1 || listen(fd, 1024) == -1) {
		ig_log_warn("could not listen on \"%s\"", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_pidfile(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		ig_log_warn("could not write \"%s\"", path);
		return 0;
	}
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0;
}

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [--listen socket-path] [--pidfile file]\n"
	    "without --listen and without a FastCGI socket on standard "
	    "input, answers one CGI request\n", name);
}

int
ig_app_main(int argc, char *argv[], const struct ig_endpoint *ep)
{
	struct ig_cfg	 cfg;
	const char	*listen_path = NULL, *pidfile = NULL;
	char		 msg[256];
	int		 i, fd, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_path = argv[++i];
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (ig_cfg_load(&cfg, ep->needs, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-%s: %s\n", ep->name, msg);
		return 1;
	}
	ig_log_init(ep->name, cfg.log_level);
	if (ep->waits_on_meta) {
		/* Its threads mostly wait: size for the requests in flight. */
		cfg.threads = cfg.meta_threads;
		cfg.processes = cfg.meta_processes;
	}
	if (cfg.auth == IG_AUTH_NONE)
		ig_log_warnx("IGCONNECT_AUTH=none: every caller is trusted; "
		    "use it for local development only");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    FCGX_Init() != 0) {
		fprintf(stderr, "igconnect-%s: could not initialise "
		    "libraries\n", ep->name);
		return 1;
	}
	if (listen_path != NULL)
		fd = bind_unix(listen_path, (mode_t)cfg.socket_mode);
	else if (!FCGX_IsCGI())
		fd = 0;
	else {
		/* Plain CGI: the same handler, one request, stdin/stdout. */
		struct ig_db	*db = ig_db_open(cfg.database_url != NULL ?
		    cfg.database_url : "", ep->name);
		struct ig_http	*http = ig_http_new(&cfg);

		rc = 1;
		if (db != NULL && http != NULL) {
			serve(NULL, ep, &cfg, db, http);
			rc = fflush(stdout) == 0 ? 0 : 1;
		}
		ig_db_close(db);
		ig_http_free(http);
		ig_cfg_free(&cfg);
		curl_global_cleanup();
		return rc;
	}
	if (fd == -1 || (pidfile != NULL && !write_pidfile(pidfile)))
		return 1;
	ig_log_info("serving %s on %s", ep->name,
	    listen_path != NULL ? listen_path : "fd 0");
	rc = supervise(fd, ep, &cfg);
	if (listen_path != NULL)
		(void)unlink(listen_path);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	ig_cfg_free(&cfg);
	curl_global_cleanup();
	return rc;
}
