/**
 * QEMU's `isa-debug-exit` device (hw/misc/debugexit.c), which test kernels use
 * to end an emulator run with a status.
 *
 * QEMU semantics, mirrored exactly:
 * - The device claims `iosize` ports from `iobase`. QEMU's defaults are
 *   iobase=0x501, iosize=2; almost every test setup passes
 *   `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, and that is our default.
 * - A write of value V (of any width, to any port of the range) ends the
 *   emulator at once with `exit((V << 1) | 1)`. The status is therefore always
 *   odd, so it cannot be confused with a clean exit (0); the host process sees
 *   it truncated to 8 bits: `((V << 1) | 1) & 0xff`. Writing 0 gives 1,
 *   writing 0x10 gives 0x21 = 33, writing 0x80 gives 1 again (0x101 & 0xff).
 * - Reads return 0.
 */
import type { IoDevice } from '../memory/io-bus.js';

export const ISA_DEBUG_EXIT_PORT = 0xf4;
export const ISA_DEBUG_EXIT_SIZE = 4;

/** The value QEMU passes to exit() for a write of `value`: (V << 1) | 1, as a 32-bit int. */
export function debugExitStatus(value: number): number {
  return (((value >>> 0) << 1) | 1) >>> 0;
}

/** What the host shell sees as the process exit status: the low 8 bits. */
export function debugExitProcessStatus(value: number): number {
  return debugExitStatus(value) & 0xff;
}

export class IsaDebugExit implements IoDevice {
  /** The value last written (V), or undefined while the guest has not written. */
  value: number | undefined;

  /** `onExit` is called with the full status (V << 1) | 1 (e.g. to stop the CPU). */
  constructor(private readonly onExit: (status: number) => void) {}

  /** Full status (V << 1) | 1, or undefined. */
  get status(): number | undefined {
    return this.value === undefined ? undefined : debugExitStatus(this.value);
  }

  in(): number {
    return 0;
  }

  out(_port: number, value: number): void {
    this.value = value >>> 0;
    this.onExit(debugExitStatus(value));
  }
}
