import { describe, expect, it } from 'vitest';
import { StopReason } from '../src/cpu.js';
import { flatMachine, runCode } from './support/flat-machine.js';

describe('smoke', () => {
  it('runs a counting loop in flat protected mode', () => {
    const c = flatMachine();
    // mov ecx, 1000; xor eax, eax; l: add eax, ecx; dec ecx; jnz l
    const stop = runCode(c, [0xb9, 0xe8, 0x03, 0, 0, 0x31, 0xc0, 0x01, 0xc8, 0x49, 0x75, 0xfb]);
    expect(stop).toBe(StopReason.Halt);
    expect(c.reg32[0]).toBe(500500);
    expect(c.reg32[1]).toBe(0);
  });

  it('boots in real mode at F000:FFF0', () => {
    const c = flatMachine();
    c.reset();
    expect(c.eip).toBe(0xfff0);
    expect(c.segBase[1] >>> 0).toBe(0xffff0000);
  });
});

describe('hint NOPs', () => {
  it('ENDBR32 and 0F 18-0F 1F decode their operand and do nothing', () => {
    const c = flatMachine();
    expect(runCode(c, [0xf3, 0x0f, 0x1e, 0xfb, 0x0f, 0x19, 0x00, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xb8, 7, 0, 0, 0])).toBe(StopReason.Halt);
    expect(c.reg32[0]).toBe(7);
  });
});
