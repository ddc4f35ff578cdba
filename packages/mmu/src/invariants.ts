// Recount every reference from first principles and compare with the frame table (tests, debugging).
import { checkDescriptor, DESCRIPTORS_PER_PAGE } from './descriptor.js';
import { isPageTableType, isValidatedType, NO_OWNER, PageType } from './frame-table.js';
import { entryMfn, PAE_L3_ENTRIES, PAE_XEN_L3_SLOT } from './layout.js';
import { vcpuOfKey, type Mmu } from './mmu.js';
import { Pte } from './validate.js';

/**
 * Returns a list of violations; empty when the MMU state is consistent. Recounts general and type
 * references held by pins, validated L1/L2/L3 entries, base pointers, GDT and LDT frames, and checks
 * types (one per frame, validated flags, PAE Xen-L2 rules, no writable mapping of a typed frame),
 * ownership of what tables map, and that every descriptor page holds only valid descriptors.
 */
export function checkInvariants(mmu: Mmu): string[] {
  const { ft, validator, layout } = mmu;
  const n = ft.frames;
  const refs = new Uint32Array(n);
  const typeRefs = new Uint32Array(n);
  const writableMapped = new Uint8Array(n);
  const errors: string[] = [];
  const target = (from: string, mfn: number): boolean => {
    if (ft.isValidMfn(mfn)) return true;
    errors.push(`${from} maps mfn ${mfn} beyond memory`);
    return false;
  };
  for (let m = 0; m < n; m++) {
    const t = ft.type(m);
    const count = ft.typeCount(m);
    if (ft.isPinned(m)) {
      refs[m]!++;
      typeRefs[m]!++;
      if (!isPageTableType(t)) errors.push(`mfn ${m}: pinned but type ${t}`);
    }
    if ((count === 0) !== (t === PageType.None)) errors.push(`mfn ${m}: type ${t} with count ${count}`);
    if (isValidatedType(t) && !ft.isValidated(m)) errors.push(`mfn ${m}: type ${t} but not validated`);
    if (!isValidatedType(t) && ft.isValidated(m)) errors.push(`mfn ${m}: validated but type ${t}`);
    if (ft.isPaeXenL2(m) && !(layout.pae && t === PageType.L2)) errors.push(`mfn ${m}: Xen-L2 flag on type ${t}`);
    if (!layout.pae && t === PageType.L3) errors.push(`mfn ${m}: L3 in the 2-level layout`);
    if (t === PageType.L4) errors.push(`mfn ${m}: L4 type`);
    if ((ft.refCount(m) > 0 || count > 0) && ft.owner(m) === NO_OWNER) errors.push(`mfn ${m}: referenced but unowned`);
    if (!ft.isValidated(m)) continue;
    const owner = ft.owner(m);
    if (t === PageType.L1) {
      for (let i = 0; i < layout.entriesPerTable; i++) {
        const lo = validator.entryLo(m, i);
        if ((lo & Pte.PRESENT) === 0) continue;
        const to = entryMfn(lo, validator.entryHi(m, i));
        if (!target(`L1 ${m}[${i}]`, to)) continue;
        refs[to]!++;
        if (lo & Pte.RW) {
          typeRefs[to]!++;
          writableMapped[to] = 1;
        }
      }
    } else if (t === PageType.L2) {
      for (let i = 0, g = validator.guestL2Slots(m); i < g; i++) {
        const lo = validator.entryLo(m, i);
        if ((lo & Pte.PRESENT) === 0) continue;
        const to = entryMfn(lo, validator.entryHi(m, i));
        if (!target(`L2 ${m}[${i}]`, to)) continue;
        refs[to]!++;
        typeRefs[to]!++;
        if (ft.type(to) !== PageType.L1) errors.push(`L2 ${m}[${i}] maps non-L1 ${to}`);
        if (ft.owner(to) !== owner) errors.push(`L2 ${m}[${i}] maps another domain's frame ${to}`);
      }
    } else if (t === PageType.L3) {
      for (let i = 0; i < PAE_L3_ENTRIES; i++) {
        const lo = validator.entryLo(m, i);
        if ((lo & Pte.PRESENT) === 0) {
          if (i === PAE_XEN_L3_SLOT) errors.push(`L3 ${m}: slot 3 not present`);
          continue;
        }
        const to = entryMfn(lo, validator.entryHi(m, i));
        if (!target(`L3 ${m}[${i}]`, to)) continue;
        refs[to]!++;
        typeRefs[to]!++;
        if (ft.type(to) !== PageType.L2) errors.push(`L3 ${m}[${i}] maps non-L2 ${to}`);
        if (ft.isPaeXenL2(to) !== (i === PAE_XEN_L3_SLOT)) errors.push(`L3 ${m}[${i}]: Xen-L2 flag of ${to} wrong for the slot`);
        if (ft.owner(to) !== owner) errors.push(`L3 ${m}[${i}] maps another domain's frame ${to}`);
      }
    } else if (t === PageType.SegDesc) {
      for (let i = 0; i < DESCRIPTORS_PER_PAGE; i++) {
        const lo = mmu.mem.read32(m, 2 * i);
        const hi = mmu.mem.read32(m, 2 * i + 1);
        const d = checkDescriptor(lo, hi, layout);
        if (d.rc !== 0 || d.lo !== lo || d.hi !== hi) errors.push(`SegDesc ${m}[${i}]: unchecked descriptor`);
      }
    }
  }
  const top = mmu.topLevelType;
  for (const [key, base] of mmu.baseptr) {
    const { domid } = vcpuOfKey(key);
    if (!target(`baseptr ${key}`, base)) continue;
    refs[base]!++;
    typeRefs[base]!++;
    if (ft.type(base) !== top) errors.push(`baseptr ${key} -> ${base} is not a top-level table`);
    if (ft.owner(base) !== domid) errors.push(`baseptr ${key} -> ${base} not owned by dom ${domid}`);
  }
  const segFrames = (what: string, key: number, frames: readonly number[]): void => {
    const { domid } = vcpuOfKey(key);
    for (const f of frames) {
      if (!target(`${what} ${key}`, f)) continue;
      refs[f]!++;
      typeRefs[f]!++;
      if (ft.type(f) !== PageType.SegDesc) errors.push(`${what} ${key}: frame ${f} not SegDesc`);
      if (ft.owner(f) !== domid) errors.push(`${what} ${key}: frame ${f} not owned by dom ${domid}`);
    }
  };
  for (const [key, g] of mmu.gdt) segFrames('gdt', key, g.frames);
  for (const [key, l] of mmu.ldt) segFrames('ldt', key, l.frames);
  for (let m = 0; m < n; m++) {
    if (refs[m] !== ft.refCount(m)) errors.push(`mfn ${m}: refCount ${ft.refCount(m)}, expected ${refs[m]}`);
    if (typeRefs[m] !== ft.typeCount(m)) errors.push(`mfn ${m}: typeCount ${ft.typeCount(m)}, expected ${typeRefs[m]}`);
    if (writableMapped[m] && ft.type(m) !== PageType.Writable) errors.push(`mfn ${m}: mapped writable but type ${ft.type(m)}`);
  }
  return errors;
}
