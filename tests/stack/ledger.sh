# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: the pid ledger.  Everything the
# stack starts is recorded in $LEDGER, and only what it lists is signalled.

# alive PID NAME: PID runs and is still the NAME we started (a recycled pid
# belongs to someone else and must not be signalled).  A zombie, which
# kill -0 still finds, has an empty cmdline and so counts as gone: our
# children are reparented when this script exits, and not every init
# reaps them at once.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/cmdline" ] || return 0
	# A zombie's empty command line must not pass for an exec below.
	case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" \
		2>/dev/null) in
	Z) return 1 ;;
	esac
	a_cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 0
	# A process in the middle of exec(2) shows an empty command line.
	[ -n "$a_cmd" ] || return 0
	case $a_cmd in *"$2"*) return 0 ;; esac
	return 1
}

# launch NAME LOG OUT CMD...: start CMD in the background, in a session of
# its own so a Ctrl-C or hang-up of the terminal that ran "start" does not
# reach it, and record its pid.  Without job control the child is not a
# group leader, so setsid does not fork and $! is the program itself.
launch() {
	l_name=$1 l_log=$2 l_out=$3
	shift 3
	if command -v setsid >/dev/null 2>&1; then
		set -- setsid "$@"
	fi
	"$@" </dev/null >>"$l_out" 2>>"$l_log" &
	launched=$!
	printf '%s %s\n' "$l_name" "$launched" >>"$LEDGER"
}

tail_log() {
	[ -s "$1" ] || return 0
	warn "last lines of $1:"
	tail -n "${2:-15}" "$1" | sed 's/^/    /' >&2
}

# wait_gone PID NAME SECONDS: wait for a signalled process to exit; kill it
# after SECONDS.
wait_gone() {
	w=0
	while alive "$1" "$2"; do
		w=$((w + 1))
		if [ "$w" -eq $(($3 * 10)) ]; then
			warn "$2 (pid $1) did not exit after $3 s; killing it"
			kill -s KILL "$1" 2>/dev/null || true
		elif [ "$w" -gt $(($3 * 10 + 50)) ]; then
			warn "$2 (pid $1) is still there"
			return 1
		fi
		sleep 0.1
	done
}

# Stops what the ledger lists, newest first: nginx stops taking requests,
# then the programs finish what they have in flight (20 s grace), then
# the fake of Meta.
stop_procs() {
	[ -f "$LEDGER" ] || return 0
	sed -n '1!G;h;$p' "$LEDGER" >"$RUN/stack.pids.rev"
	# nginx first, gracefully (QUIT finishes requests in flight).
	while read -r s_name s_pid; do
		[ "$s_name" = nginx ] || continue
		if alive "$s_pid" nginx; then
			kill -s QUIT "$s_pid" 2>/dev/null || true
			wait_gone "$s_pid" nginx 10 || true
			say "stopped nginx (pid $s_pid)"
		fi
	done <"$RUN/stack.pids.rev"
	# Then every program and the fake together, so the grace periods run
	# side by side.
	: >"$RUN/stack.pids.term"
	while read -r s_name s_pid; do
		[ "$s_name" != nginx ] || continue
		if alive "$s_pid" "$s_name"; then
			kill -s TERM "$s_pid" 2>/dev/null || true
			printf '%s %s\n' "$s_name" "$s_pid" >>"$RUN/stack.pids.term"
		fi
	done <"$RUN/stack.pids.rev"
	while read -r s_name s_pid; do
		wait_gone "$s_pid" "$s_name" 25 || true
		say "stopped $s_name (pid $s_pid)"
	done <"$RUN/stack.pids.term"
	while read -r s_name s_pid; do
		rm -f "$SOCK/$s_name.sock" "$RUN/$s_name.pid"
	done <"$RUN/stack.pids.rev"
	rm -f "$RUN/stack.pids.rev" "$RUN/stack.pids.term" "$RUN/nginx.pid" "$RUN/fakemeta.out" \
		"$RUN/healthz.body" "$RUN/generation" "$LEDGER"
}

# all_alive: every process in the ledger runs.
all_alive() {
	[ -s "$LEDGER" ] || return 1
	while read -r a_name a_pid; do
		alive "$a_pid" "$a_name" || return 1
	done <"$LEDGER"
	return 0
}
