/** IN and OUT (E4-E7, EC-EF), subject to the I/O permission check. Intel SDM Vol. 2A "IN"/"OUT". */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $io_permission from '../protected/io-permission.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { EAX, EDX } = $constants;
const { defineOp } = $dispatch;
const { checkIoPermission } = $io_permission;

/** Port accesses are slow on real buses: ~1 µs on an ISA bus; we charge a P6-era figure. */
export const IO_CYCLES = 100;

function portIn(c: Cpu, port: number, size: 1 | 2 | 4): void {
  checkIoPermission(c, port, size);
  c.extraCycles += IO_CYCLES;
  const v = c.io.in(port, size);
  if (size === 1) c.reg8[0] = v;
  else if (size === 2) c.reg16[0] = v;
  else c.reg32[EAX] = v;
}

function portOut(c: Cpu, port: number, size: 1 | 2 | 4): void {
  checkIoPermission(c, port, size);
  c.extraCycles += IO_CYCLES;
  const v = size === 1 ? c.reg8[0] : size === 2 ? c.reg16[0] : c.reg32[EAX];
  c.io.out(port, v, size);
}

export function installIo(): void {
  defineOp(0xe4, (c) => portIn(c, c.fetch8(), 1));
  defineOp(0xe5, (c) => portIn(c, c.fetch8(), 2), (c) => portIn(c, c.fetch8(), 4));
  defineOp(0xe6, (c) => portOut(c, c.fetch8(), 1));
  defineOp(0xe7, (c) => portOut(c, c.fetch8(), 2), (c) => portOut(c, c.fetch8(), 4));
  defineOp(0xec, (c) => portIn(c, c.reg16[EDX << 1], 1));
  defineOp(0xed, (c) => portIn(c, c.reg16[EDX << 1], 2), (c) => portIn(c, c.reg16[EDX << 1], 4));
  defineOp(0xee, (c) => portOut(c, c.reg16[EDX << 1], 1));
  defineOp(0xef, (c) => portOut(c, c.reg16[EDX << 1], 2), (c) => portOut(c, c.reg16[EDX << 1], 4));
}
