/**
 * Data movement: MOV in its forms (88-8C, 8E, A0-A3, B0-BF, C6, C7), LEA,
 * XCHG, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, LAHF/SAHF, XLAT and the far-pointer
 * loads LDS/LES/LSS/LFS/LGS. Intel SDM Vol. 2.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';
import * as $segment_load from '../protected/segment-load.js';
import * as $operands from './operands.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, EAX, EBX, EDX, FLAG_AF, FLAG_CF, FLAG_PF, FLAG_SF, FLAG_ZF, SS, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { materializeFlags } = $flags;
const { loadSegment, loadStackSegmentWithShadow } = $segment_load;
const { readE16, readE32, readE8 } = $operands;

/** Offset of a moffs operand (A0-A3): an address-size immediate, DS unless overridden. */
function moffs(c: Cpu): number {
  return c.addr32 ? c.fetch32() : c.fetch16();
}

function segOf(c: Cpu): number {
  return c.segOverride >= 0 ? c.segOverride : 3;
}

/** LDS/LES/LSS/LFS/LGS: load a far pointer m16:16 or m16:32 (register form is #UD). */
function loadFarPointer(c: Cpu, seg: number, op32: boolean): void {
  const m = c.fetch8();
  if (m >= 0xc0) c.fault(VEC_UD);
  const off = decodeEA(c, m);
  const s = c.eaSeg;
  const r = (m >> 3) & 7;
  const offset = op32 ? c.read32(s, off) : c.read16(s, off);
  const selector = c.read16(s, (off + (op32 ? 4 : 2)) | 0);
  loadSegment(c, seg, selector);
  if (op32) c.reg32[r] = offset;
  else c.reg16[r << 1] = offset;
}

export function installMov(): void {
  defineOp(0x88, (c) => {
    const m = c.fetch8();
    const v = c.getReg8((m >> 3) & 7);
    if (m >= 0xc0) c.setReg8(m & 7, v);
    else { const ea = decodeEA(c, m); c.write8(c.eaSeg, ea, v); }
  });
  defineOp(
    0x89,
    (c) => {
      const m = c.fetch8();
      const v = c.reg16[((m >> 3) & 7) << 1];
      if (m >= 0xc0) c.reg16[(m & 7) << 1] = v;
      else { const ea = decodeEA(c, m); c.write16(c.eaSeg, ea, v); }
    },
    (c) => {
      const m = c.fetch8();
      const v = c.reg32[(m >> 3) & 7];
      if (m >= 0xc0) c.reg32[m & 7] = v;
      else { const ea = decodeEA(c, m); c.write32(c.eaSeg, ea, v); }
    },
  );
  defineOp(0x8a, (c) => {
    const m = c.fetch8();
    c.setReg8((m >> 3) & 7, readE8(c, m));
  });
  defineOp(
    0x8b,
    (c) => {
      const m = c.fetch8();
      c.reg16[((m >> 3) & 7) << 1] = readE16(c, m);
    },
    (c) => {
      const m = c.fetch8();
      c.reg32[(m >> 3) & 7] = readE32(c, m);
    },
  );
  // MOV Ew, Sreg: a register destination takes the zero-extended selector with 32-bit operand size.
  const movFromSreg = (c: Cpu): void => {
    const m = c.fetch8();
    const s = (m >> 3) & 7;
    if (s > 5) c.fault(VEC_UD);
    const v = c.segSel[s];
    if (m >= 0xc0) {
      if (c.opsize32) c.reg32[m & 7] = v;
      else c.reg16[(m & 7) << 1] = v;
    } else { const ea = decodeEA(c, m); c.write16(c.eaSeg, ea, v); }
  };
  defineOp(0x8c, movFromSreg);
  defineOp(0x8e, (c) => {
    const m = c.fetch8();
    const s = (m >> 3) & 7;
    if (s > 5 || s === CS) c.fault(VEC_UD);
    const selector = readE16(c, m);
    if (s === SS) loadStackSegmentWithShadow(c, selector);
    else loadSegment(c, s, selector);
  });
  defineOp(0xa0, (c) => { c.reg8[0] = c.read8(segOf(c), moffs(c)); });
  defineOp(0xa1, (c) => { c.reg16[0] = c.read16(segOf(c), moffs(c)); }, (c) => { c.reg32[EAX] = c.read32(segOf(c), moffs(c)); });
  defineOp(0xa2, (c) => { c.write8(segOf(c), moffs(c), c.reg8[0]); });
  defineOp(0xa3, (c) => { c.write16(segOf(c), moffs(c), c.reg16[0]); }, (c) => { c.write32(segOf(c), moffs(c), c.reg32[EAX]); });
  for (let r = 0; r < 8; r++) {
    defineOp(0xb0 + r, (c) => { c.setReg8(r, c.fetch8()); });
    defineOp(0xb8 + r, (c) => { c.reg16[r << 1] = c.fetch16(); }, (c) => { c.reg32[r] = c.fetch32(); });
  }
  defineOp(0xc6, (c) => {
    const m = c.fetch8();
    if ((m & 0x38) !== 0) c.fault(VEC_UD);
    if (m >= 0xc0) c.setReg8(m & 7, c.fetch8());
    else {
      const off = decodeEA(c, m);
      c.write8(c.eaSeg, off, c.fetch8());
    }
  });
  defineOp(
    0xc7,
    (c) => {
      const m = c.fetch8();
      if ((m & 0x38) !== 0) c.fault(VEC_UD);
      if (m >= 0xc0) c.reg16[(m & 7) << 1] = c.fetch16();
      else {
        const off = decodeEA(c, m);
        c.write16(c.eaSeg, off, c.fetch16());
      }
    },
    (c) => {
      const m = c.fetch8();
      if ((m & 0x38) !== 0) c.fault(VEC_UD);
      if (m >= 0xc0) c.reg32[m & 7] = c.fetch32();
      else {
        const off = decodeEA(c, m);
        c.write32(c.eaSeg, off, c.fetch32());
      }
    },
  );

  // LEA: the offset only; a register operand is #UD.
  defineOp(
    0x8d,
    (c) => {
      const m = c.fetch8();
      if (m >= 0xc0) c.fault(VEC_UD);
      c.reg16[((m >> 3) & 7) << 1] = decodeEA(c, m);
    },
    (c) => {
      const m = c.fetch8();
      if (m >= 0xc0) c.fault(VEC_UD);
      const ea = decodeEA(c, m);
      c.reg32[(m >> 3) & 7] = c.addr32 ? ea : ea & 0xffff;
    },
  );

  // XCHG (memory forms are locked implicitly; atomicity is trivial here).
  defineOp(0x86, (c) => {
    const m = c.fetch8();
    const r = (m >> 3) & 7;
    if (m >= 0xc0) {
      const t = c.getReg8(m & 7);
      c.setReg8(m & 7, c.getReg8(r));
      c.setReg8(r, t);
      return;
    }
    const ea = decodeEA(c, m);
    const lin = c.rmwAddr(c.eaSeg, ea, 1);
    const t = c.lread8(lin);
    c.lwrite8(lin, c.getReg8(r));
    c.setReg8(r, t);
  });
  defineOp(
    0x87,
    (c) => {
      const m = c.fetch8();
      const r = ((m >> 3) & 7) << 1;
      if (m >= 0xc0) {
        const t = c.reg16[(m & 7) << 1];
        c.reg16[(m & 7) << 1] = c.reg16[r];
        c.reg16[r] = t;
        return;
      }
      const ea = decodeEA(c, m);
      const lin = c.rmwAddr(c.eaSeg, ea, 2);
      const t = c.lread16(lin);
      c.lwrite16(lin, c.reg16[r]);
      c.reg16[r] = t;
    },
    (c) => {
      const m = c.fetch8();
      const r = (m >> 3) & 7;
      if (m >= 0xc0) {
        const t = c.reg32[m & 7];
        c.reg32[m & 7] = c.reg32[r];
        c.reg32[r] = t;
        return;
      }
      const ea = decodeEA(c, m);
      const lin = c.rmwAddr(c.eaSeg, ea, 4);
      const t = c.lread32(lin);
      c.lwrite32(lin, c.reg32[r]);
      c.reg32[r] = t;
    },
  );
  defineOp(0x90, () => {}); // NOP (and PAUSE with F3)
  for (let r = 1; r < 8; r++) {
    defineOp(
      0x90 + r,
      (c) => {
        const t = c.reg16[0];
        c.reg16[0] = c.reg16[r << 1];
        c.reg16[r << 1] = t;
      },
      (c) => {
        const t = c.reg32[EAX];
        c.reg32[EAX] = c.reg32[r];
        c.reg32[r] = t;
      },
    );
  }

  // CBW/CWDE, CWD/CDQ
  defineOp(0x98, (c) => { c.reg16[0] = (c.reg8[0] << 24) >> 24; }, (c) => { c.reg32[EAX] = (c.reg16[0] << 16) >> 16; });
  defineOp(0x99, (c) => { c.reg16[EDX << 1] = (c.reg16[0] << 16) >> 31; }, (c) => { c.reg32[EDX] = c.reg32[EAX] >> 31; });

  // SAHF / LAHF: SF ZF AF PF CF <-> AH
  const LAHF_MASK = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
  defineOp(0x9e, (c) => {
    materializeFlags(c);
    c.flags = (c.flags & ~LAHF_MASK) | (c.reg8[1] & LAHF_MASK);
  });
  defineOp(0x9f, (c) => {
    materializeFlags(c);
    c.reg8[1] = (c.flags & LAHF_MASK) | 2;
  });

  // XLAT: AL = [seg:(E)BX + AL]
  defineOp(0xd7, (c) => {
    const off = c.addr32 ? (c.reg32[EBX] + c.reg8[0]) | 0 : (c.reg16[EBX << 1] + c.reg8[0]) & 0xffff;
    c.reg8[0] = c.read8(segOf(c), off);
  });

  // MOVZX / MOVSX
  defineOp(
    0x1b6,
    (c) => { const m = c.fetch8(); c.reg16[((m >> 3) & 7) << 1] = readE8(c, m); },
    (c) => { const m = c.fetch8(); c.reg32[(m >> 3) & 7] = readE8(c, m); },
  );
  defineOp(
    0x1b7,
    (c) => { const m = c.fetch8(); c.reg16[((m >> 3) & 7) << 1] = readE16(c, m); },
    (c) => { const m = c.fetch8(); c.reg32[(m >> 3) & 7] = readE16(c, m); },
  );
  defineOp(
    0x1be,
    (c) => { const m = c.fetch8(); c.reg16[((m >> 3) & 7) << 1] = (readE8(c, m) << 24) >> 24; },
    (c) => { const m = c.fetch8(); c.reg32[(m >> 3) & 7] = (readE8(c, m) << 24) >> 24; },
  );
  defineOp(
    0x1bf,
    (c) => { const m = c.fetch8(); c.reg16[((m >> 3) & 7) << 1] = readE16(c, m); },
    (c) => { const m = c.fetch8(); c.reg32[(m >> 3) & 7] = (readE16(c, m) << 16) >> 16; },
  );

  // Far pointer loads
  defineOp(0xc4, (c) => loadFarPointer(c, 0, false), (c) => loadFarPointer(c, 0, true));
  defineOp(0xc5, (c) => loadFarPointer(c, 3, false), (c) => loadFarPointer(c, 3, true));
  defineOp(0x1b2, (c) => loadFarPointer(c, SS, false), (c) => loadFarPointer(c, SS, true));
  defineOp(0x1b4, (c) => loadFarPointer(c, 4, false), (c) => loadFarPointer(c, 4, true));
  defineOp(0x1b5, (c) => loadFarPointer(c, 5, false), (c) => loadFarPointer(c, 5, true));
}
