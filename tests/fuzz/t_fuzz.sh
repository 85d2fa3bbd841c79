#!/bin/sh
# t_fuzz.sh: run each libFuzzer target of tests/fuzz/ (built as
# build/fuzz/fuzz_NAME by "make build-tests" or "make fuzzers") for a
# bounded time, from its committed corpus, and report per target "ok"
# or "FAIL" (a crash, a leak, a sanitizer report, a slow input), then
# "N passed, N failed".  tests/run runs it with the defaults: a few
# seconds a target, new inputs thrown away.  "make fuzz" runs it longer
# and keeps what the fuzzers found under build/fuzz/work.
#
# Usage: t_fuzz.sh [-t SECONDS] [-w DIR] [NAME...]
#   -t SECONDS  how long each target runs (2)
#   -w DIR      where each target's new inputs, log and crash files go
#               (build/fuzz/check, emptied first)
#   NAME        only these targets ("jwt" or "fuzz_jwt"); all by default
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=2
work=build/fuzz/check
keep=0
while getopts t:w: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	w) work=$OPTARG; keep=1 ;;
	*) echo "usage: t_fuzz.sh [-t SECONDS] [-w DIR] [NAME...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

targets=
if [ $# -gt 0 ]; then
	for n in "$@"; do
		targets="$targets fuzz_${n#fuzz_}"
	done
else
	for src in tests/fuzz/fuzz_*.c; do
		n=${src##*/}
		targets="$targets ${n%.c}"
	done
fi

# Is clang's libFuzzer installed?  Without it no target can be built.
rt=$(${FUZZCC:-clang-14} -print-resource-dir 2>/dev/null)/lib/linux
have_fuzzer=0
[ -f "$rt/libclang_rt.fuzzer-$(uname -m).a" ] && have_fuzzer=1

# One stat of libFuzzer's -print_final_stats from "log".
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

passed=0
failed=0
for t in $targets; do
	bin=build/fuzz/$t
	dir=$work/${t#fuzz_}
	name=${t#fuzz_}
	if [ ! -x "$bin" ] && [ "$have_fuzzer" -eq 0 ]; then
		echo "skip $t: no libFuzzer (clang-14, libclang-rt-14-dev:" \
		    "make deps)"
		continue
	elif [ ! -x "$bin" ]; then
		echo "FAIL $t: $bin not built (make build-tests)"
		failed=$((failed + 1))
		continue
	fi
	[ "$keep" -eq 1 ] || rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/crashes"
	dict=
	[ -f "tests/fuzz/dict/$name.dict" ] &&
	    dict=-dict=tests/fuzz/dict/$name.dict
	# New inputs go to the first directory, never to the committed one.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$dir/crashes/" $dict \
	    "$dir/corpus" "tests/fuzz/corpus/$name" >"$dir/log" 2>&1
	rc=$?
	runs=$(stat number_of_executed_units "$dir/log")
	rate=$(stat average_exec_per_sec "$dir/log")
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
	    "$dir/log")
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*corp: \([0-9]*\).*/\1 \2/p' \
	    "$dir/log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $t: ${runs} runs in ${took:-$secs} s" \
		    "(${rate} exec/s), cov ${cov% *}, corpus ${cov#* }"
		passed=$((passed + 1))
	else
		echo "FAIL $t: exit $rc; input in $dir/crashes/, log $dir/log"
		grep -E 'ERROR|SUMMARY|runtime error:|tests/fuzz/fuzz_|core/' \
		    "$dir/log" | head -n 12
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
