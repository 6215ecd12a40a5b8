#!/usr/bin/env bash
# Run every test program under $BUILD/tests and every tests/cli/*.sh, then print the total as
# "N passed, N failed" (the line CI reads). Exit 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export L4A_BIN="$BUILD/llm4all"
passed=0; failed=0; failed_progs=()
log=$(mktemp); trap 'rm -f "$log"' EXIT
for t in "$BUILD"/tests/test_* tests/cli/*.sh; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    start=$(date +%s.%N)
    "$t" >"$log" 2>&1; rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p'); p=${p:-0}
    f=$(echo "$line" | sed -nE 's/.*passed, ([0-9]+) failed/\1/p'); f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash or early exit counts
    if [ -z "$line" ] && [ "$rc" -eq 0 ]; then f=1; echo "$name printed no summary line"; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failed_progs+=("$name"); echo "---- $name FAILED (exit $rc, ${secs}s):"; tail -n 40 "$log"
    else
        echo "ok   $name: $p checks (${secs}s)"
    fi
done
[ ${#failed_progs[@]} -gt 0 ] && echo "failed: ${failed_progs[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
