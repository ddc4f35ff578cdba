#!/usr/bin/env bash
# Fetches Debian's busybox-static:i386 (a static glibc i386 busybox) from the Debian archive through apt
# and caches the binary at packages/cpu-x86/.cache/busybox/busybox (git-ignored). Prints the path on
# success. Used by test/busybox.test.ts; safe to run again (a cached binary is reused).
set -euo pipefail
PKG="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DEST_DIR="$PKG/.cache/busybox"
DEST="$DEST_DIR/busybox"
if [ -x "$DEST" ]; then
  echo "$DEST"
  exit 0
fi
say() { echo "fetch-busybox: $*" >&2; }
for tool in apt-get dpkg dpkg-deb; do
  if ! command -v "$tool" >/dev/null; then
    say "needs $tool (a Debian/Ubuntu host) to download busybox-static:i386; not found"
    exit 1
  fi
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
download() { (cd "$WORK" && apt-get download -q busybox-static:i386 >/dev/null 2>&1); }
if ! download; then
  # The i386 package lists may be missing: enable the architecture and refresh (needs root).
  if [ "$(id -u)" = 0 ]; then
    if ! dpkg --print-foreign-architectures | grep -qx i386; then dpkg --add-architecture i386; fi
    apt-get update -qq >/dev/null 2>&1 || say "apt-get update reported errors (continuing)"
  else
    say "apt-get download busybox-static:i386 failed and, not being root, cannot run"
    say "'dpkg --add-architecture i386 && apt-get update'; run this script as root once"
    exit 1
  fi
  if ! download; then
    say "cannot download busybox-static:i386 from the Debian archive (offline? no i386 lists?)"
    exit 1
  fi
fi
DEB="$(ls "$WORK"/busybox-static_*_i386.deb 2>/dev/null | head -n1)"
if [ -z "$DEB" ]; then
  say "apt-get download produced no busybox-static_*_i386.deb"
  exit 1
fi
dpkg-deb -x "$DEB" "$WORK/root"
if [ ! -f "$WORK/root/bin/busybox" ]; then
  say "the package has no bin/busybox"
  exit 1
fi
mkdir -p "$DEST_DIR"
cp "$WORK/root/bin/busybox" "$DEST.tmp"
chmod 755 "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
basename "$DEB" > "$DEST_DIR/VERSION"
echo "$DEST"
