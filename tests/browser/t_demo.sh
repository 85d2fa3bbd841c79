#!/bin/sh
# SPDX-License-Identifier: ISC
# The demo page in headless chromium against the running stack
# (demo.mjs), screenshots under var/test-output/browser/.  Needs what
# "make deps" installs (node, chromium) and "make build-tests" builds
# (playwright-core in build/browser/, from package-lock.json).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh

ready=yes
for need in node chromium; do
	command -v "$need" >/dev/null 2>&1 || { fail "$need is installed (make deps)"; ready=no; }
done
[ -f build/browser/node_modules/playwright-core/package.json ] ||
    { fail "playwright-core is in build/browser (make build-tests)"; ready=no; }
[ "$ready" = yes ] || { summary; exit 1; }
exec node tests/browser/demo.mjs
