#!/usr/bin/env bash
# The test virtual environment: the Python clients that tests/cli/serve.sh drives the server
# with (issue 5 asks for the real OpenAI client). Only those tests need it.
#   openai       the official OpenAI Python client
#   jsonschema   validates the server's json_schema output
# Created once, then reused (cached). Prints the venv's python path.
# VENV defaults to $LLM4ALL_HOME/test-venv ($LLM4ALL_HOME defaults to ~/.cache/llm4all).
set -euo pipefail
VENV=${L4A_TEST_VENV:-${LLM4ALL_HOME:-$HOME/.cache/llm4all}/test-venv}
if ! "$VENV/bin/python" -c 'import openai, jsonschema' 2>/dev/null; then
    echo "test-venv: preparing $VENV (openai, jsonschema; once)" >&2
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q openai jsonschema >&2
fi
echo "$VENV/bin/python"
