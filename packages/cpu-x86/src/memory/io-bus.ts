/**
 * The I/O port space (IN/OUT/INS/OUTS). Devices claim port ranges; ports that
 * nobody claims read as all ones and ignore writes, as on a PC.
 */
export interface IoDevice {
  in(port: number, size: 1 | 2 | 4): number;
  out(port: number, value: number, size: 1 | 2 | 4): void;
}

export class IoBus {
  private readonly ports = new Map<number, IoDevice>();

  register(firstPort: number, count: number, device: IoDevice): void {
    for (let p = firstPort; p < firstPort + count; p++) this.ports.set(p & 0xffff, device);
  }

  /** Convenience for a write-only port, e.g. a debug console. */
  onWrite(port: number, fn: (value: number, size: 1 | 2 | 4) => void): void {
    this.register(port, 1, { in: () => 0xffffffff, out: (_p, v, s) => fn(v, s) });
  }

  in(port: number, size: 1 | 2 | 4): number {
    const dev = this.ports.get(port & 0xffff);
    const mask = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return dev ? (dev.in(port & 0xffff, size) & mask) >>> 0 : mask;
  }

  out(port: number, value: number, size: 1 | 2 | 4): void {
    const dev = this.ports.get(port & 0xffff);
    if (dev) dev.out(port & 0xffff, size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff), size);
  }
}
