/**
 * The system call table: i386 numbers to handlers. Each area lives in its own
 * file; a handler receives the six argument registers (EBX, ECX, EDX, ESI,
 * EDI, EBP) as signed 32-bit values and returns the value for EAX (a negative
 * errno on failure), or NO_RESULT when it has set the registers itself
 * (sigreturn, execve). Handlers may also throw Errno.
 */
import type { Syscall } from './syscall-types.js';
import { fsSyscalls } from './fs-syscalls.js';
import { ioSyscalls } from './io-syscalls.js';
import { mmSyscalls } from './mm-syscalls.js';
import { procSyscalls } from './proc-syscalls.js';
import { signalSyscalls } from './signal-syscalls.js';
import { SYSCALL_NAMES, NR } from './syscall-names.js';
import { timeSyscalls } from './time-syscalls.js';

export { NO_RESULT } from './syscall-types.js';
export type { Syscall, SyscallGroup } from './syscall-types.js';

function buildTable(): (Syscall | undefined)[] {
  const table: (Syscall | undefined)[] = new Array(SYSCALL_NAMES.length).fill(undefined);
  for (const group of [fsSyscalls, ioSyscalls, mmSyscalls, procSyscalls, signalSyscalls, timeSyscalls]) {
    for (const [name, fn] of Object.entries(group)) {
      const nr = NR[name];
      if (nr === undefined) throw new Error(`x86-run: no i386 system call named ${name}`);
      table[nr] = fn;
    }
  }
  return table;
}

export const SYSCALLS: readonly (Syscall | undefined)[] = buildTable();
