/**
 * A TLB entry is `physicalPageBase | bits`. An access hits when the entry has
 * the permission bit for its kind at the current privilege and is not MMIO;
 * write bits are only granted once the dirty bit is set in the page tables, so
 * the first write to a clean page walks again and sets D.
 */
export const TLB_SUP_READ = 1;
export const TLB_USER_READ = 2;
export const TLB_SUP_WRITE = 4;
export const TLB_USER_WRITE = 8;
/** Not executable (PAE XD with EFER.NXE). */
export const TLB_NX = 16;
/** Not plain RAM below 2 GiB: every access takes the bus slow path. */
export const TLB_MMIO = 32;
/** Global page (PTE.G with CR4.PGE): survives CR3 reloads. */
export const TLB_GLOBAL = 64;
/**
 * Never set in an entry: added to the CPU's access masks while alignment
 * checking is active, so that every access takes the slow path, where #AC is
 * checked.
 */
export const TLB_ALIGN_CHECK = 128;
