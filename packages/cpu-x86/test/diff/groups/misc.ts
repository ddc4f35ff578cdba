// Flag instructions (CLC STC CMC CLD STD LAHF SAHF), BCD adjustments
// (DAA DAS AAA AAS AAM AAD), BOUND, and NOPs (90, PAUSE, 0F 1F).
import { opText, type CaseBuilder } from '../case-builder.js';
import { AF, CF, EAX, ESP, OF, PF, SF, ZF } from '../diff-case.js';
import { type Group } from '../group.js';
import { regName, sext, type Size } from '../x86-encode.js';
import { randomAddr32 } from './data.js';

const SZAPC = SF | ZF | AF | PF | CF;

function emitFlagOp(b: CaseBuilder): void {
  const rng = b.rng;
  switch (rng.int(7)) {
    case 0:
      b.insn({ opcode: [0xf8], text: 'clc', flagsWritten: CF });
      return;
    case 1:
      b.insn({ opcode: [0xf9], text: 'stc', flagsWritten: CF });
      return;
    case 2:
      b.insn({ opcode: [0xf5], text: 'cmc', flagsRead: CF, flagsWritten: CF });
      return;
    case 3:
      b.insn({ opcode: [0xfc], text: 'cld', df: 0 });
      return;
    case 4:
      b.insn({ opcode: [0xfd], text: 'std', df: 1 });
      return;
    case 5:
      // LAHF: AH <- SF:ZF:0:AF:0:PF:1:CF.
      b.insn({ opcode: [0x9f], text: 'lahf', flagsRead: SZAPC, reads: 1 << EAX, writes: 1 << EAX });
      return;
    default:
      // SAHF: SF ZF AF PF CF <- AH.
      if (rng.chance(0.6)) b.setReg(EAX, rng.u32());
      b.insn({ opcode: [0x9e], text: 'sahf', reads: 1 << EAX, flagsWritten: SZAPC });
  }
}

/** AX values: valid packed/unpacked BCD, edge digits, or random. */
function bcdAx(b: CaseBuilder): number {
  const rng = b.rng;
  const digit = (): number => rng.pick([0, 1, 5, 8, 9, 9, rng.int(16), rng.int(16)]);
  const lo = rng.chance(0.7) ? (digit() << 4) | digit() : rng.int(256);
  const hi = rng.chance(0.5) ? digit() : rng.int(256);
  return (hi << 8) | lo;
}

function emitBcd(b: CaseBuilder): void {
  const rng = b.rng;
  if (rng.chance(0.7)) b.setReg(EAX, ((rng.u32() & 0xffff0000) | bcdAx(b)) >>> 0);
  if (rng.chance(0.3)) {
    const stc = rng.int(2);
    b.insn({ opcode: [0xf8 + stc], text: stc ? 'stc' : 'clc', flagsWritten: CF });
  }
  const op = rng.int(6);
  const base = { reads: 1 << EAX, writes: 1 << EAX };
  switch (op) {
    case 0:
    case 1:
      // DAA/DAS: CF AF SF ZF PF defined from AL, CF and AF; OF undefined.
      b.insn({ opcode: [op ? 0x2f : 0x27], text: op ? 'das' : 'daa', ...base, flagsRead: AF | CF, flagsWritten: SZAPC, flagsUndef: OF });
      return;
    case 2:
    case 3:
      // AAA/AAS: AF CF defined; OF SF ZF PF undefined.
      b.insn({ opcode: [op === 3 ? 0x3f : 0x37], text: op === 3 ? 'aas' : 'aaa', ...base, flagsRead: AF, flagsWritten: AF | CF, flagsUndef: OF | SF | ZF | PF });
      return;
    default: {
      // AAM/AAD imm8 (base 10 normally); AAM 0 raises #DE.
      // Intel SDM: SF ZF PF defined; OF AF CF undefined.
      const aam = op === 4;
      const imm = rng.weighted<number>([
        [5, 10],
        [3, rng.int(256)],
        [aam ? 1 : 0, 0],
        [1, rng.pick([1, 2, 16, 255])],
      ]);
      b.insn({
        opcode: [aam ? 0xd4 : 0xd5],
        imm: [imm],
        text: `${aam ? 'aam' : 'aad'} ${imm}`,
        ...base,
        flagsWritten: SF | ZF | PF,
        flagsUndef: OF | AF | CF,
        mayFault: aam && imm === 0,
      });
    }
  }
}

function emitBound(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.chance(0.3) ? 16 : 32;
  const bytes = size / 8;
  const wrap = (v: number): number => sext(v, size);
  const r = b.srcReg(size);
  let index: number;
  if (r === ESP) index = wrap(b.esp);
  else {
    index = wrap(rng.interesting32());
    const cur = b.value(r) ?? rng.u32();
    b.setReg(r, size === 16 ? ((cur & 0xffff0000) | (index & 0xffff)) >>> 0 : index >>> 0);
  }
  // Signed bounds; outcome in range, below, above, or an empty range.
  const kind = rng.weighted<number>([
    [5, 0],
    [1, 1],
    [1, 2],
    [1, 3],
  ]);
  const d1 = rng.int(100);
  const d2 = rng.int(100);
  let lo: number;
  let hi: number;
  if (kind === 0) [lo, hi] = [index - d1, index + d2];
  else if (kind === 1) [lo, hi] = [index + 1 + d1, index + 1 + d1 + d2];
  else if (kind === 2) [lo, hi] = [index - 1 - d1 - d2, index - 1 - d1];
  else [lo, hi] = [index + d1, index - d2 - 1];
  const m = size === 16 ? 0xffff : 0xffffffff;
  const addr = b.pickTarget(rng.chance(0.2) ? 'stack' : 'data', 2 * bytes);
  b.setMem(addr, bytes as 2 | 4, (lo & m) >>> 0);
  b.setMem(addr + bytes, bytes as 2 | 4, (hi & m) >>> 0);
  const rm = b.mem(2 * size, { target: addr });
  b.insn({
    prefixes: size === 16 ? [0x66] : [],
    opcode: [0x62],
    rm,
    reg: r,
    text: `bound ${regName(size, r)}, ${opText(rm)}`,
    reads: 1 << r,
    // BOUND raises #BR (vector 5) when the index is outside [lo, hi].
    mayFault: true,
  });
}

function emitNop(b: CaseBuilder): void {
  const rng = b.rng;
  switch (rng.int(4)) {
    case 0:
      b.insn({ opcode: [0x90], text: 'nop' });
      return;
    case 1:
      b.insn({ prefixes: [0x66], opcode: [0x90], text: 'o16 nop' });
      return;
    case 2:
      // F3 90 is PAUSE (a NOP on the P6).
      b.insn({ prefixes: [0xf3], opcode: [0x90], text: 'pause', fixedPrefixOrder: true });
      return;
    default: {
      // 0F 1F /0: multi-byte NOP; the memory operand is never accessed.
      const o16 = rng.chance(0.3);
      const rm = rng.chance(0.8) ? randomAddr32(b) : b.reg(o16 ? 16 : 32, b.srcReg(32));
      b.insn({
        prefixes: o16 ? [0x66] : [],
        opcode: [0x0f, 0x1f],
        rm,
        reg: 0,
        text: `nop ${rm.kind === 'mem' ? rm.expr : regName(rm.size, rm.reg)}`,
        rmRead: false,
      });
    }
  }
}

export const flagOpsGroup: Group = {
  name: 'flagops',
  summary: 'CLC STC CMC CLD STD LAHF SAHF',
  undefinedFlags: 0,
  emit: emitFlagOp,
};

export const bcdGroup: Group = {
  name: 'bcd',
  summary: 'DAA DAS AAA AAS AAM AAD (any imm8; AAM 0 raises #DE)',
  undefinedFlags: OF | SF | ZF | PF | AF | CF, // DAA/DAS: OF; AAA/AAS: OF SF ZF PF; AAM/AAD: OF AF CF
  implicitRegs: 1 << EAX,
  faults: true,
  emit: emitBcd,
};

export const boundGroup: Group = {
  name: 'bound',
  summary: 'BOUND 62 /r, 16/32-bit: in range, below, above (#BR)',
  undefinedFlags: 0,
  faults: true,
  count: [1, 2],
  emit: emitBound,
};

export const nopGroup: Group = {
  name: 'nop',
  summary: 'NOP 90, 66 90, PAUSE F3 90, NOP r/m 0F 1F /0',
  undefinedFlags: 0,
  emit: emitNop,
};
