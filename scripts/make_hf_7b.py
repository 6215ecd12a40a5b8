#!/usr/bin/env python3
"""
make_hf_7b.py - Hugging Face folders with random bf16 weights in the exact shapes of the seed's
7B models, for load/RSS/convert/speed checks (docs/models.md). The output is NOT committed:
about 14-15 GB per model, written under a folder you choose (e.g. /work/wt/big/), one model at
a time.

    python scripts/make_hf_7b.py claire|mistral|lucie OUTDIR

Each folder gets:
  - config.json as the model card's (CLAIRE-7B-0.1: FalconForCausalLM; Claire-Mistral-7B-0.1:
    MistralForCausalLM; Lucie-7B: the real config.json of ../shared/data/tokenizers/lucie-7b);
  - the real tokenizer files of ../shared/data/tokenizers/ (falcon-7b, mistral-7b-v0.1,
    lucie-7b);
  - model-0000k-of-0000n.safetensors shards of at most 5 GB (HF's default) and
    model.safetensors.index.json, written tensor by tensor in chunks (a few hundred MB of RAM).

Weights: random bf16 of magnitude 2^-8 .. 2^-5 with random signs (matrices), norms around 1,
norm biases around 0. The text generated is noise; only shapes, memory and speed matter.
Only numpy is needed (no torch, no safetensors package: the format is written by hand: u64
header length, JSON header, raw little-endian data).
"""
import json
import os
import shutil
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOK = None
for cand in ("../shared/data/tokenizers", "../../shared/data/tokenizers", "/work/shared/data/tokenizers"):
    if os.path.isdir(os.path.join(ROOT, cand)):
        TOK = os.path.join(ROOT, cand)
        break
SHARD = 5 * 10**9
CHUNK = 1 << 26  # elements per random draw


def claire():
    H, L, V, F = 4544, 32, 65024, 4 * 4544
    cfg = {
        "alibi": False, "apply_residual_connection_post_layernorm": False,
        "architectures": ["FalconForCausalLM"], "attention_dropout": 0.0, "bias": False,
        "bos_token_id": 11, "eos_token_id": 11, "hidden_dropout": 0.0, "hidden_size": H,
        "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "falcon",
        "multi_query": True, "new_decoder_architecture": False, "num_attention_heads": 71,
        "num_hidden_layers": L, "parallel_attn": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.31.0", "use_cache": True, "vocab_size": V,
    }
    t = [("transformer.word_embeddings.weight", (V, H))]
    for i in range(L):
        p = f"transformer.h.{i}."
        t += [(p + "input_layernorm.weight", (H,)), (p + "input_layernorm.bias", (H,)),
              (p + "self_attention.query_key_value.weight", (H + 2 * 64, H)),
              (p + "self_attention.dense.weight", (H, H)),
              (p + "mlp.dense_h_to_4h.weight", (F, H)), (p + "mlp.dense_4h_to_h.weight", (H, F))]
    t += [("transformer.ln_f.weight", (H,)), ("transformer.ln_f.bias", (H,))]
    return cfg, t, "falcon-7b"


def llama_like(H, L, V, F, heads, kv, extra, arch, mtype):
    D = H // heads
    cfg = {"architectures": [arch], "hidden_size": H, "intermediate_size": F,
           "num_attention_heads": heads, "num_hidden_layers": L, "num_key_value_heads": kv,
           "vocab_size": V, "model_type": mtype, **extra}
    t = [("model.embed_tokens.weight", (V, H))]
    for i in range(L):
        p = f"model.layers.{i}."
        t += [(p + "input_layernorm.weight", (H,)), (p + "post_attention_layernorm.weight", (H,)),
              (p + "self_attn.q_proj.weight", (H, H)), (p + "self_attn.k_proj.weight", (kv * D, H)),
              (p + "self_attn.v_proj.weight", (kv * D, H)), (p + "self_attn.o_proj.weight", (H, H)),
              (p + "mlp.gate_proj.weight", (F, H)), (p + "mlp.up_proj.weight", (F, H)),
              (p + "mlp.down_proj.weight", (H, F))]
    t += [("model.norm.weight", (H,)), ("lm_head.weight", (V, H))]
    return cfg, t


def mistral():
    extra = {"attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "initializer_range": 0.02, "max_position_embeddings": 32768, "rms_norm_eps": 1e-05,
             "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": False,
             "torch_dtype": "bfloat16", "transformers_version": "4.35.0", "use_cache": True}
    cfg, t = llama_like(4096, 32, 32000, 14336, 32, 8, extra, "MistralForCausalLM", "mistral")
    return cfg, t, "mistral-7b-v0.1"


def lucie():
    with open(os.path.join(TOK, "lucie-7b", "config.json")) as f:
        real = json.load(f)
    cfg, t = llama_like(real["hidden_size"], real["num_hidden_layers"], real["vocab_size"],
                        real["intermediate_size"], real["num_attention_heads"],
                        real["num_key_value_heads"], {}, "LlamaForCausalLM", "llama")
    return real, t, "lucie-7b"


def fill(f, name, shape, rng):
    n = int(np.prod(shape))
    if len(shape) == 1:
        if name.endswith(".bias"):
            v = (rng.integers(0, 1 << 16, n, dtype=np.uint16) & 0x807F) | (118 << 7)
        else:           # norm weight around 1: 1 + small mantissa noise
            v = (rng.integers(0, 1 << 16, n, dtype=np.uint16) & 0x003F) | 0x3F80
        f.write(v.astype("<u2").tobytes())
        return
    done = 0
    while done < n:
        k = min(CHUNK, n - done)
        bits = rng.integers(0, 1 << 16, k, dtype=np.uint16)
        exp = 119 + (bits >> 14) % 3   # exponent 2^-8 .. 2^-6
        v = (bits & 0x807F) | (exp.astype(np.uint16) << 7)
        f.write(v.astype("<u2").tobytes())
        done += k


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("claire", "mistral", "lucie"):
        raise SystemExit(__doc__)
    if TOK is None:
        raise SystemExit("../shared/data/tokenizers not found")
    cfg, tensors, tok = {"claire": claire, "mistral": mistral, "lucie": lucie}[sys.argv[1]]()
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    for name in os.listdir(os.path.join(TOK, tok)):
        if name.startswith(("tokenizer", "special_tokens", "generation")):
            shutil.copy(os.path.join(TOK, tok, name), os.path.join(out, name))

    shards, cur, size = [], [], 0
    for name, shape in tensors:
        nb = 2 * int(np.prod(shape))
        if cur and size + nb > SHARD:
            shards.append(cur)
            cur, size = [], 0
        cur.append((name, shape))
        size += nb
    shards.append(cur)

    rng = np.random.default_rng(7)
    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        hdr, off = {"__metadata__": {"format": "pt"}}, 0
        for name, shape in shard:
            nb = 2 * int(np.prod(shape))
            hdr[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + nb]}
            off += nb
            weight_map[name] = fname
        hj = json.dumps(hdr, separators=(",", ":")).encode()
        hj += b" " * (-len(hj) % 8)
        with open(os.path.join(out, fname), "wb") as f:
            f.write(len(hj).to_bytes(8, "little"))
            f.write(hj)
            for name, shape in shard:
                fill(f, name, shape, rng)
        total += off
        print(f"{fname}: {len(shard)} tensors, {off / 1e9:.2f} GB", flush=True)
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    print(f"{out}: {total / 1e9:.2f} GB of weights, {sum(map(len, shards))} tensors")


if __name__ == "__main__":
    main()
