#!/usr/bin/env bash
# bench.sh - `llm4all bench`: the JSON fields that bench/compare reads are there and positive,
# the table has a pp and a tg row, and bad values are usage errors. (Speeds are not judged:
# benchmarks are never timed tests.)
name=bench; . "$(dirname "$0")/lib.sh"
need jq
out=$("$BIN" bench -m smollm2-135m -p 8 -n 2 -r 2 -t 1 --json 2>/dev/null)
for f in pp_tok_s tg_tok_s peak_rss_bytes size_bytes decode_bytes; do
    echo "$out" | jq -e ".$f > 0" >/dev/null && ok || bad "json field $f: $out"
done
echo "$out" | jq -e '.n_prompt == 8 and .n_gen == 2 and .repetitions == 2 and .threads == 1' \
    >/dev/null && ok || bad "json echoes its settings: $out"
echo "$out" | jq -e '.huge_page_bytes >= 0 and .huge_page_bytes <= .peak_rss_bytes' >/dev/null &&
    ok || bad "huge_page_bytes within the peak RSS: $out"
echo "$out" | jq -e '.depth == 0' >/dev/null && ok || bad "depth defaults to 0: $out"
echo "$out" | jq -e '.types | test("Q4_1:210")' >/dev/null && ok || bad "types: $out"
table=$("$BIN" bench -m smollm2-135m -p 8 -n 2 -r 1 -t 1 2>/dev/null)
echo "$table" | grep -q '| pp8 |' && echo "$table" | grep -q '| tg2 |' && ok || bad "table: $table"
# -d: the tests start with that many tokens in the context
deep=$("$BIN" bench -m smollm2-135m -p 8 -n 2 -r 1 -t 1 -d 300 --json 2>/dev/null)
echo "$deep" | jq -e '.depth == 300 and .tg_tok_s > 0 and .pp_tok_s > 0' >/dev/null && ok ||
    bad "bench -d 300: $deep"
table=$("$BIN" bench -m smollm2-135m -p 8 -n 2 -r 1 -t 1 -d 16 2>/dev/null)
echo "$table" | grep -q '| pp8 @ d16 |' && echo "$table" | grep -q '| tg2 @ d16 |' && ok ||
    bad "table at depth: $table"
"$BIN" bench -m smollm2-135m -d -1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "-d -1 is a usage error"
"$BIN" bench -m smollm2-135m -p x >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "-p x is a usage error"
"$BIN" bench -m smollm2-135m -r 0 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "-r 0 is a usage error"
finish
