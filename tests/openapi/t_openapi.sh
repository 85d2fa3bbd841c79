#!/bin/sh
# SPDX-License-Identifier: ISC
# docs/openapi.yaml against nginx.conf.sample and the running stack
# (check.py), with Debian's python3 and its yaml and jsonschema modules,
# which "make deps" installs.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/check.sh

if ! /usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null; then
	fail "python3-yaml and python3-jsonschema are installed (make deps)"
	summary
	exit 1
fi
exec /usr/bin/python3 tests/openapi/check.py
