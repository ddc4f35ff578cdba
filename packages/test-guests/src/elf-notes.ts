// Reads the Xen ELF notes (owner "Xen" in PT_NOTE segments, xen-abi.md 2.21) and the legacy
// `__xen_guest` section of an i386 ELF image, enough to check what the domain builder will see.

/** XEN_ELFNOTE_* numbers (elfnote.h). */
export const XenNoteType = {
  INFO: 0,
  ENTRY: 1,
  HYPERCALL_PAGE: 2,
  VIRT_BASE: 3,
  PADDR_OFFSET: 4,
  XEN_VERSION: 5,
  GUEST_OS: 6,
  GUEST_VERSION: 7,
  LOADER: 8,
  PAE_MODE: 9,
  FEATURES: 10,
  BSD_SYMTAB: 11,
  HV_START_LOW: 12,
} as const;

export interface XenNotes {
  /** Raw descriptor bytes by note type, from PT_NOTE segments with owner "Xen". */
  readonly notes: ReadonlyMap<number, Uint8Array>;
  /** The `__xen_guest` string as KEY=VALUE pairs, if the section exists. */
  readonly legacy?: ReadonlyMap<string, string>;
  readonly entry: number;
  readonly machine: number;
  readonly loadSegments: readonly { vaddr: number; paddr: number; filesz: number; memsz: number }[];
  /** A note as a string (NUL-terminated). */
  string(type: number): string | undefined;
  /** A note as a 4- or 8-byte little-endian number. */
  number(type: number): bigint | undefined;
}

const PT_LOAD = 1;
const PT_NOTE = 4;

export function parseXenNotes(image: Uint8Array): XenNotes {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF image');
  if (image[4] !== 1 || image[5] !== 1) throw new Error('not a 32-bit little-endian ELF image');
  const machine = dv.getUint16(18, true);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const shoff = dv.getUint32(32, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  const shstrndx = dv.getUint16(50, true);

  const notes = new Map<number, Uint8Array>();
  const loadSegments: { vaddr: number; paddr: number; filesz: number; memsz: number }[] = [];
  const align4 = (n: number): number => (n + 3) & ~3;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = dv.getUint32(p, true);
    const offset = dv.getUint32(p + 4, true);
    const vaddr = dv.getUint32(p + 8, true);
    const paddr = dv.getUint32(p + 12, true);
    const filesz = dv.getUint32(p + 16, true);
    const memsz = dv.getUint32(p + 20, true);
    if (type === PT_LOAD) loadSegments.push({ vaddr, paddr, filesz, memsz });
    if (type !== PT_NOTE) continue;
    for (let q = offset; q + 12 <= offset + filesz; ) {
      const namesz = dv.getUint32(q, true);
      const descsz = dv.getUint32(q + 4, true);
      const ntype = dv.getUint32(q + 8, true);
      const name = new TextDecoder().decode(image.subarray(q + 12, q + 12 + Math.max(0, namesz - 1)));
      const desc = q + 12 + align4(namesz);
      if (name === 'Xen') notes.set(ntype, image.slice(desc, desc + descsz));
      q = desc + align4(descsz);
    }
  }

  let legacy: Map<string, string> | undefined;
  if (shoff !== 0 && shstrndx < shnum) {
    const strOff = dv.getUint32(shoff + shstrndx * shentsize + 16, true);
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      const nameOff = strOff + dv.getUint32(s, true);
      let end = nameOff;
      while (image[end] !== 0) end++;
      const name = new TextDecoder().decode(image.subarray(nameOff, end));
      if (name !== '__xen_guest') continue;
      const off = dv.getUint32(s + 16, true);
      const size = dv.getUint32(s + 20, true);
      let text = new TextDecoder().decode(image.subarray(off, off + size));
      const nul = text.indexOf('\0');
      if (nul >= 0) text = text.slice(0, nul);
      legacy = new Map();
      for (const item of text.split(',')) {
        const eq = item.indexOf('=');
        if (eq > 0) legacy.set(item.slice(0, eq), item.slice(eq + 1));
      }
    }
  }

  return {
    notes,
    legacy,
    entry,
    machine,
    loadSegments,
    string(type) {
      const d = notes.get(type);
      if (!d) return undefined;
      const nul = d.indexOf(0);
      return new TextDecoder().decode(nul >= 0 ? d.subarray(0, nul) : d);
    },
    number(type) {
      const d = notes.get(type);
      if (!d) return undefined;
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      if (d.byteLength === 4) return BigInt(v.getUint32(0, true));
      if (d.byteLength === 8) return v.getBigUint64(0, true);
      return undefined;
    },
  };
}
