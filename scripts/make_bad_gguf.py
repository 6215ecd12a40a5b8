#!/usr/bin/env python3
"""make_bad_gguf.py - write the hostile GGUF files of tests/data/bad_gguf/ and the small valid
file tests/data/tiny_valid.gguf, with the table tests/data/bad_gguf/README.md that the tests
read (file, what catches it, status, what is wrong, expected message substring).

Plain python3 + struct: the files are written byte by byte from the GGUF spec (ggml's
docs/gguf.md), not with the gguf package, so each defect is exactly the one named. Output is
deterministic: running it again rewrites the same bytes.

    python3 scripts/make_bad_gguf.py        (from the repository root)
"""
import os
import struct
import sys

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
              BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}
T_F32, T_Q4_0 = 0, 2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD_DIR = os.path.join(ROOT, "tests", "data", "bad_gguf")
VALID_PATH = os.path.join(ROOT, "tests", "data", "tiny_valid.gguf")


def gstr(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    if t == STRING:
        return gstr(v)
    if t == ARRAY:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(value(et, x) for x in items)
    return struct.pack(SCALAR_FMT[t], v)


def kv(key, t, v):
    return gstr(key) + struct.pack("<I", t) + value(t, v)


def tinfo(name, dims, ttype, offset):
    return (gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
            + struct.pack("<IQ", ttype, offset))


def f32s(vals):
    return b"".join(struct.pack("<f", x) for x in vals)


def pad(n, align):
    return (align - n % align) % align


def gguf(kvs, tensors=(), version=3, magic=b"GGUF", n_kv=None, n_tensors=None, align=32,
         raw_infos=None):
    """A whole file. kvs: encoded pairs. tensors: (name, dims, type, data bytes[, offset]);
    offsets default to packing each tensor at the next aligned position."""
    infos, data, offsets = [], b"", []
    for t in tensors:
        name, dims, ttype, blob = t[:4]
        off = t[4] if len(t) > 4 else len(data) + pad(len(data), align)
        if len(t) <= 4:
            data += b"\0" * pad(len(data), align)
            data += blob
        offsets.append(off)
        infos.append(tinfo(name, dims, ttype, off))
    if raw_infos is not None:
        infos = raw_infos
    head = magic + struct.pack("<I", version)
    head += struct.pack("<QQ", len(tensors) if n_tensors is None else n_tensors,
                        len(kvs) if n_kv is None else n_kv)
    body = head + b"".join(kvs) + b"".join(infos)
    return body + b"\0" * pad(len(body), align) + data


# A few pairs that the files below share.
ARCH = kv("general.architecture", STRING, "llama")
NAME = kv("general.name", STRING, "bad")


def two_tensors(**kw):
    """Tensors 'a' (F32 8x2, 64 bytes) and 'b' (F32 4, 16 bytes), packed."""
    return [("a", [8, 2], T_F32, f32s(range(16))), ("b", [4], T_F32, f32s([1, 2, 3, 4]))]


def explicit(data_size, *infos, kvs=(ARCH,), align=32):
    """Tensor infos given as (name, dims, type, offset) with a data section of data_size bytes."""
    raw = [tinfo(*i) for i in infos]
    head = b"GGUF" + struct.pack("<IQQ", 3, len(raw), len(kvs))
    body = head + b"".join(kvs) + b"".join(raw)
    return body + b"\0" * pad(len(body), align) + bytes(range(256)) * (data_size // 256) + \
        bytes(data_size % 256)


def big_endian():
    """A version-3 file written big-endian (the magic stays "GGUF", as the writers do)."""
    k = b"\0" * 7 + b"\x14" + b"general.architecture" + struct.pack(">I", STRING) + \
        b"\0" * 7 + b"\x05" + b"llama"
    return b"GGUF" + struct.pack(">IQQ", 3, 0, 1) + k


def truncated_in(prefix_kvs, last, cut):
    """A file whose last pair is `last`, cut `cut` bytes into that pair."""
    return gguf(prefix_kvs + [last])[:24 + sum(len(k) for k in prefix_kvs) + cut]


def tiny_llama_vocab_mismatch():
    """A complete one-layer llama (n_embd 8, 2 heads, n_ff 8, F32) whose vocabulary has 10 tokens
    but whose token_embd.weight has 12 rows: valid GGUF, caught by the model loader."""
    tokens = ["<unk>", "<s>", "</s>", "\u2581a", "\u2581b", "a", "b", "c", "\u2581", "."]
    kvs = [ARCH, kv("general.name", STRING, "vocab mismatch"),
           kv("llama.context_length", U32, 64), kv("llama.embedding_length", U32, 8),
           kv("llama.block_count", U32, 1), kv("llama.feed_forward_length", U32, 8),
           kv("llama.attention.head_count", U32, 2), kv("llama.attention.head_count_kv", U32, 2),
           kv("llama.rope.dimension_count", U32, 4),
           kv("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
           kv("tokenizer.ggml.model", STRING, "llama"),
           kv("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
           kv("tokenizer.ggml.scores", ARRAY, (F32, [-float(i) for i in range(10)])),
           kv("tokenizer.ggml.token_type", ARRAY, (I32, [2, 3, 3] + [1] * 7)),
           kv("tokenizer.ggml.bos_token_id", U32, 1), kv("tokenizer.ggml.eos_token_id", U32, 2),
           kv("tokenizer.ggml.unknown_token_id", U32, 0)]
    seed = [12345]

    def rnd(n):  # small deterministic values in [-0.5, 0.5)
        out = []
        for _ in range(n):
            seed[0] = (seed[0] * 1103515245 + 12345) % (1 << 31)
            out.append(seed[0] / float(1 << 31) - 0.5)
        return f32s(out)

    shapes = [("token_embd.weight", [8, 12]), ("output_norm.weight", [8]),
              ("blk.0.attn_norm.weight", [8]), ("blk.0.attn_q.weight", [8, 8]),
              ("blk.0.attn_k.weight", [8, 8]), ("blk.0.attn_v.weight", [8, 8]),
              ("blk.0.attn_output.weight", [8, 8]), ("blk.0.ffn_norm.weight", [8]),
              ("blk.0.ffn_gate.weight", [8, 8]), ("blk.0.ffn_up.weight", [8, 8]),
              ("blk.0.ffn_down.weight", [8, 8])]
    tensors = []
    for name, dims in shapes:
        n = 1
        for d in dims:
            n *= d
        tensors.append((name, dims, T_F32, rnd(n)))
    return gguf(kvs, tensors)


def bad_files():
    """(file name, caught by, status, what is wrong, expected substring, bytes)."""
    out = []

    def add(name, what, sub, blob, by="gguf", status="FORMAT"):
        out.append((name, by, status, what, sub, blob))

    ok2 = two_tensors()
    add("empty.gguf", "zero bytes", "file is empty", b"")
    add("bad_magic.gguf", "magic is GGUX", "not a GGUF file", gguf([ARCH], magic=b"GGUX"))
    add("version1.gguf", "version 1 (the 2023 draft with u32 counts)", "version 1 is not supported",
        gguf([ARCH], version=1))
    add("version4.gguf", "version 4 (from the future)", "version 4 is not supported",
        gguf([ARCH], version=4))
    add("big_endian.gguf", "version 3 written big-endian", "big-endian GGUF file", big_endian())
    add("trunc_header.gguf", "ends 12 bytes into the 24-byte header", "header: truncated",
        gguf([ARCH])[:12])
    kvs3 = [ARCH, NAME]
    add("trunc_in_key.gguf", "ends inside the third key's name",
        "key 2: string length 16 runs past end of file",
        truncated_in(kvs3, kv("general.basename", STRING, "bad"), 8 + 5))
    add("trunc_in_value.gguf", "ends 3 bytes into a U64 value", "key 'test.count': truncated",
        truncated_in(kvs3, kv("test.count", U64, 7), 8 + 10 + 4 + 3))
    # Cut 10 bytes into the third string; the 42 bytes left after the array's count still
    # hold 5 lengths, so the reader gets as far as that string.
    toks = kv("tokenizer.ggml.tokens", ARRAY,
              (STRING, ["<s>", "hello", "wonderful world", "xy", "z"]))
    add("trunc_in_str_array.gguf", "ends inside the third string of a string array",
        "key 'tokenizer.ggml.tokens' element 2: string length 15 runs past end of file",
        truncated_in(kvs3, toks, 8 + 21 + 4 + 12 + 11 + 13 + 8 + 10))
    full = gguf([ARCH, NAME, kv("general.basename", STRING, "bad")], ok2)
    cut = 24 + len(ARCH) + len(NAME) + len(kv("general.basename", STRING, "bad")) + \
        len(tinfo("a", [8, 2], T_F32, 0)) + 8 + 1 + 4 + 3
    add("trunc_in_tensor_info.gguf", "ends inside the second tensor info's dimensions",
        "tensor 'b': truncated", full[:cut])
    add("tensor_data_past_eof.gguf", "the last tensor's data is cut short",
        "tensor 'b' ends past end of file", gguf([ARCH], ok2)[:-5])
    add("huge_n_kv.gguf", "n_kv = 2^62", "n_kv 4611686018427387904 cannot fit",
        gguf([ARCH], n_kv=1 << 62))
    add("huge_n_tensors.gguf", "n_tensors = 2^63", "n_tensors 9223372036854775808 cannot fit",
        gguf([ARCH], ok2, n_tensors=1 << 63))
    add("huge_string_len.gguf", "a string value's length is 2^64-1",
        "key 'general.name': string length 18446744073709551615 runs past end of file",
        gguf([ARCH, gstr("general.name") + struct.pack("<IQ", STRING, (1 << 64) - 1) + b"bad"]))
    add("huge_array_len.gguf", "a U32 array claims 2^62 elements",
        "array of 4611686018427387904 U32 values runs past end of file",
        gguf([ARCH, gstr("test.arr") + struct.pack("<IIQ", ARRAY, U32, 1 << 62) + b"\1\0\0\0"]))
    add("huge_str_array_len.gguf", "a string array claims 2^61 elements",
        "array of 2305843009213693952 strings runs past end of file",
        gguf([ARCH, gstr("tokenizer.ggml.tokens") + struct.pack("<IIQ", ARRAY, STRING, 1 << 61)
              + gstr("a")]))
    add("key_len_past_eof.gguf", "the second key's length is 1000 in a small file",
        "key 1: string length 1000 runs past end of file",
        gguf([ARCH, struct.pack("<Q", 1000) + b"general.name" + struct.pack("<IB", U8, 1)]))
    add("key_too_long.gguf", "a key's length is 70000 (over the 64 KiB limit)",
        "name length 70000 is over the limit",
        gguf([ARCH, struct.pack("<Q", 70000) + b"k" * 20 + struct.pack("<IB", U8, 1)]))
    add("empty_key.gguf", "a key of length 0", "key 1: empty name",
        gguf([ARCH, kv("", U8, 1)]))
    add("unknown_value_type.gguf", "a value type of 13", "key 'test.x' has unknown value type 13",
        gguf([ARCH, gstr("test.x") + struct.pack("<IQ", 13, 0)]))
    add("unknown_array_type.gguf", "an array element type of 42",
        "array has unknown element type 42",
        gguf([ARCH, gstr("test.x") + struct.pack("<IIQ", ARRAY, 42, 1) + b"\0" * 8]))
    add("nested_array.gguf", "an array of arrays (valid in the spec, not supported)",
        "arrays of arrays are not supported",
        gguf([ARCH, gstr("test.x") + struct.pack("<IIQ", ARRAY, ARRAY, 1)
              + struct.pack("<IQ", U8, 1) + b"\1"]), status="UNSUPPORTED")
    add("bool_value.gguf", "a bool stored as 2", "bool value 2 is not 0 or 1",
        gguf([ARCH, gstr("test.flag") + struct.pack("<IB", BOOL, 2)]))
    add("dup_key.gguf", "general.name appears twice", "duplicate key 'general.name'",
        gguf([ARCH, NAME, kv("general.name", STRING, "again")]))
    add("alignment_0.gguf", "general.alignment = 0", "general.alignment 0 is not a power of two",
        gguf([ARCH, kv("general.alignment", U32, 0)], ok2))
    add("alignment_3.gguf", "general.alignment = 3", "general.alignment 3 is not a power of two",
        gguf([ARCH, kv("general.alignment", U32, 3)], ok2))
    add("alignment_type.gguf", "general.alignment is a string",
        "general.alignment has type STRING, expected U32",
        gguf([ARCH, kv("general.alignment", STRING, "32")], ok2))
    add("unknown_tensor_type.gguf", "tensor 'b' has type id 99",
        "tensor 'b' has unknown type id 99",
        explicit(96, ("a", [8, 2], T_F32, 0), ("b", [4], 99, 64)))
    add("n_dims_0.gguf", "tensor 'a' has n_dims 0", "tensor 'a': n_dims 0 is not in 1..4",
        explicit(64, ("a", [], T_F32, 0)))
    add("n_dims_5.gguf", "tensor 'a' has n_dims 5", "tensor 'a': n_dims 5 is not in 1..4",
        explicit(64, ("a", [2, 2, 2, 1, 1], T_F32, 0)))
    add("ne_zero.gguf", "tensor 'a' has ne[1] = 0 (llama.cpp accepts it; llm4all does not)",
        "tensor 'a': ne[1] = 0 is out of range", explicit(64, ("a", [8, 0], T_F32, 0)))
    add("ne_negative.gguf", "tensor 'a' has ne[0] = 2^64-1 (-1 as int64)",
        "tensor 'a': ne[0] = 18446744073709551615 is out of range",
        explicit(64, ("a", [(1 << 64) - 1], T_F32, 0)))
    add("dim_overflow.gguf", "tensor 'a' is 2^32 x 2^32 x 4 elements",
        "tensor 'a': element count overflows",
        explicit(64, ("a", [1 << 32, 1 << 32, 4], T_F32, 0)))
    add("q4_0_not_multiple.gguf", "Q4_0 tensor with ne[0] = 33",
        "tensor 'a': ne[0] = 33 is not a multiple of the block size 32",
        explicit(64, ("a", [33, 1], T_Q4_0, 0)))
    add("misaligned_offset.gguf", "tensor 'b' at data offset 36 (alignment 32)",
        "tensor 'b': data offset 36 is not a multiple of the alignment 32",
        explicit(128, ("a", [8], T_F32, 0), ("b", [4], T_F32, 36)))
    add("offset_overflow.gguf", "tensor 'b' at data offset 2^64-32 (wraps around)",
        "tensor 'b' ends past end of file",
        explicit(64, ("a", [8], T_F32, 0), ("b", [4], T_F32, (1 << 64) - 32)))
    add("overlap.gguf", "tensor 'b' starts inside tensor 'a'", "tensors 'a' and 'b' overlap",
        explicit(128, ("a", [16], T_F32, 0), ("b", [8], T_F32, 32)))
    add("dup_tensor.gguf", "two tensors named 'a'", "duplicate tensor name 'a'",
        explicit(128, ("a", [8], T_F32, 0), ("a", [8], T_F32, 64)))
    add("tensor_name_nul.gguf", "a tensor name with a NUL byte inside",
        "tensor 1: name contains a NUL byte",
        explicit(128, ("a", [8], T_F32, 0), (b"b\0c", [8], T_F32, 64)))
    add("tensor_name_utf8.gguf", "a tensor name that is not UTF-8 (byte 0xff)",
        "tensor 0: name is not valid UTF-8", explicit(64, (b"a\xffb", [8], T_F32, 0)))
    add("vocab_mismatch.gguf", "llama file: 10 tokens in tokenizer.ggml.tokens, 12 rows in "
        "token_embd.weight (valid GGUF)", "token_embd.weight", tiny_llama_vocab_mismatch(),
        by="model loader", status="-")
    return out


def tiny_valid():
    """Every value type, a string array, custom alignment 64, two small F32 tensors. The
    values are asserted exactly in tests/test_gguf.c."""
    kvs = [kv("general.architecture", STRING, "tiny"),
           kv("general.name", STRING, "tiny valid"),
           kv("general.alignment", U32, 64),
           kv("test.u8", U8, 200), kv("test.i8", I8, -100),
           kv("test.u16", U16, 60000), kv("test.i16", I16, -30000),
           kv("test.u32", U32, 4000000000), kv("test.i32", I32, -2000000000),
           kv("test.f32", F32, 0.5), kv("test.bool", BOOL, 1),
           kv("test.u64", U64, (1 << 40) + 3), kv("test.i64", I64, -(1 << 40)),
           kv("test.f64", F64, 0.25),
           kv("test.str_arr", ARRAY, (STRING, ["a", "bc", "", "d\u00e9j\u00e0"])),
           kv("test.i32_arr", ARRAY, (I32, [1, -2, 3])),
           kv("test.f32_arr", ARRAY, (F32, [0.5, -1.25])),
           kv("test.long_arr", ARRAY, (U8, list(range(20)))),
           kv("test.multiline", STRING, "line1\nline2\ttab"),
           kv("test.long_str", STRING, "x" * 300)]
    tensors = [("a", [4, 2], T_F32, f32s(range(8))), ("b", [3], T_F32, f32s([-1, 0.5, 2]))]
    return gguf(kvs, tensors, align=64)


def main():
    os.makedirs(BAD_DIR, exist_ok=True)
    for f in os.listdir(BAD_DIR):
        if f.endswith(".gguf"):
            os.remove(os.path.join(BAD_DIR, f))
    rows = bad_files()
    for name, by, status, what, sub, blob in rows:
        assert len(blob) < 4096, name
        assert "|" not in what + sub and "`" not in what + sub, name
        with open(os.path.join(BAD_DIR, name), "wb") as f:
            f.write(blob)
    with open(VALID_PATH, "wb") as f:
        f.write(tiny_valid())
    with open(os.path.join(BAD_DIR, "README.md"), "w") as f:
        f.write("# Hostile GGUF files\n\n"
                "Written by `scripts/make_bad_gguf.py` (edit the script, not the files). One row\n"
                "per file: what catches it (the GGUF reader, or the model loader for a file that is\n"
                "valid GGUF), the status it returns, what is wrong, and a substring that the error\n"
                "message must contain. `tests/test_gguf.c` and `tests/cli/bad_gguf.sh` read this\n"
                "table, so every file here must have a row.\n\n"
                "| file | caught by | status | what is wrong | expected message substring |\n"
                "|---|---|---|---|---|\n")
        for name, by, status, what, sub, blob in rows:
            f.write("| %s | %s | %s | %s | `%s` |\n" % (name, by, status, what, sub))
    print("wrote %d hostile files to %s and %s" % (len(rows), BAD_DIR, VALID_PATH))


if __name__ == "__main__":
    sys.exit(main())
