import { describe, expect, it } from 'vitest';
import { debugExitProcessStatus, debugExitStatus, IsaDebugExit } from './isa-debug-exit.js';
import { RomMachine } from './rom-machine.js';

/** A 4 KiB ROM whose reset vector runs `code` (real mode, CS = F000). */
function rom(code: number[]): Uint8Array {
  const r = new Uint8Array(4096).fill(0xf4);
  r.set(code, 4096 - 16);
  return r;
}

describe('isa-debug-exit', () => {
  it('computes the status as QEMU: (V << 1) | 1, and the process sees its low 8 bits', () => {
    expect(debugExitStatus(0)).toBe(1);
    expect(debugExitStatus(0x10)).toBe(0x21);
    expect(debugExitStatus(0x80)).toBe(0x101);
    expect(debugExitProcessStatus(0x80)).toBe(1);
    expect(debugExitStatus(0xffffffff)).toBe(0xffffffff);
    expect(debugExitProcessStatus(0x7f)).toBe(0xff);
  });

  it('records the value, reads as 0, and calls back', () => {
    const calls: number[] = [];
    const d = new IsaDebugExit((s) => void calls.push(s));
    expect(d.status).toBeUndefined();
    expect(d.in()).toBe(0);
    d.out(0xf4, 3);
    expect(d.value).toBe(3);
    expect(d.status).toBe(7);
    expect(calls).toEqual([7]);
  });

  it('ends a run at the OUT, on any of the ports 0xF4-0xF7, with any width', () => {
    // mov al, 3; out 0xf4, al; jmp $ (never reached)
    let m = new RomMachine({ rom: rom([0xb0, 0x03, 0xe6, 0xf4, 0xeb, 0xfe]) });
    expect(m.run(1000)).toEqual({ kind: 'debug-exit', value: 3, status: 7 });
    // mov ax, 0x110; mov dx, 0xf6; out dx, ax
    m = new RomMachine({ rom: rom([0xb8, 0x10, 0x01, 0xba, 0xf6, 0x00, 0xef, 0xeb, 0xfe]) });
    expect(m.run(1000)).toEqual({ kind: 'debug-exit', value: 0x110, status: 0x221 });
  });

  it('can be left out of the machine', () => {
    const m = new RomMachine({ rom: rom([0xb0, 0x03, 0xe6, 0xf4, 0xfa, 0xf4]), debugExit: false });
    expect(m.run(1000)).toEqual({ kind: 'halt' });
  });
});
