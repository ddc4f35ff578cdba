/**
 * x87 data transfer (SDM Vol. 2 FLD, FST/FSTP, FILD, FIST/FISTP, FBLD,
 * FBSTP, FXCH, FCMOVcc, FFREE, FLD1...FLDZ): loads push onto the register
 * stack, stores convert ST(0) to the memory format and optionally pop.
 *
 * Memory operands are read before any state changes and stores are probed
 * for the whole operand before the first byte is written, so a #PF/#GP
 * leaves the FPU and memory as they were and the instruction restarts.
 * Condition code C1: 1 after a stack overflow, "rounded up" for stores
 * that round, 0 otherwise.
 */
import * as $flags from '../flags.js';
import * as $float80 from './float80.js';
import * as $x87_core from './x87-core.js';
import { MemOp, RegOp } from './x87-core.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { getCF, getPF, getZF } = $flags;
const { copyF80, cwRc, f80FromBcd, f80FromF32, f80FromF64, f80FromInt32, f80FromInt64, f80LoadConst, f80ToBcd, f80ToF32, f80ToF64, f80ToInt, INT_OUT } = $float80;
const { begin, commit, isFull, noteData, noteInsn, pendingError, pop, pushDone, pushSlot, setIndefinite, stackFault, storeAddr } = $x87_core;
const { SLOT_TMP, SW_C1, SW_ES, SW_IE } = $x87_state;

/** Output of f80ToF64 (low word, high word). */
const OUT64 = new Uint32Array(2);
/** Packed BCD scratch (FBLD / FBSTP). */
const BCD = new Uint8Array(10);


// --- Loads --------------------------------------------------------------------

/** FLD m32fp (D9 /0), FLD m64fp (DD /0): SNaN raises IE (quieted), denormals DE. */
function fldFloat(size: 4 | 8): MemOp {
  return (c, fop, off, seg) => {
    const x = c.fpu;
    if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
    const lo = c.read32(seg, off);
    const hi = size === 8 ? c.read32(seg, (off + 4) | 0) : 0;
    noteInsn(c, x, fop);
    noteData(c, x, off, seg);
    const d = pushSlot(x);
    if (d < 0) return;
    x.env.flags = 0;
    const ok = size === 4 ? f80FromF32(x.regs, d, lo, x.env) : f80FromF64(x.regs, d, hi, lo, x.env);
    if (ok) pushDone(x, d);
    commit(x, SW_C1);
  };
}

/** FLD m80fp (DB /5): raw, no exceptions. */
const fldM80: MemOp = (c, fop, off, seg) => {
  const x = c.fpu;
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
  const lo = c.read32(seg, off);
  const hi = c.read32(seg, (off + 4) | 0);
  const se = c.read16(seg, (off + 8) | 0);
  noteInsn(c, x, fop);
  noteData(c, x, off, seg);
  const d = pushSlot(x);
  if (d < 0) return;
  x.setRawRegister(d, se, hi, lo);
  pushDone(x, d);
};

/** FILD m16int (DF /0), m32int (DB /0), m64int (DF /5): exact. */
function fildInt(size: 2 | 4 | 8): MemOp {
  return (c, fop, off, seg) => {
    const x = c.fpu;
    if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
    const lo = size === 2 ? (c.read16(seg, off) << 16) >> 16 : c.read32(seg, off);
    const hi = size === 8 ? c.read32(seg, (off + 4) | 0) : 0;
    noteInsn(c, x, fop);
    noteData(c, x, off, seg);
    const d = pushSlot(x);
    if (d < 0) return;
    if (size === 8) f80FromInt64(x.regs, d, hi, lo);
    else f80FromInt32(x.regs, d, lo);
    pushDone(x, d);
  };
}

/** FBLD m80bcd (DF /4). */
const fbld: MemOp = (c, fop, off, seg) => {
  const x = c.fpu;
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
  const lin = c.readAddr(seg, off, 10);
  for (let i = 0; i < 10; i++) BCD[i] = c.lread8((lin + i) | 0);
  noteInsn(c, x, fop);
  noteData(c, x, off, seg);
  const d = pushSlot(x);
  if (d < 0) return;
  f80FromBcd(x.regs, d, BCD, 0);
  pushDone(x, d);
};

/** FLD ST(i) (D9 C0+i): a raw copy; an empty ST(i) is an underflow (checked before overflow, host check). */
const fldSti: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const s = (x.top + (fop & 7)) & 7;
  if (!isFull(x, s)) {
    if (stackFault(x, false)) {
      const d = (x.top - 1) & 7;
      setIndefinite(x, d);
      x.top = d;
    }
    return;
  }
  const d = pushSlot(x);
  if (d < 0) return;
  copyF80(x.regs, d, s);
  pushDone(x, d);
};

/** FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (D9 E8..EE): rounded per RC, no flags. */
function fldConst(which: number): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const d = pushSlot(x);
    if (d < 0) return;
    f80LoadConst(x.regs, d, which, cwRc(x.env.cw));
    pushDone(x, d);
  };
}

// --- Stores -------------------------------------------------------------------

/** Memory formats of the stores, in the order of the STORE_* constants. */
const ST_F32 = 0, ST_F64 = 1, ST_F80 = 2, ST_I16 = 3, ST_I32 = 4, ST_I64 = 5, ST_BCD = 6;
const STORE_SIZE = [4, 8, 10, 2, 4, 8, 10];

/**
 * Converts ST(0) (or the indefinite after a masked underflow) into OUT64 /
 * BCD per `fmt`. Returns false when nothing may be stored.
 */
function convertTop(x: X87State, fmt: number, empty: boolean): boolean {
  const f = x.regs;
  const s = x.top;
  const env = x.env;
  if (empty) {
    // Masked stack underflow: the indefinite of the destination format.
    OUT64[0] = 0;
    OUT64[1] = 0;
    switch (fmt) {
      case ST_F32: OUT64[0] = 0xffc00000; break;
      case ST_F64: OUT64[1] = 0xfff80000; break;
      case ST_F80: OUT64[1] = 0xc0000000; break;
      case ST_I16: OUT64[0] = 0x8000; break;
      case ST_I32: OUT64[0] = 0x80000000; break;
      case ST_I64: OUT64[1] = 0x80000000; break;
      default:
        BCD.fill(0);
        BCD[7] = 0xc0;
        BCD[8] = 0xff;
        BCD[9] = 0xff;
    }
    return true;
  }
  switch (fmt) {
    case ST_F32: {
      const v = f80ToF32(f, s, env);
      if (v === -1) return false;
      OUT64[0] = v;
      return true;
    }
    case ST_F64:
      return f80ToF64(f, s, env, OUT64, 0);
    case ST_F80: {
      const o = s << 2;
      OUT64[0] = f[o];
      OUT64[1] = f[o + 1];
      return true;
    }
    case ST_I16:
    case ST_I32:
    case ST_I64: {
      if (!f80ToInt(f, s, fmt === ST_I16 ? 16 : fmt === ST_I32 ? 32 : 64, env)) return false;
      OUT64[0] = INT_OUT[0];
      OUT64[1] = INT_OUT[1];
      return true;
    }
    default:
      return f80ToBcd(f, s, BCD, 0, env);
  }
}

/**
 * FST/FSTP m32fp m64fp m80fp, FIST/FISTP m16int m32int m64int, FBSTP.
 * Masked stack underflow stores the format's indefinite; an unmasked
 * exception that suppresses the result (IE, and OE/UE for memory
 * destinations) stores nothing and does not pop.
 */
function fstore(fmt: number, popAfter: boolean): MemOp {
  const size = STORE_SIZE[fmt];
  return (c, fop, off, seg) => {
    const x = c.fpu;
    if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return;
    noteInsn(c, x, fop);
    noteData(c, x, off, seg);
    const empty = !isFull(x, x.top);
    if (empty && (x.env.cw & SW_IE) === 0) {
      stackFault(x, false); // unmasked: nothing stored
      return;
    }
    x.env.flags = 0;
    const stored = convertTop(x, fmt, empty);
    if (stored) {
      // Probe the whole destination first so that a fault writes nothing and changes no state.
      if (size === 4) c.write32(seg, off, OUT64[0]);
      else if (size === 2) c.write16(seg, off, OUT64[0]);
      else {
        const lin = storeAddr(c, seg, off, size);
        if (fmt === ST_BCD) {
          for (let i = 0; i < 10; i++) c.lwrite8((lin + i) | 0, BCD[i]);
        } else {
          c.lwrite32(lin, OUT64[0]);
          c.lwrite32((lin + 4) | 0, OUT64[1]);
          if (fmt === ST_F80) c.lwrite16((lin + 8) | 0, empty ? 0xffff : x.regs[(x.top << 2) + 2]);
        }
      }
    }
    if (empty) stackFault(x, false);
    else commit(x, SW_C1);
    if (stored && popAfter) pop(x);
  };
}

/**
 * FST ST(i) (DD D0+i), FSTP ST(i) (DD D8+i and the aliases DF D0+i, DF D8+i):
 * raw copies. `quiet`: the alias D9 D8+i ("FSTP1"), which with an empty
 * ST(0) raises nothing and only pops (clearing C1), leaving ST(i) alone (host check).
 */
function fstSti(popAfter: boolean, quiet = false): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const s = x.top;
    const d = (x.top + (fop & 7)) & 7;
    if (!isFull(x, s)) {
      if (quiet) {
        x.sw &= ~SW_C1; // C1 cleared as for any store (host check)
        pop(x);
      } else if (stackFault(x, false)) {
        setIndefinite(x, d);
        if (popAfter) pop(x);
      }
      return;
    }
    copyF80(x.regs, d, s);
    x.full |= 1 << d;
    x.sw &= ~SW_C1;
    if (popAfter) pop(x);
  };
}

// --- Register moves ------------------------------------------------------------

/** FXCH ST(i) (D9 C8+i, aliases DD C8+i and DF C8+i). Empty operands become the indefinite when IE is masked (host check). */
const fxch: RegOp = (c, fop) => {
  const x = c.fpu;
  if (!begin(c, x, fop)) return;
  const a = x.top;
  const b = (x.top + (fop & 7)) & 7;
  if (!isFull(x, a) || !isFull(x, b)) {
    if (!stackFault(x, false)) return;
    if (!isFull(x, a)) setIndefinite(x, a);
    if (!isFull(x, b)) setIndefinite(x, b);
  } else {
    x.sw &= ~SW_C1;
  }
  const f = x.regs;
  copyF80(f, SLOT_TMP, a);
  copyF80(f, a, b);
  copyF80(f, b, SLOT_TMP);
};

/** FCMOVcc ST(0), ST(i) (DA/DB C0..DF): `cc` 0 B, 1 E, 2 BE, 3 U; `negate` for the DB (N) forms. */
function fcmov(cc: number, negate: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    const d = x.top;
    const s = (x.top + (fop & 7)) & 7;
    if (!isFull(x, d) || !isFull(x, s)) {
      if (stackFault(x, false)) setIndefinite(x, d);
      return;
    }
    let take: boolean;
    switch (cc) {
      case 0: take = getCF(c) !== 0; break;
      case 1: take = getZF(c); break;
      case 2: take = getCF(c) !== 0 || getZF(c); break;
      default: take = getPF(c);
    }
    if (take !== negate) copyF80(x.regs, d, s); // C1 unchanged (host check)
  };
}

/** FFREE ST(i) (DD C0+i) and FFREEP ST(i) (DF C0+i, undocumented): tag empty; C1 = 0 (host check). */
function ffree(popAfter: boolean): RegOp {
  return (c, fop) => {
    const x = c.fpu;
    if (!begin(c, x, fop)) return;
    x.full &= ~(1 << ((x.top + (fop & 7)) & 7));
    x.sw &= ~SW_C1;
    if (popAfter) pop(x);
  };
}

// --- Tables ------------------------------------------------------------------

export const fldM32 = fldFloat(4);
export const fldM64 = fldFloat(8);
export { fbld, fldM80, fldSti, fxch };
export const fildM16 = fildInt(2);
export const fildM32 = fildInt(4);
export const fildM64 = fildInt(8);
export const fstM32 = fstore(ST_F32, false);
export const fstpM32 = fstore(ST_F32, true);
export const fstM64 = fstore(ST_F64, false);
export const fstpM64 = fstore(ST_F64, true);
export const fstpM80 = fstore(ST_F80, true);
export const fistM16 = fstore(ST_I16, false);
export const fistpM16 = fstore(ST_I16, true);
export const fistM32 = fstore(ST_I32, false);
export const fistpM32 = fstore(ST_I32, true);
export const fistpM64 = fstore(ST_I64, true);
export const fbstp = fstore(ST_BCD, true);
export const fstSt = fstSti(false);
export const fstpSt = fstSti(true);
export const fstp1St = fstSti(true, true);
export const ffreeSt = ffree(false);
export const ffreepSt = ffree(true);
export { fcmov, fldConst };
