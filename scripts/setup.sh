#!/usr/bin/env bash
# Sets up a fresh Debian machine for xen-ts: system packages (toolchain for the
# i386 test guests, reference emulators), pnpm, the workspace dependencies and
# the cached Debian busybox-static:i386 used by the tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc gcc-multilib libc6-dev-i386 nasm make qemu-user qemu-system-x86 bochs bochs-term bochsbios vgabios)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  as_root dpkg --add-architecture i386
  missing+=(__update__)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]/__update__/}"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=("${missing[@]/__update__/}")
  # A mirror in mid-sync can fail one index (apt-get update exits non-zero); what the
  # install needs usually still resolves, so retry a few times before giving up.
  ok=0
  for attempt in 1 2 3; do
    as_root apt-get update -qq || echo "setup: apt-get update reported errors (attempt $attempt)" >&2
    if as_root apt-get install -y -qq --no-install-recommends ${pkgs[*]} >/dev/null; then ok=1; break; fi
    sleep $((attempt * 5))
  done
  if [ "$ok" != 1 ]; then
    echo "setup: could not install: ${pkgs[*]} (check the network or the Debian mirror, then run scripts/setup.sh again)" >&2
    exit 1
  fi
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "10.34.9" ]; then
  echo "setup: installing pnpm 10.34.9"
  npm install -g pnpm@10.34.9 >/dev/null 2>&1
fi

pnpm install --frozen-lockfile

if [ -x packages/cpu-x86/scripts/fetch-busybox.sh ]; then
  packages/cpu-x86/scripts/fetch-busybox.sh
fi

# The guest kernel `pnpm xen start` boots by default (make is incremental; tests and the
# xenolinux guest port rebuild it on demand too).
echo "setup: building the XenoLinux kernel"
pnpm --silent --filter @xen-ts/guest-xenolinux build:kernel >/dev/null
echo "setup: done"
