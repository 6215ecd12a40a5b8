"""common.py - what the server test scripts share: the base URL from argv, a check counter
that prints FAIL lines, raw HTTP helpers (http.client), and the closing summary line
"<name>: N passed, M failed" that tests/cli/serve.sh adds up. Not a test itself."""
import http.client
import json
import sys
import urllib.parse


class Checks:
    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, cond, desc, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {self.name}: {desc} {detail}".rstrip(), file=sys.stderr, flush=True)
        return cond

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def base_url():
    return sys.argv[1].rstrip("/")


def host_port():
    u = urllib.parse.urlparse(base_url())
    return u.hostname, u.port


def request(method, path, body=None, headers=None, timeout=120):
    """(status, headers dict, body bytes) of one request on a fresh connection."""
    h, p = host_port()
    c = http.client.HTTPConnection(h, p, timeout=timeout)
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    c.request(method, path, body=body, headers=hdrs)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def error_json(data):
    """The OpenAI error object of a body, or None."""
    try:
        e = json.loads(data)["error"]
        return e if isinstance(e.get("message"), str) and e["message"] else None
    except Exception:
        return None
