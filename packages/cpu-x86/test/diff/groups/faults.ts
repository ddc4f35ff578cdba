// Exceptions a CPL 3 flat process can raise on purpose: #UD, #BP, #OF,
// #GP (privileged/IO instructions, INT n through a DPL 0 gate), #PF (guard
// pages, page-crossing accesses, 16-bit addressing, string runs off the end
// of the buffer, stack over/underflow). Divide errors and #BR live in the
// div/bcd/bound groups.
import { opText, type CaseBuilder } from '../case-builder.js';
import {
  CODE_BASE,
  CODE_PAGE_SIZE,
  DATA_BASE,
  DATA_SIZE,
  EAX,
  ECX,
  EDI,
  ESI,
  ESP,
  OF,
  STACK_BASE,
  STACK_SIZE,
} from '../diff-case.js';
import { type Group } from '../group.js';
import { ADSIZE, LOCK, REP, STATUS6, hex, le, regBit, regName } from '../x86-encode.js';

/** An access of `n` bytes that touches a PROT_NONE guard page: just past a
 *  region's end (possibly straddling it), or just before its start. */
function faultAddress(b: CaseBuilder, n: number): number {
  const rng = b.rng;
  const starts = [DATA_BASE, STACK_BASE, CODE_BASE];
  const ends = [DATA_BASE + DATA_SIZE, STACK_BASE + STACK_SIZE, CODE_BASE + CODE_PAGE_SIZE];
  if (rng.chance(0.6)) return rng.pick(ends) - rng.range(0, n - 1) + (rng.chance(0.3) ? rng.int(0x1000 - 8) : 0);
  return rng.pick(starts) - rng.range(1, n) - (rng.chance(0.3) ? rng.int(0x1000 - 8) : 0);
}

/** Vectors whose IDT gate has DPL 0 on Linux (INT n -> #GP(n*8+2)); 3, 4
 *  and 0x80 (system call) are DPL 3 and excluded here. */
const DPL0_VECTORS = [0x00, 0x01, 0x02, 0x05, 0x06, 0x08, 0x0d, 0x0e, 0x10, 0x20, 0x21, 0x2e, 0x40, 0x7f, 0x81, 0xf0, 0xfe, 0xff];

interface Simple {
  bytes: number[];
  text: string;
}

/** Privileged or I/O instructions: #GP(0) at CPL 3 with IOPL 0. */
const PRIVILEGED: Simple[] = [
  { bytes: [0xf4], text: 'hlt' },
  { bytes: [0xfa], text: 'cli' },
  { bytes: [0xfb], text: 'sti' },
  { bytes: [0x0f, 0x06], text: 'clts' },
  { bytes: [0x0f, 0x08], text: 'invd' },
  { bytes: [0x0f, 0x09], text: 'wbinvd' },
  { bytes: [0x0f, 0x20, 0xc0], text: 'mov eax, cr0' },
  { bytes: [0x0f, 0x22, 0xd8], text: 'mov cr3, eax' },
  { bytes: [0x0f, 0x21, 0xf8], text: 'mov eax, dr7' },
  { bytes: [0x0f, 0x30], text: 'wrmsr' },
  { bytes: [0x0f, 0x32], text: 'rdmsr' },
  { bytes: [0x0f, 0x01, 0xf0], text: 'lmsw ax' },
  { bytes: [0x0f, 0x00, 0xd8], text: 'ltr ax' },
  { bytes: [0x0f, 0x00, 0xd0], text: 'lldt ax' },
  { bytes: [0x0f, 0x01, 0x15, ...le(DATA_BASE, 4)], text: 'lgdt [0x10000000]' },
  { bytes: [0x0f, 0x01, 0x1d, ...le(DATA_BASE, 4)], text: 'lidt [0x10000000]' },
  { bytes: [0xe4, 0x60], text: 'in al, 0x60' },
  { bytes: [0xed], text: 'in eax, dx' },
  { bytes: [0xe6, 0x80], text: 'out 0x80, al' },
  { bytes: [0xee], text: 'out dx, al' },
  { bytes: [0x6c], text: 'insb' },
  { bytes: [0x6f], text: 'outsd' },
];

/** Invalid encodings: #UD. */
const INVALID: Simple[] = [
  { bytes: [0x0f, 0x0b], text: 'ud2' },
  { bytes: [0x0f, 0xff], text: 'ud0' },
  { bytes: [LOCK, 0x01, 0xc0], text: 'lock add eax, eax (register destination)' },
  { bytes: [LOCK, 0x90], text: 'lock nop' },
  { bytes: [LOCK, 0x89, 0x05, ...le(DATA_BASE, 4)], text: 'lock mov [0x10000000], eax' },
  { bytes: [LOCK, 0x39, 0x05, ...le(DATA_BASE, 4)], text: 'lock cmp [0x10000000], eax' },
  { bytes: [LOCK, 0x0f, 0xa3, 0x05, ...le(DATA_BASE, 4)], text: 'lock bt [0x10000000], eax' },
  { bytes: [0x8d, 0xc0], text: 'lea eax, eax (register operand)' },
  { bytes: [0x0f, 0xc7, 0xc8], text: 'cmpxchg8b eax (register operand)' },
];

function emitFault(b: CaseBuilder): void {
  const rng = b.rng;
  if (rng.chance(0.4)) b.filler(rng.range(1, 2));
  b.expectFault();
  const kind = rng.weighted<string>([
    [2, 'ud'],
    [1, 'int3'],
    [1, 'into'],
    [2, 'intn'],
    [3, 'priv'],
    [4, 'pf'],
    [2, 'pf-string'],
    [1, 'pf-stack'],
    [2, 'a16'],
  ]);
  switch (kind) {
    case 'ud': {
      const s = rng.pick(INVALID);
      b.insn({ opcode: s.bytes, text: s.text, mayFault: true, fixedPrefixOrder: true, reads: 0xff });
      return;
    }
    case 'int3':
      // #BP is a trap: the reported EIP follows the instruction.
      if (rng.chance(0.5)) b.insn({ opcode: [0xcc], text: 'int3', mayFault: true });
      else b.insn({ opcode: [0xcd, 0x03], text: 'int 3', mayFault: true });
      return;
    case 'into':
      // INTO traps (#OF) only when OF = 1.
      b.insn({ opcode: [0xce], text: 'into', flagsRead: OF, mayFault: true });
      return;
    case 'intn': {
      const v = rng.pick(DPL0_VECTORS);
      b.insn({ opcode: [0xcd, v], text: `int ${hex(v)}`, mayFault: true });
      return;
    }
    case 'priv': {
      const s = rng.pick(PRIVILEGED);
      b.insn({ opcode: s.bytes, text: s.text, mayFault: true, reads: 0xff });
      return;
    }
    case 'pf': {
      const size = rng.pick([8, 16, 32] as const);
      const addr = faultAddress(b, size / 8);
      const store = rng.int(2);
      const rm = b.mem(size, { target: addr });
      const r = store ? b.srcReg(size) : b.destReg(size);
      b.insn({
        prefixes: size === 16 ? [0x66] : [],
        opcode: [(store ? 0x88 : 0x8a) + (size === 8 ? 0 : 1)],
        rm,
        reg: r,
        text: store ? `mov ${opText(rm)}, ${regName(size, r)}` : `mov ${regName(size, r)}, ${opText(rm)}`,
        rmRead: !store,
        rmWrite: store === 1,
        reads: store ? regBit(size, r) : 0,
        writes: store ? 0 : regBit(size, r),
        mayFault: true,
      });
      return;
    }
    case 'pf-string': {
      // REP STOS/MOVS running off the end (or start) of the data buffer:
      // the elements before the fault are written, ECX/EDI show progress.
      const w = rng.pick([1, 2, 4]);
      const back = rng.int(2);
      const fit = rng.range(0, 6);
      b.insn({ opcode: [back ? 0xfd : 0xfc], text: back ? 'std' : 'cld', df: back as 0 | 1 });
      const edi = back ? DATA_BASE + fit * w : DATA_BASE + DATA_SIZE - (fit + 1) * w + rng.int(w);
      b.setReg(EDI, edi);
      // fit+1 elements fit at most; ask for more so the run always faults.
      const ecx = fit + 1 + rng.range(1, 4);
      b.setReg(ECX, ecx);
      const movs = rng.chance(0.4);
      const esi = DATA_BASE + 0x400 + rng.int(0x400);
      if (movs) b.setReg(ESI, esi);
      const run = (start: number): [number, number] => (back ? [start - (ecx - 1) * w, ecx * w] : [start, ecx * w]);
      b.insn({
        prefixes: [REP, ...(w === 2 ? [0x66] : [])],
        opcode: [(movs ? 0xa4 : 0xaa) + (w === 1 ? 0 : 1)],
        text: `rep ${movs ? 'movs' : 'stos'}${w === 1 ? 'b' : w === 2 ? 'w' : 'd'} ; runs off the buffer`,
        reads: (1 << EAX) | (1 << ECX) | (1 << EDI) | (1 << ESI),
        writes: (1 << ECX) | (1 << EDI) | (1 << ESI),
        memReads: movs ? [run(esi)] : [],
        memWrites: [run(edi)],
        mayFault: true,
      });
      return;
    }
    case 'pf-stack': {
      // PUSH below the stack region or POP across its top.
      const push = rng.int(2);
      const esp = push ? STACK_BASE + rng.pick([0, 1, 2, 3]) : STACK_BASE + STACK_SIZE - rng.pick([0, 1, 2, 3]);
      b.setReg(ESP, esp, true);
      const r = b.srcReg(32, 1 << ESP);
      b.insn({
        opcode: [(push ? 0x50 : 0x58) + r],
        text: `${push ? 'push' : 'pop'} ${regName(32, r)}`,
        reads: (1 << ESP) | (1 << r),
        writes: push ? 0 : 1 << r,
        mayFault: true,
      });
      return;
    }
    default: {
      // 67 prefix: 16-bit addressing yields addresses below 0x10000, which
      // are never mapped here (ModRM forms, moffs16, string SI/DI).
      const form = rng.int(4);
      if (form === 2) {
        const store = rng.int(2);
        const off = rng.int(0x10000);
        b.insn({
          prefixes: [ADSIZE],
          opcode: [0xa1 + store * 2],
          imm: le(off, 2),
          text: store ? `mov [a16 ${hex(off)}], eax` : `mov eax, [a16 ${hex(off)}]`,
          reads: store ? 1 << EAX : 0,
          writes: store ? 0 : 1 << EAX,
          mayFault: true,
        });
        return;
      }
      if (form === 3) {
        const op = rng.pick([0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xa6]);
        b.insn({
          prefixes: [ADSIZE, ...(rng.chance(0.5) ? [REP] : [])],
          opcode: [op],
          text: `a16 string op ${hex(op)} (si/di/cx)`,
          reads: (1 << EAX) | (1 << ECX) | (1 << ESI) | (1 << EDI),
          writes: (1 << EAX) | (1 << ECX) | (1 << ESI) | (1 << EDI),
          flagsWritten: STATUS6,
          mayFault: true,
        });
        return;
      }
      const rm = b.mem16(rng.pick([8, 16, 32]));
      const size = rm.size as 8 | 16 | 32;
      const r = b.destReg(size);
      b.insn({
        prefixes: size === 16 ? [0x66] : [],
        opcode: [size === 8 ? 0x8a : 0x8b],
        rm,
        reg: r,
        text: `mov ${regName(size, r)}, a16 ${opText(rm)}`,
        writes: regBit(size, r),
        mayFault: true,
      });
    }
  }
}

export const faultsGroup: Group = {
  name: 'faults',
  summary: '#UD (UD2, UD0, bad LOCK, register LEA/CMPXCHG8B), #BP (INT3, INT 3), #OF (INTO), #GP (INT n, HLT CLI STI CLTS INVD WBINVD MOV CRn/DRn RDMSR WRMSR LMSW LTR LLDT LGDT LIDT IN OUT INS OUTS), #PF (guard pages, page crossing, REP STOS/MOVS off the buffer, PUSH/POP off the stack, 16-bit addressing)',
  undefinedFlags: 0,
  faults: true,
  mixed: false,
  count: [1, 1],
  emit: emitFault,
};
