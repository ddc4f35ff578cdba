/**
 * The dispatch tables: one handler per opcode for each operand size, with
 * 0F-prefixed opcodes at index 0x100 + second byte. Each ops/*.ts file
 * installs its instructions here; prefixes re-dispatch the next byte.
 *
 * A block compiler can later reuse the same handlers: they only read the
 * instruction stream through `cpu.fetch*` and never look at the table.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $lock_prefix from '../protected/lock-prefix.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { VEC_GP, VEC_UD } = $constants;
const { checkLockable } = $lock_prefix;

export type Handler = (c: Cpu) => void;

export interface DispatchTables {
  /** 512 handlers for 16-bit operand size: [0..255] one-byte opcodes, [256..511] 0F xx. */
  readonly op16: Handler[];
  readonly op32: Handler[];
}

export const invalidOpcode: Handler = (c) => c.fault(VEC_UD);

export const dispatchTables: DispatchTables = {
  op16: new Array<Handler>(512).fill(invalidOpcode),
  op32: new Array<Handler>(512).fill(invalidOpcode),
};

/** Installs a handler; `h32` defaults to `h16` for instructions whose operand size does not matter. */
export function defineOp(opcode: number, h16: Handler, h32: Handler = h16): void {
  dispatchTables.op16[opcode] = h16;
  dispatchTables.op32[opcode] = h32;
}

/** Executes the rest of the instruction after a prefix (limit: 15 bytes, Intel SDM Vol. 2A 2.3.11). */
export function continueAfterPrefix(c: Cpu): void {
  const length = (c.eip - c.instrStart) | 0;
  if (length >= 15) c.fault(VEC_GP, 0);
  // Without prefixes no instruction exceeds 12 bytes; past 3 prefixes the limit must be watched.
  if (length >= 3 && !c.lengthLimited) c.limitInstructionLength();
  (c.opsize32 ? dispatchTables.op32 : dispatchTables.op16)[c.fetch8()](c);
  // Back to the defaults for the next instruction (a fault resets them in Cpu.handleFault).
  c.resetPrefixes();
}

function installPrefixes(): void {
  defineOp(0x0f, (c) => {
    const op = c.fetch8();
    (c.opsize32 ? dispatchTables.op32 : dispatchTables.op16)[0x100 | op](c);
  });
  defineOp(0x66, (c) => {
    c.opsize32 = !c.code32;
    continueAfterPrefix(c);
  });
  defineOp(0x67, (c) => {
    c.addr32 = !c.code32;
    continueAfterPrefix(c);
  });
  for (const [op, seg] of [[0x26, 0], [0x2e, 1], [0x36, 2], [0x3e, 3], [0x64, 4], [0x65, 5]] as const) {
    defineOp(op, (c) => {
      c.segOverride = seg;
      continueAfterPrefix(c);
    });
  }
  defineOp(0xf0, (c) => {
    checkLockable(c);
    c.lock = true;
    continueAfterPrefix(c);
  });
  defineOp(0xf2, (c) => {
    c.rep = 0xf2;
    continueAfterPrefix(c);
  });
  defineOp(0xf3, (c) => {
    c.rep = 0xf3;
    continueAfterPrefix(c);
  });
}

installPrefixes();
