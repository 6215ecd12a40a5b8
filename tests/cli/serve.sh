#!/usr/bin/env bash
# serve.sh - `llm4all serve` on smollm2-135m with -np 4, driven by curl and by the Python
# scripts in tests/server/ (the real OpenAI client and jsonschema, from the cached test venv
# of scripts/test-venv.sh): the API (client_api.py), hostile clients (hostile.py), a bounded
# load test (load.py: 200 requests, 8 at a time); then the API key (401 without it, /health
# open), a full queue (429), a non-loopback bind refused without --api-key, /metrics opt-in,
# SIGTERM draining a running stream, /health 503 while the model loads, and no sanitizer
# report in the server logs.
# Under L4A_TEST_FAST=1 (the ASan+UBSan run) the hostile clients and the short checks run,
# but not the schema and load parts.
name=serve; . "$(dirname "$0")/lib.sh"
need curl
M=smollm2-135m
FAST=${L4A_TEST_FAST:-0}
PY=$(scripts/test-venv.sh) || { bad "scripts/test-venv.sh failed (openai, jsonschema)"; finish; }
# at exit: stop the servers still running (this shell's own background jobs only)
cleanup() { for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# start_server LOG ARGS...: start on a free port, wait until ready; sets PORT and SPID
start_server() {
    local log=$1; shift
    "$BIN" serve -m $M --port 0 -t 2 "$@" >"$log" 2>&1 &
    SPID=$!; PORT=""
    for _ in $(seq 1 600); do
        PORT=$(sed -nE 's|.*listening on http://[^ ]*:([0-9]+)/.*|\1|p' "$log" 2>/dev/null | head -n 1)
        [ -n "$PORT" ] && grep -q "serve: ready" "$log" && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.2
    done
    bad "server did not start: $(tail -n 3 "$log")"; return 1
}
pyrun() {   # pyrun SCRIPT ARGS...: run a tests/server script, add its counts
    local out; out=$("$PY" "tests/server/$1" "${@:2}" 2>&1); local rc=$?
    echo "$out" | grep '^FAIL' >&2
    local line; line=$(echo "$out" | grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    local p f; p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p'); f=$(echo "$line" | sed -nE 's/.*passed, ([0-9]+) failed/\1/p')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    if [ -z "$line" ]; then bad "$1 printed no summary (exit $rc)"; echo "$out" | tail -n 15 >&2; fi
    echo "$out" | grep -E '^(load|client_api|hostile):' >&2
}

# a non-loopback address without a key is refused before anything loads
"$BIN" serve -m $M --host 0.0.0.0 --port 0 >"$tmp/out" 2>&1; rc=$?
[ $rc -ne 0 ] && grep -q "without an API key" "$tmp/out" && ok || bad "0.0.0.0 without --api-key: exit $rc: $(cat "$tmp/out")"
"$BIN" serve -m $M --host :: --port 0 >"$tmp/out" 2>&1
grep -q "without an API key" "$tmp/out" && ok || bad ":: without --api-key not refused"

# the main server: 4 slots, short timeouts for the slow-client checks
start_server "$tmp/main.log" -np 4 -c 1024 --timeout 3 --max-body 1048576 || finish
URL=http://127.0.0.1:$PORT
pyrun hostile.py "$URL" 3
if [ "$FAST" != 1 ]; then
    pyrun client_api.py "$URL" "$M" tests/data/schemas/server
    pyrun load.py "$URL" 200 8 900
fi
# curl: a chat answer, a stream ending in [DONE], the 413 of a 100 MB body
curl -s "$URL/v1/chat/completions" -d '{"messages":[{"role":"user","content":"Bonjour !"}],"max_tokens":8}' >"$tmp/c.json"
jq -e '.choices[0].message.content | type == "string"' "$tmp/c.json" >/dev/null && ok || bad "curl chat: $(head -c 200 "$tmp/c.json")"
curl -sN "$URL/v1/completions" -d '{"prompt":"Il était une fois","max_tokens":6,"stream":true}' >"$tmp/s.txt"
[ "$(grep '^data: ' "$tmp/s.txt" | tail -n 1)" = "data: [DONE]" ] && ok || bad "curl stream does not end with [DONE]"
code=$(head -c 100000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- "$URL/v1/completions")
[ "$code" = 413 ] && ok || bad "curl 100 MB body: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")
[ "$code" = 404 ] && ok || bad "/metrics without --metrics: $code"
grep -qE '"POST /v1/chat/completions" 200 ' "$tmp/main.log" && ok || bad "no access log line"

# SIGTERM while a stream runs: the stream completes, then the server exits 0
curl -sN "$URL/v1/completions" -d '{"prompt":"Once upon a time","max_tokens":60,"stream":true,"temperature":0}' >"$tmp/drain.txt" &
cpid=$!
sleep 1.5
kill -TERM "$SPID"
wait "$cpid"
wait "$SPID"; rc=$?
[ $rc -eq 0 ] && ok || bad "server exit $rc after SIGTERM"
[ "$(grep '^data: ' "$tmp/drain.txt" | tail -n 1)" = "data: [DONE]" ] && ok || bad "stream cut by SIGTERM: $(tail -c 200 "$tmp/drain.txt")"
grep -q '"finish_reason":"length"' "$tmp/drain.txt" && ok || bad "drained stream did not run to max_tokens"
curl -s -m 2 "$URL/health" >/dev/null 2>&1 && bad "still answering after SIGTERM" || ok

# an API key: 401 without or with a wrong one, 200 with it, /health needs none; --metrics
echo "s3cret-key-for-tests" >"$tmp/key"
start_server "$tmp/key.log" -np 1 -c 256 --api-key-file "$tmp/key" --metrics || finish
URL=http://127.0.0.1:$PORT
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/models"); [ "$code" = 401 ] && ok || bad "no key: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-key-123' "$URL/v1/models"); [ "$code" = 401 ] && ok || bad "wrong key: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret-key-for-tests' "$URL/v1/models"); [ "$code" = 200 ] && ok || bad "right key: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/health"); [ "$code" = 200 ] && ok || bad "/health with a key set: $code"
curl -s -H 'Authorization: Bearer s3cret-key-for-tests' "$URL/metrics" >"$tmp/m.txt"
grep -q '^llm4all_requests_total{status="4xx"} [1-9]' "$tmp/m.txt" && grep -q '^# TYPE llm4all_generated_tokens_total counter' "$tmp/m.txt" && ok || bad "metrics: $(head -c 300 "$tmp/m.txt")"
kill -TERM "$SPID"; wait "$SPID"

# a full queue: one slot, no waiting room; a second request while the first runs gets 429
# (the first must still run when the second comes: 100 tokens had finished first once decode
# reached ~200 tok/s; 400 take about 2 s at that speed. Still a timing assumption: a decode
# several times faster would need a longer first request)
start_server "$tmp/queue.log" -np 1 -c 512 --queue 0 || finish
URL=http://127.0.0.1:$PORT
curl -sN "$URL/v1/completions" -d '{"prompt":"Once upon a time","max_tokens":400,"stream":true}' >"$tmp/q1.txt" &
cpid=$!
for _ in $(seq 1 100); do [ -s "$tmp/q1.txt" ] && break; sleep 0.1; done
curl -s -o "$tmp/q2.json" -w '%{http_code}' "$URL/v1/completions" -d '{"prompt":"Hi","max_tokens":2}' >"$tmp/q2.code"
[ "$(cat "$tmp/q2.code")" = 429 ] && jq -e '.error.message' "$tmp/q2.json" >/dev/null && ok || bad "full queue: $(cat "$tmp/q2.code") $(head -c 200 "$tmp/q2.json")"
wait "$cpid"
[ "$(grep '^data: ' "$tmp/q1.txt" | tail -n 1)" = "data: [DONE]" ] && ok || bad "the running stream was disturbed by the 429"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/completions" -d '{"prompt":"Hi","max_tokens":2}')
[ "$code" = 200 ] && ok || bad "after the queue emptied: $code"
kill -TERM "$SPID"; wait "$SPID"

# a non-loopback bind with a key is allowed (and says so)
start_server "$tmp/any.log" -np 1 -c 256 --host 0.0.0.0 --api-key "another-key-456" && ok
grep -q "API key required" "$tmp/any.log" && ok || bad "no 'API key required' in the log"
kill -TERM "$SPID"; wait "$SPID"

# /health answers 503 while the model loads (a model that loads slowly: the 1.5B one read
# without mmap), 200 once ready
"$BIN" serve -m qwen2.5-1.5b-instruct --no-mmap --port 0 -c 256 -np 1 >"$tmp/load.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/load.log" && break; sleep 0.05; done
PORT=$(sed -nE 's|.*listening on http://[^ ]*:([0-9]+)/.*|\1|p' "$tmp/load.log")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")
if grep -q "serve: ready" "$tmp/load.log"; then ok; else [ "$code" = 503 ] && ok || bad "/health while loading: $code"; fi
kill -TERM "$SPID"; wait "$SPID"

# no sanitizer report (ASan, UBSan, LeakSanitizer) in any server log
no_sanitizer_reports "$tmp"/*.log
finish
