#!/bin/sh
# SPDX-License-Identifier: ISC
# t_fcgiwrap.sh: the programs as plain CGI behind nginx and fcgiwrap,
# with the shipped deploy/nginx-fcgiwrap.conf.sample, against the running
# stack's PostgreSQL and fake of Meta (stack.env exported): the connect
# flow, webhooks, and settings that come only from the env file.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh
. tests/lib/flow.sh

if [ -z "${IGCONNECT_PGHOST:-}" ] || [ -z "${IGCONNECT_FAKE_URL:-}" ]; then
	fail "the stack's environment (stack.env) is exported"
	summary
	exit 1
fi
NGINX=${NGINX:-/usr/sbin/nginx}
FCGIWRAP=${FCGIWRAP:-/usr/sbin/fcgiwrap}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/igconnect-fcgiwrap.XXXXXX") || exit 1
wrap_pid=
cleanup() {
	[ -s "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
	[ -n "$wrap_pid" ] && kill -- "-$wrap_pid" 2>/dev/null
	n=0
	while { [ -s "$tmp/nginx.pid" ] || { [ -n "$wrap_pid" ] &&
	    kill -0 "$wrap_pid" 2>/dev/null; }; } && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fcgiwrap and nginx run as flow_runner's user, with copies of the
# programs in $tmp.
flow_runner

chmod 0755 "$tmp"
mkdir -p "$tmp/libexec" "$tmp/log" "$tmp/nginx"
cp "$IGCONNECT_CA_FILE" "$tmp/ca.pem"
for p in fcgi/*; do
	case $p in *.c | *.o | *.d) continue ;; esac
	cp "$p" "$tmp/libexec/"
done
envf=$tmp/igconnect.env
flow_env_file "$tmp/ca.pem" >"$envf"
chmod 0600 "$envf"
port=$(free_port 3)
sed -e "s|@USER@|$user|g" -e "s|@PIDFILE@|$tmp/nginx.pid|g" \
    -e "s|@LOGDIR@|$tmp/log|g" -e "s|@TMPDIR@|$tmp/nginx|g" \
    -e "s|@PORT@|$port|g" -e "s|@FCGIWRAP@|$tmp/fcgiwrap.sock|g" \
    -e "s|@LIBEXEC@|$tmp/libexec|g" -e "s|@ENV_FILE@|$envf|g" \
    deploy/nginx-fcgiwrap.conf.sample >"$tmp/nginx.conf"
check "the sample has no placeholder left" \
    sh -c "grep -v '^ *#' '$tmp/nginx.conf' | grep -q '@[A-Z_]*@'; [ \$? = 1 ]"
chown -R "$user" "$tmp"

# fcgiwrap gets an empty environment: whatever the programs know comes
# from the FastCGI parameters and the env file.  It leads a process group
# of its own (its pid in $wrap_pid), so one signal stops its children.
as_user setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$tmp/wrap.pid" \
    env -i PATH=/usr/bin:/bin "$FCGIWRAP" -c 2 -s "unix:$tmp/fcgiwrap.sock" \
    </dev/null >/dev/null 2>"$tmp/log/fcgiwrap.log" &
n=0
until [ -s "$tmp/wrap.pid" ] || [ "$n" -ge 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
wrap_pid=$(cat "$tmp/wrap.pid" 2>/dev/null)
check "nginx config is valid" as_user "$NGINX" -q -t -p "$tmp/nginx" \
    -c "$tmp/nginx.conf" 2>>"$tmp/log/nginx.out"
as_user "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx.conf" 2>>"$tmp/log/nginx.out"
n=0
until [ -S "$tmp/fcgiwrap.sock" ] && [ -s "$tmp/nginx.pid" ] &&
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
	n=$((n + 1))
	if [ "$n" -ge 50 ]; then
		fail "nginx and fcgiwrap start"
		cat "$tmp/log/"* 2>/dev/null | tail -n 20
		summary
		exit 1
	fi
	sleep 0.1
done
pass "nginx and fcgiwrap start"

base=http://127.0.0.1:$port
flow_all "$base" fcgiwrap $((700000 + $$ % 100000))
flow_webhook "$base" fcgiwrap
st=$(hreq GET "$base/healthz")
check "fcgiwrap: nginx's request id reaches the program" \
    grep -q "rid=$(hval X-Request-Id) GET /healthz 200" "$tmp/log/fcgiwrap.log"

# The settings come from the env file: readable by others, it stops the
# programs with one line saying why.
chmod 0644 "$envf"
st=$(hreq GET "$base/healthz")
check "fcgiwrap: env file readable by others: 5xx" [ "${st#5}" != "$st" ]
check "fcgiwrap: ... and the program says why" grep -q \
    "igconnect-healthz: invalid value for IGCONNECT_ENV_FILE: the file must not be accessible by group or others" \
    "$tmp/log/fcgiwrap.log"
chmod 0600 "$envf"

if [ "$check_failed" -ne 0 ]; then
	echo "---- logs"
	tail -n 20 "$tmp/log/"*
fi
summary
