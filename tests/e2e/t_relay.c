/* SPDX-License-Identifier: ISC */
/*
 * t_relay.c: igconnect-relay end to end.  Entries reach the database
 * the real way (signed deliveries through nginx and fcgi/webhook); the
 * relay runs as a separate process and forwards them to a small HTTP
 * receiver on a thread of this program, which checks every request
 * (payload, headers, signature) and answers a status the test chooses.
 * Covered: the forwarded shape and signature, exponential backoff with
 * jitter, per-account order, retries until delivered, dead entries,
 * connection failures, daemon mode, and two relays at once never
 * sending one entry twice.  Each test first marks what earlier tests
 * left pending as delivered, so tests do not see each other's rows.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "../lib/hook.h"

#define RELAY		"tools/igconnect-relay"
#define FWD_SECRET	"relay-test-secret-0123456789abcdef"
#define FWD_PATH	"/hook/in"
#define RX_MAX		4096	/* requests one test may receive */
#define RX_HDRMAX	(64 * 1024)
#define RX_BODYMAX	(4 * 1024 * 1024)

/* ----------------------------------------------------------- receiver */

/* One request the receiver got, and what it found wrong in it. */
struct	rx_req {
	long long	 id;		/* X-Igconnect-Event-Id */
	char		 account[64];	/* accountId of the payload */
	int		 answered;	/* the status we answered */
	int		 valid;		/* everything as specified */
	char		 why[160];	/* the first problem, or "" */
	json_t		*body;		/* the parsed payload, owned */
};

/*
 * The receiver: one listening socket, one thread per connection.  The
 * first "fail_first" requests (of account "fail_acct" when it is set)
 * get a 500, the others "status"; each answer waits "delay_ms".
 */
static struct {
	int		 fd;
	int		 port;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	int		 status;
	int		 fail_first;
	char		 fail_acct[64];
	int		 failed;
	int		 delay_ms;
	int		 inflight;
	int		 maxinflight;
	size_t		 n;
	struct rx_req	 req[RX_MAX];
} rx = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
rx_reset(int status, int fail_first, const char *fail_acct, int delay_ms)
{
	size_t	i;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++)
		json_decref(rx.req[i].body);
	rx.n = 0;
	rx.status = status;
	rx.fail_first = fail_first;
	(void)snprintf(rx.fail_acct, sizeof(rx.fail_acct), "%s",
	    fail_acct != NULL ? fail_acct : "");
	rx.failed = 0;
	rx.delay_ms = delay_ms;
	rx.maxinflight = 0;
	pthread_mutex_unlock(&rx.mu);
}

static size_t
rx_count(void)
{
	size_t	n;

	pthread_mutex_lock(&rx.mu);
	n = rx.n;
	pthread_mutex_unlock(&rx.mu);
	return n;
}

static const char *
rx_url(void)
{
	static char	url[128];

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rx.port,
	    FWD_PATH);
	return url;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	k;

	while (n > 0) {
		if ((k = write(fd, p, n)) <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return 0;
		}
		p += k;
		n -= (size_t)k;
	}
	return 1;
}

/* The value of header "name" in the block "hdrs" into "out", or 0. */
static int
header(const char *hdrs, const char *name, char *out, size_t outsz)
{
	const char	*p = hdrs, *eol;
	size_t		 n = strlen(name), vlen;

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
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

/* Check X-Igconnect-Signature "t=<unix>,v1=<hex>" over "<t>." + body. */
static const char *
check_signature(const char *sig, const char *body, size_t len)
{
	unsigned char	 mac[32];
	char		 hex[65], *end, *msg;
	long long	 t;
	size_t		 tl;

	if (strncmp(sig, "t=", 2) != 0)
		return "signature does not start with t=";
	t = strtoll(sig + 2, &end, 10);
	if (end == sig + 2 || strncmp(end, ",v1=", 4) != 0)
		return "signature is not t=<digits>,v1=<hex>";
	if (llabs((long long)time(NULL) - t) > 300)
		return "signature time is more than 300 s away";
	tl = (size_t)(end - (sig + 2));
	if ((msg = malloc(tl + 1 + len)) == NULL)
		return "out of memory";
	memcpy(msg, sig + 2, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, body, len);
	ig_hmac_sha256(FWD_SECRET, strlen(FWD_SECRET), msg, tl + 1 + len,
	    mac);
	free(msg);
	ig_hex(hex, mac, sizeof(mac));
	if (strcmp(end + 4, hex) != 0)
		return "signature v1 does not match";
	return NULL;
}

/* An ISO 8601 UTC time as the API shows it: 2026-11-21T15:04:05Z. */
static int
iso_utc(const char *s)
{
	size_t	n = strlen(s);

	return n >= 20 && isdigit((unsigned char)s[0]) && s[4] == '-' &&
	    s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' &&
	    s[n - 1] == 'Z';
}

/* Everything the relay must send; NULL if all is well, else why not. */
static const char *
check_request(const char *line, const char *hdrs, const char *body,
    size_t len, json_t **out, long long *id, char *acct, size_t acctsz)
{
	char		 v[512], line_want[128];
	json_t		*o, *e;
	const char	*why, *s;

	*out = NULL;
	(void)snprintf(line_want, sizeof(line_want), "POST %s HTTP/1.1",
	    FWD_PATH);
	if (strcmp(line, line_want) != 0)
		return "request line is not POST <path> HTTP/1.1";
	if (!header(hdrs, "Content-Type", v, sizeof(v)) ||
	    strncmp(v, "application/json", 16) != 0)
		return "Content-Type is not application/json";
	if (!header(hdrs, "X-Igconnect-Event-Id", v, sizeof(v)))
		return "no X-Igconnect-Event-Id";
	*id = strtoll(v, NULL, 10);
	if ((o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return "body is not JSON";
	*out = o;
	s = json_string_value(json_object_get(o, "accountId"));
	(void)snprintf(acct, acctsz, "%s", s != NULL ? s : "");
	if (!json_is_string(json_object_get(o, "id")) ||
	    strcmp(json_string_value(json_object_get(o, "id")), v) != 0)
		return "\"id\" is not the X-Igconnect-Event-Id string";
	if (s == NULL)
		return "\"accountId\" is not a string";
	s = json_string_value(json_object_get(o, "object"));
	if (s == NULL || (strcmp(s, "instagram") != 0 &&
	    strcmp(s, "publish.published") != 0 &&
	    strcmp(s, "publish.failed") != 0))
		return "\"object\" is not \"instagram\" or a publish event";
	e = json_object_get(o, "userId");
	if (e == NULL || !(json_is_null(e) || json_is_string(e)))
		return "\"userId\" is neither a string nor null";
	if (!json_is_boolean(json_object_get(o, "test")))
		return "\"test\" is not a boolean";
	s = json_string_value(json_object_get(o, "receivedAt"));
	if (s == NULL || !iso_utc(s))
		return "\"receivedAt\" is not an ISO 8601 UTC time";
	e = json_object_get(o, "entry");
	if (!json_is_object(e) || !json_is_string(json_object_get(e, "id")) ||
	    strcmp(json_string_value(json_object_get(e, "id")), acct) != 0)
		return "\"entry\" is not the entry of \"accountId\"";
	if (!header(hdrs, "X-Igconnect-Signature", v, sizeof(v)))
		return "no X-Igconnect-Signature";
	if ((why = check_signature(v, body, len)) != NULL)
		return why;
	return NULL;
}

/* Read one request from "fd": line and headers into "h", body allocated. */
static int
read_request(int fd, char *h, size_t hsz, char **body, size_t *blen)
{
	size_t	 n = 0, cl, have;
	ssize_t	 k;
	char	*end = NULL, v[64];

	*body = NULL;
	while (end == NULL) {
		if (n + 1 >= hsz)
			return 0;
		if ((k = read(fd, h + n, hsz - 1 - n)) <= 0)
			return 0;
		n += (size_t)k;
		h[n] = '\0';
		end = strstr(h, "\r\n\r\n");
	}
	if (!header(strstr(h, "\r\n") + 2, "Content-Length", v, sizeof(v)))
		return 0;
	cl = strtoul(v, NULL, 10);
	if (cl > RX_BODYMAX || (*body = malloc(cl + 1)) == NULL)
		return 0;
	if (header(strstr(h, "\r\n") + 2, "Expect", v, sizeof(v)) &&
	    strcasecmp(v, "100-continue") == 0)
		(void)write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	have = n - (size_t)(end + 4 - h);
	if (have > cl)
		have = cl;
	memcpy(*body, end + 4, have);
	while (have < cl) {
		if ((k = read(fd, *body + have, cl - have)) <= 0)
			return 0;
		have += (size_t)k;
	}
	(*body)[cl] = '\0';
	end[2] = '\0';		/* headers end with their last CRLF */
	*blen = cl;
	return 1;
}

static void *
rx_conn(void *arg)
{
	int		 fd = (int)(intptr_t)arg, st = 400, fail;
	char		*h, *body = NULL, *nl, line[256], out[256],
			 acct[64] = "";
	const char	*why = "unreadable request";
	json_t		*o = NULL;
	long long	 id = 0;
	size_t		 blen = 0;
	struct rx_req	*r;

	if ((h = malloc(RX_HDRMAX)) == NULL)
		goto out;
	if (read_request(fd, h, RX_HDRMAX, &body, &blen)) {
		nl = strstr(h, "\r\n");
		(void)snprintf(line, sizeof(line), "%.*s", (int)(nl - h), h);
		why = check_request(line, nl + 2, body, blen, &o, &id, acct,
		    sizeof(acct));
	}

	pthread_mutex_lock(&rx.mu);
	fail = rx.failed < rx.fail_first && (rx.fail_acct[0] == '\0' ||
	    strcmp(rx.fail_acct, acct) == 0);
	if (fail)
		rx.failed++;
	st = fail ? 500 : rx.status;
	if (rx.n < RX_MAX) {
		r = &rx.req[rx.n++];
		memset(r, 0, sizeof(*r));
		r->id = id;
		(void)snprintf(r->account, sizeof(r->account), "%s", acct);
		r->answered = st;
		r->valid = why == NULL;
		(void)snprintf(r->why, sizeof(r->why), "%s",
		    why != NULL ? why : "");
		r->body = o;
		o = NULL;
	}
	if (++rx.inflight > rx.maxinflight)
		rx.maxinflight = rx.inflight;
	pthread_mutex_unlock(&rx.mu);

	if (rx.delay_ms > 0)
		msleep(rx.delay_ms);
	(void)snprintf(out, sizeof(out), "HTTP/1.1 %d Test\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok", st);
	(void)write_all(fd, out, strlen(out));
	pthread_mutex_lock(&rx.mu);
	rx.inflight--;
	pthread_mutex_unlock(&rx.mu);
out:
	json_decref(o);
	free(body);
	free(h);
	close(fd);
	return NULL;
}

static void *
rx_accept(void *arg)
{
	pthread_t	th;
	int		c;

	(void)arg;
	for (;;) {
		if ((c = accept(rx.fd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		/* A relay started meanwhile must not hold it open. */
		(void)fcntl(c, F_SETFD, FD_CLOEXEC);
		if (pthread_create(&th, NULL, rx_conn,
		    (void *)(intptr_t)c) != 0) {
			close(c);
			continue;
		}
		pthread_detach(th);
	}
}

/* A loopback socket on a free port; its port into "port". */
static int
listen_any(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
rx_start(void)
{
	if ((rx.fd = listen_any(&rx.port)) == -1)
		return 0;
	rx_reset(200, 0, NULL, 0);
	return pthread_create(&rx.th, NULL, rx_accept, NULL) == 0;
}

/* Every request was well formed and correctly signed. */
static int
rx_all_valid(void)
{
	size_t	i;
	int	ok = 1;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++)
		if (!rx.req[i].valid) {
			printf("  request %zu (id %lld): %s\n", i,
			    rx.req[i].id, rx.req[i].why);
			ok = 0;
		}
	pthread_mutex_unlock(&rx.mu);
	return ok;
}

/* Requests for entry "id", and how many of them were answered 2xx. */
static int
rx_sent(long long id, int *ok2xx)
{
	size_t	i;
	int	n = 0, k = 0;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++)
		if (rx.req[i].id == id) {
			n++;
			if (rx.req[i].answered / 100 == 2)
				k++;
		}
	pthread_mutex_unlock(&rx.mu);
	if (ok2xx != NULL)
		*ok2xx = k;
	return n;
}

/*
 * Per account, in arrival order: an entry is sent only once every
 * older entry of the account was answered 2xx, and never again after
 * that (a 2xx is final).  So each account's requests repeat an id
 * until it succeeds, then move on to a larger one.
 */
static int
rx_order_ok(void)
{
	size_t		 i, j;
	long long	 cur;
	int		 done, ok = 1;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++) {
		/* Only the first request of each account starts a walk. */
		for (j = 0; j < i; j++)
			if (strcmp(rx.req[j].account, rx.req[i].account) == 0)
				break;
		if (j < i)
			continue;
		cur = -1;
		done = 1;
		for (j = i; j < rx.n; j++) {
			if (strcmp(rx.req[j].account, rx.req[i].account) != 0)
				continue;
			if (rx.req[j].id != cur) {
				if (!done || rx.req[j].id < cur) {
					printf("  account %s: entry %lld "
					    "sent after %lld (%s)\n",
					    rx.req[i].account, rx.req[j].id,
					    cur, done ? "older" :
					    "not yet delivered");
					ok = 0;
				}
				cur = rx.req[j].id;
			} else if (done) {
				printf("  account %s: entry %lld sent again "
				    "after a 2xx\n", rx.req[i].account, cur);
				ok = 0;
			}
			done = rx.req[j].answered / 100 == 2;
		}
	}
	pthread_mutex_unlock(&rx.mu);
	return ok;
}

/* ------------------------------------------------------------ relay */

extern char	**environ;

/*
 * Start the relay with "args", forwarding to "url" signed with
 * "secret" (NULL: the variable unset).  Everything the child needs is
 * built before fork(), since this process has threads.  Its output
 * goes to the stack's log directory, where sanitizer reports are seen.
 */
static pid_t
relay_spawn(const char *url, const char *secret, const char *const *args)
{
	const char	*argv[16];
	char		**envp, ue[512], se[512], logf[4096];
	size_t		 i, n = 0;
	pid_t		 pid;
	int		 fd;

	argv[0] = RELAY;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	for (i = 0; environ[i] != NULL; i++)
		continue;
	if ((envp = calloc(i + 3, sizeof(*envp))) == NULL)
		return -1;
	for (i = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "IGCONNECT_FORWARD_", 18) != 0)
			envp[n++] = environ[i];
	if (url != NULL) {
		(void)snprintf(ue, sizeof(ue), "IGCONNECT_FORWARD_URL=%s", url);
		envp[n++] = ue;
	}
	if (secret != NULL) {
		(void)snprintf(se, sizeof(se), "IGCONNECT_FORWARD_SECRET=%s",
		    secret);
		envp[n++] = se;
	}
	(void)snprintf(logf, sizeof(logf), "%s/log/relay-test.log",
	    env_or_die("IGCONNECT_VAR"));
	fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execve(RELAY, (char *const *)(void *)argv, envp);
		_exit(127);
	}
	if (fd != -1)
		close(fd);
	free(envp);
	return pid;
}

/* Wait at most "ms" for "pid"; its exit status, else -1 (and killed). */
static int
relay_wait(pid_t pid, long ms)
{
	int	status;
	long	t;

	if (pid <= 0)
		return -1;
	for (t = 0; t < ms; t += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		msleep(10);
	}
	printf("  relay %ld still running after %ld ms: killed\n",
	    (long)pid, ms);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return -1;
}

/* Run the relay to the receiver with "args"; its exit status. */
static int
relay(const char *const *args)
{
	return relay_wait(relay_spawn(rx_url(), FWD_SECRET, args), 30000);
}

/* ------------------------------------------------------------ fixtures */

static long long
pending(void)
{
	return hook_count("SELECT count(*) FROM webhook_entries "
	    "WHERE status = 'pending'", 0, NULL);
}

/*
 * A clean slate: what earlier tests left pending is marked delivered,
 * so the relay sees only this test's entries.
 */
static void
quiesce(int status, int fail_first, const char *fail_acct, int delay_ms)
{
	CHECK(hook_exec("UPDATE webhook_entries SET status = 'delivered', "
	    "deliveredat = now() WHERE status = 'pending'", 0, NULL));
	rx_reset(status, fail_first, fail_acct, delay_ms);
}

/* Deliver "n" entries cycling over "accts" through the real webhook. */
static int
deliver(const char *const *accts, size_t nacct, int n)
{
	char	*body = hook_delivery(accts, nacct, n);
	long	 st;

	st = hook_post(body, strlen(body), env_or_die("INSTAGRAM_APP_SECRET"),
	    NULL);
	free(body);
	return st == 200;
}

/* Ids of "acct"'s entries, oldest first, into "ids"; how many. */
static size_t
entry_ids(const char *acct, long long *ids, size_t max)
{
	const char	*p[] = { acct };
	PGresult	*r;
	size_t		 i, n = 0;

	r = PQexecParams(hook_db(), "SELECT id FROM webhook_entries WHERE "
	    "accountid = $1 ORDER BY id", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		for (i = 0; i < (size_t)PQntuples(r) && n < max; i++)
			ids[n++] = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* A column of entry "id" as text into "out" (empty for NULL). */
static int
entry_col(long long id, const char *expr, char *out, size_t outsz)
{
	char		 sql[512], ids[32];
	const char	*p[] = { ids };

	(void)snprintf(ids, sizeof(ids), "%lld", id);
	(void)snprintf(sql, sizeof(sql), "SELECT %s FROM webhook_entries "
	    "WHERE id = $1::bigint", expr);
	return hook_query(out, outsz, sql, 1, p) == 1;
}

static int
entry_is(long long id, const char *status, int attempts)
{
	char	v[64], want[64];

	(void)snprintf(want, sizeof(want), "%s %d", status, attempts);
	if (!entry_col(id, "status || ' ' || attempts", v, sizeof(v)))
		return 0;
	if (strcmp(v, want) != 0) {
		printf("  entry %lld is \"%s\", not \"%s\"\n", id, v, want);
		return 0;
	}
	return 1;
}

/* Entry "id" is delivered, with the time it was. */
static int
delivered(long long id)
{
	char	v[16];

	return entry_col(id, "status = 'delivered' AND deliveredat IS NOT "
	    "NULL", v, sizeof(v)) && strcmp(v, "t") == 0;
}

/*
 * Run --once with "args" until nothing is pending, within "ms".  Its
 * exit status after failed deliveries is not specified; one that did
 * not run or did not end is a failure.
 */
static int
drain(const char *const *args, long ms)
{
	struct timespec	t0, t;
	long		el = 0;
	int		rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pending() > 0 && el < ms) {
		if ((rc = relay(args)) == -1 || rc >= 126)
			return 0;
		msleep(20);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	return pending() == 0;
}

/* The forwarded request for entry "id" (borrowed; NULL if none). */
static json_t *
rx_body(long long id)
{
	json_t	*o = NULL;
	size_t	 i;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++)
		if (rx.req[i].id == id)
			o = rx.req[i].body;
	pthread_mutex_unlock(&rx.mu);
	return o;
}

/* ------------------------------------------------------------- tests */

static const char *const once[] = { "--once", NULL };

/*
 * Raw bodies past IGCONNECT_WEBHOOK_RETENTION_DAYS (30 by default) are
 * emptied by the relay; younger ones are kept, entries stay, and a late
 * redelivery of a purged body is still a duplicate.
 */
static void
t_relay_purges_old_bodies(void)
{
	char		 a[32], *old, *young;
	const char	*accts[] = { a }, *p_old[1], *p_young[1];
	long		 st;

	quiesce(200, 0, NULL, 0);
	hook_newid(a, sizeof(a));
	old = hook_delivery(accts, 1, 1);
	young = hook_delivery(accts, 1, 1);
	p_old[0] = old;
	p_young[0] = young;
	CHECK(hook_post(old, strlen(old), env_or_die("INSTAGRAM_APP_SECRET"),
	    NULL) == 200);
	CHECK(hook_post(young, strlen(young),
	    env_or_die("INSTAGRAM_APP_SECRET"), NULL) == 200);
	CHECK(hook_exec("UPDATE webhook_events SET receivedAt = now() - "
	    "interval '31 days' WHERE body = convert_to($1, 'UTF8')", 1,
	    p_old));
	CHECK(relay(once) == 0);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE bodyhash "
	    "= sha256(convert_to($1, 'UTF8')) AND octet_length(body) = 0", 1,
	    p_old) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE body = "
	    "convert_to($1, 'UTF8')", 1, p_young) == 1);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "accountid = $1", 1, accts) == 2);
	st = hook_post(old, strlen(old), env_or_die("INSTAGRAM_APP_SECRET"),
	    NULL);
	CHECK(st == 200);
	CHECK(hook_count("SELECT count(*) FROM webhook_events WHERE bodyhash "
	    "= sha256(convert_to($1, 'UTF8'))", 1, p_old) == 1);
	free(old);
	free(young);
}

/* The forwarded shape, signature, user and test flag; then nothing more. */
static void
t_relay_forwards_signed(void)
{
	char		 ext[64], puid[32], a[32], b[32], conn[64], v[4096];
	const char	*accts[3] = { a, "0", b };
	long long	 ids[3];
	json_t		*o, *want;
	size_t		 i, n;
	int		 k;

	quiesce(200, 0, NULL, 0);
	(void)snprintf(ext, sizeof(ext), "relay-user-%s", hook_nonce());
	hook_newid(puid, sizeof(puid));
	hook_newid(a, sizeof(a));
	hook_newid(b, sizeof(b));
	CHECK(hook_connection_new(ext, puid, a, conn, sizeof(conn)));
	CHECK(deliver(accts, 3, 3));
	CHECK(pending() == 3);
	CHECK(relay(once) == 0);
	CHECK(pending() == 0);
	CHECK(rx_count() == 3);
	CHECK(rx_all_valid());

	for (i = 0; i < 3; i++) {
		if (strcmp(accts[i], "0") == 0) {
			/* The test entry is this run's newest one of "0". */
			CHECK(hook_query(v, sizeof(v), "SELECT max(id) FROM "
			    "webhook_entries WHERE accountid = '0'", 0,
			    NULL) == 1);
			ids[i] = strtoll(v, NULL, 10);
			n = 1;
		} else
			n = entry_ids(accts[i], &ids[i], 1);
		CHECK(n == 1);
		CHECK(rx_sent(ids[i], &k) == 1 && k == 1);
		CHECK(delivered(ids[i]));
		if ((o = rx_body(ids[i])) == NULL)
			continue;
		CHECK(strcmp(json_string_value(json_object_get(o,
		    "accountId")), accts[i]) == 0);
		/* The entry is forwarded as stored. */
		CHECK(entry_col(ids[i], "payload::text", v, sizeof(v)));
		want = json_loads(v, 0, NULL);
		CHECK(want != NULL && json_equal(want,
		    json_object_get(o, "entry")));
		json_decref(want);
		if (i == 0) {
			CHECK(json_is_string(json_object_get(o, "userId")) &&
			    strcmp(json_string_value(json_object_get(o,
			    "userId")), ext) == 0);
			CHECK(json_is_false(json_object_get(o, "test")));
		} else {
			CHECK(json_is_null(json_object_get(o, "userId")));
			CHECK(json_is_boolean(json_object_get(o, "test")) &&
			    json_is_true(json_object_get(o, "test")) ==
			    (i == 1));
		}
	}

	/* Nothing is due any more: exit 0, nothing sent. */
	CHECK(relay(once) == 0);
	CHECK(rx_count() == 3);
}

/* Seconds from now to entry "id"'s next attempt (-1e9 if unknown). */
static double
due_in(long long id)
{
	char	v[64];

	if (!entry_col(id, "extract(epoch FROM nextattemptat - now())", v,
	    sizeof(v)))
		return -1e9;
	return strtod(v, NULL);
}

static int
make_due(long long id)
{
	char		 ids[32];
	const char	*p[] = { ids };

	(void)snprintf(ids, sizeof(ids), "%lld", id);
	return hook_exec("UPDATE webhook_entries SET nextattemptat = now() "
	    "WHERE id = $1::bigint", 1, p);
}

/*
 * A failed entry waits backoff * 2^(attempts-1), 50-100% of it, and
 * holds back the younger entries of its account, not other accounts.
 */
static void
t_relay_backoff_and_order(void)
{
	char		 a[32], b[32], v[256];
	const char	*accts[3] = { a, b, a };
	long long	 ia[2], ib[1];
	double		 d;
	int		 k;

	hook_newid(a, sizeof(a));
	hook_newid(b, sizeof(b));
	quiesce(200, 2, a, 0);
	CHECK(deliver(accts, 3, 3));
	CHECK(entry_ids(a, ia, 2) == 2);
	CHECK(entry_ids(b, ib, 1) == 1);

	(void)relay(once);
	CHECK(rx_sent(ia[0], &k) == 1 && k == 0);
	CHECK(rx_sent(ia[1], NULL) == 0);
	CHECK(rx_sent(ib[0], &k) == 1 && k == 1);
	CHECK(entry_is(ia[0], "pending", 1));
	CHECK(entry_is(ia[1], "pending", 0));
	CHECK(delivered(ib[0]));
	CHECK(entry_col(ia[0], "coalesce(lasterror, '')", v, sizeof(v)) &&
	    strlen(v) > 0);
	d = due_in(ia[0]);
	if (!CHECK(d > 2.5 - 1.0 && d <= 5.0))
		printf("  first retry in %.3f s, want 2.5-5\n", d);

	/* In backoff: nothing is due, and the account waits. */
	CHECK(relay(once) == 0);
	CHECK(rx_count() == 2);

	/* The second failure doubles the wait. */
	CHECK(make_due(ia[0]));
	(void)relay(once);
	CHECK(rx_sent(ia[0], &k) == 2 && k == 0);
	CHECK(rx_sent(ia[1], NULL) == 0);
	CHECK(entry_is(ia[0], "pending", 2));
	d = due_in(ia[0]);
	if (!CHECK(d > 5.0 - 1.0 && d <= 10.0))
		printf("  second retry in %.3f s, want 5-10\n", d);

	/* Due again and answered: both go, oldest first. */
	CHECK(make_due(ia[0]));
	CHECK(drain(once, 10000));
	CHECK(rx_sent(ia[0], &k) == 3 && k == 1);
	CHECK(rx_sent(ia[1], &k) == 1 && k == 1);
	CHECK(rx_order_ok());
	CHECK(rx_all_valid());
}

/* A receiver that refuses connections counts as a failed attempt. */
static void
t_relay_connection_refused(void)
{
	char		 a[32], url[128], v[256];
	const char	*accts[1] = { a };
	const char *const args[] = { "--once", "--backoff", "60", NULL };
	long long	 id;
	int		 fd, port;

	hook_newid(a, sizeof(a));
	quiesce(200, 0, NULL, 0);
	CHECK(deliver(accts, 1, 1));
	CHECK(entry_ids(a, &id, 1) == 1);
	/* A port that was free a moment ago and now has no listener. */
	fd = listen_any(&port);
	CHECK(fd != -1);
	close(fd);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
	(void)relay_wait(relay_spawn(url, FWD_SECRET, args), 30000);
	CHECK(entry_is(id, "pending", 1));
	CHECK(entry_col(id, "coalesce(lasterror, '')", v, sizeof(v)) &&
	    strlen(v) > 0);
	CHECK(due_in(id) > 25);
	CHECK(rx_count() == 0);
}

/*
 * Always failing: "dead" after --max-attempts, and a dead entry no
 * longer holds back the younger entries of its account.
 */
static void
t_relay_dead_after_max_attempts(void)
{
	char		 a[32];
	const char	*accts[1] = { a };
	const char *const args[] = { "--once", "--max-attempts", "3",
	    "--backoff", "0.01", NULL };
	long long	 ids[2];
	int		 k;

	hook_newid(a, sizeof(a));
	quiesce(200, 3, a, 0);
	CHECK(deliver(accts, 1, 2));
	CHECK(entry_ids(a, ids, 2) == 2);
	CHECK(drain(args, 15000));
	CHECK(entry_is(ids[0], "dead", 3));
	CHECK(rx_sent(ids[0], &k) == 3 && k == 0);
	CHECK(delivered(ids[1]));
	CHECK(rx_sent(ids[1], &k) == 1 && k == 1);
	CHECK(rx_all_valid());

	/* Nothing is due: a dead entry is never sent again. */
	CHECK(relay(args) == 0);
	CHECK(rx_sent(ids[0], NULL) == 3);
}

/* Every entry of "accts" delivered, sent 2xx once, in order. */
static void
check_all_delivered(const char *const *accts, size_t nacct, size_t each)
{
	long long	ids[64];
	size_t		i, j, n;
	int		k, bad = 0;

	for (i = 0; i < nacct; i++) {
		n = entry_ids(accts[i], ids, 64);
		CHECK(n == each);
		for (j = 0; j < n; j++) {
			(void)rx_sent(ids[j], &k);
			if (k != 1 || !delivered(ids[j])) {
				printf("  entry %lld: %d answers 2xx\n",
				    ids[j], k);
				bad++;
			}
		}
	}
	CHECK(bad == 0);
	CHECK(rx_order_ok());
	CHECK(rx_all_valid());
}

/* The first K requests fail; repeated --once runs deliver everything. */
static void
t_relay_retries_until_delivered(void)
{
	char		 acct[5][32];
	const char	*accts[5];
	const char *const args[] = { "--once", "--backoff", "0.05", NULL };
	size_t		 i;

	for (i = 0; i < 5; i++) {
		hook_newid(acct[i], sizeof(acct[i]));
		accts[i] = acct[i];
	}
	quiesce(200, 7, NULL, 0);
	CHECK(deliver(accts, 5, 20));
	CHECK(pending() == 20);
	CHECK(drain(args, 20000));
	CHECK(rx_count() == 27);
	check_all_delivered(accts, 5, 4);
}

/* --daemon keeps polling until told to stop, then exits promptly. */
static void
t_relay_daemon(void)
{
	char		 acct[4][32];
	const char	*accts[4];
	const char *const args[] = { "--daemon", "--interval", "0.1",
	    "--backoff", "0.05", NULL };
	pid_t		 pid;
	size_t		 i;
	int		 t, rc;

	for (i = 0; i < 4; i++) {
		hook_newid(acct[i], sizeof(acct[i]));
		accts[i] = acct[i];
	}
	quiesce(200, 5, NULL, 0);
	pid = relay_spawn(rx_url(), FWD_SECRET, args);
	CHECK(pid > 0);
	msleep(300);
	/* Entries that arrive while it runs are picked up too. */
	CHECK(deliver(accts, 4, 12));
	for (t = 0; t < 150 && pending() > 0; t++)
		msleep(100);
	CHECK(pending() == 0);
	CHECK(waitpid(pid, &rc, WNOHANG) == 0);	/* still running */
	CHECK(kill(pid, SIGTERM) == 0);
	rc = relay_wait(pid, 5000);
	CHECK(rc == 0);
	CHECK(rx_count() == 17);
	check_all_delivered(accts, 4, 3);
}

/*
 * Two relays at once over a few hundred entries: each entry reaches
 * the receiver exactly once and all are delivered, in order per
 * account.  The receiver is slow enough for their claims to overlap.
 */
static void
t_relay_two_at_once(void)
{
	char		 acct[60][32];
	const char	*accts[60];
	const char *const args[] = { "--once", "--batch", "20", NULL };
	pid_t		 p1, p2;
	size_t		 i;
	int		 round, r1, r2;

	for (i = 0; i < 60; i++) {
		hook_newid(acct[i], sizeof(acct[i]));
		accts[i] = acct[i];
	}
	quiesce(200, 0, NULL, 3);
	CHECK(deliver(accts, 60, 300));
	CHECK(pending() == 300);
	for (round = 0; round < 40 && pending() > 0; round++) {
		p1 = relay_spawn(rx_url(), FWD_SECRET, args);
		p2 = relay_spawn(rx_url(), FWD_SECRET, args);
		r1 = relay_wait(p1, 30000);
		r2 = relay_wait(p2, 30000);
		CHECK(r1 == 0 && r2 == 0);
	}
	CHECK(pending() == 0);
	/* The two did overlap, or this proved nothing. */
	CHECK(rx.maxinflight >= 2);
	if (!CHECK(rx_count() == 300))
		printf("  %zu requests for 300 entries\n", rx_count());
	check_all_delivered(accts, 60, 5);
}

/*
 * A relay that dies while sending leaves its claim: until the lease
 * runs out no other relay sends that entry (nor the younger entries of
 * its account); once it has, the entry is sent again.
 */
static void
t_relay_lease(void)
{
	char		 a[32], b[32], ids[32];
	const char	*accts[3] = { a, a, b };
	const char	*p[] = { ids };
	long long	 ia[2], ib;
	pid_t		 pid;
	size_t		 i;
	int		 k;

	hook_newid(a, sizeof(a));
	hook_newid(b, sizeof(b));
	quiesce(200, 0, NULL, 2000);
	CHECK(deliver(accts, 2, 2));	/* a's first two: a, a */
	CHECK(entry_ids(a, ia, 2) == 2);
	pid = relay_spawn(rx_url(), FWD_SECRET, once);
	for (i = 0; i < 500 && rx_count() == 0; i++)
		msleep(10);
	CHECK(rx_count() == 1);
	CHECK(kill(pid, SIGKILL) == 0);
	(void)relay_wait(pid, 5000);
	(void)snprintf(ids, sizeof(ids), "%lld", ia[0]);
	CHECK(hook_count("SELECT count(*) FROM webhook_entries WHERE "
	    "id = $1::bigint AND status = 'pending' AND claimeduntil > now()",
	    1, p) == 1);

	/* Another account's entry still goes; a's wait for the lease. */
	rx_reset(200, 0, NULL, 0);
	CHECK(deliver(accts + 2, 1, 1));
	CHECK(entry_ids(b, &ib, 1) == 1);
	CHECK(relay(once) == 0);
	CHECK(rx_sent(ib, &k) == 1 && k == 1);
	CHECK(rx_sent(ia[0], NULL) == 0);
	CHECK(rx_sent(ia[1], NULL) == 0);

	/* The lease runs out: both are sent, in order. */
	CHECK(hook_exec("UPDATE webhook_entries SET claimeduntil = now() - "
	    "interval '1 second' WHERE id = $1::bigint", 1, p));
	CHECK(drain(once, 10000));
	CHECK(rx_sent(ia[0], &k) == 1 && k == 1);
	CHECK(rx_sent(ia[1], &k) == 1 && k == 1);
	CHECK(rx_order_ok());
	CHECK(rx_all_valid());
}

/* Without a usable forward secret or URL the relay refuses to start. */
static void
t_relay_needs_config(void)
{
	char		 a[32];
	const char	*accts[1] = { a };
	long long	 id;

	hook_newid(a, sizeof(a));
	quiesce(200, 0, NULL, 0);
	CHECK(deliver(accts, 1, 1));
	CHECK(entry_ids(a, &id, 1) == 1);
	CHECK(relay_wait(relay_spawn(rx_url(), NULL, once), 10000) != 0);
	CHECK(relay_wait(relay_spawn(rx_url(), "short", once), 10000) != 0);
	CHECK(relay_wait(relay_spawn(NULL, FWD_SECRET, once), 10000) != 0);
	CHECK(relay_wait(relay_spawn("not a url", FWD_SECRET, once),
	    10000) != 0);
	CHECK(rx_count() == 0);
	CHECK(entry_is(id, "pending", 0));
}

/* Whatever the relay logged, the forward secret is not in it. */
static void
t_relay_log_keeps_no_secret(void)
{
	char			 logf[4096];
	const char *const	 grep[] = { "grep", "-q", FWD_SECRET, logf,
	    NULL };

	(void)snprintf(logf, sizeof(logf), "%s/log/relay-test.log",
	    env_or_die("IGCONNECT_VAR"));
	CHECK(access(logf, R_OK) == 0);
	CHECK(run_cmd(grep) == 1);
}

/*
 * A published post reaches the app through the same queue, signed:
 * {"type": "publish.published", "jobId", "mediaId", "permalink"} as the
 * entry of the account it was posted to, for the user who posted.
 */
static void
t_relay_publish_events(void)
{
	struct flow_user	 u;
	long long		 n = flow_account(0), ids[2];
	long			 st;
	json_t			*o, *e;
	char			 acct[32], job[64];
	int			 ok2;

	quiesce(200, 0, NULL, 0);
	if (!CHECK(flow_init()))
		return;
	flow_user_new(&u);
	CHECK(flow_connect(&u, n, NULL, NULL) == 200);
	o = flow_req_json(&u, "POST", "/integrations/instagram/media",
	    "{\"imageUrl\":\"https://cdn.example.com/event.jpg\"}", &st);
	CHECK(st == 201);
	(void)snprintf(job, sizeof(job), "%s", json_string_value(
	    json_object_get(o, "jobId")) != NULL ? json_string_value(
	    json_object_get(o, "jobId")) : "");
	json_decref(o);
	(void)snprintf(acct, sizeof(acct), "%lld", 17841457215396811LL + n);
	CHECK(entry_ids(acct, ids, 2) == 1);
	CHECK(relay(once) == 0);
	CHECK(rx_all_valid());
	CHECK(rx_sent(ids[0], &ok2) == 1 && ok2 == 1);
	if ((o = rx_body(ids[0])) != NULL) {
		e = json_object_get(o, "entry");
		CHECK(strcmp(json_string_value(json_object_get(o, "object")),
		    "publish.published") == 0);
		CHECK(strcmp(json_string_value(json_object_get(e, "type")),
		    "publish.published") == 0);
		CHECK(strcmp(json_string_value(json_object_get(e, "jobId")),
		    job) == 0);
		CHECK(json_is_string(json_object_get(e, "mediaId")));
		CHECK(json_is_string(json_object_get(o, "userId")) &&
		    strcmp(json_string_value(json_object_get(o, "userId")),
		    u.id) == 0);
	} else
		CHECK(0);
	flow_user_free(&u);
	flow_end();
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const struct ig_test tests[] = {
	TEST(t_relay_forwards_signed),
	TEST(t_relay_purges_old_bodies),
	TEST(t_relay_publish_events),
	TEST(t_relay_backoff_and_order),
	TEST(t_relay_connection_refused),
	TEST(t_relay_dead_after_max_attempts),
	TEST(t_relay_retries_until_delivered),
	TEST(t_relay_daemon),
	TEST(t_relay_two_at_once),
	TEST(t_relay_lease),
	TEST(t_relay_needs_config),
	TEST(t_relay_log_keeps_no_secret),
};

int
main(int argc, char *argv[])
{
	int	rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	(void)hook_nonce();
	if (PQstatus(hook_db()) != CONNECTION_OK || !rx_start()) {
		printf("could not start: database or receiver\n");
		return 2;
	}
	rc = ig_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	/* Leave nothing pending for whoever runs next. */
	(void)hook_exec("UPDATE webhook_entries SET status = 'delivered', "
	    "deliveredat = now() WHERE status = 'pending'", 0, NULL);
	PQfinish(hook_db());
	curl_global_cleanup();
	return rc;
}
