// Simulated cycles charged for hypervisor work (DESIGN.md §3). The CPU charges guest
// instructions itself; these are the costs of what Xen does in ring 0 on the guest's behalf,
// chosen to be of the order a 2003 Xeon paid (a trap round trip costs a few hundred cycles).
export class CostModel {
  /** One hypervisor entry and exit (int 0x82 or an exception, and the iret back). */
  entry = 300;
  /** Validating and writing one page-table entry (or descriptor). */
  perPte = 40;
  /** Bytes copied per cycle by grant copies. */
  copyBytesPerCycle = 8;
}
