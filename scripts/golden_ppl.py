#!/usr/bin/env python3
"""golden_ppl.py - reference perplexities from llama.cpp (through llama-cpp-python) for
tests/cli/perplexity.sh, written to tests/golden/ppl/<model>.json.

llama.cpp's perplexity tool is not exposed by the bindings, so its method is re-done here over
llama.cpp's own logits (logits_all=True):
  - tokenize the whole file with the model's BOS rule (add_special, no special parsing);
  - windows of n_ctx tokens, n_tokens // n_ctx of them (at most --chunks);
  - each window evaluated from an empty cache, first token replaced by BOS if the model adds
    BOS;
  - score positions j = n_ctx/2 .. n_ctx-2: logits at j predict token j+1,
    nll = log(sum(expf(l - max))) + max - l[tok] (float exponentials summed in double);
  - PPL = exp(mean nll), error = PPL * sqrt((mean(nll^2) - mean(nll)^2) / (count - 1)).

Run with the dev venv: /root/.cache/llm4all/venv/bin/python scripts/golden_ppl.py
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import llama_cpp
from llama_cpp import Llama

# model name in the cache -> windows scored (bounded so the CLI test stays quick)
MODELS = {"smollm2-135m": 4, "gemma3-270m": 4, "qwen2.5-1.5b-instruct": 2}
TEXT = "tests/data/fr_handbook.txt"
N_CTX = 512


def load_llama(path, **kw):
    """A llama.cpp model without ggml's "extra" buffer types. A llama.cpp built natively on
    this machine picks AMX kernels that die with SIGILL (the CPU lists AMX, the sandbox does
    not grant the tile state); the plain CPU kernels compute the same results, and with a
    generic build this changes nothing."""
    import llama_cpp.llama_cpp as lc
    default = lc.llama_model_default_params

    def no_extra():
        p = default()
        p.use_extra_bufts = False
        return p
    lc.llama_model_default_params = no_extra
    try:
        return Llama(model_path=path, verbose=False, **kw)
    finally:
        lc.llama_model_default_params = default


def cache_dir():
    home = os.environ.get("LLM4ALL_HOME") or os.path.expanduser("~/.cache/llm4all")
    return os.path.join(home, "models")


def nll_of(logits, tok):
    logits = np.asarray(logits, dtype=np.float32)
    mx = logits.max()
    s = np.sum(np.exp(logits - mx), dtype=np.float64)
    return math.log(s) + float(mx - logits[tok])


def perplexity(path, text, n_ctx, max_chunks, threads):
    llm = load_llama(path, n_ctx=n_ctx, n_batch=n_ctx, logits_all=True, n_threads=threads)
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
    if len(tokens) < 2 * n_ctx:
        sys.exit(f"{path}: only {len(tokens)} tokens")
    n_chunk = min(len(tokens) // n_ctx, max_chunks)
    add_bos = llm._model.add_bos_token()
    bos = llm.token_bos()
    first = n_ctx // 2
    nll = nll2 = 0.0
    count = 0
    running = []
    for c in range(n_chunk):
        win = list(tokens[c * n_ctx:(c + 1) * n_ctx])
        if add_bos:
            win[0] = bos
        llm.reset()
        llm.eval(win)
        scores = llm.scores
        for j in range(first, n_ctx - 1):
            v = nll_of(scores[j], win[j + 1])
            nll += v
            nll2 += v * v
            count += 1
        running.append(math.exp(nll / count))
        print(f"[{c + 1}]{running[-1]:.4f}", file=sys.stderr, flush=True)
    mean = nll / count
    var = nll2 / count - mean * mean
    ppl = math.exp(mean)
    err = ppl * math.sqrt(var / (count - 1)) if var > 0 else 0.0
    llm.close()
    return {
        "n_ctx": n_ctx,
        "n_chunks": n_chunk,
        "n_tokens": len(tokens),
        "n_scored": count,
        "add_bos": bool(add_bos),
        "first_tokens": [int(t) for t in tokens[:16]],
        "ppl": ppl,
        "ppl_stderr": err,
        "running_ppl": running,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=list(MODELS))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, TEXT), encoding="utf-8") as f:
        text = f.read()
    for name in args.models:
        path = os.path.join(cache_dir(), name + ".gguf")
        res = perplexity(path, text, N_CTX, MODELS[name], args.threads)
        res = {"model": name, "file": TEXT, "reference": "llama.cpp via llama-cpp-python "
               + llama_cpp.__version__, **res}
        out = os.path.join(root, "tests/golden/ppl", name + ".json")
        with open(out, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        print(f"{name}: PPL = {res['ppl']:.4f} +/- {res['ppl_stderr']:.5f} -> {out}")


if __name__ == "__main__":
    main()
