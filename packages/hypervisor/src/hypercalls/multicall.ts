// multicall(entries[], n): several hypercalls in one entry (xen-abi.md §2.8). Each entry is
// {op, result, args[6]} (32 bytes on i386); the result goes back into the entry. As Xen's
// do_multicall, a long list is preempted between entries and continued with the rest.
import { Hypercall, MULTICALL_ENTRY } from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOSYS, NO_RETURN, readGuest, writeGuest32, type HypercallArgs } from './hypercall.js';
import { HYPERCALLS } from './table.js';
import { createContinuation, shouldPreempt } from './continuation.js';
const M = MULTICALL_ENTRY.fields;
/** Byte offset of args[i] in an entry. */
const arg = (i: number): number => M.args.offset + i * 4;

export function multicall(h: HypercallArgs): number {
  const list = h.a1 >>> 0;
  const n = h.a2 >>> 0;
  if (h.inMulticall) return EINVAL;
  for (let i = 0; i < n; i++) {
    if (i > 0 && shouldPreempt(h)) {
      return createContinuation(h, Hypercall.multicall, [list + i * MULTICALL_ENTRY.size, n - i]);
    }
    const entry = list + i * MULTICALL_ENTRY.size;
    const e = readGuest(h, entry, MULTICALL_ENTRY.size);
    if (e === null) return EFAULT;
    const op = e.getUint32(M.op.offset, true);
    const sub: HypercallArgs = {
      ...h,
      a1: e.getUint32(arg(0), true),
      a2: e.getUint32(arg(1), true),
      a3: e.getUint32(arg(2), true),
      a4: e.getUint32(arg(3), true),
      a5: e.getUint32(arg(4), true),
      inMulticall: true,
    };
    const handler = op === Hypercall.multicall || op === Hypercall.iret ? undefined : HYPERCALLS[op];
    const rc = handler === undefined ? (op === Hypercall.multicall || op === Hypercall.iret ? EINVAL : ENOSYS) : handler(sub);
    if (rc === NO_RETURN) return NO_RETURN; // the domain went away inside the batch
    h.v.domain.hypercallCounts[op < 64 ? op : 63]++;
    if (!writeGuest32(h, entry + M.result.offset, rc)) return EFAULT;
    if (!h.v.domain.isAlive) return NO_RETURN;
  }
  return 0;
}
