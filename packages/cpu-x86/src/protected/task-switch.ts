/**
 * Hardware task switching (Intel SDM Vol. 3A 7.3). Placeholder until the
 * full implementation lands: raises #GP so that a guest relying on it fails
 * loudly rather than silently.
 */
import type { Cpu } from '../cpu.js';
import { VEC_GP } from '../constants.js';

export const TASK_SWITCH_JMP = 0, TASK_SWITCH_CALL = 1, TASK_SWITCH_IRET = 2, TASK_SWITCH_INT = 3;

export function taskSwitch(c: Cpu, selector: number, _reason: number, _errorCode: number, ext: number): void {
  c.fault(VEC_GP, (selector & 0xfffc) | ext);
}
