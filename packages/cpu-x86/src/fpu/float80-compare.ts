/**
 * FCOM/FUCOM/FTST (and FCOMI/FUCOMI, which report the same relation in
 * ZF/PF/CF) plus FXAM classification. SDM Vol.2 FCOM table: unordered
 * sets C3=C2=C0=1; FUCOM raises IE only for SNaN operands, FCOM for any
 * NaN; unsupported encodings always raise IE.
 */
import * as $float80_classify from './float80-classify.js';
import * as $float80_operand from './float80-operand.js';
import * as $fpu_env from './fpu-env.js';
import { FpuEnv } from './fpu-env.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { K_DENORMAL, K_INF, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, classifyParts } = $float80_classify;
const { OPA, OPB, unpack } = $float80_operand;
const { FLAG_C0, FLAG_C1, FLAG_C2, FLAG_C3, FLAG_DE, FLAG_IE } = $fpu_env;

/** Condition codes for ST(0) > src, <, =, unordered (C3 C2 C0 = 000, 001, 100, 111). */
export const CMP_GT = 0;
export const CMP_LT = FLAG_C0;
export const CMP_EQ = FLAG_C3;
export const CMP_UNORDERED = FLAG_C3 | FLAG_C2 | FLAG_C0;

/** Signed comparison of two unpacked non-NaN operands: -1, 0, 1. */
function cmpValues(ka: number, kb: number): number {
  if (ka === K_ZERO && kb === K_ZERO) return 0;
  const sa = OPA.sign;
  const sb = OPB.sign;
  if (ka === K_ZERO) return sb ? 1 : -1;
  if (kb === K_ZERO) return sa ? -1 : 1;
  if (sa !== sb) return sa ? -1 : 1;
  let mag: number;
  if (ka === K_INF || kb === K_INF) mag = ka === kb ? 0 : ka === K_INF ? 1 : -1;
  else if (OPA.exp !== OPB.exp) mag = OPA.exp > OPB.exp ? 1 : -1;
  else if (OPA.hi !== OPB.hi) mag = OPA.hi > OPB.hi ? 1 : -1;
  else if (OPA.lo !== OPB.lo) mag = OPA.lo > OPB.lo ? 1 : -1;
  else mag = 0;
  return sa ? -mag : mag;
}

/**
 * Compare slot a (ST(0)) with slot b. `unordered` selects FUCOM semantics.
 * Exceptions go to env.flags; the returned CMP_* bits are the C3/C2/C0
 * result (the caller stores them for FCOM or maps C3->ZF, C2->PF, C0->CF
 * for FCOMI). With an unmasked IE the caller should leave the codes alone.
 * `memDenormal`: bit 0 / bit 1 set when operand a / b was widened from a
 * denormal m32/m64 memory operand (f80WidenF32/F64), so DE is reported.
 */
export function f80Compare(f: Uint32Array, a: number, b: number, env: FpuEnv, unordered: boolean, memDenormal = 0): number {
  const ka = unpack(OPA, f, a);
  const kb = unpack(OPB, f, b);
  if (ka >= K_QNAN || kb >= K_QNAN) {
    if (!unordered || ka === K_SNAN || kb === K_SNAN || ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
      env.flags |= FLAG_IE;
    }
    return CMP_UNORDERED;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL || memDenormal !== 0) env.flags |= FLAG_DE;
  const c = cmpValues(ka, kb);
  return c > 0 ? CMP_GT : c < 0 ? CMP_LT : CMP_EQ;
}

/** FXAM codes (SDM Vol.2 FXAM table), C1 = sign added by f80Examine. */
export const FXAM_UNSUPPORTED = 0;
export const FXAM_NAN = FLAG_C0;
export const FXAM_NORMAL = FLAG_C2;
export const FXAM_INFINITY = FLAG_C2 | FLAG_C0;
export const FXAM_ZERO = FLAG_C3;
export const FXAM_EMPTY = FLAG_C3 | FLAG_C0;
export const FXAM_DENORMAL = FLAG_C3 | FLAG_C2;

/** FXAM of a non-empty register: C3..C0 bits (C1 = sign). Raises nothing. */
export function f80Examine(f: Uint32Array, a: number): number {
  const o = a << 2;
  const se = f[o + 2]!;
  const k = classifyParts(se, f[o + 1]!, f[o]!);
  const c1 = (se & 0x8000) !== 0 ? FLAG_C1 : 0;
  switch (k) {
    case K_ZERO: return FXAM_ZERO | c1;
    case K_NORMAL: return FXAM_NORMAL | c1;
    case K_DENORMAL: return FXAM_DENORMAL | c1;
    case K_INF: return FXAM_INFINITY | c1;
    case K_QNAN:
    case K_SNAN: return FXAM_NAN | c1;
    default: return FXAM_UNSUPPORTED | c1;
  }
}
