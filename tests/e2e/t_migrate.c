/* SPDX-License-Identifier: ISC */
/*
 * t_migrate.c: igconnect-migrate against the stack's PostgreSQL, with
 * the migrations' connection (IGCONNECT_MIGRATE_DATABASE_URL): the seed
 * 000 table exactly, a second run that changes nothing, a failing
 * migration that leaves no trace, and the upsert key that every
 * connection write relies on.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../lib/check.h"
#include "../lib/client.h"

static PGconn *
db(void)
{
	static PGconn	*c;

	if (c == NULL)
		c = PQconnectdb(env_or_die("IGCONNECT_MIGRATE_DATABASE_URL"));
	return c;
}

/* The first column of the first row of "sql", as text ("" if none). */
static const char *
scalar(const char *sql)
{
	static char	 out[1024];
	PGresult	*r = PQexec(db(), sql);

	out[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		(void)snprintf(out, sizeof(out), "%s", PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK)
		printf("  query failed: %s", PQerrorMessage(db()));
	PQclear(r);
	return out;
}

static int
exec_ok(const char *sql)
{
	PGresult	*r = PQexec(db(), sql);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK;

	PQclear(r);
	return ok;
}

/* The migrations of "dir": NNN_name.sql (grants.sql is none). */
static int
count_migrations(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;
	size_t		 len;

	while (d != NULL && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 8 && strspn(e->d_name, "0123456789") == 3 &&
		    e->d_name[3] == '_' &&
		    strcmp(e->d_name + len - 4, ".sql") == 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void
t_all_recorded(void)
{
	char	want[16];

	(void)snprintf(want, sizeof(want), "%d", count_migrations("sql"));
	CHECK(strcmp(scalar("SELECT count(*) FROM schema_migrations"),
	    want) == 0);
}

static void
t_second_run_changes_nothing(void)
{
	const char *const	argv[] = { "tools/igconnect-migrate", "--dir",
	    "sql", NULL };
	char			before[1024], out[4096];

	(void)snprintf(before, sizeof(before), "%s", scalar(
	    "SELECT string_agg(version || '@' || applied_at, ',' "
	    "ORDER BY version) FROM schema_migrations"));
	CHECK(run_capture(argv, "/dev/null", out, sizeof(out)) == 0);
	CHECK(strstr(out, "0 migrations applied") != NULL);
	CHECK(strcmp(before, scalar("SELECT string_agg(version || '@' || "
	    "applied_at, ',' ORDER BY version) FROM schema_migrations")) == 0);
}

/* Seed 000's columns with their types, in order. */
static void
t_seed_table_exact(void)
{
	CHECK(strcmp(scalar(
	    "SELECT string_agg(column_name || ':' || "
	    "CASE WHEN data_type = 'character varying' THEN 'varchar(' || "
	    "character_maximum_length || ')' ELSE data_type END, ',' "
	    "ORDER BY ordinal_position) FROM information_schema.columns "
	    "WHERE table_name = 'oauth_connections' AND ordinal_position <= 12"),
	    "id:uuid,userid:uuid,provider:varchar(50),"
	    "provideruserid:varchar(255),accesstoken:text,refreshtoken:text,"
	    "expiresat:timestamp without time zone,"
	    "businessaccountid:varchar(255),scopes:ARRAY,metadata:jsonb,"
	    "createdat:timestamp without time zone,"
	    "updatedat:timestamp without time zone") == 0);
	CHECK(strcmp(scalar(
	    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
	    "WHERE conrelid = 'oauth_connections'::regclass AND contype = 'u'"),
	    "UNIQUE (userid, provider)") == 0);
	CHECK(strcmp(scalar("SELECT count(*) FROM information_schema.columns "
	    "WHERE table_name = 'oauth_connections' AND column_name IN "
	    "('status', 'tokenissuedat', 'version')"), "3") == 0);
}

/* Concurrent links end in one row: the upsert the endpoints use. */
static void
t_upsert_one_row(void)
{
	static const char	ins[] =
	    "INSERT INTO oauth_connections (userId, provider, providerUserId, "
	    "accessToken) VALUES ((SELECT id FROM users WHERE externalId = "
	    "'t_upsert'), 'instagram', '27281358591558845', 'ig1.x.y') "
	    "ON CONFLICT (userId, provider) DO UPDATE SET "
	    "providerUserId = EXCLUDED.providerUserId, "
	    "version = oauth_connections.version + 1";

	CHECK(exec_ok("INSERT INTO users (externalId) VALUES ('t_upsert') "
	    "ON CONFLICT DO NOTHING"));
	CHECK(exec_ok(ins));
	CHECK(exec_ok(ins));
	CHECK(strcmp(scalar("SELECT count(*) || ':' || max(version) FROM "
	    "oauth_connections c JOIN users u ON u.id = c.userId "
	    "WHERE u.externalId = 't_upsert'"), "1:2") == 0);
	CHECK(exec_ok("DELETE FROM users WHERE externalId = 't_upsert'"));
	CHECK(strcmp(scalar("SELECT count(*) FROM oauth_connections c "
	    "LEFT JOIN users u ON u.id = c.userId WHERE u.id IS NULL"),
	    "0") == 0);
}

/*
 * History rows follow deletes as their foreign keys once made them
 * (sql/009): a deleted connection leaves its history detached, a deleted
 * user takes its history along; nobody else's history is touched.
 */
static void
t_history_follows_deletes(void)
{
	static const char	user[] =
	    "(SELECT id FROM users WHERE externalId = 't_hist')";
	static const char	other[] =
	    "(SELECT id FROM users WHERE externalId = 't_hist_other')";
	char			sql[1024];

	CHECK(exec_ok("INSERT INTO users (externalId) VALUES ('t_hist'), "
	    "('t_hist_other') ON CONFLICT DO NOTHING"));
	(void)snprintf(sql, sizeof(sql), "INSERT INTO oauth_connections "
	    "(userId, provider, providerUserId, accessToken) VALUES "
	    "(%s, 'instagram', '1', 'ig1.x.y'), (%s, 'instagram', '2', "
	    "'ig1.x.y')", user, other);
	CHECK(exec_ok(sql));
	(void)snprintf(sql, sizeof(sql), "INSERT INTO connection_history "
	    "(connectionId, userId, provider, event) SELECT c.id, c.userId, "
	    "'instagram', e FROM oauth_connections c, (VALUES ('connected'), "
	    "('refreshed')) v(e) WHERE c.userId IN (%s, %s)", user, other);
	CHECK(exec_ok(sql));

	(void)snprintf(sql, sizeof(sql), "DELETE FROM oauth_connections "
	    "WHERE userId = %s", user);
	CHECK(exec_ok(sql));
	(void)snprintf(sql, sizeof(sql), "SELECT count(*) || ':' || "
	    "count(connectionId) FROM connection_history WHERE userId = %s",
	    user);
	CHECK(strcmp(scalar(sql), "2:0") == 0);
	(void)snprintf(sql, sizeof(sql), "SELECT count(connectionId) FROM "
	    "connection_history WHERE userId = %s", other);
	CHECK(strcmp(scalar(sql), "2") == 0);

	CHECK(exec_ok("DELETE FROM users WHERE externalId = 't_hist'"));
	CHECK(strcmp(scalar("SELECT count(*) FROM connection_history h "
	    "LEFT JOIN users u ON u.id = h.userId WHERE u.id IS NULL"),
	    "0") == 0);
	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
	    "connection_history WHERE userId = %s", other);
	CHECK(strcmp(scalar(sql), "2") == 0);
	CHECK(exec_ok("DELETE FROM users WHERE externalId = 't_hist_other'"));
}

/* A migration that fails leaves neither its changes nor its record. */
static void
t_failed_migration_rolls_back(void)
{
	char	dir[] = "/tmp/igmig.XXXXXX", path[512], cmd[1024], out[4096];
	const char *const cp[] = { "sh", "-c", cmd, NULL };
	const char *const argv[] = { "tools/igconnect-migrate", "--dir", dir,
	    NULL };
	FILE	*f;

	CHECK(mkdtemp(dir) != NULL);
	(void)snprintf(cmd, sizeof(cmd), "cp sql/*.sql %s/", dir);
	CHECK(run_cmd(cp) == 0);
	(void)snprintf(path, sizeof(path), "%s/900_broken.sql", dir);
	CHECK((f = fopen(path, "w")) != NULL);
	if (f != NULL) {
		fputs("CREATE TABLE t_half_done (x int);\n"
		    "SELECT no_such_function();\n", f);
		fclose(f);
	}
	CHECK(run_capture(argv, "/dev/null", out, sizeof(out)) == 1);
	CHECK(strstr(out, "900_broken.sql") != NULL);
	CHECK(strcmp(scalar("SELECT count(*) FROM pg_tables WHERE "
	    "tablename = 't_half_done'"), "0") == 0);
	CHECK(strcmp(scalar("SELECT count(*) FROM schema_migrations WHERE "
	    "version = '900_broken.sql'"), "0") == 0);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(run_cmd(cp) == 0);
}

static const struct ig_test tests[] = {
	TEST(t_all_recorded),
	TEST(t_second_run_changes_nothing),
	TEST(t_seed_table_exact),
	TEST(t_upsert_one_row),
	TEST(t_history_follows_deletes),
	TEST(t_failed_migration_rolls_back),
};

int
main(int argc, char *argv[])
{
	int	rc = ig_test_main(argc, argv, tests,
	    sizeof(tests) / sizeof(tests[0]));

	PQfinish(db());
	return rc;
}
