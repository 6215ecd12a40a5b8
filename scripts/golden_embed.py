#!/usr/bin/env python3
"""golden_embed.py - llama.cpp's mean-pooled embeddings (through llama-cpp-python), for
tests/test_embed.c: l4a_embed_seq must give the same vectors.

llama.cpp with pooling MEAN averages, over the input's tokens, the output of the final norm
(its "result_norm"), the same definition as l4a_embed_seq; normalize=False keeps the raw mean.
Inputs are tokenized by llama.cpp with its BOS rule, and the token ids are stored with the
vectors so that the test feeds the same tokens. Written to tests/golden/embed/<model>.json.

Run with the dev venv: /root/.cache/llm4all/venv/bin/python scripts/golden_embed.py
"""
import argparse
import json
import os

import llama_cpp

from golden_ppl import cache_dir, load_llama

TEXTS = ["Le chat dort sur le canapé.", "The history of the printing press begins in Mainz."]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    llm = load_llama(os.path.join(cache_dir(), args.model + ".gguf"), n_ctx=512, n_batch=512,
                     n_threads=2, embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN)
    out = {"model": args.model, "inputs": []}
    for t in TEXTS:
        toks = llm.tokenize(t.encode(), add_bos=True, special=False)
        vec = llm.embed(t, normalize=False)
        out["inputs"].append({"text": t, "tokens": toks, "embedding": [round(float(x), 6) for x in vec]})
    d = os.path.join(root, "tests", "golden", "embed")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, args.model + ".json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
