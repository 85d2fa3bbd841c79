# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: the private PostgreSQL cluster.

# pg CMD...: run a PostgreSQL command as the cluster's owner, with a clean
# environment (the server must not inherit the app secrets).  initdb and
# the server refuse to run as root, so root runs them as "postgres".
pg() {
	if is_root; then
		(cd "$PGDIR" && runuser -u postgres -- env -i PATH="$PATH_CLEAN" LC_ALL=C "$@")
	else
		(cd "$PGDIR" && env -i PATH="$PATH_CLEAN" LC_ALL=C HOME="${HOME:-/}" "$@")
	fi
}

pg_exists() { [ -f "$PGDATA/PG_VERSION" ]; }

pg_running() {
	pg_exists || return 1
	pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_init() {
	pg_exists && return 0
	[ -x "$PGBIN/initdb" ] ||
		die "PostgreSQL 15 is not installed in $PGBIN (apt-get install postgresql-15), and DATABASE_URL is not set"
	say "creating a private PostgreSQL cluster in $PGDIR"
	mkdir -p "$PGDIR"
	chmod 0700 "$PGDIR"
	if is_root; then chown postgres:postgres "$PGDIR"; fi
	# Trust is safe here: the server listens on no TCP address, only on a
	# socket in a directory that only the cluster owner (and root) can
	# enter; remote host lines are rejected outright.
	if ! pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C \
		--auth-local=trust --auth-host=reject --no-instructions \
		>"$LOG/initdb.log" 2>&1; then
		tail_log "$LOG/initdb.log"
		die "initdb failed"
	fi
	printf "\n# Added by tests/stack/igconnect-stack; written at every start.\ninclude_if_exists 'igconnect.conf'\n" \
		>>"$PGDATA/postgresql.conf"
}

# The settings that depend on where $VAR is are rewritten at each start, so
# a moved state directory keeps working.  fsync and the other durability
# settings keep their defaults: this is also the stack the tests kill and
# restart PostgreSQL under.
pg_write_conf() {
	cat >"$PGDATA/igconnect.conf" <<EOF
# Written by tests/stack/igconnect-stack at every start; edits are lost.
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
unix_socket_permissions = 0700
# Up to IGCONNECT_DB_CONNECTIONS per worker process (opened only when
# that many statements run at once), a dozen programs, the command-line
# tools and psql.
max_connections = 200
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_error_statement = error
EOF
	# The leak tests read this log for plaintext tokens, so under them it
	# records every statement with its parameters; "make run" keeps the
	# default, as a real server would.
	if [ "${IGCONNECT_STACK_LOG_STATEMENTS:-0}" = 1 ]; then
		echo "log_statement = 'all'" >>"$PGDATA/igconnect.conf"
	fi
	if is_root; then chown postgres:postgres "$PGDATA/igconnect.conf"; fi
}

pg_start() {
	pg_write_conf
	mkdir -p "$PGSOCK"
	chmod 0700 "$PGSOCK"
	if is_root; then chown postgres:postgres "$PGSOCK"; fi
	# No -l: the server keeps pg_ctl's output, a log file this shell opens,
	# so the log stays in $LOG even where its owner cannot reach $LOG.
	if ! pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -s start \
		>>"$LOG/postgresql.log" 2>&1; then
		tail_log "$LOG/postgresql.log"
		die "could not start the private PostgreSQL"
	fi
	say "private PostgreSQL running (data $PGDATA, socket in $PGSOCK)"
}

pg_stop() {
	if pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 -s stop >/dev/null 2>&1; then
		say "stopped the private PostgreSQL"
	else
		tail_log "$LOG/postgresql.log"
		warn "could not stop the private PostgreSQL"
		return 1
	fi
}

pg_psql() {
	env -i PATH="$PATH_CLEAN" LC_ALL=C "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$PGSOCK" -U postgres "$@"
}

# The roles of the README's "Database roles": "igconnect_owner" owns the
# database "igconnect" and its tables and cannot log in; the migrations
# connect as the superuser and act as the owner; the programs connect as
# "igconnect", which only gets what sql/grants.sql lists.  A cluster made
# when "igconnect" owned everything hands it over.  \gexec makes every
# step safe to repeat.
pg_bootstrap() {
	if ! pg_psql -d postgres >"$LOG/pg-bootstrap.log" 2>&1 <<'EOF'; then
SELECT 'CREATE ROLE igconnect_owner NOLOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'igconnect_owner')\gexec
SELECT 'CREATE ROLE igconnect LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'igconnect')\gexec
SELECT 'CREATE DATABASE igconnect OWNER igconnect_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'igconnect')\gexec
\connect igconnect
SELECT 'REASSIGN OWNED BY igconnect TO igconnect_owner' FROM pg_database
 WHERE datname = 'igconnect' AND datdba = 'igconnect'::regrole\gexec
EOF
		tail_log "$LOG/pg-bootstrap.log"
		die "could not create the igconnect roles and database"
	fi
}
