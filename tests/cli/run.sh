#!/usr/bin/env bash
# run.sh - `llm4all run` and `llm4all chat` on smollm2-135m: the greedy continuation equals
# llama.cpp's (tests/golden/cli/smollm2-135m_greedy.json, scripts/golden_greedy.py), sampling
# with a fixed seed is repeatable, --stop cuts before the stop text, -n 0, a prompt longer than
# the context is an error, timings on stderr, --chat, and a two-turn chat on stdin that reuses
# the KV cache. Uses jq (a Debian package) to read the golden file.
name=run; . "$(dirname "$0")/lib.sh"
expect() {
    local want=$1 desc=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"; tail -n 5 "$tmp/err" | sed 's/^/    /' >&2; fi
}
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in $(basename "$1")"; \
        head -n 5 "$1" | sed 's/^/    /' >&2; fi; }
need jq

M=smollm2-135m
G=tests/golden/cli/${M}_greedy.json
prompt=$(jq -r .prompt $G)
want=$(jq -r .text $G)
n=$(jq -r .n_predict $G)
COMMON=(-m $M -c 512 -t 2)

# greedy = llama.cpp's greedy, token for token (as text)
expect 0 "greedy run" "$BIN" run "${COMMON[@]}" -p "$prompt" -n "$n" --temp 0
got=$(cat "$tmp/out")
if [ "$got" = "$want" ]; then ok; else
    bad "greedy continuation differs from llama.cpp's"
    printf '    ours:      %q\n    llama.cpp: %q\n' "$got" "$want" >&2
fi
has "$tmp/err" "tok/s" "timings on stderr"
grep -qE "generation $n tokens" "$tmp/err" && ok || bad "-n $n tokens generated"

# --stop: the output ends right before the first occurrence of the stop text
stop=$(echo "$want" | awk 'NR == 1 {print $4}')   # the first line's 4th word
expect 0 "greedy --stop" "$BIN" run "${COMMON[@]}" -p "$prompt" -n "$n" --temp 0 --stop "$stop" --stop "zzzqqq"
[ "$(cat "$tmp/out")" = "${want%%"$stop"*}" ] && ok ||
    bad "--stop '$stop': got '$(cat "$tmp/out")', want '${want%%"$stop"*}'"

# sampling with a seed is repeatable
S=(-p "Il était une fois" -n 24 --temp 0.9 --top-k 50 --top-p 0.9 --repeat-penalty 1.1)
expect 0 "seeded run 1" "$BIN" run "${COMMON[@]}" "${S[@]}" -s 42
one=$(cat "$tmp/out")
expect 0 "seeded run 2" "$BIN" run "${COMMON[@]}" "${S[@]}" -s 42
[ "$(cat "$tmp/out")" = "$one" ] && [ -n "$one" ] && ok || bad "same seed, different output"

expect 0 "-n 0" "$BIN" run "${COMMON[@]}" -p "$prompt" -n 0
[ -z "$(cat "$tmp/out")" ] && ok || bad "-n 0 printed text"

# a prompt longer than the context: an error that says so
long=$(head -c 600 tests/data/fr_handbook.txt)
expect 1 "prompt longer than -c" "$BIN" run -m $M -c 32 -p "$long" -n 4
has "$tmp/err" "llm4all: error: the prompt is" "too-long message"
has "$tmp/err" "too long for the context of 32 tokens" "too-long message (context)"

# --chat wraps the prompt in the template and stops at the end of turn
expect 0 "run --chat" "$BIN" run "${COMMON[@]}" --chat --system "You are brief." -p "Say hello." -n 40 --temp 0
[ -n "$(cat "$tmp/out")" ] && ok || bad "run --chat printed nothing"
grep -q "im_end\|im_start" "$tmp/out" && bad "control tokens in the output" || ok

# chat: two turns on stdin; the second decodes only the new part
printf 'My name is Ada.\nWhat is my name?\n/exit\nnot read\n' >"$tmp/in"
"$BIN" chat "${COMMON[@]}" --temp 0 -n 32 -v <"$tmp/in" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 0 ] && ok || { bad "chat: exit $rc"; tail -n 5 "$tmp/err" >&2; }
[ "$(grep -c . "$tmp/out")" -ge 2 ] && ok || bad "chat: expected two replies, got: $(cat "$tmp/out")"
turns=$(grep -c "^chat: .* tokens cached" "$tmp/err")
[ "$turns" -eq 2 ] && ok || bad "chat: $turns turns decoded, expected 2 (/exit must end it)"
cached=$(grep "^chat: .* tokens cached" "$tmp/err" | sed -n 2p | awk '{print $2}')
[ "${cached:-0}" -gt 20 ] && ok || bad "chat: second turn reused ${cached:-0} cached tokens"

# chat: a conversation that outgrows the context is a clear error
printf '%s\n' "$long" >"$tmp/in"
expect 1 "chat context full" "$BIN" chat -m $M -c 64 --temp 0 -n 8 <"$tmp/in"
has "$tmp/err" "context full" "context-full message"
expect 0 "chat on empty input" "$BIN" chat "${COMMON[@]}" </dev/null

finish
