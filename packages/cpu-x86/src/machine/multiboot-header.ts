/**
 * The Multiboot v1 header (Multiboot Specification 0.6.96, section 3.1): a
 * 32-bit aligned structure in the first 8192 bytes of the kernel image.
 *
 *   +0  magic 0x1BADB002     +4 flags     +8 checksum (magic+flags+checksum = 0)
 *   if flags bit 16 (the "a.out kludge"):
 *   +12 header_addr  +16 load_addr  +20 load_end_addr  +24 bss_end_addr  +28 entry_addr
 *   if flags bit 2: +32 mode_type +36 width +40 height +44 depth
 *
 * Flags bits 0-15 are requirements: a loader must refuse a kernel that asks
 * for one it does not understand. We understand 0 (page-align modules) and 1
 * (memory information); bit 2 (a video mode) is accepted with a warning and no
 * mode set, as QEMU does. Bits 16-31 are optional features.
 */

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** Where the header must lie: within this many bytes from the start of the file. */
export const MULTIBOOT_SEARCH = 8192;
export const MB_FLAG_PAGE_ALIGN = 1 << 0;
export const MB_FLAG_MEMORY_INFO = 1 << 1;
export const MB_FLAG_VIDEO_MODE = 1 << 2;
export const MB_FLAG_AOUT_KLUDGE = 1 << 16;
const UNDERSTOOD_REQUIRED = MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE;

export interface MultibootAddresses {
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  /** Present when flags bit 16 is set. */
  addresses?: MultibootAddresses;
  /** Things worth telling the user (e.g. an ignored video-mode request). */
  warnings: string[];
}

/** Finds and checks the header; throws if there is none or it asks for something unsupported. */
export function findMultibootHeader(image: Uint8Array, what = 'kernel'): MultibootHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(MULTIBOOT_SEARCH, image.length) - 12;
  for (let off = 0; off <= limit; off += 4) {
    if (view.getUint32(off, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(off + 4, true);
    const checksum = view.getUint32(off + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) continue;
    const warnings: string[] = [];
    const unknown = flags & 0xffff & ~UNDERSTOOD_REQUIRED;
    if (unknown !== 0) {
      throw new Error(`${what}: the Multiboot header requires features this loader does not know (flags bits 0x${unknown.toString(16)})`);
    }
    if ((flags & MB_FLAG_VIDEO_MODE) !== 0) warnings.push(`${what}: the kernel asks for a video mode; there is no display, none is set`);
    const header: MultibootHeader = { offset: off, flags, warnings };
    if ((flags & MB_FLAG_AOUT_KLUDGE) !== 0) {
      if (off + 32 > image.length) throw new Error(`${what}: the Multiboot header's address fields lie past the end of the file`);
      header.addresses = {
        headerAddr: view.getUint32(off + 12, true),
        loadAddr: view.getUint32(off + 16, true),
        loadEndAddr: view.getUint32(off + 20, true),
        bssEndAddr: view.getUint32(off + 24, true),
        entryAddr: view.getUint32(off + 28, true),
      };
    }
    return header;
  }
  throw new Error(`${what}: no Multiboot header (magic 0x1BADB002 with a valid checksum) in the first ${MULTIBOOT_SEARCH} bytes`);
}
