#!/usr/bin/env python3
"""golden_quant.py - reference data for tests/test_quant.c, from the gguf Python package.

Writes tests/golden/quant/<TYPE>.bin for every block type llm4all reads. Each file holds
cases of two kinds:
  - dequant: raw GGUF blocks and what gguf.quants.dequantize makes of them (float32), which
    our to_float must reproduce bit for bit. Blocks are random bytes with their f16 scale
    fields replaced by random finite values (so no NaN/Inf from the scales), plus the first
    blocks of real tensors from the cached models.
  - quant: float32 input and what gguf.quants.quantize makes of it, for the types whose
    quantizer gguf implements bit-exactly like ggml (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, F16, BF16);
    our from_float must produce the same bytes.

File format (little-endian):
  "L4AQ"  u32 version (1)  u32 ggml type id  u32 n_cases
  per case: u32 kind (0 dequant, 1 quant)  u32 n_elements  u32 n_bytes  u32 name_len  name
            kind 0: n_bytes block bytes (gguf's row size for n_elements), n_elements float32
            kind 1: n_elements float32, then n_bytes block bytes
And sizes.txt: gguf's table of block sizes (GGML_QUANT_SIZES), one "NAME id block_size
type_size" line per type, which the test compares with l4a_type_traits_of.

Run with the dev venv:  /root/.cache/llm4all/venv/bin/python scripts/golden_quant.py
"""
import os
import struct
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "golden", "quant")
MODELS = os.path.expanduser("~/.cache/llm4all/models")

# Byte offsets of the f16 scale fields in one block (see src/quant/blocks.h).
SCALE_OFFSETS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
QUANT_TYPES = [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K,
               T.Q6_K]

# (model, tensor name, blocks to take from the first row and from the middle row)
REAL = {
    T.Q4_1: [("smollm2-135m", "blk.0.ffn_down.weight", 4)],
    T.Q8_0: [("smollm2-135m", "token_embd.weight", 4), ("gemma3-270m", "token_embd.weight", 2)],
    T.Q5_0: [("gemma3-270m", "blk.0.attn_k.weight", 4)],
    T.Q4_K: [("gemma3-270m", "blk.0.attn_output.weight", 2),
             ("qwen2.5-1.5b-instruct", "token_embd.weight", 2)],
    T.Q6_K: [("gemma3-270m", "blk.0.ffn_down.weight", 2),
             ("qwen2.5-1.5b-instruct", "output.weight", 2)],
}


def random_scales(rng, k):
    """k finite f16 values: mostly normal magnitudes 1e-4..1 of either sign, a few subnormal."""
    mag = 10.0 ** rng.uniform(-4, 0, size=k)
    v = (mag * rng.choice([-1.0, 1.0], size=k)).astype(np.float16)
    sub = rng.random(k) < 0.1
    v[sub] = (rng.integers(1, 1024, size=int(sub.sum())).astype(np.uint16)).view(np.float16)
    return v


def random_blocks(rng, qtype, n_blocks):
    bs, ts = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, ts), dtype=np.uint8)
    for off in SCALE_OFFSETS[qtype]:
        raw[:, off:off + 2] = random_scales(rng, n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(-1)


def quant_inputs(rng, block, n_blocks):
    """Float rows that exercise a quantizer: gaussian blocks of varied scale, an all-zero
    block, a constant block, a block with one outlier, an all-negative block."""
    x = rng.standard_normal((n_blocks, block)).astype(np.float32)
    x *= (10.0 ** rng.uniform(-3, 1, size=(n_blocks, 1))).astype(np.float32)
    x[0] = 0.0
    x[1] = np.float32(0.37)
    x[2, 5] = np.float32(50.0)
    x[3] = -np.abs(x[3]) - np.float32(0.5)
    return x.reshape(-1)


def half_inputs(rng, n, ftype):
    """f32 values that exercise f16/bf16 rounding: exact halves (ties), neighbours of
    ties, subnormals, overflow, Inf, NaN, zeros."""
    if ftype == T.F16:
        h = rng.integers(0, 0x7c00, size=n // 4, dtype=np.uint32)
        # ties between consecutive f16 values and their f32 neighbours
        a = h.astype(np.uint16).view(np.float16).astype(np.float32)
        b = (h + 1).astype(np.uint16).view(np.float16).astype(np.float32)
        mid = ((a.astype(np.float64) + b.astype(np.float64)) / 2).astype(np.float32)
        near = np.concatenate([mid, np.nextafter(mid, np.float32(0)),
                               np.nextafter(mid, np.float32(1e9))])
        extra = np.array([65504, 65519.99, 65520, 65536, 1e6, 2.0**-24, 2.0**-25,
                          2.0**-25 * 1.0001, 2.0**-26, 1e-10, 0.0, -0.0, np.inf, -np.inf, np.nan,
                          2.0**-14, -3.0e-6], dtype=np.float32)
        rest = rng.standard_normal(n - near.size - extra.size).astype(np.float32)
        x = np.concatenate([near, extra, rest])
    else:
        bits = rng.integers(0, 2**32, size=n // 2, dtype=np.uint64).astype(np.uint32)
        ties = (bits & np.uint32(0xffff0000)) | np.uint32(0x8000)     # exact halves
        x = np.concatenate([bits.view(np.float32), ties.view(np.float32)])
        x = np.concatenate([x[: n - 6], np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 3.4e38],
                                                 dtype=np.float32)])
    neg = rng.random(x.size) < 0.5
    x[neg] = -x[neg]
    return x.astype(np.float32)


def real_blocks(qtype):
    cases = []
    for model, name, k in REAL.get(qtype, []):
        path = os.path.join(MODELS, model + ".gguf")
        r = gguf.GGUFReader(path)
        t = next(t for t in r.tensors if t.name == name)
        assert t.tensor_type == qtype, (name, t.tensor_type)
        rows = t.data.reshape(t.data.shape[0], -1)
        bs, ts = GGML_QUANT_SIZES[qtype]
        for label, row in (("first", 0), ("mid", rows.shape[0] // 2)):
            raw = np.array(rows[row, : k * ts], dtype=np.uint8)
            cases.append((f"{model}:{name}:{label}", raw))
    return cases


def dequant_case(name, qtype, raw):
    y = gguf.quants.dequantize(raw, qtype).astype(np.float32, copy=False).reshape(-1)
    return (0, name, raw.tobytes(), y.tobytes(), y.size, raw.size)


def quant_case(name, qtype, x):
    if qtype == T.F16:
        with np.errstate(over="ignore"):        # overflow to Inf is one of the cases
            q = x.astype(np.float16).view(np.uint8)
    else:
        q = gguf.quants.quantize(x.reshape(1, -1), qtype).reshape(-1)
    q = np.ascontiguousarray(q).view(np.uint8).tobytes()
    return (1, name, x.tobytes(), q, x.size, len(q))


def write(qtype, cases):
    path = os.path.join(OUT, qtype.name + ".bin")
    with open(path, "wb") as f:
        f.write(b"L4AQ" + struct.pack("<III", 1, int(qtype), len(cases)))
        for kind, name, a, b, n, n_bytes in cases:
            nb = name.encode()
            f.write(struct.pack("<IIII", kind, n, n_bytes, len(nb)) + nb + a + b)
    return os.path.getsize(path)


def main():
    rng = np.random.default_rng(20240611)
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for qtype in QUANT_TYPES:
        bs, ts = GGML_QUANT_SIZES[qtype]
        n_rand = 8 if bs == 32 else 3
        cases = [dequant_case("random", qtype, random_blocks(rng, qtype, n_rand))]
        cases += [dequant_case(name, qtype, raw) for name, raw in real_blocks(qtype)]
        if qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0):
            cases.append(quant_case("gaussian", qtype, quant_inputs(rng, bs, 8)))
        total += write(qtype, cases)
    # plain types: random bit patterns (every class of value) and rounding cases
    f32 = rng.integers(0, 2**32, size=256, dtype=np.uint64).astype(np.uint32)
    total += write(T.F32, [dequant_case("random bits", T.F32, f32.view(np.uint8))])
    for qtype in (T.F16, T.BF16):
        bits = rng.integers(0, 2**16, size=512, dtype=np.uint32).astype(np.uint16)
        cases = [dequant_case("random bits", qtype, bits.view(np.uint8)),
                 quant_case("rounding", qtype, half_inputs(rng, 768, qtype))]
        total += write(qtype, cases)
    with open(os.path.join(OUT, "sizes.txt"), "w") as f:
        for qtype, (bs, ts) in sorted(GGML_QUANT_SIZES.items(), key=lambda kv: int(kv[0])):
            f.write(f"{qtype.name} {int(qtype)} {bs} {ts}\n")
    print(f"wrote {OUT}: {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
