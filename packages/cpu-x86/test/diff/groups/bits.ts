// Bit instructions: BT/BTS/BTR/BTC (register, immediate, and memory with a
// register bit offset reaching outside the addressed dword), BSF/BSR, BSWAP.
import { opText, type CaseBuilder, type Operand } from '../case-builder.js';
import { AF, CF, DATA_BASE, DATA_SIZE, ESP, OF, PF, SF, ZF } from '../diff-case.js';
import { osz, pickSize, type Group } from '../group.js';
import { LOCK, regBit, regName, type Size } from '../x86-encode.js';

const BT_NAMES = ['bt', 'bts', 'btr', 'btc'] as const;
/** Intel SDM BT*: CF = selected bit, ZF unaffected, OF SF AF PF undefined. */
const BT_UNDEF = OF | SF | AF | PF;

function emitBt(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.int(4); // 0 bt, 1 bts, 2 btr, 3 btc
  const size = pickSize(rng, false);
  const writes = op !== 0;
  const flags = { flagsWritten: CF, flagsUndef: BT_UNDEF };
  const lock = (mem: boolean): number[] => (writes && mem && rng.chance(0.3) ? [LOCK] : []);
  if (rng.chance(0.4)) {
    // 0F BA /4../7 ib: offset = imm8 mod operand size, inside the operand.
    const imm = rng.chance(0.5) ? rng.int(size) : rng.int(256);
    const rm = b.rm(size, { dest: writes });
    b.insn({
      prefixes: [...osz(size), ...lock(rm.kind === 'mem')],
      opcode: [0x0f, 0xba],
      rm,
      reg: 4 + op,
      imm: [imm],
      text: `${BT_NAMES[op]} ${opText(rm)}, ${imm}`,
      rmWrite: writes,
      ...flags,
    });
    return;
  }
  const opcode = [0x0f, 0xa3 + op * 8];
  if (rng.chance(0.5)) {
    // Register destination: offset = source mod operand size.
    const rm = b.reg(size, writes ? b.destReg(size) : b.srcReg(size));
    const src = b.srcReg(size);
    b.insn({
      prefixes: osz(size),
      opcode,
      rm,
      reg: src,
      text: `${BT_NAMES[op]} ${opText(rm)}, ${regName(size, src)}`,
      reads: regBit(size, src),
      rmWrite: writes,
      ...flags,
    });
    return;
  }
  // Memory with a signed register bit offset (Intel SDM BT: the operand is at
  // EA + (size/8) * (offset SAR log2(size))). The accessed unit stays inside
  // the data buffer; 4 bytes are kept in range for 16-bit too, since the
  // processor may access a dword there.
  const src = b.srcReg(size, 1 << ESP);
  const unit = size / 8;
  const k = rng.range(-40, 40);
  // Margin of 4 bytes on both sides of the accessed unit.
  let accessed = DATA_BASE + rng.range(4, DATA_SIZE - 8);
  accessed -= (accessed - DATA_BASE) % unit;
  const ea = accessed - k * unit;
  const bit = rng.int(size);
  const offset = k * size + bit;
  const cur = b.value(src);
  const upper = size === 16 ? (cur ?? rng.u32()) & 0xffff0000 : 0;
  b.setReg(src, (upper | (offset & (size === 16 ? 0xffff : 0xffffffff))) >>> 0);
  const rm: Operand = b.mem(size, { target: ea, avoidRegs: 1 << src, span: 0 });
  b.insn({
    prefixes: [...osz(size), ...lock(true)],
    opcode,
    rm,
    reg: src,
    text: `${BT_NAMES[op]} ${opText(rm)}, ${regName(size, src)} ; bit offset ${offset}`,
    reads: 1 << src,
    rmRead: false,
    memReads: [[accessed, 4]],
    memWrites: writes ? [[accessed, unit]] : [],
    ...flags,
  });
}

function emitBitScan(b: CaseBuilder): void {
  const rng = b.rng;
  const reverse = rng.int(2);
  const size = pickSize(rng, false);
  const zero = rng.chance(0.2);
  const value = zero ? 0 : rng.chance(0.5) ? 1 << rng.int(size) : rng.interesting32() & (size === 16 ? 0xffff : -1);
  let rm: Operand;
  let known: number | undefined;
  if (rng.chance(0.5)) {
    const r = b.srcReg(size, 1 << ESP);
    if (rng.chance(0.7)) b.setReg(r, (((b.value(r) ?? rng.u32()) & (size === 16 ? 0xffff0000 : 0)) | value) >>> 0);
    rm = b.reg(size, r);
    const v = b.value(r);
    known = v === undefined ? undefined : v & (size === 16 ? 0xffff : 0xffffffff);
  } else {
    const addr = b.pickTarget('data', size / 8);
    if (rng.chance(0.7)) b.setMem(addr, (size / 8) as 2 | 4, value);
    rm = b.mem(size, { target: addr });
    known = b.memValue(addr, size / 8);
  }
  const dest = b.destReg(size);
  b.insn({
    prefixes: osz(size),
    opcode: [0x0f, 0xbc + reverse],
    rm,
    reg: dest,
    text: `${reverse ? 'bsr' : 'bsf'} ${regName(size, dest)}, ${opText(rm)}`,
    reads: 1 << dest,
    writes: 1 << dest,
    // Intel SDM BSF/BSR: ZF set iff the source is 0; CF OF SF AF PF undefined;
    // the destination is undefined when the source is 0.
    flagsWritten: ZF,
    flagsUndef: CF | OF | SF | AF | PF,
    regsUndef: known === 0 || known === undefined ? 1 << dest : 0,
  });
}

function emitBswap(b: CaseBuilder): void {
  const rng = b.rng;
  // Intel SDM BSWAP: a 16-bit register operand gives an undefined result.
  const size: Size = rng.chance(0.1) ? 16 : 32;
  const r = b.destReg(32);
  b.insn({
    prefixes: osz(size),
    opcode: [0x0f, 0xc8 + r],
    text: `bswap ${regName(size, r)}`,
    reads: 1 << r,
    writes: 1 << r,
    regsUndef: size === 16 ? 1 << r : 0,
  });
}

export const btGroup: Group = {
  name: 'bt',
  summary: 'BT/BTS/BTR/BTC 0F A3/AB/B3/BB r/m,r and 0F BA /4-/7 imm8; memory bit offsets -1280..1280; LOCK',
  undefinedFlags: BT_UNDEF,
  emit: emitBt,
};

export const bitScanGroup: Group = {
  name: 'bitscan',
  summary: 'BSF/BSR 0F BC/BD, 16/32-bit, zero and non-zero sources',
  undefinedFlags: CF | OF | SF | AF | PF,
  undefinedResults: 'destination when the source is 0',
  emit: emitBitScan,
};

export const bswapGroup: Group = {
  name: 'bswap',
  summary: 'BSWAP 0F C8+r (and the undefined 16-bit form 66 0F C8+r)',
  undefinedFlags: 0,
  undefinedResults: 'the 16-bit form (66 0F C8+r)',
  emit: emitBswap,
};

