// memory_op (hypercall 12): reservations and the machine's page counts (xen-abi.md §2.12).
import { MEMOP_CMD_MASK, MemoryOp, XEN_MEMORY_RESERVATION } from '@xen-ts/abi';
import { EFAULT, EINVAL, ENOSYS, ESRCH, readGuest, targetDomain, writeGuest32, type HypercallArgs } from './hypercall.js';

const {
  XENMEM_increase_reservation,
  XENMEM_decrease_reservation,
  XENMEM_maximum_ram_page,
  XENMEM_current_reservation,
  XENMEM_maximum_reservation,
  XENMEM_populate_physmap,
} = MemoryOp;
const R = XEN_MEMORY_RESERVATION.fields;
/** Extents per call we accept; Xen would preempt with a continuation. */
const MAX_EXTENTS = 1 << 16;

export function memoryOp(h: HypercallArgs): number {
  const cmd = (h.a1 >>> 0) & MEMOP_CMD_MASK; // the bits above carry a continuation start (MEMOP_EXTENT_SHIFT)
  const arg = h.a2 >>> 0;
  const { xen } = h;
  switch (cmd) {
    case XENMEM_maximum_ram_page:
      return xen.mem.frames - 1;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation: {
      const a = readGuest(h, arg, 2);
      if (a === null) return EFAULT;
      const d = targetDomain(h, a.getUint16(0, true));
      if (typeof d === 'number') return d;
      return cmd === XENMEM_current_reservation ? xen.domainPages(d) : d.maxPages;
    }
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: {
      const r = readGuest(h, arg, XEN_MEMORY_RESERVATION.size);
      if (r === null) return EFAULT;
      const list = r.getUint32(R.extent_start.offset, true);
      const n = r.getUint32(R.nr_extents.offset, true);
      const order = r.getUint32(R.extent_order.offset, true);
      const d = targetDomain(h, r.getUint16(R.domid.offset, true));
      // Xen returns start_extent (0 here) when the domain does not exist, XSM's -EPERM otherwise.
      if (d === ESRCH) return 0;
      if (typeof d === 'number') return d;
      if (order !== 0) return EINVAL; // no superpage extents
      if (n > MAX_EXTENTS) return EINVAL;
      let done = 0;
      for (; done < n; done++) {
        if (cmd === XENMEM_decrease_reservation) {
          const gmfn = readGuest(h, list + done * 4, 4);
          if (gmfn === null) break;
          if (!xen.releaseDomainFrame(d, gmfn.getUint32(0, true))) break;
        } else {
          let pfn = 0;
          if (cmd === XENMEM_populate_physmap) {
            const e = readGuest(h, list + done * 4, 4);
            if (e === null) break;
            pfn = e.getUint32(0, true);
          }
          const mfn = xen.allocDomainFrame(d, cmd === XENMEM_populate_physmap ? pfn : -1);
          if (mfn < 0) break;
          if (list !== 0 && !writeGuest32(h, list + done * 4, mfn)) break;
        }
      }
      return done;
    }
    default:
      return ENOSYS;
  }
}

