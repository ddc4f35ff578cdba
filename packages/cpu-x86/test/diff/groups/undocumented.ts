// Encodings Intel leaves undocumented or reserved but that P6-class CPUs
// execute: SALC (D6), SAL as /6 of the shift groups, TEST as F6/F7 /1,
// SETcc with a non-zero ModRM reg field, REP/REPNE on non-string
// instructions, REPNE on STOS, branch-hint prefixes, ICEBP (F1, #DB trap).
// Kept out of the "mixed" group; ask for it explicitly.
import { opText, type CaseBuilder } from '../case-builder.js';
import { AF, CF, DATA_BASE, DATA_SIZE, EAX, ECX, EDI, OF } from '../diff-case.js';
import { immFor, osz, pickSize, type Group } from '../group.js';
import { CC_NAMES, REP, REPNE, STATUS6, ccFlags, hex, le } from '../x86-encode.js';
import { emitShift } from './shift.js';

function emitUndocumented(b: CaseBuilder): void {
  const rng = b.rng;
  switch (rng.int(8)) {
    case 0:
      // SALC: AL <- CF ? FFh : 00h.
      b.insn({ opcode: [0xd6], text: 'salc', flagsRead: CF, reads: 1 << EAX, writes: 1 << EAX });
      return;
    case 1:
      emitShift(b, [6]);
      return;
    case 2: {
      // F6/F7 /1: alias of TEST r/m, imm.
      const size = pickSize(rng);
      const imm = immFor(rng, size);
      const rm = b.rm(size, { dest: false });
      b.insn({
        prefixes: osz(size),
        opcode: [size === 8 ? 0xf6 : 0xf7],
        rm,
        reg: 1,
        imm: le(imm, size / 8),
        text: `test ${opText(rm)}, ${hex(imm)} ; F6/F7 /1`,
        flagsWritten: STATUS6 & ~AF,
        flagsUndef: AF,
      });
      return;
    }
    case 3: {
      const cc = rng.int(16);
      const reg = rng.range(1, 7);
      const rm = b.rm(8, { dest: true });
      b.insn({
        opcode: [0x0f, 0x90 + cc],
        rm,
        reg,
        text: `set${CC_NAMES[cc]} ${opText(rm)} ; reg field ${reg}`,
        rmRead: false,
        rmWrite: true,
        flagsRead: ccFlags(cc),
      });
      return;
    }
    case 4: {
      // F2/F3 on a plain one-byte ALU instruction: ignored.
      const r = b.destReg(32);
      const imm = rng.int(256);
      b.insn({
        prefixes: [rng.pick([REP, REPNE])],
        opcode: [0x83],
        rm: b.reg(32, r),
        reg: 0,
        imm: [imm],
        text: `rep add ${opText(b.reg(32, r))}, ${imm} ; prefix ignored`,
        rmWrite: true,
        flagsWritten: STATUS6,
      });
      return;
    }
    case 5: {
      // REPNE STOSB behaves as REP STOSB.
      const n = rng.range(0, 8);
      b.insn({ opcode: [0xfc], text: 'cld', df: 0 });
      const di = DATA_BASE + rng.int(DATA_SIZE - 16);
      b.setReg(EDI, di);
      b.setReg(ECX, n);
      b.insn({
        prefixes: [REPNE],
        opcode: [0xaa],
        text: 'repne stosb',
        reads: (1 << EAX) | (1 << ECX) | (1 << EDI),
        writes: (1 << ECX) | (1 << EDI),
        memWrites: n > 0 ? [[di, n]] : [],
      });
      return;
    }
    case 6: {
      // 2E/3E before Jcc: branch hints (not taken / taken).
      const cc = rng.int(16);
      b.insn({
        prefixes: [rng.pick([0x2e, 0x3e])],
        opcode: [0x70 + cc],
        imm: [0],
        text: `j${CC_NAMES[cc]} short +0 ; hint prefix`,
        flagsRead: ccFlags(cc),
      });
      return;
    }
    default:
      // ICEBP / INT1: a #DB trap (vector 1), EIP after the instruction.
      b.insn({ opcode: [0xf1], text: 'icebp', mayFault: true });
  }
}

export const undocumentedGroup: Group = {
  name: 'undocumented',
  summary: 'SALC D6; SAL C0-D3 /6; TEST F6/F7 /1; SETcc reg!=0; REP/REPNE on ALU; REPNE STOS; 2E/3E Jcc hints; ICEBP F1 (#DB)',
  undefinedFlags: OF | AF | CF, // SAL /6 as for SHL
  faults: true,
  mixed: false,
  emit: emitUndocumented,
};
