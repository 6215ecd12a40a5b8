#!/usr/bin/env bash
# inspect.sh - `llm4all info` and `llm4all tokenize` on the three cached models: text output,
# --json parsed with jq (a Debian package, required), consistency of the tensor-type
# histogram, --meta, and smollm2-135m's tokens equal to llama.cpp's for the golden prompt.
name=inspect; . "$(dirname "$0")/lib.sh"
expect() {
    local want=$1 desc=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"; head -n 5 "$tmp/err" | sed 's/^/    /' >&2; fi
}
# jqcheck FILE FILTER DESC: the jq filter evaluates to true
jqcheck() { if [ "$(jq -r "$2" "$1" 2>/dev/null)" = true ]; then ok; else bad "$3 ($2)"; fi; }
need jq

# model:architecture:n_vocab:file size:chat template family:template in the file
for spec in smollm2-135m:llama:49152:98362432:chatml:true \
            gemma3-270m:gemma3:262144:253113024:gemma:false \
            qwen2.5-1.5b-instruct:qwen2:151936:1117320768:chatml:true; do
    IFS=: read -r M arch vocab size family in_file <<<"$spec"
    expect 0 "info $M" "$BIN" info -m $M
    grep -qE "^architecture: +$arch$" "$tmp/out" && ok || bad "info $M: architecture"
    grep -qE "^tensors: +[0-9]+" "$tmp/out" && ok || bad "info $M: tensors line"
    expect 0 "info --json $M" "$BIN" info -m $M --json
    cp "$tmp/out" "$tmp/$M.json"
    jqcheck "$tmp/$M.json" ".architecture == \"$arch\"" "$M architecture"
    jqcheck "$tmp/$M.json" ".n_vocab == $vocab" "$M n_vocab"
    jqcheck "$tmp/$M.json" ".file_size == $size" "$M file size"
    jqcheck "$tmp/$M.json" '([.tensor_types[].count] | add) == .n_tensors' "$M type counts"
    jqcheck "$tmp/$M.json" '([.tensor_types[].bytes] | add) == .tensor_bytes' "$M type bytes"
    jqcheck "$tmp/$M.json" '.tensor_bytes < .file_size and .n_params > 1e8' "$M sizes"
    jqcheck "$tmp/$M.json" '.n_layer > 0 and .n_head >= .n_head_kv and .n_embd > 0' "$M hparams"
    jqcheck "$tmp/$M.json" ".chat_template == \"$family\"" "$M chat template family"
    jqcheck "$tmp/$M.json" ".chat_template_in_file == $in_file" "$M template in the file"
    jqcheck "$tmp/$M.json" 'has("metadata") | not' "$M no metadata without --meta"
done
jqcheck "$tmp/qwen2.5-1.5b-instruct.json" '.name == "Qwen2.5 Coder 1.5B Instruct GGUF"' "qwen name"
# decode_bytes: smollm2 and gemma3 tie the output to token_embd, which a token then reads whole;
# qwen2.5 has its own output.weight, and of token_embd (Q4_K, 151936 rows of 1536: 6 blocks of
# 144 bytes each) a token reads one row.
jqcheck "$tmp/smollm2-135m.json" '.decode_bytes == .tensor_bytes' "smollm2 decode bytes (tied)"
jqcheck "$tmp/gemma3-270m.json" '.decode_bytes == .tensor_bytes' "gemma3 decode bytes (tied)"
jqcheck "$tmp/qwen2.5-1.5b-instruct.json" '.tensor_bytes - .decode_bytes == 151935 * 6 * 144' \
    "qwen decode bytes (token_embd less one row)"

expect 0 "info --meta --json" "$BIN" info -m smollm2-135m --meta --json
jqcheck "$tmp/out" '.metadata["general.architecture"] == "llama"' "--meta key"
jqcheck "$tmp/out" '(.metadata | length) == .n_metadata' "--meta count"
expect 0 "info --meta" "$BIN" info -m smollm2-135m --meta
grep -q "general.architecture = llama" "$tmp/out" && ok || bad "--meta text"

# tokenize: the golden prompt gives llama.cpp's ids (tests/golden/cli, scripts/golden_greedy.py)
G=tests/golden/cli/smollm2-135m_greedy.json
prompt=$(jq -r .prompt $G)
expect 0 "tokenize --ids" "$BIN" tokenize -m smollm2-135m -p "$prompt" --ids
[ "$(tr -d ' \n' <"$tmp/out")" = "$(jq -c .prompt_ids $G)" ] && ok ||
    bad "tokenize ids $(cat "$tmp/out") != llama.cpp $(jq -c .prompt_ids $G)"
expect 0 "tokenize --json" "$BIN" tokenize -m smollm2-135m -p "$prompt" --json
jqcheck "$tmp/out" "(.ids | tostring) == \"$(jq -c .prompt_ids $G)\"" "tokenize --json ids"
jqcheck "$tmp/out" '(.pieces | length) == .n_tokens and (.ids | length) == .n_tokens' "json shape"
[ "$(jq -r '.pieces | join("")' "$tmp/out")" = "$prompt" ] && ok || bad "pieces join to the text"
expect 0 "tokenize text" "$BIN" tokenize -m smollm2-135m -p "Bonjour le monde"
grep -qE "^ *[0-9]+ -> '.*'$" "$tmp/out" && ok || bad "tokenize line format"
# --no-special: special-token text becomes plain text (more tokens)
expect 0 "tokenize special" "$BIN" tokenize -m smollm2-135m -p "<|im_start|>user" --json --no-bos
n_sp=$(jq .n_tokens "$tmp/out")
expect 0 "tokenize --no-special" "$BIN" tokenize -m smollm2-135m -p "<|im_start|>user" --json \
    --no-bos --no-special
n_plain=$(jq .n_tokens "$tmp/out")
[ "$n_plain" -gt "$n_sp" ] && ok || bad "--no-special: $n_plain tokens vs $n_sp"
# gemma adds BOS, --no-bos removes it
expect 0 "gemma tokenize" "$BIN" tokenize -m gemma3-270m -p "Bonjour" --json
n_bos=$(jq .n_tokens "$tmp/out"); bos=$(jq .bos "$tmp/gemma3-270m.json")
jqcheck "$tmp/out" ".ids[0] == $bos" "gemma BOS first"
expect 0 "gemma tokenize --no-bos" "$BIN" tokenize -m gemma3-270m -p "Bonjour" --json --no-bos
[ "$(jq .n_tokens "$tmp/out")" -eq $((n_bos - 1)) ] && ok || bad "--no-bos count"
# invalid UTF-8 in pieces still gives valid JSON
expect 0 "tokenize emoji" "$BIN" tokenize -m smollm2-135m -p "été 🙂 ünïcödé" --json
jq -e . "$tmp/out" >/dev/null && ok || bad "tokenize --json is not valid JSON"

finish
