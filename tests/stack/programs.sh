# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: the FastCGI programs.

# The programs and the migration tool run with exactly the programs'
# environment (stack.env less the stack-only variables, and PATH), so
# nothing else from the caller's shell leaks into them.  Usage:
#   env -i PATH="$PATH_CLEAN" sh -c "$WITH_ENV" sh "$VAR/stack.env" "$STACK_ONLY" CMD...
# shellcheck disable=SC2016 # expanded by that inner sh, not here
WITH_ENV='set -a; . "$1"; set +a; unset $2; shift 2; exec "$@"'

# The programs to run: each executable in fcgi/ without a dot in its name
# (objects and sources have one).
list_programs() {
	for p in "$ROOT"/fcgi/*; do
		[ -f "$p" ] || continue
		[ -x "$p" ] || continue
		case ${p##*/} in *.*) continue ;; esac
		printf '%s\n' "${p##*/}"
	done
}

# The programs of generation GEN listen on $SOCK/NAME.GEN.sock and write
# $RUN/NAME.GEN.pid; NAME.sock and NAME.pid, what nginx and the tests use,
# are symbolic links to the current generation's.  A reload starts the
# next generation beside the running one, moves the links, then stops
# the old one: a program unlinks its own --listen path when it exits,
# so the old one never takes the new one's socket away.

# start_programs GEN: start every program of generation GEN.
start_programs() {
	for name in $programs; do
		rm -f "$SOCK/$name.$1.sock" "$RUN/$name.$1.pid"
		launch "$name" "$LOG/$name.log" "$LOG/$name.log" \
			env -i PATH="$PATH_CLEAN" sh -c "$WITH_ENV" sh "$VAR/stack.env" "$STACK_ONLY" \
			"$ROOT/fcgi/$name" --listen "$SOCK/$name.$1.sock" --pidfile "$RUN/$name.$1.pid"
	done
	# Programs check their configuration and open the database before they
	# listen, so wait for every socket, but not forever.
	for name in $programs; do
		pid=$(sed -n "s/^$name \\([0-9][0-9]*\\)\$/\\1/p" "$LEDGER" | tail -n 1)
		w=0
		while [ ! -S "$SOCK/$name.$1.sock" ]; do
			if ! alive "$pid" "$name"; then
				tail_log "$LOG/$name.log"
				die "fcgi/$name exited at start"
			fi
			w=$((w + 1))
			if [ "$w" -ge 100 ]; then
				tail_log "$LOG/$name.log"
				die "fcgi/$name did not create $SOCK/$name.$1.sock within 10 s"
			fi
			sleep 0.1
		done
	done
	say "started fcgi programs: $(printf '%s\n' "$programs" | tr '\n' ' ')"
}

# link_programs GEN: point NAME.sock and NAME.pid at generation GEN's,
# each in one rename, so a connect finds one socket or the other.
link_programs() {
	for name in $programs; do
		ln -sfn "$name.$1.sock" "$SOCK/$name.sock.new"
		mv -fT "$SOCK/$name.sock.new" "$SOCK/$name.sock"
		ln -sfn "$name.$1.pid" "$RUN/$name.pid.new"
		mv -fT "$RUN/$name.pid.new" "$RUN/$name.pid"
	done
	printf '%s\n' "$1" >"$RUN/generation"
}

is_program() {
	printf '%s\n' "$programs" | grep -qx -- "$1"
}

# stop_programs FILE: TERM the programs FILE lists ("NAME PID" lines,
# others skipped), let them finish their requests, and take them off the
# ledger.
stop_programs() {
	: >"$RUN/stack.pids.term"
	while read -r s_name s_pid; do
		is_program "$s_name" || continue
		if alive "$s_pid" "$s_name"; then
			kill -s TERM "$s_pid" 2>/dev/null || true
		fi
		printf '%s %s\n' "$s_name" "$s_pid" >>"$RUN/stack.pids.term"
	done <"$1"
	while read -r s_name s_pid; do
		wait_gone "$s_pid" "$s_name" 25 || true
	done <"$RUN/stack.pids.term"
	grep -vxF -f "$RUN/stack.pids.term" "$LEDGER" >"$LEDGER.new" || true
	mv -f "$LEDGER.new" "$LEDGER"
	rm -f "$RUN/stack.pids.term"
}
