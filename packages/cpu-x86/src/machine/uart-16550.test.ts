import { describe, expect, it } from 'vitest';
import { CapturedOutput, ConsoleOutput } from './console-output.js';
import { COM1_PORT, Uart16550 } from './uart-16550.js';

function uart(): { dev: Uart16550; out: CapturedOutput; con: ConsoleOutput } {
  const out = new CapturedOutput();
  const con = new ConsoleOutput(out.sink);
  return { dev: new Uart16550(con, COM1_PORT), out, con };
}

describe('16550 UART', () => {
  it('sends THR writes to the output and always reports the transmitter empty', () => {
    const { dev, out, con } = uart();
    expect(dev.in(COM1_PORT + 5, 1)).toBe(0x60);
    for (const b of Buffer.from('hi\n')) dev.out(COM1_PORT, b, 1);
    con.flush();
    expect(out.text()).toBe('hi\n');
  });

  it('keeps the divisor latch apart from THR/IER while LCR.DLAB is set', () => {
    const { dev, out, con } = uart();
    dev.out(COM1_PORT + 3, 0x80, 1);
    dev.out(COM1_PORT, 0x01, 1);
    dev.out(COM1_PORT + 1, 0x00, 1);
    dev.out(COM1_PORT + 3, 0x03, 1);
    con.flush();
    expect(out.text()).toBe('');
    expect(dev.divisor).toBe(1);
    expect(dev.in(COM1_PORT + 3, 1)).toBe(0x03);
  });

  it('has a scratch register, reports no interrupt pending, and FIFO bits in IIR once enabled', () => {
    const { dev } = uart();
    dev.out(COM1_PORT + 7, 0x5a, 1);
    expect(dev.in(COM1_PORT + 7, 1)).toBe(0x5a);
    expect(dev.in(COM1_PORT + 2, 1)).toBe(0x01);
    dev.out(COM1_PORT + 2, 0x07, 1);
    expect(dev.in(COM1_PORT + 2, 1)).toBe(0xc1);
  });

  it('loops THR back to RBR and MCR to MSR in loopback mode (what probing drivers check)', () => {
    const { dev, out, con } = uart();
    dev.out(COM1_PORT + 4, 0x10 | 0x0a, 1); // LOOP | RTS | OUT2
    expect(dev.in(COM1_PORT + 6, 1) & 0xf0).toBe(0x90); // CTS | DCD
    dev.out(COM1_PORT, 0xae, 1);
    expect(dev.in(COM1_PORT + 5, 1) & 1).toBe(1);
    expect(dev.in(COM1_PORT, 1)).toBe(0xae);
    expect(dev.in(COM1_PORT + 5, 1) & 1).toBe(0);
    dev.out(COM1_PORT + 4, 0x0b, 1);
    expect(dev.in(COM1_PORT + 6, 1)).toBe(0xb0);
    con.flush();
    expect(out.text()).toBe('');
  });

  it('delivers queued input through RBR with LSR.DR', () => {
    const { dev } = uart();
    dev.receive([0x41, 0x42]);
    expect(dev.in(COM1_PORT + 5, 1) & 1).toBe(1);
    expect(dev.in(COM1_PORT, 1)).toBe(0x41);
    expect(dev.in(COM1_PORT, 1)).toBe(0x42);
    expect(dev.in(COM1_PORT + 5, 1) & 1).toBe(0);
  });
});
