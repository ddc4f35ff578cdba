/**
 * The i386 CPU: architectural state, the instruction loop, and the memory
 * access path (segmentation -> TLB -> physical memory). Instruction semantics
 * live in ./ops, protected-mode machinery in ./protected, paging in ./paging.
 *
 * Hot-path rules (see DESIGN.md): state is plain fields and typed arrays,
 * instructions are free functions `(cpu) => void` in two dispatch tables (16-
 * and 32-bit operand size), faults unwind with one preallocated sentinel, and
 * nothing on the path allocates.
 */
import * as $constants from './constants.js';
import * as $flags from './flags.js';
import { X87State } from './fpu/x87-state.js';
import { IoBus } from './memory/io-bus.js';
import { PhysicalMemory } from './memory/physical-memory.js';
import * as $page_walk from './paging/page-walk.js';
import * as $tlb_bits from './paging/tlb-bits.js';
import * as $interrupts from './protected/interrupts.js';
import * as $dispatch from './decode/dispatch.js';
import * as $instruction_set from './decode/instruction-set.js';
import * as $far_transfer from './protected/far-transfer.js';
import * as $system from './ops/system.js';
import * as $hot_paths from './ops/hot-paths.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_AM, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CS, DS, EFER_NXE, ES, ESP, FLAG_AC, FLAG_IF, FLAG_RF, FLAG_TF, FLAG_VM, FLAGS_FIXED, FS, GS, SS, VEC_AC, VEC_DB, VEC_DF, VEC_GP, VEC_PF, VEC_SS } = $constants;
const { materializeFlags } = $flags;
const { walkPageTables } = $page_walk;
const { TLB_ALIGN_CHECK, TLB_GLOBAL, TLB_MMIO, TLB_NX, TLB_SUP_READ, TLB_SUP_WRITE, TLB_USER_READ, TLB_USER_WRITE } = $tlb_bits;
const { deliverInterrupt, INT_EXCEPTION, INT_EXTERNAL } = $interrupts;
const { dispatchTables } = $dispatch;
const { installInstructionSet } = $instruction_set;
const { interruptReturn } = $far_transfer;
const { CPUID_SIGNATURE } = $system;
const { addEvGv, cmpEvGv, group1Imm8, incDec32, jnzShort, jzShort, movEvGv, movGvEv, shiftByImm, shiftByOne, subEvGv, testEvGv, xorEvGv } = $hot_paths;

/** Why `run()` returned. */
export const StopReason = {
  /** The instruction budget ran out. */
  Budget: 1,
  /** HLT with no interrupt to wake the CPU. */
  Halt: 2,
  /** A host entry handler (or the embedder) asked the CPU to stop. */
  Requested: 3,
  /** Triple fault or a shutdown cycle: the machine is dead until reset. */
  Shutdown: 4,
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** The interrupt controller as the CPU sees it (an 8259 PIC, an APIC, or an event channel). */
export interface InterruptLine {
  /** True while a maskable interrupt is waiting. */
  pending(): boolean;
  /** INTA: returns the vector of the waiting interrupt and clears it. */
  acknowledge(): number;
}

/** Called when the CPU arrives at a registered linear address at CPL 0. */
export type HostEntryHandler = (cpu: Cpu) => void;

export interface CpuOptions {
  memory: PhysicalMemory;
  io?: IoBus;
  /** Extra cycles charged per instruction class; see DESIGN.md "Cycle model". */
  clockHz?: number;
}

/** The unique object thrown to unwind a faulting instruction (never allocated per fault). */
export const CPU_FAULT = { toString: () => 'x86 exception' };

const EMPTY_ENTRIES = new Map<number, HostEntryHandler>();

/** Bits of `Cpu.events`. */
const EV_HALT = 1, EV_NMI = 2, EV_INHIBIT = 4, EV_INTR = 8, EV_STOP = 16;
/** Instruction breakpoints are armed (DR7): check EIP at every boundary. */
const EV_BREAKPOINTS = 32;
/** A data breakpoint matched during the last instruction: #DB trap at the boundary. */
const EV_DATA_TRAP = 64;

const PDPTE_SCRATCH = new Int32Array(8);

/** Thrown by the fetch path when the CPU reaches a host entry point (never allocated per use). */
const HOST_ENTRY = { toString: () => 'host entry' };

installInstructionSet();

export class Cpu {
  readonly mem: PhysicalMemory;
  readonly io: IoBus;
  ram: Uint8Array;
  ram32: Int32Array;

  // --- General registers (EAX..EDI), with 16- and 8-bit views of the same bytes.
  readonly reg32 = new Int32Array(8);
  readonly reg16 = new Uint16Array(this.reg32.buffer);
  readonly reg8 = new Uint8Array(this.reg32.buffer);
  eip = 0;
  /** EIP of the instruction being executed; faults restart from here. */
  instrStart = 0;

  // --- EFLAGS: non-lazy bits here, arithmetic flags possibly lazy (see flags.ts).
  flags = FLAGS_FIXED;
  lzOp = 0;
  lzDst = 0;
  lzSrc = 0;
  lzRes = 0;
  lzShift = 0;
  lzMask = 0;

  // --- Segment registers: selector and descriptor cache, plus derived checks.
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  readonly segLimit = new Uint32Array(6);
  /** Access byte | flags nibble << 12 (VMX-style), bit 16 = unusable (null selector). */
  readonly segAttr = new Int32Array(6);
  /** Valid offsets for reads: [segRLo, segRHi]; an empty range means "always fault". */
  readonly segRLo = new Uint32Array(6);
  readonly segRHi = new Uint32Array(6);
  readonly segWLo = new Uint32Array(6);
  readonly segWHi = new Uint32Array(6);

  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;
  ldtrSel = 0;
  ldtrBase = 0;
  ldtrLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  /** Descriptor type of the current TSS (9/11 = 32-bit, 1/3 = 16-bit). */
  trType = 11;

  cr0 = 0x60000010;
  cr2 = 0;
  private cr3Value = 0;
  /** PAE page-directory-pointer entries as loaded from CR3 (lo, hi) x 4 (Intel SDM Vol. 3A 4.4.1). */
  readonly pdpte = new Int32Array(8);
  /** False until the PDPTEs are (re)loaded from the current CR3. */
  pdpteValid = false;
  cr4 = 0;
  efer = 0;
  readonly dr = new Int32Array(8);
  /** The x87 FPU (src/fpu/x87-state.ts; `fpu.onFerr` is the FERR# line for CR0.NE = 0). */
  readonly fpu = new X87State();

  /** CR3. Writing it here (as an embedder or a task switch does) makes the PAE PDPTEs reload lazily. */
  get cr3(): number {
    return this.cr3Value;
  }

  set cr3(v: number) {
    this.cr3Value = v | 0;
    this.pdpteValid = false;
  }

  /**
   * Loads the four PAE PDPTEs from CR3. With `check`, a present entry with a
   * reserved bit raises #GP(0) (MOV CR3/CR0/CR4 do this; bits 2:1, 8:5 and
   * 63:36 are reserved with MAXPHYADDR 36) and nothing is loaded.
   */
  loadPdptes(cr3: number, check: boolean): void {
    const base = (cr3 & ~0x1f) >>> 0;
    const tmp = PDPTE_SCRATCH;
    for (let i = 0; i < 4; i++) {
      tmp[i * 2] = this.mem.read32(base + i * 8);
      tmp[i * 2 + 1] = this.mem.read32(base + i * 8 + 4);
      if (check && (tmp[i * 2] & 1) !== 0 && ((tmp[i * 2] & 0x1e6) !== 0 || (tmp[i * 2 + 1] & 0xfffffff0) !== 0)) {
        this.fault(VEC_GP, 0);
      }
    }
    this.pdpte.set(tmp);
    this.pdpteValid = true;
  }

  /** Current privilege level (0..3). */
  cpl = 0;
  /** CS.D: default operand and address size of the code segment. */
  code32 = false;
  /** SS.B: ESP (true) or SP (false) for implicit stack accesses. */
  stack32 = false;
  protectedMode = false;

  /** Restores the decode state that prefixes change (done after every prefixed instruction). */
  resetPrefixes(): void {
    this.segOverride = -1;
    this.rep = 0;
    this.lock = false;
    this.opsize32 = this.addr32 = this.code32;
    if (this.lengthLimited) {
      this.lengthLimited = false;
      this.fetchWindow = 0;
    }
  }

  /**
   * Called by a prefix once the instruction could exceed 15 bytes: from now
   * on the fetch window ends at instrStart + 15 and the slow path raises
   * #GP(0) past it (Intel SDM Vol. 2A 2.3.11).
   */
  limitInstructionLength(): void {
    this.lengthLimited = true;
    this.clampFetchWindow();
  }

  private clampFetchWindow(): void {
    const room = ((this.instrStart + 15 - this.fetchEipLo) | 0);
    if (room < this.fetchWindow) this.fetchWindow = room > 0 ? room : 0;
  }

  // --- Per-instruction decode state. Outside a prefixed instruction these hold
  // their defaults (no override, no REP/LOCK, sizes from CS.D).
  opsize32 = false;
  addr32 = false;
  /** Segment override prefix, or -1. */
  segOverride = -1;
  /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE). */
  rep = 0;
  lock = false;
  /** Segment of the last effective address (`decodeEA`). */
  eaSeg = DS;

  // --- TLB: one entry per linear 4 KiB page: physical page base | TLB_* bits.
  readonly tlb = new Int32Array(1 << 20);
  private readonly tlbFilled = new Int32Array(4096);
  private tlbFilledCount = 0;
  private tlbOverflow = false;
  /** TLB bits an access needs at the current CPL. */
  readMask = TLB_SUP_READ;
  writeMask = TLB_SUP_WRITE;
  /** Alignment checking is active (see updateModeMasks). */
  alignmentCheck = false;
  /**
   * The fetch window: EIP values in [fetchEipLo, fetchEipLo + fetchWindow)
   * lie in one RAM page and within the CS limit, and map to physical bytes
   * from fetchPhysLo. An empty window (0) forces the checked slow path.
   */
  fetchEipLo = 0;
  fetchWindow = 0;
  fetchPhysLo = 0;

  // --- Exceptions in flight.
  excVector = -1;
  excError = -1;
  /** Vector being delivered when the current exception arose (for #DF rules), or -1. */
  deliveringVector = -1;
  // --- Run state. Everything that needs attention at an instruction boundary
  // is one bit of `events`, so the loop tests a single field.
  /** EV_* bits; the loop takes its slow path while any is set. */
  events = 0;
  shutdown = false;
  stopReason = 0;
  /**
   * The loop's one per-instruction test is `instructions >= budgetEnd`. It is
   * the real end of the budget (`budgetLimit`) while nothing needs attention;
   * anything that raises an event, or sets TF/RF, drops it to 0 so that the
   * next boundary takes the slow path, which re-arms it.
   */
  private budgetEnd = 0;
  private budgetLimit = 0;
  interruptLine: InterruptLine | null = null;

  /** Interrupts are inhibited for one instruction after MOV SS/POP SS/STI. */
  get inhibitInterrupts(): boolean {
    return (this.events & EV_INHIBIT) !== 0;
  }

  set inhibitInterrupts(on: boolean) {
    this.events = on ? this.events | EV_INHIBIT : this.events & ~EV_INHIBIT;
    if (on) this.budgetEnd = 0;
  }

  /** HLT: no instructions run until an interrupt (or NMI) arrives. */
  get halted(): boolean {
    return (this.events & EV_HALT) !== 0;
  }

  set halted(on: boolean) {
    this.events = on ? this.events | EV_HALT : this.events & ~EV_HALT;
    if (on) this.budgetEnd = 0;
  }

  /**
   * The INTR pin: the interrupt controller sets it when an interrupt may be
   * waiting; the CPU polls `interruptLine.pending()` only while it is set and
   * clears it when nothing is pending.
   */
  get intr(): boolean {
    return (this.events & EV_INTR) !== 0;
  }

  set intr(on: boolean) {
    this.events = on ? this.events | EV_INTR : this.events & ~EV_INTR;
    if (on) this.budgetEnd = 0;
  }

  /** NMIs are blocked from the delivery of one until the next IRET (SDM Vol. 3A 6.7.1). */
  nmiBlocked = false;
  /** The interrupt shadow comes from MOV SS/POP SS: it also delays the single-step trap. */
  ssShadow = false;
  /**
   * Set while an instruction with many prefixes runs: the fetch window is cut
   * at instrStart + 15, so that a longer instruction raises #GP(0).
   */
  lengthLimited = false;

  get nmiPending(): boolean {
    return (this.events & EV_NMI) !== 0;
  }

  set nmiPending(on: boolean) {
    this.events = on ? this.events | EV_NMI : this.events & ~EV_NMI;
    if (on) this.budgetEnd = 0;
  }

  // --- Host entry points (DESIGN.md §2).
  private readonly hostEntryPages = new Uint8Array(1 << 20);
  private hostEntries = EMPTY_ENTRIES;

  // --- Counters.
  instructions = 0;
  /** Cycles beyond one per instruction, charged by expensive instruction classes. */
  extraCycles = 0;
  readonly exceptionCounts = new Float64Array(32);
  tlbMisses = 0;
  hostEntryCount = 0;

  /** Model-specific registers not otherwise modelled (SYSENTER_*, TSC handled apart). */
  readonly msrs = new Map<number, bigint>();
  /** Offset applied to cycles to form the TSC (WRMSR 0x10 moves it). */
  tscOffset = 0;

  constructor(options: CpuOptions) {
    this.mem = options.memory;
    this.io = options.io ?? new IoBus();
    this.ram = this.mem.u8;
    this.ram32 = this.mem.u32;
    this.reset();
  }

  /** Cycles executed (the TSC before its offset). See DESIGN.md for the cost model. */
  get cycles(): number {
    return this.instructions + this.extraCycles;
  }

  // =====================================================================
  // Reset and mode
  // =====================================================================

  /** Power-on / RESET state (Intel SDM Vol. 3A 9.1.1). */
  reset(): void {
    this.reg32.fill(0);
    this.reg32[2] = CPUID_SIGNATURE; // EDX = the processor signature, as CPUID(1).EAX (SDM table 9-1)
    this.flags = FLAGS_FIXED;
    this.lzMask = 0;
    this.cr0 = 0x60000010;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.efer = 0;
    this.dr.fill(0);
    this.fpu.reset();
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.gdtrBase = this.idtrBase = 0;
    this.gdtrLimit = this.idtrLimit = 0xffff;
    this.ldtrSel = this.ldtrBase = 0;
    this.ldtrLimit = 0xffff;
    this.trSel = this.trBase = 0;
    this.trLimit = 0xffff;
    this.trType = 11;
    this.protectedMode = false;
    this.cpl = 0;
    for (let s = 0; s < 6; s++) this.setSegmentCache(s, 0, 0, 0xffff, 0x93);
    this.setSegmentCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b);
    this.eip = 0xfff0;
    this.halted = false;
    this.shutdown = false;
    this.inhibitInterrupts = false;
    this.nmiBlocked = false;
    this.ssShadow = false;
    this.deliveringVector = -1;
    this.flushTlb(true);
    this.updateModeMasks();
    this.updateBreakpoints();
  }

  /** Recomputes what depends on CPL, CR0 and CR4 for the access fast path. */
  updateModeMasks(): void {
    this.protectedMode = (this.cr0 & CR0_PE) !== 0;
    this.readMask = this.cpl === 3 ? TLB_USER_READ : TLB_SUP_READ;
    this.writeMask = this.cpl === 3 ? TLB_USER_WRITE : TLB_SUP_WRITE;
    // #AC: CR0.AM, EFLAGS.AC and CPL 3 (Intel SDM Vol. 3A 6.15, interrupt 17). While it is on,
    // every access takes the slow path, which checks alignment.
    this.alignmentCheck = this.cpl === 3 && (this.cr0 & CR0_AM) !== 0 && (this.flags & FLAG_AC) !== 0;
    if (this.alignmentCheck) {
      this.readMask |= TLB_ALIGN_CHECK;
      this.writeMask |= TLB_ALIGN_CHECK;
    }
    this.fetchWindow = 0;
  }

  get pagingEnabled(): boolean {
    return (this.cr0 & CR0_PG) !== 0 && (this.cr0 & CR0_PE) !== 0;
  }

  get vm86(): boolean {
    return (this.flags & FLAG_VM) !== 0;
  }

  // =====================================================================
  // Registers and flags (public API)
  // =====================================================================

  /** EFLAGS with every lazy flag folded in. */
  getEflags(): number {
    materializeFlags(this);
    return this.flags | FLAGS_FIXED;
  }

  /** Writes EFLAGS as-is (no privilege filtering: callers apply POPF/IRET rules). */
  setEflags(value: number): void {
    const old = this.flags;
    this.lzMask = 0;
    this.flags = (value & 0x003f7fd5) | FLAGS_FIXED;
    if ((this.flags & (FLAG_TF | FLAG_RF)) !== 0) this.budgetEnd = 0; // the loop must look at them
    if (((old ^ this.flags) & FLAG_AC) !== 0) this.updateModeMasks();
  }

  getReg8(r: number): number {
    return this.reg8[r < 4 ? r << 2 : ((r - 4) << 2) + 1];
  }

  setReg8(r: number, v: number): void {
    this.reg8[r < 4 ? r << 2 : ((r - 4) << 2) + 1] = v;
  }

  getReg16(r: number): number {
    return this.reg16[r << 1];
  }

  setReg16(r: number, v: number): void {
    this.reg16[r << 1] = v;
  }

  // =====================================================================
  // Segment descriptor cache
  // =====================================================================

  /**
   * Loads a segment register's hidden part directly (no checks). Used by the
   * checked loaders in ./protected and by embedders that set up a machine.
   */
  setSegmentCache(seg: number, selector: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = selector;
    this.segBase[seg] = base | 0;
    this.segLimit[seg] = limit >>> 0;
    this.segAttr[seg] = attr;
    this.recomputeSegmentChecks(seg);
    if (seg === CS) {
      const code32 = (attr & 0x4000) !== 0;
      if (code32 !== this.code32) this.budgetEnd = 0; // leave the loop's 32-bit fast path
      this.code32 = code32;
      if (this.segOverride < 0 && this.rep === 0) this.opsize32 = this.addr32 = this.code32;
      this.fetchWindow = 0;
    } else if (seg === SS) {
      this.stack32 = (attr & 0x4000) !== 0;
    }
  }

  /** Derives the read/write offset windows from the cached descriptor. */
  recomputeSegmentChecks(seg: number): void {
    const attr = this.segAttr[seg];
    const limit = this.segLimit[seg];
    let lo = 0;
    let hi = limit;
    const isData = (attr & 0x18) === 0x10; // S=1, code bit clear
    if (isData && (attr & 0x4) !== 0) {
      // Expand-down: valid offsets are (limit, 0xFFFF or 0xFFFFFFFF] (Intel SDM Vol. 3A 5.3).
      lo = (limit + 1) >>> 0;
      hi = (attr & 0x4000) !== 0 ? 0xffffffff : 0xffff;
    }
    let readable = true;
    let writable = true;
    if (this.protectedMode && (this.flags & FLAG_VM) === 0 && seg !== CS) {
      if ((attr & 0x10000) !== 0 || (attr & 0x80) === 0) {
        readable = writable = false; // null or not present
      } else if (!isData) {
        readable = (attr & 0x2) !== 0; // code: readable if R
        writable = false;
      } else {
        writable = (attr & 0x2) !== 0;
      }
    } else if (this.protectedMode && seg === CS && (this.flags & FLAG_VM) === 0) {
      readable = (attr & 0x8) === 0 || (attr & 0x2) !== 0;
      writable = (attr & 0x18) === 0x10 && (attr & 2) !== 0;
    }
    this.segRLo[seg] = readable ? lo : 1;
    this.segRHi[seg] = readable ? hi : 0;
    this.segWLo[seg] = writable ? lo : 1;
    this.segWHi[seg] = writable ? hi : 0;
  }

  /** Raises the exception a failed segment check calls for. */
  segmentFault(seg: number): never {
    // Intel SDM: limit/type violations raise #SS(0) for SS-relative accesses, else #GP(0).
    return this.fault(seg === SS ? VEC_SS : VEC_GP, 0);
  }

  // =====================================================================
  // Debug registers (Intel SDM Vol. 3B 17.2-17.3)
  // =====================================================================

  /** Enabled instruction breakpoints: linear addresses, or -1. */
  private readonly execBreakpoints = new Int32Array([-1, -1, -1, -1]);
  /** Enabled data breakpoints: [address, length, writeOnly] per DR0-DR3, length 0 when off. */
  private readonly watchAddr = new Int32Array(4);
  private readonly watchLen = new Int32Array(4);
  private readonly watchWriteOnly = new Uint8Array(4);
  /** Number of enabled data breakpoints; the memory slow paths check them when non-zero. */
  watchCount = 0;
  private readonly watchedPages = new Set<number>();

  /**
   * Re-reads DR0-DR3 and DR7 after a write: arms instruction breakpoints
   * (R/W = 00) and data breakpoints (R/W = 01 write, 11 read/write; I/O
   * breakpoints, R/W = 10, are not modelled). Pages holding a watched range
   * are kept out of the TLB fast path so that their accesses are checked.
   */
  updateBreakpoints(): void {
    const dr7 = this.dr[7];
    let exec = false;
    this.watchCount = 0;
    this.watchedPages.clear();
    for (let n = 0; n < 4; n++) {
      this.execBreakpoints[n] = -1;
      this.watchLen[n] = 0;
      if (((dr7 >> (n * 2)) & 3) === 0) continue;
      const rw = (dr7 >>> (16 + n * 4)) & 3;
      const len = [1, 2, 8, 4][(dr7 >>> (18 + n * 4)) & 3];
      if (rw === 0) {
        this.execBreakpoints[n] = this.dr[n];
        exec = true;
      } else if (rw !== 2) {
        const addr = this.dr[n] & ~(len - 1);
        this.watchAddr[n] = addr;
        this.watchLen[n] = len;
        this.watchWriteOnly[n] = rw === 1 ? 1 : 0;
        this.watchCount++;
        this.watchedPages.add(addr >>> 12);
        this.watchedPages.add(((addr + len - 1) | 0) >>> 12);
      }
    }
    this.events = exec ? this.events | EV_BREAKPOINTS : this.events & ~EV_BREAKPOINTS;
    this.budgetEnd = 0;
    this.flushTlb(true);
  }

  /** Records data-breakpoint hits of an access in DR6; the #DB trap follows the instruction. */
  checkWatchpoints(lin: number, size: number, write: boolean): void {
    for (let n = 0; n < 4; n++) {
      const len = this.watchLen[n];
      if (len === 0 || (!write && this.watchWriteOnly[n] === 1)) continue;
      const a = this.watchAddr[n];
      if (((lin - a) >>> 0) < len || ((a - lin) >>> 0) < size) {
        this.dr[6] |= 1 << n;
        this.events |= EV_DATA_TRAP;
        this.budgetEnd = 0;
      }
    }
  }

  // =====================================================================
  // Exceptions
  // =====================================================================

  /** Aborts the current instruction with exception `vector` (error code or -1). */
  fault(vector: number, errorCode = -1): never {
    this.excVector = vector;
    this.excError = errorCode;
    throw CPU_FAULT;
  }

  // =====================================================================
  // Linear memory (paging + TLB)
  // =====================================================================

  /** Drops TLB entries; with `all` false, global pages survive (CR3 load with PGE). */
  flushTlb(all: boolean): void {
    const tlb = this.tlb;
    const keepGlobal = !all && (this.cr4 & CR4_PGE) !== 0;
    if (this.tlbOverflow) {
      if (!keepGlobal) {
        tlb.fill(0);
        this.tlbOverflow = false;
        this.tlbFilledCount = 0;
      } else {
        for (let i = 0; i < tlb.length; i++) if ((tlb[i] & TLB_GLOBAL) === 0) tlb[i] = 0;
        // Stays in overflow mode: the surviving global entries are not listed.
      }
    } else {
      let kept = 0;
      for (let i = 0; i < this.tlbFilledCount; i++) {
        const page = this.tlbFilled[i];
        if (keepGlobal && (tlb[page] & TLB_GLOBAL) !== 0) this.tlbFilled[kept++] = page;
        else tlb[page] = 0;
      }
      this.tlbFilledCount = kept;
    }
    this.fetchWindow = 0;
  }

  /** INVLPG: drops the entry for one linear page (global or not). */
  invalidatePage(linear: number): void {
    this.tlb[linear >>> 12] = 0;
    this.fetchWindow = 0;
  }

  /** Installs a TLB entry (called by the page walker and the identity mapper). */
  fillTlb(page: number, entry: number): void {
    if (this.watchCount !== 0 && this.watchedPages.has(page)) entry |= TLB_MMIO;
    if (this.tlb[page] === 0) {
      if (this.tlbFilledCount < this.tlbFilled.length) this.tlbFilled[this.tlbFilledCount++] = page;
      else this.tlbOverflow = true;
    }
    this.tlb[page] = entry;
  }

  /**
   * Translates `lin` for an access and returns its TLB entry, walking the page
   * tables on a miss or a permission upgrade (first write sets the dirty bit).
   * `user` is true for CPL 3 accesses that are not implicit system accesses.
   */
  translateEntry(lin: number, write: boolean, user: boolean, fetch: boolean): number {
    const page = lin >>> 12;
    let e = this.tlb[page];
    const need = write ? (user ? TLB_USER_WRITE : TLB_SUP_WRITE) : user ? TLB_USER_READ : TLB_SUP_READ;
    if ((e & need) === 0 || (fetch && (e & TLB_NX) !== 0)) {
      this.tlbMisses++;
      if ((this.cr0 & CR0_PG) === 0 || (this.cr0 & CR0_PE) === 0) {
        e = (lin & ~0xfff) | TLB_SUP_READ | TLB_SUP_WRITE | TLB_USER_READ | TLB_USER_WRITE;
        if (!this.mem.isRamPage(page) || lin < 0) e |= TLB_MMIO;
        this.fillTlb(page, e);
      } else {
        e = walkPageTables(this, lin, write, user, fetch);
      }
    }
    return e;
  }

  /** Physical address of `lin` for an access of the given kind (may raise #PF). */
  translate(lin: number, write: boolean, user: boolean, fetch = false): number {
    const e = this.translateEntry(lin, write, user, fetch);
    return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
  }

  // Reads and writes by linear address at the current privilege.

  lread8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    const m = this.readMask;
    if ((e & (m | TLB_MMIO)) === m) return this.ram[(e & ~0xfff) | (lin & 0xfff)];
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 1, false);
    return this.mem.read8(this.translate(lin, false, this.cpl === 3));
  }

  lread16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    const m = this.readMask;
    if ((e & (m | TLB_MMIO)) === m && (lin & 0xfff) <= 0xffe) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      return this.ram[p] | (this.ram[p + 1] << 8);
    }
    return this.lread16Slow(lin, this.cpl === 3);
  }

  lread32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    const m = this.readMask;
    if ((e & (m | TLB_MMIO)) === m && (lin & 0xfff) <= 0xffc) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if ((p & 3) === 0) return this.ram32[p >> 2];
      const r = this.ram;
      return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
    }
    return this.lread32Slow(lin, this.cpl === 3);
  }

  lwrite8(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    const m = this.writeMask;
    if ((e & (m | TLB_MMIO)) === m) {
      this.ram[(e & ~0xfff) | (lin & 0xfff)] = v;
      return;
    }
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 1, true);
    this.mem.write8(this.translate(lin, true, this.cpl === 3), v);
  }

  lwrite16(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    const m = this.writeMask;
    if ((e & (m | TLB_MMIO)) === m && (lin & 0xfff) <= 0xffe) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      this.ram[p] = v;
      this.ram[p + 1] = v >> 8;
      return;
    }
    this.lwrite16Slow(lin, v, this.cpl === 3);
  }

  lwrite32(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    const m = this.writeMask;
    if ((e & (m | TLB_MMIO)) === m && (lin & 0xfff) <= 0xffc) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if ((p & 3) === 0) {
        this.ram32[p >> 2] = v;
      } else {
        const r = this.ram;
        r[p] = v;
        r[p + 1] = v >> 8;
        r[p + 2] = v >> 16;
        r[p + 3] = v >> 24;
      }
      return;
    }
    this.lwrite32Slow(lin, v, this.cpl === 3);
  }

  // Slow paths: MMIO, page crossings and TLB misses. Both pages of a crossing
  // access are translated before any byte is written, so a fault leaves memory intact.

  lread16Slow(lin: number, user: boolean): number {
    if (user && this.alignmentCheck && (lin & 1) !== 0) this.fault(VEC_AC, 0);
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 2, false);
    if ((lin & 0xfff) <= 0xffe) return this.mem.read16(this.translate(lin, false, user));
    const p0 = this.translate(lin, false, user);
    const p1 = this.translate((lin + 1) | 0, false, user); // lin+1 starts the next page
    return this.mem.read8(p0) | (this.mem.read8(p1) << 8);
  }

  lread32Slow(lin: number, user: boolean): number {
    if (user && this.alignmentCheck && (lin & 3) !== 0) this.fault(VEC_AC, 0);
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 4, false);
    if ((lin & 0xfff) <= 0xffc) return this.mem.read32(this.translate(lin, false, user));
    const p0 = this.translate(lin, false, user);
    // CR2 of a fault on the second page is that page's first byte, as on hardware.
    const p1 = this.translate(((lin + 3) & ~0xfff) | 0, false, user);
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const l = (lin + i) | 0;
      const p = (l & 0xfff) >= (lin & 0xfff) ? p0 + i : (p1 & ~0xfff) + (l & 0xfff);
      v |= this.mem.read8(p) << (i * 8);
    }
    return v;
  }

  lwrite16Slow(lin: number, v: number, user: boolean): void {
    if (user && this.alignmentCheck && (lin & 1) !== 0) this.fault(VEC_AC, 0);
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 2, true);
    if ((lin & 0xfff) <= 0xffe) return this.mem.write16(this.translate(lin, true, user), v);
    const p0 = this.translate(lin, true, user);
    const p1 = this.translate((lin + 1) | 0, true, user);
    this.mem.write8(p0, v);
    this.mem.write8(p1, v >> 8);
  }

  lwrite32Slow(lin: number, v: number, user: boolean): void {
    if (user && this.alignmentCheck && (lin & 3) !== 0) this.fault(VEC_AC, 0);
    if (this.watchCount !== 0) this.checkWatchpoints(lin, 4, true);
    if ((lin & 0xfff) <= 0xffc) return this.mem.write32(this.translate(lin, true, user), v);
    const p0 = this.translate(lin, true, user);
    const p1 = this.translate(((lin + 3) & ~0xfff) | 0, true, user);
    for (let i = 0; i < 4; i++) {
      const l = (lin + i) | 0;
      const p = (l & 0xfff) >= (lin & 0xfff) ? p0 + i : (p1 & ~0xfff) + (l & 0xfff);
      this.mem.write8(p, v >> (i * 8));
    }
  }

  /** Implicit supervisor accesses (descriptor tables, TSS): privileged even at CPL 3. */
  sysRead8(lin: number): number {
    return this.mem.read8(this.translate(lin, false, false));
  }

  sysRead16(lin: number): number {
    return this.lread16Slow(lin, false);
  }

  sysRead32(lin: number): number {
    return this.lread32Slow(lin, false);
  }

  sysWrite8(lin: number, v: number): void {
    this.mem.write8(this.translate(lin, true, false), v);
  }

  sysWrite16(lin: number, v: number): void {
    this.lwrite16Slow(lin, v, false);
  }

  sysWrite32(lin: number, v: number): void {
    this.lwrite32Slow(lin, v, false);
  }

  /**
   * Makes sure [lin, lin+size) is writable at the current CPL (walking and
   * setting dirty bits as needed) so that a read-modify-write cannot fault
   * half way.
   */
  probeWrite(lin: number, size: number): void {
    const user = this.cpl === 3;
    this.translateEntry(lin, true, user, false);
    const last = (lin + size - 1) | 0;
    if ((last ^ lin) >>> 12 !== 0) this.translateEntry(last & ~0xfff, true, user, false);
  }

  // =====================================================================
  // Segmented memory
  // =====================================================================

  /** Linear address for reading `size` bytes at seg:off, after the limit and type check. */
  readAddr(seg: number, off: number, size: number): number {
    const o = off >>> 0;
    if (o < this.segRLo[seg] || o + size - 1 > this.segRHi[seg]) this.segmentFault(seg);
    return (this.segBase[seg] + off) | 0;
  }

  writeAddr(seg: number, off: number, size: number): number {
    const o = off >>> 0;
    if (o < this.segWLo[seg] || o + size - 1 > this.segWHi[seg]) this.segmentFault(seg);
    return (this.segBase[seg] + off) | 0;
  }

  read8(seg: number, off: number): number {
    const o = off >>> 0;
    if (o < this.segRLo[seg] || o > this.segRHi[seg]) this.segmentFault(seg);
    return this.lread8((this.segBase[seg] + off) | 0);
  }

  read16(seg: number, off: number): number {
    const o = off >>> 0;
    if (o < this.segRLo[seg] || o + 1 > this.segRHi[seg]) this.segmentFault(seg);
    return this.lread16((this.segBase[seg] + off) | 0);
  }

  read32(seg: number, off: number): number {
    const o = off >>> 0;
    if (o < this.segRLo[seg] || o + 3 > this.segRHi[seg]) this.segmentFault(seg);
    return this.lread32((this.segBase[seg] + off) | 0);
  }

  write8(seg: number, off: number, v: number): void {
    const o = off >>> 0;
    if (o < this.segWLo[seg] || o > this.segWHi[seg]) this.segmentFault(seg);
    this.lwrite8((this.segBase[seg] + off) | 0, v);
  }

  write16(seg: number, off: number, v: number): void {
    const o = off >>> 0;
    if (o < this.segWLo[seg] || o + 1 > this.segWHi[seg]) this.segmentFault(seg);
    this.lwrite16((this.segBase[seg] + off) | 0, v);
  }

  write32(seg: number, off: number, v: number): void {
    const o = off >>> 0;
    if (o < this.segWLo[seg] || o + 3 > this.segWHi[seg]) this.segmentFault(seg);
    this.lwrite32((this.segBase[seg] + off) | 0, v);
  }

  /** Checks seg:off for a read-modify-write of `size` bytes and returns the linear address. */
  rmwAddr(seg: number, off: number, size: number): number {
    const lin = this.writeAddr(seg, off, size);
    const o = off >>> 0;
    if (o < this.segRLo[seg] || o + size - 1 > this.segRHi[seg]) this.segmentFault(seg);
    this.probeWrite(lin, size);
    return lin;
  }

  // =====================================================================
  // Stack
  // =====================================================================

  push16(v: number): void {
    if (this.stack32) {
      const sp = (this.reg32[ESP] - 2) | 0;
      this.write16(SS, sp, v);
      this.reg32[ESP] = sp;
    } else {
      const sp = (this.reg32[ESP] - 2) & 0xffff;
      this.write16(SS, sp, v);
      this.reg16[ESP << 1] = sp;
    }
  }

  push32(v: number): void {
    if (this.stack32) {
      const sp = (this.reg32[ESP] - 4) | 0;
      this.write32(SS, sp, v);
      this.reg32[ESP] = sp;
    } else {
      const sp = (this.reg32[ESP] - 4) & 0xffff;
      this.write32(SS, sp, v);
      this.reg16[ESP << 1] = sp;
    }
  }

  pop16(): number {
    if (this.stack32) {
      const sp = this.reg32[ESP];
      const v = this.read16(SS, sp);
      this.reg32[ESP] = (sp + 2) | 0;
      return v;
    }
    const sp = this.reg16[ESP << 1];
    const v = this.read16(SS, sp);
    this.reg16[ESP << 1] = sp + 2;
    return v;
  }

  pop32(): number {
    if (this.stack32) {
      const sp = this.reg32[ESP];
      const v = this.read32(SS, sp);
      this.reg32[ESP] = (sp + 4) | 0;
      return v;
    }
    const sp = this.reg16[ESP << 1];
    const v = this.read32(SS, sp);
    this.reg16[ESP << 1] = sp + 4;
    return v;
  }

  /** Reads the stack at SP+offset without moving SP (for instructions that must check before popping). */
  peek16(offset: number): number {
    return this.read16(SS, this.stack32 ? (this.reg32[ESP] + offset) | 0 : (this.reg16[ESP << 1] + offset) & 0xffff);
  }

  peek32(offset: number): number {
    return this.read32(SS, this.stack32 ? (this.reg32[ESP] + offset) | 0 : (this.reg16[ESP << 1] + offset) & 0xffff);
  }

  /** Adds `delta` to ESP or SP as the stack size says. */
  adjustStack(delta: number): void {
    if (this.stack32) this.reg32[ESP] = (this.reg32[ESP] + delta) | 0;
    else this.reg16[ESP << 1] = this.reg16[ESP << 1] + delta;
  }

  // =====================================================================
  // Instruction fetch
  // =====================================================================

  fetch8(): number {
    const eip = this.eip;
    const d = (eip - this.fetchEipLo) >>> 0;
    if (d < this.fetchWindow) {
      this.eip = (eip + 1) | 0;
      return this.ram[this.fetchPhysLo + d];
    }
    return this.fetch8Slow();
  }

  fetch16(): number {
    const eip = this.eip;
    const d = (eip - this.fetchEipLo) >>> 0;
    if (d + 1 < this.fetchWindow) {
      this.eip = (eip + 2) | 0;
      const p = this.fetchPhysLo + d;
      return this.ram[p] | (this.ram[p + 1] << 8);
    }
    const lo = this.fetch8Slow();
    return lo | (this.fetch8() << 8);
  }

  fetch32(): number {
    const eip = this.eip;
    const d = (eip - this.fetchEipLo) >>> 0;
    if (d + 3 < this.fetchWindow) {
      this.eip = (eip + 4) | 0;
      const p = this.fetchPhysLo + d;
      const r = this.ram;
      return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
    }
    const b0 = this.fetch8();
    const b1 = this.fetch8();
    const b2 = this.fetch8();
    return b0 | (b1 << 8) | (b2 << 16) | (this.fetch8() << 24);
  }

  /**
   * Fetches one byte through the full checks (CS limit, paging, NX, host
   * entry points) and refills the fetch window for the page.
   */
  private fetch8Slow(): number {
    const eip = this.eip;
    const limit = this.segLimit[CS];
    if ((eip >>> 0) > limit) this.fault(VEC_GP, 0);
    if (this.lengthLimited && ((eip - this.instrStart) | 0) >= 15) this.fault(VEC_GP, 0);
    const lin = (this.segBase[CS] + eip) | 0;
    const onHostPage = this.hostEntryPages[lin >>> 12] !== 0;
    if (onHostPage && eip === this.instrStart && this.cpl === 0 && this.hostEntries.has(lin)) throw HOST_ENTRY;
    const e = this.translateEntry(lin, false, this.cpl === 3, true);
    this.eip = (eip + 1) | 0;
    const phys = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    if ((e & TLB_MMIO) === 0 && !onHostPage) {
      // Window: from the page start (or EIP 0) to the page end or the CS limit.
      const pageOffset = lin & 0xfff;
      let start = (eip - pageOffset) >>> 0;
      if (start > eip >>> 0) start = 0; // the page start lies below EIP 0
      const end = Math.min(start + (0x1000 - (((this.segBase[CS] + start) | 0) & 0xfff)), limit + 1);
      this.fetchEipLo = start | 0;
      this.fetchWindow = end - start;
      this.fetchPhysLo = phys - ((eip >>> 0) - start);
      if (this.lengthLimited) this.clampFetchWindow();
      return this.ram[phys];
    }
    this.fetchWindow = 0;
    return this.mem.read8(phys);
  }

  // =====================================================================
  // Host entry points
  // =====================================================================

  /**
   * Registers `handler` for linear address `linear`: when the CPU is about to
   * execute there at CPL 0 it calls the handler instead (DESIGN.md §2). The
   * handler typically ends with `returnFromInterrupt()`.
   */
  addHostEntry(linear: number, handler: HostEntryHandler): void {
    if (this.hostEntries === EMPTY_ENTRIES) this.hostEntries = new Map();
    this.hostEntries.set(linear | 0, handler);
    this.hostEntryPages[linear >>> 12] = 1;
    this.fetchWindow = 0;
  }

  removeHostEntry(linear: number): void {
    this.hostEntries.delete(linear | 0);
    let stillUsed = false;
    for (const l of this.hostEntries.keys()) if (l >>> 12 === linear >>> 12) stillUsed = true;
    if (!stillUsed) this.hostEntryPages[linear >>> 12] = 0;
  }

  /**
   * Returns from a host entry as a 32-bit IRET would. A fault here (a bad
   * frame) is delivered to the guest like any fault of the IRET instruction.
   */
  returnFromInterrupt(): void {
    this.opsize32 = true;
    interruptReturn(this, true);
  }

  /** Asks `run()` to return after the current instruction or host handler. */
  requestStop(): void {
    this.stopReason = StopReason.Requested;
    this.events |= EV_STOP;
    this.budgetEnd = 0;
  }

  // =====================================================================
  // The run loop
  // =====================================================================

  /** Raises an NMI on the next instruction boundary. */
  raiseNmi(): void {
    this.nmiPending = true;
  }

  /**
   * Executes up to `budget` instructions and says why it stopped. Interrupts
   * from `interruptLine` are taken at instruction boundaries.
   */
  run(budget: number): StopReason {
    this.stopReason = 0;
    this.events &= ~EV_STOP;
    if (this.shutdown) return StopReason.Shutdown;
    this.budgetLimit = this.instructions + budget;
    this.budgetEnd = 0; // look at pending events first
    while (this.stopReason === 0) {
      try {
        this.loop();
      } catch (e) {
        if (e === HOST_ENTRY) this.enterHostSafely();
        else if (e === CPU_FAULT) this.handleFault();
        else throw e;
      }
    }
    this.events &= ~EV_STOP;
    return this.stopReason as StopReason;
  }

  /**
   * The instruction loop. Per instruction: the budget test, one test of
   * `events` and TF, and an indirect call through the
   * dispatch table. Host entry points are caught by the fetch slow path
   * (their pages are never in the fetch cache), so they cost nothing here.
   */
  private loop(): void {
    const op16 = dispatchTables.op16;
    const op32 = dispatchTables.op32;
    for (;;) {
      if (this.instructions >= this.budgetEnd) {
        if (this.instructions >= this.budgetLimit) {
          if (this.stopReason === 0) this.stopReason = StopReason.Budget;
          return;
        }
        if ((this.events | (this.flags & 0x10100)) !== 0) { // TF | RF
          if (this.stopReason !== 0) return;
          if (this.checkEvents()) continue;
        }
        // Re-arm: check again after this instruction while something is still pending.
        this.budgetEnd = (this.events | (this.flags & 0x10100)) !== 0 ? this.instructions + 1 : this.budgetLimit;
      }
      // Prefix state is already clean: prefixes restore it after their instruction
      // (continueAfterPrefix) and the fault path does in handleFault.
      if (this.code32) {
        // 32-bit code runs in this inner loop until the compare trips (an event, the
        // budget, or a CS load that changes the code size: setSegmentCache arms it).
        do {
          this.instrStart = this.eip;
          this.instructions++;
          // The most frequent opcodes are called directly (monomorphic, inlinable).
          const op = this.fetch8();
          switch (op) {
            case 0x89: movEvGv(this); break;
            case 0x8b: movGvEv(this); break;
            case 0x01: addEvGv(this); break;
            case 0x29: subEvGv(this); break;
            case 0x31: xorEvGv(this); break;
            case 0x39: cmpEvGv(this); break;
            case 0x85: testEvGv(this); break;
            case 0x75: jnzShort(this); break;
            case 0x74: jzShort(this); break;
            case 0xc1: shiftByImm(this); break;
            case 0x83: group1Imm8(this); break;
            case 0xd1: shiftByOne(this); break;
            default:
              if ((op & 0xf0) === 0x40) incDec32(this, op & 7, (op & 8) !== 0 ? -1 : 1);
              else op32[op](this);
          }
        } while (this.instructions < this.budgetEnd);
      } else {
        this.instrStart = this.eip;
        this.instructions++;
        op16[this.fetch8()](this);
      }
    }
  }

  /**
   * The slow part of an instruction boundary: pending NMI/INTR, HLT wake-up,
   * single-step traps. Returns true when it changed control flow or halted.
   */
  private checkEvents(): boolean {
    if ((this.events & EV_DATA_TRAP) !== 0) {
      // A data breakpoint hit by the previous instruction: #DB trap, EIP = next instruction.
      this.events &= ~EV_DATA_TRAP;
      this.instrStart = this.eip;
      this.deliverEvent(VEC_DB, INT_EXCEPTION, -1);
      return true;
    }
    if ((this.flags & FLAG_RF) !== 0) {
      // RF suppresses instruction breakpoints for one instruction, then clears.
      this.flags &= ~FLAG_RF;
    } else if ((this.events & EV_BREAKPOINTS) !== 0 && this.instructionBreakpointHit()) {
      return true;
    }
    if (this.inhibitInterrupts) {
      this.inhibitInterrupts = false;
      if (this.ssShadow && (this.flags & FLAG_TF) !== 0) {
        // Single-stepping MOV SS: the trap comes after the instruction that follows it.
        this.ssShadow = false;
        this.stepThenTrap();
        return true;
      }
      this.ssShadow = false;
      return false;
    }
    if (this.nmiPending && !this.nmiBlocked) {
      this.nmiPending = false;
      this.nmiBlocked = true;
      this.halted = false;
      this.instrStart = this.eip;
      this.deliverEvent(2, INT_EXTERNAL, -1);
      return true;
    }
    if (this.intr && (this.flags & FLAG_IF) !== 0) {
      if (this.interruptLine === null || !this.interruptLine.pending()) this.intr = false;
    }
    if (this.intr && (this.flags & FLAG_IF) !== 0 && this.interruptLine !== null) {
      this.halted = false;
      const vector = this.interruptLine.acknowledge();
      this.instrStart = this.eip;
      this.deliverEvent(vector & 0xff, INT_EXTERNAL, -1);
      return true;
    }
    if (this.halted) {
      this.stopReason = StopReason.Halt;
      return true;
    }
    if ((this.flags & FLAG_TF) !== 0) {
      // Single-step: run one instruction, then raise the #DB trap (Intel SDM Vol. 3B 17.3.1.4).
      this.stepThenTrap();
      return true;
    }
    return false;
  }

  /** An instruction breakpoint at CS:EIP is a fault: #DB before the instruction runs. */
  private instructionBreakpointHit(): boolean {
    const lin = (this.segBase[CS] + this.eip) | 0;
    let hit = 0;
    for (let n = 0; n < 4; n++) if (this.execBreakpoints[n] === lin) hit |= 1 << n;
    if (hit === 0) return false;
    this.dr[6] = (this.dr[6] & ~0xf) | hit;
    this.instrStart = this.eip;
    this.deliverEvent(VEC_DB, INT_EXCEPTION, -1);
    return true;
  }

  private stepThenTrap(): void {
    this.instrStart = this.eip;
    this.instructions++;
    (this.code32 ? dispatchTables.op32 : dispatchTables.op16)[this.fetch8()](this);
    if (this.ssShadow) return; // MOV SS/POP SS: the trap waits one more instruction (see checkEvents)
    if (this.stopReason === 0 || this.stopReason === StopReason.Budget) {
      this.dr[6] |= 0x4000; // BS
      this.instrStart = this.eip;
      this.deliverEvent(VEC_DB, INT_EXCEPTION, -1);
    }
  }

  /** A fault raised by a host handler (e.g. a bad IRET frame) is delivered like any other. */
  private enterHostSafely(): void {
    this.resetPrefixes();
    try {
      this.enterHost();
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      this.handleFault();
    }
  }

  /** Runs the host handler registered at the current CS:EIP (see fetch8Slow). */
  private enterHost(): void {
    const lin = (this.segBase[CS] + this.eip) | 0;
    const handler = this.hostEntries.get(lin);
    if (handler === undefined) throw new Error(`no host entry at ${(lin >>> 0).toString(16)}`);
    this.instructions--; // the entry was counted as an instruction; it is not one
    this.hostEntryCount++;
    handler(this);
  }

  /** Delivers an event through the IDT/IVT with fault nesting handled as exceptions are. */
  private deliverEvent(vector: number, kind: number, errorCode: number): void {
    if (kind === INT_EXCEPTION) this.exceptionCounts[vector]++;
    try {
      deliverInterrupt(this, vector, kind, errorCode);
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      // Faults while delivering an external event or INT n are benign for #DF purposes.
      this.deliveringVector = kind === INT_EXCEPTION ? vector : 256;
      this.handleFault();
    }
  }

  /**
   * Delivers the exception recorded by `fault()`: restores EIP to the start of
   * the faulting instruction, applies the double-fault rules (Intel SDM Vol. 3A
   * 6.15, table 6-5) and, past a double fault, shuts the machine down.
   */
  handleFault(): void {
    this.resetPrefixes();
    this.ssShadow = false;
    let vector = this.excVector;
    let error = this.excError;
    this.eip = this.instrStart;
    this.halted = false;
    const prior = this.deliveringVector;
    if (prior === VEC_DF) {
      this.enterShutdown();
      return;
    }
    if (prior >= 0 && causesDoubleFault(prior, vector)) {
      vector = VEC_DF;
      error = 0;
    }
    if (vector < 32) this.exceptionCounts[vector]++;
    this.deliveringVector = vector;
    try {
      deliverInterrupt(this, vector, INT_EXCEPTION, error);
      this.deliveringVector = -1;
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      // A fault while delivering: recurse through the double-fault rules.
      this.handleFault();
    }
    this.deliveringVector = -1;
  }

  /** Triple fault: the processor stops executing (a PC would reset). */
  enterShutdown(): void {
    this.shutdown = true;
    this.deliveringVector = -1;
    this.stopReason = StopReason.Shutdown;
  }

  /** Exceptions that begin a double fault when they occur while delivering another. */
  static readonly CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);
}

function causesDoubleFault(first: number, second: number): boolean {
  const contributory = Cpu.CONTRIBUTORY;
  if (contributory.has(first)) return contributory.has(second);
  if (first === VEC_PF) return second === VEC_PF || contributory.has(second);
  return false;
}

// Re-exported so embedders see one module for the machine state.
export { ES, CS, SS, DS, FS, GS, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_NXE, FLAG_RF };
