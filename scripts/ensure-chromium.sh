#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (playwright's own download cannot reach this network).
# Installs it when missing and apt-get can; otherwise says how, and the browser suite fails clearly.
set -uo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }
fi
[[ -x $CHROMIUM ]] && exit 0
echo "no Chromium at $CHROMIUM: run 'apt-get install -y --no-install-recommends chromium' (as root) or set CHROMIUM_PATH" >&2
exit 1
