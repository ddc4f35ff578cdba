/**
 * A CPU in real-address mode (as after RESET, then moved to ordinary
 * segments), for instruction tests with 16-bit code. Layout (physical):
 *
 *   0x00000  IVT (256 vectors): vector v points at STUB_SEG:(2v)
 *   0x08000  stubs, 2 bytes a vector: `hlt; iret`
 *   0x10000  code (CS = 0x1000)
 *   0x20000  stack segment (SS = 0x2000, SP = 0xFF00)
 *   0x30000  data segment (DS = ES = FS = GS = 0x3000)
 *
 * An exception or interrupt therefore stops the CPU in the stub of its vector
 * with the IVT frame (IP, CS, FLAGS) on the stack, as Intel SDM Vol. 3A 20.1.4
 * describes; `vector` and `frame()` read them back.
 */
import { Cpu, StopReason } from '../../src/cpu.js';
import { CS, DS, ES, FS, GS, SS } from '../../src/constants.js';
import { PhysicalMemory } from '../../src/memory/physical-memory.js';

export const STUB_SEG = 0x0800;
export const CODE_SEG = 0x1000;
export const STACK_SEG = 0x2000;
export const DATA_SEG = 0x3000;
export const STACK_TOP = 0xff00;

/** Real-mode segment attributes: present, writable data, accessed (code: execute/read). */
export const REAL_DATA_ATTR = 0x93;
export const REAL_CODE_ATTR = 0x9b;

export class RealMachine {
  readonly mem: PhysicalMemory;
  readonly cpu: Cpu;

  constructor(ramBytes = 2 << 20) {
    this.mem = new PhysicalMemory(ramBytes);
    this.cpu = new Cpu({ memory: this.mem });
    for (let v = 0; v < 256; v++) {
      this.mem.write16(v * 4, v * 2);
      this.mem.write16(v * 4 + 2, STUB_SEG);
      this.mem.write8(STUB_SEG * 16 + v * 2, 0xf4);
      this.mem.write8(STUB_SEG * 16 + v * 2 + 1, 0xcf);
    }
    this.enter(CODE_SEG, 0);
  }

  /** Loads a segment register as a real-mode load does (base = selector * 16, 64 KiB limit). */
  setSeg(seg: number, selector: number, limit = 0xffff): void {
    this.cpu.setSegmentCache(seg, selector, selector << 4, limit, seg === CS ? REAL_CODE_ATTR : REAL_DATA_ATTR);
  }

  /** Puts the CPU at cs:ip with the standard stack and data segments. */
  enter(cs: number, ip: number, sp = STACK_TOP): void {
    this.setSeg(CS, cs);
    this.setSeg(SS, STACK_SEG);
    for (const s of [DS, ES, FS, GS]) this.setSeg(s, DATA_SEG);
    this.cpu.reg32[4] = sp;
    this.cpu.eip = ip;
    this.cpu.halted = false;
  }

  /** Writes bytes at seg:off (physical = seg * 16 + off). */
  load(seg: number, off: number, bytes: number[]): void {
    this.mem.load(seg * 16 + off, Uint8Array.from(bytes));
  }

  /** Loads `code` at CODE_SEG:0 followed by HLT, enters it and runs until a stop. */
  exec(code: number[], budget = 10_000): StopReason {
    this.load(CODE_SEG, 0, [...code, 0xf4]);
    this.setSeg(CS, CODE_SEG);
    this.cpu.eip = 0;
    return this.run(budget);
  }

  run(budget = 10_000): StopReason {
    this.cpu.halted = false;
    return this.cpu.run(budget);
  }

  /** The vector whose stub the CPU halted in, or -1. */
  get vector(): number {
    const c = this.cpu;
    if (c.segSel[CS] !== STUB_SEG || (c.eip & 1) !== 1 || c.eip > 0x1ff) return -1;
    return (c.eip - 1) / 2;
  }

  /** Word `i` of the stack (SS:SP + 2i). */
  stackWord(i: number): number {
    const c = this.cpu;
    return this.mem.read16(c.segBase[SS] + ((c.reg16[8] + 2 * i) & 0xffff));
  }

  /** The IVT frame at SS:SP: the IP, CS and FLAGS pushed by the interrupt. */
  frame(): { ip: number; cs: number; flags: number } {
    return { ip: this.stackWord(0), cs: this.stackWord(1), flags: this.stackWord(2) };
  }

  /** Runs and expects to halt in the stub of `vector`; returns the frame. */
  expectVector(vector: number, budget = 10_000): { ip: number; cs: number; flags: number } {
    const stop = this.run(budget);
    if (stop !== StopReason.Halt || this.vector !== vector) {
      throw new Error(
        `expected vector ${vector}, got stop ${stop} vector ${this.vector} at ${this.cpu.segSel[CS].toString(16)}:${(this.cpu.eip >>> 0).toString(16)}`,
      );
    }
    return this.frame();
  }
}
