#!/usr/bin/env python3
"""
make_synthetic_gguf.py - GGUF files with random weights in the exact shapes of real models, for
speed and memory measurements of sizes that no registry here ships (Llama-2-7B, the size a
CLAIRE user runs). Weights are random but well-formed: quant blocks get random quants and small
finite scales, so llama.cpp and llm4all both run them at full cost. Not for quality.

Usage (with the dev venv: numpy + gguf from PyPI):
  python scripts/make_synthetic_gguf.py --shape llama2-7b --type q4_0 -o /tmp/l2-7b-q4_0.gguf
Output is never committed.
"""
import argparse, sys
import numpy as np
import gguf

SHAPES = {
    # name: (n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, ctx, rope_base)
    "llama2-7b": (32, 4096, 11008, 32, 32, 32000, 4096, 10000.0),
    "tinyllama-1.1b": (22, 2048, 5632, 32, 4, 32000, 2048, 10000.0),
    "smollm2-135m": (30, 576, 1536, 9, 3, 49152, 8192, 100000.0),
}
QTYPES = {"q4_0": gguf.GGMLQuantizationType.Q4_0, "q8_0": gguf.GGMLQuantizationType.Q8_0,
          "q4_k": gguf.GGMLQuantizationType.Q4_K, "q6_k": gguf.GGMLQuantizationType.Q6_K,
          "f16": gguf.GGMLQuantizationType.F16}
# byte offsets of the f16 scale fields inside one block, per type
SCALE_OFFSETS = {"q4_0": [0], "q8_0": [0], "q4_k": [0, 2], "q6_k": [208]}

def random_tensor(rng, qname, rows, cols):
    """Raw bytes (rows, row_bytes) of a random well-formed tensor of `rows` rows of `cols`."""
    qt = QTYPES[qname]
    if qname == "f16":
        return (rng.standard_normal((rows, cols)) * 0.02).astype(np.float16)
    blck, tsize = gguf.GGML_QUANT_SIZES[qt]
    nb = cols // blck
    raw = rng.integers(0, 256, size=(rows, nb, tsize), dtype=np.uint8)
    scale = np.frombuffer(np.float16(0.002).tobytes(), dtype=np.uint8)
    for off in SCALE_OFFSETS[qname]:
        raw[:, :, off:off + 2] = scale
    if qname == "q4_k":  # 6-bit sub-block scales: keep them small
        raw[:, :, 4:16] &= 0x1f
    return raw.reshape(rows, nb * tsize)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=SHAPES, required=True)
    ap.add_argument("--type", choices=[k for k in QTYPES if k != "f16"], default="q4_0")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, ctx, rope = SHAPES[a.shape]
    head_dim = n_embd // n_head
    rng = np.random.default_rng(a.seed)
    w = gguf.GGUFWriter(a.output, "llama")
    w.add_name(f"synthetic {a.shape} {a.type}")
    w.add_block_count(n_layer); w.add_context_length(ctx); w.add_embedding_length(n_embd)
    w.add_feed_forward_length(n_ff); w.add_head_count(n_head); w.add_head_count_kv(n_head_kv)
    w.add_rope_dimension_count(head_dim); w.add_rope_freq_base(rope)
    w.add_layer_norm_rms_eps(1e-5); w.add_file_type(int(QTYPES[a.type]))
    # A SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens, then made-up pieces.
    toks, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    toks += [f"<0x{b:02X}>" for b in range(256)]; scores += [0.0] * 256; types += [6] * 256
    letters = "abcdefghijklmnopqrstuvwxyzéèàç"
    i = 0
    while len(toks) < n_vocab:
        s, k = "", i
        while True:
            s += letters[k % len(letters)]; k //= len(letters)
            if k == 0: break
        toks.append(("\u2581" if i % 3 == 0 else "") + s); scores.append(-float(i)); types.append(1)
        i += 1
    w.add_tokenizer_model("llama"); w.add_token_list(toks); w.add_token_scores(scores)
    w.add_token_types(types); w.add_bos_token_id(1); w.add_eos_token_id(2); w.add_unk_token_id(0)
    f32 = lambda n: np.ones(n, dtype=np.float32)
    def add(name, rows, cols, qname=a.type):
        data = random_tensor(rng, qname, rows, cols)
        if qname == "f16": w.add_tensor(name, data)
        else: w.add_tensor(name, data, raw_dtype=QTYPES[qname])   # byte shape -> element shape
    add("token_embd.weight", n_vocab, n_embd)
    for l in range(n_layer):
        p = f"blk.{l}."
        w.add_tensor(p + "attn_norm.weight", f32(n_embd))
        add(p + "attn_q.weight", n_embd, n_embd)
        add(p + "attn_k.weight", n_head_kv * head_dim, n_embd)
        add(p + "attn_v.weight", n_head_kv * head_dim, n_embd)
        add(p + "attn_output.weight", n_embd, n_embd)
        w.add_tensor(p + "ffn_norm.weight", f32(n_embd))
        add(p + "ffn_gate.weight", n_ff, n_embd)
        add(p + "ffn_up.weight", n_ff, n_embd)
        add(p + "ffn_down.weight", n_embd, n_ff)
        print(f"\rlayer {l + 1}/{n_layer}", end="", file=sys.stderr, flush=True)
    w.add_tensor("output_norm.weight", f32(n_embd))
    add("output.weight", n_vocab, n_embd, "q6_k" if a.type == "q4_k" else a.type)
    print("\nwriting", a.output, file=sys.stderr)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file()
    w.close()

if __name__ == "__main__":
    main()
