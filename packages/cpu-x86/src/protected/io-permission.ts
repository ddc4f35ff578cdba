/**
 * I/O permission (Intel SDM Vol. 1 19.5): in protected mode with CPL > IOPL,
 * and always in virtual-8086 mode, every byte of an access must have a clear
 * bit in the TSS I/O bitmap, whose base is the word at TSS offset 0x66. A
 * bitmap that does not reach the port (TSS limit) denies access: #GP(0).
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { VEC_GP } = $constants;

export function checkIoPermission(c: Cpu, port: number, size: number): void {
  if (!c.protectedMode) return;
  if (!c.vm86 && c.cpl <= ((c.flags >> 12) & 3)) return;
  // Only a 32-bit TSS has a bitmap.
  if ((c.trType & 8) === 0 || c.trLimit < 0x67) c.fault(VEC_GP, 0);
  const bitmapBase = c.sysRead16((c.trBase + 0x66) | 0);
  // The processor always reads two bitmap bytes (hence the trailing 0xFF byte the SDM asks
  // for): both must lie within the TSS limit even when the access needs only one.
  const first = bitmapBase + (port >>> 3);
  if (first + 1 > c.trLimit) c.fault(VEC_GP, 0);
  const bits = c.sysRead16((c.trBase + first) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) c.fault(VEC_GP, 0);
}
