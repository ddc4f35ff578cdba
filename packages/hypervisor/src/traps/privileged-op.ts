// What Xen does with the privileged instructions a PV kernel still executes (Xen's
// emulate_privileged_op): ring 1 raises #GP on each, and the hypervisor performs the few whose
// effect it can grant safely — control-register reads, CR0.TS and CR3 writes, CLTS, cache flushes
// (ignored), CLI/STI and port I/O under the virtual IOPL. Everything else (HLT, LGDT, LIDT, LTR,
// RDMSR/WRMSR, ...) is bounced to the guest as #GP(0), as on Xen.
import { MmuextCmd } from '@xen-ts/abi';
import { CR0_TS, EAX, EDX } from '@xen-ts/cpu-x86';
import { mmuextOp } from '@xen-ts/mmu';
import type { Vcpu } from '../domain/vcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';

/** Emulates the instruction at the guest's EIP if Xen would; returns false to bounce #GP. */
export function emulatePrivilegedOp(xen: Hypervisor, p: Pcpu, v: Vcpu, f: EntryFrame): boolean {
  // Ring 3 gets nothing but port I/O under an IOPL of 3; everything else is the kernel's.
  const kernel = (f.cs & 3) === 1;
  const base = xen.segmentBase(v, f.cs);
  if (base < 0) return false;
  const code = xen.guestMem.readView(v.baseMfn, (base + f.eip) >>> 0, 4);
  if (code === null) return false;
  let i = 0;
  let opsize = 4;
  if (code.getUint8(0) === 0x66) {
    opsize = 2;
    i = 1;
  }
  const op = code.getUint8(i);
  const r = p.cpu.reg32;
  const iopl = v.iopl >= (f.cs & 3);
  let len: number;
  switch (op) {
    case 0xfa: // CLI
    case 0xfb: // STI: Xen accepts them under IOPL and does nothing (the event mask is the guest's IF)
      if (!iopl || !kernel) return false;
      len = i + 1;
      break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
    case 0xec: case 0xed: case 0xee: case 0xef: {
      if (!iopl) return false;
      const imm = op < 0xe8;
      const port = imm ? code.getUint8(i + 1) : r[EDX]! & 0xffff;
      const size = (op & 1) === 0 ? 1 : (opsize as 2 | 4);
      const mask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
      if ((op & 2) === 0) r[EAX] = (r[EAX]! & ~mask) | (p.cpu.io.in(port, size) & mask);
      else p.cpu.io.out(port, r[EAX]! & mask, size);
      len = i + (imm ? 2 : 1);
      break;
    }
    case 0x0f: {
      if (!kernel) return false;
      const op2 = code.getUint8(i + 1);
      if (op2 === 0x06) {
        // CLTS: the guest's lazy FPU switch (as fpu_taskswitch(0)).
        p.cpu.cr0 &= ~CR0_TS;
        len = i + 2;
        break;
      }
      if (op2 === 0x08 || op2 === 0x09) {
        len = i + 2; // INVD / WBINVD: no cache to flush for a guest; ignored as on Xen without cache-flush rights
        break;
      }
      if (op2 === 0x20 || op2 === 0x22) {
        const modrm = code.getUint8(i + 2);
        if ((modrm & 0xc0) !== 0xc0) return false;
        const cr = (modrm >>> 3) & 7;
        const reg = modrm & 7;
        if (op2 === 0x20) {
          const value = readCr(xen, p, v, cr);
          if (value === null) return false;
          r[reg] = value;
        } else if (!writeCr(xen, p, v, cr, r[reg]! >>> 0)) {
          return false;
        }
        len = i + 3;
        break;
      }
      return false;
    }
    default:
      return false;
  }
  f.eip = (f.eip + len) >>> 0;
  xen.exitToGuest(p, v, f);
  return true;
}

/** The control registers as a PV guest sees them (Xen: pv_read_cr / the vCPU's ctrlreg[]). */
function readCr(xen: Hypervisor, p: Pcpu, v: Vcpu, cr: number): number | null {
  switch (cr) {
    case 0:
      return p.cpu.cr0 | 0;
    case 2:
      return xen.mem.view.getUint32(v.domain.vcpuInfoAddr(v.id) + 8, true) | 0;
    case 3: {
      const mfn = v.baseMfn;
      // xen_pfn_to_cr3 (xen-abi.md §2.3): PAE folds the high bits of the frame number in.
      return (xen.layout.mode === 'pae' ? ((mfn << 12) | (mfn >>> 20)) : mfn << 12) | 0;
    }
    case 4:
      return p.cpu.cr4 | 0;
    default:
      return null;
  }
}

function writeCr(xen: Hypervisor, p: Pcpu, v: Vcpu, cr: number, value: number): boolean {
  switch (cr) {
    case 0:
      // Only TS may change (Xen warns and refuses anything else).
      if (((value ^ p.cpu.cr0) & ~CR0_TS) !== 0) return false;
      p.cpu.cr0 = (p.cpu.cr0 & ~CR0_TS) | (value & CR0_TS);
      return true;
    case 2:
      xen.mem.view.setUint32(v.domain.vcpuInfoAddr(v.id) + 8, value, true);
      return true;
    case 3: {
      // new_guest_cr3: the same checks as MMUEXT_NEW_BASEPTR.
      const mfn = xen.layout.mode === 'pae' ? ((value >>> 12) | (value << 20)) >>> 0 : value >>> 12;
      const r = mmuextOp(xen.mmu, v.domain.id, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: mfn }], { vcpu: v.id });
      if (r.rc !== 0) return false;
      if (r.actions.newBaseptr !== undefined) xen.switchBaseptr(p, v, r.actions.newBaseptr);
      return true;
    }
    default:
      return false;
  }
}
