/* SPDX-License-Identifier: ISC */
/*
 * fcgipeek.c: a FastCGI request's parameters checked before libfcgi
 * reads them.  A name or value length is 31 bits (FastCGI
 * specification, section 3.4); libfcgi adds two of them in an int
 * before it allocates, the overflow of CVE-2025-23016, and Debian 12's
 * patched 2.4.2-2+deb12u1 still allocates from the wrapped sum of two
 * lengths of 0x56d6d6d6 (fuzz_fcgi): the worker dies.  Lengths no web
 * server sends are refused here first.  The connection's bytes are only
 * peeked at, never taken: libfcgi then reads them as it always does.
 */
#define _GNU_SOURCE		/* POLLRDHUP */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "ig.h"
#include "extern.h"

#define HEADER		8	/* a record's header (section 3.3) */
#define VERSION		1	/* FCGI_VERSION_1 */
#define TYPE_BEGIN	1	/* FCGI_BEGIN_REQUEST */
#define TYPE_PARAMS	4	/* FCGI_PARAMS */
/*
 * The records up to a request's last FCGI_PARAMS: nginx sends a few KiB
 * (its headers are capped by large_client_header_buffers, 4 x 8 KiB by
 * default).  No length inside them can be larger, so none can wrap.
 */
#define WINDOW		(64 * 1024)
#define WAIT_MS		5000	/* for the rest of a request's parameters */

/*
 * The first "want" bytes waiting on "fd" into "buf", without taking
 * them; 0 if the connection ends first or they do not come in time.
 * Linux's MSG_WAITALL does not wait with MSG_PEEK on a unix socket, so
 * this looks again every millisecond while the peer has not shut its
 * side (nginx sends a request's parameters in one write: rarely).
 */
static int
peek(int fd, unsigned char *buf, size_t want, size_t *have)
{
	const struct timespec	 ms = { 0, 1000000 };
	struct pollfd		 pfd;
	ssize_t			 k;
	int			 waited;

	for (waited = 0; *have < want; waited++) {
		if ((k = recv(fd, buf, want, MSG_PEEK)) == -1 &&
		    errno == EINTR)
			continue;
		if (k <= 0)
			return 0;
		if ((*have = (size_t)k) >= want)
			break;
		pfd.fd = fd;
		pfd.events = POLLRDHUP;
		if (poll(&pfd, 1, 0) != 0 || waited >= WAIT_MS)
			return 0;
		(void)nanosleep(&ms, NULL);
	}
	return 1;
}

/* A name or value length at "*p" of "params" (1 or 4 bytes). */
static int
length(const unsigned char *params, size_t n, size_t *p, size_t *len)
{
	if (*p < n && params[*p] < 0x80) {
		*len = params[(*p)++];
		return 1;
	}
	if (n - *p < 4)
		return 0;
	*len = (size_t)(params[*p] & 0x7f) << 24 |
	    (size_t)params[*p + 1] << 16 | (size_t)params[*p + 2] << 8 |
	    params[*p + 3];
	*p += 4;
	return 1;
}

/* 1 if every pair of "params" is whole and inside it. */
static int
pairs_ok(const unsigned char *params, size_t n)
{
	size_t	p = 0, name, value;

	while (p < n)
		if (!length(params, n, &p, &name) ||
		    !length(params, n, &p, &value) ||
		    name > n - p || value > n - p - name)
			return 0;
		else
			p += name + value;
	return 1;
}

/*
 * A request as nginx (and Apache's mod_proxy_fcgi) sends one: an
 * FCGI_BEGIN_REQUEST, then FCGI_PARAMS records of its request id up to
 * an empty one (sections 5.1, 5.2).  Anything else before that end is
 * refused rather than handed to libfcgi's less travelled paths:
 * management records (request id 0), other request ids (multiplexing,
 * which libfcgi does not do), other record types or versions.
 */
enum ig_fcgi_peek
ig_fcgi_peek(int fd)
{
	unsigned char	 buf[WINDOW], params[WINDOW];
	size_t		 have = 0, off = 0, np = 0, clen, end;
	unsigned	 id, rid = 0;

	for (;;) {
		if (!peek(fd, buf, off + HEADER, &have))
			return off == 0 && have == 0 ? IG_FCGI_GONE :
			    IG_FCGI_BROKEN;
		id = (unsigned)buf[off + 2] << 8 | buf[off + 3];
		clen = (size_t)buf[off + 4] << 8 | buf[off + 5];
		end = off + HEADER + clen + buf[off + 6];
		if (buf[off] != VERSION || id == 0 || (off == 0 ?
		    buf[off + 1] != TYPE_BEGIN : buf[off + 1] != TYPE_PARAMS ||
		    id != rid) || end > sizeof(buf) ||
		    !peek(fd, buf, end, &have))
			return IG_FCGI_BROKEN;
		if (off == 0)
			rid = id;
		else if (clen == 0)
			return pairs_ok(params, np) ? IG_FCGI_READY :
			    IG_FCGI_BROKEN;
		else {
			memcpy(params + np, buf + off + HEADER, clen);
			np += clen;
		}
		off = end;
	}
}
