# SPDX-License-Identifier: ISC
# t_systemd.sh: the systemd units of deploy/systemd/ as installed.  "make
# install" puts everything into a throwaway root, where systemd-analyze
# verifies each unit against the programs it starts (every endpoint
# through igconnect@NAME), rates its sandbox, and where systemd-sysusers
# and systemd-tmpfiles make the user and the socket directory.  Nothing
# outside that root is touched; systemd need not be PID 1.  Run from the
# repository root.
. tests/lib/check.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_systemd.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
units=$root/usr/lib/systemd/system

# Every endpoint program, by the name its unit instance takes.
progs=$(for c in fcgi/*.c; do p=${c#fcgi/}; echo "${p%.c}"; done)

# The hardening every service must keep (systemd.exec(5)), one a line.
HARDEN='NoNewPrivileges=yes
CapabilityBoundingSet=
PrivateUsers=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
ProtectProc=invisible
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
UMask=0077
User=igconnect
EnvironmentFile=/etc/igconnect/igconnect.env'

# systemd-analyze verify prints a warning for an unknown key or a value
# it cannot parse and still exits 0: clean means silent as well.
verify() {
	out=$(systemd-analyze --root="$root" verify "$@" 2>&1) &&
	    [ -z "$out" ] && return 0
	printf '%s\n' "$out" | sed 's/^/  /'
	return 1
}

has_settings() {
	printf '%s\n' "$HARDEN" | while IFS= read -r s; do
		grep -qxF -- "$s" "$1" || { echo "  $1: no $s"; return 1; }
	done
}

# systemd-analyze security scores 0 to 10; its threshold is in tenths.
exposure_ok() {
	systemd-analyze --root="$root" security --offline=true \
	    --threshold=20 "$1" >"$tmp/security.out" 2>&1 && return 0
	tail -n 1 "$tmp/security.out" | sed 's/^/  /'
	return 1
}

if ! make -s install DESTDIR="$root" PREFIX=/usr >"$tmp/install.out" 2>&1
then
	cat "$tmp/install.out"
	fail install
	summary
	exit 1
fi
pass install

# The targets and services the units order themselves against.
cp /usr/lib/systemd/system/*.target "$units/" || fail targets

for p in $progs; do
	check "verify igconnect@$p" verify "igconnect@$p.service" \
	    "igconnect@$p.socket"
	check "nginx finds $p's socket" \
	    grep -q "unix:@RUNDIR@/$p.sock;" nginx.conf.sample
done
check "socket at /run/igconnect/NAME.sock" \
    grep -qx 'ListenStream=/run/igconnect/%i.sock' "$units/igconnect@.socket"
check "socket is nginx's alone" sh -c '
    grep -qx SocketUser=igconnect "$1" &&
    grep -qx SocketGroup=www-data "$1" && grep -qx SocketMode=0660 "$1"' \
    sh "$units/igconnect@.socket"
check "service takes the socket on fd 0" \
    grep -qx StandardInput=socket "$units/igconnect@.service"

for u in deploy/systemd/*.service deploy/systemd/*.socket \
    deploy/systemd/*.timer; do
	u=${u##*/}
	case $u in
	*@.*)	continue ;;	# templates: verified by instance above
	esac
	check "verify $u" verify "$u"
done

# Each service: the settings, and systemd's own rating under 2.0 ("OK").
for u in igconnect@healthz.service igconnect-relay.service \
    igconnect-refresh.service igconnect-sync.service \
    igconnect-publish.service; do
	f=$units/${u%%@*}
	[ "$f" = "$units/$u" ] || f=$units/igconnect@.service
	check "$u hardening" has_settings "$f"
	check "$u exposure at most 2.0" exposure_ok "$u"
done

# Verify must notice a program that is not there, or the checks above
# prove nothing about ExecStart.
mv "$root/usr/libexec/igconnect/healthz" "$tmp/healthz"
if verify igconnect@healthz.service >/dev/null 2>&1; then
	fail "verify notices a missing program"
else
	pass "verify notices a missing program"
fi
mv "$tmp/healthz" "$root/usr/libexec/igconnect/healthz"

# sysusers.d makes the user, tmpfiles.d the directory nginx may enter
# (www-data is base-passwd's fixed group 33).
mkdir -p "$root/etc"
echo 'www-data:x:33:' >>"$root/etc/group"
check "sysusers makes igconnect" sh -c '
    systemd-sysusers --root="$1" >/dev/null 2>&1 &&
    grep -q "^igconnect:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$" \
    "$1/etc/passwd"' sh "$root"
check "tmpfiles makes /run/igconnect" sh -c '
    systemd-tmpfiles --root="$1" --create igconnect.conf &&
    [ "$(stat -c "%a %G" "$1/run/igconnect")" = "2750 www-data" ] &&
    [ "$(stat -c %u "$1/run/igconnect")" = \
    "$(sed -n "s/^igconnect:x:\([0-9]*\):.*/\1/p" "$1/etc/passwd")" ]' \
    sh "$root"

summary
