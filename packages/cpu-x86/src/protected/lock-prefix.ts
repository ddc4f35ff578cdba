/**
 * The LOCK prefix (F0) rule of Intel SDM Vol. 2A "LOCK—Assert LOCK# Signal
 * Prefix": it may only precede ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B DEC
 * INC NEG NOT OR SBB SUB XOR XADD XCHG, and only their forms whose destination
 * is a memory operand; anything else raises #UD. Atomicity itself is trivial
 * in a single-threaded emulator, so this check is all LOCK needs.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { VEC_UD } = $constants;

/** Longest instruction (Intel SDM Vol. 2A 2.3.11); longer ones fault in the decoder. */
const MAX_INSTRUCTION = 15;

function isPrefix(b: number): boolean {
  switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
      return true;
    default:
      return false;
  }
}

/**
 * Whether the opcode (one byte, or 0x100 | second byte for 0F xx) takes LOCK
 * when its ModRM byte is `modrm`.
 */
export function isLockable(opcode: number, modrm: number): boolean {
  if (modrm >= 0xc0) return false; // register destination
  const reg = (modrm >> 3) & 7;
  if (opcode < 0x38) return (opcode & 7) <= 1; // ADD OR ADC SBB AND SUB XOR, Eb/Ev,Gb/Gv
  switch (opcode) {
    case 0x80: case 0x81: case 0x82: case 0x83:
      return reg !== 7; // not CMP
    case 0x86: case 0x87: // XCHG
      return true;
    case 0xf6: case 0xf7:
      return reg === 2 || reg === 3; // NOT, NEG
    case 0xfe: case 0xff:
      return reg <= 1; // INC, DEC
    case 0x1ab: case 0x1b3: case 0x1bb: // BTS, BTR, BTC Ev,Gv
    case 0x1b0: case 0x1b1: // CMPXCHG
    case 0x1c0: case 0x1c1: // XADD
      return true;
    case 0x1ba:
      return reg >= 5; // BTS BTR BTC Ev,Ib
    case 0x1c7:
      return reg === 1; // CMPXCHG8B
    default:
      return false;
  }
}

/** Whether the opcode has lockable forms at all (so its ModRM must be looked at). */
function hasLockableForms(opcode: number): boolean {
  if (opcode < 0x38) return (opcode & 7) <= 1;
  switch (opcode) {
    case 0x80: case 0x81: case 0x82: case 0x83: case 0x86: case 0x87:
    case 0xf6: case 0xf7: case 0xfe: case 0xff:
    case 0x1ab: case 0x1b3: case 0x1bb: case 0x1b0: case 0x1b1: case 0x1c0: case 0x1c1:
    case 0x1ba: case 0x1c7:
      return true;
    default:
      return false;
  }
}

/**
 * Called by the F0 prefix handler with `cpu.eip` just past the prefix: peeks
 * at the rest of the instruction (skipping further prefixes) and raises #UD
 * unless LOCK is allowed on it. Consumes nothing. Fetch faults (#PF, #GP on
 * the CS limit) surface exactly as the decoder would raise them; an
 * over-long instruction is left to the decoder's #GP.
 */
export function checkLockable(c: Cpu): void {
  const start = c.eip;
  let ok = true;
  try {
    let b = c.fetch8();
    while (isPrefix(b)) {
      if (((c.eip - c.instrStart) >>> 0) >= MAX_INSTRUCTION) return;
      b = c.fetch8();
    }
    const opcode = b === 0x0f ? 0x100 | c.fetch8() : b;
    ok = hasLockableForms(opcode) && isLockable(opcode, c.fetch8());
  } finally {
    c.eip = start;
  }
  if (!ok) c.fault(VEC_UD);
}
