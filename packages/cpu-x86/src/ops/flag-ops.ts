/**
 * Flag instructions: CLC STC CMC CLD STD CLI STI and SALC. CLI/STI are
 * IOPL-sensitive: at CPL > IOPL they raise #GP(0) (Intel SDM Vol. 2A "CLI").
 * This is what lets a ring-1 guest kernel run with IOPL 0 and still be unable
 * to mask real interrupts.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_CF, FLAG_DF, FLAG_IF, VEC_GP } = $constants;
const { defineOp } = $dispatch;
const { getCF, materializeFlags } = $flags;

function checkIopl(c: Cpu): void {
  if (c.protectedMode && c.cpl > ((c.flags >> 12) & 3)) c.fault(VEC_GP, 0);
}

export function installFlagOps(): void {
  defineOp(0xf8, (c) => { materializeFlags(c); c.flags &= ~FLAG_CF; });
  defineOp(0xf9, (c) => { materializeFlags(c); c.flags |= FLAG_CF; });
  defineOp(0xf5, (c) => { materializeFlags(c); c.flags ^= FLAG_CF; });
  defineOp(0xfc, (c) => { c.flags &= ~FLAG_DF; });
  defineOp(0xfd, (c) => { c.flags |= FLAG_DF; });
  defineOp(0xfa, (c) => {
    checkIopl(c);
    c.flags &= ~FLAG_IF;
  });
  defineOp(0xfb, (c) => {
    checkIopl(c);
    // STI delays interrupt recognition by one instruction when it sets IF.
    if ((c.flags & FLAG_IF) === 0) c.inhibitInterrupts = true;
    c.flags |= FLAG_IF;
  });
  // SALC (undocumented, present on all Intel processors): AL = CF ? 0xFF : 0.
  defineOp(0xd6, (c) => { c.reg8[0] = getCF(c) ? 0xff : 0; });
}
