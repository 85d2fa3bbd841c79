# SPDX-License-Identifier: ISC
# flow.sh: the connect flow of tests/lib/flow.c for sh tests that put a
# web server of their own in front of the programs (tests/deploy/).
# Source check.sh first, then this, with the stack's environment
# (stack.env) exported and $tmp set to a private directory.  Needs curl,
# jq and openssl.
#
#   flow_all BASE LABEL ACCOUNT   the whole flow against BASE (a URL),
#                                 as a new caller connecting fake ACCOUNT
#   flow_webhook BASE LABEL       a signed delivery, stored; a badly
#                                 signed one, refused and not stored

b64url() {
	openssl base64 -A | tr '+/' '-_' | tr -d '='
}

# An HS256 JWT for caller SUB, valid for five minutes.
flow_jwt() {
	f_h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	f_c=$(printf '{"sub":"%s","exp":%s}' "$1" $(($(date +%s) + 300)) |
	    b64url)
	f_s=$(printf '%s.%s' "$f_h" "$f_c" |
	    openssl dgst -sha256 -hmac "$JWT_SECRET" -binary | b64url)
	printf '%s.%s.%s' "$f_h" "$f_c" "$f_s"
}

# hreq METHOD URL [curl options]: the status; headers in $tmp/h, body in
# $tmp/b.  The fake's CA is trusted for its https URLs.
hreq() {
	h_m=$1 h_u=$2
	shift 2
	curl -s -m 30 --cacert "$IGCONNECT_CA_FILE" -X "$h_m" -D "$tmp/h" \
	    -o "$tmp/b" -w '%{http_code}' "$@" "$h_u" 2>/dev/null
}

# The value of header NAME in $tmp/h, and how many times it appears.
hval() {
	tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | head -n 1
}
hcount() {
	tr -d '\r' <"$tmp/h" | grep -ci "^$1:"
}

# The security headers nginx.conf.sample sets, each exactly once.
flow_headers() {
	for f_n in Strict-Transport-Security X-Content-Type-Options \
	    Content-Security-Policy Referrer-Policy Cache-Control; do
		[ "$(hcount "$f_n")" -eq 1 ] || return 1
	done
	[ "$(hval X-Content-Type-Options)" = nosniff ] &&
	    [ "$(hval Referrer-Policy)" = no-referrer ] &&
	    [ "$(hval Cache-Control)" = no-store ] &&
	    hval Strict-Transport-Security | grep -q '^max-age=31536000'
}

# The user a test's own web server runs the programs as, in $user, and
# as_user CMD... to run CMD as that user.  As root: the owner of the
# stack's PostgreSQL socket directory, which only it and root may enter
# (Apache refuses to run programs as root); otherwise we ourselves.
flow_runner() {
	if [ "$(id -u)" -eq 0 ]; then
		user=$(stat -c %U "$IGCONNECT_PGHOST")
		as_user() { runuser -u "$user" -- "$@"; }
	else
		user=$(id -un)
		as_user() { "$@"; }
	fi
}

psql_count() {
	"$IGCONNECT_PGBIN/psql" -X -q -A -t -d "$IGCONNECT_DB_ADMIN_URL" \
	    -c "$1" 2>/dev/null
}

flow_all() {
	f_base=$1 f_l=$2 f_acct=$3
	f_tok=$(flow_jwt "cgi-$f_l-$$")
	f_auth="Authorization: Bearer $f_tok"

	f_st=$(hreq GET "$f_base/healthz")
	check "$f_l: healthz 200" [ "$f_st" = 200 ]
	check "$f_l: healthz security headers once each" flow_headers
	check "$f_l: healthz has a request id" \
	    [ -n "$(hval X-Request-Id)" ]
	f_st=$(hreq PUT "$f_base/healthz")
	check "$f_l: PUT healthz 405 with Allow" \
	    [ "$f_st:$(hval Allow)" = "405:GET, HEAD" ]
	check "$f_l: 405 security headers once each" flow_headers
	f_st=$(hreq GET "$f_base/healthz/x")
	check "$f_l: /healthz/x is no endpoint (404)" [ "$f_st" = 404 ]

	# Authorization reaches the program (CGIPassAuth): 401 without.
	f_st=$(hreq GET "$f_base/integrations/instagram")
	check "$f_l: no token 401" [ "$f_st" = 401 ]
	f_st=$(hreq GET "$f_base/oauth/instagram/url" -H "$f_auth")
	check "$f_l: authorize URL 200" [ "$f_st" = 200 ]
	f_state=$(jq -r '.state // empty' "$tmp/b" 2>/dev/null)
	f_url=$(jq -r '.authUrl // empty' "$tmp/b" 2>/dev/null)
	f_ok=no
	[ -n "$f_state" ] &&
	    [ "${f_url#"$IGCONNECT_INSTAGRAM_WWW_URL"/}" != "$f_url" ] &&
	    f_ok=yes
	check "$f_l: authorize URL at the sandbox's login page" [ "$f_ok" = yes ]

	# "Logging in" at the fake: Allow on its consent page.
	f_st=$(hreq GET "$f_url&fake_account=$f_acct&fake_consent=allow")
	f_loc=$(hval Location)
	f_code=$(printf '%s' "$f_loc" | sed -n 's/.*[?&]code=\([^&#]*\).*/\1/p')
	check "$f_l: the fake redirects with a code" \
	    [ "$f_st:${f_code:+code}" = 302:code ]
	f_st=$(hreq POST "$f_base/oauth/instagram/exchange" -H "$f_auth" \
	    -H 'Content-Type: application/json' --data-binary \
	    "$(jq -nc --arg c "$f_code" --arg s "$f_state" \
	    '{code: $c, state: $s}')")
	check "$f_l: exchange 200" [ "$f_st" = 200 ]
	check "$f_l: exchange security headers once each" flow_headers

	f_st=$(hreq GET "$f_base/integrations/instagram" -H "$f_auth")
	check "$f_l: read the connection 200" [ "$f_st" = 200 ]
	check "$f_l: connection is fake_user_$f_acct" \
	    grep -q "\"fake_user_$f_acct\"" "$tmp/b"
	# Publishing: an image at once, then the job by its id.
	f_st=$(hreq POST "$f_base/integrations/instagram/media" -H "$f_auth" \
	    -H 'Content-Type: application/json' --data-binary \
	    '{"imageUrl":"https://cdn.example.com/flow.jpg","caption":"sh"}')
	f_job=$(jq -r '.jobId // empty' "$tmp/b" 2>/dev/null)
	# A loaded machine may end the request's short wait first: then the
	# worker finishes the job, as igconnect-publish does in production.
	[ "$f_st" != 202 ] || tools/igconnect-publish --once >/dev/null 2>&1
	check "$f_l: publish an image 201 or 202" [ "$f_st" = 201 -o \
	    "$f_st" = 202 ]
	f_st=$(hreq GET "$f_base/integrations/instagram/media/$f_job" \
	    -H "$f_auth")
	check "$f_l: the publish job 200 published" [ "$f_st:$(jq -r .status \
	    "$tmp/b" 2>/dev/null)" = 200:published ]
	f_st=$(hreq PUT "$f_base/integrations/instagram/media" -H "$f_auth")
	check "$f_l: PUT media 405" [ "$f_st" = 405 ]

	f_st=$(hreq POST "$f_base/integrations/instagram/refresh" -H "$f_auth")
	check "$f_l: refresh of a new token 409 too_early" \
	    [ "$f_st:$(jq -r .error "$tmp/b" 2>/dev/null)" = 409:too_early ]
	f_st=$(hreq DELETE "$f_base/integrations/instagram" -H "$f_auth")
	check "$f_l: disconnect 2xx" [ "${f_st#2}" != "$f_st" ]
	f_st=$(hreq GET "$f_base/integrations/instagram" -H "$f_auth")
	check "$f_l: disconnected after disconnect" \
	    [ "$f_st:$(jq -r .status "$tmp/b" 2>/dev/null)" = 200:disconnected ]

	# Bodies over 16 KiB stop before the program.
	head -c 20000 /dev/zero | tr '\0' 'a' >"$tmp/big"
	f_st=$(hreq POST "$f_base/oauth/instagram/exchange" -H "$f_auth" \
	    -H 'Content-Type: application/json' --data-binary @"$tmp/big")
	check "$f_l: 20 KB body 413" [ "$f_st" = 413 ]
}

flow_webhook() {
	f_base=$1 f_l=$2
	f_mark="cgi-$f_l-$$-$(date +%s)"
	f_body="{\"object\":\"instagram\",\"entry\":[{\"id\":\"17841400000000001\",\"time\":$(date +%s),\"changes\":[{\"field\":\"comments\",\"value\":{\"text\":\"$f_mark\"}}]}]}"
	f_sig=$(printf '%s' "$f_body" |
	    openssl dgst -sha256 -hmac "$INSTAGRAM_APP_SECRET" -hex |
	    sed 's/.*= *//')
	f_st=$(hreq POST "$f_base/webhooks/instagram" \
	    -H 'Content-Type: application/json' \
	    -H "X-Hub-Signature-256: sha256=$f_sig" --data-binary "$f_body")
	check "$f_l: signed webhook 200" [ "$f_st" = 200 ]
	check "$f_l: signed webhook stored" [ "$(psql_count "SELECT count(*) \
	    FROM webhook_events WHERE position('$f_mark' in \
	    convert_from(body, 'UTF8')) > 0")" = 1 ]
	f_bad=$(printf '%s' "$f_body" | sed "s/$f_mark/$f_mark-bad/")
	f_st=$(hreq POST "$f_base/webhooks/instagram" \
	    -H 'Content-Type: application/json' \
	    -H "X-Hub-Signature-256: sha256=$f_sig" --data-binary "$f_bad")
	check "$f_l: badly signed webhook 403" [ "$f_st" = 403 ]
	check "$f_l: badly signed webhook not stored" [ "$(psql_count \
	    "SELECT count(*) FROM webhook_events WHERE position('$f_mark-bad' \
	    in convert_from(body, 'UTF8')) > 0")" = 0 ]
}

# The stack's settings as an env file of the kind a shared-hosting user
# uploads, for programs that get nothing else (CA file: $1).
flow_env_file() {
	echo "# igconnect settings, written by ${0##*/}"
	for f_n in DATABASE_URL INSTAGRAM_APP_ID INSTAGRAM_APP_SECRET \
	    INSTAGRAM_REDIRECT_URI INSTAGRAM_WEBHOOK_VERIFY_TOKEN \
	    FACEBOOK_APP_ID FACEBOOK_APP_SECRET JWT_SECRET \
	    IGCONNECT_TOKEN_KEYS IGCONNECT_REDIRECT_URIS \
	    IGCONNECT_INSTAGRAM_WWW_URL IGCONNECT_INSTAGRAM_API_URL \
	    IGCONNECT_GRAPH_INSTAGRAM_URL IGCONNECT_FACEBOOK_WWW_URL \
	    IGCONNECT_GRAPH_FACEBOOK_URL; do
		eval "f_v=\${$f_n-}"
		[ -n "$f_v" ] && printf "export %s='%s'\n" "$f_n" "$f_v"
	done
	printf 'IGCONNECT_CA_FILE=%s   # the fake of Meta\r\n' "$1"
}
