# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: development secrets and the sandbox,
# the fake of Meta the programs talk to when no Meta app is configured.

# Development secrets are generated once and kept, so a restart can still
# decrypt the tokens it stored and verify the JWTs it issued.
devsec_get() {
	[ -f "$DEVSEC" ] || return 0
	sed -n "s/^$1='\\([^']*\\)'\$/\\1/p" "$DEVSEC" | head -n 1
}

# devsec KEY CMD...: the saved value of KEY, made by CMD the first time.
devsec() {
	d_key=$1
	shift
	d_val=$(devsec_get "$d_key")
	if [ -z "$d_val" ]; then
		d_val=$("$@")
		[ -n "$d_val" ] || die "could not generate $d_key"
		if [ ! -f "$DEVSEC" ]; then
			printf '%s\n' \
				"# Development secrets made by tests/stack/igconnect-stack, reused at every start." \
				"# Keep this file: tokens stored by this stack are encrypted with DEV_TOKEN_KEYS." \
				"# Never use these values in production." >"$DEVSEC"
		fi
		printf "%s='%s'\n" "$d_key" "$d_val" >>"$DEVSEC"
	fi
	printf '%s' "$d_val"
}

gen_hex16() { openssl rand -hex 16; }
gen_hex32() { openssl rand -hex 32; }
# IGCONNECT_TOKEN_KEYS: key id "dev1", 32 random bytes in base64.
gen_token_keys() { printf 'dev1:%s' "$(openssl rand -base64 32)"; }
# Meta app ids are decimal numbers of about 15 digits.
gen_app_id() {
	printf '9%s' "$(od -An -tu1 -N14 /dev/urandom |
		awk '{ for (i = 1; i <= NF; i++) printf "%d", $i % 10 }')"
}

dev_secrets() {
	if [ -z "${JWT_SECRET:-}${JWT_SECRET_FILE:-}" ]; then
		JWT_SECRET=$(devsec DEV_JWT_SECRET gen_hex32)
		export JWT_SECRET
		say "JWT_SECRET is not set: using a development secret kept in $DEVSEC"
	fi
	if [ -z "${IGCONNECT_TOKEN_KEYS:-}${IGCONNECT_TOKEN_KEYS_FILE:-}" ]; then
		IGCONNECT_TOKEN_KEYS=$(devsec DEV_TOKEN_KEYS gen_token_keys)
		export IGCONNECT_TOKEN_KEYS
		say "IGCONNECT_TOKEN_KEYS is not set: using a development key kept in $DEVSEC (keep it, or stored tokens become unreadable)"
	fi
}

# ------------------------------------------------------------ sandbox

sandbox_wanted() { [ -z "${INSTAGRAM_APP_ID:-}${INSTAGRAM_CLIENT_ID:-}" ]; }

# The secret the fake mints dev tokens (/dev/token) with is the one the
# programs verify callers' tokens with: JWT_SECRET_FILE, or a private copy
# of JWT_SECRET, since a command line is readable by every local user.
# Sets jwt_file, empty when there is no secret.
fake_jwt_file() {
	jwt_file=
	if [ -n "${JWT_SECRET_FILE:-}" ] && grep -q . "$JWT_SECRET_FILE" 2>/dev/null; then
		jwt_file=$JWT_SECRET_FILE
	elif [ -n "${JWT_SECRET:-}" ]; then
		jwt_file=$VAR/fake/jwt-secret
		printf '%s\n' "$JWT_SECRET" >"$jwt_file"
	fi
}

# The sandbox's logins return to this stack's own demo page, which
# finishes them with the fake; a redirect URI of the configuration is
# replaced, and that is said, never done silently.
sandbox_redirects() {
	why="the fake of Meta sends a sandbox login back only to this stack's own demo page, which redeems the code with the fake (your app's callback could not)"
	if [ -n "${INSTAGRAM_REDIRECT_URI:-}" ] &&
		[ "$INSTAGRAM_REDIRECT_URI" != "$sb_redirect" ]; then
		say "SANDBOX: INSTAGRAM_REDIRECT_URI=$INSTAGRAM_REDIRECT_URI (from the environment or ${env_file:-the env file}) is replaced by $sb_redirect: $why"
	fi
	if [ -n "${IGCONNECT_REDIRECT_URIS:-}" ] &&
		[ "$IGCONNECT_REDIRECT_URIS" != "$sb_redirect,$sb_redirect_alt" ]; then
		say "SANDBOX: IGCONNECT_REDIRECT_URIS=$IGCONNECT_REDIRECT_URIS is replaced by $sb_redirect,$sb_redirect_alt: $why"
	fi
	INSTAGRAM_REDIRECT_URI=$sb_redirect
	IGCONNECT_REDIRECT_URIS=$sb_redirect,$sb_redirect_alt
	export INSTAGRAM_REDIRECT_URI IGCONNECT_REDIRECT_URIS
}

# With no Instagram app configured, the programs talk to the fake of Meta
# instead: its own CA, a generated app id and secret, and every Meta base
# URL pointed at it.  The login pages, which a browser visits, are the
# fake's too, but served by the stack's nginx on plain http under
# /sandbox/ (nginx.sh): a browser trusts no test CA, and would warn.
# What the fake remembers is kept in $VAR/fake/state.jsonl, so tokens
# issued before a restart still work after it.
start_fake() {
	mkcerts=$ROOT/tests/fakemeta/mkcerts
	fake=$ROOT/tests/fakemeta/fakemeta
	if [ ! -x "$fake" ] || [ ! -x "$mkcerts" ]; then
		die "no Instagram app credentials are configured (INSTAGRAM_APP_ID) and the sandbox is not built (tests/fakemeta); run make, or configure a real app in .env"
	fi
	if [ ! -f "$VAR/fake/server.pem" ]; then
		mkdir -p "$VAR/fake"
		if ! "$mkcerts" "$VAR/fake" >>"$LOG/fakemeta.log" 2>&1; then
			tail_log "$LOG/fakemeta.log"
			die "tests/fakemeta/mkcerts failed"
		fi
	fi
	sb_id=$(devsec SANDBOX_APP_ID gen_app_id)
	sb_secret=$(devsec SANDBOX_APP_SECRET gen_hex16)
	sb_verify=$(devsec SANDBOX_VERIFY_TOKEN gen_hex16)
	sb_redirect=http://127.0.0.1:$PORT/demo/callback
	# A second allowed redirect URI, so the allow-list can be exercised.
	sb_redirect_alt=http://127.0.0.1:$PORT/demo/callback-alt
	: >"$RUN/fakemeta.out"
	fake_jwt_file
	jwt_iss=${IGCONNECT_JWT_ISSUER:-}
	jwt_aud=${IGCONNECT_JWT_AUDIENCE:-}
	[ -n "$jwt_file" ] || jwt_iss= jwt_aud=
	# The sandbox secret is on the fake's command line, which other local
	# users can read; it guards nothing real.
	launch fakemeta "$LOG/fakemeta.log" "$RUN/fakemeta.out" \
		env -i PATH="$PATH_CLEAN" "$fake" --listen 127.0.0.1:0 \
		--cert "$VAR/fake/server.pem" --key "$VAR/fake/server.key" \
		--app-id "$sb_id" --app-secret "$sb_secret" \
		--fb-app-id "$sb_id" --fb-app-secret "$sb_secret" \
		--redirect-uri "$sb_redirect" --redirect-uri "$sb_redirect_alt" \
		--state "$VAR/fake/state.jsonl" \
		${jwt_file:+--jwt-secret-file "$jwt_file"} \
		${jwt_iss:+--jwt-issuer "$jwt_iss"} \
		${jwt_aud:+--jwt-audience "$jwt_aud"} \
		--pidfile "$RUN/fakemeta.pid"
	fake_pid=$launched
	fake_url=
	w=0
	while [ -z "$fake_url" ]; do
		fake_url=$(sed -n 's|^fakemeta listening on \(https://127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' \
			"$RUN/fakemeta.out" | head -n 1)
		[ -z "$fake_url" ] || break
		if ! alive "$fake_pid" fakemeta; then
			tail_log "$LOG/fakemeta.log"
			die "the fake of Meta exited at start"
		fi
		w=$((w + 1))
		if [ "$w" -ge 100 ]; then
			tail_log "$LOG/fakemeta.log"
			die "the fake of Meta did not say it was listening within 10 s"
		fi
		sleep 0.1
	done
	IGCONNECT_INSTAGRAM_WWW_URL=http://127.0.0.1:$PORT/sandbox
	IGCONNECT_INSTAGRAM_API_URL=$fake_url
	IGCONNECT_GRAPH_INSTAGRAM_URL=$fake_url
	IGCONNECT_FACEBOOK_WWW_URL=http://127.0.0.1:$PORT/sandbox
	IGCONNECT_GRAPH_FACEBOOK_URL=$fake_url
	IGCONNECT_CA_FILE=$VAR/fake/ca.pem
	IGCONNECT_FAKE_URL=$fake_url
	INSTAGRAM_APP_ID=$sb_id
	INSTAGRAM_APP_SECRET=$sb_secret
	sandbox_redirects
	# A program refuses a secret given both directly and as _FILE.
	unset INSTAGRAM_APP_SECRET_FILE INSTAGRAM_CLIENT_SECRET
	export IGCONNECT_INSTAGRAM_WWW_URL IGCONNECT_INSTAGRAM_API_URL \
		IGCONNECT_GRAPH_INSTAGRAM_URL IGCONNECT_FACEBOOK_WWW_URL \
		IGCONNECT_GRAPH_FACEBOOK_URL IGCONNECT_CA_FILE IGCONNECT_FAKE_URL \
		INSTAGRAM_APP_ID INSTAGRAM_APP_SECRET
	# The fake knows one app, so the Facebook Login flavor uses it too.
	if [ -z "${FACEBOOK_APP_ID:-}" ]; then
		FACEBOOK_APP_ID=$sb_id
		FACEBOOK_APP_SECRET=$sb_secret
		unset FACEBOOK_APP_SECRET_FILE
		export FACEBOOK_APP_ID FACEBOOK_APP_SECRET
	fi
	if [ -z "${INSTAGRAM_WEBHOOK_VERIFY_TOKEN:-}${INSTAGRAM_VERIFY_TOKEN:-}${INSTAGRAM_WEBHOOK_VERIFY_TOKEN_FILE:-}${INSTAGRAM_VERIFY_TOKEN_FILE:-}" ]; then
		INSTAGRAM_WEBHOOK_VERIFY_TOKEN=$sb_verify
		export INSTAGRAM_WEBHOOK_VERIFY_TOKEN
	fi
	say "SANDBOX: no Instagram app credentials are configured, so igconnect talks to the fake of Meta at $fake_url (tests/fakemeta), not to Meta; its login pages are served at http://127.0.0.1:$PORT/sandbox/ and a demo user's token at http://127.0.0.1:$PORT/dev/token"
}
