#!/usr/bin/env python3
"""
check_convert_llamacpp.py - do GGUF files written by `llm4all convert` run in llama.cpp with
transformers' outputs? For each tiny model of tests/data/hf_tiny/: convert it (F32 unless
--type), evaluate the golden input ids of tests/golden/hf_tiny/<name>.bin with llama.cpp
(llama-cpp-python), and print the largest logit difference relative to the row's scale, and
whether llama.cpp's greedy continuation equals transformers'.

A check, not a test (the C tests need no Python): llama.cpp differs from transformers where
its own implementation does (Falcon's GELU uses the tanh approximation; a llama-arch file's
sliding window is not applied by llama.cpp), which this script shows rather than hides.

    ~/.cache/llm4all/venv/bin/python scripts/check_convert_llamacpp.py [--type q8_0] [name ...]
"""
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import llama_cpp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ["falcon-7b", "falcon-40b", "mistral", "llama-lucie", "qwen2", "gemma3"]


def golden(name):
    b = open(os.path.join(ROOT, "tests/golden/hf_tiny", name + ".bin"), "rb").read()
    T, V, G = struct.unpack_from("<3I", b, 8)
    ids = list(struct.unpack_from(f"<{T}i", b, 20))
    lg = np.frombuffer(b, "<f4", T * V, 20 + 4 * T).reshape(T, V)
    gen = list(struct.unpack_from(f"<{G}i", b, 20 + 4 * (T + T * V)))
    return ids, lg, gen


def main():
    args = sys.argv[1:]
    typ = "f32"
    if args[:1] == ["--type"]:
        typ, args = args[1], args[2:]
    tmp = tempfile.mkdtemp()
    for name in args or NAMES:
        out = os.path.join(tmp, f"{name}.{typ}.gguf")
        subprocess.run([os.path.join(ROOT, "build/llm4all"), "convert",
                        os.path.join(ROOT, "tests/data/hf_tiny", name), "-o", out, "--type", typ],
                       check=True, capture_output=True)
        ids, ref, gen = golden(name)
        llm = llama_cpp.Llama(out, n_ctx=64, logits_all=True, verbose=False, n_threads=2)
        llm.eval(ids)
        ours = np.array(llm.scores[: len(ids)])
        rel = float(np.max(np.abs(ours - ref).max(1) / np.abs(ref).max(1)))
        seq = []
        for _ in range(len(gen)):
            tok = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            seq.append(tok)
            llm.eval([tok])
        print(f"{name} ({typ}): llama.cpp loads it; max relative logit difference {rel:.2g}; "
              f"greedy {'identical' if seq == gen else 'differs: ' + str(seq)}")
        os.remove(out)


if __name__ == "__main__":
    main()
