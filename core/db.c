/* SPDX-License-Identifier: ISC */
/*
 * db.c: the only file that talks to libpq.  Statements are constant text
 * with $n placeholders run through PQexecPrepared (PQexec only for the
 * migration files).  A connection is opened lazily and re-opened after
 * the server restarts, so workers survive it; every wait
 * is bounded by timeouts set at connect.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define MAX_PREPARED	64
#define MAX_MIGRATION	(1024 * 1024)

/* One connection of a pool, with what it has prepared. */
struct	link {
	PGconn			*conn;
	const struct ig_stmt	*prepared[MAX_PREPARED];
	size_t			 nprepared;
	int			 busy;
};

/*
 * A pool of connections shared by a worker's threads: a statement takes
 * a free link for its duration.  Links connect lazily, so the number of
 * open connections follows the number of statements running at once.
 */
struct	ig_db {
	const char		*conninfo;
	char			 appname[64];
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	size_t			 nlinks;
	struct link		 links[];
};

struct ig_db *
ig_db_open_pool(const char *conninfo, const char *appname, size_t n)
{
	struct ig_db	*db;

	if (n == 0 || (db = ig_calloc(1, sizeof(*db) +
	    n * sizeof(db->links[0]))) == NULL)
		return NULL;
	db->conninfo = conninfo;
	(void)snprintf(db->appname, sizeof(db->appname), "igconnect-%s",
	    appname);
	db->nlinks = n;
	if (pthread_mutex_init(&db->mu, NULL) != 0) {
		free(db);
		return NULL;
	}
	if (pthread_cond_init(&db->cv, NULL) != 0) {
		pthread_mutex_destroy(&db->mu);
		free(db);
		return NULL;
	}
	return db;
}

struct ig_db *
ig_db_open(const char *conninfo, const char *appname)
{
	return ig_db_open_pool(conninfo, appname, 1);
}

void
ig_db_close(struct ig_db *db)
{
	size_t	i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nlinks; i++)
		PQfinish(db->links[i].conn);
	pthread_cond_destroy(&db->cv);
	pthread_mutex_destroy(&db->mu);
	free(db);
}

/* A free link, connected ones first; waits while all are busy. */
static struct link *
acquire(struct ig_db *db)
{
	struct link	*l = NULL;
	size_t		 i;

	pthread_mutex_lock(&db->mu);
	for (;;) {
		for (i = 0; i < db->nlinks; i++) {
			if (db->links[i].busy)
				continue;
			if (l == NULL || (l->conn == NULL &&
			    db->links[i].conn != NULL))
				l = &db->links[i];
		}
		if (l != NULL)
			break;
		pthread_cond_wait(&db->cv, &db->mu);
	}
	l->busy = 1;
	pthread_mutex_unlock(&db->mu);
	return l;
}

static void
release(struct ig_db *db, struct link *l)
{
	pthread_mutex_lock(&db->mu);
	l->busy = 0;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

/*
 * Our defaults come first and the operator's connection string last, so
 * anything the operator sets explicitly wins.  UTC keeps the seed
 * table's "timestamp without time zone" columns unambiguous.
 */
/* libpq messages span lines; a log entry is one line (no passwords). */
static const char *
one_line(const char *s, char *buf, size_t sz)
{
	size_t	i, o = 0;

	for (i = 0; s[i] != '\0' && o + 1 < sz; i++) {
		if (s[i] == '\n' || s[i] == '\t') {
			if (o > 0 && buf[o - 1] != ' ')
				buf[o++] = ' ';
		} else
			buf[o++] = s[i];
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return buf;
}

/*
 * A server's WARNING (grants.sql says with one what it could not do) as
 * one log line; its NOTICEs ("already exists, skipping") only at debug.
 * libpq would write either to stderr as it came.
 */
static void
log_notice(void *arg, const PGresult *res)
{
	const char	*sev, *text;
	char		 buf[512];

	(void)arg;
	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if ((text = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) == NULL)
		return;
	(void)one_line(text, buf, sizeof(buf));
	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		ig_log_warnx("database: %s", buf);
	else
		ig_log_debug("database: %s", buf);
}

static int
connect_db(struct ig_db *db, struct link *l)
{
	char	msg[512];
	const char *const keys[] = { "connect_timeout", "application_name",
	    "options", "keepalives_idle", "dbname", NULL };
	const char *const vals[] = { "5", db->appname,
	    "-c TimeZone=UTC -c statement_timeout=15000 -c lock_timeout=5000 "
	    "-c idle_in_transaction_session_timeout=30000", "30",
	    db->conninfo, NULL };

	PQfinish(l->conn);
	l->nprepared = 0;
	l->conn = PQconnectdbParams(keys, vals, 1);
	if (l->conn != NULL && PQstatus(l->conn) == CONNECTION_OK) {
		(void)PQsetNoticeReceiver(l->conn, log_notice, NULL);
		return 1;
	}
	ig_log_warnx("could not connect to the database: %s",
	    l->conn != NULL ? one_line(PQerrorMessage(l->conn), msg,
	    sizeof(msg)) : "out of memory");
	PQfinish(l->conn);
	l->conn = NULL;
	return 0;
}

static int
is_prepared(const struct link *l, const struct ig_stmt *st)
{
	size_t	i;

	for (i = 0; i < l->nprepared; i++)
		if (l->prepared[i] == st)
			return 1;
	return 0;
}

static int
prepare(struct link *l, const struct ig_stmt *st)
{
	PGresult	*res;
	int		 ok;

	if (is_prepared(l, st))
		return 1;
	res = PQprepare(l->conn, st->name, st->sql, st->nparams, NULL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		ig_log_warnx("could not prepare statement \"%s\": %s",
		    st->name, PQerrorMessage(l->conn));
	PQclear(res);
	if (ok && l->nprepared < MAX_PREPARED)
		l->prepared[l->nprepared++] = st;
	return ok;
}

/*
 * A prepared statement keeps, after a few runs, a plan made for the
 * table sizes of then; "replan" runs the statement unnamed instead, so
 * it is planned with the sizes of now and its values at each call.
 */
static PGresult *
exec_once(struct ig_db *db, struct link *l, const struct ig_stmt *st,
    const char *const *vals, int replan)
{
	if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK)
		if (!connect_db(db, l))
			return NULL;
	if (replan)
		return PQexecParams(l->conn, st->sql, st->nparams, NULL, vals,
		    NULL, NULL, 0);
	if (!prepare(l, st))
		return NULL;
	return PQexecPrepared(l->conn, st->name, st->nparams, vals, NULL,
	    NULL, 0);
}

static int
result_ok(const PGresult *res)
{
	ExecStatusType	s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* ig_db_exec() on link "l". */
static enum ig_err
exec_on(struct ig_db *db, struct link *l, const struct ig_stmt *st,
    const char *const *vals, int replan, struct pg_result **out)
{
	PGresult	*res;
	char		 msg[512];
	int		 in_tx;

	in_tx = l->conn != NULL &&
	    PQtransactionStatus(l->conn) != PQTRANS_IDLE;
	res = exec_once(db, l, st, vals, replan);
	/*
	 * A connection that broke (server restart, failover) fails its
	 * first statement: reconnect and retry once.  The statement did not
	 * commit, since the server that would have run it is gone.  Inside a
	 * transaction we must not: the retry would run outside it.
	 */
	if (!result_ok(res) && !in_tx && l->conn != NULL &&
	    PQstatus(l->conn) == CONNECTION_BAD) {
		PQclear(res);
		ig_log_info("database connection lost; reconnecting");
		PQfinish(l->conn);
		l->conn = NULL;
		res = exec_once(db, l, st, vals, replan);
	}
	if (!result_ok(res)) {
		if (l->conn != NULL && res != NULL)
			ig_log_warnx("could not run statement \"%s\": %s",
			    st->name, one_line(PQresultErrorMessage(res), msg,
			    sizeof(msg)));
		PQclear(res);
		return IG_EDB;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return IG_OK;
}

static enum ig_err
exec_pooled(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals, int replan, struct pg_result **out)
{
	struct link	*l;
	enum ig_err	 er;

	if (out != NULL)
		*out = NULL;
	l = acquire(db);
	er = exec_on(db, l, st, vals, replan, out);
	release(db, l);
	return er;
}

enum ig_err
ig_db_exec(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals, struct pg_result **out)
{
	return exec_pooled(db, st, vals, 0, out);
}

enum ig_err
ig_db_exec_replanned(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals, struct pg_result **out)
{
	return exec_pooled(db, st, vals, 1, out);
}

enum ig_err
ig_db_write_if(struct ig_db *db, const struct ig_stmt *st,
    const char *const *vals)
{
	PGresult	*res;
	enum ig_err	 er;

	if ((er = ig_db_exec(db, st, vals, &res)) != IG_OK)
		return er;
	if (PQntuples(res) == 0)
		er = IG_ENOTFOUND;
	PQclear(res);
	return er;
}

static const struct ig_stmt st_ping = { "ping", "SELECT 1", 0 };

enum ig_err
ig_db_ping(struct ig_db *db)
{
	return ig_db_exec(db, &st_ping, NULL, NULL);
}

/* ------------------------------------------------------------ migrate */

static const struct ig_stmt st_mig_table = { "mig_table",
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    0 };
/* One migrator at a time, whatever host it runs on. */
static const struct ig_stmt st_mig_lock = { "mig_lock",
    "SELECT pg_advisory_lock(7437221)", 0 };
static const struct ig_stmt st_mig_unlock = { "mig_unlock",
    "SELECT pg_advisory_unlock(7437221)", 0 };
/*
 * Migrations create objects as the database's owner, whoever connects:
 * the owner itself, or a superuser or member of the owner role (Debian's
 * "postgres" over peer authentication; the owner then needs no login).
 * Anyone else stays who they are: the programs' role, say, which may
 * create nothing, so its migrations fail and grants.sql only warns.
 */
static const struct ig_stmt st_mig_owner = { "mig_owner",
    "SELECT set_config('role', pg_get_userbyid(datdba), false) "
    "FROM pg_database WHERE datname = current_database() AND "
    "pg_has_role(datdba, 'MEMBER')", 0 };
/* grants.sql reads the programs' role from this session setting. */
static const struct ig_stmt st_mig_app = { "mig_app",
    "SELECT set_config('igconnect.app_role', $1, false)", 1 };
static const struct ig_stmt st_mig_done = { "mig_done",
    "SELECT 1 FROM schema_migrations WHERE version = $1", 1 };
static const struct ig_stmt st_mig_record = { "mig_record",
    "INSERT INTO schema_migrations (version) VALUES ($1)", 1 };
static const struct ig_stmt st_begin = { "begin", "BEGIN", 0 };
static const struct ig_stmt st_commit = { "commit", "COMMIT", 0 };
static const struct ig_stmt st_rollback = { "rollback", "ROLLBACK", 0 };

/* "NNN_name.sql": three digits, an underscore, a name. */
static int
is_migration(const struct dirent *d)
{
	size_t	n = strlen(d->d_name);

	return n > 8 && ig_valid_digits(d->d_name, 3) && d->d_name[3] == '_' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

static enum ig_err
read_file(const char *path, struct ig_buf *b)
{
	char	chunk[8192];
	ssize_t	n;
	int	fd;
	enum ig_err er = IG_OK;

	ig_buf_init(b, MAX_MIGRATION);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ig_log_warn("could not open \"%s\"", path);
		return IG_ESYS;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if ((er = ig_buf_add(b, chunk, (size_t)n)) != IG_OK)
			break;
	if (n < 0) {
		ig_log_warn("could not read \"%s\"", path);
		er = IG_ESYS;
	}
	close(fd);
	if (er == IG_OK && b->data == NULL)
		er = ig_buf_adds(b, "");
	return er;
}

static int
already_applied(struct ig_db *db, const char *version, enum ig_err *er)
{
	const char	*vals[1] = { version };
	PGresult	*res;
	int		 done;

	if ((*er = ig_db_exec(db, &st_mig_done, vals,
	    &res)) != IG_OK)
		return 0;
	done = PQntuples(res) > 0;
	PQclear(res);
	return done;
}

/*
 * One file in one transaction, all of it or none; a migration with its
 * record ("record" 1), grants.sql without.
 */
static enum ig_err
apply_one(struct ig_db *db, const char *dir, const char *file, int record)
{
	const char	*vals[1] = { file };
	char		 path[4096];
	struct ig_buf	 sql;
	PGresult	*res;
	enum ig_err	 er;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return IG_EINPUT;
	if ((er = read_file(path, &sql)) != IG_OK)
		return er;
	if ((er = ig_db_exec(db, &st_begin, NULL, NULL)) != IG_OK)
		goto out;
	/* A pool of one (ig_db_open): the link that ran BEGIN. */
	res = PQexec(db->links[0].conn, sql.data);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		ig_log_err("could not apply \"%s\": %s", file,
		    PQresultErrorMessage(res));
		PQclear(res);
		(void)ig_db_exec(db, &st_rollback, NULL, NULL);
		er = IG_EDB;
		goto out;
	}
	PQclear(res);
	if ((record && (er = ig_db_exec(db, &st_mig_record, vals,
	    NULL)) != IG_OK) ||
	    (er = ig_db_exec(db, &st_commit, NULL, NULL)) != IG_OK) {
		(void)ig_db_exec(db, &st_rollback, NULL, NULL);
		goto out;
	}
	ig_log_info("applied \"%s\"", file);
out:
	ig_buf_free(&sql);
	return er;
}

enum ig_err
ig_db_migrate(struct ig_db *db, const char *dir, const char *app_role,
    int *applied)
{
	const char	 *vals[1] = { app_role };
	struct dirent	**list = NULL;
	int		  n, i;
	enum ig_err	  er;

	*applied = 0;
	if ((n = scandir(dir, &list, is_migration, alphasort)) < 0) {
		ig_log_warn("could not read directory \"%s\"", dir);
		return IG_ESYS;
	}
	if ((er = ig_db_exec(db, &st_mig_owner, NULL, NULL)) != IG_OK ||
	    (er = ig_db_exec(db, &st_mig_app, vals, NULL)) != IG_OK ||
	    (er = ig_db_exec(db, &st_mig_lock, NULL, NULL)) != IG_OK)
		goto out;
	if ((er = ig_db_exec(db, &st_mig_table, NULL, NULL)) != IG_OK)
		goto unlock;
	for (i = 0; i < n; i++) {
		if (already_applied(db, list[i]->d_name, &er) || er != IG_OK) {
			if (er != IG_OK)
				break;
			continue;
		}
		if ((er = apply_one(db, dir, list[i]->d_name, 1)) != IG_OK)
			break;
		(*applied)++;
	}
	/* Every run: the privileges are exactly the file's, whatever ran. */
	if (er == IG_OK)
		er = apply_one(db, dir, "grants.sql", 0);
unlock:
	(void)ig_db_exec(db, &st_mig_unlock, NULL, NULL);
out:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return er;
}

enum ig_err
ig_db_sha256(const char *s, char out[67])
{
	unsigned char	md[32];
	enum ig_err	er;

	if ((er = ig_sha256(s, strlen(s), md)) != IG_OK)
		return er;
	out[0] = '\\';
	out[1] = 'x';
	ig_hex(out + 2, md, sizeof(md));
	return IG_OK;
}
