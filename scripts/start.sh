#!/usr/bin/env bash
# The main job until the hypervisor lands: Debian's unmodified busybox shell,
# every instruction of it interpreted by @xen-ts/cpu-x86 (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUSYBOX=packages/cpu-x86/.cache/busybox/busybox
if [ ! -x "$BUSYBOX" ]; then
  echo "start: $BUSYBOX is missing; run 'bash scripts/setup.sh' first (it fetches Debian's busybox-static:i386)" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  echo "xen-ts: busybox sh on the emulated i386 (CPL 3, paging on). Type 'exit' to leave." >&2
  set -- sh
fi
exec packages/cpu-x86/bin/x86-run -0 busybox "$BUSYBOX" "$@"
