// Hypercall continuations (xen-abi.md §2.1): a long batch does not hold its pCPU past the time
// it had. Between entries the handler asks whether it should stop (Xen's hypercall_preempt_check);
// if so it rewrites the guest's argument registers to describe the work that is left and rewinds
// EIP by the 2 bytes of `int $0x82`, with EAX = the hypercall number again (Xen's
// hypercall_create_continuation). The guest, which sees none of it, re-enters with the rest once
// timers, events and other vCPUs have had their turn.
import { EBX, ECX, EDI, EDX, ESI } from '@xen-ts/cpu-x86';
import type { HypercallArgs } from './hypercall.js';

const ARG_REGS = [EBX, ECX, EDX, ESI, EDI] as const;

/**
 * Xen's hypercall_preempt_check: the pCPU has used the time it was given (a timer, another pCPU
 * or the scheduler is due), or the vCPU has an event upcall to take. Never inside a multicall,
 * whose own entries are the unit of preemption there.
 */
export function shouldPreempt(h: HypercallArgs): boolean {
  return !h.inMulticall && h.xen.hypercallPreemptPending(h.p, h.v);
}

/**
 * Xen's hypercall_create_continuation: the guest will issue hypercall `nr` again with `args`
 * (EBX, ECX, ...). Returns the value for EAX (the number itself).
 */
export function createContinuation(h: HypercallArgs, nr: number, args: readonly number[]): number {
  const r = h.p.cpu.reg32;
  for (let i = 0; i < args.length; i++) r[ARG_REGS[i]!] = args[i]! >>> 0;
  h.frame.eip = (h.frame.eip - 2) >>> 0; // back onto `int $0x82`
  h.xen.stats.continuations++;
  h.p.cpu.requestStop(); // let the run loop see that the time is up
  return nr;
}
