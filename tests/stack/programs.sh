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

start_programs() {
	for name in $programs; do
		rm -f "$SOCK/$name.sock" "$RUN/$name.pid"
		launch "$name" "$LOG/$name.log" "$LOG/$name.log" \
			env -i PATH="$PATH_CLEAN" sh -c "$WITH_ENV" sh "$VAR/stack.env" "$STACK_ONLY" \
			"$ROOT/fcgi/$name" --listen "$SOCK/$name.sock" --pidfile "$RUN/$name.pid"
	done
	# Programs check their configuration and open the database before they
	# listen, so wait for every socket, but not forever.
	for name in $programs; do
		pid=$(sed -n "s/^$name \\([0-9][0-9]*\\)\$/\\1/p" "$LEDGER" | tail -n 1)
		w=0
		while [ ! -S "$SOCK/$name.sock" ]; do
			if ! alive "$pid" "$name"; then
				tail_log "$LOG/$name.log"
				die "fcgi/$name exited at start"
			fi
			w=$((w + 1))
			if [ "$w" -ge 100 ]; then
				tail_log "$LOG/$name.log"
				die "fcgi/$name did not create $SOCK/$name.sock within 10 s"
			fi
			sleep 0.1
		done
	done
	say "started fcgi programs: $(printf '%s\n' "$programs" | tr '\n' ' ')"
}
