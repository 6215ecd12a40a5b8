"""hostile.py BASE_URL TIMEOUT_S - clients that misbehave; each must get the right 4xx (with
an OpenAI-style error object) or be dropped, and the server must keep serving: malformed
JSON, wrong types, negative / huge / fractional numbers, a 100 MB body (refused from its
Content-Length, unread), an oversized chunked body, invalid UTF-8, deep nesting, slow senders
(headers or body), clients that disconnect mid-stream, DNS-rebinding Host and foreign Origin
headers, unknown paths and methods. Python standard library only."""
import json
import socket
import sys
import time

from common import Checks, error_json, host_port, request

t = Checks("hostile")
TIMEOUT = int(sys.argv[2])
CHAT = "/v1/chat/completions"
MSG = [{"role": "user", "content": "Hi"}]


def expect(status, desc, method="POST", path=CHAT, body=None, headers=None):
    st, _, data = request(method, path, body, headers)
    ok = t.check(st == status, desc, f"status {st}, want {status}: {data[:160]!r}")
    if ok and status >= 400:
        t.check(error_json(data) is not None, desc + ": error object", repr(data[:160]))
    return data


def alive(desc):
    st, _, data = request("POST", CHAT, {"messages": MSG, "max_tokens": 2})
    t.check(st == 200 and json.loads(data)["choices"][0]["message"]["content"] is not None,
            "still serving after " + desc, f"{st} {data[:120]!r}")


def raw(payload, read=True, timeout=30):
    """Send bytes on a fresh socket; the reply (bytes, b'' if closed) or None on timeout."""
    s = socket.create_connection(host_port(), timeout=timeout)
    try:
        s.sendall(payload)
        if not read: return s
        out = b""
        while True:
            k = s.recv(65536)
            if not k: break
            out += k
            if b"\r\n\r\n" in out and b"Content-Length" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
                if len(rest) >= n: break
        return out
    except socket.timeout:
        return None
    finally:
        if read: s.close()


# malformed JSON and non-objects
for body, what in [(b"{", "truncated JSON"), (b"{'a': 1}", "single quotes"),
                   (b"", "empty body"), (b"[1,2]", "a list"), (b"null", "null"),
                   (b'{"messages": [}', "bad list"), (b"\x00\x01", "binary")]:
    expect(400, "malformed: " + what, body=body)

# wrong types
for field, value in [("messages", "hi"), ("messages", [1]), ("messages", [{"role": 3, "content": "x"}]),
                     ("messages", [{"role": "wizard", "content": "x"}]), ("max_tokens", "10"),
                     ("temperature", "hot"), ("stream", "yes"), ("stop", 5), ("stop", [1, 2]),
                     ("seed", "42"), ("response_format", "json"), ("top_p", [0.5]),
                     ("response_format", {"type": "xml"}), ("model", 12), ("n", 2)]:
    expect(400, f"wrong type {field}={value!r}", body={"messages": MSG, field: value})
expect(400, "completion without prompt", path="/v1/completions", body={"max_tokens": 3})
expect(400, "completion prompt as number", path="/v1/completions", body={"prompt": 5})

# numbers out of range, fractional, huge
for field, value in [("max_tokens", -1), ("max_tokens", 10 ** 12), ("max_tokens", 3.5),
                     ("temperature", -1), ("temperature", 1e308), ("top_p", 2), ("top_k", -3),
                     ("min_p", 1.5), ("presence_penalty", 99), ("frequency_penalty", -1e9),
                     ("seed", 1.5), ("seed", 1e300), ("repetition_penalty", 0)]:
    expect(400, f"range {field}={value}", body={"messages": MSG, field: value})
expect(400, "tokens huge", path="/detokenize", body={"tokens": [1e300]})
expect(400, "tokens negative", path="/detokenize", body={"tokens": [-5]})
# a JSON number too large for a double
expect(400, "number overflow", body=b'{"messages":[{"role":"user","content":"x"}],"max_tokens":1e999}')

# invalid UTF-8 (raw bytes in a string; an overlong; a lone surrogate escape)
expect(400, "invalid UTF-8 byte", body=b'{"messages":[{"role":"user","content":"caf\xe9"}]}')
expect(400, "overlong UTF-8", body=b'{"messages":[{"role":"user","content":"\xc0\xaf"}]}')
expect(400, "lone surrogate", body=b'{"messages":[{"role":"user","content":"\\udc00"}]}')

# deep nesting
expect(400, "deep nesting", body=b"[" * 100000 + b"]" * 100000)
expect(400, "deep nesting in a field",
       body=b'{"messages":' + b"[" * 50000 + b"]" * 50000 + b"}")
alive("malformed requests")

# a 100 MB body, announced: refused from the header, without sending it
t0 = time.time()
rep = raw(b"POST " + CHAT.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          b"Content-Length: 104857600\r\n\r\n" + b"{" + b" " * 65536)
t.check(rep is not None and rep.startswith(b"HTTP/1.1 413"), "100 MB Content-Length -> 413",
        repr((rep or b"")[:80]))
t.check(time.time() - t0 < 10, "413 without reading the body")
# the same with a real 100 MB upload: answered early, connection closed, server fine
s = socket.create_connection(host_port(), timeout=30)
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 104857600\r\n\r\n")
sent, got = 0, b""
try:
    chunk = b"x" * (1 << 20)
    while sent < 100 << 20:
        s.sendall(chunk)
        sent += len(chunk)
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    pass
try:
    got = s.recv(4096)
except OSError:
    pass
s.close()
t.check(sent < 100 << 20 or got.startswith(b"HTTP/1.1 413"), "100 MB upload cut short",
        f"sent {sent >> 20} MiB, reply {got[:40]!r}")
# chunked body past the limit (no Content-Length): 413 once the limit is passed
s = socket.create_connection(host_port(), timeout=30)
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
rep = b""
try:
    for _ in range(64):
        s.sendall(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
    s.sendall(b"0\r\n\r\n")
    rep = s.recv(4096)
except OSError:
    pass
s.close()
t.check(rep.startswith(b"HTTP/1.1 413") or rep == b"", "chunked 4 MiB -> 413 or closed",
        repr(rep[:60]))
alive("huge bodies")

# slow senders: headers that never end, a body that trickles; both get cut off
t0 = time.time()
s = socket.create_connection(host_port(), timeout=TIMEOUT * 4 + 10)
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: local")
try:
    closed = s.recv(100)
except (ConnectionResetError, socket.timeout):
    closed = b""
s.close()
t.check(closed == b"" and time.time() - t0 < TIMEOUT * 3 + 5, "slow headers dropped",
        f"{closed[:40]!r} after {time.time() - t0:.1f}s")
t0 = time.time()
s = socket.create_connection(host_port(), timeout=TIMEOUT * 4 + 10)
body = json.dumps({"prompt": "x" * 200, "max_tokens": 1}).encode()
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(body))
rep = b""
try:
    for i in range(len(body)):
        s.sendall(body[i:i + 1])
        time.sleep(0.5)
        if time.time() - t0 > TIMEOUT * 4: break
    rep = s.recv(4096)
except OSError:
    pass
s.close()
t.check((rep == b"" or rep.startswith(b"HTTP/1.1 408")) and time.time() - t0 < TIMEOUT * 4 + 5,
        "trickled body cut off", f"{rep[:40]!r} after {time.time() - t0:.1f}s")
alive("slow senders")

# clients that disconnect mid-stream (more of them than slots): slots come back
for i in range(6):
    body = json.dumps({"messages": MSG, "max_tokens": 200, "stream": True, "temperature": 1}).encode()
    s = socket.create_connection(host_port(), timeout=60)
    s.sendall(b"POST " + CHAT.encode() + b" HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    first = s.recv(200)
    t.check(first.startswith(b"HTTP/1.1 200"), f"stream {i} started", repr(first[:40]))
    s.close()
# clients that send a long request (whole answer, not streamed) and leave before it: their
# slots must come back at once, not after 900 tokens each (minutes on this model)
for i in range(6):
    s = socket.create_connection(host_port(), timeout=60)
    body = json.dumps({"messages": MSG, "max_tokens": 900, "temperature": 1, "seed": i}).encode()
    s.sendall(b"POST " + CHAT.encode() + b" HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    time.sleep(0.3)
    s.close()
t0 = time.time()
alive("disconnects")
t.check(time.time() - t0 < 30, "slots freed after disconnects", f"{time.time() - t0:.1f}s")

# DNS rebinding and foreign pages
expect(403, "Host evil.example", method="GET", path="/v1/models", headers={"Host": "evil.example"})
expect(403, "Host evil:port", method="GET", path="/v1/models",
       headers={"Host": "evil.example:%d" % host_port()[1]})
expect(403, "foreign Origin", body={"messages": MSG, "max_tokens": 1},
       headers={"Origin": "https://evil.example"})
expect(403, "Origin other port", body={"messages": MSG, "max_tokens": 1},
       headers={"Origin": "http://127.0.0.1:1"})
st, hd, _ = request("GET", "/v1/models", headers={"Origin": "http://localhost:%d" % host_port()[1]})
t.check(st == 200 and hd.get("Access-Control-Allow-Origin") == "http://localhost:%d" % host_port()[1],
        "own Origin allowed", f"{st} {hd}")
expect(200, "Host localhost:port", method="GET", path="/v1/models",
       headers={"Host": "localhost:%d" % host_port()[1]})

# unknown path, wrong method, /metrics off unless asked
expect(404, "unknown path", method="GET", path="/v2/nothing")
expect(404, "path traversal", method="GET", path="/../../etc/passwd")
expect(405, "GET on a POST endpoint", method="GET", path=CHAT)
expect(405, "DELETE on /v1/models", method="DELETE", path="/v1/models")

# many connections at once beyond nothing in particular: each answered
st, _, data = request("GET", "/health")
t.check(st == 200, "health at the end", repr(data))
t.finish()
