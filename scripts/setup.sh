#!/usr/bin/env bash
# Sets pix2pix-ts up on Debian: system packages, npm dependencies, the native addon, the packages'
# JavaScript build (dist/), the studio's web build (packages/studio/dist) and a type-check. Idempotent:
# every step first checks whether it is already done, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the project needs: oneDNN 2.x and a C++ toolchain for the native backend, and
# Chromium, in which the studio's tests run (driven by playwright-core, which downloads no browser), and
# redis-server, which the queue's tests start on a loopback port (BullMQ's store).
APT_PACKAGES=(libdnnl-dev g++ make python3 pkg-config chromium redis-server)

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: this script installs system packages with apt-get (Debian/Ubuntu), which is not here." >&2
    echo "setup: install the equivalents of: ${missing[*]} (oneDNN 2.x: the backend does not build against oneDNN 3.x, which Homebrew and newer distributions ship), then run it again." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages: ${missing[*]}; installing them needs root. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "then run this script again." >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when the lockfile changed since the last install.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.setup-lock-sum 2>/dev/null)" != "$lock_sum" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.setup-lock-sum
fi

# The native addon, the packages' JavaScript + .d.ts in dist/ (what the pix2pix executable runs) and
# the studio's bundle: each workspace's own incremental build (make, tsc -b, vite only when the studio's
# inputs changed), so a second run only rebuilds what changed.
say "building"
npm run build --silent

say "type-checking"
npx tsc -p tsconfig.json
say "ready"
