/** Test-only: a fixed list of boundary / special 80-bit encodings. */
import { f80, F80 } from './f80-values.js';

const unsigned: F80[] = [
  f80(0, 0, 0), // zero
  f80(0x7fff, 0x80000000, 0), // infinity
  f80(0x7fff, 0xc0000000, 0), // QNaN (indefinite payload)
  f80(0x7fff, 0xc0000000, 0x1234), // QNaN
  f80(0x7fff, 0xfedcba98, 0x76543210), // QNaN large payload
  f80(0x7fff, 0x80000000, 1), // SNaN
  f80(0x7fff, 0xbfffffff, 0xffffffff), // SNaN large payload
  f80(0, 0, 1), // smallest denormal
  f80(0, 0x7fffffff, 0xffffffff), // largest denormal
  f80(0, 0x40000000, 0), // denormal 2^-16383
  f80(0, 0x80000000, 0), // pseudo-denormal = 2^-16382
  f80(0, 0xc0000000, 5), // pseudo-denormal
  f80(0x3fff, 0x40000000, 0), // unnormal
  f80(0x1234, 0, 0), // pseudo-zero (unnormal)
  f80(0x7fff, 0, 0), // pseudo-infinity
  f80(0x7fff, 0x40000000, 0), // pseudo-NaN
  f80(1, 0x80000000, 0), // smallest normal
  f80(1, 0xffffffff, 0xffffffff),
  f80(0x7ffe, 0xffffffff, 0xffffffff), // largest finite
  f80(0x7ffe, 0x80000000, 0),
  f80(0x3fff, 0x80000000, 0), // 1
  f80(0x3fff, 0x80000000, 1), // 1 + ulp
  f80(0x3ffe, 0xffffffff, 0xffffffff), // 1 - ulp/2
  f80(0x3fff, 0xc0000000, 0), // 1.5
  f80(0x4000, 0xc90fdaa2, 0x2168c235), // pi
  f80(0x403e, 0x80000000, 0), // 2^63
  f80(0x403d, 0xffffffff, 0xffffffff), // 2^63 - 1
  f80(0x3ffe, 0x80000000, 0), // 0.5
  f80(0x3fff, 0xffffff80, 0), // 24-bit halfway pattern
  f80(0x3fff, 0xffffffff, 0xfffffc00), // 53-bit halfway pattern
  f80(0x4000 + 24575, 0x80000000, 0), // 2^24576 (wrap bias)
  f80(0x3fff - 16000, 0x80000000, 0), // 2^-16000
];

/** Both signs of every entry. */
export const SPECIAL_VALUES: readonly F80[] = unsigned.flatMap((v) => [v, f80(v.se | 0x8000, v.hi, v.lo)]);
