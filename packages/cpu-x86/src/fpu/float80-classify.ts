/**
 * Classification of 80-bit encodings.
 *
 * Intel SDM Vol.1 8.2.2 / Table 8-3: with an explicit integer bit some
 * encodings are "unsupported" on the 387 and later (pseudo-NaN,
 * pseudo-infinity, unnormal incl. pseudo-zero) and raise #IA when used as
 * operands. Pseudo-denormals (exponent 0, integer bit 1) are still accepted
 * and treated like denormals (they raise #D).
 */

export const K_ZERO = 0;
export const K_NORMAL = 1;
/** Denormal or pseudo-denormal. */
export const K_DENORMAL = 2;
export const K_INF = 3;
export const K_QNAN = 4;
export const K_SNAN = 5;
/** Pseudo-NaN, pseudo-infinity, unnormal, pseudo-zero. */
export const K_UNSUPPORTED = 6;

/** Class of a raw encoding given its sign/exponent word and significand halves. */
export function classifyParts(se: number, hi: number, lo: number): number {
  const exp = se & 0x7fff;
  if (exp === 0x7fff) {
    if ((hi & 0x80000000) === 0) return K_UNSUPPORTED;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return K_INF;
    return (hi & 0x40000000) !== 0 ? K_QNAN : K_SNAN;
  }
  if (exp === 0) {
    if (hi === 0 && lo === 0) return K_ZERO;
    return K_DENORMAL;
  }
  return (hi & 0x80000000) !== 0 ? K_NORMAL : K_UNSUPPORTED;
}

/** True for classes that are NaNs or unsupported encodings. */
export function isNanOrUnsupported(k: number): boolean {
  return k >= K_QNAN;
}
