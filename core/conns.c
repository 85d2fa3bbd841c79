/* SPDX-License-Identifier: ISC */
/*
 * conns.c: which connection from nginx a worker thread serves next.
 *
 * nginx keeps its FastCGI connections open between requests
 * (fastcgi_keep_conn with an upstream keepalive pool), which saves a
 * connect, an accept and a lingering close per request.  libfcgi's own
 * accept loop would leave a thread blocked on each idle kept connection,
 * so a new connection could wait behind idle ones.  Instead, the
 * listening socket and every idle connection sit in one epoll set per
 * process, each armed for a single event (EPOLLONESHOT): exactly one
 * thread wakes for it and owns that connection until it puts it back
 * after a request, or closes it.  No thread ever waits on an idle
 * connection, nor for long on a peer that stops in the middle of a
 * request or of its answer (IO_TIMEOUT).
 */
#define _GNU_SOURCE		/* accept4 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "ig.h"
#include "extern.h"

#define MAX_IDLE	4096

/*
 * Seconds a read or a write on a connection may wait.  nginx sends each
 * request whole, reads each answer at once and gives up on a program
 * itself after 10 s (fastcgi_send_timeout); a peer slower than this is
 * stuck, and would otherwise hold its thread for good.
 */
#define IO_TIMEOUT	10

/*
 * The idle kept connections are also listed, so a stop can close them at
 * once: nginx then stops sending requests to a worker on its way out
 * instead of leaving them unread until its last request is done.
 */
struct	ig_conns {
	int		 ep;		/* the epoll set */
	int		 listen_fd;	/* non-blocking: processes race */
	int		 stop_fd;	/* an eventfd, readable once stopping */
	pthread_mutex_t	 mu;		/* guards what follows */
	int		 stopping;
	size_t		 nidle;
	int		 idle[MAX_IDLE];
};

/* Arm fd for one readable event; add it if the set does not hold it. */
static int
arm(struct ig_conns *c, int fd, uint32_t events)
{
	struct epoll_event	ev;

	ev.events = events | EPOLLONESHOT;
	ev.data.fd = fd;
	if (epoll_ctl(c->ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	return epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
}

struct ig_conns *
ig_conns_open(int listen_fd)
{
	struct ig_conns		*c;
	struct epoll_event	 ev;
	int			 fl;

	if ((c = ig_calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->listen_fd = listen_fd;
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fl = fcntl(listen_fd, F_GETFL);
	/* Level-triggered and never disarmed: it wakes every thread. */
	ev.events = EPOLLIN;
	ev.data.fd = c->stop_fd;
	if (c->ep == -1 || c->stop_fd == -1 || fl == -1 ||
	    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->stop_fd, &ev) == -1 ||
	    arm(c, listen_fd, EPOLLIN) == -1) {
		ig_conns_close(c);
		return NULL;
	}
	return c;
}

/* Take fd off the idle list; 0 if a stop closed it meanwhile. */
static int
take_idle(struct ig_conns *c, int fd)
{
	size_t	i;
	int	found = 0;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->nidle && c->idle[i] != fd; i++)
		continue;
	if (i < c->nidle) {
		c->idle[i] = c->idle[--c->nidle];
		found = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return found;
}

/* Bound every wait on "fd"; 0, or -1 if it could not be. */
static int
bound(int fd)
{
	struct timeval	tv = { IO_TIMEOUT, 0 };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ? -1 : 0;
}

/* Another process took it, or the client gave up: not our failure. */
static int
accept_lost(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR ||
	    e == ECONNABORTED || e == EPROTO;
}

int
ig_conns_next(struct ig_conns *c)
{
	struct epoll_event	ev;
	int			fd, e;

	for (;;) {
		if (epoll_wait(c->ep, &ev, 1, -1) != 1) {
			if (errno == EINTR)
				continue;
			ig_log_warn("could not wait for connections");
			return -2;
		}
		if (ev.data.fd == c->stop_fd)
			return -1;
		if (ev.data.fd != c->listen_fd) {
			if (!take_idle(c, ev.data.fd))
				continue;
			/* An idle connection nginx closed, or a request. */
			if (ev.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				(void)close(ev.data.fd);
				continue;
			}
			return ev.data.fd;
		}
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		e = errno;
		if (arm(c, c->listen_fd, EPOLLIN) == -1) {
			ig_log_warn("could not watch the listening socket");
			if (fd >= 0)
				(void)close(fd);
			return -2;
		}
		if (fd >= 0 && bound(fd) == 0)
			return fd;
		if (fd >= 0) {
			ig_log_warn("could not set a connection's timeouts");
			(void)close(fd);
			continue;
		}
		if (!accept_lost(e)) {
			errno = e;
			ig_log_warn("could not accept a connection");
			return -2;
		}
	}
}

void
ig_conns_keep(struct ig_conns *c, int fd)
{
	pthread_mutex_lock(&c->mu);
	if (c->stopping || c->nidle == MAX_IDLE ||
	    arm(c, fd, EPOLLIN | EPOLLRDHUP) == -1)
		(void)close(fd);
	else
		c->idle[c->nidle++] = fd;
	pthread_mutex_unlock(&c->mu);
}

void
ig_conns_stop(struct ig_conns *c)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	while (c->nidle > 0)
		(void)close(c->idle[--c->nidle]);
	pthread_mutex_unlock(&c->mu);
	if (write(c->stop_fd, &one, sizeof(one)) != sizeof(one))
		ig_log_warn("could not wake the worker threads");
}

void
ig_conns_close(struct ig_conns *c)
{
	if (c == NULL)
		return;
	if (c->ep != -1)
		(void)close(c->ep);
	if (c->stop_fd != -1)
		(void)close(c->stop_fd);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
