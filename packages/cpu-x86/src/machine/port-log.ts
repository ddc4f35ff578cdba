/**
 * `--port-log PORT`: a tap on one I/O port that prints every byte written to
 * it as two lowercase hex digits and a newline ("41\n"), one line per byte,
 * in the order written. A port is one byte wide: a 16- or 32-bit OUT to it
 * logs its low byte (the other bytes belong to the ports above). The device
 * that owns the port (if any) still sees the whole write.
 */
import type { IoDevice } from '../memory/io-bus.js';

/** Formats one logged byte: two lowercase hex digits and a newline. */
export function formatPortLogByte(byte: number): string {
  return `${(byte & 0xff).toString(16).padStart(2, '0')}\n`;
}

/** Parses a port log back into bytes (the inverse of formatPortLogByte, line by line). */
export function parsePortLog(text: string): Uint8Array {
  const lines = text.split('\n').filter((l) => l.length > 0);
  return Uint8Array.from(lines.map((l) => {
    if (!/^[0-9a-f]{2}$/.test(l)) throw new Error(`not a port log line: ${JSON.stringify(l)}`);
    return parseInt(l, 16);
  }));
}

export class PortLogTap implements IoDevice {
  /** Every byte written, for embedders that want them. */
  readonly bytes: number[] = [];

  constructor(
    readonly port: number,
    private readonly inner: IoDevice | undefined,
    private readonly emit: (line: string) => void,
  ) {}

  in(port: number, size: 1 | 2 | 4): number {
    return this.inner ? this.inner.in(port, size) : size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }

  out(port: number, value: number, size: 1 | 2 | 4): void {
    const b = value & 0xff;
    this.bytes.push(b);
    this.emit(formatPortLogByte(b));
    this.inner?.out(port, value, size);
  }
}
