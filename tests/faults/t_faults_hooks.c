/* SPDX-License-Identifier: ISC */
/*
 * t_faults_hooks.c: a storm of signed webhook deliveries, a fifth of
 * them duplicates sent at the same moment as their originals by other
 * senders (the very bytes again, as Meta retries, or the same entries
 * batched anew), then igconnect-relay forwarding everything to a
 * receiver that fails 30 % of its requests.  Every entry is stored
 * exactly once, and reaches the receiver answered 2xx exactly once, in
 * order per account.
 */
#define _GNU_SOURCE		/* accept4, asprintf */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
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

#include "ig.h"
#include "../lib/check.h"
#include "../lib/client.h"
#include "../lib/flow.h"
#include "fault.h"
#include "load.h"

#define ACCOUNTS	200	/* the relay sends each one's entries in turn */
#define ACCOUNT_BASE	17841480000000000LL
#define FWD_SECRET	"faults-relay-secret-0123456789abcdef"
#define FAIL_PERCENT	30
#define RX_MAX		(64 * 1024)	/* a request the receiver reads */

/* ------------------------------------------------------------ deliveries */

struct	batch {
	char	**body;		/* what each sender posts, in order */
	size_t	  n;
	size_t	  unique;	/* distinct bodies among them */
	size_t	  resent;	/* duplicates: the same bytes again */
	size_t	  rebatched;	/* and entries sent before, in a new batch */
	char	**entry;	/* every entry, once */
	size_t	  nentries;
	char	  tag[64];	/* the text of every entry of this run */
};

static char *
entry_new(struct batch *b, unsigned *seed)
{
	char	*e;

	if (asprintf(&e, "{\"id\":\"%lld\",\"time\":%lld,\"changes\":[{"
	    "\"field\":\"comments\",\"value\":{\"id\":\"fh%zu\",\"text\":"
	    "\"%s\",\"from\":{\"id\":\"232323232\",\"username\":\"someone\"},"
	    "\"media\":{\"id\":\"123123123\",\"media_product_type\":\"FEED\""
	    "}}}]}", ACCOUNT_BASE + rand_r(seed) % ACCOUNTS,
	    (long long)time(NULL), b->nentries, b->tag) == -1)
		return NULL;
	return b->entry[b->nentries++] = e;
}

/* A delivery of the entries "e[0..k)". */
static char *
delivery(char *const *e, int k)
{
	size_t	 len = 64;
	char	*d;
	int	 i;

	for (i = 0; i < k; i++)
		len += strlen(e[i]) + 1;
	if ((d = malloc(len)) == NULL)
		return NULL;
	(void)strcpy(d, "{\"object\":\"instagram\",\"entry\":[");
	for (i = 0; i < k; i++) {
		if (i > 0)
			(void)strcat(d, ",");
		(void)strcat(d, e[i]);
	}
	(void)strcat(d, "]}");
	return d;
}

/*
 * "n" deliveries: after every fourth fresh one (a fifth of the whole)
 * comes a duplicate, so the next sender posts it while the original is
 * in flight: every other one the same bytes, else its entries in
 * another batch with one fresh entry.
 */
static int
batch_make(struct batch *b, size_t n)
{
	char		*e[4], **first;
	unsigned	 seed = (unsigned)getpid();
	size_t		 fresh = 0;
	int		 k, i;

	memset(b, 0, sizeof(*b));
	(void)snprintf(b->tag, sizeof(b->tag), "hooks %ld-%lld",
	    (long)getpid(), (long long)time(NULL));
	if ((b->body = calloc(n, sizeof(*b->body))) == NULL ||
	    (b->entry = calloc(4 * n, sizeof(*b->entry))) == NULL)
		return 0;
	while (b->n < n) {
		k = 1 + rand_r(&seed) % 3;
		first = &b->entry[b->nentries];
		for (i = 0; i < k; i++)
			if ((e[i] = entry_new(b, &seed)) == NULL)
				return 0;
		if ((b->body[b->n++] = delivery(e, k)) == NULL)
			return 0;
		b->unique++;
		if (++fresh % 4 != 0 || b->n == n)
			continue;
		if (fresh % 8 == 0) {
			b->body[b->n] = strdup(b->body[b->n - 1]);
			b->resent++;
		} else {
			e[0] = first[0];
			if ((e[1] = entry_new(b, &seed)) == NULL)
				return 0;
			b->body[b->n] = delivery(e, 2);
			b->unique++;
			b->rebatched++;
		}
		if (b->body[b->n++] == NULL)
			return 0;
	}
	return 1;
}

static void
batch_free(struct batch *b)
{
	size_t	i;

	for (i = 0; b->body != NULL && i < b->n; i++)
		free(b->body[i]);
	for (i = 0; b->entry != NULL && i < b->nentries; i++)
		free(b->entry[i]);
	free(b->body);
	free(b->entry);
}

/* ------------------------------------------------------------ receiver */

/*
 * The host app: a thread per connection, answering 500 to a random
 * FAIL_PERCENT of the requests and 200 to the others, checking each
 * signature, and keeping every answer in arrival order.
 */
struct	answer {
	long long	id;
	int		account;	/* accountId - ACCOUNT_BASE */
	int		status;
};

static struct {
	int		 fd, port;
	pthread_mutex_t	 mu;
	unsigned	 seed;
	struct answer	*a;
	size_t		 n, cap;
	long		 unsigned_;	/* requests with a bad signature */
} rx = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The value of header "name" in "h" (lines ending \r\n) into "out". */
static int
header(const char *h, const char *name, char *out, size_t outsz)
{
	const char	*p, *eol;
	size_t		 n = strlen(name);

	for (p = h; p != NULL && *p != '\0'; p = eol != NULL ? eol + 2 : NULL) {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		for (p += n + 1; *p == ' '; p++)
			continue;
		(void)snprintf(out, outsz, "%.*s", (int)(eol != NULL ?
		    (size_t)(eol - p) : strlen(p)), p);
		return 1;
	}
	return 0;
}

/* "t=<unix>,v1=<hex>" over "<t>." + body, with the forward secret. */
static int
signed_ok(const char *sig, const char *body, size_t len)
{
	unsigned char	 mac[32];
	char		 hex[65], *msg, *v;
	size_t		 tl;

	if (strncmp(sig, "t=", 2) != 0 || (v = strstr(sig, ",v1=")) == NULL ||
	    (msg = malloc(len + 32)) == NULL)
		return 0;
	tl = (size_t)(v - sig - 2);
	memcpy(msg, sig + 2, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, body, len);
	(void)ig_hmac_sha256(FWD_SECRET, strlen(FWD_SECRET), msg, tl + 1 + len,
	    mac);
	free(msg);
	ig_hex(hex, mac, sizeof(mac));
	return strcmp(v + 4, hex) == 0;
}

/* Read one request: headers into "h", the body after them; 1 if whole. */
static int
read_request(int fd, char *h, size_t hsz, char **body, size_t *blen)
{
	size_t	 n = 0, cl;
	ssize_t	 k;
	char	*end = NULL, v[32];

	while (end == NULL) {
		if (n + 1 >= hsz || (k = read(fd, h + n, hsz - 1 - n)) <= 0)
			return 0;
		n += (size_t)k;
		h[n] = '\0';
		end = strstr(h, "\r\n\r\n");
	}
	if (!header(h, "Content-Length", v, sizeof(v)) ||
	    (cl = strtoul(v, NULL, 10)) > hsz / 2)
		return 0;
	*body = end + 4;
	while ((size_t)(h + n - *body) < cl) {
		if (n + 1 >= hsz || (k = read(fd, h + n, hsz - 1 - n)) <= 0)
			return 0;
		n += (size_t)k;
	}
	(*body)[cl] = '\0';
	*blen = cl;
	return 1;
}

static void
rx_record(long long id, int account, int status)
{
	struct answer	*na;
	size_t		 cap;

	if (rx.n == rx.cap) {
		cap = rx.cap ? 2 * rx.cap : 4096;
		if ((na = realloc(rx.a, cap * sizeof(*na))) == NULL)
			return;
		rx.a = na;
		rx.cap = cap;
	}
	rx.a[rx.n].id = id;
	rx.a[rx.n].account = account;
	rx.a[rx.n++].status = status;
}

static void *
rx_conn(void *arg)
{
	int		 fd = (int)(intptr_t)arg, st = 400;
	char		*h, *body, v[128], *acct, out[160];
	size_t		 blen;
	long long	 id = 0;

	if ((h = malloc(RX_MAX)) == NULL)
		goto out;
	if (read_request(fd, h, RX_MAX, &body, &blen) &&
	    header(h, "X-Igconnect-Event-Id", v, sizeof(v))) {
		id = strtoll(v, NULL, 10);
		acct = strstr(body, "\"accountId\": \"");
		pthread_mutex_lock(&rx.mu);
		if (!header(h, "X-Igconnect-Signature", v, sizeof(v)) ||
		    !signed_ok(v, body, blen))
			rx.unsigned_++;
		st = rand_r(&rx.seed) % 100 < FAIL_PERCENT ? 500 : 200;
		rx_record(id, acct != NULL ? (int)(strtoll(acct + 14, NULL,
		    10) - ACCOUNT_BASE) : -1, st);
		pthread_mutex_unlock(&rx.mu);
	}
	(void)snprintf(out, sizeof(out), "HTTP/1.1 %d Test\r\nContent-Length: "
	    "2\r\nConnection: close\r\n\r\nok", st);
	(void)send(fd, out, strlen(out), MSG_NOSIGNAL);
out:
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
		if ((c = accept4(rx.fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (pthread_create(&th, NULL, rx_conn, (void *)(intptr_t)c)) {
			close(c);
			continue;
		}
		pthread_detach(th);
	}
}

static int
rx_start(void)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	pthread_t		th;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx.seed = (unsigned)getpid();
	if ((rx.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(rx.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(rx.fd, 512) == -1 ||
	    getsockname(rx.fd, (struct sockaddr *)&sin, &sl) == -1)
		return 0;
	rx.port = ntohs(sin.sin_port);
	if (pthread_create(&th, NULL, rx_accept, NULL) != 0)
		return 0;
	pthread_detach(th);
	return 1;
}

/* ------------------------------------------------------------ checks */

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct deliveries' SHA-256, in hex; how many. */
static size_t
distinct_hashes(const struct batch *b, char ***out)
{
	unsigned char	  md[32];
	char		**v;
	size_t		  i, k = 0;

	if ((*out = v = calloc(b->n + 1, sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < b->n; i++) {
		if ((v[i] = malloc(65)) == NULL)
			return 0;
		(void)ig_sha256(b->body[i], strlen(b->body[i]), md);
		ig_hex(v[i], md, sizeof(md));
	}
	qsort(v, b->n, sizeof(*v), by_str);
	for (i = 0; i < b->n; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
		else
			free(v[i]);
	return k;
}

/* Every entry of the run stored once, every distinct delivery kept. */
static void
check_stored(const struct batch *b)
{
	char		**hex, n[32], d[32];
	size_t		  k = distinct_hashes(b, &hex), i;
	long		  missing = events_missing(hex, k);

	(void)db_val(n, sizeof(n), "SELECT count(*) FROM webhook_entries "
	    "WHERE payload#>>'{changes,0,value,text}' = $1", b->tag, NULL);
	(void)db_val(d, sizeof(d), "SELECT count(DISTINCT "
	    "payload#>>'{changes,0,value,id}') FROM webhook_entries "
	    "WHERE payload#>>'{changes,0,value,text}' = $1", b->tag, NULL);
	figure("stored: %s entries (%s distinct) of %zu sent; distinct "
	    "deliveries %zu, missing %ld", n, d, b->nentries, k, missing);
	CHECK(k == b->unique);
	CHECK(missing == 0);
	CHECK(strtoul(n, NULL, 10) == b->nentries);
	CHECK(strtoul(d, NULL, 10) == b->nentries);
	for (i = 0; i < k; i++)
		free(hex[i]);
	free(hex);
}

/* Entries of the run still pending, or -1. */
static long long
pending(const struct batch *b)
{
	return db_long("SELECT count(*) FROM webhook_entries WHERE status = "
	    "'pending' AND payload#>>'{changes,0,value,text}' = $1", b->tag,
	    NULL);
}

/*
 * In arrival order, per account: an entry is sent again only until it
 * is answered 2xx, and never one older than an entry already
 * delivered.  Every entry of the run answered 2xx once; nothing else.
 */
static void
check_relayed(const struct batch *b)
{
	long long	last[ACCOUNTS], ok = 0, bad = 0;
	size_t		i;
	int		a;

	for (a = 0; a < ACCOUNTS; a++)
		last[a] = -1;
	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.n; i++) {
		a = rx.a[i].account;
		if (a < 0 || a >= ACCOUNTS || rx.a[i].id <= last[a]) {
			if (bad++ < 5)
				printf("  entry %lld of account %d sent after "
				    "entry %lld was delivered\n", rx.a[i].id,
				    a, a >= 0 && a < ACCOUNTS ? last[a] : -1);
			continue;
		}
		if (rx.a[i].status == 200) {
			last[a] = rx.a[i].id;
			ok++;
		}
	}
	figure("receiver: %zu requests, %lld answered 200, %zu failed "
	    "(%.1f %%), %ld badly signed", rx.n, ok, rx.n - (size_t)ok,
	    rx.n > 0 ? 100.0 * (double)(rx.n - (size_t)ok) / (double)rx.n : 0,
	    rx.unsigned_);
	CHECK(bad == 0);
	CHECK(ok == (long long)b->nentries);
	CHECK(rx.unsigned_ == 0);
	pthread_mutex_unlock(&rx.mu);
	CHECK(db_long("SELECT count(*) FROM webhook_entries WHERE status = "
	    "'delivered' AND payload#>>'{changes,0,value,text}' = $1", b->tag,
	    NULL) == (long long)b->nentries);
}

/* The relay as a daemon until nothing of the run is pending. */
static void
relay(const struct batch *b)
{
	char		 url[128], log[512];
	const char	*env[] = { url, "IGCONNECT_FORWARD_SECRET=" FWD_SECRET,
	    NULL };
	const char	*argv[] = { "tools/igconnect-relay", "--daemon",
	    "--interval", "0.05", "--backoff", "0", "--max-attempts", "1000",
	    "--batch", "200", NULL };
	double		 t0, limit = (double)scale(60, 300);
	long long	 left;
	pid_t		 pid;

	(void)snprintf(url, sizeof(url), "IGCONNECT_FORWARD_URL="
	    "http://127.0.0.1:%d/hook", rx.port);
	(void)snprintf(log, sizeof(log), "%s/log/faults-relay.log",
	    env_or_die("IGCONNECT_VAR"));
	t0 = mono();
	pid = spawn_env(argv, env, log);
	CHECK(pid > 0);
	while ((left = pending(b)) > 0 && mono() - t0 < limit)
		msleep(100);
	figure("relay: %zu entries delivered in %.1f s (%.0f entries/s), "
	    "%lld left", b->nentries - (size_t)(left > 0 ? left : 0),
	    mono() - t0, (double)b->nentries / (mono() - t0), left);
	CHECK(left == 0);
	if (pid > 0)
		(void)kill(pid, SIGTERM);
	CHECK(wait_exit(pid, 10000) == 0);
}

static void
t_faults_hooks_exactly_once(void)
{
	const char	*secret = env_or_die("INSTAGRAM_APP_SECRET");
	struct batch	 b;
	struct load_req	*r;
	size_t		 i, n = (size_t)scale(1000, 10000);
	int		 threads = (int)scale(16, 32);
	long		 ok = 0, said = 0;
	double		 secs;
	char		 url[1024];

	(void)snprintf(url, sizeof(url), "%s",
	    stack_url("/webhooks/instagram"));
	if (!CHECK(batch_make(&b, n)) || !CHECK(rx_start()) ||
	    (r = calloc(n, sizeof(*r))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		r[i].method = "POST";
		r[i].url = url;
		r[i].body = b.body[i];
		r[i].header = load_hook_header(secret, b.body[i]);
	}
	/* What other cases left pending is not this one's to relay. */
	CHECK(db_exec("UPDATE webhook_entries SET status = 'delivered', "
	    "deliveredat = now() WHERE status = 'pending'", NULL) >= 0);
	secs = load_run_all(r, n, threads);
	for (i = 0; i < n; i++) {
		ok += r[i].status == 200;
		said += r[i].duplicate;
		free(r[i].header);
	}
	figure("%zu deliveries (%zu duplicates: %zu resent as they were, %zu "
	    "entries sent again in new batches; %zu entries) from %d senders "
	    "in %.2f s: %.0f/s", n, b.resent + b.rebatched, b.resent,
	    b.rebatched, b.nentries, threads, secs, (double)n / secs);
	figure("answered 200: %ld; said duplicate: %ld", ok, said);
	CHECK(ok == (long)n);
	CHECK(said == (long)b.resent);
	check_stored(&b);
	relay(&b);
	check_relayed(&b);
	free(r);
	batch_free(&b);
}

static const struct ig_test tests[] = {
	TEST(t_faults_hooks_exactly_once),
};

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	return flow_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));
}
