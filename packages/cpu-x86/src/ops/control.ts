/**
 * Control transfer: Jcc, JMP, CALL, RET (near and far), LOOP/JCXZ, INT n,
 * INT3, INTO, INT1, IRET, and group 5 (FF). Far forms go through
 * protected/far-transfer.ts, which applies the protected-mode rules.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';
import * as $far_transfer from '../protected/far-transfer.js';
import * as $interrupts from '../protected/interrupts.js';
import * as $alu from './alu.js';
import * as $operands from './operands.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, ECX, VEC_BP, VEC_DB, VEC_GP, VEC_OF, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { getOF, getZF, testCondition } = $flags;
const { farCall, farJump, farReturn, interruptReturn } = $far_transfer;
const { deliverInterrupt, INT_EXCEPTION, INT_SOFTWARE } = $interrupts;
const { incDecE } = $alu;
const { fetchS8, readE16, readE32 } = $operands;

/** Sets EIP to a near target after the CS limit check (Intel SDM: #GP(0) if beyond the limit). */
export function jumpNear(c: Cpu, target: number): void {
  if (target >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, 0);
  c.eip = target;
}

function relTarget16(c: Cpu, rel: number): number {
  return (c.eip + rel) & 0xffff;
}

function jccShort(c: Cpu, cc: number, op32: boolean): void {
  const rel = fetchS8(c);
  if (testCondition(c, cc)) jumpNear(c, op32 ? (c.eip + rel) | 0 : relTarget16(c, rel));
}

/** LOOP/LOOPE/LOOPNE/JCXZ count with CX or ECX by address size. */
function counter(c: Cpu): number {
  return c.addr32 ? c.reg32[ECX] : c.reg16[ECX << 1];
}

function decCounter(c: Cpu): number {
  if (c.addr32) return (c.reg32[ECX] = (c.reg32[ECX] - 1) | 0);
  return (c.reg16[ECX << 1] = c.reg16[ECX << 1] - 1);
}

function loopOp(c: Cpu, kind: number, op32: boolean): void {
  const rel = fetchS8(c);
  let take: boolean;
  if (kind === 3) take = counter(c) === 0; // JCXZ/JECXZ
  else {
    const n = decCounter(c);
    take = n !== 0 && (kind === 2 || (kind === 1 ? getZF(c) : !getZF(c)));
  }
  if (take) jumpNear(c, op32 ? (c.eip + rel) | 0 : relTarget16(c, rel));
}

function retNear(c: Cpu, op32: boolean, release: number): void {
  const target = op32 ? c.peek32(0) : c.peek16(0);
  jumpNear(c, target);
  c.adjustStack((op32 ? 4 : 2) + release);
}

/** INT n / INT3 / INTO: software interrupts; EIP pushed is the next instruction. */
export function softwareInterrupt(c: Cpu, vector: number): void {
  deliverInterrupt(c, vector, INT_SOFTWARE, -1);
}

function group5(c: Cpu, op32: boolean): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  switch (op) {
    case 0:
    case 1:
      incDecE(c, m, op === 1, op32 ? 32 : 16);
      return;
    case 2: {
      // CALL near indirect
      const target = op32 ? readE32(c, m) : readE16(c, m);
      const ret = c.eip;
      if (target >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, 0);
      if (op32) c.push32(ret);
      else c.push16(ret);
      c.eip = target;
      return;
    }
    case 3:
    case 5: {
      if (m >= 0xc0) c.fault(VEC_UD);
      const off = decodeEA(c, m);
      const seg = c.eaSeg;
      const offset = op32 ? c.read32(seg, off) : c.read16(seg, off);
      const selector = c.read16(seg, (off + (op32 ? 4 : 2)) | 0);
      if (op === 3) farCall(c, selector, offset, op32);
      else farJump(c, selector, offset, op32);
      return;
    }
    case 4:
      jumpNear(c, op32 ? readE32(c, m) : readE16(c, m));
      return;
    case 6:
      if (op32) c.push32(readE32(c, m));
      else c.push16(readE16(c, m));
      return;
    default:
      c.fault(VEC_UD);
  }
}

export function installControl(): void {
  for (let cc = 0; cc < 16; cc++) {
    defineOp(0x70 + cc, (c) => jccShort(c, cc, false), (c) => jccShort(c, cc, true));
    defineOp(
      0x180 + cc,
      (c) => {
        const rel = c.fetch16();
        if (testCondition(c, cc)) jumpNear(c, (c.eip + rel) & 0xffff);
      },
      (c) => {
        const rel = c.fetch32();
        if (testCondition(c, cc)) jumpNear(c, (c.eip + rel) | 0);
      },
    );
  }
  defineOp(0xeb, (c) => { const rel = fetchS8(c); jumpNear(c, relTarget16(c, rel)); }, (c) => { const rel = fetchS8(c); jumpNear(c, (c.eip + rel) | 0); });
  defineOp(0xe9, (c) => { const rel = c.fetch16(); jumpNear(c, (c.eip + rel) & 0xffff); }, (c) => { const rel = c.fetch32(); jumpNear(c, (c.eip + rel) | 0); });
  defineOp(
    0xe8,
    (c) => {
      const rel = c.fetch16();
      const target = (c.eip + rel) & 0xffff;
      if (target > c.segLimit[CS]) c.fault(VEC_GP, 0);
      c.push16(c.eip);
      c.eip = target;
    },
    (c) => {
      const rel = c.fetch32();
      const target = (c.eip + rel) | 0;
      if (target >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, 0);
      c.push32(c.eip);
      c.eip = target;
    },
  );
  defineOp(0xc3, (c) => retNear(c, false, 0), (c) => retNear(c, true, 0));
  defineOp(0xc2, (c) => retNear(c, false, c.fetch16()), (c) => retNear(c, true, c.fetch16()));
  for (let k = 0; k < 4; k++) defineOp(0xe3 - k, (c) => loopOp(c, 3 - k, false), (c) => loopOp(c, 3 - k, true));
  // E0 LOOPNE (kind 0), E1 LOOPE (kind 1), E2 LOOP (kind 2), E3 JCXZ (kind 3)

  defineOp(0xff, (c) => group5(c, false), (c) => group5(c, true));

  // Far transfers
  defineOp(
    0x9a,
    (c) => {
      const off = c.fetch16();
      farCall(c, c.fetch16(), off, false);
    },
    (c) => {
      const off = c.fetch32();
      farCall(c, c.fetch16(), off, true);
    },
  );
  defineOp(
    0xea,
    (c) => {
      const off = c.fetch16();
      farJump(c, c.fetch16(), off, false);
    },
    (c) => {
      const off = c.fetch32();
      farJump(c, c.fetch16(), off, true);
    },
  );
  defineOp(0xcb, (c) => farReturn(c, false, 0), (c) => farReturn(c, true, 0));
  defineOp(0xca, (c) => farReturn(c, false, c.fetch16()), (c) => farReturn(c, true, c.fetch16()));
  defineOp(0xcf, (c) => interruptReturn(c, false), (c) => interruptReturn(c, true));

  // Software interrupts
  defineOp(0xcc, (c) => softwareInterrupt(c, VEC_BP));
  defineOp(0xcd, (c) => softwareInterrupt(c, c.fetch8()));
  defineOp(0xce, (c) => {
    if (getOF(c)) softwareInterrupt(c, VEC_OF);
  });
  // INT1/ICEBP: a #DB delivered like an exception (no gate DPL check).
  defineOp(0xf1, (c) => deliverInterrupt(c, VEC_DB, INT_EXCEPTION, -1));
}
