#!/usr/bin/env bash
# System packages brainfit's tests need on Debian bookworm (run as root; idempotent):
#   - Mesa lavapipe (software Vulkan) from bookworm-backports, so WebGPU finds an adapter
#     in Node (the `webgpu` package / Dawn), Deno and Chromium without a GPU;
#   - Debian's chromium for the browser smoke test (driven by playwright-core);
#   - Debian's redis-server for the queued-fit tests (test/distributed starts its own servers
#     on 127.0.0.1; the Debian service is not started here).
# Reruns only check dpkg and return at once. Network: Debian mirrors only.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -qq -o=Dpkg::Use-Pty=0 --no-install-recommends)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-system: must run as root (apt-get install)" >&2
  exit 1
fi

# Installed (status "install ok installed") and, when a pattern is given, its version matches.
installed() {
  local pkg=$1 want=${2:-}
  local st ver
  st=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $st == "install ok installed" ]] || return 1
  [[ -z $want ]] && return 0
  ver=$(dpkg-query -W -f='${Version}' "$pkg")
  [[ $ver == *"$want"* ]]
}

need_mesa=0 need_chromium=0 need_redis=0
# Bookworm's own Mesa 22.3 lavapipe lacks what Dawn needs; backports' Mesa (25.x, "~bpo12") works.
installed mesa-vulkan-drivers bpo12 || need_mesa=1
installed libvulkan1 || need_mesa=1
installed chromium || need_chromium=1
installed redis-server || need_redis=1

if [[ $need_mesa -eq 0 && $need_chromium -eq 0 && $need_redis -eq 0 ]]; then
  echo "install-system: mesa-vulkan-drivers (backports), libvulkan1, chromium, redis-server already installed"
  exit 0
fi

# bookworm-backports source, written in the same deb822 style as debian.sources.
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  echo "install-system: added bookworm-backports"
fi

# Quiet unless something fails: maintainer scripts chatter on stderr.
LOG=$(mktemp /tmp/install-system.XXXXXX.log)
quietly() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "install-system: failed: $*" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
}
quietly apt-get update -qq
if [[ $need_mesa -eq 1 ]]; then
  quietly apt-get install "${APT_OPTS[@]}" -t bookworm-backports mesa-vulkan-drivers libvulkan1
fi
if [[ $need_chromium -eq 1 ]]; then
  quietly apt-get install "${APT_OPTS[@]}" chromium
fi
if [[ $need_redis -eq 1 ]]; then
  quietly apt-get install "${APT_OPTS[@]}" redis-server
fi
rm -f "$LOG"
echo "install-system: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)," \
  "libvulkan1 $(dpkg-query -W -f='${Version}' libvulkan1), chromium $(dpkg-query -W -f='${Version}' chromium)," \
  "redis-server $(dpkg-query -W -f='${Version}' redis-server)"
