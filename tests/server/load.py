"""load.py BASE_URL N CONCURRENCY TIME_BOUND_S - a bounded load test: N requests (chat,
completion, streamed chat, json_schema), CONCURRENCY at a time; every one must get a complete,
valid answer (status 200, text, finish_reason, usage; streams end with [DONE]; JSON parses)
and the whole run must end within the time bound. Standard library only."""
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import Checks, host_port, request
import http.client

t = Checks("load")
N, CONC, BOUND = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
lock = threading.Lock()
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 99}},
          "required": ["n"]}


def one(i):
    kind = i % 4
    msgs = [{"role": "user", "content": f"Count to {i % 7 + 2}."}]
    if kind == 0:
        st, _, d = request("POST", "/v1/chat/completions", {"messages": msgs, "max_tokens": 8, "seed": i})
        r = json.loads(d)
        ok = st == 200 and isinstance(r["choices"][0]["message"]["content"], str) and \
            r["choices"][0]["finish_reason"] in ("stop", "length") and r["usage"]["completion_tokens"] <= 8
    elif kind == 1:
        st, _, d = request("POST", "/v1/completions", {"prompt": f"Number {i}:", "max_tokens": 8, "seed": i})
        r = json.loads(d)
        ok = st == 200 and r["choices"][0]["finish_reason"] in ("stop", "length")
    elif kind == 2:
        h, p = host_port()
        c = http.client.HTTPConnection(h, p, timeout=300)
        c.request("POST", "/v1/chat/completions", json.dumps(
            {"messages": msgs, "max_tokens": 8, "stream": True, "seed": i}),
            {"Content-Type": "application/json"})
        resp = c.getresponse()
        body = resp.read().decode()
        c.close()
        events = [l[6:] for l in body.split("\n") if l.startswith("data: ")]
        ok = resp.status == 200 and events and events[-1] == "[DONE]" and \
            json.loads(events[-2])["choices"][0]["finish_reason"] in ("stop", "length")
    else:
        st, _, d = request("POST", "/v1/chat/completions", {
            # whitespace gaps may take 40 bytes each (docs/json-schema.md): room for them
            "messages": msgs, "max_tokens": 200, "seed": i, "temperature": 0.5,
            "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": SCHEMA}}})
        r = json.loads(d)
        doc = json.loads(r["choices"][0]["message"]["content"])
        ok = st == 200 and isinstance(doc.get("n"), int) and 0 <= doc["n"] <= 99 and \
            r["choices"][0]["finish_reason"] == "stop"
    return ok


def safe(i):
    try:
        return one(i)
    except Exception as e:
        print(f"request {i}: {e!r}", file=sys.stderr)
        return False


t0 = time.time()
with ThreadPoolExecutor(CONC) as ex:
    results = list(ex.map(safe, range(N)))
secs = time.time() - t0
bad = [i for i, r in enumerate(results) if not r]
t.check(not bad, f"all {N} requests answered completely", f"failed: {bad[:20]}")
t.check(secs < BOUND, f"within {BOUND:.0f} s", f"took {secs:.1f} s")
print(f"load: {N} requests, {CONC} at a time, {secs:.1f} s", flush=True)
t.finish()
