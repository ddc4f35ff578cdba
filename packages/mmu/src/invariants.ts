// Recount every reference from first principles and compare with the frame table (tests, debugging).
import { isPageTableType, PageType } from './frame-table.js';
import type { Mmu } from './mmu.js';
import { ENTRIES_PER_TABLE, FIRST_XEN_L2_SLOT, Pte } from './validate.js';

/** Returns a list of violations; empty when the MMU state is consistent. */
export function checkInvariants(mmu: Mmu): string[] {
  const { ft, mem } = mmu;
  const n = ft.frames;
  const refs = new Uint32Array(n);
  const typeRefs = new Uint32Array(n);
  const writableMapped = new Uint8Array(n);
  const errors: string[] = [];
  for (let m = 0; m < n; m++) {
    if (ft.isPinned(m)) {
      refs[m]!++;
      typeRefs[m]!++;
    }
    const t = ft.type(m);
    if ((ft.typeCount(m) === 0) !== (t === PageType.None)) errors.push(`mfn ${m}: type ${t} with count ${ft.typeCount(m)}`);
    if (isPageTableType(t) && !ft.isValidated(m)) errors.push(`mfn ${m}: page-table type but not validated`);
    if (ft.typeCount(m) > 0 && !isPageTableType(t) && ft.isValidated(m)) errors.push(`mfn ${m}: validated non-table`);
    if (!ft.isValidated(m)) continue;
    if (t === PageType.L1) {
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
        const e = mem.read32(m, i);
        if ((e & Pte.PRESENT) === 0) continue;
        const target = e >>> 12;
        refs[target]!++;
        if (e & Pte.RW) {
          typeRefs[target]!++;
          writableMapped[target] = 1;
        }
      }
    } else if (t === PageType.L2) {
      for (let i = 0; i < FIRST_XEN_L2_SLOT; i++) {
        const e = mem.read32(m, i);
        if ((e & Pte.PRESENT) === 0) continue;
        const target = e >>> 12;
        refs[target]!++;
        typeRefs[target]!++;
        if (ft.type(target) !== PageType.L1) errors.push(`mfn ${m}[${i}] maps non-L1 ${target}`);
      }
    }
  }
  for (const base of mmu.baseptr.values()) {
    refs[base]!++;
    typeRefs[base]!++;
    if (ft.type(base) !== PageType.L2) errors.push(`baseptr ${base} is not an L2`);
  }
  for (let m = 0; m < n; m++) {
    if (refs[m] !== ft.refCount(m)) errors.push(`mfn ${m}: refCount ${ft.refCount(m)}, expected ${refs[m]}`);
    if (typeRefs[m] !== ft.typeCount(m)) errors.push(`mfn ${m}: typeCount ${ft.typeCount(m)}, expected ${typeRefs[m]}`);
    if (writableMapped[m] && ft.type(m) !== PageType.Writable) errors.push(`mfn ${m}: mapped writable but type ${ft.type(m)}`);
  }
  return errors;
}
