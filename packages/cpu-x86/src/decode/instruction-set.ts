/**
 * Installs every instruction group into the dispatch tables. Imported once by
 * cpu.ts; each group lives in its own file under ../ops.
 */
import { installAlu } from '../ops/alu.js';
import { installBcdOps } from '../ops/bcd.js';
import { installBitOps } from '../ops/bit.js';
import { installExchangeOps } from '../ops/muldiv.js';
import { installShiftOps } from '../ops/shift.js';
import { installStringOps } from '../ops/string.js';
import { installControl } from '../ops/control.js';
import { installFlagOps } from '../ops/flag-ops.js';
import { installHotPaths } from '../ops/hot-paths.js';
import { installX87 } from '../fpu/x87-instructions.js';
import { installIo } from '../ops/io.js';
import { installMov } from '../ops/mov.js';
import { installStack } from '../ops/stack.js';
import { installSystem } from '../ops/system.js';

let installed = false;

export function installInstructionSet(): void {
  if (installed) return;
  installed = true;
  installAlu();
  installMov();
  installStack();
  installControl();
  installFlagOps();
  installIo();
  installSystem();
  installShiftOps();
  installBitOps();
  installStringOps();
  installBcdOps();
  installExchangeOps();
  installX87();
  installHotPaths(); // last: specialises handlers installed above
}
