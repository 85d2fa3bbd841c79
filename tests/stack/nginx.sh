# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: nginx, rendered from
# nginx.conf.sample.

render_nginx_conf() {
	if is_root; then
		# The programs run as root and create their sockets 0660 in $SOCK,
		# which is setgid to nginx's group: the sockets get that group, so
		# the workers (an unprivileged user, as in production) can connect
		# and nobody else can.
		user_line="user $NGINX_USER $NGINX_GROUP;"
	else
		# Not root: the user directive would be ignored with a warning; the
		# workers run as the caller, who owns the sockets.
		user_line="# user: not started as root; workers run as $(id -un)"
	fi
	# Every seed's compatibility routes are enabled here: the tests play
	# each seed's front end against them.
	sed -e "s|^user @USER@;|$user_line|" \
		-e 's/^\( *\)# \[seed[0-9][0-9]*\] /\1/' \
		-e "s|@PORT@|$PORT|g" \
		-e "s|@RUNDIR@|$SOCK|g" \
		-e "s|@LOGDIR@|$LOG|g" \
		-e "s|@PIDFILE@|$RUN/nginx.pid|g" \
		-e "s|@TMPDIR@|$SHARED/nginx|g" \
		"$ROOT/nginx.conf.sample" >"$VAR/nginx.conf.tmp"
	if grep -n '^[^#]*@[A-Z][A-Z]*@' "$VAR/nginx.conf.tmp" >&2; then
		die "nginx.conf.sample has a placeholder this script does not know"
	fi
	mv -f "$VAR/nginx.conf.tmp" "$VAR/nginx.conf"
}

# nginx gets a clean environment too: its master would otherwise hold the
# app secrets from the caller's shell.
nginx_cmd() {
	env -i PATH="$PATH_CLEAN" nginx -c "$VAR/nginx.conf" -p "$NGX/" \
		-e "$LOG/igconnect-error.log" "$@"
}

wait_healthz() {
	w=0
	while :; do
		code=$(curl -s --noproxy '*' --max-time 2 -o "$RUN/healthz.body" \
			-w '%{http_code}' "http://127.0.0.1:$PORT/healthz" 2>/dev/null) ||
			code=000
		[ "$code" != 200 ] || return 0
		if ! alive "$nginx_pid" nginx; then
			tail_log "$LOG/igconnect-error.log"
			die "nginx exited at start"
		fi
		w=$((w + 1))
		if [ "$w" -ge 150 ]; then
			tail_log "$LOG/igconnect-error.log" 5
			tail_log "$LOG/healthz.log" 5
			[ ! -s "$RUN/healthz.body" ] ||
				warn "GET /healthz: $(head -c 300 "$RUN/healthz.body")"
			die "GET http://127.0.0.1:$PORT/healthz answered $code, not 200, within 15 s"
		fi
		sleep 0.1
	done
}
