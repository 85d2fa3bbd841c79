# SPDX-License-Identifier: ISC
# t_roles.sh: least privilege in PostgreSQL, on the stack's cluster
# (stack.env exported).  The programs' role (DATABASE_URL, "igconnect")
# cannot drop, alter, truncate or index any table, create a table, a
# temporary table or a schema, nor read or write schema_migrations; the
# tables belong to igconnect_owner, which the migrations act as; every
# run of igconnect-migrate takes back whatever else the role was given,
# and says so when the role is missing or has the owner's rights.  That
# the role can do what the programs do, the rest of the suite shows.
# And the suite's cluster logs every statement, for the leak tests.
. tests/lib/check.sh

if [ -z "${IGCONNECT_PGBIN:-}" ] || [ -z "${IGCONNECT_DB_ADMIN_URL:-}" ]; then
	fail "the stack's environment (stack.env) is exported"
	summary
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_roles.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# sql URL STATEMENT...: each statement with psql, stopping at an error;
# the output and errors in $tmp/out.
sql() {
	s_url=$1
	shift
	for s_st; do
		set -- "$@" -c "$s_st"
		shift
	done
	"$IGCONNECT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$s_url" \
	    "$@" >"$tmp/out" 2>&1
}
admin() { sql "$IGCONNECT_DB_ADMIN_URL" "$@"; }
value() { admin "$1" && cat "$tmp/out"; }

# denied STATEMENT: the programs' role may not run it, for want of a
# privilege; in a transaction rolled back, should it ever succeed.
denied() {
	if sql "$DATABASE_URL" 'BEGIN' "$1" 'ROLLBACK'; then
		echo "  allowed: $1"
		return 1
	fi
	grep -q 'permission denied\|must be owner' "$tmp/out" && return 0
	sed 's/^/  /' "$tmp/out"
	return 1
}

check "the suite's PostgreSQL logs every statement" grep -qx \
    "log_statement = 'all'" "$IGCONNECT_PGDATA/igconnect.conf"

sql "$DATABASE_URL" "SELECT current_user"
check "the programs connect as igconnect" [ "$(cat "$tmp/out")" = igconnect ]
check "igconnect is no superuser and creates no role or database" [ \
    "$(value "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM \
    pg_roles WHERE rolname = 'igconnect'")" = f ]
check "igconnect is no member of the owner" [ "$(value "SELECT \
    pg_has_role('igconnect', 'igconnect_owner', 'MEMBER')")" = f ]
check "igconnect_owner owns the database and cannot log in" [ \
    "$(value "SELECT pg_get_userbyid(d.datdba) || ':' || r.rolcanlogin \
    FROM pg_database d, pg_roles r WHERE d.datname = 'igconnect' AND \
    r.rolname = 'igconnect_owner'")" = igconnect_owner:false ]
check "igconnect_owner owns every table" [ "$(value "SELECT count(*) \
    FROM pg_tables WHERE schemaname = 'public' AND tableowner <> \
    'igconnect_owner'")" = 0 ]

tables=$(value "SELECT tablename FROM pg_tables WHERE schemaname = \
    'public' ORDER BY 1")
check "the schema has its tables" [ "$(echo "$tables" | wc -w)" -ge 11 ]
for t in $tables; do
	check "no DROP TABLE $t" denied "DROP TABLE $t"
	check "no ALTER TABLE $t" denied "ALTER TABLE $t ADD COLUMN t_roles int"
	check "no TRUNCATE $t" denied "TRUNCATE $t"
	check "no CREATE INDEX on $t" denied \
	    "CREATE INDEX t_roles_idx ON $t ((1))"
done
check "no CREATE TABLE" denied "CREATE TABLE t_roles (i int)"
check "no CREATE TEMP TABLE" denied "CREATE TEMP TABLE t_roles (i int)"
check "no CREATE SCHEMA" denied "CREATE SCHEMA t_roles"
check "no CREATE FUNCTION" denied "CREATE FUNCTION t_roles() RETURNS int \
    LANGUAGE sql AS 'SELECT 1'"
check "no SELECT FROM schema_migrations" denied \
    "SELECT count(*) FROM schema_migrations"
check "no INSERT INTO schema_migrations" denied \
    "INSERT INTO schema_migrations (version) VALUES ('999_t_roles.sql')"
check "no UPDATE schema_migrations" denied \
    "UPDATE schema_migrations SET applied_at = now()"
check "no DELETE FROM schema_migrations" denied \
    "DELETE FROM schema_migrations"
check "no DELETE FROM users" denied "DELETE FROM users WHERE false"
check "the programs' reads are allowed" sql "$DATABASE_URL" \
    "SELECT count(*) FROM oauth_connections c JOIN users u ON \
    u.id = c.userId"

# migrate ENV...: igconnect-migrate with the stack's environment and ENV.
migrate() {
	env "$@" tools/igconnect-migrate --dir sql >"$tmp/migrate" 2>&1
}

# Privileges given by hand are taken back by the next run.
check "a superuser grants igconnect more" admin \
    "GRANT ALL ON schema_migrations, users TO igconnect" \
    "GRANT CREATE ON SCHEMA public TO igconnect" \
    "GRANT CREATE, TEMPORARY ON DATABASE igconnect TO igconnect"
check "igconnect-migrate runs" migrate
check "it applies grants.sql" grep -q 'applied "grants.sql"' "$tmp/migrate"
check "it warns of nothing" sh -c '! grep -q warn "$1"' sh "$tmp/migrate"
check "no SELECT FROM schema_migrations after it" denied \
    "SELECT count(*) FROM schema_migrations"
check "no DELETE FROM users after it" denied "DELETE FROM users WHERE false"
check "no CREATE TABLE after it" denied "CREATE TABLE t_roles (i int)"
check "no CREATE TEMP TABLE after it" denied \
    "CREATE TEMP TABLE t_roles (i int)"
check "no CREATE SCHEMA after it" denied "CREATE SCHEMA t_roles"

# A role that is missing, or that has the owner's rights, gets nothing.
check "igconnect-migrate with a role that does not exist runs" migrate \
    IGCONNECT_APP_ROLE=t_roles_nobody
check "it says the role does not exist" grep -q \
    'warn.*role "t_roles_nobody" does not exist' "$tmp/migrate"
check "igconnect-migrate with the owner as the programs' role runs" \
    migrate IGCONNECT_APP_ROLE=igconnect_owner
check "it says nothing was granted" grep -q \
    'warn.*role "igconnect_owner" has every right' "$tmp/migrate"
check "igconnect keeps its privileges" sql "$DATABASE_URL" \
    "SELECT count(*) FROM users"
check "igconnect-migrate refuses a role name that is no plain name" sh -c \
    'out=$(env IGCONNECT_APP_ROLE="x; DROP TABLE users" \
    tools/igconnect-migrate --dir sql 2>&1); [ $? -eq 1 ] &&
    echo "$out" | grep -q "invalid value for IGCONNECT_APP_ROLE"'

summary
