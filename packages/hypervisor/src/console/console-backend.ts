// The PV console backend, dom0's xenconsoled (xen-abi.md §2.18): the guest writes to `out` and
// advances out_prod, we drain it; keyboard input goes into `in`. Indices are free-running.
import { XENCONS_INTERFACE } from '@xen-ts/abi';
import type { RamMachineMemory } from '../machine/machine-memory.js';

const F = XENCONS_INTERFACE.fields;
const IN_SIZE = 1024;
const OUT_SIZE = 2048;

export class ConsoleBackend {
  private readonly base: number;
  private readonly decoder = new TextDecoder('latin1');

  constructor(
    private readonly mem: RamMachineMemory,
    mfn: number,
    private readonly output: (text: string) => void,
    private readonly notify: () => void,
  ) {
    this.base = mfn * 4096;
  }

  private u32(off: number): number {
    return this.mem.view.getUint32(this.base + off, true);
  }

  private set32(off: number, v: number): void {
    this.mem.view.setUint32(this.base + off, v >>> 0, true);
  }

  /** The guest signalled: drain its output. A corrupt index pair drains at most one ring. */
  service(): void {
    const cons = this.u32(F.out_cons.offset);
    const prod = this.u32(F.out_prod.offset);
    let n = (prod - cons) >>> 0;
    if (n === 0) return;
    if (n > OUT_SIZE) n = OUT_SIZE;
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = this.mem.u8[this.base + F.out.offset + ((cons + i) & (OUT_SIZE - 1))]!;
    this.set32(F.out_cons.offset, cons + n);
    this.output(this.decoder.decode(bytes));
    this.notify();
  }

  /** Puts keyboard input into the `in` ring; returns how many bytes fitted. */
  input(text: string): number {
    const cons = this.u32(F.in_cons.offset);
    let prod = this.u32(F.in_prod.offset);
    let n = 0;
    for (const ch of text) {
      if (((prod - cons) >>> 0) >= IN_SIZE) break;
      this.mem.u8[this.base + F.in.offset + (prod & (IN_SIZE - 1))] = ch.charCodeAt(0) & 0xff;
      prod = (prod + 1) >>> 0;
      n++;
    }
    if (n > 0) {
      this.set32(F.in_prod.offset, prod);
      this.notify();
    }
    return n;
  }
}
