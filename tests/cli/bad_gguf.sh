#!/usr/bin/env bash
# bad_gguf.sh - the CLI on hostile GGUF files: for each row of tests/data/bad_gguf/README.md
# (written by scripts/make_bad_gguf.py), `$L4A_BIN info -m FILE` must exit with status 1 and
# print "llm4all: error: ..." on stderr with the row's expected message substring. A missing
# $L4A_BIN is a failure, not a skip. Ends with "bad_gguf: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
L4A_BIN=${L4A_BIN:-build/llm4all}
DIR=tests/data/bad_gguf
passed=0
failed=0

fail() { echo "FAIL $*"; failed=$((failed + 1)); }

if [ ! -x "$L4A_BIN" ]; then
    fail "L4A_BIN '$L4A_BIN' does not exist or is not executable (build it: make cli)"
    echo "bad_gguf: $passed passed, $failed failed"
    exit 1
fi

err=$(mktemp)
trap 'rm -f "$err"' EXIT
listed=" "
while IFS='|' read -r _ file by status what sub _; do
    file=$(echo "$file" | sed 's/^ *//; s/ *$//')
    case "$file" in *.gguf) ;; *) continue ;; esac
    sub=$(echo "$sub" | sed 's/^ *//; s/ *$//; s/^`//; s/`$//')
    by=$(echo "$by" | sed 's/^ *//; s/ *$//')
    listed="$listed$file "
    if [ ! -f "$DIR/$file" ]; then fail "$file: listed in the README but missing"; continue; fi
    timeout 60 "$L4A_BIN" info -m "$DIR/$file" >/dev/null 2>"$err"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        fail "$file ($by): exit status $rc, expected 1; stderr: $(head -c 300 "$err")"
    elif ! grep -q '^llm4all: error: ' "$err"; then
        fail "$file ($by): stderr has no 'llm4all: error:' line: $(head -c 300 "$err")"
    elif ! grep -qF -- "$sub" "$err"; then
        fail "$file ($by): stderr lacks '$sub': $(head -c 300 "$err")"
    else
        passed=$((passed + 1))
    fi
done < "$DIR/README.md"

# Every hostile file is in the table (and so was run above).
for f in "$DIR"/*.gguf; do
    name=$(basename "$f")
    case "$listed" in *" $name "*) ;; *) fail "$name has no row in $DIR/README.md" ;; esac
done
[ "$passed" -ge 25 ] || fail "only $passed files checked (expected at least 25)"

echo "bad_gguf: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
