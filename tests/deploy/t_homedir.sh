#!/bin/sh
# SPDX-License-Identifier: ISC
# The README's first command from a checkout in a 0700 directory, as a new
# user has it in a home directory: "make run" answers /healthz, "make stop"
# stops everything it started.  As root (the checkout is root's), then,
# when the suite runs as root, as an unprivileged user owning a 0700
# directory ("nobody", so that no user is created on this machine).
#
# The checkout is a copy of the files git tracks or would track, as they
# are now, so uncommitted work is what gets tested.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh
. tests/lib/flow.sh

home=$(mktemp -d "${TMPDIR:-/tmp}/t_homedir.XXXXXX") || exit 1
chmod 0700 "$home"
src=$home/igconnect
port=$(free_port)
runner=

cleanup() {
	as_runner sh tests/stack/igconnect-stack destroy >/dev/null 2>&1
	rm -rf "$home"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# as_runner CMD...: CMD in the checkout, as the user under test, with
# nothing from the suite's environment (its stack's settings) but PATH.
as_runner() {
	if [ -n "$runner" ]; then
		(cd "$src" && runuser -u "$runner" -- env -i PATH="$PATH" \
			HOME="$home" IGCONNECT_PORT="$port" "$@")
	else
		(cd "$src" && env -i PATH="$PATH" HOME="$home" \
			IGCONNECT_PORT="$port" "$@")
	fi
}

healthz() {
	curl -s --noproxy '*' --max-time 5 -o "$home/body" -w '%{http_code}' \
		"http://127.0.0.1:$port/healthz" 2>/dev/null
}

# Processes that run a file of the checkout, or whose state is in it.
leftovers() {
	for p in /proc/[0-9]*; do
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null
		echo
	done | grep -F "$src" | grep -v -e grep -e t_homedir
}

# run_and_stop WHO: make run, /healthz, make stop, nothing left.
run_and_stop() {
	who=$1
	if as_runner make --no-print-directory run >"$home/run.log" 2>&1; then
		pass "make run as $who"
	else
		fail "make run as $who" "$(tail -n 15 "$home/run.log")"
		return
	fi
	code=$(healthz)
	check "healthz 200 as $who" [ "$code" = 200 ]
	check "healthz sees the database as $who" \
		grep -q '"database":"ok"' "$home/body"
	# Statements are logged for the leak tests of tests/run alone.
	pgdata=$(sed -n "s/^IGCONNECT_PGDATA='\(.*\)'\$/\1/p" \
		"$src/var/stack.env")
	check "PostgreSQL logs no statements as $who" sh -c \
		'[ -f "$1" ] && ! grep -q "^log_statement" "$1"' sh \
		"$pgdata/igconnect.conf"
	# The sandbox's connect flow, with the settings the stack wrote.
	(
		set -a
		. "$src/var/stack.env"
		set +a
		tmp=$home/flow
		mkdir -p "$tmp"
		flow_all "http://127.0.0.1:$port" "sandbox-$who" 7
		summary >"$home/flow.sum"
	) | grep -v '^[0-9]* passed'
	flow_failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' \
		"$home/flow.sum")
	check "the sandbox connect flow as $who" [ "${flow_failed:-1}" = 0 ]
	if as_runner make --no-print-directory stop >"$home/stop.log" 2>&1; then
		pass "make stop as $who"
	else
		fail "make stop as $who" "$(tail -n 15 "$home/stop.log")"
	fi
	code=$(healthz)
	check "nothing answers after make stop as $who" [ "$code" = 000 ]
	left=$(leftovers)
	check "no process left after make stop as $who" [ -z "$left" ]
	[ -z "$left" ] || echo "  left: $left"
}

mkdir "$src"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
check "the copy is a checkout" [ -f "$src/Makefile" ]

# make's own variables would carry the suite's build (SAN=1, -j) in.
unset MAKEFLAGS MFLAGS MAKELEVEL
run_and_stop root-owned-checkout
as_runner sh tests/stack/igconnect-stack destroy >/dev/null 2>&1

if [ "$(id -u)" -eq 0 ] && id -u nobody >/dev/null 2>&1; then
	# The build is done; the user runs what is there.
	chown -R nobody "$home"
	runner=nobody
	run_and_stop nobody
fi

summary
