#!/bin/sh
# SPDX-License-Identifier: ISC
# The sandbox as a person meets it, on a stack of its own started as
# "make run" starts it: the demo page's URL printed and served, a redirect
# URI of the env file replaced and said so, a demo user's token from
# /dev/token, the fake's login page on plain http (no test certificate in
# a browser) with its Allow and Deny, and a connection that outlives
# "make stop" and "make run": after the restart its token still reads at
# the fake and refreshes, and does not turn into needs_reauth.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_sandbox.XXXXXX") || exit 1
var=$tmp/var
port=$(free_port 5)
base=http://127.0.0.1:$port
app_cb=https://app.example.com/instagram/callback

cleanup() {
	stack destroy >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# stack CMD: the stack script with nothing of the suite's own stack in
# its environment, and an env file of a host app's kind.
stack() {
	env -i PATH="$PATH" HOME="${HOME:-/}" IGCONNECT_VAR="$var" \
	    IGCONNECT_PORT="$port" IGCONNECT_ENV_FILE="$tmp/app.env" \
	    sh tests/stack/igconnect-stack "$1"
}

# in_stack CMD...: CMD with the environment the stack wrote.
in_stack() {
	env -i PATH="$PATH" sh -c 'set -a; . "$1"; set +a; shift; exec "$@"' \
	    sh "$var/stack.env" "$@"
}

# req METHOD URL [curl options]: the status; headers in $tmp/h, body in
# $tmp/b.  No CA file: whatever a browser visits must be plain http.
req() {
	r_m=$1 r_u=$2
	shift 2
	curl -s -m 30 -X "$r_m" -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' \
	    "$@" "$r_u" 2>/dev/null
}

hval() {
	tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | head -n 1
}

# A token for the demo user of this test, as the demo page gets it.
dev_token() {
	req GET "$base/dev/token?sub=sandbox-$$" >/dev/null
	jq -r '.token // empty' "$tmp/b"
}

printf 'INSTAGRAM_REDIRECT_URI=%s\n' "$app_cb" >"$tmp/app.env"
chmod 600 "$tmp/app.env"

if stack start >"$tmp/start.log" 2>&1; then
	pass "the sandbox stack starts"
else
	fail "the sandbox stack starts" "$(tail -n 15 "$tmp/start.log")"
	summary
	exit 1
fi
check "start prints the demo page's URL" \
    grep -qx "demo page: $base/demo/" "$tmp/start.log"
check "start says the env file's redirect URI is replaced, and why" \
    grep -q "SANDBOX: INSTAGRAM_REDIRECT_URI=$app_cb (from .*app.env) is replaced by $base/demo/callback: .*demo page" \
    "$tmp/start.log"
check "... and the programs use the demo callback" \
    grep -qx "INSTAGRAM_REDIRECT_URI='$base/demo/callback'" "$var/stack.env"

st=$(req GET "$base/demo/")
check "the demo page is served at /demo/" \
    [ "$st:$(hval Content-Type)" = "200:text/html; charset=utf-8" ]
check "... it is deploy/demo/index.html" cmp -s "$tmp/b" deploy/demo/index.html
st=$(req GET "$base/demo/callback?code=c&state=s")
check "... and at /demo/callback, where logins come back" sh -c \
    '[ "$1" = 200 ] && cmp -s "$2" deploy/demo/index.html' sh "$st" "$tmp/b"
check "... with a policy that allows only its own files" \
    [ "$(hval Content-Security-Policy | cut -d';' -f1)" = "default-src 'self'" ]

# The dev identity.
st=$(req GET "$base/dev/token")
check "/dev/token: a token for demo-user, an hour" \
    [ "$st:$(jq -c '[.sub, .expiresIn, (.token | length > 0)]' "$tmp/b")" \
    = '200:["demo-user",3600,true]' ]
tok=$(dev_token)
auth="Authorization: Bearer $tok"
st=$(req GET "$base/integrations" -H "$auth")
check "... accepted by GET /integrations" [ "$st" = 200 ]
st=$(req GET "$base/dev/token?sub=a%20b")
check "... ?sub= only of a safe charset (400)" [ "$st" = 400 ]
st=$(req POST "$base/dev/token")
check "... GET only (405)" [ "$st" = 405 ]

# The login page, as a browser gets it: plain http, no certificate.
st=$(req GET "$base/oauth/instagram/url" -H "$auth")
state=$(jq -r '.state // empty' "$tmp/b")
url=$(jq -r '.authUrl // empty' "$tmp/b")
check "the authorize URL is the stack's own, on plain http" \
    [ "${url#"$base/sandbox/oauth/authorize?"}" != "$url" ]
st=$(req GET "$url")
check "... a login page with the fake accounts, Allow and Deny" sh -c \
    '[ "$1" = 200 ] && grep -q "name=\"fake_account\" value=\"1\" checked" "$2" &&
    grep -q "value=\"allow\">Allow</button>" "$2" &&
    grep -q "value=\"deny\">Deny</button>" "$2"' sh "$st" "$tmp/b"
st=$(req GET "$url&fake_consent=deny")
check "Deny: back to the demo callback with Meta's denial" \
    [ "$st:$(hval Location)" = "302:$base/demo/callback?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=$state#_" ]
st=$(req GET "$base/oauth/instagram/url?flavor=facebook" -H "$auth")
fburl=$(jq -r '.authUrl // empty' "$tmp/b")
st=$(req GET "$fburl")
check "the Facebook Login dialog too, on plain http" sh -c \
    '[ "${1#"$2"/sandbox/v}" != "$1" ] && [ "$3" = 200 ] &&
    grep -q "Log in with Facebook" "$4"' sh "$fburl" "$base" "$st" "$tmp/b"

# Allow, with the account chosen on the page, and the exchange.
st=$(req GET "$base/oauth/instagram/url" -H "$auth")
state=$(jq -r '.state // empty' "$tmp/b")
url=$(jq -r '.authUrl // empty' "$tmp/b")
st=$(req GET "$url&fake_account=3&fake_consent=allow")
code=$(hval Location | sed -n 's/.*[?&]code=\([^&#]*\).*/\1/p')
check "Allow: back to the demo callback with a code" \
    [ "$st:${code:+code}" = 302:code ]
st=$(req POST "$base/oauth/instagram/exchange" -H "$auth" \
    -H 'Content-Type: application/json' --data-binary \
    "$(jq -nc --arg c "$code" --arg s "$state" '{code: $c, state: $s}')")
check "... exchanged: connected as fake_user_3" \
    [ "$st:$(jq -r .username "$tmp/b" 2>/dev/null)" = 200:fake_user_3 ]

# A day older at both ends, so that a refresh and a sync are due after
# the restart.
check "the token made a day older" in_stack sh -c '
	"$IGCONNECT_PGBIN/psql" -X -q -d "$IGCONNECT_DB_ADMIN_URL" -c \
	    "UPDATE oauth_connections SET tokenissuedat = tokenissuedat -
	    interval '\''25 hours'\'', lastsyncedat = lastsyncedat -
	    interval '\''25 hours'\'' WHERE userid = (SELECT id FROM users
	    WHERE externalid = '\''sandbox-$1'\'')" >/dev/null &&
	curl -sf --cacert "$IGCONNECT_CA_FILE" -d "{\"advance\":90000}" \
	    "$IGCONNECT_FAKE_URL/_fake/clock" >/dev/null' sh "$$"

if stack stop >"$tmp/stop.log" 2>&1; then
	pass "make stop"
else
	fail "make stop" "$(tail -n 15 "$tmp/stop.log")"
fi
check "the fake's state is kept in var/, private" \
    [ "$(stat -c %a "$var/fake/state.jsonl" 2>/dev/null)" = 600 ]
if stack start >"$tmp/start2.log" 2>&1; then
	pass "make run again"
else
	fail "make run again" "$(tail -n 15 "$tmp/start2.log")"
fi

tok=$(dev_token)
auth="Authorization: Bearer $tok"
st=$(req GET "$base/integrations/instagram" -H "$auth")
check "after the restart: still connected" \
    [ "$st:$(jq -r .status "$tmp/b" 2>/dev/null)" = 200:connected ]
in_stack timeout 60 tools/igconnect-sync --once >"$tmp/sync.log" 2>&1
check "... its token still reads at the fake (igconnect-sync)" \
    grep -q 'claimed 1, synced 1, failed 0 ' "$tmp/sync.log"
st=$(req POST "$base/integrations/instagram/refresh" -H "$auth")
check "... and refreshes" \
    [ "$st:$(jq -r .status "$tmp/b" 2>/dev/null)" = 200:connected ]
[ "$st" = 200 ] || { sed 's/^/  /' "$tmp/b"; echo; }
st=$(req GET "$base/integrations/instagram" -H "$auth")
check "... not needs_reauth" \
    [ "$st:$(jq -r .status "$tmp/b" 2>/dev/null)" = 200:connected ]

if stack stop >"$tmp/stop.log" 2>&1; then
	pass "make stop at the end"
else
	fail "make stop at the end" "$(tail -n 15 "$tmp/stop.log")"
fi
summary
