/* SPDX-License-Identifier: ISC */
/*
 * crowd.h: many raw connections to the stack's nginx, each sending its
 * request a byte at a time after a first burst (slowloris, slow bodies)
 * or all at once and then nothing (idle kept-alive connections), and
 * when the server closed each one.
 */
#ifndef CROWD_H
#define CROWD_H

#include <stddef.h>

struct	crowd {
	int		 n;
	int		*fd;
	size_t		*sent;
	double		*closed;	/* seconds after opening; -1: open */
	int		*status;	/* of the first answer; 0: none */
	const char	*msg;
	size_t		 len;
	double		 t0;
};

/*
 * Open "n" connections to 127.0.0.1:"port", each sending the first
 * "burst" bytes of "msg" (kept, not copied) at once; how many opened.
 */
int	crowd_open(struct crowd *, int n, int port, const char *msg,
	    size_t burst);

/* crowd_open() from the local address "from", e.g. 127.x.y.z. */
int	crowd_open_from(struct crowd *, const char *from, int n, int port,
	    const char *msg, size_t burst);

/*
 * For "secs", every "gap" seconds send each open connection of the "n"
 * crowds the next byte of its message, and note every close.
 */
void	crowds_run(struct crowd *c, int n, double secs, double gap);

/* Connections still open; the latest close into "*last" (0: none). */
int	crowd_open_now(const struct crowd *, double *last);

/* Closed before "secs" after opening. */
int	crowd_closed_before(const struct crowd *, double secs);

/* Connections whose first answer had status "status". */
int	crowd_answered(const struct crowd *, int status);

void	crowd_close(struct crowd *);

#endif /* CROWD_H */
