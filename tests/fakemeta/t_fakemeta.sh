#!/bin/sh
# SPDX-License-Identifier: ISC
# Self-test of the fake of Meta: start it on an ephemeral loopback port
# with a throwaway CA, walk the Instagram Login flow with curl (full TLS
# verification), check the documented error shapes, the Facebook Login
# and publishing routes and the control API, then stop it.
# Last line: "N passed, N failed"; exit status 1 on any failure.
#
#   FAKEMETA=path/to/fakemeta sh tests/fakemeta/t_fakemeta.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=${FAKEMETA:-$here/fakemeta}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_fakemeta.XXXXXX")
pid=
pass=0
fail=0
status=
body=
headers=

APP_ID=990602627938098
SECRET=CANARY_APPSECRET_fakemeta_selftest
FB_APP_ID=1234567890123
FB_SECRET=CANARY_APPSECRET_fakemeta_fb
CB=https://app.example.com/instagram/callback
CB_ENC=https%3A%2F%2Fapp.example.com%2Finstagram%2Fcallback
SCOPE=instagram_business_basic,instagram_business_content_publish
UID1=27281358591558846		# account 1: 27281358591558845 + 1
IGID1=17841457215396812		# account 1: 17841457215396811 + 1
UID3=27281358591558848
IGID3=17841457215396814
NOCODE='{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}'
DENIED="error=access_denied&error_reason=user_denied"
DENIED="$DENIED&error_description=The+user+denied+your+request"

cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

nok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	echo "#   status=$status body=$(printf %.300s "$body")"
}

# check NAME COMMAND...: one test line from a command's exit status.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

not() {
	! "$@"
}

has() {
	case $1 in
	*"$2"*) return 0 ;;
	*) return 1 ;;
	esac
}

# differs NEW OLD: NEW is non-empty and not OLD.
differs() {
	[ -n "$1" ] && [ "$1" != "$2" ]
}

# call CURL-ARGS...: sets status, body and headers.
call() {
	curl -gsS --cacert "$tmp/ca.pem" -D "$tmp/h" -o "$tmp/b" \
	    -w '%{http_code}' "$@" >"$tmp/s" 2>"$tmp/e" || true
	status=$(cat "$tmp/s")
	body=$(cat "$tmp/b" 2>/dev/null)
	headers=$(tr -d '\r' <"$tmp/h" 2>/dev/null)
}

# jstr KEY: the string value of "KEY" in $body (compact JSON).
jstr() {
	printf '%s' "$body" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

# header NAME (lower case): the first value of that response header.
header() {
	printf '%s\n' "$headers" | grep -i "^$1: " | head -n 1 | cut -d' ' -f2-
}

# jnum KEY: the number value of "KEY" in $body.
jnum() {
	printf '%s' "$body" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# login_days D: data_access_expires_at is D days after the login, which
# came at most 5 s before the token's issued_at.
login_days() {
	da=$(jnum data_access_expires_at)
	ia=$(jnum issued_at)
	[ -n "$da" ] && [ -n "$ia" ] &&
	    [ "$da" -le $((ia + $1 * 86400)) ] &&
	    [ "$da" -ge $((ia + $1 * 86400 - 5)) ]
}

# jnext: paging.next of $body, its escaped slashes (0.3.4) undone.
jnext() {
	printf '%s' "$body" | sed -n 's/.*"next":"\([^"]*\)".*/\1/p' |
	    sed 's,\\/,/,g'
}

# fbcode KNOBS: log in on the Facebook dialog (consent given), the code.
fbcode() {
	call "$base/v26.0/dialog/oauth?$dialq&fake_consent=allow$1"
	code_of
}

# fbtoken KNOBS: the user token of a Facebook login with those knobs.
fbtoken() {
	call "$base/v26.0/oauth/access_token?$fbq&code=$(fbcode "$1")"
	jstr access_token
}

# code_of: the code in the Location of the last response.
code_of() {
	header location | sed -n 's/.*[?&]code=\([^&#]*\).*/\1/p'
}

# proof TOKEN: appsecret_proof for the fake's Facebook app (C.4).
proof() {
	printf '%s' "$1" | openssl dgst -sha256 -hmac "$FB_SECRET" |
	    sed 's/.*= //'
}

done_tests() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

if [ ! -x "$bin" ]; then
	nok "fakemeta binary at $bin (build it first)"
	done_tests
fi
if ! sh "$here/mkcerts" "$tmp" >"$tmp/mkcerts.log" 2>&1; then
	body=$(cat "$tmp/mkcerts.log")
	nok "mkcerts"
	done_tests
fi
ok "mkcerts"
sh "$here/mkcerts" "$tmp"
check "mkcerts is idempotent" [ $? -eq 0 ]

"$bin" --listen 127.0.0.1:0 --cert "$tmp/server.pem" --key "$tmp/server.key" \
    --app-id "$APP_ID" --app-secret "$SECRET" --redirect-uri "$CB" \
    --fb-app-id "$FB_APP_ID" --fb-app-secret "$FB_SECRET" \
    --pidfile "$tmp/pid" >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^fakemeta listening on ' "$tmp/out"; do
	sleep 0.1
	i=$((i + 1))
done
base=$(sed -n 's/^fakemeta listening on //p' "$tmp/out")
if [ -z "$base" ]; then
	body=$(cat "$tmp/err")
	nok "fakemeta starts and prints its address"
	done_tests
fi
ok "fakemeta starts: $base"
check "one readiness line" [ "$(wc -l <"$tmp/out")" -eq 1 ]
check "pidfile written" [ "$(cat "$tmp/pid" 2>/dev/null)" = "$pid" ]

authq="client_id=$APP_ID&redirect_uri=$CB_ENC&response_type=code"
authq="$authq&scope=$SCOPE&fake_consent=allow"
form="-d client_id=$APP_ID -d client_secret=$SECRET"
form="$form -d grant_type=authorization_code"

# --- A.1 authorize -------------------------------------------------------
call "$base/oauth/authorize?$authq&state=s%20t%2Fa%2Bte"
loc=$(header location)
check "authorize answers 302" [ "$status" = 302 ]
check "redirect carries the code" has "$loc" "$CB?code=AQ"
check "state echoed percent-encoded, then #_" \
    has "$loc" "&state=s%20t%2Fa%2Bte#_"
code=$(code_of)

rest="response_type=code&redirect_uri=$CB_ENC"
call "$base/oauth/authorize?client_id=1&scope=$SCOPE&$rest"
check "wrong client_id: page error Invalid platform app" \
    has "$status $body" '400 {"error_type":"OAuthException","code":400,'
check "... with the recorded message" \
    has "$body" '"error_message":"Invalid platform app"}'
call "$base/oauth/authorize?client_id=$APP_ID&scope=$SCOPE&$rest%2F"
check "redirect_uri with a trailing slash is another URI" \
    has "$status $body" '400 {"error_type":"OAuthException"'
call "$base/oauth/authorize?client_id=$APP_ID&scope=business_basic&$rest"
check "legacy scope rejected" \
    has "$body" "Invalid scope field(s): business_basic"
call "$base/oauth/authorize?$authq&fake_deny=1&state=abc"
check "denial redirects with error=access_denied" \
    has "$(header location)" "$CB?$DENIED&state=abc#_"

# The consent page, as a browser sees it.
pageq="client_id=$APP_ID&redirect_uri=$CB_ENC&response_type=code&scope=$SCOPE"
call "$base/oauth/authorize?$pageq&state=a%22b&fake_account=5"
check "without fake_consent: a 200 HTML consent page" \
    has "$status $(header content-type)" "200 text/html"
check "... naming the app and the scopes" \
    has "$body" "<p>App <b>$APP_ID</b> asks for:</p>
<ul>
<li>instagram_business_basic</li>
<li>instagram_business_content_publish</li>"
check "... a form back to the same URL, relative, parameters escaped" \
    has "$body" '<form method="get" action="authorize">'
check "... the fake accounts as radio buttons" \
    has "$body" '<label><input type="radio" name="fake_account" value="1"> fake_user_1 (Fake User 1)</label><br>'
check "... the account the URL names, checked" \
    has "$body" '<input type="radio" name="fake_account" value="5" checked> fake_user_5'
call "$base/oauth/authorize?$pageq&state=a%22b&fake_account=12"
check "... also when it is not among the first five" \
    has "$body" '<input type="radio" name="fake_account" value="12" checked> fake_user_12'
check "... and account 1 is not checked then" \
    has "$body" '<input type="radio" name="fake_account" value="1"> '
check "... the state kept as a hidden field" \
    has "$body" '<input type="hidden" name="state" value="a&quot;b">'
check "... the account not a hidden field (the radio buttons say it)" \
    not has "$body" '<input type="hidden" name="fake_account"'
check "... Allow and Deny answer fake_consent" \
    has "$body" '<button type="submit" name="fake_consent" value="allow">Allow</button>
<button type="submit" name="fake_consent" value="deny">Deny</button>'
check "... no external resources" not has "$body" 'src='
call "$base/oauth/authorize?$pageq&state=abc&fake_consent=deny"
check "Deny: the denial redirect" \
    has "$status $(header location)" "302 $CB?$DENIED&state=abc#_"
call "$base/oauth/authorize?$pageq&state=abc&fake_account=3&fake_consent=allow"
check "Allow: the code redirect" \
    has "$status $(header location)" "302 $CB?code=AQ"
call -X POST $form --data-urlencode "redirect_uri=$CB" -d "code=$(code_of)" \
    "$base/oauth/access_token"
check "... the code of the account chosen" \
    has "$body" '"user_id":27281358591558848,'
call "$base/oauth/authorize?$pageq&fake_consent=maybe"
check "fake_consent must be allow or deny" \
    has "$status $body" '400 {"error_type":"OAuthException"'

# --- A.2 code exchange ---------------------------------------------------
call -X POST $form --data-urlencode "redirect_uri=$CB" -d "code=$code#_" \
    "$base/oauth/access_token"
check "a code with #_ still attached is not found" \
    [ "$status $body" = "400 $NOCODE" ]
call -X POST $form --data-urlencode "redirect_uri=$CB/" -d "code=$code" \
    "$base/oauth/access_token"
check "redirect_uri mismatch at exchange" \
    has "$body" "Please make sure your redirect_uri is identical"
call -X POST -d client_id=$APP_ID -d client_secret=wrong \
    -d grant_type=authorization_code --data-urlencode "redirect_uri=$CB" \
    -d "code=$code" "$base/oauth/access_token"
check "wrong secret: Invalid platform app" has "$body" "Invalid platform app"
call -X POST $form --data-urlencode "redirect_uri=$CB" -d "code=$code" \
    "$base/oauth/access_token"
check "code exchange answers 200" [ "$status" = 200 ]
check "user_id is an unquoted, exact 17-digit number" \
    has "$body" "\"user_id\":$UID1,"
check "permissions is an array of the granted scopes" \
    has "$body" '"permissions":["instagram_business_basic","instagram_business_content_publish"]'
short=$(jstr access_token)
check "short-lived token starts with IGAA" has "$short" IGAA
call -X POST $form --data-urlencode "redirect_uri=$CB" -d "code=$code" \
    "$base/oauth/access_token"
check "a used code is rejected" [ "$status $body" = "400 $NOCODE" ]

# Multipart, as Meta's own curl -F sample sends it.
call "$base/oauth/authorize?$authq&fake_account=4&fake_permissions=instagram_business_basic"
code=$(code_of)
call -F client_id=$APP_ID -F client_secret=$SECRET \
    -F grant_type=authorization_code -F "redirect_uri=$CB" -F "code=$code" \
    "$base/oauth/access_token"
check "multipart form; fake_account and fake_permissions" \
    has "$body" '"user_id":27281358591558849,"permissions":["instagram_business_basic"]}'

# --- A.3 long-lived ------------------------------------------------------
exq="grant_type=ig_exchange_token&client_secret"
call "$base/access_token?$exq=wrong&access_token=$short"
check "bad client_secret: code 100" \
    has "$status $body" '400 {"error":{"message":"Error validating client secret","type":"OAuthException","code":100,"fbtrace_id":"'
call "$base/access_token?$exq=$SECRET&access_token=nonsense"
check "unknown token: 190 Cannot parse" \
    has "$body" '"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190'
check "token errors carry WWW-Authenticate" \
    has "$(header www-authenticate)" 'OAuth "Facebook Platform" "invalid_token"'
call "$base/access_token?$exq=$SECRET&access_token=$short"
check "ig_exchange_token answers the documented body" \
    has "$body" '"token_type":"bearer","expires_in":5183944}'
long=$(jstr access_token)
check "long-lived token differs from the short one" differs "$long" "$short"

# --- A.5 /me -------------------------------------------------------------
call "$base/v26.0/me?fields=id,user_id,username,account_type,followers_count,website&access_token=$long"
want="{\"id\":\"$UID1\",\"user_id\":\"$IGID1\",\"username\":\"fake_user_1\""
want="$want,\"account_type\":\"BUSINESS\",\"followers_count\":1037}"
check "/me: ids as strings, counts as numbers, no website (odd N)" \
    [ "$body" = "$want" ]
call -H "Authorization: Bearer $short" "$base/me?fields=biography"
check "Bearer header; non-ASCII escaped as \\u" has "$body" '\u2014 caf\u00'
call "$base/me?fields=nope&access_token=$long"
check "unknown field: (#100)" has "$body" "nonexisting field (nope)"
call "$base/me?fields=id"
check "no token: 2500" has "$body" '"code":2500'

# --- A.4 refresh, with the fake clock ------------------------------------
rfq="grant_type=ig_refresh_token&access_token"
call "$base/refresh_access_token?$rfq=$long"
check "refresh of a token younger than 24 h is refused" \
    has "$status $body" '400 {"error":{"message":"(#100) The access token is less than 24 hours old'
call -X POST -d '{"advance":90000}' "$base/_fake/clock"
check "clock advanced 25 h" has "$body" '"now":'
call "$base/refresh_access_token?$rfq=$long"
check "refresh after 25 h answers a new token" \
    has "$status $body" '200 {"access_token":"IGAA'
refreshed=$(jstr access_token)
check "refreshed token is new" differs "$refreshed" "$long"
call "$base/me?access_token=$long"
check "the old long-lived token still works" [ "$status" = 200 ]
call "$base/me?access_token=$short"
check "the short-lived token expired after 1 h: 190/463" \
    has "$body" '"code":190,"error_subcode":463'
check "the expiry message is Meta's" \
    has "$body" 'Error validating access token: Session has expired on '
call "$base/_fake/stats"
check "refreshes counted per token" has "$body" '"refresh_by_token":{"'

# --- injections ----------------------------------------------------------
call -X POST -d '{"route":"me","graph_error":{"code":190,"error_subcode":460,"message":"revoked"}}' \
    "$base/_fake/inject"
check "inject accepted" has "$body" '"ok":true'
call -X POST -d '{"route":"me","http_status":500}' "$base/_fake/inject"
call "$base/me?access_token=$refreshed"
check "injected 190/460" \
    has "$status $body" '400 {"error":{"message":"revoked","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"'
call "$base/me?access_token=$refreshed"
check "injected 500 is transient" \
    has "$status $body" '500 {"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true'
call "$base/me?access_token=$refreshed"
check "injections are consumed" [ "$status" = 200 ]
call -X POST -d '{"route":"any","rate_limit":true,"graph_error":{"code":80002}}' \
    "$base/_fake/inject"
call "$base/me?access_token=$refreshed"
check "80002 comes with X-Business-Use-Case-Usage" \
    has "$(header x-business-use-case-usage)" "{\"$IGID1\":[{\"type\":\"instagram\""
call "$base/me?access_token=$refreshed"
check "no usage header before usage matters (C.3)" \
    [ -z "$(header x-app-usage)$(header x-business-use-case-usage)" ]
call -X POST -d '{"app":85,"buc":100,"regain":2}' "$base/_fake/usage"
check "usage control" [ "$body" = '{"app":85,"buc":100,"regain":2}' ]
call "$base/me?access_token=$refreshed"
check "a 200 with X-App-Usage as C.3 shows it" \
    has "$status $(header x-app-usage)" \
    '200 {"call_count":85,"total_time":42,"total_cputime":42}'
check "... and X-Business-Use-Case-Usage keyed by the IG_ID, in minutes" \
    [ "$(header x-business-use-case-usage)" = "{\"$IGID1\":[{\"type\":\"instagram\",\"call_count\":50,\"total_cputime\":100,\"total_time\":33,\"estimated_time_to_regain_access\":2}]}" ]
call -X POST -d '{"app":-1,"regain":1441}' "$base/_fake/usage"
check "regain over a day refused" [ "$status" = 400 ]
call -X POST -d '{"app":-1,"buc":-1}' "$base/_fake/usage"
call "$base/me?access_token=$refreshed"
check "-1: the headers are not sent" \
    [ -z "$(header x-app-usage)$(header x-business-use-case-usage)" ]
call -X POST -d '{"route":"me","hang":true,"malformed":true}' \
    "$base/_fake/inject"
check "contradictory injection refused" [ "$status" = 400 ]
call -X POST -d '{"route":"code_exchange","wrapped":true}' "$base/_fake/inject"
call "$base/oauth/authorize?$authq"
code=$(code_of)
call -X POST $form --data-urlencode "redirect_uri=$CB" -d "code=$code" \
    "$base/oauth/access_token"
check "wrapped exchange variant" has "$body" '{"data":[{"access_token":"IGAA'
check "wrapped: user_id string, permissions comma string" \
    has "$body" "\"user_id\":\"$UID1\",\"permissions\":\"instagram_business_basic,instagram_business_content_publish\"}]}"

# --- concurrency: one code, 20 parallel exchanges ------------------------
call "$base/oauth/authorize?$authq"
code=$(code_of)
i=0
pids=
while [ $i -lt 20 ]; do
	curl -sS --cacert "$tmp/ca.pem" -o /dev/null -w '%{http_code}\n' \
	    -X POST $form --data-urlencode "redirect_uri=$CB" \
	    -d "code=$code" "$base/oauth/access_token" >"$tmp/par.$i" &
	pids="$pids $!"
	i=$((i + 1))
done
for j in $pids; do
	wait "$j"
done
check "20 parallel exchanges of one code: exactly one 200" \
    [ "$(cat "$tmp"/par.* | grep -c '^200$')" -eq 1 ]

# --- B: Facebook Login ---------------------------------------------------
dialq="client_id=$FB_APP_ID&redirect_uri=$CB_ENC&state=f"
dialq="$dialq&scope=pages_show_list,instagram_basic,instagram_content_publish"
call "$base/v26.0/dialog/oauth?$dialq&fake_account=2"
check "Facebook dialog: a consent page first" \
    has "$status $body" '200 <!DOCTYPE html>'
check "... naming the Facebook app and the users" \
    has "$body" "<p>App <b>$FB_APP_ID</b> asks for:</p>"
check "... the user the URL names, checked" \
    has "$body" '<input type="radio" name="fake_account" value="2" checked> Fake Facebook User 2</label>'
check "... with a form back to the dialog" \
    has "$body" '<form method="get" action="oauth">'
call "$base/v26.0/dialog/oauth?$dialq&fake_account=2&fake_consent=deny"
check "Deny: Facebook's denial redirect" \
    has "$(header location)" "$CB?error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied&state=f#_=_"
call "$base/v26.0/dialog/oauth?$dialq&fake_account=2&fake_deny=1"
check "fake_deny=1 still denies" has "$(header location)" "error=access_denied"
call "$base/v26.0/dialog/oauth?$dialq&fake_account=2&fake_consent=allow"
check "Facebook dialog redirects with #_=_" has "$(header location)" "#_=_"
code=$(code_of)
fbq="client_id=$FB_APP_ID&client_secret=$FB_SECRET&redirect_uri=$CB_ENC"
call "$base/v26.0/oauth/access_token?$fbq&code=$code"
check "Facebook code exchange" has "$body" '{"access_token":"EAA'
user=$(jstr access_token)
call "$base/v26.0/oauth/access_token?$fbq&code=$code"
check "Facebook code reuse: recorded message" \
    has "$body" '"This authorization code has been used."'
call "$base/v26.0/me/accounts?fields=id,instagram_business_account&access_token=$user"
check "appsecret_proof required" \
    has "$body" 'require an appsecret_proof argument'
call "$base/v26.0/me/accounts?fields=id,access_token,instagram_business_account&access_token=$user&appsecret_proof=$(proof "$user")"
check "/me/accounts lists the linked Page" \
    has "$body" '"instagram_business_account":{"id":"17841457215396813"}'
call "$base/v26.0/17841457215396813?fields=id,ig_id,username&access_token=$user&appsecret_proof=$(proof "$user")"
check "Instagram user node through Facebook Login" \
    [ "$body" = '{"id":"17841457215396813","ig_id":5370000002,"username":"fake_user_2"}' ]
call "$base/v26.0/me/accounts?access_token=$long"
check "an Instagram token cannot be parsed there" has "$body" '"code":190'

# --- B.4 several Pages, paging, Page tokens ------------------------------
port=${base##*:}
fb3=$(fbtoken "&fake_account=3&fake_pages=5&fake_linked=2,4&fake_page_size=2")
p3=$(proof "$fb3")
acq="access_token=$fb3&appsecret_proof=$p3"
call "$base/v26.0/me/accounts?fields=id,name,instagram_business_account&$acq"
want='{"data":[{"id":"134895700000301","name":"Fake Page 3.1"},'
want="$want"'{"id":"134895700000302","name":"Fake Page 3.2",'
want="$want"'"instagram_business_account":{"id":"17841457215396815"}}],'
want="$want"'"paging":{"cursors":{"before":"'
check "fake_page_size=2: Pages 1 and 2; Page 2 holds account 4" \
    has "$body" "$want"
check "... paging.next is absolute, slashes escaped" \
    has "$body" "\"next\":\"https:\\/\\/127.0.0.1:$port\\/v26.0\\/10161234567890003\\/accounts?access_token=$fb3&fields=id%2Cname%2Cinstagram_business_account&limit=2&after="
next=$(jnext)
check "... and carries the proof over the token" \
    has "$next" "&appsecret_proof=$p3"
check "... no previous link on the first page" not has "$body" previous
call "$next"
want='{"data":[{"id":"134895700000303","name":"Fake Page 3.3"},'
want="$want"'{"id":"134895700000304","name":"Fake Page 3.4",'
want="$want"'"instagram_business_account":{"id":"17841457215396817"}}],'
check "following next: Pages 3 and 4; Page 4 holds account 6" \
    has "$body" "$want"
check "... with a previous link" has "$body" '"previous":"https:\/\/'
call "$(jnext)"
check "the last page: Page 5 alone, no next" \
    has "$body" '{"data":[{"id":"134895700000305","name":"Fake Page 3.5"}],"paging":{"cursors":{"before":"'
check "... and no next" not has "$body" '"next"'
call "$base/v26.0/me/accounts?fields=id&limit=4&$acq"
check "limit overrides fake_page_size" \
    [ "$(printf '%s' "$body" | grep -o '"id":"1348957' | wc -l)" -eq 4 ]
call "$base/v26.0/me/accounts?fields=id&after=bm9wZQ==&$acq"
check "an unknown cursor: (#100)" has "$status $body" '400 {"error":{"message":"(#100)'
call "$base/v26.0/10161234567890002/accounts?$acq"
check "another user's accounts: no such object" has "$body" '"code":100,"error_subcode":33'
call "$base/v26.0/me/accounts?fields=access_token,id&limit=2&$acq"
page2=$(printf '%s' "$body" | sed -n 's/.*"id":"134895700000302","access_token":"\(EAA[^"]*\)".*/\1/p')
check "each entry has its Page token" has "$page2" EAA
pp2=$(proof "$page2")
call "$base/v26.0/17841457215396815?fields=id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count&access_token=$page2&appsecret_proof=$pp2"
want='{"id":"17841457215396815","ig_id":5370000004,"username":"fake_user_4",'
want="$want"'"name":"Fake User 4","biography":"Fake account 4 \u2014 caf\u00E9 & \"tests\"",'
want="$want"'"website":"https:\/\/example.com\/fake_user_4","profile_picture_url":"https:\/\/scontent'
check "a Page token reads its Instagram account (B.5)" has "$body" "$want"
check "... with counts as numbers" \
    has "$body" '"followers_count":1148,"follows_count":104,"media_count":14}'
call "$base/v26.0/17841457215396817?fields=id&access_token=$page2&appsecret_proof=$pp2"
check "... but not another Page's account" has "$body" '"error_subcode":33'
call "$base/v26.0/17841457215396817?fields=id&$acq"
check "the user token reads every linked account" \
    [ "$body" = '{"id":"17841457215396817"}' ]
call "$base/v26.0/17841457215396816?fields=id&$acq"
check "... and nothing behind an unlinked Page" has "$body" '"error_subcode":33'
call "$base/v26.0/me?fields=id,name&access_token=$page2&appsecret_proof=$pp2"
check "/me with a Page token: the Page" \
    [ "$body" = '{"id":"134895700000302","name":"Fake Page 3.2"}' ]
call "$base/v26.0/134895700000305?fields=id&$acq"
check "the user token reads its Page node" [ "$body" = '{"id":"134895700000305"}' ]
call "$base/v26.0/me?access_token=$page2&appsecret_proof=$p3"
check "a Page token with the user token's proof: invalid" \
    has "$body" '{"error":{"message":"Invalid appsecret_proof provided in the API argument","type":"GraphMethodException","code":100,'
call "$base/v26.0/me?access_token=$page2"
check "a Page token without proof: required" \
    has "$body" '{"error":{"message":"API calls from the server require an appsecret_proof argument","type":"GraphMethodException","code":100,'
rs="--resolve graph.instagram.com:$port:127.0.0.1"
rs="$rs --resolve graph.facebook.com:$port:127.0.0.1"
call $rs "https://graph.instagram.com:$port/v26.0/me?access_token=$page2&appsecret_proof=$pp2"
check "a Page token on graph.instagram.com: 190 Cannot parse" \
    has "$body" '{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,'
call $rs "https://graph.facebook.com:$port/v26.0/me?access_token=$long"
check "an Instagram token on graph.facebook.com: the same" \
    has "$body" '"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,'
call $rs "https://graph.facebook.com:$port/v26.0/me?fields=id&access_token=$page2&appsecret_proof=$pp2"
check "a Page token on graph.facebook.com works" \
    [ "$body" = '{"id":"134895700000302"}' ]
fb4=$(fbtoken "&fake_account=4&fake_unlinked=1")
call "$base/v26.0/me/accounts?fields=instagram_business_account&access_token=$fb4&appsecret_proof=$(proof "$fb4")"
check "fake_unlinked=1: no Page holds an account" \
    has "$body" '{"data":[{},{}],"paging":'
call "$base/v26.0/dialog/oauth?$dialq&fake_pages=2&fake_linked=3"
check "fake_linked beyond fake_pages: a page error" \
    has "$status $body" '400 {"error_type":"OAuthException","code":400,"error_message":"fake_linked must list'

# --- B.2 recorded errors of the code exchange ----------------------------
code=$(fbcode "&fake_account=5")
call "$base/v26.0/oauth/access_token?client_id=$APP_ID&client_secret=$FB_SECRET&redirect_uri=$CB_ENC&code=$code"
check "the Instagram app id: 101 (appendix 7)" \
    has "$status $body" '400 {"error":{"message":"Error validating application. Invalid application ID.","type":"OAuthException","code":101,"fbtrace_id":"'
call "$base/v26.0/oauth/access_token?client_id=$FB_APP_ID&client_secret=x&redirect_uri=$CB_ENC&code=$code"
check "a wrong secret: code 1" \
    has "$body" '{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1,"fbtrace_id":"'
call "$base/v26.0/oauth/access_token?$fbq%2F&code=$code"
check "another redirect_uri: code 100, the recorded message" \
    has "$body" '{"error":{"message":"Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request","type":"OAuthException","code":100,"fbtrace_id":"'
call "$base/v26.0/oauth/access_token?$fbq&code=not-a-code"
check "a malformed code: Invalid verification code format." \
    has "$body" '{"error":{"message":"Invalid verification code format.","type":"OAuthException","code":100,"fbtrace_id":"'
call "$base/v26.0/oauth/access_token?$fbq&code=$code"
check "the code still works after those" has "$body" '"expires_in":5183827}'
call "$base/v26.0/oauth/access_token?$fbq&code=$code"
check "used: the recorded body" \
    has "$body" '{"error":{"message":"This authorization code has been used.","type":"OAuthException","code":100,"fbtrace_id":"'

# --- B.6 debug_token -----------------------------------------------------
apptok="$FB_APP_ID|$FB_SECRET"
dbg() {
	call -G "$base/v26.0/debug_token" --data-urlencode "input_token=$1" \
	    --data-urlencode "access_token=${2:-$apptok}"
}
dbg "$fb3"
now=$(jnum issued_at)
check "data access ends 90 days after the login" login_days 90
want="{\"data\":{\"app_id\":\"$FB_APP_ID\",\"type\":\"USER\",\"application\":\"fakemeta\","
want="$want\"data_access_expires_at\":$(jnum data_access_expires_at),"
want="$want\"expires_at\":$((now + 5183827)),\"is_valid\":true,\"issued_at\":$now,"
want="$want\"scopes\":[\"pages_show_list\",\"instagram_basic\",\"instagram_content_publish\"],"
want="$want\"granular_scopes\":[{\"scope\":\"pages_show_list\"},"
want="$want{\"scope\":\"instagram_basic\",\"target_ids\":[\"17841457215396815\",\"17841457215396817\"]},"
want="$want{\"scope\":\"instagram_content_publish\",\"target_ids\":[\"17841457215396815\",\"17841457215396817\"]}],"
want="$want\"user_id\":\"10161234567890003\"}}"
check "debug_token of a user token: B.6's members and types" \
    [ "$body" = "$want" ]
dbg "$page2"
check "a Page token: type PAGE, never expires, profile_id" \
    has "$body" '"type":"PAGE",'
check "... expires_at 0" has "$body" '"expires_at":0,"is_valid":true,'
check "... profile_id the Page" \
    has "$body" '"user_id":"10161234567890003","profile_id":"134895700000302"}}'
dbg "$long"
check "an Instagram token: is_valid false, still 200" \
    [ "$status $body" = '200 {"data":{"error":{"code":190,"message":"Invalid OAuth access token."},"is_valid":false,"scopes":[]}}' ]
dbg "$fb3" "$FB_APP_ID|wrong"
check "a bad app token: 190 in the Graph envelope" \
    has "$status $body" '400 {"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,'
call -G "$base/v26.0/debug_token" --data-urlencode "input_token=$fb3" \
    --data-urlencode "access_token=$apptok" \
    --data-urlencode "appsecret_proof=$(proof "$apptok")"
check "the app token's proof is accepted" has "$body" '"is_valid":true'
fb6=$(fbtoken "&fake_account=6&fake_data_access_days=3&fake_short_lived=1")
dbg "$fb6"
now=$(jnum issued_at)
check "fake_data_access_days=3" login_days 3
check "fake_short_lived=1: the user token lives 1 h" \
    has "$body" "\"expires_at\":$((now + 3600)),"
call "$base/v26.0/me/accounts?fields=access_token&limit=1&access_token=$fb6&appsecret_proof=$(proof "$fb6")"
page6=$(jstr access_token)
dbg "$page6"
check "a Page token from a short-lived user token expires with it" \
    has "$body" "\"expires_at\":$((now + 3600)),"

# --- revocation ----------------------------------------------------------
call -X POST -d '{"account":3,"flavor":"facebook"}' "$base/_fake/revoke"
check "revoke accepted" [ "$status $body" = '200 {"ok":true}' ]
call "$base/v26.0/me?access_token=$fb3&appsecret_proof=$p3"
check "the user token now answers 190/460" \
    has "$status $body" '400 {"error":{"message":"Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"'
check "... with WWW-Authenticate" \
    has "$(header www-authenticate)" 'OAuth "Facebook Platform" "invalid_token" "Error validating access token: The session has been invalidated'
call "$base/v26.0/me?access_token=$page2&appsecret_proof=$pp2"
check "so does its Page token" has "$body" '"code":190,"error_subcode":460,'
dbg "$page2"
check "debug_token: is_valid false, with the error" \
    has "$status $body" '200 {"data":{"app_id":"'
check "... error and is_valid" \
    has "$body" '"error":{"code":190,"message":"Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.","subcode":460},"expires_at":0,"is_valid":false,'
fb3b=$(fbtoken "&fake_account=3")
call "$base/v26.0/me?fields=id&access_token=$fb3b&appsecret_proof=$(proof "$fb3b")"
check "a new login works again" [ "$body" = '{"id":"10161234567890003"}' ]
call -X POST -d '{"account":3,"error_subcode":458}' "$base/_fake/revoke"
call "$base/v26.0/me?fields=id&access_token=$fb3b&appsecret_proof=$(proof "$fb3b")"
check "error_subcode 458: the app was removed" \
    has "$body" "\"message\":\"Error validating access token: The user has not authorized application $FB_APP_ID.\",\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":458,"

# --- D: publishing -------------------------------------------------------
call -X POST "$base/v26.0/me/media?media_type=REELS&video_url=https://cdn.example.com/v.mp4&access_token=$refreshed"
container=$(jstr id)
check "container created" has "$container" 1788
call -X POST "$base/v26.0/$IGID1/media_publish?creation_id=$container&access_token=$refreshed"
check "publishing too early: 9007/2207027" \
    has "$body" '"code":9007,"error_subcode":2207027'
call -X POST -d '{"advance":60}' "$base/_fake/clock"
call "$base/v26.0/$container?fields=status_code&access_token=$refreshed"
check "container FINISHED after processing" \
    [ "$body" = '{"status_code":"FINISHED"}' ]
call -X POST "$base/v26.0/$IGID1/media_publish?creation_id=$container&access_token=$refreshed"
check "published" has "$status $body" '200 {"id":"'
call "$base/v26.0/$IGID1/content_publishing_limit?fields=quota_usage,config&access_token=$refreshed"
check "publishing limit counts it" \
    [ "$body" = '{"data":[{"quota_usage":1,"config":{"quota_total":50,"quota_duration":86400}}]}' ]

# --- appsecret_proof counts, and on graph.instagram.com ------------------
call -X POST "$base/_fake/reset"
fb7=$(fbtoken "&fake_account=7")
p7=$(proof "$fb7")
call "$base/v26.0/me?access_token=$fb7&appsecret_proof=$p7"
call "$base/v26.0/me/permissions?access_token=$fb7&appsecret_proof=$p7"
call "$base/_fake/stats"
check "right proofs are counted, no failures" \
    has "$body" '"proof_checks":2,"proof_failures":0'
call "$base/v26.0/me?access_token=$fb7&appsecret_proof=$(proof x)"
call "$base/v26.0/me/accounts?access_token=$fb7"
call "$base/_fake/stats"
check "wrong and missing proofs are failures" \
    has "$body" '"proof_checks":4,"proof_failures":2'
call "$base/_fake/proof"
check "Instagram proofs are off by default" [ "$body" = '{"instagram":false}' ]
call -X POST -d '{"instagram":true}' "$base/_fake/proof"
check "... and can be turned on" [ "$body" = '{"instagram":true}' ]
call -X POST -d '{"account":8,"kind":"long"}' "$base/_fake/tokens"
ig8=$(jstr access_token)
call "$base/v26.0/me?fields=username&access_token=$ig8"
check "then an Instagram call without proof fails" \
    has "$body" '"message":"API calls from the server require an appsecret_proof argument","type":"GraphMethodException","code":100,'
call "$base/v26.0/me?fields=username&access_token=$ig8&appsecret_proof=$(proof "$ig8")"
check "... one with the Facebook secret too" \
    has "$body" '"message":"Invalid appsecret_proof provided in the API argument"'
igp=$(printf '%s' "$ig8" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
call "$base/v26.0/me?fields=username&access_token=$ig8&appsecret_proof=$igp"
check "... the Instagram app secret's proof passes" \
    [ "$body" = '{"username":"fake_user_8"}' ]
call -X POST "$base/_fake/reset"
call -X POST -d '{"account":8,"kind":"long"}' "$base/_fake/tokens"
ig8=$(jstr access_token)
call "$base/v26.0/me?fields=username&access_token=$ig8"
check "reset turns them off again (no --require-ig-proof)" \
    [ "$body" = '{"username":"fake_user_8"}' ]

# --- keep-alive and the request log --------------------------------------
call -X POST "$base/_fake/reset"
curl -sS --cacert "$tmp/ca.pem" -o /dev/null -o /dev/null -o /dev/null \
    -o "$tmp/b" "$base/me" "$base/me" "$base/me" "$base/_fake/stats"
body=$(cat "$tmp/b")
check "four requests on one connection" \
    has "$body" '"connections_accepted":1,'
call "$base/_fake/requests?route=me&limit=2"
check "the request log keeps the last requests" \
    [ "$(printf '%s' "$body" | grep -o '"route":"me"' | wc -l)" -eq 2 ]
call -X POST $form --data-urlencode "redirect_uri=$CB" -d code=x \
    "$base/oauth/access_token"
call "$base/_fake/requests?route=code_exchange&limit=1"
check "the log shows the secret in the body, not the query" \
    has "$body" "\"query\":{},\"form\":{\"client_id\":\"$APP_ID\",\"client_secret\":\"$SECRET\""

# --- minted codes (benchmarks) ------------------------------------------
call -X POST -d "{\"account\":7,\"count\":2,\"redirect_uri\":\"$CB\"}" \
    "$base/_fake/codes"
check "two codes minted" [ "$(printf '%s' "$body" | grep -o '"AQ' | wc -l)" -eq 2 ]
mcode=$(printf '%s' "$body" | sed -n 's/.*"codes":\["\([^"]*\)".*/\1/p')
call -X POST $form --data-urlencode "redirect_uri=$CB" \
    --data-urlencode "code=$mcode" "$base/oauth/access_token"
check "a minted code is exchanged for account 7" \
    has "$status $body" "200 {\"access_token\":\"IGAA"
check "for account 7's app-scoped id" has "$body" "\"user_id\":27281358591558852,"
call -X POST $form --data-urlencode "redirect_uri=$CB" \
    --data-urlencode "code=$mcode" "$base/oauth/access_token"
check "a minted code works once" [ "$status" = 400 ]
call -X POST -d '{"count":1,"redirect_uri":"https://evil.example/cb"}' \
    "$base/_fake/codes"
check "codes only for registered redirect URIs" [ "$status" = 400 ]
call -X POST -d "{\"account\":9,\"redirect_uri\":\"$CB\",\"flavor\":\"facebook\"}" \
    "$base/_fake/codes"
mcode=$(printf '%s' "$body" | sed -n 's/.*"codes":\["\([^"]*\)".*/\1/p')
call "$base/v26.0/oauth/access_token?$fbq&code=$mcode"
fb9=$(jstr access_token)
call "$base/v26.0/me?fields=id&access_token=$fb9&appsecret_proof=$(proof "$fb9")"
check "a minted Facebook code logs account 9 in" \
    [ "$body" = '{"id":"10161234567890009"}' ]

# --- D: publishing, each case a client test drives -----------------------
call -X POST "$base/_fake/reset"
g="$base/v26.0"
IG11=17841457215396822		# account 11
call -X POST -d '{"account":11,"kind":"long"}' "$base/_fake/tokens"
ig=$(jstr access_token)
# mk QUERY: POST /{IG11}/media with that query string; id in $cid.
mk() {
	call -X POST "$g/$IG11/media?$1&access_token=$ig"
	cid=$(jstr id)
}
# pub ID: POST /{IG11}/media_publish of container ID.
pub() {
	call -X POST "$g/$IG11/media_publish?creation_id=$1&access_token=$ig"
}
# st ID: the container's status_code.
st() {
	call "$g/$1?fields=status_code&access_token=$ig"
	jstr status_code
}
# nmedia IG_ID: how many media /_fake/media lists for that account.
nmedia() {
	call "$base/_fake/media?account=$1"
	printf '%s' "$body" | grep -o '"container_id"' | wc -l
}
adv() {
	call -X POST -d "{\"advance\":$1}" "$base/_fake/clock"
}

call -X POST -H 'Content-Type: application/json' \
    -d "{\"image_url\":\"https://cdn.example/a.jpg\",\"caption\":\"caf\\u00e9 #one\",\"alt_text\":\"a cup\",\"user_tags\":[{\"username\":\"fake_user_2\",\"x\":0.5,\"y\":0.5}],\"collaborators\":[\"fake_user_3\"],\"location_id\":\"7640348500\",\"access_token\":\"$ig\"}" \
    "$g/$IG11/media"
img=$(jstr id)
check "an image container from a JSON body, arrays included" \
    has "$status $img" "200 1788"
check "... FINISHED at once" [ "$(st "$img")" = FINISHED ]
pub "$img"
mid=$(jstr id)
check "the image is published: the media id" has "$status $mid" "200 179"
call "$g/$img?fields=status_code,status,id&access_token=$ig"
check "its container reads PUBLISHED (appendix 12's shape)" \
    [ "$body" = "{\"status\":\"Published: Media has been successfully published.\",\"status_code\":\"PUBLISHED\",\"id\":\"$img\"}" ]
pub "$img"
check "publishing it again: (#100), no second post" \
    has "$status $body" '400 {"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_user_msg":"The media container has already been published."'
check "... one media for that container" [ "$(nmedia $IG11)" -eq 1 ]
call "$base/_fake/media?account=$IG11"
check "... whose container_id is the container" \
    has "$body" "{\"media\":[{\"id\":\"$mid\",\"container_id\":\"$img\",\"media_type\":\"IMAGE\",\"media_product_type\":\"FEED\",\"published_at\":"
call "$g/$mid?fields=id,permalink,media_type,media_product_type,timestamp,caption&access_token=$ig"
check "the media node: caption, types, permalink /p/, timestamp, id" \
    has "$body" '{"caption":"caf\u00E9 #one","media_type":"IMAGE","media_product_type":"FEED","permalink":"https:\/\/www.instagram.com\/p\/'
check "... Graph's timestamp format and the id" \
    has "$body" "+0000\",\"id\":\"$mid\"}"
mk "image_url=https://cdn.example/b.jpg&thumb_offset=soon"
check "thumb_offset not an integer: (#100)" has "$status $body" '400 {"error":{"message":"(#100) Param thumb_offset'
mk "image_url=https://cdn.example/b.jpg&user_tags=fake_user_2"
check "user_tags not a JSON array: (#100)" has "$status $body" '400 {"error":{"message":"(#100) Param user_tags'
mk "image_url=https://cdn.example/b.jpg&share_to_feed=yes"
check "share_to_feed not a boolean: (#100)" has "$status $body" '400 {"error":{"message":"(#100) Param share_to_feed'

call -X POST -d media_type=REELS -d share_to_feed=true -d thumb_offset=1500 \
    -d cover_url=https://cdn.example/c.jpg -d "caption=a reel" \
    --data-urlencode "video_url=https://cdn.example/v.mp4?fake_secs=120" \
    -d "access_token=$ig" "$g/$IG11/media"
reel=$(jstr id)
check "a reel from a form body" has "$status $reel" "200 1788"
adv 100
check "fake_secs=120: IN_PROGRESS after 100 s" [ "$(st "$reel")" = IN_PROGRESS ]
pub "$reel"
check "... publishing it: 9007/2207027 (appendix 14)" \
    has "$body" '{"error":{"message":"Media ID is not available","type":"OAuthException","code":9007,"error_subcode":2207027,'
adv 20
check "... FINISHED after 120 s" [ "$(st "$reel")" = FINISHED ]
pub "$reel"
rmid=$(jstr id)
call "$g/$rmid?fields=media_type,media_product_type,permalink&access_token=$ig"
check "a published reel is a VIDEO of product REELS, permalink /reel/" \
    has "$body" '{"media_type":"VIDEO","media_product_type":"REELS","permalink":"https:\/\/www.instagram.com\/reel\/'

mk "media_type=STORIES&image_url=https://cdn.example/s.jpg"
pub "$cid"
smid=$(jstr id)
call "$g/$smid?fields=media_type,media_product_type,permalink&access_token=$ig"
check "a story: IMAGE, STORY, the stories permalink" \
    [ "$body" = "{\"media_type\":\"IMAGE\",\"media_product_type\":\"STORY\",\"permalink\":\"https:\\/\\/www.instagram.com\\/stories\\/fake_user_11\\/$smid\\/\"}" ]

mk "is_carousel_item=true&image_url=https://cdn.example/1.jpg&caption=no"
check "a carousel item with a caption: (#100)" \
    has "$status $body" '400 {"error":{"message":"(#100) The parameter caption is not supported for carousel items"'
mk "is_carousel_item=true&image_url=https://cdn.example/1.jpg"
k1=$cid
mk "is_carousel_item=true&image_url=https://cdn.example/2.jpg"
k2=$cid
mk "is_carousel_item=true&media_type=VIDEO&video_url=https://cdn.example/3.mp4"
k3=$cid
mk "media_type=CAROUSEL&children=$k1&caption=three"
check "a carousel of one: (#100)" has "$status $body" '400 {"error":{"message":"(#100) The parameter children must list 2 to 10'
mk "media_type=CAROUSEL&children=$k1,$img"
check "a child that is not a carousel item: (#100)" [ "$status" = 400 ]
pub "$k1"
check "a carousel item cannot be published alone" \
    has "$status $body" '400 {"error":{"message":"(#100) Invalid parameter"'
mk "media_type=CAROUSEL&children=$k1,$k2,$k3&caption=three"
album=$cid
check "a carousel of three" has "$status $album" "200 1788"
check "... IN_PROGRESS while its video item is" [ "$(st "$album")" = IN_PROGRESS ]
pub "$album"
check "... publishing it then: 9007" has "$body" '"code":9007,"error_subcode":2207027'
adv 30
check "... FINISHED with its items" [ "$(st "$album")" = FINISHED ]
pub "$album"
amid=$(jstr id)
check "... published" has "$status $amid" "200 179"
call "$base/_fake/media?account=$IG11"
check "one media for the carousel, listing its three items" \
    has "$body" "{\"id\":\"$amid\",\"container_id\":\"$album\",\"media_type\":\"CAROUSEL_ALBUM\",\"media_product_type\":\"FEED\",\"published_at\":"
check "... the items" has "$body" "\"children\":[\"$k1\",\"$k2\",\"$k3\"]}"
check "four posts so far" [ "$(nmedia $IG11)" -eq 4 ]

call "$g/$IG11/media?fields=id,caption&limit=3&access_token=$ig"
check "the user's media edge: newest first" \
    has "$body" "{\"data\":[{\"caption\":\"three\",\"id\":\"$amid\"},{\"id\":\"$smid\"},{\"caption\":\"a reel\",\"id\":\"$rmid\"}],\"paging\":{\"cursors\":{\"before\":\""
check "... with a next link" has "$body" '"next":"https:\/\/127.0.0.1:'
call "$(jnext)"
check "following it: the oldest, no next" \
    has "$body" "{\"data\":[{\"caption\":\"caf\\u00E9 #one\",\"id\":\"$mid\"}],\"paging\":{\"cursors\":"
check "... and no next" not has "$body" '"next"'
call "$base/_fake/stats"
check "stats count media per route name user_media" has "$body" '"user_media":2,'

mk "image_url=https://cdn.example/e.jpg?fake_error=2207052"
check "fake_error=2207052: ERROR" [ "$(st "$cid")" = ERROR ]
call "$g/$cid?fields=status_code,status&access_token=$ig"
check "... status names the subcode" \
    [ "$body" = '{"status":"Error: Media upload has failed with error code 2207052.","status_code":"ERROR"}' ]
pub "$cid"
check "... publishing it: 9007" has "$body" '"code":9007'
mk "image_url=https://cdn.example/x.jpg?fake_expire"
check "fake_expire: EXPIRED" [ "$(st "$cid")" = EXPIRED ]
pub "$cid"
check "... publishing it: -2/2207020" \
    has "$status $body" '400 {"error":{"message":"The media you are trying to access has expired. Please try to upload again.","type":"OAuthException","code":-2,"error_subcode":2207020,'
mk "image_url=https://cdn.example/late.jpg"
late=$cid
adv 86400
check "a FINISHED container not published in 24 h: EXPIRED" \
    [ "$(st "$late")" = EXPIRED ]
pub "$late"
check "... publishing it: 2207020" has "$body" '"error_subcode":2207020'

# --- timeouts around media_publish -----------------------------------------
IG14=17841457215396825
call -X POST -d '{"account":14,"kind":"long"}' "$base/_fake/tokens"
ig14=$(jstr access_token)
call -X POST "$g/$IG14/media?image_url=https://cdn.example/t.jpg&access_token=$ig14"
tc=$(jstr id)
call -X POST -d '{"route":"media_publish","hang":true}' "$base/_fake/inject"
call --max-time 2 -X POST "$g/$IG14/media_publish?creation_id=$tc&access_token=$ig14"
check "a hang before publishing: the client times out" [ "$status" = 000 ]
call "$g/$tc?fields=status_code&access_token=$ig14"
check "... and nothing was published" [ "$body" = '{"status_code":"FINISHED"}' ]
call -X POST -d '{"route":"media_publish","hang":true,"after":true}' \
    "$base/_fake/inject"
call --max-time 2 -X POST "$g/$IG14/media_publish?creation_id=$tc&access_token=$ig14"
check "a hang after publishing: the client times out too" [ "$status" = 000 ]
call "$g/$tc?fields=status_code&access_token=$ig14"
check "... but the container is PUBLISHED" [ "$body" = '{"status_code":"PUBLISHED"}' ]
call "$g/$IG14/content_publishing_limit?fields=quota_usage&access_token=$ig14"
check "... the quota counts it" [ "$body" = '{"data":[{"quota_usage":1}]}' ]
call -X POST "$g/$IG14/media_publish?creation_id=$tc&access_token=$ig14"
check "the client's retry: an error, not a second post" \
    has "$status $body" '400 {"error":{"message":"(#100) Invalid parameter"'
call "$g/$IG14/media?fields=id&access_token=$ig14"
tmid=$(printf '%s' "$body" | sed -n 's/^{"data":\[{"id":"\([0-9]*\)"}\].*/\1/p')
check "the media edge shows the one post" has "$tmid" 179
call "$base/_fake/media?account=$IG14"
check "exactly one media, from that container" \
    has "$body" "{\"media\":[{\"id\":\"$tmid\",\"container_id\":\"$tc\","
check "... and only one" [ "$(nmedia $IG14)" -eq 1 ]
call "$base/_fake/stats"
check "stats: 1 container, 3 media_publish calls, 1 media" \
    has "$body" "\"$IG14\":{\"containers\":1,\"media_publish_calls\":3,\"media\":1}"
call -X POST "$g/$IG14/media?image_url=https://cdn.example/d.jpg&access_token=$ig14"
dc=$(jstr id)
call -X POST -d '{"route":"media_publish","drop":true,"after":true}' \
    "$base/_fake/inject"
call -X POST "$g/$IG14/media_publish?creation_id=$dc&access_token=$ig14"
check "drop after publishing: no answer at all" \
    [ "$status $(cat "$tmp/e")" = "000 curl: (52) Empty reply from server" ]
check "... and the post was made" [ "$(nmedia $IG14)" -eq 2 ]

# --- the quota (D.4) -------------------------------------------------------
IG13=17841457215396824
call -X POST -d '{"account":13,"kind":"long"}' "$base/_fake/tokens"
ig13=$(jstr access_token)
call "$base/_fake/quota"
check "quota total: 50 by default" [ "$body" = '{"total":50}' ]
call -X POST -d '{"total":2}' "$base/_fake/quota"
check "... set to 2" [ "$body" = '{"total":2}' ]
for i in 1 2 3; do
	call -X POST "$g/$IG13/media?image_url=https://cdn.example/q$i.jpg&access_token=$ig13"
	call -X POST "$g/$IG13/media_publish?creation_id=$(jstr id)&access_token=$ig13"
done
check "the third post of 2: 9/2207042, Meta's message" \
    has "$status $body" '400 {"error":{"message":"Application request limit reached","type":"OAuthException","code":9,"error_subcode":2207042,"error_user_title":"Max Posts Reached","error_user_msg":"You reached maximum number of posts that is allowed to be published by Content Publish API.",'
call "$g/$IG13/content_publishing_limit?fields=quota_usage,config&access_token=$ig13"
check "content_publishing_limit reads the usage and the set total" \
    [ "$body" = '{"data":[{"quota_usage":2,"config":{"quota_total":2,"quota_duration":86400}}]}' ]
adv 86400
call "$g/$IG13/content_publishing_limit?fields=quota_usage&access_token=$ig13"
check "24 h later the window is free" [ "$body" = '{"data":[{"quota_usage":0}]}' ]
call -X POST "$g/$IG13/media?image_url=https://cdn.example/q4.jpg&access_token=$ig13"
call -X POST "$g/$IG13/media_publish?creation_id=$(jstr id)&access_token=$ig13"
check "... and a post goes through" has "$status $body" '200 {"id":"179'

# --- rate limits on the publishing routes (C.3) ----------------------------
for rc in media:4 media_publish:17 publishing_limit:32 user_media:613; do
	call -X POST -d "{\"route\":\"${rc%:*}\",\"rate_limit\":true,\"graph_error\":{\"code\":${rc#*:}}}" \
	    "$base/_fake/inject"
	case ${rc%:*} in
	media) call -X POST "$g/$IG13/media?image_url=https://cdn.example/r.jpg&access_token=$ig13" ;;
	media_publish) call -X POST "$g/$IG13/media_publish?creation_id=1&access_token=$ig13" ;;
	publishing_limit) call "$g/$IG13/content_publishing_limit?access_token=$ig13" ;;
	*) call "$g/$IG13/media?access_token=$ig13" ;;
	esac
	check "${rc%:*}: injected ${rc#*:}, transient, with X-App-Usage" \
	    has "$status $body $(header x-app-usage)" "400 {\"error\":{\"message\":\"(#${rc#*:}) "
	check "... code ${rc#*:} and the usage header" \
	    has "$body $(header x-app-usage)" "\"code\":${rc#*:},\"is_transient\":true,\"fbtrace_id\":\""
	check "... X-App-Usage present" has "$(header x-app-usage)" '"call_count":'
done

# --- Facebook Login: a Page token and appsecret_proof ----------------------
IG12=17841457215396823
call -X POST -d '{"account":12,"kind":"fb_page"}' "$base/_fake/tokens"
pg=$(jstr access_token)
pgp=$(proof "$pg")
fbg="https://graph.facebook.com:$port/v26.0"
call $rs -X POST "$fbg/$IG12/media?image_url=https://cdn.example/f.jpg&caption=fb&access_token=$pg"
check "FB flavor: creating without appsecret_proof is refused" \
    has "$body" 'require an appsecret_proof argument'
call $rs -X POST "$fbg/$IG12/media?image_url=https://cdn.example/f.jpg&caption=fb&access_token=$pg&appsecret_proof=$pgp"
fc=$(jstr id)
check "FB flavor: container on graph.facebook.com" has "$status $fc" "200 1788"
call $rs -X POST "$fbg/$IG12/media_publish?creation_id=$fc&access_token=$pg&appsecret_proof=$pgp"
fm=$(jstr id)
check "... published with the Page token and its proof" has "$status $fm" "200 179"
call $rs "$fbg/$fc?fields=status_code&access_token=$pg&appsecret_proof=$pgp"
check "... the container reads PUBLISHED" [ "$body" = '{"status_code":"PUBLISHED"}' ]
call $rs "$fbg/$fm?fields=id,caption&access_token=$pg&appsecret_proof=$pgp"
check "... the media node" [ "$body" = "{\"caption\":\"fb\",\"id\":\"$fm\"}" ]
call $rs -X POST "$fbg/$IG12/media_publish?creation_id=$fc&access_token=$ig"
check "an Instagram token there: 190" has "$body" '"code":190'

call -X POST "$base/_fake/reset"
call "$base/_fake/stats"
check "reset clears publishing counts" has "$body" '"publishing":{}'
check "... the media" [ "$(nmedia $IG11)" -eq 0 ]
call "$base/_fake/quota"
check "... and restores the quota total" [ "$body" = '{"total":50}' ]

# --- stop ----------------------------------------------------------------
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "exits 0 on SIGTERM" [ "$rc" -eq 0 ]
check "pidfile removed" [ ! -e "$tmp/pid" ]
body=$(cat "$tmp/err")
check "nothing on stderr (no sanitizer report)" [ -z "$body" ]

# --- the state file (--state) --------------------------------------------
# stateful: start the fake again with the state file; sets pid and base.
stateful() {
	: >"$tmp/out"
	"$bin" --listen 127.0.0.1:0 --cert "$tmp/server.pem" \
	    --key "$tmp/server.key" --app-id "$APP_ID" --app-secret "$SECRET" \
	    --state "$tmp/state" "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q '^fakemeta listening on ' "$tmp/out"
	do
		sleep 0.1
		i=$((i + 1))
	done
	base=$(sed -n 's/^fakemeta listening on //p' "$tmp/out")
}
stop_fake() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
}

stateful
check "starts with a state file that does not exist yet" [ -n "$base" ]
check "... and makes it, private" \
    [ "$(stat -c %a "$tmp/state" 2>/dev/null)" = 600 ]
call -X POST -d '{"account":3,"kind":"long","age":90000}' \
    "$base/_fake/tokens"
st=$(jstr access_token)
call -X POST -d '{"advance":7200}' "$base/_fake/clock"
now1=$(jnum now)
call -X POST "$base/$IGID3/media?image_url=https://cdn.example/s.jpg&caption=kept&access_token=$st"
sc=$(jstr id)
call -X POST "$base/$IGID3/media_publish?creation_id=$sc&access_token=$st"
sm=$(jstr id)
check "a post made before the restart" has "$status $sm" "200 179"
call -X POST -d '{"account":4,"kind":"long"}' "$base/_fake/tokens"
rt=$(jstr access_token)
call -X POST -d '{"account":4}' "$base/_fake/revoke"
stop_fake
check "exits 0 on SIGTERM with a state file" [ "$rc" -eq 0 ]

stateful
check "starts again from the state file" [ -n "$base" ]
call "$base/me?fields=id,username&access_token=$st"
check "a token issued before the restart still works" \
    [ "$body" = '{"id":"'"$UID3"'","username":"fake_user_3"}' ]
call "$base/refresh_access_token?grant_type=ig_refresh_token&access_token=$st"
check "... and refreshes" has "$status $body" '200 {"access_token":"IGAA'
call "$base/_fake/clock"
check "the clock keeps what tests advanced it by" \
    [ "$(jnum now)" -ge "$now1" ]
call "$base/$sc?fields=status_code&access_token=$st"
check "the container still reads PUBLISHED" \
    [ "$body" = '{"status_code":"PUBLISHED"}' ]
call "$base/$IGID3/media?fields=id,caption&access_token=$st"
check "the post is still listed" has "$body" "\"caption\":\"kept\",\"id\":\"$sm\""
call -X POST "$base/$IGID3/media?image_url=https://cdn.example/t.jpg&access_token=$st"
check "new containers get new ids" differs "$(jstr id)" "$sc"
call "$base/me?access_token=$rt"
check "a login revoked before the restart stays revoked" \
    has "$body" '"code":190'
call -X POST -d '{"account":4,"kind":"long"}' "$base/_fake/tokens"
call "$base/me?access_token=$(jstr access_token)"
check "... and a new login of that account works" [ "$status" = 200 ]
stop_fake
printf '{"token":"IGAA\n' >>"$tmp/state"
stateful
check "half a record at the end: started anyway" [ -n "$base" ]
check "... and said so" grep -q 'skipped 1 unreadable record' "$tmp/err"
call "$base/me?access_token=$st"
check "... the rest kept" [ "$status" = 200 ]
call -X POST "$base/_fake/reset"
stop_fake
stateful
call "$base/me?access_token=$st"
check "after a reset, the old tokens are gone for good" has "$body" \
    '"code":190'
stop_fake

# --- the dev identity (/_fake/jwt) ---------------------------------------
JWTKEY=CANARY_JWT_fakemeta_selftest_0123456789
b64dec() {
	d_s=$(printf '%s' "$1" | tr '_-' '/+')
	while [ $((${#d_s} % 4)) -ne 0 ]; do d_s="$d_s="; done
	printf '%s' "$d_s" | openssl base64 -d -A
}
stateful
call "$base/_fake/jwt"
check "no --jwt-secret-file: no dev tokens (404)" [ "$status" = 404 ]
stop_fake
printf '%s\n' "$JWTKEY" >"$tmp/jwtkey"
stateful --jwt-secret-file "$tmp/jwtkey" --jwt-issuer https://iss.example \
    --jwt-audience igc
call "$base/_fake/jwt"
check "a dev token for demo-user, an hour" \
    has "$status $body" '"sub":"demo-user","expiresIn":3600}'
jt=$(jstr token)
jh=${jt%%.*}
jr=${jt#*.}
jc=${jr%%.*}
js=${jr#*.}
want=$(printf '%s.%s' "$jh" "$jc" |
    openssl dgst -sha256 -hmac "$JWTKEY" -binary | openssl base64 -A |
    tr '+/' '-_' | tr -d '=')
check "... HS256 with the secret from the file, its line end left out" \
    [ "$js" = "$want" ]
check "... the header igconnect takes" \
    [ "$(b64dec "$jh")" = '{"alg":"HS256","typ":"JWT"}' ]
claims=$(b64dec "$jc")
check "... sub, iat, exp an hour later, iss and aud" sh -c '
	iat=$(printf "%s" "$1" | sed -n "s/.*\"iat\":\([0-9]*\).*/\1/p")
	[ -n "$iat" ] && [ "$1" = "{\"sub\":\"demo-user\",\"iat\":$iat,\"exp\":$((iat + 3600)),\"iss\":\"https://iss.example\",\"aud\":\"igc\"}" ]' \
    sh "$claims"
call "$base/_fake/jwt?sub=alice.1@x-y_z"
check "?sub= names the user" has "$body" '"sub":"alice.1@x-y_z"'
call "$base/_fake/jwt?sub=a%20b"
check "... letters, digits and . _ @ - only (400)" [ "$status" = 400 ]
call "$base/_fake/jwt?sub=$(printf '%065d' 0)"
check "... 64 at most (400)" [ "$status" = 400 ]
call "$base/_fake/jwt?sub="
check "... not empty (400)" [ "$status" = 400 ]
call -X POST "$base/_fake/jwt"
check "... GET only (405)" [ "$status" = 405 ]
stop_fake

done_tests
