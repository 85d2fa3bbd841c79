/* SPDX-License-Identifier: ISC */
/*
 * log.c: one line per event on stderr, "LEVEL name[pid] rid=ID message",
 * written with a single write(2) so lines from threads never interleave.
 * Messages are escaped; callers must never pass tokens, codes, secrets
 * or query strings (STYLE 3.8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ig.h"

static char		progname[32] = "igconnect";
static int		level = IG_LOG_INFO;
static _Thread_local char rid[48];

static const char *const names[] = { "error", "warning", "info", "debug" };

static int
printable(char c)
{
	return (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f &&
	    c != '\\';
}

void
ig_log_init(const char *name, int lvl)
{
	(void)snprintf(progname, sizeof(progname), "%s", name);
	level = lvl;
}

void
ig_log_set_rid(const char *r)
{
	if (r == NULL)
		rid[0] = '\0';
	else
		ig_log_escape(rid, sizeof(rid), r, strlen(r));
}

/*
 * Whole units only: a printable byte is one unit, anything else a
 * four-byte "\xHH".  When everything does not fit, stop at a unit
 * boundary with room for "...", so a cut never forges another byte.
 */
void
ig_log_escape(char *out, size_t outsz, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0, full = 0, w, tail;

	if (outsz == 0)
		return;
	for (i = 0; i < n; i++)
		full += printable(s[i]) ? 1 : 4;
	tail = full < outsz ? 1 : 4;
	for (i = 0; i < n; i++) {
		w = printable(s[i]) ? 1 : 4;
		if (o + w + tail > outsz)
			break;
		if (w == 1)
			out[o++] = s[i];
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[(unsigned char)s[i] >> 4];
			out[o++] = hex[(unsigned char)s[i] & 0xf];
		}
	}
	if (i < n && outsz >= 4) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void
emit(int lvl, int with_errno, const char *fmt, va_list ap)
{
	char	raw[1024], msg[2048], line[2304];
	int	saved = errno, n;

	if (lvl > level)
		return;
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	ig_log_escape(msg, sizeof(msg), raw, strlen(raw));
	n = snprintf(line, sizeof(line), "%s %s[%ld]%s%s %s%s%s\n",
	    names[lvl], progname, (long)getpid(),
	    rid[0] != '\0' ? " rid=" : "", rid, msg,
	    with_errno ? ": " : "", with_errno ? strerror(saved) : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) == -1)
		return;	/* nowhere left to report it */
	errno = saved;
}

#define LOGFN(fn, lvl, e)				\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	emit(lvl, e, fmt, ap);				\
	va_end(ap);					\
}

LOGFN(ig_log_err, IG_LOG_ERR, 0)
LOGFN(ig_log_warn, IG_LOG_WARN, 1)
LOGFN(ig_log_warnx, IG_LOG_WARN, 0)
LOGFN(ig_log_info, IG_LOG_INFO, 0)
LOGFN(ig_log_debug, IG_LOG_DEBUG, 0)
