import { describe, expect, it } from 'vitest';
import { IoBus } from '../memory/io-bus.js';
import { BareMachine } from './bare-machine.js';
import { CapturedOutput } from './console-output.js';
import { formatPortLogByte, parsePortLog, PortLogTap } from './port-log.js';

describe('port log', () => {
  it('prints each byte as two lowercase hex digits, one per line', () => {
    expect(formatPortLogByte(0)).toBe('00\n');
    expect(formatPortLogByte(0x0a)).toBe('0a\n');
    expect(formatPortLogByte(0xff)).toBe('ff\n');
    expect(formatPortLogByte(0x1ab)).toBe('ab\n');
  });

  it('parses back what it printed', () => {
    const bytes = [0, 1, 0x41, 0x0a, 0xe9, 0xff];
    expect([...parsePortLog(bytes.map(formatPortLogByte).join(''))]).toEqual(bytes);
    expect(() => parsePortLog('4\n')).toThrow(/not a port log line/);
  });

  it('logs the low byte of every OUT to the port and still delivers it to the device', () => {
    const seen: Array<[number, number, number]> = [];
    const lines: string[] = [];
    const tap = new PortLogTap(0x80, { in: () => 0x12, out: (p, v, s) => void seen.push([p, v, s]) }, (l) => void lines.push(l));
    const bus = new IoBus();
    bus.register(0x80, 1, tap);
    bus.out(0x80, 0x41, 1);
    bus.out(0x80, 0x1234, 2);
    bus.out(0x81, 0x55, 1); // another port: not logged
    expect(lines.join('')).toBe('41\n34\n');
    expect(tap.bytes).toEqual([0x41, 0x34]);
    expect(seen).toEqual([[0x80, 0x41, 1], [0x80, 0x1234, 2]]);
    expect(bus.in(0x80, 1)).toBe(0x12);
  });

  it('taps a port of a machine without displacing its device (0xE9 still reaches the console)', () => {
    const out = new CapturedOutput();
    let log = '';
    const m = new BareMachine({ console: out.sink, portLog: [0xe9, 0x80], portLogSink: (l) => void (log += l) });
    m.io.out(0xe9, 0x68, 1);
    m.io.out(0x80, 0x01, 1);
    m.io.out(0xe9, 0x0a, 1);
    m.console.flush();
    expect(log).toBe('68\n01\n0a\n');
    expect(out.text()).toBe('h\n');
    expect(m.io.in(0x80, 1)).toBe(0xff); // nothing behind 0x80: open bus
  });
});
