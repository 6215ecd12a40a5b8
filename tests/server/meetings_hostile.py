"""meetings_hostile.py BASE_URL SEED N - hostile bodies for POST /v1/meetings/summarize: every
field with wrong types, out-of-range and fractional numbers, invalid UTF-8, deep nesting,
texts that are not transcripts, a body over --max-body; then N random mutations of a valid
body (seeded: byte flips, cuts, duplications, type swaps). Each must get 400/413 with an
OpenAI-style error object, or 202 for a mutation that is still valid (that job is deleted at
once, so no model time is spent); the job routes answer 404 for unknown or malformed ids and
405 for other methods; the server keeps serving. Python standard library only."""
import json
import random
import socket
import sys

from common import Checks, error_json, host_port, request

t = Checks("meetings_hostile")
SEED, N = int(sys.argv[2]), int(sys.argv[3])
API = "/v1/meetings/summarize"
VALID = {"transcript": "Claire : Bonjour à tous.\nJulien : On décide de sortir le 14 mars.\n",
         "language": "fr", "max_output_tokens": 128}


def post(body, desc, want=(400,)):
    st, hdr, data = request("POST", API, body)
    ok = t.check(st in want, desc, f"status {st}, want {want}: {data[:200]!r}")
    if ok and st >= 400:
        t.check(error_json(data) is not None, desc + ": error object", repr(data[:160]))
    if st == 202:   # still valid: forget it at once
        jid = json.loads(data)["id"]
        request("DELETE", f"{API}/{jid}")
    return st, data


def with_(**kw):
    b = dict(VALID)
    b.update(kw)
    return b


# the body itself
for body, what in [(b"", "empty body"), (b"{", "truncated JSON"), (b"[]", "a list"),
                   (b"null", "null"), (b'"text"', "a string"), (b"\xff\xfe{}", "invalid UTF-8"),
                   (b"[" * 5000 + b"]" * 5000, "deep nesting"), (b"{}", "no transcript")]:
    post(body, "body: " + what)
# every field, wrong
for field, vals in {
        "transcript": [None, 1, True, [], {}, ["a"], "", "\ud800"],
        "format": [1, True, "docx", "", [], {}],
        "language": [1, "de", "", "FR", [], {}],
        "max_output_tokens": ["128", 1.5, -1, 0, 127, 10 ** 9, 1e300, True, [], {}],
        "wait": ["yes", 1, 0, [], {}],
        "model": [1, [], {}, True]}.items():
    for v in vals:
        b = with_(**{field: v}) if v is not None else {k: x for k, x in VALID.items() if k != field}
        if field == "transcript" and v == "\ud800":   # a lone surrogate: invalid UTF-8 bytes
            raw = json.dumps(VALID, ensure_ascii=False).replace("Bonjour", "Bon\udcffjour")
            post(raw.encode("utf-8", "surrogateescape"), "transcript: invalid UTF-8")
            continue
        st, data = post(b, f"{field} = {json.dumps(v)[:40]}")
        e = error_json(data) or {}
        t.check(field in e.get("message", "") or (field == "transcript" and v is None),
                f"{field}: the message names the field", e.get("message", ""))
# texts that are not transcripts: 400 naming the problem
for text, fmt, what in [("\x01\x02\x03\x04 binaire", "auto", "control bytes"),
                        ('{"foo": 1}', "auto", "JSON without segments"),
                        ("WEBVTT\n\npas de cue ici\n", "auto", "WebVTT without a cue"),
                        ("Bonjour, ceci n'est pas un fichier SRT.", "srt", "not SRT"),
                        (" \n\t\n ", "auto", "blanks only")]:
    st, data = post(with_(transcript=text, format=fmt), "not a transcript: " + what)
    msg = (error_json(data) or {}).get("message", "")
    t.check("not a transcript" in msg, what + ": the message says it", msg)
# a body over --max-body (1 MiB in serve_meetings.sh): 413 from its Content-Length, before
# the body is read (the server may close while we still send: a raw socket, errors ignored)
big = json.dumps(with_(transcript="Claire : " + "bla " * 300000)).encode()
sock = socket.create_connection(host_port(), timeout=60)
reply = b""
try:
    sock.sendall(b"POST " + API.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: " +
                 str(len(big)).encode() + b"\r\n\r\n")
    try:
        sock.sendall(big)
    except OSError:
        pass
    while b"\r\n\r\n" not in reply:
        k = sock.recv(65536)
        if not k:
            break
        reply += k
except OSError as e:
    reply = reply or repr(e).encode()
finally:
    sock.close()
t.check(reply.startswith(b"HTTP/1.1 413"), "a 1.2 MB body: 413", repr(reply[:120]))
# the job routes
for path, st_want in [(API + "/mtg-00000000000000000000000000000000", 404), (API + "/x", 404),
                      (API + "/", 404), (API + "/a/b", 404), (API + "/%00", 404),
                      (API + "/" + "a" * 4000, 404)]:
    st, _, data = request("GET", path)
    t.check(st == st_want, f"GET {path[:60]}", f"{st}: {data[:120]!r}")
st, _, _ = request("DELETE", API + "/mtg-unknown")
t.check(st == 404, "DELETE of an unknown job", str(st))
for m in ("PUT", "PATCH"):
    st, _, _ = request(m, API, VALID)
    t.check(st == 405, f"{m} {API}", str(st))
# random mutations of a valid body
rng = random.Random(SEED)
base = json.dumps(VALID, ensure_ascii=False).encode()
for i in range(N):
    b = bytearray(base)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        p = rng.randrange(len(b))
        if op == 0: b[p] = rng.randrange(256)
        elif op == 1: del b[p:p + rng.randint(1, 8)]
        elif op == 2: b[p:p] = b[p:p + rng.randint(1, 16)]
        else: b[p:p] = rng.choice([b'"', b"{", b"]", b"\\u0000", b"1e999", b"null", b"\xc3"])
    post(bytes(b), f"mutation {i}", want=(400, 202))
st, _, _ = request("GET", "/health")
t.check(st == 200, "still serving", str(st))
t.finish()
