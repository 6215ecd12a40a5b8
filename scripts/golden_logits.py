#!/usr/bin/env python3
"""
golden_logits.py - reference next-token distributions for tests/test_logits.c.

Two references per model, both on the French text tests/data/fr_handbook.txt tokenized by
llama.cpp:

1. llama.cpp (llama-cpp-python), tests/golden/logits/<model>.bin: windows of W tokens (fresh
   KV cache per window, BOS first when the model adds one), every position evaluated in one
   batch as llama.cpp does for a prompt. For each position we keep llama.cpp's 32 most likely
   next tokens with their log-probabilities, and the log of the remaining mass.
   We also evaluate the same windows token by token, which llama.cpp computes differently
   (other matmul kernels), and record how far llama.cpp's own two answers are apart (mean KL
   on the same 33 bins, top-1 agreement): the noise floor of agreement with llama.cpp.

2. A float64 NumPy evaluation of the architecture's formulas on the dequantized weights (gguf
   package), tests/golden/logits/<model>.f64.bin: the first F tokens of window 0, 16 tokens
   kept per position. No rounding of activations, float64 throughout: the exact function the
   file describes, against which llm4all's float path is checked tightly.

Run with the dev venv (llama_cpp, numpy, gguf):
    /root/.cache/llm4all/venv/bin/python scripts/golden_logits.py [model ...]

File format (little-endian), both files:
    char    magic[8]      "L4ALOGIT"
    u32     version       2
    u32     n_vocab
    u32     n_windows
    u32     window        tokens per window (W)
    u32     k             reference tokens kept per position
    u32     source        0: llama.cpp batch evaluation, 1: NumPy float64
    f32     self_kl       llama.cpp token-by-token vs batch: mean KL (source 0; else 0)
    f32     self_top1     ... and top-1 agreement, a fraction (source 0; else 0)
    u32     name_len, then name bytes (the model's file name, without .gguf)
    then per window:
        i32 tokens[W]                       the input token ids
        per position p in 0..W-1 (the distribution of the token after tokens[p]):
            i32 ids[k]                      most likely first
            f32 logp[k]                     natural-log probabilities
            f32 log_rest                    log of the probability of every other token
"""
import os
import struct
import sys

import numpy as np
import llama_cpp
import llama_cpp.llama_cpp as llama_lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(os.path.expanduser("~"), ".cache", "llm4all", "models")
TEXT = os.path.join(ROOT, "tests", "data", "fr_handbook.txt")
OUT_DIR = os.path.join(ROOT, "tests", "golden", "logits")
K = 32          # tokens kept per position, llama.cpp reference
K_F64 = 16      # ... float64 reference

# model name -> (windows, tokens per window, tokens of the float64 reference).
# gemma3's local layers attend to the last 512 tokens: windows of 640 put 128 positions per
# window past that horizon, and its float64 reference goes to 600, so the sliding window is
# checked by both references.
MODELS = {
    "smollm2-135m": (2, 512, 64),
    "gemma3-270m": (2, 640, 600),
    "qwen2.5-1.5b-instruct": (2, 512, 32),
}


def plain_cpu_params():
    """llama.cpp's default model params without the "extra buffer types" (weight repacking for
    AMX and other CPU-specific layouts): the AMX path dies with SIGILL on machines whose CPU
    flags show AMX while the kernel does not grant it, and the plain CPU kernels are the
    reference we want anyway."""
    p = _default_model_params()
    p.use_extra_bufts = False
    return p


_default_model_params = llama_lib.llama_model_default_params
llama_lib.llama_model_default_params = plain_cpu_params


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def top_records(lp, k):
    """Per row of log-probs: (ids[k], logp[k], log_rest)."""
    out = []
    for row in lp:
        ids = np.argsort(-row, kind="stable")[:k]
        mask = np.ones(row.shape[0], dtype=bool)
        mask[ids] = False
        # the rest is summed from its own terms, so that its log stays accurate when tiny
        rest = np.exp(row[mask]).sum()
        out.append((ids, row[ids], np.log(rest) if rest > 0 else -1e30))
    return out


def coarse_kl(rec, lq_row):
    """KL(P || Q) on the k reference tokens + one bin for the rest (as test_logits.c)."""
    ids, lp, lrest = rec
    lq = lq_row[ids]
    mask = np.ones(lq_row.shape[0], dtype=bool)
    mask[ids] = False
    q_rest = np.exp(lq_row[mask]).sum()
    kl = float((np.exp(lp) * (lp - lq)).sum())
    if q_rest > 0:
        kl += float(np.exp(lrest) * (lrest - np.log(q_rest)))
    return kl


def header(n_vocab, n_windows, window, k, source, self_kl, self_top1, name):
    h = bytearray(b"L4ALOGIT")
    h += struct.pack("<6I", 2, n_vocab, n_windows, window, k, source)
    h += struct.pack("<2f", self_kl, self_top1)
    h += struct.pack("<I", len(name)) + name.encode()
    return h


def body(toks, records):
    b = bytearray(np.asarray(toks, dtype="<i4").tobytes())
    for ids, lp, lrest in records:
        b += np.asarray(ids, dtype="<i4").tobytes()
        b += np.asarray(lp, dtype="<f4").tobytes()
        b += struct.pack("<f", lrest)
    return b


def windows_of(llm, n_windows, window):
    text = open(TEXT, "rb").read()
    text_tokens = llm.tokenize(text, add_bos=False, special=False)
    # Does the model add a BOS? Ask llama.cpp's own rule rather than the metadata.
    probe = llm.tokenize(b"a", add_bos=True, special=False)
    bos = [probe[0]] if len(probe) > len(llm.tokenize(b"a", add_bos=False)) else []
    per = window - len(bos)
    if len(text_tokens) < n_windows * per:
        sys.exit(f"text has {len(text_tokens)} tokens, need {n_windows * per}")
    return [bos + text_tokens[w * per:(w + 1) * per] for w in range(n_windows)]


def make_llama(name, n_windows, window):
    path = os.path.join(MODELS_DIR, name + ".gguf")
    llm = llama_cpp.Llama(model_path=path, n_ctx=window, n_batch=512, logits_all=True,
                          n_threads=2, verbose=False)
    wins = windows_of(llm, n_windows, window)
    data, kls, top = bytearray(), [], []
    for w, toks in enumerate(wins):
        llm.reset()
        llm.eval(toks)                                  # the prompt path: one batch
        lp = log_softmax(np.array(llm.scores[:window], copy=True))
        recs = top_records(lp, K)
        data += body(toks, recs)
        llm.reset()
        for t in toks:                                  # the generation path: token by token
            llm.eval([t])
        lq = log_softmax(np.array(llm.scores[:window], copy=True))
        for p, rec in enumerate(recs):
            kls.append(coarse_kl(rec, lq[p]))
            top.append(int(np.argmax(lq[p])) == int(rec[0][0]))
        print(f"{name}: window {w}: {window} positions", flush=True)
    self_kl, self_top1 = float(np.mean(kls)), float(np.mean(top))
    out = header(llm.n_vocab(), n_windows, window, K, 0, self_kl, self_top1, name) + data
    dst = os.path.join(OUT_DIR, name + ".bin")
    with open(dst, "wb") as f:
        f.write(out)
    print(f"{name}: llama.cpp token-by-token vs batch: mean KL {self_kl:.6f}, top-1 "
          f"{100 * self_top1:.2f}%; wrote {dst} ({len(out)} bytes)", flush=True)
    return wins[0]


# ---------------------------------------------------------------- float64 reference

class Gguf:
    """Hyper-parameters and dequantized weights (float64) of a GGUF file."""

    def __init__(self, path):
        import gguf
        from gguf.quants import dequantize
        self._deq = dequantize
        self.r = gguf.GGUFReader(path)
        self.arch = self.r.fields["general.architecture"].contents()
        self.t = {t.name: t for t in self.r.tensors}

    def kv(self, key, default=None):
        f = self.r.fields.get(f"{self.arch}.{key}")
        return f.contents() if f is not None else default

    def w(self, name):
        t = self.t[name]
        a = self._deq(t.data, t.tensor_type)
        return a.reshape([int(x) for x in reversed(t.shape)]).astype(np.float64)


def forward_f64(g, toks):
    """Logits (T, V) of a llama / qwen2 / gemma3 model, every step in float64."""
    arch = g.arch
    C, L, H = g.kv("embedding_length"), g.kv("block_count"), g.kv("attention.head_count")
    HKV = g.kv("attention.head_count_kv", H)
    DK, DV = g.kv("attention.key_length", C // H), g.kv("attention.value_length", C // H)
    eps, base = g.kv("attention.layer_norm_rms_epsilon"), g.kv("rope.freq_base", 10000.0)
    n_rot = g.kv("rope.dimension_count", DK)
    gemma = arch == "gemma3"
    neox = arch in ("qwen2", "gemma3")          # GPT-NeoX rotary layout (llama.cpp's choice)
    T = len(toks)
    pos = np.arange(T, dtype=np.float64)

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

    def rope(x, b):                             # x (T, heads, D)
        half = n_rot // 2
        th = pos[:, None] * b ** (-2.0 * np.arange(half) / n_rot)
        c, s = np.cos(th)[:, None, :], np.sin(th)[:, None, :]
        ia = np.arange(half) if neox else 2 * np.arange(half)
        ib = ia + half if neox else ia + 1
        x = x.copy()
        a, bb = x[..., ia].copy(), x[..., ib].copy()
        x[..., ia], x[..., ib] = a * c - bb * s, a * s + bb * c
        return x

    emb = g.w("token_embd.weight")
    x = emb[np.asarray(toks)]
    if gemma:
        x = x * np.sqrt(C)
    causal = np.triu(np.ones((T, T), dtype=bool), 1)
    dist = pos[:, None] - pos[None, :]
    for il in range(L):
        p = f"blk.{il}."
        h = rms(x, g.w(p + "attn_norm.weight"))
        q, k, v = (h @ g.w(p + f"attn_{n}.weight").T for n in "qkv")
        if p + "attn_q.bias" in g.t:
            q, k, v = (a + g.w(p + f"attn_{n}.bias") for a, n in zip((q, k, v), "qkv"))
        q, k, v = q.reshape(T, H, DK), k.reshape(T, HKV, DK), v.reshape(T, HKV, DV)
        local, b = False, base
        if gemma:
            q, k = rms(q, g.w(p + "attn_q_norm.weight")), rms(k, g.w(p + "attn_k_norm.weight"))
            local = il % 6 < 5                  # five local layers, then one global
            b = 10000.0 if local else base
        q, k = rope(q, b), rope(k, b)
        mask = causal | (dist >= g.kv("attention.sliding_window")) if local else causal
        out = np.zeros((T, H, DV))
        for hh in range(H):
            kv_h = hh // (H // HKV)
            s = q[:, hh, :] @ k[:, kv_h, :].T / np.sqrt(DK)
            s[mask] = -np.inf
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, hh, :] = (s / s.sum(-1, keepdims=True)) @ v[:, kv_h, :]
        a = out.reshape(T, H * DV) @ g.w(p + "attn_output.weight").T
        if gemma:
            a = rms(a, g.w(p + "post_attention_norm.weight"))
        x = x + a
        h = rms(x, g.w(p + "ffn_norm.weight"))
        gate, up = h @ g.w(p + "ffn_gate.weight").T, h @ g.w(p + "ffn_up.weight").T
        if gemma:
            act = 0.5 * gate * (1 + np.tanh(np.sqrt(2 / np.pi) * (gate + 0.044715 * gate ** 3)))
        else:
            act = gate / (1 + np.exp(-gate))
        f = (act * up) @ g.w(p + "ffn_down.weight").T
        if gemma:
            f = rms(f, g.w(p + "post_ffw_norm.weight"))
        x = x + f
    x = rms(x, g.w("output_norm.weight"))
    out_w = g.w("output.weight") if "output.weight" in g.t else emb
    return x @ out_w.T


def make_f64(name, toks):
    g = Gguf(os.path.join(MODELS_DIR, name + ".gguf"))
    lp = log_softmax(forward_f64(g, toks))
    out = header(lp.shape[1], 1, len(toks), K_F64, 1, 0.0, 0.0, name)
    out += body(toks, top_records(lp, K_F64))
    dst = os.path.join(OUT_DIR, name + ".f64.bin")
    with open(dst, "wb") as f:
        f.write(out)
    print(f"{name}: float64 reference, {len(toks)} positions: wrote {dst} ({len(out)} bytes)",
          flush=True)


def main():
    names = sys.argv[1:] or list(MODELS)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in names:
        n_windows, window, n_f64 = MODELS[name]
        first = make_llama(name, n_windows, window)
        make_f64(name, first[:n_f64])


if __name__ == "__main__":
    main()
