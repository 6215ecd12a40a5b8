#!/usr/bin/env bash
# The development virtual environment: reference implementations used to generate golden files
# (scripts/golden_*.py) and to benchmark against (bench/compare). Never needed by the tests.
#   numpy, gguf        read/write GGUF, reference dequantization
#   tokenizers, jinja2 reference tokenizers and chat templates
#   llama-cpp-python   llama.cpp itself, built from source here (several minutes, once)
# Prints the venv's python path. VENV defaults to $LLM4ALL_HOME/venv.
set -euo pipefail
VENV=${VENV:-${LLM4ALL_HOME:-$HOME/.cache/llm4all}/venv}
if ! "$VENV/bin/python" -c 'import llama_cpp, gguf, numpy, tokenizers, jinja2' 2>/dev/null; then
    echo "dev-venv: preparing $VENV (llama.cpp builds from source: several minutes, once)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy gguf==0.19.0 tokenizers jinja2 safetensors
    # -march=native turns on AMX where the CPU reports it, but a VM may not allow AMX tiles
    # (llama.cpp then dies with SIGILL): on AVX-512 machines name the ISA extensions instead.
    args=""
    if grep -q avx512f /proc/cpuinfo; then
        args="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
        args="$args -DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
        for f in avx_vnni:AVX_VNNI avx512_vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
            grep -qw "${f%%:*}" /proc/cpuinfo && args="$args -DGGML_${f##*:}=ON"
        done
    fi
    CMAKE_ARGS="$args" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
        "$VENV/bin/pip" install -q --no-cache-dir llama-cpp-python==0.3.36
fi
echo "$VENV/bin/python"
