// Xen x86_32 restores the guest's DS, ES, FS and GS from the descriptor tables on every return
// to the guest; a selector that no longer loads (its GDT/LDT entry changed or went away) makes
// Xen call the guest's failsafe callback with the four selectors on the stack, the bad ones
// cleared (xen-abi.md §2.6/2.7, callback type failsafe). We do the same, but only when a
// descriptor table of the vCPU may have changed since the selectors were loaded.
import { DS, ES, FS, GS, descAttr, descBase, descLimit } from '@xen-ts/cpu-x86';
import type { Vcpu } from '../domain/vcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';

const DATA_SEGMENTS = [DS, ES, FS, GS] as const;

/** Reloads the data segments for a return to privilege `cpl`; returns the ones that failed. */
export function reloadDataSegments(xen: Hypervisor, p: Pcpu, v: Vcpu, cpl: number): number[] {
  const c = p.cpu;
  const bad: number[] = [];
  for (const seg of DATA_SEGMENTS) {
    const sel = c.segSel[seg]!;
    if ((sel & 0xfffc) === 0) continue; // null selectors load anywhere
    const d = xen.readGuestDescriptor(v, sel);
    if (d === null || !loadable(d[1], sel, cpl)) {
      bad.push(seg);
      continue;
    }
    const [lo, hi] = d;
    c.setSegmentCache(seg, sel, descBase(lo, hi), descLimit(lo, hi), descAttr(hi));
  }
  return bad;
}

/** A data segment (or readable code) that CPL `cpl` may load with selector `sel` (Intel SDM: MOV Sreg). */
function loadable(hi: number, sel: number, cpl: number): boolean {
  if ((hi & 0x8000) === 0 || (hi & 0x1000) === 0) return false; // not present / system descriptor
  const code = (hi & 0x800) !== 0;
  if (code && (hi & 0x200) === 0) return false; // execute-only code
  const conforming = code && (hi & 0x400) !== 0;
  const dpl = (hi >>> 13) & 3;
  return conforming || dpl >= Math.max(cpl, sel & 3);
}

/** Delivers the failsafe callback: the four selectors go on the guest stack, the bad ones are cleared. */
export function failsafeBounce(xen: Hypervisor, p: Pcpu, v: Vcpu, f: EntryFrame, bad: number[]): boolean {
  const cb = v.failsafeCallback;
  if (cb.cs === 0) return false;
  return xen.bounceFailsafe(p, v, f, bad);
}
