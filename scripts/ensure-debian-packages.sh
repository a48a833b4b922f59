#!/usr/bin/env bash
# The tests use two Debian packages: chromium drives the browser tests (playwright's own download
# cannot reach this network) and prometheus brings `promtool`, which lints /metrics.
# Installs the missing ones when run as root with apt-get; otherwise says how, and those tests fail clearly.
set -uo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

missing() {
  [[ -x $CHROMIUM ]] || echo chromium
  command -v promtool >/dev/null || echo prometheus
}
apt_install() { apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; }

mapfile -t packages < <(missing)
[[ ${#packages[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${packages[*]} for the tests"
  export DEBIAN_FRONTEND=noninteractive
  apt_install "${packages[@]}" || { apt-get update >/dev/null 2>&1 && apt_install "${packages[@]}"; }
  mapfile -t packages < <(missing)
  [[ ${#packages[@]} -eq 0 ]] && exit 0
fi
echo "missing ${packages[*]}: run 'apt-get install -y --no-install-recommends ${packages[*]}' as root" >&2
[[ ${packages[0]} == chromium ]] && echo "(or set CHROMIUM_PATH to a Chromium elsewhere; now $CHROMIUM)" >&2
exit 1
