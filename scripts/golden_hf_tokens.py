#!/usr/bin/env python3
"""
golden_hf_tokens.py - reference tokenizations of the seed's real Hugging Face tokenizers, for
tests/test_tokenizer_hf.c.

Reads the tokenizer files of ../shared/data/tokenizers/ (falcon-7b, lucie-7b, lucie-7b-instruct:
tokenizer.json; mistral-7b-v0.1: the SentencePiece tokenizer.model) and writes
tests/golden/hf_tokens/<name>.txt.

References: HF `tokenizers` (Tokenizer.from_file, encode with add_special_tokens, decode with
and without skip_special_tokens) for tokenizer.json; the `sentencepiece` package for
tokenizer.model (encode with add_bos, decode); `jinja2` for Lucie's chat template, with
transformers' settings (trim_blocks, lstrip_blocks).

Texts: every valid-UTF-8 line of tests/data/tokenizer_corpus.txt and of
tests/data/hf_tokenizer_fr.txt (French: accents, decomposed accents, guillemets, apostrophes,
brackets and quotes, numbers, code, emoji, whitespace runs), then each file whole.

Run (sentencepiece and protobuf are not in the dev venv: any venv with tokenizers,
sentencepiece and jinja2 will do):
    python -m venv /tmp/v && /tmp/v/bin/pip install tokenizers sentencepiece jinja2
    /tmp/v/bin/python scripts/golden_hf_tokens.py [TOKENIZERS_DIR]

Format (one record per line):
    case HEX                the text, UTF-8 in hex
    ids N id ...            ids of encode(text) with the special tokens added (BOS for Lucie
                            and Mistral)
    dec HEX|=               decode(ids) skipping special tokens ("=": the text itself)
    decs HEX|=              decode(ids) keeping them ("=": as dec; tokenizer.json only)
    big N IDS_HASH TEXT_HASH  tests/data/fr_handbook.txt (55 KB of French) whole: the number of
                            ids, FNV-1a 64 of the ids (u32 little-endian) and of decode(ids)
    chat HEX                (lucie-7b-instruct) the chat template rendered for a fixed
                            conversation with add_generation_prompt
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def texts():
    out = []
    for rel in ("tests/data/tokenizer_corpus.txt", "tests/data/hf_tokenizer_fr.txt"):
        raw = open(os.path.join(ROOT, rel), "rb").read()
        for line in raw.split(b"\n"):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                pass  # HF works on Unicode strings: invalid UTF-8 cannot be given to it
        out.append(raw.decode("utf-8", errors="replace"))
    return out


def fnv(ids):
    """FNV-1a 64 over the ids as little-endian u32."""
    h = 0xcbf29ce484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def bytes_fnv(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def hx(s):
    return s.encode("utf-8").hex() if s else "-"


CHAT = [
    {"role": "system", "content": "Tu es un assistant qui répond en français."},
    {"role": "user", "content": "  Bonjour ! Peux-tu résumer « Les Misérables » ?  "},
    {"role": "assistant", "content": "Bien sûr : c’est l’histoire de Jean Valjean."},
    {"role": "user", "content": "Merci (vraiment) !"},
]


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "tokenizers")
    outdir = os.path.join(ROOT, "tests", "golden", "hf_tokens")
    os.makedirs(outdir, exist_ok=True)
    ts = texts()
    big = open(os.path.join(ROOT, "tests/data/fr_handbook.txt"), "rb").read().decode("utf-8")
    from tokenizers import Tokenizer
    for name in ("falcon-7b", "lucie-7b", "lucie-7b-instruct"):
        tok = Tokenizer.from_file(os.path.join(base, name, "tokenizer.json"))
        lines = ["# %s: HF tokenizers %s" % (name, __import__("tokenizers").__version__)]
        for t in ts:
            ids = tok.encode(t, add_special_tokens=True).ids
            lines.append("case " + hx(t))
            lines.append("ids %d %s" % (len(ids), " ".join(map(str, ids))))
            dec = tok.decode(ids, skip_special_tokens=True)
            decs = tok.decode(ids, skip_special_tokens=False)
            lines.append("dec " + ("=" if dec == t else hx(dec)))
            lines.append("decs " + ("=" if decs == dec else hx(decs)))
        ids = tok.encode(big, add_special_tokens=True).ids
        lines.append("big %d %s %s" % (len(ids), fnv(ids), bytes_fnv(tok.decode(ids).encode("utf-8"))))
        if name == "lucie-7b-instruct":
            import json
            import jinja2
            cfg = json.load(open(os.path.join(base, name, "tokenizer_config.json")))
            env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
            out = env.from_string(cfg["chat_template"]).render(
                messages=CHAT, add_generation_prompt=True, bos_token="<s>", eos_token="<|eot_id|>")
            lines.append("chat " + hx(out))
        open(os.path.join(outdir, name + ".txt"), "w").write("\n".join(lines) + "\n")

    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(base, "mistral-7b-v0.1", "tokenizer.model"))
    lines = ["# mistral-7b-v0.1: sentencepiece %s" % spm.__version__]
    for t in ts:
        ids = sp.encode(t, add_bos=True)
        lines.append("case " + hx(t))
        lines.append("ids %d %s" % (len(ids), " ".join(map(str, ids))))
        dec = sp.decode(ids)
        lines.append("dec " + ("=" if dec == t else hx(dec)))
    ids = sp.encode(big, add_bos=True)
    lines.append("big %d %s %s" % (len(ids), fnv(ids), bytes_fnv(sp.decode(ids).encode("utf-8"))))
    open(os.path.join(outdir, "mistral-7b-v0.1.txt"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
