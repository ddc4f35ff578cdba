// Data movement: MOV (all integer forms), MOVZX/MOVSX, XCHG, LEA (32- and
// 16-bit addressing), CBW/CWDE/CWD/CDQ, XLAT.
import { opText, type CaseBuilder, type MemOperand } from '../case-builder.js';
import { DATA_BASE, DATA_SIZE, EAX, EBX, EDX } from '../diff-case.js';
import { immFor, osz, pickSize, type Group } from '../group.js';
import { LOCK, REG32, SEG_NAMES, SEG_PREFIXES, hex, le, regBit, regName, signedHex, type Size } from '../x86-encode.js';

function emitMov(b: CaseBuilder): void {
  const rng = b.rng;
  const size = pickSize(rng);
  const w = size === 8 ? 0 : 1;
  const form = rng.weighted<string>([
    [3, 'rm,r'],
    [3, 'r,rm'],
    [2, 'r,imm'],
    [2, 'rm,imm'],
    [1, 'moffs'],
  ]);
  if (form === 'rm,r') {
    const rm = b.rm(size, { dest: true });
    const reg = b.srcReg(size);
    b.insn({ prefixes: osz(size), opcode: [0x88 + w], rm, reg, text: `mov ${opText(rm)}, ${regName(size, reg)}`, reads: regBit(size, reg), rmRead: false, rmWrite: true });
  } else if (form === 'r,rm') {
    const rm = b.rm(size, { dest: false });
    const reg = b.destReg(size);
    b.insn({ prefixes: osz(size), opcode: [0x8a + w], rm, reg, text: `mov ${regName(size, reg)}, ${opText(rm)}`, writes: regBit(size, reg) });
  } else if (form === 'r,imm') {
    const reg = b.destReg(size);
    const imm = immFor(rng, size);
    b.insn({
      prefixes: osz(size),
      opcode: [(size === 8 ? 0xb0 : 0xb8) + reg],
      imm: le(imm, size / 8),
      text: `mov ${regName(size, reg)}, ${hex(imm)}`,
      writes: regBit(size, reg),
      known: size === 32 ? [[reg, imm]] : [],
    });
  } else if (form === 'rm,imm') {
    const rm = b.rm(size, { dest: true });
    const imm = immFor(rng, size);
    b.insn({
      prefixes: osz(size),
      opcode: [0xc6 + w],
      rm,
      reg: 0,
      imm: le(imm, size / 8),
      text: `mov ${opText(rm)}, ${hex(imm)}`,
      rmRead: false,
      rmWrite: true,
      memWrites: rm.kind === 'mem' ? [[rm.addr, size / 8, imm]] : [],
      known: rm.kind === 'reg' && size === 32 ? [[rm.reg, imm]] : [],
    });
  } else {
    // A0-A3: accumulator <-> absolute moffs32 address (segment override allowed).
    const store = rng.int(2);
    const addr = b.pickTarget(rng.chance(0.2) ? 'stack' : 'data', size / 8);
    const seg = rng.chance(0.2) ? [rng.pick(SEG_PREFIXES)] : [];
    const segText = seg.length ? `${SEG_NAMES[seg[0]!]}:` : '';
    const mem = `${size === 8 ? 'byte' : size === 16 ? 'word' : 'dword'} ${segText}[${hex(addr)}]`;
    b.insn({
      prefixes: [...osz(size), ...seg],
      opcode: [0xa0 + store * 2 + w],
      imm: le(addr, 4),
      text: store ? `mov ${mem}, ${regName(size, EAX)}` : `mov ${regName(size, EAX)}, ${mem}`,
      reads: store ? 1 << EAX : 0,
      writes: store ? 0 : 1 << EAX,
      memReads: store ? [] : [[addr, size / 8]],
      memWrites: store ? [[addr, size / 8]] : [],
    });
  }
}

function emitMovx(b: CaseBuilder): void {
  const rng = b.rng;
  const signExt = rng.int(2);
  const srcSize: Size = rng.chance(0.5) ? 8 : 16;
  const dstSize: Size = rng.chance(0.25) ? 16 : 32;
  const rm = b.rm(srcSize, { dest: false });
  const reg = b.destReg(dstSize);
  b.insn({
    prefixes: osz(dstSize),
    opcode: [0x0f, (signExt ? 0xbe : 0xb6) + (srcSize === 16 ? 1 : 0)],
    rm,
    reg,
    text: `${signExt ? 'movsx' : 'movzx'} ${regName(dstSize, reg)}, ${opText(rm)}`,
    writes: 1 << reg,
  });
}

function emitXchg(b: CaseBuilder): void {
  const rng = b.rng;
  const size = pickSize(rng);
  if (size !== 8 && rng.chance(0.3)) {
    // 90+r: xchg eAX, r (r = 0 is NOP, so 1..7).
    const r = b.destReg(size, 1 << EAX);
    b.insn({ prefixes: osz(size), opcode: [0x90 + r], text: `xchg ${regName(size, EAX)}, ${regName(size, r)}`, reads: (1 << EAX) | (1 << r), writes: (1 << EAX) | (1 << r) });
    return;
  }
  const rm = b.rm(size, { dest: true });
  const reg = b.destReg(size);
  // Intel SDM XCHG: a memory operand is locked implicitly; an explicit LOCK is legal.
  const lock = rm.kind === 'mem' && rng.chance(0.3) ? [LOCK] : [];
  b.insn({
    prefixes: [...osz(size), ...lock],
    opcode: [size === 8 ? 0x86 : 0x87],
    rm,
    reg,
    text: `xchg ${opText(rm)}, ${regName(size, reg)}`,
    reads: regBit(size, reg),
    writes: regBit(size, reg),
    rmWrite: true,
  });
}

/** A random 32-bit address form over any registers (LEA and hint NOPs never
 *  access memory, so the address may be anything). */
export function randomAddr32(b: CaseBuilder): MemOperand {
  const rng = b.rng;
  const mod = rng.int(3);
  const rm = rng.int(8);
  let sibByte: number | null = null;
  let addrRegs = 0;
  const parts: string[] = [];
  let dispLen = mod === 1 ? 1 : mod === 2 ? 4 : 0;
  if (rm === 4) {
    sibByte = rng.int(256);
    const base = sibByte & 7;
    const index = (sibByte >> 3) & 7;
    const scale = 1 << (sibByte >> 6);
    if (base === 5 && mod === 0) dispLen = 4;
    else {
      addrRegs |= 1 << base;
      parts.push(REG32[base]!);
    }
    if (index !== 4) {
      addrRegs |= 1 << index;
      parts.push(scale === 1 ? REG32[index]! : `${REG32[index]}*${scale}`);
    }
  } else if (rm === 5 && mod === 0) {
    dispLen = 4;
  } else {
    addrRegs |= 1 << rm;
    parts.push(REG32[rm]!);
  }
  const dispVal = dispLen === 1 ? rng.range(-128, 127) : dispLen === 4 ? rng.interesting32() | 0 : 0;
  let expr = parts.join('+');
  if (dispLen) expr = expr === '' ? hex(dispVal) : expr + signedHex(dispVal);
  return {
    kind: 'mem',
    size: 0,
    addr: -1,
    addrRegs,
    seg: null,
    a16: false,
    mod,
    rm,
    sibByte: rm === 4 ? sibByte : null,
    disp: le(dispVal, dispLen),
    expr: `[${expr}]`,
  };
}

function emitLea(b: CaseBuilder): void {
  const rng = b.rng;
  const dstSize: Size = rng.chance(0.25) ? 16 : 32;
  const kind = rng.weighted<string>([
    [3, 'any32'],
    [1, 'mem32'],
    [2, 'a16'],
  ]);
  const op = kind === 'any32' ? randomAddr32(b) : kind === 'mem32' ? b.mem(0, { segProb: 0.05 }) : b.mem16(0);
  if (rng.chance(0.05)) op.seg = rng.pick(SEG_PREFIXES); // ignored by LEA
  const reg = b.destReg(dstSize);
  b.insn({
    prefixes: osz(dstSize),
    opcode: [0x8d],
    rm: op,
    reg,
    text: `lea ${regName(dstSize, reg)}, ${op.a16 ? 'a16 ' : ''}${op.expr}`,
    rmRead: false,
    writes: 1 << reg,
  });
}

function emitConvert(b: CaseBuilder): void {
  const rng = b.rng;
  const wide = rng.int(2); // 98: CBW/CWDE, 99: CWD/CDQ
  const o16 = rng.chance(0.4);
  const names = wide ? (o16 ? 'cwd' : 'cdq') : o16 ? 'cbw' : 'cwde';
  b.insn({
    prefixes: o16 ? [0x66] : [],
    opcode: [0x98 + wide],
    text: names,
    reads: 1 << EAX,
    writes: wide ? 1 << EDX : 1 << EAX,
  });
}

function emitXlat(b: CaseBuilder): void {
  const rng = b.rng;
  // XLAT: AL <- [EBX + zero-extended AL]; keep EBX+0..255 in the data buffer.
  const ebx = b.value(EBX);
  if (ebx === undefined || ebx < DATA_BASE || ebx > DATA_BASE + DATA_SIZE - 256 || rng.chance(0.5)) {
    b.setReg(EBX, DATA_BASE + rng.int(DATA_SIZE - 255));
  }
  if (rng.chance(0.5)) b.setReg(EAX, rng.interesting32());
  const base = b.value(EBX)!;
  const seg = rng.chance(0.2) ? [rng.pick(SEG_PREFIXES)] : [];
  b.insn({
    prefixes: seg,
    opcode: [0xd7],
    text: `xlat ${seg.length ? SEG_NAMES[seg[0]!] + ':' : ''}[ebx+al]`,
    reads: (1 << EAX) | (1 << EBX),
    writes: 1 << EAX,
    memReads: [[base, 256]],
  });
}

export const movGroup: Group = {
  name: 'mov',
  summary: 'MOV 88/89/8A/8B, B0+r, B8+r, C6/C7 /0, A0-A3 moffs (8/16/32-bit)',
  undefinedFlags: 0,
  emit: emitMov,
};

export const movxGroup: Group = {
  name: 'movx',
  summary: 'MOVZX/MOVSX 0F B6/B7/BE/BF with 16- and 32-bit destinations',
  undefinedFlags: 0,
  emit: emitMovx,
};

export const xchgGroup: Group = {
  name: 'xchg',
  summary: 'XCHG 86/87 r/m,r (implicitly locked with memory, explicit LOCK too), 90+r',
  undefinedFlags: 0,
  emit: emitXchg,
};

export const leaGroup: Group = {
  name: 'lea',
  summary: 'LEA 8D with every 32-bit ModRM/SIB form and 67-prefixed 16-bit forms; 16/32-bit destinations',
  undefinedFlags: 0,
  emit: emitLea,
};

export const convertGroup: Group = {
  name: 'convert',
  summary: 'CBW/CWDE 98, CWD/CDQ 99',
  undefinedFlags: 0,
  implicitRegs: (1 << EAX) | (1 << EDX),
  emit: emitConvert,
};

export const xlatGroup: Group = {
  name: 'xlat',
  summary: 'XLAT D7 with DS/ES/SS overrides',
  undefinedFlags: 0,
  implicitRegs: (1 << EAX) | (1 << EBX),
  emit: emitXlat,
};

