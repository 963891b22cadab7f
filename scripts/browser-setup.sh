#!/usr/bin/env bash
# Install Debian's Chromium (Playwright drives it for the browser tests; no browser
# download), a CJK font, so pages and screenshots show Chinese rather than boxes, and
# tmux for the terminal exam's test.
# Installs only what is missing; REDLINE_CHROMIUM names a browser to use instead.
set -euo pipefail
want=()
if [[ -z "${REDLINE_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  want+=(chromium)
fi
if ! (command -v fc-list >/dev/null && [[ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]]); then
  want+=(fonts-noto-cjk)
fi
# tmux: the terminal exam is taken under it in a test (send-keys, read the screen).
if ! command -v tmux >/dev/null; then
  want+=(tmux)
fi
[[ ${#want[@]} -eq 0 ]] && exit 0
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "需要 root 或 sudo 来安装 ${want[*]}（apt-get install ${want[*]}）" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq "${want[@]}" >/dev/null
