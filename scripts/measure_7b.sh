#!/usr/bin/env bash
# measure_7b.sh - the figures of docs/models.md for one 7B-shaped folder made by
# scripts/make_hf_7b.py: `run` from the folder (wall time, peak RSS), `convert --type q4_0`
# (wall time, peak RSS), `run` from the GGUF file, then bench/compare (llm4all against
# llama.cpp on the same Q4_0 file, same threads, alternating, medians).
#     scripts/measure_7b.sh DIR [THREADS] [REPS] [N]   (defaults 2 3 32: N tokens generated per rep)
# Writes DIR.q4_0.gguf (delete it afterwards: about 4 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$1; T=${2:-2}; R=${3:-3}; N=${4:-32}
OUT=$DIR.q4_0.gguf
tv() {  # run "$@" under /usr/bin/time -v; print wall time and peak RSS
    /usr/bin/time -v "$@" 2>"$DIR.time.txt" >"$DIR.out.txt" || { tail -n 30 "$DIR.time.txt"; exit 1; }
    echo "  output: $(head -c 300 "$DIR.out.txt" | tr '\n' ' ')"
    grep -E "^run:|Elapsed \(wall|Maximum resident" "$DIR.time.txt" | sed 's/^\s*/  /'
}
echo "== du: $(du -sh "$DIR" | cut -f1)"
echo "== build/llm4all run -m $DIR -p Bonjour -n 8 -t $T"
tv build/llm4all run -m "$DIR" -p "Bonjour" -n 8 -t "$T"
echo "== build/llm4all convert $DIR -o $OUT --type q4_0"
tv build/llm4all convert "$DIR" -o "$OUT" --type q4_0
echo "  file: $(du -h "$OUT" | cut -f1)"
echo "== build/llm4all run -m $OUT -p Bonjour -n 8 -t $T"
tv build/llm4all run -m "$OUT" -p "Bonjour" -n 8 -t "$T"
echo "== bench/compare --models $OUT --threads $T --reps $R -p 8 -n $N"
bench/compare --models "$OUT" --threads "$T" --reps "$R" -p 8 -n "$N"
