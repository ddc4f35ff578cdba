// Multiplication and division: MUL/IMUL in every form, DIV/IDIV including
// divide-by-zero and quotient-overflow cases that raise #DE.
import { opText, type CaseBuilder, type Operand } from '../case-builder.js';
import { AF, CF, EAX, EDX, OF, PF, SF, ZF } from '../diff-case.js';
import { immFor, osz, pickSize, type Group } from '../group.js';
import { STATUS6, fullReg, hex, le, regName, sext, type Size } from '../x86-encode.js';

/** Intel SDM MUL/IMUL: CF and OF defined; SF ZF AF PF undefined. */
const MUL_UNDEF = SF | ZF | AF | PF;

function emitMul(b: CaseBuilder): void {
  const rng = b.rng;
  const form = rng.weighted<string>([
    [3, 'one'],
    [2, '0FAF'],
    [1, '69'],
    [1, '6B'],
  ]);
  const flags = { flagsWritten: CF | OF, flagsUndef: MUL_UNDEF };
  if (form === 'one') {
    // F6/F7 /4 MUL, /5 IMUL: AX <- AL*r/m8, DX:AX <- AX*r/m16, EDX:EAX <- EAX*r/m32.
    const size = pickSize(rng);
    const signed = rng.int(2);
    const rm = b.rm(size, { dest: false });
    b.insn({
      prefixes: osz(size),
      opcode: [size === 8 ? 0xf6 : 0xf7],
      rm,
      reg: 4 + signed,
      text: `${signed ? 'imul' : 'mul'} ${opText(rm)}`,
      reads: 1 << EAX,
      writes: size === 8 ? 1 << EAX : (1 << EAX) | (1 << EDX),
      ...flags,
    });
    return;
  }
  const size = pickSize(rng, false);
  const rm = b.rm(size, { dest: false });
  const reg = b.destReg(size);
  if (form === '0FAF') {
    b.insn({
      prefixes: osz(size),
      opcode: [0x0f, 0xaf],
      rm,
      reg,
      text: `imul ${regName(size, reg)}, ${opText(rm)}`,
      reads: 1 << reg,
      writes: 1 << reg,
      ...flags,
    });
    return;
  }
  const wide = form === '69';
  const imm = wide ? immFor(rng, size) : immFor(rng, 8);
  b.insn({
    prefixes: osz(size),
    opcode: [wide ? 0x69 : 0x6b],
    rm,
    reg,
    imm: le(imm, wide ? size / 8 : 1),
    text: `imul ${regName(size, reg)}, ${opText(rm)}, ${wide ? hex(imm) : sext(imm, 8)}`,
    writes: 1 << reg,
    ...flags,
  });
}

type DivKind = 'ok' | 'zero' | 'overflow' | 'any';

/** Random BigInt in [0, 2^bits). */
function randBits(b: CaseBuilder, bits: number, small = false): bigint {
  let v = 0n;
  const n = small ? Math.max(1, b.rng.int(bits) + 1) : bits;
  for (let i = 0; i < n; i += 16) v = (v << 16n) | BigInt(b.rng.int(0x10000));
  return v & ((1n << BigInt(n)) - 1n);
}

/** Chooses dividend and divisor for the wanted outcome. */
function divValues(b: CaseBuilder, size: Size, signed: boolean, kind: DivKind): { dividend: bigint; divisor: bigint } {
  const n = BigInt(size);
  const m2 = (1n << (2n * n)) - 1n;
  const m1 = (1n << n) - 1n;
  const rng = b.rng;
  if (kind === 'zero') return { dividend: randBits(b, 2 * size) & m2, divisor: 0n };
  if (!signed) {
    let d = randBits(b, size, rng.chance(0.5)) & m1;
    if (d === 0n) d = 1n;
    if (kind === 'overflow') {
      // Intel SDM DIV: #DE when the quotient does not fit, i.e. high half >= divisor.
      const hi = d + (randBits(b, size) % (m1 - d + 1n));
      return { dividend: ((hi << n) | (randBits(b, size) & m1)) & m2, divisor: d };
    }
    const q = randBits(b, size, rng.chance(0.4)) & m1;
    const r = randBits(b, size) % d;
    return { dividend: (q * d + r) & m2, divisor: d };
  }
  const half = 1n << (n - 1n);
  let d = randBits(b, size, rng.chance(0.6)) & m1;
  if (d === 0n) d = 1n;
  const sd = d >= half ? d - (1n << n) : d;
  if (kind === 'overflow') {
    // Most negative dividend by -1, or a quotient just outside the range.
    if (rng.chance(0.4)) return { dividend: 1n << (2n * n - 1n), divisor: m1 };
    const q = rng.chance(0.5) ? half + randBits(b, 4) : -half - 1n - randBits(b, 4);
    return { dividend: (q * sd) & m2, divisor: d };
  }
  // Quotient in [-2^(n-1), 2^(n-1)-1], remainder with the dividend's sign.
  const q = (randBits(b, size, rng.chance(0.4)) & m1) - (rng.chance(0.5) ? 0n : half);
  const qc = q < -half ? -half : q >= half ? half - 1n : q;
  const abs = sd < 0n ? -sd : sd;
  let r = randBits(b, size) % abs;
  const prod = qc * sd;
  if (prod < 0n || (prod === 0n && rng.chance(0.5))) r = -r;
  return { dividend: (prod + r) & m2, divisor: d };
}

function emitDiv(b: CaseBuilder): void {
  const rng = b.rng;
  const size = pickSize(rng);
  const signed = rng.chance(0.5);
  const kind = rng.weighted<DivKind>([
    [8, 'ok'],
    [1, 'zero'],
    [2, 'overflow'],
    [1, 'any'],
  ]);
  const name = signed ? 'idiv' : 'div';
  const implicit = size === 8 ? 1 << EAX : (1 << EAX) | (1 << EDX);
  let rm: Operand;
  if (kind === 'any') {
    // Random state, divisor may be EAX/EDX themselves (e.g. div eax).
    rm = b.rm(size, { dest: false });
  } else {
    const { dividend, divisor } = divValues(b, size, signed, kind);
    const n = BigInt(size);
    if (size === 8) {
      const ax = Number(dividend & 0xffffn);
      b.setReg(EAX, (b.rng.u32() & 0xffff0000) | ax);
    } else {
      const lo = Number(dividend & ((1n << n) - 1n));
      const hi = Number(dividend >> n);
      const keep = size === 16 ? 0xffff0000 : 0;
      b.setReg(EAX, ((b.rng.u32() & keep) | lo) >>> 0);
      b.setReg(EDX, ((b.rng.u32() & keep) | hi) >>> 0);
    }
    const dv = Number(divisor);
    if (rng.chance(0.5)) {
      // Divisor in a register other than the dividend's.
      const avoid = size === 8 ? (1 << EAX) : implicit;
      const r = b.srcReg(size, avoid | (1 << 4));
      const full = fullReg(size, r);
      const shift = size === 8 && r >= 4 ? 8 : 0;
      const keep = size === 32 ? 0 : ~(((1 << size) - 1) << shift);
      b.setReg(full, ((b.rng.u32() & keep) | (dv << shift)) >>> 0);
      rm = b.reg(size, r);
    } else {
      const addr = b.pickTarget(rng.chance(0.2) ? 'stack' : 'data', size / 8);
      b.setMem(addr, (size / 8) as 1 | 2 | 4, dv);
      rm = b.mem(size, { target: addr });
    }
  }
  b.insn({
    prefixes: osz(size),
    opcode: [size === 8 ? 0xf6 : 0xf7],
    rm,
    reg: signed ? 7 : 6,
    text: `${name} ${opText(rm)}`,
    reads: implicit,
    writes: implicit,
    // Intel SDM DIV/IDIV: CF OF SF ZF AF PF are undefined.
    flagsUndef: STATUS6,
    mayFault: kind !== 'ok',
  });
}

export const mulGroup: Group = {
  name: 'mul',
  summary: 'MUL/IMUL F6/F7 /4 /5, IMUL 0F AF, 69, 6B',
  undefinedFlags: MUL_UNDEF,
  implicitRegs: (1 << EAX) | (1 << EDX),
  emit: emitMul,
};

export const divGroup: Group = {
  name: 'div',
  summary: 'DIV/IDIV F6/F7 /6 /7: normal, divide by zero (#DE), quotient overflow (#DE)',
  undefinedFlags: STATUS6,
  implicitRegs: (1 << EAX) | (1 << EDX),
  faults: true,
  count: [1, 2],
  emit: emitDiv,
};

