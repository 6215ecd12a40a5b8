#!/usr/bin/env bash
# leaks.sh - run, perplexity, tokenize, info and an error path under valgrind's memcheck
# (or LeakSanitizer when $L4A_BIN is a sanitizer build)
# (--leak-check=full, any definite or possible leak or memory error fails) on smollm2-135m.
# A forward pass costs seconds per token under valgrind, so only a handful of tokens are
# evaluated; chat is covered by LeakSanitizer when the suite runs under `make SAN=1 test`.
name=leaks; . "$(dirname "$0")/lib.sh"
# A sanitizer build cannot run under valgrind: there LeakSanitizer (part of ASan) does the leak
# check instead, and any leak or memory error makes the program exit with 99.
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then
    VG=(env ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=99)
else
    need valgrind
    VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=99 -q)
fi
M=smollm2-135m
# vg RC DESC ARGS...: llm4all ARGS under valgrind must exit with RC (99: valgrind errors)
vg() {
    local want=$1 desc=$2; shift 2
    "${VG[@]}" "$BIN" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc$([ "$rc" -eq 99 ] && echo ' (valgrind errors)')"
        grep -E "==[0-9]+==|error" "$tmp/err" | head -n 30 | sed 's/^/    /' >&2
    fi
}
head -c 2000 tests/data/fr_handbook.txt >"$tmp/text.txt"
vg 0 "run" run -m $M -p "Bonjour" -n 2 -c 16 -t 1 --temp 0.7 --repeat-penalty 1.1 --stop "zz"
vg 0 "perplexity" perplexity -m $M -f "$tmp/text.txt" -c 8 --chunks 1 -t 1 --json
vg 0 "tokenize" tokenize -m $M -p "Bonjour 🙂" --json
vg 0 "info" info -m $M --meta --json
vg 1 "runtime error path" run -m $M -c 16 -f "$tmp/text.txt" -n 2

finish
