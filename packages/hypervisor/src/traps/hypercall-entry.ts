// The int 0x82 entry (xen-abi.md §2.1): EAX = number, EBX..EDI = arguments, result in EAX.
import { CPU_FAULT, EAX, EBX, ECX, EDI, EDX, ESI } from '@xen-ts/cpu-x86';
import type { Hypervisor } from '../kernel/hypervisor.js';
import type { EntryFrame, Pcpu } from '../machine/pcpu.js';
import { ENOSYS, NO_RETURN, type HypercallArgs } from '../hypercalls/hypercall.js';
import { HYPERCALLS } from '../hypercalls/table.js';

const frame: EntryFrame = { errorCode: -1, eip: 0, cs: 0, eflags: 0, esp: 0, ss: 0 };

export function onHypercall(xen: Hypervisor, p: Pcpu): void {
  const v = p.current;
  if (v === null) throw new Error(`hypercall on idle pCPU ${p.index}`);
  const f = p.readEntryFrame(false, frame);
  const r = p.cpu.reg32;
  const nr = r[EAX]! >>> 0;
  const d = v.domain;
  d.hypercallCounts[nr < 64 ? nr : 63]++;
  xen.stats.hypercalls++;
  const args: HypercallArgs = {
    xen,
    p,
    v,
    frame: f,
    a1: r[EBX]!,
    a2: r[ECX]!,
    a3: r[EDX]!,
    a4: r[ESI]!,
    a5: r[EDI]!,
    inMulticall: false,
  };
  const handler = nr < HYPERCALLS.length ? HYPERCALLS[nr] : undefined;
  let rc: number;
  try {
    rc = handler === undefined ? ENOSYS : handler(args);
  } catch (e) {
    // The IRET back to the guest faulted (HYPERVISOR_iret's frame): the CPU delivers the fault to
    // our gate, which enters the failsafe callback (trap-entry.ts).
    if (e === CPU_FAULT) throw e;
    // Any other host exception is a hypervisor bug: it ends the guest that triggered it, not the host.
    xen.hostError(d, `hypercall ${nr}`, e);
    return;
  }
  xen.trace.hypercall(p, v, nr, rc);
  xen.chargeEntry(p);
  if (rc === NO_RETURN) return;
  r[EAX] = rc;
  xen.exitToGuest(p, v, f);
}
