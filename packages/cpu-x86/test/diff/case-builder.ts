// CaseBuilder: assembles one generated case. It chooses the initial state,
// encodes instructions, and tracks just enough machine state to keep every
// memory access inside the data buffer or stack window:
//  - known register values (initial values, MOV imm, ESP through PUSH/POP),
//  - a shadow of memory contents (pristine / known / unknown bytes),
//  - "taint": flags and registers whose value Intel leaves undefined.
// Taint never propagates: an instruction that would read a tainted flag or
// register is preceded by a sanitiser (CMP ESP,imm32 or MOV reg,imm32).
import {
  DATA_BASE,
  DATA_SIZE,
  DF,
  EBP,
  EFLAGS_SETTABLE,
  ESP,
  INITIAL_ESP,
  STACK_WINDOW_BASE,
  STACK_WINDOW_SIZE,
  type GeneratedCase,
  type Prediction,
  type UndefinedMask,
} from './diff-case.js';
import type { Rng } from './rng.js';
import {
  REG32,
  SEG_NAMES,
  SEG_PREFIXES,
  STATUS6,
  hex,
  le,
  modrm,
  ptrName,
  regBit,
  regName,
  sib,
  signedHex,
  type Size,
} from './x86-encode.js';

export interface RegOperand {
  kind: 'reg';
  size: Size;
  reg: number;
}

export interface MemOperand {
  kind: 'mem';
  /** Access size in bits, for the text only (0: none, e.g. LEA). */
  size: number;
  /** Effective (= linear, all segments are flat) address. */
  addr: number;
  /** Registers used to form the address. */
  addrRegs: number;
  /** Segment override prefix byte, or null. */
  seg: number | null;
  /** 16-bit addressing (needs the 67 prefix). */
  a16: boolean;
  mod: number;
  rm: number;
  sibByte: number | null;
  disp: number[];
  /** Address expression, e.g. "[ebx+esi*4+0x10]". */
  expr: string;
}

export type Operand = RegOperand | MemOperand;

export type Region = 'data' | 'stack';

export interface MemOptions {
  region?: Region;
  /** Exact effective address wanted (overrides region). */
  target?: number;
  /** Bytes that must stay inside the region from the address (default size/8). */
  span?: number;
  /** Registers that must not take part in the address. */
  avoidRegs?: number;
  /** Probability of a DS/ES/SS override prefix (default 0.15). */
  segProb?: number;
  /** ESP value seen by the address computation minus the current one
   *  (POP r/m computes an ESP-based address after the increment). */
  espAdjust?: number;
}

export interface InsnSpec {
  /** Legacy prefixes (66, F0, F2, F3); the builder adds segment/67 and shuffles. */
  prefixes?: number[];
  opcode: number[];
  rm?: Operand;
  /** ModRM reg field (register number or opcode extension). */
  reg?: number;
  imm?: number[];
  text: string;
  /** GPRs read (explicit reg-field/implicit ones; rm and address registers are added). */
  reads?: number;
  /** GPRs written, at any width (rm is added when rmWrite). */
  writes?: number;
  rmRead?: boolean;
  rmWrite?: boolean;
  flagsRead?: number;
  /** Flags given defined values. */
  flagsWritten?: number;
  /** Flags left architecturally undefined. */
  flagsUndef?: number;
  /** Registers left holding an undefined value. */
  regsUndef?: number;
  /** Extra memory read ranges [address, bytes]. */
  memReads?: (readonly [number, number])[];
  /** Extra memory write ranges [address, bytes, known value?]. */
  memWrites?: (readonly [number, number, number?])[];
  /** Register values known after the instruction. */
  known?: (readonly [number, number])[];
  /** New DF value when the instruction changes it (null: unknown). */
  df?: 0 | 1 | null;
  mayFault?: boolean;
  /** Keep the prefix order as given. */
  fixedPrefixOrder?: boolean;
  /** Internal: a sanitiser instruction (skips sanitising itself). */
  sanitiser?: boolean;
}

interface State {
  known: (number | undefined)[];
  taintFlags: number;
  taintRegs: number;
  df: 0 | 1 | null;
  memState: Uint8Array;
  memVal: Uint8Array;
}

const PRISTINE = 0;
const KNOWN = 1;
const UNKNOWN = 2;

/** Registers that hold values from "interesting" 32-bit values at start. */
export class CaseBuilder {
  readonly regs = new Uint32Array(8);
  eflags: number;
  readonly data: Uint8Array;
  readonly stack: Uint8Array;
  private readonly code: number[] = [];
  private readonly asm: string[] = [];
  private readonly offsets: number[] = [];
  private readonly undefAt: UndefinedMask[] = [];
  private known: (number | undefined)[] = [];
  private taintFlags = 0;
  private taintRegs = 0;
  private dfState: 0 | 1 | null;
  /** Per byte of data buffer then stack window: PRISTINE / KNOWN / UNKNOWN. */
  private memState = new Uint8Array(DATA_SIZE + STACK_WINDOW_SIZE);
  private memVal: Uint8Array;
  private pins = 0;
  private mayFault = false;
  /** Registers that generic instructions should not overwrite (ESP, pointers). */
  reserved = 1 << ESP;

  constructor(
    readonly rng: Rng,
    /** Registers the group uses implicitly; pointer registers avoid them. */
    implicitRegs = 0,
  ) {
    for (let r = 0; r < 8; r++) this.regs[r] = rng.interesting32();
    this.regs[ESP] = rng.weighted<number>([
      [8, INITIAL_ESP],
      [3, INITIAL_ESP + rng.range(-32, 16) * 4],
      [1, INITIAL_ESP + rng.range(-64, 32) * 2 + rng.int(2)],
    ]);
    // One or two registers point into the data buffer so that short address
    // forms ([reg], [reg+disp8]) are common.
    const free = [0, 1, 2, 3, 5, 6, 7].filter((r) => !(implicitRegs & (1 << r)));
    const nPtr = Math.min(free.length, rng.range(0, 2));
    for (let i = 0; i < nPtr; i++) {
      const r = free.splice(rng.int(free.length), 1)[0]!;
      this.regs[r] = DATA_BASE + (rng.chance(0.6) ? rng.int(DATA_SIZE / 4) * 4 : rng.int(DATA_SIZE));
      this.reserved |= 1 << r;
    }
    this.eflags = rng.u32() & EFLAGS_SETTABLE & ~(rng.chance(0.7) ? DF : 0);
    this.dfState = this.eflags & DF ? 1 : 0;
    this.data = rng.bytes(DATA_SIZE);
    this.stack = rng.bytes(STACK_WINDOW_SIZE);
    this.memVal = new Uint8Array(DATA_SIZE + STACK_WINDOW_SIZE);
    this.memVal.set(this.data, 0);
    this.memVal.set(this.stack, DATA_SIZE);
    this.known = Array.from(this.regs);
  }

  // ---- state queries -------------------------------------------------------

  get codeLength(): number {
    return this.code.length;
  }

  /** Bytes still available for code, keeping the 256-byte budget. */
  room(): number {
    return 256 - this.code.length;
  }

  value(r: number): number | undefined {
    return this.known[r];
  }

  get df(): 0 | 1 | null {
    return this.dfState;
  }

  get esp(): number {
    return this.known[ESP]!;
  }

  isTainted(r: number): boolean {
    return (this.taintRegs & (1 << r)) !== 0;
  }

  /** Value of `bytes` bytes of memory at addr if the generator knows it. */
  memValue(addr: number, bytes: number): number | undefined {
    let v = 0;
    for (let i = bytes - 1; i >= 0; i--) {
      const k = shadowIndex(addr + i);
      if (k < 0 || this.memState[k] === UNKNOWN) return undefined;
      v = v * 256 + this.memVal[k]!;
    }
    return v >>> 0;
  }

  // ---- register choice ---------------------------------------------------

  /** A register (of the given size) that may be overwritten. */
  destReg(size: Size, avoid = 0): number {
    const ok: number[] = [];
    for (let r = 0; r < 8; r++) {
      const bit = regBit(size, r);
      if (bit & (this.reserved | avoid | (1 << ESP))) continue;
      ok.push(r);
    }
    if (ok.length === 0) {
      // Everything reserved: give up a pointer register.
      for (let r = 0; r < 8; r++) if (!(regBit(size, r) & (avoid | (1 << ESP)))) ok.push(r);
    }
    return this.rng.pick(ok);
  }

  /** Any register as a source. */
  srcReg(size: Size, avoid = 0): number {
    const ok: number[] = [];
    for (let r = 0; r < 8; r++) if (!(regBit(size, r) & avoid)) ok.push(r);
    return this.rng.pick(ok);
  }

  reg(size: Size, reg: number): RegOperand {
    return { kind: 'reg', size, reg };
  }

  /** A register or memory operand; dest: it will be written. */
  rm(size: Size, opts: { dest: boolean; memProb?: number; avoid?: number } & MemOptions): Operand {
    if (this.rng.chance(opts.memProb ?? 0.4)) return this.mem(size, opts);
    return this.reg(size, opts.dest ? this.destReg(size, opts.avoid) : this.srcReg(size, opts.avoid));
  }

  // ---- memory operands -----------------------------------------------------

  /** Picks an address so that [addr, addr+span) lies inside the region. */
  pickTarget(region: Region, span: number): number {
    const rng = this.rng;
    const base = region === 'data' ? DATA_BASE : STACK_WINDOW_BASE;
    const lo = region === 'data' ? base : Math.max(base, this.esp - 384);
    const hi = region === 'data' ? base + DATA_SIZE - span : Math.min(base + STACK_WINDOW_SIZE - span, this.esp + 128);
    if (hi < lo) return this.pickTarget('data', span);
    const kind = rng.int(10);
    if (kind < 4) {
      const near: number[] = [];
      for (let r = 0; r < 8; r++) {
        const v = this.known[r];
        if (v !== undefined && v >= lo - 128 && v <= hi + 128) near.push(v);
      }
      if (near.length > 0) {
        const v = rng.pick(near);
        const t = rng.chance(0.4) ? v : v + rng.range(-128, 127);
        return Math.min(hi, Math.max(lo, t));
      }
    }
    if (kind < 5) return rng.pick([lo, hi, Math.min(hi, lo + 1), Math.max(lo, hi - 1)]);
    if (kind < 8) {
      const align = span >= 8 ? 8 : span >= 4 ? 4 : span >= 2 ? 2 : 1;
      const t = lo + rng.int(Math.floor((hi - lo) / align) + 1) * align;
      return t - (t % align);
    }
    return rng.range(lo, hi);
  }

  /** A 32-bit-addressing memory operand whose address lies in the data buffer
   *  or stack window (or exactly at opts.target). */
  mem(size: number, opts: MemOptions = {}): MemOperand {
    const rng = this.rng;
    const span = opts.span ?? Math.max(1, size / 8);
    const region: Region = opts.region ?? (rng.chance(0.15) ? 'stack' : 'data');
    const target = (opts.target ?? this.pickTarget(region, span)) >>> 0;
    const avoid = opts.avoidRegs ?? 0;
    const usable: number[] = [];
    for (let r = 0; r < 8; r++) {
      if (this.known[r] !== undefined && !(avoid & (1 << r)) && !(this.taintRegs & (1 << r))) usable.push(r);
    }
    const val = (r: number): number => this.known[r]! + (r === ESP ? (opts.espAdjust ?? 0) : 0);
    type Cand = { w: number; base: number | null; index: number | null; scale: number; disp: number };
    const cands: Cand[] = [{ w: 1, base: null, index: null, scale: 1, disp: target }];
    const weight = (d: number): number => (d === 0 ? 6 : d >= -128 && d <= 127 ? 4 : 1);
    for (const b of usable) {
      const d = (target - val(b)) | 0;
      cands.push({ w: weight(d), base: b, index: null, scale: 1, disp: d });
    }
    const indexable = usable.filter((r) => r !== ESP);
    for (let i = 0; i < 3 && indexable.length > 0; i++) {
      const idx = rng.pick(indexable);
      const scale = rng.pick([1, 2, 4, 8]);
      const b = rng.chance(0.8) && usable.length > 0 ? rng.pick(usable) : null;
      const part = (b === null ? 0 : val(b)) + this.known[idx]! * scale;
      const d = (target - part) | 0;
      cands.push({ w: b === null ? 1 : weight(d), base: b, index: idx, scale, disp: d });
    }
    const c = rng.weighted(cands.map((x) => [x.w, x] as const));
    const op = this.encodeMem32(c.base, c.index, c.scale, c.disp, target, size);
    if (rng.chance(opts.segProb ?? 0.15)) op.seg = rng.pick(SEG_PREFIXES);
    this.pins |= op.addrRegs;
    return op;
  }

  private encodeMem32(
    base: number | null,
    index: number | null,
    scale: number,
    disp: number,
    addr: number,
    size: number,
  ): MemOperand {
    const rng = this.rng;
    const fits8 = disp >= -128 && disp <= 127;
    // mod: 0 = no displacement, 1 = disp8, 2 = disp32.
    let mod: number;
    if (base === null) mod = 0;
    else if (disp === 0 && base !== EBP && rng.chance(0.8)) mod = 0;
    else if (fits8 && rng.chance(0.85)) mod = 1;
    else mod = 2;
    const useSib = index !== null || base === null ? index !== null : base === ESP || rng.chance(0.1);
    let rm: number;
    let sibByte: number | null = null;
    let addrRegs = 0;
    const parts: string[] = [];
    if (base !== null) {
      addrRegs |= 1 << base;
      parts.push(REG32[base]!);
    }
    if (index !== null) {
      addrRegs |= 1 << index;
      parts.push(scale === 1 ? REG32[index]! : `${REG32[index]}*${scale}`);
    }
    if (base === null && index === null && rng.chance(0.15)) {
      // [disp32] through a SIB byte: no base (101 with mod 00), no index.
      rm = 4;
      sibByte = sib(rng.pick([1, 2, 4, 8]), 4, 5);
    } else if (!useSib) {
      rm = base === null ? 5 : base;
    } else {
      rm = 4;
      // Index 100 means "no index"; the scale bits are then ignored.
      const idx = index ?? 4;
      const sc = index === null ? rng.pick([1, 2, 4, 8]) : scale;
      sibByte = sib(sc, idx, base ?? 5);
    }
    const dispBytes = mod === 1 ? le(disp, 1) : mod === 2 || base === null ? le(disp, 4) : [];
    let expr = parts.join('+');
    if (base === null) expr = expr === '' ? hex(disp) : `${expr}${signedHex(disp)}`;
    else if (mod !== 0) expr += signedHex(disp);
    return {
      kind: 'mem',
      size,
      addr: addr >>> 0,
      addrRegs,
      seg: null,
      a16: false,
      mod,
      rm,
      sibByte,
      disp: dispBytes,
      expr: `[${expr}]`,
    };
  }

  /** A 16-bit-addressing (67 prefix) memory operand with random registers.
   *  Its address is below 0x10000 and so unmapped: accesses fault (#PF). */
  mem16(size: number): MemOperand {
    const rng = this.rng;
    const FORMS = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
    const REGS = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3]];
    const rm = rng.int(8);
    const mod = rng.int(3);
    const disp = mod === 1 ? rng.range(-128, 127) : rng.int(0x10000);
    let expr: string;
    let regs: number[];
    if (mod === 0 && rm === 6) {
      expr = hex(disp);
      regs = [];
    } else {
      expr = FORMS[rm]! + (mod === 0 ? '' : signedHex(mod === 1 ? disp : disp));
      regs = REGS[rm]!;
    }
    let addr = mod === 0 && rm === 6 ? disp : mod === 0 ? 0 : disp;
    let addrKnown = true;
    for (const r of regs) {
      const v = this.known[r];
      if (v === undefined) addrKnown = false;
      else addr += v;
    }
    let addrRegs = 0;
    for (const r of regs) addrRegs |= 1 << r;
    const dispBytes = mod === 1 ? le(disp, 1) : mod === 2 || (mod === 0 && rm === 6) ? le(disp, 2) : [];
    this.pins |= addrRegs;
    return {
      kind: 'mem',
      size,
      addr: addrKnown ? addr & 0xffff : -1,
      addrRegs,
      seg: null,
      a16: true,
      mod,
      rm,
      sibByte: null,
      disp: dispBytes,
      expr: `[${expr}]`,
    };
  }

  // ---- memory shadow -------------------------------------------------------

  /** Sets initial memory if untouched so far; returns false otherwise. */
  poke(addr: number, bytes: number, value: number): boolean {
    for (let i = 0; i < bytes; i++) {
      const k = shadowIndex(addr + i);
      if (k < 0 || this.memState[k] !== PRISTINE) return false;
    }
    for (let i = 0; i < bytes; i++) {
      const k = shadowIndex(addr + i);
      const b = (value >>> (8 * i)) & 0xff;
      this.memVal[k] = b;
      if (k < DATA_SIZE) this.data[k] = b;
      else this.stack[k - DATA_SIZE] = b;
    }
    return true;
  }

  /** Makes memory hold `value`: initial contents if untouched, else a MOV. */
  setMem(addr: number, bytes: 1 | 2 | 4, value: number): void {
    if (this.poke(addr, bytes, value)) return;
    const size = (bytes * 8) as Size;
    const op = this.encodeMem32(null, null, 1, addr | 0, addr, size);
    this.insn({
      prefixes: size === 16 ? [0x66] : [],
      opcode: [size === 8 ? 0xc6 : 0xc7],
      rm: op,
      reg: 0,
      imm: le(value, bytes),
      text: `mov ${ptrName(size)} ${op.expr}, ${hex(value)}`,
      rmRead: false,
      rmWrite: true,
      memWrites: [[addr, bytes, value]],
    });
  }

  private touch(addr: number, bytes: number): void {
    for (let i = 0; i < bytes; i++) {
      const k = shadowIndex(addr + i);
      if (k >= 0 && this.memState[k] === PRISTINE) this.memState[k] = KNOWN;
    }
  }

  private written(addr: number, bytes: number, value: number | undefined): void {
    for (let i = 0; i < bytes; i++) {
      const k = shadowIndex(addr + i);
      if (k < 0) {
        if (!this.mayFault) throw new Error(`generator bug: write outside the case memory at ${hex(addr + i)}`);
        continue;
      }
      if (value === undefined) this.memState[k] = UNKNOWN;
      else {
        this.memState[k] = KNOWN;
        this.memVal[k] = bytes <= 4 ? (value >>> (8 * i)) & 0xff : 0;
      }
    }
  }

  // ---- emission ------------------------------------------------------------

  /** Loads a register with a known value: changes the initial state when no
   *  code exists yet, else emits MOV r32, imm32. */
  setReg(r: number, value: number, forceInsn = false): void {
    value >>>= 0;
    if (this.pins & (1 << r)) throw new Error(`generator bug: ${REG32[r]} is used by a pending operand`);
    if (!forceInsn && this.code.length === 0 && r !== ESP) {
      this.regs[r] = value;
      this.known[r] = value;
      return;
    }
    this.insn({
      opcode: [0xb8 + r],
      imm: le(value, 4),
      text: `mov ${REG32[r]}, ${hex(value)}`,
      writes: 1 << r,
      known: [[r, value]],
    });
  }

  /** Makes sure a register value is known (loading a fresh one if not). */
  ensureKnown(r: number, fresh: () => number = () => this.rng.interesting32()): number {
    const v = this.known[r];
    if (v !== undefined && !this.isTainted(r)) return v;
    const nv = fresh() >>> 0;
    this.setReg(r, nv, r === ESP);
    return nv;
  }

  /** Sets DF to a known value with CLD/STD if it is not known. */
  ensureDf(): 0 | 1 {
    if (this.dfState !== null) return this.dfState;
    const d = this.rng.int(2) as 0 | 1;
    this.insn({ opcode: [d ? 0xfd : 0xfc], text: d ? 'std' : 'cld', df: d });
    return d;
  }

  /** Encodes and records one instruction, updating the tracked state.
   *  Returns the offset of the first immediate byte (for branch patching). */
  insn(s: InsnSpec): { start: number; immAt: number; end: number } {
    const rm = s.rm;
    let reads = s.reads ?? 0;
    let writes = s.writes ?? 0;
    const rmRead = s.rmRead ?? true;
    if (rm?.kind === 'reg') {
      if (rmRead) reads |= regBit(rm.size, rm.reg);
      if (s.rmWrite) writes |= regBit(rm.size, rm.reg);
    } else if (rm?.kind === 'mem') {
      reads |= rm.addrRegs;
    }
    // Sanitise tainted inputs first (registers, then flags).
    const dirty = (reads | writes) & this.taintRegs;
    if (dirty && !s.sanitiser) {
      for (let r = 0; r < 8; r++) {
        if (!(dirty & (1 << r))) continue;
        const v = this.rng.interesting32();
        this.insn({
          opcode: [0xb8 + r],
          imm: le(v, 4),
          text: `mov ${REG32[r]}, ${hex(v)} ; replaces an undefined value`,
          writes: 1 << r,
          known: [[r, v]],
          sanitiser: true,
        });
      }
    }
    if ((s.flagsRead ?? 0) & this.taintFlags) {
      this.insn({
        opcode: [0x81],
        rm: this.reg(32, ESP),
        reg: 7,
        imm: le(this.rng.u32(), 4),
        text: 'cmp esp, imm32 ; defines flags left undefined',
        flagsWritten: STATUS6,
      });
    }
    const pre = [...(s.prefixes ?? [])];
    if (rm?.kind === 'mem') {
      if (rm.seg !== null) pre.push(rm.seg);
      if (rm.a16) pre.push(0x67);
    }
    if (!s.fixedPrefixOrder) shuffle(this.rng, pre);
    const start = this.code.length;
    const bytes = [...pre, ...s.opcode];
    if (rm !== undefined) bytes.push(...encodeRm(rm, s.reg ?? 0));
    const immAt = start + bytes.length;
    bytes.push(...(s.imm ?? []));
    this.offsets.push(start);
    this.undefAt.push({ eflags: this.taintFlags, regs: this.taintRegs });
    this.asm.push(pre.includes(0xf0) && !s.text.startsWith('lock') ? `lock ${s.text}` : s.text);
    this.code.push(...bytes);

    if (s.mayFault) this.mayFault = true;
    if (rm?.kind === 'mem' && rmRead && !rm.a16) this.touch(rm.addr, Math.max(1, rm.size / 8));
    for (const [a, n] of s.memReads ?? []) this.touch(a, n);
    if (rm?.kind === 'mem' && s.rmWrite && !rm.a16) this.written(rm.addr, Math.max(1, rm.size / 8), undefined);
    for (const [a, n, v] of s.memWrites ?? []) this.written(a, n, v);
    for (let r = 0; r < 8; r++) if (writes & (1 << r)) this.known[r] = undefined;
    for (const [r, v] of s.known ?? []) this.known[r] = v >>> 0;
    const fw = (s.flagsWritten ?? 0) | (s.flagsUndef ?? 0);
    this.taintFlags = (this.taintFlags & ~fw) | (s.flagsUndef ?? 0);
    this.taintRegs = (this.taintRegs & ~(reads | writes)) | (s.regsUndef ?? 0);
    for (let r = 0; r < 8; r++) if (this.taintRegs & (1 << r)) this.known[r] = undefined;
    if (s.df !== undefined) this.dfState = s.df;
    if (this.known[ESP] === undefined) throw new Error(`generator bug: ESP unknown after ${s.text}`);
    this.pins = 0;
    return { start, immAt, end: this.code.length };
  }

  /** Overwrites already emitted bytes (branch displacement patching). */
  patch(at: number, bytes: number[]): void {
    for (let i = 0; i < bytes.length; i++) this.code[at + i] = bytes[i]!;
  }

  /** Notes that the case may raise an exception by design. */
  expectFault(): void {
    this.mayFault = true;
  }

  // ---- branches ------------------------------------------------------------

  /** Snapshot of the tracked state, for control-flow joins. */
  snapshot(): State {
    return {
      known: [...this.known],
      taintFlags: this.taintFlags,
      taintRegs: this.taintRegs,
      df: this.dfState,
      memState: this.memState.slice(),
      memVal: this.memVal.slice(),
    };
  }

  /** Returns to a snapshot (the code after it is never executed). */
  restore(s: State): void {
    this.known = [...s.known];
    this.taintFlags = s.taintFlags;
    this.taintRegs = s.taintRegs;
    this.dfState = s.df;
    this.memState = s.memState.slice();
    this.memVal = s.memVal.slice();
  }

  /** Records memory contents the caller has worked out (e.g. a patched value). */
  noteWrite(addr: number, bytes: number, value: number | undefined): void {
    this.written(addr, bytes, value);
  }

  /** Records a register value the caller has worked out (e.g. ECX after LOOP). */
  setKnown(r: number, value: number): void {
    this.known[r] = value >>> 0;
  }

  /** Joins the current state with another path's state (conservatively). */
  join(other: State): void {
    for (let r = 0; r < 8; r++) if (this.known[r] !== other.known[r]) this.known[r] = undefined;
    if (this.known[ESP] === undefined) throw new Error('generator bug: ESP differs across a join');
    this.taintFlags |= other.taintFlags;
    this.taintRegs |= other.taintRegs;
    if (this.dfState !== other.df) this.dfState = null;
    for (let k = 0; k < this.memState.length; k++) {
      if (this.memState[k] !== other.memState[k] || this.memVal[k] !== other.memVal[k]) {
        this.memState[k] = UNKNOWN;
      }
    }
  }

  /** Simple register-only instructions (no memory, no taint) for branch
   *  bodies; never writes the registers in `avoid` or reserved ones. */
  filler(count: number, avoid = 0): void {
    for (let i = 0; i < count; i++) {
      const r = this.destReg(32, avoid);
      const k = this.rng.int(6);
      if (k === 0) this.setReg(r, this.rng.interesting32(), true);
      else if (k === 1) this.insn({ opcode: [0x40 + r], text: `inc ${REG32[r]}`, writes: 1 << r, reads: 1 << r, flagsWritten: STATUS6 & ~1 });
      else if (k === 2) {
        const v = this.rng.range(-128, 127);
        this.insn({ opcode: [0x83], rm: this.reg(32, r), reg: 0, imm: le(v, 1), text: `add ${REG32[r]}, ${v}`, rmWrite: true, flagsWritten: STATUS6 });
      } else if (k === 3) {
        const s = this.srcReg(32);
        this.insn({ opcode: [0x31], rm: this.reg(32, r), reg: s, text: `xor ${REG32[r]}, ${REG32[s]}`, reads: 1 << s, rmWrite: true, flagsWritten: STATUS6 & ~0x10, flagsUndef: 0x10 });
      } else if (k === 4) {
        const s = this.srcReg(32);
        this.insn({ opcode: [0x39], rm: this.reg(32, r), reg: s, text: `cmp ${REG32[r]}, ${REG32[s]}`, reads: 1 << s, flagsWritten: STATUS6 });
      } else {
        this.insn({ opcode: [0x90], text: 'nop' });
      }
    }
  }

  // ---- result --------------------------------------------------------------

  finish(name: string, seed: number, predict = false): GeneratedCase {
    if (this.code.length > 256) throw new Error(`generator bug: ${name} code is ${this.code.length} bytes`);
    let predicted: Prediction | undefined;
    if (predict) {
      const memory = new Int16Array(this.memState.length);
      for (let k = 0; k < memory.length; k++) memory[k] = this.memState[k] === UNKNOWN ? -1 : this.memVal[k]!;
      predicted = { regs: this.known.map((v) => (v === undefined ? null : v)), memory };
    }
    return {
      ...(predicted ? { predicted } : {}),
      name,
      seed,
      regs: this.regs,
      eflags: this.eflags,
      data: this.data,
      stack: this.stack,
      code: Uint8Array.from(this.code),
      asm: this.asm,
      offsets: this.offsets,
      undefinedAt: this.undefAt,
      undefined: { eflags: this.taintFlags, regs: this.taintRegs },
      mayFault: this.mayFault,
    };
  }
}

/** Index into the memory shadow for an address, or -1 outside. */
function shadowIndex(addr: number): number {
  const a = addr >>> 0;
  if (a >= DATA_BASE && a < DATA_BASE + DATA_SIZE) return a - DATA_BASE;
  if (a >= STACK_WINDOW_BASE && a < STACK_WINDOW_BASE + STACK_WINDOW_SIZE) return DATA_SIZE + a - STACK_WINDOW_BASE;
  return -1;
}

export function encodeRm(op: Operand, reg: number): number[] {
  if (op.kind === 'reg') return [modrm(3, reg, op.reg)];
  const out = [modrm(op.mod, reg, op.rm)];
  if (op.sibByte !== null) out.push(op.sibByte);
  out.push(...op.disp);
  return out;
}

/** Intel-syntax text of an operand. */
export function opText(op: Operand): string {
  if (op.kind === 'reg') return regName(op.size, op.reg);
  const seg = op.seg !== null ? `${SEG_NAMES[op.seg]}:` : '';
  const p = ptrName(op.size);
  return `${p}${p ? ' ' : ''}${seg}${op.expr}`;
}

function shuffle<T>(rng: Rng, a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

