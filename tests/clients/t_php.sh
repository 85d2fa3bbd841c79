#!/bin/sh
# SPDX-License-Identifier: ISC
# The PHP client against the running stack, with php-cli and its curl
# extension as a host app's backend has them.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh

if ! php -r 'exit(function_exists("curl_init") ? 0 : 1);' 2>/dev/null; then
	fail "php-cli with the curl extension is installed (make deps)"
	summary
	exit 1
fi
exec php tests/clients/igconnect_test.php
