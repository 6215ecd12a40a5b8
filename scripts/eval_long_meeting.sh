#!/usr/bin/env bash
# eval_long_meeting.sh - does `llm4all summarize` keep facts planted at the beginning, the
# middle and the end of a meeting far longer than the context? (issue 6's proof)
#
#   scripts/eval_long_meeting.sh [MODEL] [CTX] [TRANSCRIPT]
#
# Defaults: the default model, a 1,024-token context, tests/data/meeting_long_fr.txt (about
# 3,200 tokens, from scripts/make_meeting.py; `python3 scripts/make_meeting.py --minutes 120`
# writes a two-hour one). Prints the minutes, then one line per planted fact (found / MISSING)
# and exits 1 if any is missing. Takes minutes (about 10 at -c 1024 on 2 idle cores): an
# evaluation, not part of the test suite.
set -u
cd "$(dirname "$0")/.."
M=${1:-default}; C=${2:-1024}; F=${3:-tests/data/meeting_long_fr.txt}
out=$(mktemp); trap 'rm -f "$out"' EXIT
start=$(date +%s)
build/llm4all summarize -m "$M" -c "$C" --json "$F" >"$out" || exit 1
echo "minutes ($(( $(date +%s) - start )) s, -m $M -c $C):"; cat "$out"; echo
missing=0
check() {   # label, then spellings of one fact: found when any appears
    local label=$1; shift
    for w in "$@"; do grep -qF -- "$w" "$out" && { echo "found    $label ($w)"; return; }; done
    echo "MISSING  $label ($*)"; missing=$((missing + 1))
}
check "participants" "Leroy"
check "participants" "Marchand"
check "participants" "Nguyen"
check "beginning: decision, hosting at Nuage Vert" "Nuage Vert"
check "middle: decision, training budget of 12 000 euros" "12 000" "12000" "douze mille"
check "middle: action, the schedule before 15 April" "15 avril"
check "end: action, the Lyon stand before 3 June" "3 juin"
check "end: the next meeting on 22 May" "22 mai"
echo "$missing missing"
[ "$missing" -eq 0 ]
