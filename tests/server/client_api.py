"""client_api.py BASE_URL MODEL_ID SCHEMA_DIR - the server through the real OpenAI Python
client (PyPI openai): chat, completion, streaming (text equal to the whole answer), stop
strings, max_tokens and finish_reason, usage counts, same seed -> same text, unknown fields
ignored, json_object and json_schema output that parses and validates (PyPI jsonschema)
for every schema in SCHEMA_DIR, embeddings, /v1/models, /tokenize and /detokenize."""
import glob
import json
import math
import os
import sys

import jsonschema
import openai

from common import Checks, base_url, request

t = Checks("client_api")
MODEL = sys.argv[2]
SCHEMAS = sys.argv[3]
cl = openai.OpenAI(base_url=base_url() + "/v1", api_key="none", max_retries=0, timeout=300)
USER = [{"role": "user", "content": "Write one sentence about the sea."}]

# /v1/models lists the model
ids = [m.id for m in cl.models.list().data]
t.check(ids == [MODEL], "models list", str(ids))

# chat: an answer, usage counts that add up, finish_reason
r = cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=24, temperature=0)
c = r.choices[0]
t.check(r.object == "chat.completion" and c.message.role == "assistant", "chat object")
t.check(isinstance(c.message.content, str) and c.message.content.strip() != "", "chat text")
t.check(c.finish_reason in ("stop", "length"), "chat finish_reason", c.finish_reason)
u = r.usage
t.check(u.prompt_tokens > 5 and 0 < u.completion_tokens <= 24 and
        u.total_tokens == u.prompt_tokens + u.completion_tokens, "chat usage", str(u))

# max_tokens reached: finish_reason length, exactly that many tokens
r = cl.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=7, temperature=0)
t.check(r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 7,
        "max_tokens 7 -> length", f"{r.choices[0].finish_reason} {r.usage}")
greedy = r.choices[0].text

# streaming gives the same text as the whole answer (greedy), ends with a finish_reason
parts, finish = [], None
for ch in cl.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=7,
                                temperature=0, stream=True):
    parts.append(ch.choices[0].text)
    finish = ch.choices[0].finish_reason or finish
t.check("".join(parts) == greedy and finish == "length", "completion stream = whole",
        repr(("".join(parts), greedy, finish)))

whole = cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=20, temperature=0)
parts, finish, usage = [], None, None
for ch in cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=20, temperature=0,
                                     stream=True, stream_options={"include_usage": True}):
    if ch.usage: usage = ch.usage
    if ch.choices:
        parts.append(ch.choices[0].delta.content or "")
        finish = ch.choices[0].finish_reason or finish
t.check("".join(parts) == whole.choices[0].message.content, "chat stream = whole",
        repr(("".join(parts), whole.choices[0].message.content)))
t.check(finish == whole.choices[0].finish_reason, "chat stream finish_reason")
t.check(usage is not None and usage.completion_tokens == whole.usage.completion_tokens,
        "stream include_usage", str(usage))

# stop strings: the text ends right before the first stop string, finish_reason stop
long = cl.completions.create(model=MODEL, prompt="The history of Paris", max_tokens=40,
                             temperature=0).choices[0].text
words = long.split()
if t.check(len(words) > 6, "long enough greedy text", repr(long)):
    stop = " " + words[4]
    r = cl.completions.create(model=MODEL, prompt="The history of Paris", max_tokens=40,
                              temperature=0, stop=[stop, "zzqqxx"])
    t.check(r.choices[0].text == long[:long.index(stop)] and r.choices[0].finish_reason == "stop",
            "stop string", repr((r.choices[0].text, long[:long.index(stop)])))
    # a stop string that spans tokens (two words), streamed
    stop2 = " " + words[2] + " " + words[3]
    got = "".join(ch.choices[0].text for ch in cl.completions.create(
        model=MODEL, prompt="The history of Paris", max_tokens=40, temperature=0, stop=stop2,
        stream=True))
    t.check(got == long[:long.index(stop2)], "stop string across tokens, streamed",
            repr((got, long[:long.index(stop2)])))

# same seed, same text (sampling at temperature 0.9); other seeds give other texts
def seeded(seed):
    return cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=24, temperature=0.9,
                                      top_p=0.95, seed=seed).choices[0].message.content
a, b = seeded(42), seeded(42)
t.check(a == b and a, "same seed same text", repr((a, b)))
t.check(len({seeded(s) for s in (1, 2, 3)} | {a}) > 1, "different seeds differ")

# prefix reuse: the same conversation again reads only what its slot does not hold
r1 = cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=3, temperature=0)
r2 = cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=3, temperature=0)
cached = (r2.usage.prompt_tokens_details.cached_tokens or 0) if r2.usage.prompt_tokens_details else 0
t.check(cached >= r2.usage.prompt_tokens - 1 and r1.choices[0].message.content ==
        r2.choices[0].message.content, "prefix reuse", f"cached {cached} of {r2.usage.prompt_tokens}")

# unknown fields are ignored, as OpenAI does
r = cl.chat.completions.create(model=MODEL, messages=USER, max_tokens=4,
                               extra_body={"no_such_field": {"x": [1, 2]}, "logit_bias": {}})
t.check(r.choices[0].message.content is not None, "unknown fields ignored")

# content parts
r = cl.chat.completions.create(model=MODEL, max_tokens=4, temperature=0, messages=[
    {"role": "system", "content": "You are brief."},
    {"role": "user", "content": [{"type": "text", "text": "Say "}, {"type": "text", "text": "hi."}]}])
t.check(r.choices[0].message.content is not None, "content parts")

# wrong types are 400 through the client too
try:
    cl.chat.completions.create(model=MODEL, messages=USER, max_tokens="ten")
    t.check(False, "max_tokens as a string accepted")
except openai.BadRequestError as e:
    t.check(e.status_code == 400, "wrong type 400")

# json_object: any object
# (any object may go on forever: a prompt that asks for two keys, and enough tokens)
r = cl.chat.completions.create(model=MODEL, max_tokens=300, temperature=0.7, seed=3,
                               response_format={"type": "json_object"}, messages=[
                                   {"role": "user", "content": 'Return a JSON object with the '
                                    'keys "name" and "age" of a cat.'}])
t.check(r.choices[0].finish_reason == "stop", "json_object complete")
try:
    obj = json.loads(r.choices[0].message.content)
    t.check(isinstance(obj, dict), "json_object is an object")
except ValueError:
    t.check(False, "json_object parses", repr(r.choices[0].message.content))

# json_schema: every schema, output parses and validates
files = sorted(glob.glob(os.path.join(SCHEMAS, "*.json")))
t.check(len(files) >= 20, "at least 20 schemas", str(len(files)))
for i, f in enumerate(files):
    schema = json.load(open(f, encoding="utf-8"))
    name = os.path.basename(f)[:-5]
    r = cl.chat.completions.create(
        model=MODEL, max_tokens=400, temperature=0.8, seed=100 + i,
        messages=[{"role": "system", "content": "Tu réponds en JSON, en français."},
                  {"role": "user", "content": f"Donne un exemple de « {name} »."}],
        response_format={"type": "json_schema",
                         "json_schema": {"name": name.replace("-", "_"), "schema": schema}})
    text = r.choices[0].message.content
    try:
        doc = json.loads(text)
        jsonschema.validate(doc, schema)
        t.check(r.choices[0].finish_reason == "stop", f"schema {name}: finish_reason stop")
    except (ValueError, jsonschema.ValidationError) as e:
        t.check(False, f"schema {name}: output does not validate", f"{e!s:.200} {text!r:.300}")

# a schema outside the supported subset: 400 naming the keyword
st, _, body = request("POST", "/v1/chat/completions", {
    "messages": USER, "response_format": {"type": "json_schema", "json_schema": {
        "name": "x", "schema": {"type": "string", "pattern": "^a+$"}}}})
t.check(st == 400 and b"pattern" in body, "unsupported schema keyword 400", f"{st} {body[:200]}")

# embeddings: one vector per input, the model's width, deterministic, finite
e = cl.embeddings.create(model=MODEL, input=["Le chat dort.", "The cat sleeps."])
v0, v1 = e.data[0].embedding, e.data[1].embedding
t.check(len(e.data) == 2 and len(v0) == len(v1) and len(v0) >= 64, "embeddings shape")
t.check(all(math.isfinite(x) for x in v0) and any(x != 0 for x in v0), "embedding finite")
e2 = cl.embeddings.create(model=MODEL, input="Le chat dort.")
t.check(e2.data[0].embedding == v0, "embedding deterministic")

# tokenize / detokenize round trip with French text
text = "Les élèves ont étudié à l'école."
st, _, body = request("POST", "/tokenize", {"content": text})
toks = json.loads(body).get("tokens", []) if st == 200 else []
t.check(st == 200 and len(toks) > 3, "tokenize", f"{st} {body[:100]}")
st, _, body = request("POST", "/detokenize", {"tokens": toks})
t.check(st == 200 and json.loads(body).get("content") == text, "detokenize round trip", body[:100])
st, _, body = request("POST", "/detokenize", {"tokens": [10 ** 9]})
t.check(st == 400, "detokenize bad id 400", str(st))
t.finish()
