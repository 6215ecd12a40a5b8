#!/usr/bin/env bash
# summarize.sh - `llm4all summarize` from the command line: --help, usage errors (exit 2),
# files that are not transcripts (exit 1 with a message naming the file), then the README's
# sample meeting (data/samples/reunion_equipe_produit.txt) with the default model: the JSON
# has every field of the schema with the right types (jq), names the participants, the
# decision (14 mars), the action's deadline (7 mars) and the next meeting (mardi); and the
# Markdown written with -o has its sections. About 2 x 1 min on 2 idle cores (the sample is ~400 tokens: one pass).
# L4A_TEST_THREADS=N sets -t (default 0: one thread per physical core).
# Under sanitizers (L4A_TEST_FAST=1, 5-20x slower) the sample runs use smollm2-135m on the
# sample's first 10 turns: the structure and the Markdown are checked, the content (names,
# dates) only in the normal run.
name=summarize
. "$(dirname "$0")/lib.sh"
need jq
SM=qwen2.5-1.5b-instruct; MO=; SAMPLE=data/samples/reunion_equipe_produit.txt
if [ "${L4A_TEST_FAST:-0}" = 1 ]; then   # its first 10 turns: the decision and the actions
    SM=smollm2-135m; MO="--max-output 96"
    head -n 10 "$SAMPLE" >"$tmp/sample.txt"; SAMPLE=$tmp/sample.txt
fi

out=$("$BIN" summarize --help); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q -- "--prompts DIR" && ok || bad "--help"
"$BIN" summarize >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no FILE: exit 2"
"$BIN" summarize --format docx x.txt >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--format docx"

# not transcripts: exit 1 before any model is loaded, with the file named
printf '\x00\x01\x02binary' > "$tmp/bin.dat"
printf '{"not": "segments"}' > "$tmp/obj.json"
printf 'WEBVTT\n\nno cue here\n' > "$tmp/bad.vtt"
: > "$tmp/empty.txt"
for f in bin.dat obj.json bad.vtt empty.txt; do
    err=$("$BIN" summarize -m /nonexistent.gguf "$tmp/$f" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 1 ] && echo "$err" | grep -q "is not a transcript"; then ok
    else bad "$f: exit $rc, '$err'"; fi
done
err=$("$BIN" summarize "$tmp/missing.txt" 2>&1); [ $? -eq 1 ] && ok || bad "missing file: $err"
printf 'Alice: bonjour\n' > "$tmp/t.txt"
err=$("$BIN" summarize -m qwen2.5-1.5b-instruct --prompts "$tmp" -c 128 "$tmp/t.txt" 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -q "at least" && ok || bad "tiny context: $err"

# the sample meeting, JSON
json=$("$BIN" summarize -m $SM $MO -t "${L4A_TEST_THREADS:-0}" --json "$SAMPLE" \
       2>"$tmp/err"); rc=$?
[ $rc -eq 0 ] && ok || { bad "sample --json: exit $rc"; cat "$tmp/err" >&2; }
grep -q "summarize: final  1/1" "$tmp/err" && ok || bad "no progress on stderr"
echo "$json" | jq -e '
  (keys == (["action_items","decisions","next_meeting","open_questions","participants","summary","title","topics"]))
  and (.next_meeting == null or (.next_meeting | type == "string" and length > 0))
  and (.title | type == "string" and length > 0)
  and (.summary | type == "string" and length > 0)
  and (.participants | type == "array" and all(type == "string"))
  and (.decisions | type == "array" and all(type == "string"))
  and (.open_questions | type == "array" and all(type == "string"))
  and (.topics | type == "array" and all(.theme | type == "string")
       and all(.points | type == "array"))
  and (.action_items | type == "array" and all(
       (keys == ["action","deadline","owner"]) and (.deadline == null or (.deadline | type == "string"))))
' >/dev/null && ok || bad "sample JSON structure: $json"
if [ "$SM" = qwen2.5-1.5b-instruct ]; then
    for w in "Claire Martin" "Julien Petit" "Sophie Bernard" "14 mars" "7 mars"; do
        echo "$json" | grep -q "$w" && ok || bad "sample JSON lacks '$w': $json"
    done
    # "on en reparlera à la prochaine réunion, mardi prochain"
    echo "$json" | jq -e '.next_meeting | ascii_downcase | test("mardi")' >/dev/null && ok ||
        bad "sample JSON: next meeting not Tuesday: $(echo "$json" | jq -c .next_meeting)"
else
    echo "content of the minutes not judged with $SM (the normal run checks it with the default model)"
fi

# the sample meeting, Markdown to a file
"$BIN" summarize -m $SM $MO -t "${L4A_TEST_THREADS:-0}" "$SAMPLE" \
    -o "$tmp/min.md" 2>/dev/null; rc=$?
[ $rc -eq 0 ] && ok || bad "sample -o: exit $rc"
for h in "^# " "^## Résumé" "^## Décisions" "^## Actions"; do
    grep -q "$h" "$tmp/min.md" && ok || bad "Markdown lacks '$h'"
done
# the action table: the default model finds the sample's actions; smollm2 (sanitizer runs,
# 96 output tokens) may find none, and then the section says so
if [ "$SM" = qwen2.5-1.5b-instruct ]; then
    grep -q "^| Responsable | Action | Échéance |" "$tmp/min.md" && ok || bad "Markdown lacks the action table"
    grep -q "^## Prochaine réunion$" "$tmp/min.md" && ok || bad "Markdown lacks the next meeting"
else
    first=$(awk '/^## Actions/ {on = 1; next} on && NF {print; exit}' "$tmp/min.md")
    case $first in
        "| Responsable | Action | Échéance |"|"_Aucune._") ok ;;
        *) bad "Markdown: under '## Actions' neither the table nor '_Aucune._': '$first'" ;;
    esac
fi
finish
