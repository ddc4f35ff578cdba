// Writable page tables (VMASST_TYPE_writable_pagetables; Xen's pv/ro-page-fault.c, ptwr_*): with
// the assist on, a guest kernel may write an entry of one of its L1 page tables with an ordinary
// store. The table is mapped read-only, so the store faults; Xen decodes it, validates the new
// entry exactly as mmu_update would, performs it and resumes after the instruction. A store Xen
// cannot validate is handed back as the page fault it was.
import { MmuCmd, VmAssist } from '@xen-ts/abi';
import { EAX, EBX, ECX, EDX } from '@xen-ts/cpu-x86';
import { PageType, mmuUpdate } from '@xen-ts/mmu';
import type { Vcpu } from '../domain/vcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';

const FLAG_ZF = 0x40;

/** Bytes of ModRM, SIB and displacement after the opcode, for a memory operand (mod != 3). */
function modrmLength(code: DataView, at: number): number {
  const modrm = code.getUint8(at);
  const mod = modrm >>> 6;
  const rm = modrm & 7;
  if (mod === 3) return -1;
  let len = 1;
  if (rm === 4) {
    const sib = code.getUint8(at + 1);
    len++;
    if (mod === 0 && (sib & 7) === 5) len += 4;
  } else if (mod === 0 && rm === 5) {
    len += 4;
  }
  if (mod === 1) len += 1;
  if (mod === 2) len += 4;
  return len;
}

/** Emulates a faulting store into one of the guest's L1 tables; false to bounce the #PF. */
export function emulatePtWrite(xen: Hypervisor, p: Pcpu, v: Vcpu, f: EntryFrame, cr2: number): boolean {
  const d = v.domain;
  if ((f.cs & 3) !== 1 || (f.errorCode & 0x1b) !== 0x3 || !d.hasAssist(VmAssist.VMASST_TYPE_writable_pagetables)) return false;
  const maddr = xen.guestMem.translate(v.baseMfn, cr2, false);
  if (maddr < 0) return false;
  const mfn = Math.floor(maddr / 4096);
  const ft = xen.mmu.ft;
  if (ft.owner(mfn) !== d.id || ft.type(mfn) !== PageType.L1 || ft.typeCount(mfn) === 0) return false;

  const base = xen.segmentBase(v, f.cs);
  if (base < 0) return false;
  const code = xen.guestMem.readView(v.baseMfn, (base + f.eip) >>> 0, 15);
  if (code === null) return false;
  let i = 0;
  while (i < 4 && [0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65].includes(code.getUint8(i))) i++;
  const r = p.cpu.reg32;
  const op = code.getUint8(i);
  let kind: 'mov' | 'xchg' | 'cmpxchg' | 'cmpxchg8b';
  let size = 4;
  let value = 0n;
  let len: number;
  if (op === 0x89 || op === 0x87) {
    const m = modrmLength(code, i + 1);
    if (m < 0) return false;
    kind = op === 0x89 ? 'mov' : 'xchg';
    value = BigInt(r[(code.getUint8(i + 1) >>> 3) & 7]! >>> 0);
    len = i + 1 + m;
  } else if (op === 0xc7 && ((code.getUint8(i + 1) >>> 3) & 7) === 0) {
    const m = modrmLength(code, i + 1);
    if (m < 0) return false;
    value = BigInt(code.getUint32(i + 1 + m, true));
    kind = 'mov';
    len = i + 1 + m + 4;
  } else if (op === 0x0f && code.getUint8(i + 1) === 0xb1) {
    const m = modrmLength(code, i + 2);
    if (m < 0) return false;
    kind = 'cmpxchg';
    value = BigInt(r[(code.getUint8(i + 2) >>> 3) & 7]! >>> 0);
    len = i + 2 + m;
  } else if (op === 0x0f && code.getUint8(i + 1) === 0xc7 && ((code.getUint8(i + 2) >>> 3) & 7) === 1) {
    const m = modrmLength(code, i + 2);
    if (m < 0) return false;
    kind = 'cmpxchg8b';
    size = 8;
    value = (BigInt(r[ECX]! >>> 0) << 32n) | BigInt(r[EBX]! >>> 0);
    len = i + 2 + m;
  } else {
    return false; // not a store Xen's emulator takes for page tables
  }
  if ((maddr & (size - 1)) !== 0) return false;

  // The whole entry the store touches, old and new (a PAE entry is 8 bytes; a 4-byte store
  // replaces one half and keeps the other).
  const pae = xen.layout.mode === 'pae';
  const entrySize = pae ? 8 : 4;
  const entryAddr = maddr - (maddr % entrySize);
  const view = xen.mem.view;
  const old = pae ? view.getBigUint64(entryAddr, true) : BigInt(view.getUint32(entryAddr, true));
  const oldAtStore = size === 8 ? old : BigInt(view.getUint32(maddr, true));
  if (kind === 'cmpxchg' || kind === 'cmpxchg8b') {
    const expected = kind === 'cmpxchg' ? BigInt(r[EAX]! >>> 0) : (BigInt(r[EDX]! >>> 0) << 32n) | BigInt(r[EAX]! >>> 0);
    if (oldAtStore !== expected) {
      // No store: load the old value and clear ZF, as the instruction would.
      if (kind === 'cmpxchg') r[EAX] = Number(oldAtStore) | 0;
      else {
        r[EAX] = Number(oldAtStore & 0xffffffffn) | 0;
        r[EDX] = Number(oldAtStore >> 32n) | 0;
      }
      f.eflags &= ~FLAG_ZF;
      f.eip = (f.eip + len) >>> 0;
      xen.exitToGuest(p, v, f);
      return true;
    }
  }
  let next: bigint;
  if (size === 8 || !pae) next = value;
  else if (maddr % 8 === 0) next = (old & 0xffffffff00000000n) | value;
  else next = (old & 0xffffffffn) | (value << 32n);
  const rc = mmuUpdate(xen.mmu, d.id, [{ ptr: BigInt(entryAddr) | BigInt(MmuCmd.MMU_NORMAL_PT_UPDATE), val: next }]).rc;
  if (rc !== 0) return false;
  xen.chargeMmu(p, 1);
  xen.flushDomainTlbs(d);
  if (kind === 'xchg') r[(code.getUint8(i + 1) >>> 3) & 7] = Number(oldAtStore) | 0;
  if (kind === 'cmpxchg' || kind === 'cmpxchg8b') f.eflags |= FLAG_ZF;
  f.eip = (f.eip + len) >>> 0;
  xen.exitToGuest(p, v, f);
  return true;
}
