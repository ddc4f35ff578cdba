// Shared types and fixed machine layout of the i386 differential tests.
// Both the native runner (host CPU) and the emulator runner produce
// DiffResult values from DiffCase values; see README.md for the layout.

/** Data buffer: 4096 bytes mapped read/write, contents given per case. */
export const DATA_BASE = 0x1000_0000;
export const DATA_SIZE = 4096;
/** Code page: the case code is copied here and entered at CODE_BASE. */
export const CODE_BASE = 0x2000_0000;
export const CODE_PAGE_SIZE = 4096;
/** Maximum case code length accepted by the harness. */
export const CODE_MAX = 3840;
/** Stack region: 64 KiB read/write, all zero except the stack window. */
export const STACK_BASE = 0x3000_0000;
export const STACK_SIZE = 0x1_0000;
/** The slice of the stack region that is given and reported per case. */
export const STACK_WINDOW_BASE = 0x3000_ee00;
export const STACK_WINDOW_SIZE = 768;
/** Usual initial ESP: 512 bytes of window below it, 256 above. */
export const INITIAL_ESP = 0x3000_f000;

/** Register file order used in every Uint32Array of registers. */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

// EFLAGS bits.
export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const RF = 0x1_0000;
export const ID = 0x20_0000;
/** The six status flags. */
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Flags a case may set initially (the harness loads them with POPF). */
export const EFLAGS_SETTABLE = STATUS_FLAGS | DF;
/** Always set in user-mode EFLAGS on the host: bit 1 and IF. */
export const EFLAGS_FIXED = 0x0002 | IF;
/**
 * Flags compared by default. RF is left out because the host reports the
 * EFLAGS image saved by the exception (Intel SDM: RF is set in the image
 * pushed for a fault) and IF/bit 1 are constant.
 */
export const EFLAGS_COMPARED = EFLAGS_SETTABLE;

/** One test case: initial machine state plus the code to run. */
export interface DiffCase {
  /** eax ecx edx ebx esp ebp esi edi (8 entries). */
  regs: Uint32Array;
  /** Initial EFLAGS; only EFLAGS_SETTABLE bits are used. */
  eflags: number;
  /** Initial data buffer at DATA_BASE (DATA_SIZE bytes). */
  data: Uint8Array;
  /** Case code, at most CODE_MAX bytes. The case completes when EIP reaches
   *  CODE_BASE + code.length (the harness appends a jump back there). */
  code: Uint8Array;
  /** Initial stack window at STACK_WINDOW_BASE; zeros when absent. */
  stack?: Uint8Array;
}

/** An exception raised by the case. */
export interface DiffFault {
  /** x86 exception vector (0 #DE, 3 #BP, 4 #OF, 5 #BR, 6 #UD, 13 #GP, 14 #PF...). */
  vector: number;
  /** Error code pushed by the exception (0 when the vector has none). */
  errorCode: number;
  /** EIP of the faulting instruction; for traps (#BP, #OF) the next one. */
  eip: number;
  /** Faulting linear address for #PF, else 0. */
  cr2: number;
  /** Host signal that reported it (SIGSEGV...); informational only. */
  signal?: number;
}

/** Final machine state: at completion, or at the fault. */
export interface DiffResult {
  fault: DiffFault | null;
  /** The case did not finish in time (endless loop); state is where it was stopped. */
  timeout: boolean;
  /** eax ecx edx ebx esp ebp esi edi at completion or at the fault. */
  regs: Uint32Array;
  /** Raw EFLAGS (bit 1 and IF set; RF may be set at a fault). */
  eflags: number;
  /** Final data buffer (DATA_SIZE bytes). */
  data: Uint8Array;
  /** Final stack window (STACK_WINDOW_SIZE bytes). */
  stack: Uint8Array;
}

/** What an emulator must treat as architecturally undefined in a result. */
export interface UndefinedMask {
  /** EFLAGS bits whose value Intel leaves undefined. */
  eflags: number;
  /** Bit i set: GPR i (register file order) holds an undefined value. */
  regs: number;
}

/** A case from the generator: DiffCase plus what is needed to judge it. */
export interface GeneratedCase extends DiffCase {
  /** Group name and index, e.g. "alu#17"; with the seed it reproduces the case. */
  name: string;
  /** Seed of the generator run that produced the case. */
  seed: number;
  /** One line of Intel-syntax text per instruction. */
  asm: string[];
  /** Offset of each instruction in `code` (parallel to asm). */
  offsets: number[];
  /** Undefined state before the instruction at the same index of `offsets`. */
  undefinedAt: UndefinedMask[];
  /** Undefined state at completion. */
  undefined: UndefinedMask;
  /** True when some instruction may raise an exception (by design). */
  mayFault: boolean;
  /** What the generator itself predicts for a completed run (only with
   *  generateCases(..., { predict: true }); used to self-check the generator). */
  predicted?: Prediction;
}

/** Generator-side knowledge of the final state of a completed case. */
export interface Prediction {
  /** Register values the generator tracked (null: not tracked). */
  regs: (number | null)[];
  /** Data buffer then stack window bytes: 0..255 known value, -1 not tracked. */
  memory: Int16Array;
}
