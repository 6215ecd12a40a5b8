# lib.sh - sourced by the CLI test scripts (not a test itself: not executable, so tests/run.sh
# skips it). The script sets `name` first, then `. "$(dirname "$0")/lib.sh"`. Gives:
#   BIN (llm4all under test: $L4A_BIN, default build/llm4all), tmp (a scratch folder removed
#   at exit), ok / bad DESC (count a check), need CMD (a required tool: fail, never skip),
#   finish (print "<name>: N passed, N failed" and exit with the result),
#   no_sanitizer_reports FILE... (a check per log: no ASan, UBSan or LeakSanitizer report).
set -u
cd "$(dirname "$0")/../.."
BIN=${L4A_BIN:-build/llm4all}
passed=0; failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
finish() { echo "$name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
need() { command -v "$1" >/dev/null || { bad "$1 is required"; finish; }; }
[ -x "$BIN" ] || { bad "$BIN does not exist (build it with make)"; finish; }
no_sanitizer_reports() {
    local f
    for f in "$@"; do
        if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$f"; then
            bad "sanitizer report in $(basename "$f")"
            grep -m 5 -A 12 -E "Sanitizer|runtime error" "$f" >&2
        else ok; fi
    done
}
