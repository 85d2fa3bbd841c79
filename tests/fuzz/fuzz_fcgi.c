/* SPDX-License-Identifier: ISC */
/*
 * fuzz_fcgi.c: libfcgi's record parser as a worker uses it, for a web
 * server that is buggy or not ours: the input is the byte stream of one
 * connection (records of the FastCGI specification, section 3.3),
 * written into one end of a socketpair and ended there, so a read
 * past it sees end of file.  The other end goes in as the request's
 * ipcFd, as core/app.c's worker_main() does: ig_fcgi_peek() looks at
 * each request first, and each request libfcgi then accepts on it
 * (several, with FCGI_KEEP_CONN) is served as serve() does:
 * ig_req_new() reads the parameters, the body (CONTENT_LENGTH bytes of
 * FCGI_STDIN) and the fields of a small endpoint, the answer is written
 * back, FCGX_Finish_r() ends it.
 *
 * What may not happen: a crash, a read or write outside memory (ASan
 * checks libfcgi's memcpy() and our reads of every parameter), a leak
 * of ours, a hang (libFuzzer's -timeout), a descriptor left open.
 *
 * One leak of libfcgi's own is known and not reported: a management
 * record (request id 0) among a request's FCGI_STDIN records makes
 * libfcgi 2.4.2 drop a 48-byte parameter table.  nginx sends none, and
 * ig_fcgi_peek() refuses them only up to the end of the parameters (it
 * does not wait for a body); it costs a worker those bytes, no more.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

#define MAX_REQUESTS	8	/* on one kept connection, per input */
#define MAX_STREAM	(64 * 1024)	/* fits a socket buffer: no reader */

static const struct ig_param params[] = {
	{ "state", IG_STATE_LEN, ig_valid_state },
	{ "code", IG_MAX_CODE, ig_valid_token },
	{ "userId", IG_MAX_USER_ID, ig_valid_user_id },
	{ "caption", 0, ig_valid_text },
};

static const struct ig_endpoint endpoint = {
	.name = "fcgi",
	.methods = IG_METHOD_GET | IG_METHOD_HEAD | IG_METHOD_POST |
	    IG_METHOD_DELETE,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
};

/* LeakSanitizer's hook: the known leak of libfcgi above. */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfcgi.so\n";
}

/* Every parameter libfcgi built, read to its end; their bytes summed. */
static size_t
touch(FCGX_ParamArray envp)
{
	size_t	sum = 0;
	char	**e, *c;

	for (e = envp; e != NULL && *e != NULL; e++)
		for (c = *e; *c != '\0'; c++)
			sum += (unsigned char)*c;
	return sum;
}

/* One request, as core/app.c's serve() answers it (no handler). */
static void
serve(FCGX_Request *fr)
{
	struct ig_req	*req;

	(void)touch(fr->envp);
	if ((req = ig_req_new(fr, &endpoint, fz_cfg())) == NULL)
		abort();
	(void)ig_req_env(req, "REQUEST_METHOD");
	(void)ig_req_env(req, "DOCUMENT_URI");
	(void)ig_answer_send(req, fz_cfg(), ig_req_answer(req)->err);
	ig_req_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	FCGX_Request	 fr;
	int		 s[2], i, fd;

	if (!ready) {
		if (FCGX_Init() != 0)
			abort();
		ready = 1;
	}
	if (size > MAX_STREAM)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == -1)
		abort();
	if (size > 0 && write(s[1], data, size) != (ssize_t)size)
		abort();
	(void)shutdown(s[1], SHUT_WR);
	if (FCGX_InitRequest(&fr, -1, 0) != 0)
		abort();
	fr.ipcFd = s[0];
	for (i = 0; i < MAX_REQUESTS && fr.ipcFd >= 0; i++) {
		if (ig_fcgi_peek(fr.ipcFd) != IG_FCGI_READY) {
			(void)close(fr.ipcFd);
			fr.ipcFd = -1;
			break;
		}
		fr.keepConnection = 1;
		if (FCGX_Accept_r(&fr) != 0)
			break;		/* libfcgi closed the connection */
		serve(&fr);
		FCGX_Finish_r(&fr);
	}
	if (fr.ipcFd >= 0)
		(void)close(fr.ipcFd);
	FCGX_Free(&fr, 0);
	(void)close(s[1]);
	/* Both descriptors given back: the lowest free is one of them. */
	if ((fd = dup(0)) == -1)
		abort();
	(void)close(fd);
	if (fd > (s[0] < s[1] ? s[0] : s[1]))
		abort();
	return 0;
}
