# SPDX-License-Identifier: ISC
# check.sh: the shell twin of check.h, for tests that drive whole
# programs (Apache, fcgiwrap, dpkg, systemd-analyze).  Source it, then:
#
#   check NAME CMD...   one test from CMD's exit status
#   pass NAME / fail NAME [WHY]
#   summary             prints "N passed, N failed"; returns 1 on a failure
#   free_port [N]       a loopback port for a server the test starts
#
# Every line is "ok NAME" or "FAIL NAME", as the C tests print them.

check_passed=0
check_failed=0

pass() {
	check_passed=$((check_passed + 1))
	echo "ok $1"
}

fail() {
	check_failed=$((check_failed + 1))
	echo "FAIL $1${2:+: $2}"
}

check() {
	c_name=$1
	shift
	if "$@"; then pass "$c_name"; else fail "$c_name"; fi
}

summary() {
	echo "$check_passed passed, $check_failed failed"
	[ "$check_failed" -eq 0 ]
}

# A loopback port no socket uses, below the kernel's ephemeral range
# (which outgoing connections take from at any moment); "free_port N"
# starts N ports further, so two servers of one test do not race for the
# same one.
free_port() {
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
		echo 32768)
	p=$((20000 + ($$ * 7 + ${1:-0}) % (lo - 20000)))
	while ss -Hant "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
		[ "$p" -lt "$lo" ] || p=20000
	done
	echo "$p"
}
