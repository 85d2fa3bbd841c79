#!/bin/sh
# SPDX-License-Identifier: ISC
# The JavaScript client against the running stack: node's own test runner
# (node --test) on igconnect.test.mjs, its TAP turned into the suite's
# "ok NAME" / "FAIL NAME" lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh
. tests/clients/tap.sh

command -v node >/dev/null 2>&1 || { fail "node is installed (make deps)"; summary; exit 1; }
out=$(mktemp "${TMPDIR:-/tmp}/t_js.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
node --test --test-reporter=tap tests/clients/igconnect.test.mjs >"$out" 2>&1
tap_checks <"$out"
summary
