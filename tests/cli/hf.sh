#!/usr/bin/env bash
# hf.sh - Hugging Face model folders on the command line: `info -m DIR`, `convert DIR -o F`
# for every weight type (the GGUF then loads with `info`, same architecture and vocabulary
# size), usage and runtime errors (no -o, unknown type, a folder that is not a model), and the
# verbs that need a vocabulary failing with a message on a folder without tokenizer files, and
# tiny models with the real vocabularies giving HF's ids from the folder and its conversion.
name=hf; . "$(dirname "$0")/lib.sh"
# hex to bytes (python3 is a setup.sh package; xxd is not on a fresh Debian)
unhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; }
expect() {
    local want=$1 desc=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"; head -n 5 "$tmp/err" | sed 's/^/    /' >&2; fi
}
need jq

for spec in falcon-7b:falcon falcon-40b:falcon mistral:llama llama-lucie:llama \
            llama3-rope:llama qwen2:qwen2 gemma3:gemma3; do
    IFS=: read -r M arch <<<"$spec"
    dir=tests/data/hf_tiny/$M
    expect 0 "info -m $dir" "$BIN" info -m "$dir" --json
    [ "$(jq -r '.architecture' "$tmp/out")" = "$arch" ] && ok || bad "$M: architecture"
    [ "$(jq -r '.n_vocab' "$tmp/out")" = 256 ] && ok || bad "$M: n_vocab"
    for type in f32 f16 bf16 q8_0 q4_0 q4_k; do
        expect 0 "convert $M --type $type" "$BIN" convert "$dir" -o "$tmp/$M.gguf" --type $type
        expect 0 "info converted $M $type" "$BIN" info -m "$tmp/$M.gguf" --json
        [ "$(jq -r '.architecture' "$tmp/out")" = "$arch" ] && ok || bad "$M $type: architecture"
        [ -e "$tmp/$M.gguf.tmp" ] && bad "$M $type: temporary file left" || ok
    done
done

expect 1 "run without a vocabulary" "$BIN" run -m tests/data/hf_tiny/qwen2 -p Bonjour -n 2
grep -q "no vocabulary" "$tmp/err" && ok || bad "run: message names the missing vocabulary"
expect 1 "tokenize without a vocabulary" "$BIN" tokenize -m tests/data/hf_tiny/qwen2 -p Bonjour
expect 2 "convert without -o" "$BIN" convert tests/data/hf_tiny/qwen2
expect 2 "convert without DIR" "$BIN" convert -o "$tmp/x.gguf"
expect 1 "convert --type q3_k" "$BIN" convert tests/data/hf_tiny/qwen2 -o "$tmp/x.gguf" --type q3_k
grep -q "unknown type 'q3_k'" "$tmp/err" && ok || bad "convert: message names the type"
expect 1 "convert a folder that is not a model" "$BIN" convert tests -o "$tmp/x.gguf"
grep -q "config.json" "$tmp/err" && ok || bad "convert: message names config.json"
[ -e "$tmp/x.gguf" ] && bad "a failed convert left a file" || ok

# tokenizer folders as published (no weights): `tokenize -m DIR` gives HF's ids, taken from the
# first case of each golden file (scripts/golden_hf_tokens.py)
TOKDIR=${L4A_TOKENIZERS_DIR:-../shared/data/tokenizers}
[ -d "$TOKDIR" ] || TOKDIR=../../shared/data/tokenizers   # a worktree one level deeper
for T in falcon-7b lucie-7b mistral-7b-v0.1; do
    G=tests/golden/hf_tokens/$T.txt
    text=$(awk '$1 == "case" { print $2; exit }' "$G" | unhex)
    want=$(awk '$1 == "ids" { $1 = ""; $2 = ""; print; exit }' "$G" | xargs)   # ids N id...
    expect 0 "tokenize -m $T folder" "$BIN" tokenize -m "$TOKDIR/$T" --ids -p "$text"
    got=$(tr -d '[],' <"$tmp/out" | xargs)
    [ "$got" = "$want" ] && ok || bad "$T: ids '$got' differ from HF's '$want'"
done
# tiny models with the real vocabularies, made at run time by test_hf_vocab --make (their 8 MB
# embeddings are not committed): `tokenize -m DIR` and `-m` its Q8_0 conversion give HF's ids
# for the first five cases of each golden file
MK=${BUILD:-build}/tests/test_hf_vocab
expect 0 "make the real-vocabulary folders" "$MK" --make "$tmp"
for spec in falcon:falcon-7b: mistral:mistral-7b-v0.1:--no-special lucie:lucie-7b:; do
    IFS=: read -r M T flag <<<"$spec"
    expect 0 "convert $M" "$BIN" convert "$tmp/$M" -o "$tmp/$M.gguf" --type q8_0
    G=tests/golden/hf_tokens/$T.txt
    for k in 1 2 3 4 5; do
        text=$(awk -v k=$k '$1 == "case" && ++n == k { print $2; exit }' "$G" | unhex)
        want=$(awk -v k=$k '$1 == "ids" && ++n == k { $1 = ""; $2 = ""; print; exit }' "$G" | xargs)
        for m in "$tmp/$M" "$tmp/$M.gguf"; do
            expect 0 "tokenize -m $m" "$BIN" tokenize -m "$m" --ids $flag -p "$text"
            got=$(tr -d '[],' <"$tmp/out" | xargs)
            [ "$got" = "$want" ] && ok || bad "$m, case $k: ids '$got' differ from HF's '$want'"
        done
    done
done
finish
