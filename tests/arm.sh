#!/usr/bin/env bash
# arm.sh - the NEON and NEON-dotprod kernels on AArch64, emulated: cross-compiles the kernel
# tests (test_vecdot: every weight type's dot, tile and quantizer against the plain C
# reference; test_kernels: the ops and the matmul, batch invariance included) with
# aarch64-linux-gnu-gcc, statically, and runs them under qemu-aarch64 with its default CPU
# (NEON + dotprod: the neondot level) and with -cpu cortex-a53 (no dotprod: the neon level).
# Prints "N passed, N failed" over the four runs. Tools: scripts/setup.sh installs them.
set -u
cd "$(dirname "$0")/.."
CC=${ARM_CC:-aarch64-linux-gnu-gcc}
AR=${ARM_AR:-aarch64-linux-gnu-ar}     # binutils-aarch64-linux-gnu, a dependency of the compiler
QEMU=${QEMU:-qemu-aarch64}
OUT=${ARM_BUILD:-build-arm}
passed=0; failed=0
fail() { echo "arm: $*"; failed=$((failed + 1)); }
for tool in "$CC" "$AR" "$QEMU"; do
    command -v "$tool" >/dev/null || { fail "$tool not found (scripts/setup.sh installs it)"; echo "$passed passed, $failed failed"; exit 1; }
done
mkdir -p "$OUT"
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -D_GNU_SOURCE
        -Iinclude -Isrc)
SRC=(tests/harness.c $(find src/core src/tensor src/quant src/kernels -name '*.c' | sort))
# The library part once (an archive: each test takes what it uses).
objs=()
for s in "${SRC[@]}"; do
    o="$OUT/obj/${s%.c}.o"; mkdir -p "$(dirname "$o")"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src include -name '*.h' -newer "$o" -print -quit)" ]; then
        "$CC" "${CFLAGS[@]}" -c "$s" -o "$o" || { fail "compile $s"; continue; }
    fi
    objs+=("$o")
done
rm -f "$OUT/libkernels.a"; "$AR" rcs "$OUT/libkernels.a" "${objs[@]}"
for t in test_vecdot test_kernels; do
    # -fno-tree-vectorize: GCC 12's AArch64 vectorizer crashes (internal compiler error) on
    # test_kernels.c; the tests' own loops need no speed.
    if ! "$CC" "${CFLAGS[@]}" -fno-tree-vectorize -static -o "$OUT/$t" "tests/$t.c" \
            "$OUT/libkernels.a" -lm -lpthread; then
        fail "link $t"; continue
    fi
    for cpu in max cortex-a53; do
        want=$([ "$cpu" = max ] && echo neondot || echo neon)
        log=$("$QEMU" -cpu "$cpu" "$OUT/$t" 2>&1); rc=$?
        line=$(echo "$log" | grep -E "^$t: [0-9]+ passed, [0-9]+ failed$" | tail -n 1)
        p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p'); f=$(echo "$line" | sed -nE 's/.*passed, ([0-9]+) failed/\1/p')
        if [ -z "$line" ] || [ "$rc" -ne 0 ] || [ "${f:-1}" -ne 0 ]; then
            fail "$t on $cpu (exit $rc)"; echo "$log" | tail -n 30
        else
            passed=$((passed + p)); echo "ok   $t on qemu-aarch64 -cpu $cpu: $p checks"
        fi
        # the level the dispatcher picked must be the CPU's best
        if [ "$t" = test_vecdot ] && ! echo "$log" | grep -q "chosen: $want\$"; then
            fail "$t on $cpu: expected the $want level: $(echo "$log" | grep 'chosen:')"
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
