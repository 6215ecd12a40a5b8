#!/usr/bin/env python3
"""golden_greedy.py - llama.cpp's greedy continuation of a prompt (through llama-cpp-python),
for tests/cli/run.sh: `llm4all run --temp 0` must print the same text.

The prompt is tokenized as `llm4all run` does (model's BOS rule, special tokens parsed); each
step takes the argmax of llama.cpp's logits (lowest id on ties) and stops after N tokens or at
an end-of-generation token. Written to tests/golden/cli/<model>_greedy.json.

Run with the dev venv: /root/.cache/llm4all/venv/bin/python scripts/golden_greedy.py
"""
import argparse
import json
import os

import numpy as np
import llama_cpp

from golden_ppl import cache_dir, load_llama

PROMPT = "The old lighthouse keeper climbed the stairs every evening because"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    llm = load_llama(os.path.join(cache_dir(), args.model + ".gguf"), n_ctx=512, n_batch=512,
                     logits_all=True, n_threads=args.threads)
    vocab = llm._model.vocab
    prompt_ids = llm.tokenize(PROMPT.encode("utf-8"), add_bos=True, special=True)
    llm.eval(prompt_ids)
    ids = []
    for _ in range(args.n):
        tok = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        if llama_cpp.llama_vocab_is_eog(vocab, tok):
            break
        ids.append(tok)
        llm.eval([tok])
    text = b"".join(llm.detokenize([t]) for t in ids).decode("utf-8", errors="replace")
    out = os.path.join(root, "tests/golden/cli", args.model + "_greedy.json")
    with open(out, "w") as f:
        json.dump({"model": args.model, "prompt": PROMPT, "n_predict": args.n,
                   "reference": "llama.cpp via llama-cpp-python " + llama_cpp.__version__,
                   "prompt_ids": [int(t) for t in prompt_ids], "ids": ids, "text": text},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{args.model}: {text!r} -> {out}")
    llm.close()


if __name__ == "__main__":
    main()
