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

--vocab: the tiny models with the REAL vocabularies (falcon-7b's tokenizer.json, Mistral's
tokenizer.model, Lucie's tokenizer.json), written by `build/tests/test_hf_vocab --make DIR`
and converted (F32 unless --type): llama.cpp loads each GGUF file, tokenizes every case of
tests/golden/hf_tokens/<tok>.txt (the French corpus lines) and we count how many give the ids
llm4all gives (`llm4all tokenize --ids` on the same file; the golden file holds Hugging Face's
ids, which llm4all's equal: tests/test_hf_vocab.c); then greedy 16 tokens from a French prompt
in llama.cpp and with `llm4all run --temp 0` on the same file, compared as text.

    ~/.cache/llm4all/venv/bin/python scripts/check_convert_llamacpp.py --vocab [--type q8_0]
"""
import os
import shutil
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


VOCAB = [("falcon", "falcon-7b", True), ("mistral", "mistral-7b-v0.1", False),
         ("lucie", "lucie-7b", True)]
PROMPT = "La ville de Paris est connue pour"


def cases(tok):
    """(text bytes, HF ids) of each case of the golden file."""
    out, text = [], None
    for line in open(os.path.join(ROOT, "tests/golden/hf_tokens", tok + ".txt")):
        w = line.split()
        if w and w[0] == "case":
            text = bytes.fromhex(w[1]) if w[1] != "-" else b""
        elif w and w[0] == "ids":
            out.append((text, [int(x) for x in w[2:]]))
    return out


def l4a(*args):
    r = subprocess.run([os.path.join(ROOT, "build/llm4all"), *args], capture_output=True)
    if r.returncode:
        raise SystemExit(f"llm4all {' '.join(args[:3])}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def check_vocab(typ):
    tmp = tempfile.mkdtemp()
    subprocess.run([os.path.join(ROOT, "build/tests/test_hf_vocab"), "--make", tmp], check=True,
                   capture_output=True, cwd=ROOT)
    for name, tok, special in VOCAB:
        out = os.path.join(tmp, f"{name}.{typ}.gguf")
        l4a("convert", os.path.join(tmp, name), "-o", out, "--type", typ)
        llm = llama_cpp.Llama(out, n_ctx=256, logits_all=True, verbose=False, n_threads=2)
        same = same_hf = 0
        shown = 0
        todo = cases(tok)
        for text, hf in todo:
            ours = llm.tokenize(text, add_bos=True, special=special)
            flags = ["--ids"] + ([] if special else ["--no-special"])
            got = l4a("tokenize", "-m", out, *flags, "-p", text.decode())
            mine = [int(x) for x in got.decode().replace("[", " ").replace("]", " ")
                    .replace(",", " ").split()]
            same += ours == mine
            same_hf += mine == hf
            if ours != mine and shown < 2:
                shown += 1
                print(f"  {name}: {text[:60]!r}\n    llama.cpp {ours[:20]}\n    llm4all   {mine[:20]}")
        ptoks = llm.tokenize(PROMPT.encode(), add_bos=True, special=False)
        llm.reset()
        llm.eval(ptoks)
        gen = []
        for _ in range(16):
            t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            if llm_is_eog(llm, t):
                break
            gen.append(t)
            llm.eval([t])
        text_cpp = llm.detokenize(gen).decode(errors="replace")
        text_l4a = l4a("run", "-m", out, "-p", PROMPT, "-n", "16", "--temp", "0", "-t", "2") \
            .decode(errors="replace")
        print(f"{name} ({typ}): llama.cpp loads it ({llm.n_vocab()} tokens); corpus lines with "
              f"llama.cpp ids == llm4all ids: {same}/{len(todo)} (llm4all == HF: {same_hf}/{len(todo)}); "
              f"greedy 16 {'identical' if text_cpp == text_l4a else 'DIFFER'}: {text_cpp!r}"
              + ("" if text_cpp == text_l4a else f" vs llm4all {text_l4a!r}"))
        del llm
        os.remove(out)
    shutil.rmtree(tmp, ignore_errors=True)


def llm_is_eog(llm, t):
    return t == llm.token_eos()


def main():
    args = sys.argv[1:]
    typ = "f32"
    vocab = False
    if args[:1] == ["--vocab"]:
        vocab, args = True, args[1:]
    if args[:1] == ["--type"]:
        typ, args = args[1], args[2:]
    if vocab:
        return check_vocab(typ)
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
