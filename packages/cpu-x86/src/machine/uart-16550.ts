/**
 * A minimal 16550A UART, enough for polling drivers (a kernel's early serial
 * console, Linux's 8250 probe): transmitted bytes go to the host at once, the
 * transmitter is always empty (LSR.THRE|TEMT), and there are no interrupts
 * (IER is stored but never raises an IRQ; IIR always reads "none pending").
 *
 * Register map (base + n), per the National Semiconductor PC16550D data sheet:
 *   0  RBR (read) / THR (write); DLL when LCR.DLAB
 *   1  IER; DLM when LCR.DLAB
 *   2  IIR (read) / FCR (write)
 *   3  LCR       4  MCR       5  LSR       6  MSR       7  SCR
 * MCR.LOOP (bit 4) routes THR to RBR and MCR's modem outputs to MSR's inputs,
 * which is what probing drivers test; outside loopback MSR reads as a
 * connected line (DCD|DSR|CTS), as QEMU's serial device does with a chardev.
 */
import type { IoDevice } from '../memory/io-bus.js';
import type { ConsoleOutput } from './console-output.js';

export const COM1_PORT = 0x3f8;
export const COM2_PORT = 0x2f8;

const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;

export class Uart16550 implements IoDevice {
  ier = 0;
  lcr = 0x03;
  mcr = 0;
  scr = 0;
  fcr = 0;
  divisor = 12; // 9600 baud
  private readonly rx: number[] = [];

  constructor(
    private readonly output: ConsoleOutput,
    readonly base = COM1_PORT,
  ) {}

  /** Queues bytes for the guest to read from RBR. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.rx.push(b & 0xff);
  }

  in(port: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readRegister((port + i - this.base) & 7) << (i * 8);
    return v >>> 0;
  }

  out(port: number, value: number, size: 1 | 2 | 4): void {
    for (let i = 0; i < size; i++) this.writeRegister((port + i - this.base) & 7, (value >>> (i * 8)) & 0xff);
  }

  private readRegister(reg: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case 0:
        if (dlab) return this.divisor & 0xff;
        return this.rx.length > 0 ? (this.rx.shift() as number) : 0;
      case 1:
        return dlab ? (this.divisor >>> 8) & 0xff : this.ier;
      case 2:
        return ((this.fcr & 1) !== 0 ? 0xc0 : 0) | 0x01;
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THRE | LSR_TEMT | (this.rx.length > 0 ? LSR_DR : 0);
      case 6:
        if ((this.mcr & MCR_LOOP) !== 0) {
          const m = this.mcr;
          // RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
          return ((m & 2) << 3) | ((m & 1) << 5) | ((m & 4) << 4) | ((m & 8) << 4);
        }
        return 0xb0;
      default:
        return this.scr;
    }
  }

  private writeRegister(reg: number, v: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case 0:
        if (dlab) this.divisor = (this.divisor & 0xff00) | v;
        else if ((this.mcr & MCR_LOOP) !== 0) this.rx.push(v);
        else this.output.put(v);
        return;
      case 1:
        if (dlab) this.divisor = (this.divisor & 0xff) | (v << 8);
        else this.ier = v & 0x0f;
        return;
      case 2:
        this.fcr = v & 0xc9;
        if ((v & 2) !== 0) this.rx.length = 0; // clear receive FIFO
        return;
      case 3:
        this.lcr = v;
        return;
      case 4:
        this.mcr = v & 0x1f;
        return;
      case 5:
      case 6:
        return; // read-only (factory test writes are ignored)
      default:
        this.scr = v;
    }
  }
}
