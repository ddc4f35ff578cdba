/** The shape of a system call handler (see syscalls.ts). */
import type { LinuxProcess } from './linux-process.js';

export type Syscall = (p: LinuxProcess, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number;

/** Returned by handlers that set EAX (and everything else) themselves. */
export const NO_RESULT = 0x1_0000_0000;

export type SyscallGroup = Record<string, Syscall>;

/** A 64-bit argument passed in two registers (low word first, as the i386 ABI does). */
export function arg64(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + (lo >>> 0);
}
