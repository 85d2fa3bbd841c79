/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: command line, listening socket, accept loop and lifecycle.
 *
 * The fake only ever binds a loopback address.  It prints one readiness
 * line on stdout, serves until SIGTERM or SIGINT, then wakes and waits
 * for every connection thread and exits 0.
 */

#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "fakemeta.h"

const struct fm_cfg	*fm_cfg;

static atomic_int	 stopping;
static pthread_mutex_t	 stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 stop_cv;	/* CLOCK_MONOTONIC, see main() */
static int		 stop_pipe[2];	/* wakes the accept loop */

int
fm_stopping(void)
{
	return atomic_load(&stopping);
}

/*
 * Sleep ms milliseconds (injected delays, base latency) unless the fake
 * is stopping: a condition variable instead of nanosleep lets shutdown
 * cut every delay short.
 */
void
fm_sleep_ms(long ms)
{
	struct timespec	 ts;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&stop_mu);
	while (!fm_stopping() &&
	    pthread_cond_timedwait(&stop_cv, &stop_mu, &ts) != ETIMEDOUT)
		continue;
	pthread_mutex_unlock(&stop_mu);
}

static void
usage(void)
{
	fputs("usage: fakemeta --listen 127.0.0.1:PORT --cert FILE --key FILE\n"
	    "\t--app-id ID --app-secret SECRET\n"
	    "\t[--fb-app-id ID --fb-app-secret SECRET]\n"
	    "\t[--redirect-uri URI ...] [--pidfile FILE] [--state FILE]\n"
	    "\t[--jwt-secret-file FILE [--jwt-issuer ISS] "
	    "[--jwt-audience AUD]]\n"
	    "\t[--require-ig-proof] [--verbose]\n",
	    stderr);
	exit(2);
}

/*
 * Parse "HOST:PORT" into a loopback socket address.  Only 127.0.0.0/8
 * and [::1] are accepted: a fake that hands out tokens to anyone who
 * asks must never be reachable from another machine.
 */
static int
parse_listen(const char *arg, struct sockaddr_storage *ss, socklen_t *sslen,
    char *host, size_t hostsz)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	const char		*colon;
	long long		 port;
	size_t			 n;

	if ((colon = strrchr(arg, ':')) == NULL ||
	    fm_parse_ll(colon + 1, 0, 65535, &port) == -1)
		return -1;
	n = (size_t)(colon - arg);
	if (n >= 2 && arg[0] == '[' && arg[n - 1] == ']') {
		arg++;
		n -= 2;
	}
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, arg, n);
	host[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*sslen = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static int
listen_on(const struct sockaddr_storage *ss, socklen_t sslen, int *port)
{
	struct sockaddr_storage	 bound;
	socklen_t		 blen = sizeof(bound);
	int			 fd, one = 1;

	if ((fd = socket(ss->ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, sslen) == -1 ||
	    listen(fd, 1024) == -1 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&bound)->sin_port :
	    ((struct sockaddr_in6 *)&bound)->sin6_port);
	return fd;
}

/* Accept until the stop pipe becomes readable. */
static void *
accept_loop(void *arg)
{
	struct pollfd	 pfd[2];
	int		 lfd = *(int *)arg, fd;

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = stop_pipe[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("fakemeta: poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			/* Out of descriptors: let connections drain. */
			if (errno == EMFILE || errno == ENFILE)
				fm_sleep_ms(50);
			continue;
		}
		fm_stats_connection();
		if (fm_http_spawn(fd) == -1)
			fputs("fakemeta: could not start a thread\n", stderr);
	}
	return NULL;
}

/*
 * The JWT secret from a file, as igconnect reads JWT_SECRET_FILE: its
 * trailing line ends are not part of it.  New string, or NULL after
 * saying why.  The secret stays off the command line, which every local
 * user can read.
 */
static char *
read_secret(const char *path)
{
	char	 buf[4097];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "fakemeta: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0 || strlen(buf) != n) {
		fprintf(stderr, "fakemeta: %s: no secret in it\n", path);
		return NULL;
	}
	return fm_xstrdup(buf);
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	/* Benchmarks hold hundreds of connections open at once. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option	 opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "app-id", required_argument, NULL, 'i' },
		{ "app-secret", required_argument, NULL, 's' },
		{ "fb-app-id", required_argument, NULL, 'I' },
		{ "fb-app-secret", required_argument, NULL, 'S' },
		{ "redirect-uri", required_argument, NULL, 'r' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 'f' },
		{ "jwt-secret-file", required_argument, NULL, 'j' },
		{ "jwt-issuer", required_argument, NULL, 'J' },
		{ "jwt-audience", required_argument, NULL, 'A' },
		{ "require-ig-proof", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct fm_cfg			 cfg;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = 0;
	pthread_condattr_t		 ca;
	pthread_t			 acceptor;
	sigset_t			 set;
	const char			*listen_arg = NULL, *cert = NULL;
	const char			*key = NULL, *pidfile = NULL;
	const char			*state = NULL, *jwt_file = NULL;
	char				 host[64], base[96];
	FILE				*f;
	int				 ch, lfd, port, sig;

	memset(&cfg, 0, sizeof(cfg));
	cfg.redirects = fm_xcalloc((size_t)argc, sizeof(*cfg.redirects));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_arg = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'i': cfg.app_id = optarg; break;
		case 's': cfg.app_secret = optarg; break;
		case 'I': cfg.fb_app_id = optarg; break;
		case 'S': cfg.fb_app_secret = optarg; break;
		case 'r': cfg.redirects[cfg.nredirects++] = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'f': state = optarg; break;
		case 'j': jwt_file = optarg; break;
		case 'J': cfg.jwt_issuer = optarg; break;
		case 'A': cfg.jwt_audience = optarg; break;
		case 'P': cfg.require_ig_proof = 1; break;
		case 'v': cfg.verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc || listen_arg == NULL || cert == NULL ||
	    key == NULL || cfg.app_id == NULL || cfg.app_secret == NULL ||
	    (cfg.fb_app_id == NULL) != (cfg.fb_app_secret == NULL) ||
	    (jwt_file == NULL && (cfg.jwt_issuer != NULL ||
	    cfg.jwt_audience != NULL)))
		usage();
	if (jwt_file != NULL && (cfg.jwt_secret = read_secret(jwt_file)) ==
	    NULL)
		return 1;
	if (parse_listen(listen_arg, &ss, &sslen, host, sizeof(host)) == -1) {
		fprintf(stderr, "fakemeta: invalid --listen \"%s\": "
		    "need a loopback HOST:PORT\n", listen_arg);
		return 2;
	}
	fm_cfg = &cfg;

	/* Signals go to sigwait() below, never to a serving thread. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&stop_cv, &ca);
	pthread_condattr_destroy(&ca);
	raise_nofile();

	if (fm_http_init(cert, key) == -1)
		return 1;
	fm_state_init();
	if (state != NULL && fm_state_load(state) == -1)
		return 1;
	fm_stats_init();
	if (pipe(stop_pipe) == -1 ||
	    (lfd = listen_on(&ss, sslen, &port)) == -1) {
		fprintf(stderr, "fakemeta: could not listen on %s: %s\n",
		    listen_arg, strerror(errno));
		return 1;
	}
	if (pidfile != NULL) {
		if ((f = fopen(pidfile, "w")) == NULL ||
		    fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "fakemeta: could not write %s\n",
			    pidfile);
			return 1;
		}
	}
	/* Paging links point back here (B.4). */
	fm_msgf(base, sizeof(base), "https://%s%s%s:%d",
	    ss.ss_family == AF_INET6 ? "[" : "", host,
	    ss.ss_family == AF_INET6 ? "]" : "", port);
	cfg.base_url = base;
	if (pthread_create(&acceptor, NULL, accept_loop, &lfd) != 0) {
		fputs("fakemeta: could not start the accept thread\n", stderr);
		return 1;
	}
	printf("fakemeta listening on %s\n", base);
	fflush(stdout);

	while (sigwait(&set, &sig) != 0)
		continue;
	atomic_store(&stopping, 1);
	pthread_mutex_lock(&stop_mu);
	pthread_cond_broadcast(&stop_cv);
	pthread_mutex_unlock(&stop_mu);
	if (write(stop_pipe[1], "x", 1) != 1)
		perror("fakemeta: write");
	pthread_join(acceptor, NULL);
	close(lfd);
	fm_http_shutdown_all();
	fm_http_wait_all();

	fm_inject_reset();
	fm_stats_free();
	fm_state_save();
	fm_state_free();
	fm_http_free();
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	free(cfg.redirects);
	free((char *)(uintptr_t)cfg.jwt_secret);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	return 0;
}
