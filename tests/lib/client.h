/* SPDX-License-Identifier: ISC */
/*
 * client.h: what end-to-end tests use to drive the running stack: a real
 * HTTP client (libcurl) and a way to run stack commands.  The stack's
 * settings come from the environment that tests/run exports from
 * $IGCONNECT_VAR/stack.env.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>

#include <jansson.h>

struct	http_resp {
	long	 status;	/* 0 when the request could not be made */
	char	*body;		/* NUL-terminated */
	size_t	 len;
	char	*headers;	/* raw header block, NUL-terminated */
};

/*
 * Make one request to "url" with extra "headers" (NULL-terminated list
 * of "Name: value", may be NULL) and a body ("body" NULL: none).
 * "cafile" non-NULL verifies TLS against it.  Returns the status (0 on
 * transport failure); free "r" with http_resp_free().
 */
long	 http_do(const char *method, const char *url,
	    const char *const *headers, const char *body, size_t len,
	    const char *cafile, struct http_resp *r);
void	 http_resp_free(struct http_resp *);

/*
 * http_do() from the local address "addr" (NULL: any), e.g. 127.x.y.z
 * to stand for another client.  A request with no HTTP answer prints
 * curl's reason.
 */
long	 http_do_from(const char *addr, const char *method, const char *url,
	    const char *const *headers, const char *body, size_t len,
	    const char *cafile, struct http_resp *r);

/* The stack's base URL joined with "path"; a buffer of the calling thread. */
const char *stack_url(const char *path);

/* A required environment variable; aborts the test binary if unset. */
const char *env_or_die(const char *name);

/* The body parsed as JSON (new reference) or NULL. */
json_t	*resp_json(const struct http_resp *);

/* The value of header "name" (case-insensitive) copied into "out". */
int	 resp_header(const struct http_resp *, const char *name, char *out,
	    size_t outsz);

/* Run a command (argv, NULL-terminated) and return its exit status. */
int	 run_cmd(const char *const argv[]);

/*
 * Run a command with "stdin_path" as its standard input and collect its
 * standard output and error together into "out" (NUL-terminated,
 * truncated to outsz-1).  Returns the exit status.
 */
int	 run_capture(const char *const argv[], const char *stdin_path,
	    char *out, size_t outsz);

/*
 * One FastCGI request (RESPONDER role, no body) to the unix socket
 * "path" with "params" ("NAME=VALUE" strings, NULL-terminated).  The
 * application's stdout goes into "out" (NUL-terminated).  Returns the
 * number of bytes read, or -1 if the exchange failed.
 */
long	 fcgi_request(const char *path, const char *const *params, char *out,
	    size_t outsz);

/*
 * The same in two steps, for a connection that serves several requests:
 * fcgi_connect() opens it (reads time out after 5 s); fcgi_exchange() sends
 * one request on it, asking the application to keep the connection open
 * when "keep" is non-zero, and reads the answer.
 */
int	 fcgi_connect(const char *path);
long	 fcgi_exchange(int fd, const char *const *params, int keep,
	    char *out, size_t outsz);

/* Read a small file into "out"; 1 on success. */
int	 read_small_file(const char *path, char *out, size_t outsz);

/* The pid in "path" (a pidfile), or -1. */
long	 pidfile_read(const char *path);

/* Pids of the children of "ppid", up to "max"; returns how many. */
int	 children_of(long ppid, long *pids, int max);

/* Sleep "ms" milliseconds. */
void	 msleep(long ms);

#endif /* CLIENT_H */
