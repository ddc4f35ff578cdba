/**
 * Installs the x87 instruction set: the escape opcodes D8-DF and WAIT (9B)
 * (Intel SDM Vol. 2 appendix A.4, "Escape opcode instructions").
 *
 * Each escape opcode fetches its ModRM byte (and any displacement), then
 * raises #NM when CR0.EM or CR0.TS is set (SDM Vol. 3A table 2-2: every
 * ESC opcode, including the FN control forms and reserved encodings), then
 * dispatches on the ModRM: memory forms by the reg field, register forms by
 * the low six bits. Reserved encodings raise #UD. Waiting instructions then
 * report a pending unmasked exception (#MF, or FERR# with CR0.NE = 0)
 * before doing anything.
 *
 * Encodings the SDM map leaves blank but every Intel x87 since the 387
 * executes are implemented as aliases (checked on the host): D9 D8+i FSTP
 * (except that with an empty ST(0) it only pops, raising nothing),
 * DC D0+i FCOM, DC D8+i FCOMP, DD C8+i FXCH, DE D0+i FCOMP, DF C0+i
 * FFREEP, DF C8+i FXCH, DF D0+i and DF D8+i FSTP. DB E0/E1/E4 (FNENI,
 * FNDISI, FNSETPM) are no-ops. FISTTP (DB/DD/DF /1, SSE3) does not exist
 * on the P6 and raises #UD.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $modrm from '../decode/modrm.js';
import * as $float80 from './float80.js';
import * as $x87_arith from './x87-arith.js';
import * as $x87_compare from './x87-compare.js';
import * as $x87_control from './x87-control.js';
import * as $x87_core from './x87-core.js';
import { MemOp, RegOp } from './x87-core.js';
import * as $x87_load_store from './x87-load-store.js';
import * as $x87_transcendental from './x87-transcendental.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_EM, CR0_TS, VEC_NM, VEC_UD } = $constants;
const { defineOp } = $dispatch;
const { decodeEA } = $modrm;
const { CONST_L2E, CONST_L2T, CONST_LG2, CONST_LN2, CONST_ONE, CONST_PI, CONST_ZERO } = $float80;
const { fabs, fchs, fprem, fscale, fsqrt, frndint, fxtract, memArith, regArith } = $x87_arith;
const { fcomi, ftst, fxam, memCompare, regCompare } = $x87_compare;
const { fldcw, fldenv, fnclex, fninit, fnNop, fnop, fnsave, fnstcw, fnstenv, fnstswAx, fnstswMem, frstor, fstp, fwait } = $x87_control;
const { MEM_F32, MEM_F64, MEM_I16, MEM_I32 } = $x87_core;
const { fbld, fbstp, fcmov, ffreepSt, ffreeSt, fildM16, fildM32, fildM64, fistM16, fistM32, fistpM16, fistpM32, fistpM64, fldConst, fldM32, fldM64, fldM80, fldSti, fstM32, fstM64, fstp1St, fstpM32, fstpM64, fstpM80, fstpSt, fstSt, fxch } = $x87_load_store;
const { f2xm1, fcos, fpatan, fptan, fsin, fsincos, fyl2x, fyl2xp1 } = $x87_transcendental;

const udReg: RegOp = (c) => c.fault(VEC_UD);
const udMem: MemOp = (c) => c.fault(VEC_UD);

/** The 64 register forms from eight handlers, one per reg field (each serves ST(0)..ST(7)). */
function byReg(groups: readonly RegOp[]): RegOp[] {
  const t: RegOp[] = [];
  for (let i = 0; i < 64; i++) t.push(groups[i >> 3]);
  return t;
}

function escape(k: number, mem: readonly MemOp[], reg: readonly RegOp[]): (c: Cpu) => void {
  if (mem.length !== 8 || reg.length !== 64) throw new Error(`x87 table ${(0xd8 + k).toString(16)} is malformed`);
  const base = k << 8;
  return (c) => {
    const m = c.fetch8();
    if (m < 0xc0) {
      const off = decodeEA(c, m);
      const seg = c.eaSeg;
      if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(VEC_NM);
      mem[(m >> 3) & 7](c, base | m, off, seg);
    } else {
      if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(VEC_NM);
      reg[m & 0x3f](c, base | m);
    }
  };
}

/** Arithmetic memory forms for a kind of operand (reg 2/3 are the compares). */
function arithMem(kind: number): MemOp[] {
  const t: MemOp[] = [];
  for (let r = 0; r < 8; r++) t.push(r === 2 || r === 3 ? memCompare(kind, r === 3) : memArith(r, kind));
  return t;
}

let installed = false;

/** Installs D8-DF and 9B into the dispatch tables (both operand sizes). */
export function installX87(): void {
  if (installed) return;
  installed = true;

  // D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR, ST(0) op ST(i) / m32fp.
  const d8r: RegOp[] = [];
  for (let r = 0; r < 8; r++) d8r.push(r === 2 || r === 3 ? regCompare(false, r - 2, false) : regArith(r, false, false));
  defineOp(0xd8, escape(0, arithMem(MEM_F32), byReg(d8r)));

  // D9: loads/stores m32fp, environment and control word; register group.
  const d9m: MemOp[] = [fldM32, udMem, fstM32, fstpM32, fldenv, fldcw, fnstenv, fnstcw];
  const d9r = byReg([fldSti, fxch, udReg, fstp1St, udReg, udReg, udReg, udReg]);
  d9r[0x10] = fnop; // D0; D1-D7 reserved
  for (let i = 0x11; i < 0x18; i++) d9r[i] = udReg;
  const d9e: RegOp[] = [
    fchs, fabs, udReg, udReg, ftst, fxam, udReg, udReg, // E0-E7
    fldConst(CONST_ONE), fldConst(CONST_L2T), fldConst(CONST_L2E), fldConst(CONST_PI),
    fldConst(CONST_LG2), fldConst(CONST_LN2), fldConst(CONST_ZERO), udReg, // E8-EF
    f2xm1, fyl2x, fptan, fpatan, fxtract, fprem(true), fstp(-1), fstp(1), // F0-F7
    fprem(false), fyl2xp1, fsqrt, fsincos, frndint, fscale, fsin, fcos, // F8-FF
  ];
  for (let i = 0; i < 32; i++) d9r[0x20 + i] = d9e[i];
  defineOp(0xd9, escape(1, d9m, d9r));

  // DA: FIADD... m32int; FCMOVB/E/BE/U; FUCOMPP (E9).
  const dar = byReg([fcmov(0, false), fcmov(1, false), fcmov(2, false), fcmov(3, false), udReg, udReg, udReg, udReg]);
  dar[0x29] = regCompare(true, 2, true);
  defineOp(0xda, escape(2, arithMem(MEM_I32), dar));

  // DB: FILD/FIST/FISTP m32int, FLD/FSTP m80fp; FCMOVNcc, FNCLEX, FNINIT, FUCOMI, FCOMI.
  const dbm: MemOp[] = [fildM32, udMem, fistM32, fistpM32, udMem, fldM80, udMem, fstpM80];
  const dbr = byReg([fcmov(0, true), fcmov(1, true), fcmov(2, true), fcmov(3, true), udReg, fcomi(true, false), fcomi(false, false), udReg]);
  const dbe: RegOp[] = [fnNop, fnNop, fnclex, fninit, fnNop, udReg, udReg, udReg];
  for (let i = 0; i < 8; i++) dbr[0x20 + i] = dbe[i];
  defineOp(0xdb, escape(3, dbm, dbr));

  // DC: the same operations with m64fp, and ST(i) := ST(i) op ST(0) (D0/D8: FCOM/FCOMP aliases).
  const dcr: RegOp[] = [];
  for (let r = 0; r < 8; r++) dcr.push(r === 2 || r === 3 ? regCompare(false, r - 2, false) : regArith(r, true, false));
  defineOp(0xdc, escape(4, arithMem(MEM_F64), byReg(dcr)));

  // DD: FLD/FST/FSTP m64fp, FRSTOR, FNSAVE, FNSTSW m16; FFREE, FXCH alias, FST, FSTP, FUCOM, FUCOMP.
  const ddm: MemOp[] = [fldM64, udMem, fstM64, fstpM64, frstor, udMem, fnsave, fnstswMem];
  const ddr = byReg([ffreeSt, fxch, fstSt, fstpSt, regCompare(true, 0, false), regCompare(true, 1, false), udReg, udReg]);
  defineOp(0xdd, escape(5, ddm, ddr));

  // DE: m16int arithmetic; the popping register forms, FCOMP alias (D0), FCOMPP (D9).
  const der: RegOp[] = [];
  for (let r = 0; r < 8; r++) der.push(r === 2 ? regCompare(false, 1, false) : r === 3 ? udReg : regArith(r, true, true));
  const deTable = byReg(der);
  deTable[0x19] = regCompare(false, 2, true);
  defineOp(0xde, escape(6, arithMem(MEM_I16), deTable));

  // DF: FILD/FIST/FISTP m16int, FBLD, FILD m64int, FBSTP, FISTP m64int;
  // FFREEP, FXCH/FSTP aliases, FNSTSW AX, FUCOMIP, FCOMIP.
  const dfm: MemOp[] = [fildM16, udMem, fistM16, fistpM16, fbld, fildM64, fbstp, fistpM64];
  const dfr = byReg([ffreepSt, fxch, fstpSt, fstpSt, udReg, fcomi(true, true), fcomi(false, true), udReg]);
  dfr[0x20] = fnstswAx;
  defineOp(0xdf, escape(7, dfm, dfr));

  defineOp(0x9b, fwait);
}
