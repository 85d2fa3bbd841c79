# SPDX-License-Identifier: ISC
# tap.sh: node --test's TAP on stdin into check.sh's lines (source
# check.sh first).  A failing test's diagnostics are printed under its
# FAIL line; a run that reports no test at all fails too.

tap_checks() {
	t_seen=0
	t_failing=0
	while IFS= read -r t_line; do
		case $t_line in
		"ok "*)
			t_seen=1 t_failing=0
			pass "${t_line#ok [0-9]* - }" ;;
		"not ok "*)
			t_seen=1 t_failing=1
			t_line=${t_line#not ok }
			fail "${t_line#[0-9]* - }" ;;
		"# Subtest"* | "TAP version"* | "1.."* | "# "[a-z]*" "[0-9]*) ;;
		*) [ "$t_failing" -eq 0 ] || printf '  %s\n' "$t_line" ;;
		esac
	done
	[ "$t_seen" -eq 1 ] || fail "node --test ran no test"
}
