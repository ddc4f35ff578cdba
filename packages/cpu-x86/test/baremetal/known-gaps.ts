// Where the machines under comparison are known to differ from real hardware
// (the expected/*.txt files). See README.md for how these were established.

export interface Deviation {
  /** Line id (the text before ": "). */
  id: string;
  why: string;
}

/**
 * cpu-x86's open gaps. The system test requires these lines to still differ
 * from the expected log, so that fixing the CPU makes the test say "remove
 * the entry" instead of silently passing.
 */
export const CPU_GAPS: readonly Deviation[] = [];

/** QEMU 7.2 (TCG) deviations from hardware. Listed lines may differ; all others must match. */
export const QEMU_DEVIATIONS: readonly Deviation[] = [
  { id: 'rm.gp word-at-ffff', why: 'TCG does not check segment limits in real mode' },
  { id: 'seg.gp write read-only', why: 'TCG does not check the segment type (writable) on data accesses' },
  { id: 'seg.gp read past-limit', why: 'TCG does not check segment limits on data accesses' },
  { id: 'seg.gp read straddles-limit', why: 'TCG does not check segment limits on data accesses' },
  { id: 'seg.gp expand-down below', why: 'TCG does not check segment limits (expand-down) on data accesses' },
  { id: 'seg.ss read past-ss-limit', why: 'TCG does not check the SS limit on stack accesses' },
  { id: 'seg.gp write via-cs', why: 'TCG does not check the segment type on writes through a CS override' },
  { id: 'exc.01 icebp', why: 'ICEBP (F1) raises #UD instead of #DB' },
  { id: 'r3.ds-null access', why: 'TCG does not check for a null data segment on access (#GP(0))' },
  { id: 'r3.ac misaligned-read', why: 'TCG does not implement alignment checking (#AC)' },
  { id: 'pae.rsvd bit63-without-nxe', why: 'the #PF error code of a reserved-bit fault lacks P (0x8 instead of 0x9)' },
  { id: 'pae.rsvd bit50', why: 'the #PF error code of a reserved-bit fault lacks P (0x8 instead of 0x9)' },
  { id: 'pae.rsvd 2m-pde-bit13', why: 'the #PF error code of a reserved-bit fault lacks P (0x8 instead of 0x9)' },
  { id: 'pae.pdpte-rsvd mov-cr3', why: 'TCG does not load or check the PAE PDPTEs on MOV to CR3 (no #GP)' },
];

/** Bochs 2.7 deviations from hardware (none known for what the programs test). */
export const BOCHS_DEVIATIONS: readonly Deviation[] = [];

/**
 * Lines where neither reference emulator gives the hardware answer: the
 * regeneration script writes these into the expected logs (id -> full line).
 */
export const HARDWARE_OVERRIDES: Readonly<Record<string, string>> = {};

export const ids = (list: readonly Deviation[]): Set<string> => new Set(list.map((d) => d.id));
export const gapMap = (list: readonly Deviation[]): Map<string, string> => new Map(list.map((d) => [d.id, d.why]));
