#!/usr/bin/env bash
# The test virtual environment: the Python clients that tests/cli/serve.sh and
# tests/cli/serve_meetings.sh drive the server with (issue 5 asks for the real OpenAI client,
# issue 6 for a browser test). Only those tests need it.
#   openai       the official OpenAI Python client
#   jsonschema   validates the server's json_schema output
#   selenium     drives headless Chromium for the web page test (tests/server/web_page.py),
#                pinned; it uses Debian's /usr/bin/chromedriver (scripts/setup.sh), never a
#                downloaded driver
# Created once, then reused (cached; a venv that lacks selenium gets it added). Prints the
# venv's python path.
# VENV defaults to $LLM4ALL_HOME/test-venv ($LLM4ALL_HOME defaults to ~/.cache/llm4all).
set -euo pipefail
VENV=${L4A_TEST_VENV:-${LLM4ALL_HOME:-$HOME/.cache/llm4all}/test-venv}
SELENIUM=selenium==4.51.0
if ! "$VENV/bin/python" -c 'import openai, jsonschema' 2>/dev/null; then
    echo "test-venv: preparing $VENV (openai, jsonschema, $SELENIUM; once)" >&2
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q openai jsonschema "$SELENIUM" >&2
fi
if ! "$VENV/bin/python" -c 'import selenium' 2>/dev/null; then
    echo "test-venv: adding $SELENIUM to $VENV (once)" >&2
    "$VENV/bin/pip" install -q "$SELENIUM" >&2
fi
echo "$VENV/bin/python"
