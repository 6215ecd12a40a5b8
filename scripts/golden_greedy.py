#!/usr/bin/env python3
"""golden_greedy.py - llama.cpp's greedy continuation of a prompt (through llama-cpp-python),
for tests/cli/run.sh: `llm4all run --temp 0` must print the same text.

The prompt and length are chosen so that no step is a near-tie: the smallest gap between
llama.cpp's first and second logits (min_margin, written to the file) is 0.70. Two correct
implementations differ by about 0.1 in a logit (KL 0.004 per token), so a near-tie makes the
test measure rounding. The earlier prompt ("The old lighthouse keeper ...", 32 tokens) had a
gap of 0.08 between " was" and " loved" at its second step and 0.007 at its third, and
failed when the attention's summation order changed.

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

PROMPT = "In 1969, Neil Armstrong became the first person to"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    llm = load_llama(os.path.join(cache_dir(), args.model + ".gguf"), n_ctx=512, n_batch=512,
                     logits_all=True, n_threads=args.threads)
    vocab = llm._model.vocab
    prompt_ids = llm.tokenize(PROMPT.encode("utf-8"), add_bos=True, special=True)
    llm.eval(prompt_ids)
    ids, margins = [], []
    for _ in range(args.n):
        logits = np.array(llm.scores[llm.n_tokens - 1])
        tok = int(np.argmax(logits))
        margins.append(float(logits[tok] - np.partition(logits, -2)[-2]))
        if llama_cpp.llama_vocab_is_eog(vocab, tok):
            break
        ids.append(tok)
        llm.eval([tok])
    text = b"".join(llm.detokenize([t]) for t in ids).decode("utf-8", errors="replace")
    out = os.path.join(root, "tests/golden/cli", args.model + "_greedy.json")
    with open(out, "w") as f:
        json.dump({"model": args.model, "prompt": PROMPT, "n_predict": args.n,
                   "reference": "llama.cpp via llama-cpp-python " + llama_cpp.__version__,
                   "prompt_ids": [int(t) for t in prompt_ids], "ids": ids, "text": text,
                   "min_margin": round(min(margins), 4)},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{args.model}: {text!r}, smallest top-2 logit gap {min(margins):.3f} -> {out}")
    llm.close()


if __name__ == "__main__":
    main()
