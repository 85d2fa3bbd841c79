# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: nginx, rendered from
# nginx.conf.sample, plus the local stack's own routes (stack_locations):
# the demo page, and with the sandbox its login pages and /dev/token.

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
	# each seed's front end against them.  127.254.0.0/16 is rate
	# limited like any client, so a test can see the 429.  The stack's
	# own routes go into the server block, after its listen line.
	sed -e "s|^user @USER@;|$user_line|" \
		-e 's/^\( *\)# \[seed[0-9][0-9]*\] /\1/' \
		-e "s|@PORT@|$PORT|g" \
		-e "s|@RUNDIR@|$SOCK|g" \
		-e "s|@LOGDIR@|$LOG|g" \
		-e "s|@PIDFILE@|$RUN/nginx.pid|g" \
		-e "s|@TMPDIR@|$SHARED/nginx|g" \
		-e '/^        127\.0\.0\.0\/8 1;$/a\
        127.254.0.0/16 0;' \
		-e "/^[[:space:]]*listen 127\\.0\\.0\\.1:$PORT default_server;/a\\
        include $VAR/nginx-stack.conf;" \
		"$ROOT/nginx.conf.sample" >"$VAR/nginx.conf.tmp"
	if grep -n '^[^#]*@[A-Z][A-Z]*@' "$VAR/nginx.conf.tmp" >&2; then
		die "nginx.conf.sample has a placeholder this script does not know"
	fi
	grep -q "^ *include $VAR/nginx-stack.conf;\$" "$VAR/nginx.conf.tmp" ||
		die "nginx.conf.sample has no line \"listen 127.0.0.1:@PORT@ default_server;\" to add the stack's routes after"
	demo_dir
	stack_locations >"$VAR/nginx-stack.conf"
	mv -f "$VAR/nginx.conf.tmp" "$VAR/nginx.conf"
}

# The demo page's files where nginx's workers can read them: as root they
# run as $NGINX_USER, who may not cross the checkout's directories (a 0700
# home), so they get a copy, made at every start, with the links in it
# followed (igconnect.js is deploy/clients/'s); otherwise a link, so an
# edit shows at once.
demo_dir() {
	rm -rf "$SHARED/www"
	mkdir -p "$SHARED/www"
	if is_root; then
		if [ -d "$ROOT/deploy/demo" ]; then
			cp -RL "$ROOT/deploy/demo" "$SHARED/www/demo"
		else
			mkdir "$SHARED/www/demo"
		fi
		chmod -R u=rwX,go=rX "$SHARED/www"
	else
		ln -s "$ROOT/deploy/demo" "$SHARED/www/demo"
	fi
}

# The headers nginx.conf.sample adds at the http level, for a location
# that adds one of its own (nginx then inherits none of them).  The demo
# page's policy lets it run its own files, never an inline script.
demo_headers() {
	cat <<'EOF'
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "default-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" always;
    add_header Referrer-Policy no-referrer always;
    add_header Cache-Control $igc_cache_control always;
    add_header X-Request-Id $request_id always;
    add_header Allow $igc_allow_header always;
    add_header Retry-After $igc_retry_after always;
EOF
}

# The demo page: deploy/demo/ at /demo/.
demo_locations() {
	cat <<EOF
# The demo page: deploy/demo/ at /demo/.  /demo/callback, where the
# sandbox's logins come back, is callback.html when the demo has one, else
# its index.html.  That query holds a login's code, so errors about it are
# logged only at alert, as nginx.conf.sample does for such routes.
location = /demo {
    return 301 /demo/;
}
location ^~ /demo/ {
    set \$igc_allow "GET, HEAD";
    if (\$request_method !~ ^(?:GET|HEAD)\$) { return 405; }
    root $SHARED/www;
    types {
        text/html html;
        text/javascript js mjs;
        text/css css;
        image/svg+xml svg;
        image/png png;
        image/x-icon ico;
        application/json json;
    }
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/css text/javascript application/json;
    index index.html;
    try_files \$uri \$uri.html \$uri/ /demo/index.html =404;
    error_log $LOG/igconnect-error.log alert;
$(demo_headers)
}
EOF
}

# The sandbox's routes.  Its login pages, which a browser visits, on plain
# http: a browser trusts no test CA and would warn.  nginx reaches the
# fake over TLS and verifies it with the test CA, as the programs do.
# Only these pages and /dev/token: every other call to the fake stays
# between the programs and the fake.
sandbox_locations() {
	cat <<EOF

# The sandbox's login pages on plain http (the fake over TLS behind).
# A login's state is in their query: errors logged at alert only.
proxy_ssl_verify on;
proxy_ssl_trusted_certificate $IGCONNECT_CA_FILE;
proxy_ssl_name localhost;
proxy_redirect off;
proxy_connect_timeout 5s;
proxy_read_timeout 30s;
location = /sandbox/oauth/authorize {
    set \$igc_allow "GET";
    if (\$request_method != GET) { return 405; }
    error_log $LOG/igconnect-error.log alert;
    proxy_pass $IGCONNECT_FAKE_URL/oauth/authorize;
}
location ~ "^/sandbox(/v[0-9]{1,3}\\.0/dialog/oauth)\$" {
    set \$igc_allow "GET";
    if (\$request_method != GET) { return 405; }
    error_log $LOG/igconnect-error.log alert;
    proxy_pass $IGCONNECT_FAKE_URL\$1\$is_args\$args;
}

# The dev identity: a demo user's token (?sub=), minted by the fake with
# the programs' JWT secret, which a browser page thus never holds.
location = /dev/token {
    set \$igc_allow "GET";
    if (\$request_method != GET) { return 405; }
    proxy_pass $IGCONNECT_FAKE_URL/_fake/jwt;
}
EOF
}

# The routes of the local stack, never of a deployment.
stack_locations() {
	echo "# Written by tests/stack/igconnect-stack at every start; edits are lost."
	echo "# The local stack's own routes, included in nginx.conf's server block."
	echo
	demo_locations
	if [ "${IGCONNECT_SANDBOX:-0}" = 1 ]; then
		sandbox_locations
	fi
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
