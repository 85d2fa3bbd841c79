# SPDX-License-Identifier: ISC
# check.sh: the shell twin of check.h, for tests that drive whole
# programs (Apache, fcgiwrap, dpkg, systemd-analyze).  Source it, then:
#
#   check NAME CMD...   one test from CMD's exit status
#   pass NAME / fail NAME [WHY]
#   summary             prints "N passed, N failed"; returns 1 on a failure
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
