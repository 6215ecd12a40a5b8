#!/usr/bin/env python3
"""
golden_hf_tiny.py - tiny random-weight Hugging Face models and transformers' logits for
tests/test_hf.c.

For each family llm4all runs from a Hugging Face folder, a model of a few layers, hidden size
around 64 and a vocabulary of 256 is made with `transformers` from a fixed seed, its weights
redrawn so that every part matters (matrices ~ N(0, 1/fan_in), norm weights and biases away
from their 1/0 defaults: a bug in any of them moves the logits), saved in F32 as a folder
tests/data/hf_tiny/<name>/ (config.json + model.safetensors; "llama-lucie" is saved in shards
with model.safetensors.index.json, to test sharded loading).

The reference is transformers' own forward pass ("eager" attention), run in float64 so that
the golden numbers carry no float32 rounding of their own: tests/golden/hf_tiny/<name>.bin holds
the logits of every position of T fixed input ids and the greedy continuation of 16 tokens
(argmax each step, recomputed from scratch, margins checked so that no step is a near-tie).

Models:
  falcon-7b      FalconForCausalLM, CLAIRE-7B's layout: multi-query, parallel attention/MLP
                 from one LayerNorm, GELU MLP, no biases, rotary
  falcon-40b     FalconForCausalLM, new_decoder_architecture: grouped KV heads (qkv stored
                 interleaved per group), ln_attn + ln_mlp
  mistral        MistralForCausalLM with sliding_window 8 < T (the window changes the logits)
  llama-lucie    LlamaForCausalLM with Lucie-7B's configuration: rope_theta 2e7, untied output
  llama3-rope    LlamaForCausalLM with Llama 3.1's rope scaling (original context 16, so that the
                 16 frequencies fall in all three bands: kept, divided by 8, blended)
  qwen2          Qwen2ForCausalLM (q/k/v biases, tied embeddings)
  gemma3         Gemma3ForCausalLM (text): sliding window 8 on 5 of 6 layers, q/k norms,
                 sandwich norms, head_dim * heads != hidden

File format (little-endian):
    char magic[8] "L4AHFLG1"
    u32  T, V, n_gen
    i32  ids[T]
    f32  logits[T][V]          float64 logits rounded to float32
    i32  gen[n_gen]            greedy continuation of ids
    f32  min_margin            smallest top-1 minus top-2 logit over the greedy steps

Run with a venv that has torch, transformers, safetensors, numpy:
    /work/wt/venv-hf/bin/python scripts/golden_hf_tiny.py [name ...]
"""
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch
import transformers as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "hf_tiny")
GOLD = os.path.join(ROOT, "tests", "golden", "hf_tiny")
T = 24
N_GEN = 16
V = 256


def models():
    common = dict(vocab_size=V, max_position_embeddings=128, attn_implementation="eager")
    return {
        "falcon-7b": (tf.FalconConfig, tf.FalconForCausalLM, dict(
            hidden_size=64, num_hidden_layers=2, num_attention_heads=4, multi_query=True,
            parallel_attn=True, bias=False, alibi=False, new_decoder_architecture=False,
            layer_norm_epsilon=1e-5, bos_token_id=11, eos_token_id=11, **common), None),
        "falcon-40b": (tf.FalconConfig, tf.FalconForCausalLM, dict(
            hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_kv_heads=2,
            new_decoder_architecture=True, parallel_attn=True, bias=False, alibi=False,
            layer_norm_epsilon=1e-5, **common), None),
        "mistral": (tf.MistralConfig, tf.MistralForCausalLM, dict(
            hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, sliding_window=8, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=False, **common), None),
        "llama-lucie": (tf.LlamaConfig, tf.LlamaForCausalLM, dict(
            hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=2e7,
            tie_word_embeddings=False, **common), "150KB"),
        "llama3-rope": (tf.LlamaConfig, tf.LlamaForCausalLM, dict(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
            num_key_value_heads=1, rms_norm_eps=1e-5, tie_word_embeddings=True,
            rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=8.0,
                                 low_freq_factor=1.0, high_freq_factor=4.0,
                                 original_max_position_embeddings=16), **common), None),
        "qwen2": (tf.Qwen2Config, tf.Qwen2ForCausalLM, dict(
            hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=1e6, tie_word_embeddings=True,
            **common), None),
        "gemma3": (tf.Gemma3TextConfig, tf.Gemma3ForCausalLM, dict(
            hidden_size=48, intermediate_size=64, num_hidden_layers=6, num_attention_heads=4,
            num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=16, sliding_window=8,
            rms_norm_eps=1e-6, rope_theta=1e6, rope_local_base_freq=10000.0,
            tie_word_embeddings=True, final_logit_softcapping=None,
            attn_logit_softcapping=None, **common), None),
    }


def redraw(model, gen):
    """Weights that make every part count: N(0, 1/fan_in) matrices, N(0, 0.04) embeddings (small against the blocks' outputs, so that tied models do not just repeat the last token),
    norm weights 1 + N(0, 0.2) (Gemma stores w - 1: N(0, 0.2)), biases N(0, 0.2)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            if p.ndim == 2 and ("embed" in name or "word_embeddings" in name):
                p.copy_(0.2 * r)
            elif p.ndim == 2:
                p.copy_(r / np.sqrt(p.shape[1]))
            elif name.endswith("bias"):
                p.copy_(0.2 * r)
            else:   # a norm weight: keep its default (1, or 0 for Gemma) and move it
                p.copy_(p.detach().double() + 0.2 * r)


def greedy(model, ids):
    seq = list(ids)
    margins = []
    for _ in range(N_GEN):
        with torch.no_grad():
            lg = model(torch.tensor([seq])).logits[0, -1]
        top = torch.topk(lg, 2).values
        margins.append(float(top[0] - top[1]))
        seq.append(int(torch.argmax(lg)))
    return seq[len(ids):], min(margins)


def make(name, cfg_cls, model_cls, kw, shard):
    cfg = cfg_cls(**kw)
    torch.manual_seed(1234)
    model = model_cls(cfg).eval()
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    redraw(model, gen)
    out = os.path.join(DATA, name)
    shutil.rmtree(out, ignore_errors=True)
    model.float().save_pretrained(out, max_shard_size=shard or "50MB")
    for f in os.listdir(out):      # keep the config and weights only
        if f != "config.json" and not f.startswith("model"):
            os.remove(os.path.join(out, f))

    ids = torch.randint(0, V, (T,), generator=gen).tolist()
    ref = model_cls.from_pretrained(out, attn_implementation="eager").double().eval()
    with torch.no_grad():
        logits = ref(torch.tensor([ids])).logits[0].float().numpy()
    gen_ids, margin = greedy(ref, ids)
    if margin < 1e-3:
        raise SystemExit(f"{name}: a greedy step is a near-tie (margin {margin}): change the seed")
    os.makedirs(GOLD, exist_ok=True)
    with open(os.path.join(GOLD, name + ".bin"), "wb") as f:
        f.write(b"L4AHFLG1")
        f.write(struct.pack("<3I", T, V, N_GEN))
        f.write(struct.pack(f"<{T}i", *ids))
        f.write(logits.astype("<f4").tobytes())
        f.write(struct.pack(f"<{N_GEN}i", *gen_ids))
        f.write(struct.pack("<f", margin))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"{name}: {size} bytes, greedy {gen_ids}, min margin {margin:.4f}")


def main():
    todo = models()
    names = sys.argv[1:] or list(todo)
    for n in names:
        make(n, *todo[n])
    print("transformers", tf.__version__, "torch", torch.__version__)


if __name__ == "__main__":
    main()
