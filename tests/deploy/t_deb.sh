# SPDX-License-Identifier: ISC
# t_deb.sh [PACKAGE.deb]: the Debian package.  Makes it with "make deb"
# unless given one, then checks its control fields, conffiles, files and
# their modes, that its programs are stripped and that lintian reports no
# error; installs it with dpkg into a throwaway root, runs a program from
# there, and purges it again.  The host is left as it was: no user, no
# file, no statoverride outside that root.  Run from the repository root.
. tests/lib/check.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_deb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

version=$(sed -n 's/.*define IG_VERSION[[:space:]]*"\(.*\)"/\1/p' core/ig.h)
arch=$(dpkg --print-architecture)
deb=${1:-igconnect_${version}_$arch.deb}

if [ $# -eq 0 ] && ! make deb >"$tmp/make.out" 2>&1; then
	tail -n 20 "$tmp/make.out"
	fail "make deb"
	summary
	exit 1
fi
check "package $deb" test -f "$deb"

# Control fields.
field() {
	dpkg-deb -f "$deb" "$1"
}
check "Package" test "$(field Package)" = igconnect
check "Version is IG_VERSION" test "$(field Version)" = "$version"
check "Architecture" test "$(field Architecture)" = "$arch"
check "Maintainer" test -n "$(field Maintainer)"
check "Installed-Size" sh -c 'expr "$1" : "[0-9][0-9]*$" >/dev/null' sh \
    "$(field Installed-Size)"
for d in 'libc6 (>= ' 'libcurl4 (>= ' 'libjansson4 (>= ' 'libpq5 (>= ' \
    'libssl3 (>= ' 'libfcgi0ldbl (>= 2.4.2-2+deb12u1)' adduser; do
	check "Depends on ${d%% *}" sh -c \
	    'dpkg-deb -f "$1" Depends | tr , "\n" | sed "s/^ //" |
	    grep -qF -- "$2"' sh "$deb" "$d"
done

# Control files and maintainer scripts.
dpkg-deb -e "$deb" "$tmp/DEBIAN"
check "conffiles" test "$(cat "$tmp/DEBIAN/conffiles")" = \
    /etc/igconnect/igconnect.env
for s in postinst prerm postrm; do
	check "$s is sh with set -e" sh -c \
	    'sh -n "$1" && head -n 1 "$1" | grep -qx "#!/bin/sh" &&
	    grep -qx "set -e" "$1" && ! grep -q "#DEBHELPER#" "$1"' \
	    sh "$tmp/DEBIAN/$s"
done

# The files, with their modes and owners.
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/list"
has() {
	grep -qxF -- "$1 root/root ./$2" "$tmp/list" && return 0
	echo "  no $1 ./$2"
	return 1
}
for c in fcgi/*.c; do
	p=${c#fcgi/}
	check "program ${p%.c}" has -rwxr-xr-x "usr/libexec/igconnect/${p%.c}"
done
for c in tools/*.c; do
	p=${c#tools/}
	check "tool igconnect-${p%.c}" has -rwxr-xr-x "usr/bin/igconnect-${p%.c}"
done
for u in deploy/systemd/*.service deploy/systemd/*.socket \
    deploy/systemd/*.timer; do
	check "unit ${u##*/}" has -rw-r--r-- "usr/lib/systemd/system/${u##*/}"
done
check "tmpfiles.d" has -rw-r--r-- usr/lib/tmpfiles.d/igconnect.conf
check "sysusers.d" has -rw-r--r-- usr/lib/sysusers.d/igconnect.conf
for f in sql/*.sql; do
	check "$f" has -rw-r--r-- "usr/share/igconnect/$f"
done
for f in nginx.conf.sample igconnect.env.sample crontab; do
	check "$f" has -rw-r--r-- "usr/share/igconnect/$f"
done
if [ -d deploy/apache ]; then
	for f in deploy/apache/*; do
		check "apache ${f##*/}" has -rw-r--r-- \
		    "usr/share/igconnect/apache/${f##*/}"
	done
fi
check "environment file 0640" has -rw-r----- etc/igconnect/igconnect.env
check "copyright" has -rw-r--r-- usr/share/doc/igconnect/copyright
check "changelog" has -rw-r--r-- usr/share/doc/igconnect/changelog.gz

# Stripped: no symbol table, no compiler notes.
dpkg-deb -x "$deb" "$tmp/x"
for f in "$tmp"/x/usr/libexec/igconnect/* "$tmp"/x/usr/bin/*; do
	check "${f##*/} stripped" sh -c \
	    '! readelf -S "$1" | grep -qE "\.(symtab|comment|debug_)"' sh "$f"
done

# lintian: warnings may stay, errors may not.
lintian --no-tag-display-limit "$deb" >"$tmp/lintian.out" 2>&1
grep '^[EW]:' "$tmp/lintian.out" | sed 's/^/  /'
check "lintian: no errors" sh -c '! grep -q "^E:" "$1"' sh "$tmp/lintian.out"

# Install into an empty dpkg database of a throwaway root.  The scripts
# run outside a chroot with DPKG_ROOT set; the root has no libraries, so
# dependencies are forced.
host_state() {
	getent passwd igconnect
	getent group igconnect
	ls -d /etc/igconnect /run/igconnect 2>/dev/null
	dpkg-statoverride --list '*igconnect*'
}
host_state >"$tmp/host.before" 2>&1
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" \
    "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkgr() {
	dpkg --root="$root" --force-script-chrootless --force-depends \
	    --force-not-root "$@" >>"$tmp/dpkg.out" 2>&1 && return 0
	grep -v '^ \|depends on' "$tmp/dpkg.out" | sed 's/^/  /'
	return 1
}
check "dpkg --root -i" dpkgr -i "$deb"
check "installed" sh -c \
    'dpkg-query --admindir="$1/var/lib/dpkg" -W -f="\${Status}" igconnect |
    grep -qx "install ok installed"' sh "$root"
check "environment file installed 0640" test \
    "$(stat -c %a "$root/etc/igconnect/igconnect.env")" = 640
check "credentials directory 0700" test \
    "$(stat -c %a "$root/etc/igconnect/credentials")" = 700
check "igconnect-migrate --help" sh -c \
    '"$1/usr/bin/igconnect-migrate" --help | grep -q "^usage: "' sh "$root"
check "igconnect-token --help" sh -c \
    '"$1/usr/bin/igconnect-token" --help | grep -q "^usage: "' sh "$root"
check "dpkg --root -i again (upgrade)" dpkgr -i "$deb"
check "dpkg --root --purge" dpkgr --purge igconnect
check "purge leaves only dpkg's database" test -z \
    "$(cd "$root" && find . -mindepth 1 ! -path ./var ! -path ./var/lib \
    ! -path './var/lib/dpkg*')"

host_state >"$tmp/host.after" 2>&1
check "host unchanged" cmp -s "$tmp/host.before" "$tmp/host.after"

summary
