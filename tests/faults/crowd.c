/* SPDX-License-Identifier: ISC */
/* crowd.c: see crowd.h. */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crowd.h"
#include "fault.h"

static int
dial(int port, const char *from)
{
	struct sockaddr_in	sin, src;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	if (from != NULL && inet_pton(AF_INET, from, &src.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if ((from != NULL &&
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
crowd_open(struct crowd *c, int n, int port, const char *msg, size_t burst)
{
	return crowd_open_from(c, NULL, n, port, msg, burst);
}

int
crowd_open_from(struct crowd *c, const char *from, int n, int port,
    const char *msg, size_t burst)
{
	int	i;

	memset(c, 0, sizeof(*c));
	c->fd = calloc((size_t)n, sizeof(*c->fd));
	c->sent = calloc((size_t)n, sizeof(*c->sent));
	c->closed = calloc((size_t)n, sizeof(*c->closed));
	c->status = calloc((size_t)n, sizeof(*c->status));
	if (c->fd == NULL || c->sent == NULL || c->closed == NULL ||
	    c->status == NULL)
		return 0;
	c->msg = msg;
	c->len = strlen(msg);
	c->t0 = mono();
	for (i = 0; i < n; i++) {
		if ((c->fd[i] = dial(port, from)) == -1)
			break;
		c->closed[i] = -1;
		c->sent[i] = send(c->fd[i], msg, burst, MSG_NOSIGNAL) ==
		    (ssize_t)burst ? burst : 0;
		c->n++;
	}
	return c->n;
}

/* Read what came; a close (or reset) marks the connection closed. */
static void
crowd_read(struct crowd *c, int i)
{
	char	buf[4096];
	ssize_t	k;

	while ((k = read(c->fd[i], buf, sizeof(buf) - 1)) > 0) {
		buf[k] = '\0';
		/* "HTTP/1.1 429 ...": the first answer's status. */
		if (c->status[i] == 0 && k > 12)
			c->status[i] = atoi(buf + 9);
	}
	if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		c->closed[i] = mono() - c->t0;
		close(c->fd[i]);
		c->fd[i] = -1;
	}
}

/* Watch "c" for "ms" at most; what came is read, closes noted. */
static void
crowd_watch(struct crowd *c, struct pollfd *p, int ms)
{
	int	i;

	for (i = 0; i < c->n; i++) {
		p[i].fd = c->fd[i];
		p[i].events = POLLIN;
	}
	if (poll(p, (nfds_t)c->n, ms) > 0)
		for (i = 0; i < c->n; i++)
			if (p[i].revents != 0 && c->fd[i] != -1)
				crowd_read(c, i);
}

/* Each open connection of "c" that has more to send sends a byte. */
static void
crowd_step(struct crowd *c)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (c->fd[i] != -1 && c->sent[i] < c->len &&
		    send(c->fd[i], c->msg + c->sent[i], 1, MSG_NOSIGNAL) == 1)
			c->sent[i]++;
}

void
crowds_run(struct crowd *c, int n, double secs, double gap)
{
	struct pollfd	*p;
	double		 end = mono() + secs, next = mono();
	int		 i, most = 0;

	for (i = 0; i < n; i++)
		if (c[i].n > most)
			most = c[i].n;
	if ((p = calloc((size_t)most + 1, sizeof(*p))) == NULL)
		return;
	while (mono() < end) {
		for (i = 0; i < n; i++)
			crowd_watch(&c[i], p, 20);
		if (mono() < next)
			continue;
		next += gap;
		for (i = 0; i < n; i++)
			crowd_step(&c[i]);
	}
	free(p);
}

int
crowd_open_now(const struct crowd *c, double *last)
{
	int	i, n = 0;

	*last = 0;
	for (i = 0; i < c->n; i++)
		if (c->closed[i] < 0)
			n++;
		else if (c->closed[i] > *last)
			*last = c->closed[i];
	return n;
}

int
crowd_closed_before(const struct crowd *c, double secs)
{
	int	i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->closed[i] >= 0 && c->closed[i] < secs;
	return n;
}

int
crowd_answered(const struct crowd *c, int status)
{
	int	i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->status[i] == status;
	return n;
}

void
crowd_close(struct crowd *c)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (c->fd[i] != -1)
			close(c->fd[i]);
	free(c->fd);
	free(c->sent);
	free(c->closed);
	free(c->status);
	memset(c, 0, sizeof(*c));
}
