#!/usr/bin/env bash
# usage.sh - the CLI's command line: --help and --version, usage errors (exit 2) for bad
# flags and values, runtime errors (exit 1, "llm4all: error: ...") for missing models and
# unknown names, `pull --list`. Needs no model except the cached smollm2-135m for -m checks.
name=usage; . "$(dirname "$0")/lib.sh"
# expect RC DESC CMD...: run CMD (stdout/stderr to $tmp/out, $tmp/err), check its exit status
expect() {
    local want=$1 desc=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"; head -n 5 "$tmp/err" | sed 's/^/    /' >&2; fi
}
# has FILE TEXT DESC: FILE contains TEXT (fixed string)
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in $(basename "$1")"; \
        head -n 5 "$1" | sed 's/^/    /' >&2; fi; }


expect 2 "no arguments" "$BIN"
expect 0 "--help" "$BIN" --help
for v in run chat info tokenize perplexity pull; do has "$tmp/out" "  $v " "--help lists $v"; done
expect 0 "--version" "$BIN" --version
has "$tmp/out" "llm4all 0.1.0" "--version text"
for v in run chat info tokenize perplexity pull; do
    expect 0 "$v --help" "$BIN" "$v" --help
    has "$tmp/out" "usage: llm4all $v" "$v --help text"
done
expect 0 "help run" "$BIN" help run
has "$tmp/out" "--repeat-penalty" "help run lists flags"

# usage errors: exit 2, a message naming the problem and the --help hint
M=smollm2-135m
expect 2 "unknown verb" "$BIN" frobnicate
has "$tmp/err" "unknown verb 'frobnicate'" "unknown verb message"
expect 2 "unknown flag" "$BIN" run -m $M -p hi --bogus
has "$tmp/err" "unknown option '--bogus'" "unknown flag message"
has "$tmp/err" "Try 'llm4all run --help'" "hint"
expect 2 "flag of another verb" "$BIN" info -m $M --temp 0.5
expect 2 "missing value" "$BIN" run -m $M -p
has "$tmp/err" "needs a value" "missing value message"
expect 2 "-n not a number" "$BIN" run -m $M -p hi -n abc
has "$tmp/err" "expects an integer" "-n message"
expect 2 "-n 1.5" "$BIN" run -m $M -p hi -n 1.5
expect 2 "-n -2" "$BIN" run -m $M -p hi -n -2
expect 2 "--temp -1" "$BIN" run -m $M -p hi --temp -1
has "$tmp/err" "out of range" "range message"
expect 2 "--top-p 1.5" "$BIN" run -m $M -p hi --top-p 1.5
expect 2 "--min-p nan" "$BIN" run -m $M -p hi --min-p nan
expect 2 "--repeat-penalty 0" "$BIN" run -m $M -p hi --repeat-penalty 0
expect 2 "--top-k x" "$BIN" run -m $M -p hi --top-k x
expect 2 "-c -5" "$BIN" run -m $M -p hi -c -5
expect 2 "-t 99999" "$BIN" run -m $M -p hi -t 99999
expect 2 "-b 0" "$BIN" run -m $M -p hi -b 0
expect 2 "-s abc" "$BIN" run -m $M -p hi -s abc
expect 2 "--cache-type f8" "$BIN" run -m $M -p hi --cache-type f8
has "$tmp/err" "f16, f32 or q8_0" "cache-type message"
expect 2 "--stop ''" "$BIN" run -m $M -p hi --stop ""
expect 2 "--json=1 on a switch" "$BIN" info -m $M --json=1
expect 2 "-p and -f" "$BIN" run -m $M -p hi -f tests/data/fr_handbook.txt
expect 2 "run without a prompt" "$BIN" run -m $M
expect 2 "run without a model" "$BIN" run -p hi
expect 2 "--system without --chat" "$BIN" run -m $M -p hi --system x
expect 2 "stray argument" "$BIN" info -m $M extra
expect 2 "tokenize without text" "$BIN" tokenize -m $M
expect 2 "perplexity without -f" "$BIN" perplexity -m $M
expect 2 "perplexity --chunks 0" "$BIN" perplexity -m $M -f x --chunks 0
expect 2 "pull without a name" "$BIN" pull
expect 2 "pull --list with a name" "$BIN" pull --list $M

# runtime errors: exit 1, "llm4all: error: ..."
expect 1 "nonexistent model path" "$BIN" info -m /nonexistent/dir/model.gguf
has "$tmp/err" "llm4all: error: model file '/nonexistent/dir/model.gguf' not found" "path message"
expect 1 "unknown model name" "$BIN" run -m no-such-model -p hi
has "$tmp/err" "neither a file nor a known name" "name message"
expect 1 "not a GGUF file" "$BIN" info -m tests/data/fr_handbook.txt
has "$tmp/err" "llm4all: error: cannot load the model" "bad file message"
expect 1 "pull of an unknown name" "$BIN" pull no-such-model
has "$tmp/err" "unknown model 'no-such-model'" "pull unknown message"
expect 1 "missing -f file" "$BIN" tokenize -m $M -f /nonexistent/text.txt
has "$tmp/err" "cannot open '/nonexistent/text.txt'" "missing file message"

# pull --list, and a cached model resolves without fetching
expect 0 "pull --list" "$BIN" pull --list
for n in smollm2-135m gemma3-270m qwen2.5-1.5b-instruct "(default)" Qwen2.5-Coder-1.5B-Instruct; do
    has "$tmp/out" "$n" "pull --list shows $n"
done
expect 0 "pull --list --json" "$BIN" pull --list --json
if [ "$(jq 'length' "$tmp/out")" = 3 ] && [ "$(jq -r '.[2].alias' "$tmp/out")" = default ]; then
    ok; else bad "pull --list --json content"; fi
expect 0 "pull of a cached model" "$BIN" pull $M
case "$(cat "$tmp/out")" in */models/$M.gguf) ok ;; *) bad "pull printed '$(cat "$tmp/out")'" ;; esac
expect 0 "pull default --list-free resolution" "$BIN" pull default
case "$(cat "$tmp/out")" in */models/qwen2.5-1.5b-instruct.gguf) ok ;; *) bad "alias default" ;; esac

finish
