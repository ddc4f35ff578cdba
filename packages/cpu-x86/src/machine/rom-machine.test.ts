import { describe, expect, it } from 'vitest';
import { CapturedOutput } from './console-output.js';
import { LOW_ROM_WINDOW, RomMachine } from './rom-machine.js';

/** A ROM of `size` bytes (filled with HLT) whose last 16 bytes (the reset vector) are `code`. */
function rom(code: number[], size = 0x10000): Uint8Array {
  const r = new Uint8Array(size).fill(0xf4);
  r.set(code, size - 16);
  return r;
}

describe('ROM machine', () => {
  it('starts at F000:FFF0, fetching the reset vector from the top of 4 GiB', () => {
    const out = new CapturedOutput();
    // mov al, 'A'; out 0xe9, al; cli; hlt
    const m = new RomMachine({ rom: rom([0xb0, 0x41, 0xe6, 0xe9, 0xfa, 0xf4]), console: out.sink });
    expect(m.cpu.segSel[1]).toBe(0xf000);
    expect(m.cpu.eip).toBe(0xfff0);
    expect(m.run(100)).toEqual({ kind: 'halt' });
    expect(out.text()).toBe('A');
  });

  it('maps the image read-only at the top of 4 GiB and copies it to end at 1 MiB', () => {
    const image = rom([0xea, 0x00, 0x00, 0x00, 0xf0]);
    image[0] = 0x5a;
    const m = new RomMachine({ rom: image });
    expect(m.memory.read8(0xfffffff0)).toBe(0xea);
    expect(m.memory.read8(0xffff0000)).toBe(0x5a);
    expect(m.memory.read8(0xffef_ffff)).toBe(0xff); // below the window: open bus
    m.memory.write8(0xffff0000, 0);
    expect(m.memory.read8(0xffff0000)).toBe(0x5a);
    expect(m.memory.read8(0xf0000)).toBe(0x5a);
    expect(m.memory.read8(0xffff0)).toBe(0xea);
    expect(m.memory.read8(0xeffff)).toBe(0);
  });

  it('shadows only the last 128 KiB of a larger image below 1 MiB, as QEMU does', () => {
    const image = rom([], 0x40000);
    image[0x40000 - LOW_ROM_WINDOW] = 0x77;
    image[0] = 0x66;
    const m = new RomMachine({ rom: image });
    expect(m.memory.read8(0xe0000)).toBe(0x77);
    expect(m.memory.read8(0xdffff)).toBe(0);
    expect(m.memory.read8(0xfffc0000)).toBe(0x66);
  });

  it('accepts an image that is not a multiple of 4 KiB (the window pads below it)', () => {
    const m = new RomMachine({ rom: rom([0xfa, 0xf4], 0x1800) });
    expect(m.romWindow.windowBase).toBe(0xffffe000);
    expect(m.memory.read8(0xffffe000)).toBe(0xff);
    expect(m.memory.read8(0xfffffff0)).toBe(0xfa);
    expect(m.run(10)).toEqual({ kind: 'halt' });
  });

  it('says when HLT runs with interrupts enabled (nothing can wake it)', () => {
    const m = new RomMachine({ rom: rom([0xfb, 0xf4]) }); // sti; hlt
    expect(m.run(10)).toEqual({ kind: 'idle-halt' });
  });

  it('reports a triple fault as a shutdown', () => {
    // lidt [cs:0xfff8] (limit 0); int3 -> #GP -> #DF -> shutdown
    const m = new RomMachine({ rom: rom([0x2e, 0x0f, 0x01, 0x1e, 0xf8, 0xff, 0xcc, 0x90, 0, 0, 0, 0, 0, 0]) });
    expect(m.run(100)).toEqual({ kind: 'shutdown' });
  });

  it('stops at the instruction limit and can go on', () => {
    const m = new RomMachine({ rom: rom([0xeb, 0xfe]) }); // jmp $
    expect(m.run(1000)).toEqual({ kind: 'limit' });
    expect(m.cpu.instructions).toBe(1000);
    expect(m.run(5)).toEqual({ kind: 'limit' });
    expect(m.cpu.instructions).toBe(1005);
  });

  it('refuses empty and oversized images and too little RAM', () => {
    expect(() => new RomMachine({ rom: new Uint8Array(0) })).toThrow(/empty/);
    expect(() => new RomMachine({ rom: new Uint8Array(17 << 20) })).toThrow(/at most/);
    expect(() => new RomMachine({ rom: rom([]), ramBytes: 512 * 1024 })).toThrow(/1 MiB/);
  });
});
