#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (Playwright drives it; no browser
# download). Does nothing when a Chromium is already on PATH or REDLINE_CHROMIUM is set.
set -euo pipefail
if [[ -n "${REDLINE_CHROMIUM:-}" ]] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "需要 root 或 sudo 来安装 chromium（apt-get install chromium）" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
