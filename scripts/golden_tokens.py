#!/usr/bin/env python3
"""
golden_tokens.py - reference tokenizations and chat prompts for tests/test_tokenizer.c and
tests/test_chat.c.

Writes:
  tests/data/tokenizer_corpus.txt     the test corpus (lines below; some with invalid UTF-8)
  tests/golden/tokens/<model>.txt     llama.cpp's token ids, detokenizations and vocabulary facts
                                      for smollm2-135m, gemma3-270m, qwen2.5-1.5b-instruct
  tests/golden/tokens/pretok.txt      HF tokenizers' pre-tokenizer splits (gpt2, llama3, default)
  tests/golden/chat/<template>.txt    prompts rendered with Jinja2 from the real chat templates

References: llama.cpp through llama-cpp-python (llama_tokenize / llama_detokenize /
llama_token_to_piece on a vocab_only model), HF `tokenizers` pre-tokenizers, `jinja2` with the
settings of transformers' apply_chat_template (trim_blocks, lstrip_blocks).

Run with the dev venv:
    /root/.cache/llm4all/venv/bin/python scripts/golden_tokens.py

Token golden format (one record per line, '#' comments):
    model NAME
    n_vocab N / bos ID / eos ID / eot ID / add_bos 0|1      (-1: none)
    eog ID ...                      every id llama_vocab_is_eog accepts
    control A-B ...                 ranges of ids llama_vocab_is_control accepts
    pieces HASH1 HASH0              FNV-1a 64 over (u32 length LE, bytes) of token_to_piece of
                                    every id, special = true / false, in hex
    case LABEL ADD_SPECIAL PARSE_SPECIAL N id ... | same
                                    tokens of the case's text; "same" = as the previous case
                                    of the same label (the one with PARSE_SPECIAL 0)
    detok LABEL PARSE_SPECIAL same|HEX
                                    llama_detokenize(ids, remove_special = false,
                                    unparse_special = PARSE_SPECIAL): "same" when it equals the
                                    case's text, else the bytes in hex
  Labels: L<i> = line i of the corpus (0-based, split on '\\n', newline excluded), FILE = the
  whole corpus, FR4K = the first 4 KB of tests/data/fr_handbook.txt (cut at a character
  boundary), EMPTY = "".

Pre-tokenizer golden: "pre NAME" then "line I LEN LEN ..." (piece lengths in bytes) for every
valid-UTF-8 corpus line without U+0085 (HF's regex engine does not count U+0085 as \\s, llama.cpp
does: we follow llama.cpp, checked by the model goldens).

Chat golden format: "template NAME", then per case: "case NAME GEN", "msg ROLE HEX" lines,
then "expect HEX" or "expect error" (the template raised). HEX is "-" for empty text.
The templates' leading {{ bos_token }} is stripped from the expectation (llm4all leaves the
first BOS to the tokenizer: see l4a_vocab_chat_apply).
"""
import ctypes
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.expanduser("~/.cache/llm4all/models")
MODEL_NAMES = ["smollm2-135m", "gemma3-270m", "qwen2.5-1.5b-instruct"]

# ------------------------------------------------------------------ the corpus

CORPUS_LINES = [
    "Le cahier de l'administrateur Debian, écrit par Raphaël Hertzog et Roland Mas.",
    "L’été dernier, j’ai lu « Les Misérables » : c’était long… mais très beau !",
    "« Où est-il ? » demanda-t-elle. — « Là-bas, près de l'église. »",
    "Ça coûte 1 234,56 € (TVA à 20 %), soit 1234.56 EUR ; payé le 14/10/2004.",
    "Œuvres complètes, cœur, sœur, nœud ; æther, Æsop ; ﬁnance, ﬂeur, ﬀ, ﬃ.",
    "Les élèves EXPLIQUENT : « L'ÉTÉ À PARIS » — ÇA VA ? Oui ! Non…",
    "Nombres : 0 7 42 100 2048 65536 3141592653589793238462643383279 1e-10 0x1F -3.5",
    "Long number: 123456789012345678901234567890 and 1,000,000,000.",
    "Unicode digits: ² ³ ½ ¾ Ⅻ ٣٤٥ १२३ ０１２",
    "Emoji: 😀 😂 👍🏽 ❤️ 🇫🇷 🇨🇦 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏿‍🚀",
    "Smileys collés:😀😀😀 et texte😀texte.",
    "English: don't, I'm, you're, we've, it'll, she'd, DON'T, I'M, They'RE, o'clock, rock'n'roll.",
    "Apostrophes typographiques : aujourd’hui, l’œil, qu’il, s’il vous plaît.",
    "def f(x):\n",
    "    return {'a': [1, 2, 3], \"b\": x ** 2}  # commentaire",
    "\tif (x != NULL && y->z[3] >= 0) { printf(\"%d\\n\", x); }",
    "for (int i = 0; i < n; ++i) sum += a[i] * b[i];",
    "<html><body class=\"main\">Texte &amp; &lt;balises&gt;</body></html>",
    "SELECT * FROM users WHERE name = 'O''Brien' AND id <> 3;",
    "   trois espaces devant, et deux derrière  ",
    "tabs\t\tand\tmixed \t spaces\t",
    "mots    séparés     par      beaucoup       d'espaces",
    "                                ",
    "a\u00a0b\u202fc\u3000d\u2003e",
    "Ponctuation fine : « bonjour » ; vraiment ? oui !",
    "Ελληνικά: Καλημέρα κόσμε. Русский: Привет, мир! Українська: Ґанок.",
    "العربية: مرحبا بالعالم. עברית: שלום עולם.",
    "中文：你好，世界。日本語：こんにちは世界。한국어: 안녕하세요 세계.",
    "हिन्दी: नमस्ते दुनिया। ไทย: สวัสดีชาวโลก",
    "Combining: e\u0301te\u0301, n\u0303, a\u0308, Z\u0335\u0321a\u0336lgo",
    "Zero width: a\u200bb\u200cc\u200dd\ufeffe, soft\u00adhyphen",
    "Mixed: Paris2024, COVID-19, x86_64, UTF-8, naïve café, résumé.",
    "Math: ∀x∈ℝ, x²≥0; ∑ᵢ aᵢ = π ≈ 3.14159; α+β=γ; 5 km² → 10 m/s².",
    "Quotes: \"double\" 'single' `backtick` “curly” ‘single curly’ „low“ ‹angle›",
    "Dashes: - – — ‐ ‒ ―; ellipsis … ; bullets • ‣ ◦",
    "Special ChatML: <|im_start|>user\nBonjour<|im_end|>\n<|im_start|>assistant\n",
    "Special texts: <|endoftext|> <|eot_id|> <start_of_turn>model <end_of_turn> <bos> <eos>",
    "Near specials: <|im_start <im_start|> <|im_start|><|im_start|> <|im_end|>x",
    "Qwen extras: <tool_call>{\"name\": \"f\"}</tool_call> <|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
    "Gemma extras: <unused12> [multimodal] <start_of_image> <mask> <pad>",
    "SmolLM extras: <repo_name> <file_sep> <jupyter_code> <|endoftext|>",
    "Line with CRLF end\r",
    "Vertical\x0btab and form\x0cfeed and \x1cseparator",
    "Next line\u0085char and line\u2028separator",
    "x",
    " ",
    "",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!!!!??????......,,,,,;;;;;::::::------______======",
    "URL: https://www.debian.org/doc/manuals/debian-handbook/index.fr.html?x=1&y=2#top",
    "Email: raphael@hertzog.org, chemin C:\\Users\\Léa\\Documents\\fichier.txt",
    "Dates 2024-03-14T15:09:26Z, heures 12h30, 08:45:00.",
    "Française de 1789 : « Les hommes naissent et demeurent libres et égaux en droits. »",
]

# Lines with invalid UTF-8 (bytes), appended after the text lines.
CORPUS_BAD = [
    b"latin-1: caf\xe9 cr\xe8me br\xfbl\xe9e",
    b"bad bytes \xff\xfe here",
    b"truncated at end \xc3",
    b"truncated inside \xe2\x82 euro",
    b"overlong \xc0\x80 and \xe0\x80\xaf",
    b"surrogate \xed\xa0\x80 half",
    b"lone continuation \x80\xbf bytes",
    b"cut emoji \xf0\x9f\x98 then text",
    b"\xf8\x88\x80\x80\x80 five-byte form",
]


def write_corpus():
    data = b"\n".join([s.encode("utf-8") for s in CORPUS_LINES] + CORPUS_BAD) + b"\n"
    with open(os.path.join(ROOT, "tests/data/tokenizer_corpus.txt"), "wb") as f:
        f.write(data)
    return data


def corpus_lines(data):
    lines = data.split(b"\n")
    return lines[:-1] if lines and lines[-1] == b"" else lines


def fr4k():
    with open(os.path.join(ROOT, "tests/data/fr_handbook.txt"), "rb") as f:
        data = f.read(4096)
    while data and (data[-1] & 0xC0) == 0x80:  # back to the start of a character...
        data = data[:-1]
    if data and data[-1] >= 0xC0:              # ...and drop that incomplete lead byte
        data = data[:-1]
    return data


# ------------------------------------------------------------------ llama.cpp

def fnv64(chunks):
    h = 0xcbf29ce484222325
    for c in chunks:
        for b in c:
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


class Vocab:
    def __init__(self, path):
        import llama_cpp
        self.lc = llama_cpp
        llama_cpp.llama_backend_init()
        p = llama_cpp.llama_model_default_params()
        p.vocab_only = True
        self.model = llama_cpp.llama_model_load_from_file(path.encode(), p)
        if not self.model:
            raise RuntimeError(f"cannot load {path}")
        self.v = llama_cpp.llama_model_get_vocab(self.model)
        self.n = llama_cpp.llama_vocab_n_tokens(self.v)

    def tokenize(self, data, add_special, parse_special):
        n_max = len(data) + 16
        buf = (self.lc.llama_token * n_max)()
        n = self.lc.llama_tokenize(self.v, data, len(data), buf, n_max, add_special, parse_special)
        assert n >= 0, n
        return list(buf[:n])

    def detokenize(self, ids, special):
        arr = (self.lc.llama_token * max(1, len(ids)))(*ids)
        size = 16 * len(ids) + 64
        out = ctypes.create_string_buffer(size)
        n = self.lc.llama_detokenize(self.v, arr, len(ids), out, size, False, special)
        assert n >= 0, n
        return out.raw[:n]

    def piece(self, t, special):
        out = ctypes.create_string_buffer(512)
        n = self.lc.llama_token_to_piece(self.v, t, out, 512, 0, special)
        assert 0 <= n <= 512, n
        return out.raw[:n]


def ranges(ids):
    out, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(f"{ids[i]}-{ids[j]}" if j > i else f"{ids[i]}")
        i = j + 1
    return out


def write_token_golden(name, cases):
    import llama_cpp
    voc = Vocab(os.path.join(MODELS, name + ".gguf"))
    lc, v = voc.lc, voc.v
    lines = [f"# generated by scripts/golden_tokens.py: llama.cpp via llama-cpp-python {llama_cpp.__version__}",
             f"model {name}", f"n_vocab {voc.n}",
             f"bos {lc.llama_vocab_bos(v)}", f"eos {lc.llama_vocab_eos(v)}", f"eot {lc.llama_vocab_eot(v)}",
             f"add_bos {int(lc.llama_vocab_get_add_bos(v))}"]
    lines.append("eog " + " ".join(str(t) for t in range(voc.n) if lc.llama_vocab_is_eog(v, t)))
    lines.append("control " + " ".join(ranges([t for t in range(voc.n) if lc.llama_vocab_is_control(v, t)])))
    h1 = fnv64(len(p).to_bytes(4, "little") + p for p in (voc.piece(t, True) for t in range(voc.n)))
    h0 = fnv64(len(p).to_bytes(4, "little") + p for p in (voc.piece(t, False) for t in range(voc.n)))
    lines.append(f"pieces {h1:016x} {h0:016x}")
    for label, data, add_special in cases:
        prev = None
        for ps in (False, True):
            ids = voc.tokenize(data, add_special, ps)
            if ps and ids == prev:
                lines.append(f"case {label} {int(add_special)} 1 same")
            else:
                lines.append(f"case {label} {int(add_special)} {int(ps)} {len(ids)} " + " ".join(map(str, ids)))
            prev = ids
            d = voc.detokenize(ids, ps)
            lines.append(f"detok {label} {int(ps)} " + ("same" if d == data else (d.hex() or "-")))
    path = os.path.join(ROOT, "tests/golden/tokens", name + ".txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {len(lines)} lines, {os.path.getsize(path)} bytes")


# ------------------------------------------------------------------ HF pre-tokenizers

GPT2_RE = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
             r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
DEFAULT_RES = [r"[\p{P}\$\+<=>\^~\|]+", r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)",
               r"\p{N}+", r"[0-9][0-9][0-9]"]


def write_pretok_golden(lines):
    from tokenizers import Regex, pre_tokenizers as pt

    def split(res):
        return pt.Sequence([pt.Split(Regex(r), behavior="isolated") for r in res])

    pres = {"gpt2": split([GPT2_RE]), "llama3": split([LLAMA3_RE]), "default": split(DEFAULT_RES)}
    out = ["# generated by scripts/golden_tokens.py: HF tokenizers pre-tokenizers (Split, isolated)"]
    for name, p in pres.items():
        out.append(f"pre {name}")
        for i, raw in enumerate(lines):
            try:
                s = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if "\u0085" in s or not s:
                continue
            pieces = p.pre_tokenize_str(s)
            lens, at = [], 0
            for _, (a, b) in pieces:
                assert a == at, (name, i, a, at)
                lens.append(len(s[a:b].encode("utf-8")))
                at = b
            assert at == len(s)
            out.append(f"line {i} " + " ".join(map(str, lens)))
    path = os.path.join(ROOT, "tests/golden/tokens/pretok.txt")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


# ------------------------------------------------------------------ chat templates

# Gemma 3's template (google/gemma-3-*-it tokenizer_config.json); the gemma3-270m GGUF has none.
GEMMA3_TEMPLATE = (
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    "        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n"
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\\n'}}\n"
    "{%- endif -%}\n")

# Meta-Llama-3-8B-Instruct tokenizer_config.json.
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")

# meta-llama/Llama-2-7b-chat-hf tokenizer_config.json.
LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}")

# mistralai/Mistral-7B-Instruct-v0.1 (and Mixtral-8x7B-Instruct-v0.1) tokenizer_config.json.
MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}")

CONVERSATIONS = {
    "user": [("user", "Bonjour, qui es-tu ?")],
    "system_user": [("system", "Tu es un assistant concis."), ("user", "Quelle est la capitale de la France ?")],
    "multi_turn": [("system", "Tu es un assistant concis."), ("user", "Capitale de la France ?"),
                   ("assistant", "Paris."), ("user", "Et de l’Italie ?")],
    "no_system_multi": [("user", "  Salut  \n"), ("assistant", " Salut ! Ça va ?\n\n"),
                        ("user", "\tÉcris un haïku sur l’œuf 🥚.  ")],
    "empty_content": [("user", "")],
    "system_only": [("system", "Réponds en français.")],
    "tool": [("user", "Quelle heure est-il ?"), ("assistant", "Je regarde."), ("tool", "12:30"),
             ("tool", "Europe/Paris"), ("user", "Merci")],
    "two_users": [("user", "un"), ("user", "deux")],
    "system_spaces": [("system", "  Système avec espaces  "), ("user", "  question  ")],
}


def render(template, msgs, gen, bos, eos):
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(msg):
        raise jinja2.exceptions.TemplateError(msg)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols"])
    env.globals["raise_exception"] = raise_exception
    try:
        out = env.from_string(template).render(messages=[{"role": r, "content": c} for r, c in msgs],
                                               add_generation_prompt=gen, bos_token=bos, eos_token=eos,
                                               tools=None)
    except jinja2.exceptions.TemplateError:
        return None
    if "bos_token" in template and bos and out.startswith(bos):
        out = out[len(bos):]
    return out


def hexs(s):
    return s.encode("utf-8").hex() or "-"


def write_chat_golden(name, template, bos, eos, source):
    lines = [f"# generated by scripts/golden_tokens.py with jinja2 from {source}", f"template {name}"]
    for case, msgs in CONVERSATIONS.items():
        for gen in (False, True):
            lines.append(f"case {case} {int(gen)}")
            for r, c in msgs:
                lines.append(f"msg {r} {hexs(c)}")
            out = render(template, msgs, gen, bos, eos)
            lines.append("expect error" if out is None else f"expect {hexs(out)}")
    path = os.path.join(ROOT, "tests/golden/chat", name + ".txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def gguf_template(name):
    import gguf
    r = gguf.GGUFReader(os.path.join(MODELS, name + ".gguf"))
    f = r.fields.get("tokenizer.chat_template")
    return bytes(f.parts[-1]).decode("utf-8") if f else None


# ------------------------------------------------------------------ main

def main():
    data = write_corpus()
    lines = corpus_lines(data)
    cases = [(f"L{i}", s, False) for i, s in enumerate(lines)]
    cases += [("FILE", data, True), ("FR4K", fr4k(), True), ("EMPTY", b"", True)]
    names = sys.argv[1:] or MODEL_NAMES
    for name in names:
        write_token_golden(name, cases)
    write_pretok_golden(lines)
    write_chat_golden("smollm2-135m", gguf_template("smollm2-135m"), "<|im_start|>", "<|im_end|>",
                      "the smollm2-135m GGUF's tokenizer.chat_template")
    write_chat_golden("qwen2.5-1.5b-instruct", gguf_template("qwen2.5-1.5b-instruct"), "<|endoftext|>",
                      "<|im_end|>", "the qwen2.5-1.5b-instruct GGUF's tokenizer.chat_template")
    assert gguf_template("gemma3-270m") is None
    write_chat_golden("gemma3-270m", GEMMA3_TEMPLATE, "<bos>", "<eos>",
                      "Gemma 3's template (google/gemma-3 tokenizer_config.json; the GGUF has none)")
    write_chat_golden("llama3", LLAMA3_TEMPLATE, "<|begin_of_text|>", "<|end_of_text|>",
                      "Meta-Llama-3-8B-Instruct's template")
    write_chat_golden("llama2", LLAMA2_TEMPLATE, "<s>", "</s>", "Llama-2-7b-chat-hf's template")
    write_chat_golden("mistral", MISTRAL_TEMPLATE, "<s>", "</s>", "Mistral-7B-Instruct-v0.1's template")


if __name__ == "__main__":
    main()
