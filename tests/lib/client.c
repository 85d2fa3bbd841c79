/* SPDX-License-Identifier: ISC */
/* client.c: see client.h. */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"

struct	acc {
	char	*p;
	size_t	 n;
};

static size_t
grow(char *data, size_t size, size_t n, void *arg)
{
	struct acc	*a = arg;
	char		*p;

	if ((p = realloc(a->p, a->n + size * n + 1)) == NULL)
		return 0;
	memcpy(p + a->n, data, size * n);
	a->n += size * n;
	p[a->n] = '\0';
	a->p = p;
	return size * n;
}

long
http_do(const char *method, const char *url, const char *const *headers,
    const char *body, size_t len, const char *cafile, struct http_resp *r)
{
	return http_do_from(NULL, method, url, headers, body, len, cafile, r);
}

long
http_do_from(const char *addr, const char *method, const char *url,
    const char *const *headers, const char *body, size_t len,
    const char *cafile, struct http_resp *r)
{
	struct curl_slist	*hl = NULL;
	struct acc		 b = { NULL, 0 }, h = { NULL, 0 };
	char			 iface[64];
	CURL			*c;
	CURLcode		 cc;
	size_t			 i;

	memset(r, 0, sizeof(*r));
	if ((c = curl_easy_init()) == NULL)
		return 0;
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	/* An empty Expect: a 1 KiB+ body is sent at once, as browsers do. */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	/* Longer than the stack's longest wait (nginx's 65 s read timeout). */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 90L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, grow);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, grow);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	if (addr != NULL) {
		(void)snprintf(iface, sizeof(iface), "host!%s", addr);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if ((cc = curl_easy_perform(c)) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		printf("  %s %s from %s: %s\n", method, url,
		    addr != NULL ? addr : "-", curl_easy_strerror(cc));
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.n;
	r->headers = h.p != NULL ? h.p : strdup("");
	return r->status;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

const char *
env_or_die(const char *name)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0') {
		fprintf(stderr, "%s is not set: run this test through "
		    "tests/run\n", name);
		exit(2);
	}
	return v;
}

const char *
stack_url(const char *path)
{
	/* Per thread: the load tests build URLs from several at once. */
	static _Thread_local char	url[4096];

	(void)snprintf(url, sizeof(url), "%s%s",
	    env_or_die("IGCONNECT_BASE_URL"), path);
	return url;
}

json_t *
resp_json(const struct http_resp *r)
{
	return json_loadb(r->body, r->len, 0, NULL);
}

int
resp_header(const struct http_resp *r, const char *name, char *out,
    size_t outsz)
{
	const char	*p = r->headers, *eol;
	size_t		 n = strlen(name), vlen;

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			vlen = eol != NULL ? (size_t)(eol - p) : strlen(p);
			if (vlen >= outsz)
				vlen = outsz - 1;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 1;
		}
		p = eol != NULL ? eol + 2 : NULL;
	}
	return 0;
}

int
run_cmd(const char *const argv[])
{
	pid_t	pid;
	int	status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)(void *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int
run_capture(const char *const argv[], const char *stdin_path, char *out,
    size_t outsz)
{
	pid_t	pid;
	int	fds[2], status;
	size_t	n = 0;
	ssize_t	k;

	fflush(stdout);
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		FILE *in = freopen(stdin_path, "r", stdin);

		if (in == NULL)
			_exit(126);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)(void *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (n + 1 < outsz && (k = read(fds[0], out + n,
	    outsz - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A FastCGI record header (FastCGI specification, section 3.3). */
static int
fcgi_record(int fd, int type, const unsigned char *p, size_t n)
{
	unsigned char	h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	return write(fd, h, 8) == 8 &&
	    (n == 0 || write(fd, p, n) == (ssize_t)n);
}

static int
read_full(int fd, unsigned char *p, size_t n)
{
	ssize_t	k;

	while (n > 0) {
		if ((k = read(fd, p, n)) <= 0)
			return 0;
		p += k;
		n -= (size_t)k;
	}
	return 1;
}

int
fcgi_connect(const char *path)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { 5, 0 };
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	/* A server that never answers fails the test instead of hanging it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

long
fcgi_exchange(int fd, const char *const *params, int keep, char *out,
    size_t outsz)
{
	/* FCGI_BEGIN_REQUEST: role RESPONDER, flags FCGI_KEEP_CONN or 0. */
	const unsigned char	 begin[8] = { 0, 1, keep ? 1 : 0, 0, 0, 0, 0,
	    0 };
	unsigned char		 buf[8192], h[8];
	size_t			 n = 0, len, nl, vl, o = 0;
	const char		*eq;
	int			 i;

	if (!fcgi_record(fd, 1, begin, sizeof(begin)))
		return -1;
	for (i = 0; params[i] != NULL; i++) {
		if ((eq = strchr(params[i], '=')) == NULL)
			return -1;
		nl = (size_t)(eq - params[i]);
		vl = strlen(eq + 1);
		if (nl > 127 || vl > 127 || n + 2 + nl + vl > sizeof(buf))
			return -1;
		buf[n++] = (unsigned char)nl;
		buf[n++] = (unsigned char)vl;
		memcpy(buf + n, params[i], nl);
		memcpy(buf + n + nl, eq + 1, vl);
		n += nl + vl;
	}
	if (!fcgi_record(fd, 4, buf, n) || !fcgi_record(fd, 4, NULL, 0) ||
	    !fcgi_record(fd, 5, NULL, 0))
		return -1;
	for (;;) {
		if (!read_full(fd, h, 8))
			return -1;
		len = (size_t)h[4] << 8 | h[5];
		if (!read_full(fd, buf, len + h[6]))
			return -1;
		if (h[1] == 3)		/* END_REQUEST */
			break;
		if (h[1] == 6 && o + len < outsz) {	/* STDOUT */
			memcpy(out + o, buf, len);
			o += len;
		}
	}
	out[o] = '\0';
	return (long)o;
}

long
fcgi_request(const char *path, const char *const *params, char *out,
    size_t outsz)
{
	long	n;
	int	fd;

	if ((fd = fcgi_connect(path)) == -1)
		return -1;
	n = fcgi_exchange(fd, params, 0, out, outsz);
	close(fd);
	return n;
}

int
read_small_file(const char *path, char *out, size_t outsz)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	return 1;
}

long
pidfile_read(const char *path)
{
	char	buf[32];

	if (!read_small_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

int
children_of(long ppid, long *pids, int max)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], buf[512], *p;
	int		 n = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!read_small_file(path, buf, sizeof(buf)))
			continue;
		/* Field 4 follows the ")" that ends the command name. */
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		if (strtol(p + 4, NULL, 10) == ppid)
			pids[n++] = strtol(e->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}

void
msleep(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}
