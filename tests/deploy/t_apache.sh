#!/bin/sh
# SPDX-License-Identifier: ISC
# t_apache.sh: the programs as plain CGI under a real Apache 2.4, with
# the shipped deploy/apache files: one virtual host Includes
# deploy/apache/igconnect.conf (ScriptAlias, env file named by SetEnv),
# the other is a shared-hosting account whose public_html holds
# deploy/apache/root.htaccess and igconnect/ with bin.htaccess, and whose
# settings are in ~/.config/igconnect/igconnect.env.  Against the running
# stack's PostgreSQL and fake of Meta (stack.env exported), each runs the
# whole connect flow and webhook deliveries, then a private env file made
# readable by others must stop the programs.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh
. tests/lib/flow.sh

if [ -z "${IGCONNECT_PGHOST:-}" ] || [ -z "${IGCONNECT_FAKE_URL:-}" ]; then
	fail "the stack's environment (stack.env) is exported"
	summary
	exit 1
fi
APACHE=${APACHE:-/usr/sbin/apache2}
MODS=${APACHE_MODULES:-/usr/lib/apache2/modules}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/igconnect-apache.XXXXXX") || exit 1
cleanup() {
	if [ -s "$tmp/srv/httpd.pid" ]; then
		a_pid=$(cat "$tmp/srv/httpd.pid")
		kill "$a_pid" 2>/dev/null
		a_n=0
		while kill -0 "$a_pid" 2>/dev/null && [ "$a_n" -lt 100 ]; do
			sleep 0.1
			a_n=$((a_n + 1))
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Apache refuses to run CGI programs as root, and as root it would
# switch to a User of its own: it runs as flow_runner's user, as the
# account of a shared host would, with everything it reads in $tmp,
# given to that user.  The checkout may be private, so the programs are
# copied, as a shared-hosting user uploads them.
flow_runner
if [ "$user" = root ]; then
	fail "a user other than root owns $IGCONNECT_PGHOST"
	summary
	exit 1
fi

chmod 0755 "$tmp"
mkdir -p "$tmp/srv" "$tmp/libexec" "$tmp/etc" "$tmp/empty" \
    "$tmp/home/public_html/igconnect" "$tmp/home/.config/igconnect"
cp "$IGCONNECT_CA_FILE" "$tmp/ca.pem"
for p in fcgi/*; do
	case $p in *.c | *.o | *.d) continue ;; esac
	cp "$p" "$tmp/libexec/"
	cp "$p" "$tmp/home/public_html/igconnect/"
done
# Every seed's compatibility routes enabled, as the local stack's nginx
# has them.
sed 's/^\( *\)# \[seed[0-9][0-9]*\] /\1/' deploy/apache/root.htaccess \
    >"$tmp/home/public_html/.htaccess"
cp deploy/apache/bin.htaccess "$tmp/home/public_html/igconnect/.htaccess"
venv=$tmp/etc/igconnect.env
henv=$tmp/home/.config/igconnect/igconnect.env
flow_env_file "$tmp/ca.pem" >"$venv"
cp "$venv" "$henv"
chmod 0600 "$venv" "$henv"
chmod 0700 "$tmp/home/.config" "$tmp/home/.config/igconnect"
# Every seed's compatibility routes enabled here too.
sed -e "s|@LIBEXEC@|$tmp/libexec|g" -e "s|@ENV_FILE@|$venv|g" \
    -e 's/^\( *\)# \[seed[0-9][0-9]*\] /\1/' \
    deploy/apache/igconnect.conf >"$tmp/igconnect.conf"

vport=$(free_port 0)
hport=$(free_port 1)
[ "$hport" != "$vport" ] || hport=$(free_port 2)
cat >"$tmp/httpd.conf" <<CONF
ServerRoot "$tmp/srv"
DefaultRuntimeDir "$tmp/srv"
PidFile "$tmp/srv/httpd.pid"
ErrorLog "$tmp/srv/error.log"
LogLevel warn
Mutex file:$tmp/srv default
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule alias_module $MODS/mod_alias.so
LoadModule cgid_module $MODS/mod_cgid.so
LoadModule env_module $MODS/mod_env.so
LoadModule setenvif_module $MODS/mod_setenvif.so
LoadModule headers_module $MODS/mod_headers.so
LoadModule rewrite_module $MODS/mod_rewrite.so
ScriptSock "$tmp/srv/cgid.sock"
ServerName 127.0.0.1
ServerTokens Prod
ServerSignature Off
TraceEnable off
Listen 127.0.0.1:$vport
Listen 127.0.0.1:$hport
<Directory />
    AllowOverride None
    Require all denied
</Directory>

# The operator's virtual host.
<VirtualHost 127.0.0.1:$vport>
    DocumentRoot "$tmp/empty"
    <Directory "$tmp/empty">
        Require all granted
    </Directory>
    Include "$tmp/igconnect.conf"
</VirtualHost>

# A shared-hosting account.  Its CGI programs get its home directory as
# HOME here; a host that passes none (suexec) leaves the programs to find
# it in the password database.
<VirtualHost 127.0.0.1:$hport>
    DocumentRoot "$tmp/home/public_html"
    PassEnv HOME
    <Directory "$tmp/home/public_html">
        AllowOverride All
        Require all granted
    </Directory>
</VirtualHost>
CONF
chown -R "$user" "$tmp"

check "apache config is valid" as_user "$APACHE" -f "$tmp/httpd.conf" -t \
    >/dev/null 2>&1
as_user env -i PATH=/usr/bin:/bin HOME="$tmp/home" "$APACHE" \
    -f "$tmp/httpd.conf" -k start
n=0
until [ -s "$tmp/srv/httpd.pid" ] &&
    curl -s -o /dev/null "http://127.0.0.1:$vport/" 2>/dev/null; do
	n=$((n + 1))
	if [ "$n" -ge 50 ]; then
		fail "apache starts"
		cat "$tmp/srv/error.log" 2>/dev/null
		summary
		exit 1
	fi
	sleep 0.1
done
pass "apache starts"

acct=$((600000 + $$ % 100000))
flow_all "http://127.0.0.1:$vport" vhost "$acct"
flow_webhook "http://127.0.0.1:$vport" vhost
flow_all "http://127.0.0.1:$hport" htaccess $((acct + 1))
flow_webhook "http://127.0.0.1:$hport" htaccess

# Seed 001's routes in CGI mode: the shape the rule names reaches the
# program as REDIRECT_IGCONNECT_COMPAT.  flow_all's caller connected,
# then disconnected.
s_user=cgi-htaccess-$$
s_auth="Authorization: Bearer $(flow_jwt "$s_user")"
s_base=http://127.0.0.1:$hport/api/instagram
st=$(hreq GET "$s_base/info/$s_user" -H "$s_auth")
check "htaccess: seed 001 info in its shape" [ "$st:$(jq -c \
    '[.success, .instagram.username, .instagram.isConnected]' "$tmp/b" \
    2>/dev/null)" = "200:[true,\"@fake_user_$((acct + 1))\",false]" ]
st=$(hreq GET "$s_base/info/cgi-someone-else" -H "$s_auth")
check "htaccess: seed 001 another user's info 403 in its shape" [ \
    "$st:$(jq -c '[.success, .error]' "$tmp/b" 2>/dev/null)" = \
    '403:[false,"forbidden"]' ]
check "htaccess: ... with the request id of X-Request-Id" [ \
    "$(jq -r .requestId "$tmp/b" 2>/dev/null)" = "$(hval X-Request-Id)" ]
st=$(hreq GET "$s_base/oauth-url" -H "$s_auth")
s_url=$(jq -r '.oauthUrl // empty' "$tmp/b" 2>/dev/null)
check "htaccess: seed 001 oauthUrl is Facebook Login's dialog" [ \
    "$st:${s_url%%\?*}" = "200:$IGCONNECT_FACEBOOK_WWW_URL/v26.0/dialog/oauth" ]
st=$(hreq GET "$s_base/disconnect/$s_user" -H "$s_auth")
check "htaccess: seed 001 disconnect by GET 405" [ "$st" = 405 ]

# One request per seed: the rule reaches its program, and the shape its
# E= flag names reaches it too (as REDIRECT_IGCONNECT_COMPAT).
s_auth="Authorization: Bearer $(flow_jwt "cgi-seeds-$$")"
st=$(hreq GET "http://127.0.0.1:$hport/auth/instagram/login" -H "$s_auth")
check "htaccess: seed 003 login 200 {authUrl, redirectTo}" [ "$st:$(jq -r \
    'if .authUrl != null and .redirectTo == .authUrl then "same" else
    "differ" end' "$tmp/b" 2>/dev/null)" = 200:same ]
st=$(hreq POST "http://127.0.0.1:$hport/integrations/instagram/token" \
    -H "$s_auth" -H 'Content-Type: application/json' \
    --data-binary '{"code":"c","redirectUri":"https://evil.example/cb"}')
check "htaccess: seed 004 token refuses a redirectUri not allowed" \
    [ "$st:$(jq -r .error_description "$tmp/b" 2>/dev/null)" = \
    "400:redirectUri must be one of the allowed redirect URIs" ]

# The vhost's seed routes: SetEnvIf names the shape for the program.
st=$(hreq GET "http://127.0.0.1:$vport/api/instagram/info/cgi-seeds-$$" \
    -H "$s_auth")
check "vhost: seed 001 info in its shape" [ "$st:$(jq -c \
    '[.success, .instagram.isConnected]' "$tmp/b" 2>/dev/null)" = \
    '200:[true,false]' ]
st=$(hreq GET "http://127.0.0.1:$vport/api/integrations/instagram/someone" \
    -H "$s_auth")
check "vhost: seed 003 another user's card 403 in its shape" [ \
    "$st:$(jq -c '[.ok, .error]' "$tmp/b" 2>/dev/null)" = \
    '403:[false,"forbidden"]' ]
st=$(hreq GET "http://127.0.0.1:$vport/client/oauth/url?platform=x")
check "vhost: seed 000 sign-in's own error" [ "$st:$(jq -r .error \
    "$tmp/b" 2>/dev/null)" = "400:Invalid platform" ]

# The programs' directory runs nothing asked for directly, and hides
# nothing that is not a program.
st=$(hreq GET "http://127.0.0.1:$hport/igconnect/healthz")
check "htaccess: a direct request for a program 404" [ "$st" = 404 ]
st=$(hreq GET "http://127.0.0.1:$hport/igconnect/")
check "htaccess: the programs' directory 404" [ "$st" = 404 ]
st=$(hreq GET "http://127.0.0.1:$vport/libexec/healthz")
check "vhost: nothing else is served" [ "$st" = 404 ]

# The settings come from the env files: one readable by others stops
# every program, with the one line the program says why.
chmod 0644 "$henv"
st=$(hreq GET "http://127.0.0.1:$hport/healthz")
check "htaccess: env file readable by others: 500" [ "$st" = 500 ]
check "htaccess: ... and the program says why" grep -q \
    "igconnect-healthz: invalid value for $henv: the file must not be accessible by group or others" \
    "$tmp/srv/error.log"
chmod 0600 "$henv"
chmod 0640 "$venv"
st=$(hreq GET "http://127.0.0.1:$vport/healthz")
check "vhost: env file readable by group: 500" [ "$st" = 500 ]
check "vhost: ... and the program says why" grep -q \
    "igconnect-healthz: invalid value for IGCONNECT_ENV_FILE: the file must not be accessible by group or others" \
    "$tmp/srv/error.log"
chmod 0600 "$venv"
st=$(hreq GET "http://127.0.0.1:$vport/healthz")
check "vhost: private again: 200" [ "$st" = 200 ]

if [ "$check_failed" -ne 0 ]; then
	echo "---- apache error log"
	tail -n 30 "$tmp/srv/error.log"
fi
summary
