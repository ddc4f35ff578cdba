// The parts of an i386 ELF executable a PV domain builder reads (xen-abi.md §2.21): the file
// header, the program headers, the Xen notes (owner "Xen" in PT_NOTE segments, raw descriptor
// bytes by type) and the legacy `__xen_guest` section string. Structural damage is an Error
// whose message says what is wrong; what the notes mean is the builder's business.
import { XEN_ELFNOTE_OWNER } from './elf-notes.js';

export const ELF_PT_LOAD = 1;
export const ELF_PT_NOTE = 4;
export const ELF_EM_386 = 3;
export const ELF_ET_EXEC = 2;

export interface ElfProgramHeader {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface XenElfImage {
  readonly machine: number;
  readonly type: number;
  readonly entry: number;
  readonly programHeaders: readonly ElfProgramHeader[];
  /** Descriptor bytes of each Xen note, by XEN_ELFNOTE_* type (the last one wins). */
  readonly notes: ReadonlyMap<number, Uint8Array>;
  /** The `__xen_guest` section up to its NUL, or null when there is none. */
  readonly legacy: string | null;
}

function cString(bytes: Uint8Array, start: number, max: number): string {
  let s = '';
  for (let i = start; i < Math.min(bytes.length, start + max); i++) {
    if (bytes[i] === 0) break;
    s += String.fromCharCode(bytes[i]!);
  }
  return s;
}

export function readXenElf(bytes: Uint8Array): XenElfImage {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new Error('not an ELF file (no \\x7fELF magic)');
  }
  if (bytes[4] !== 1) throw new Error('a 64-bit ELF; only 32-bit (i386) images are read');
  if (bytes[5] !== 1) throw new Error('big-endian ELF; an i386 image is little-endian');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const shoff = dv.getUint32(32, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  const shstrndx = dv.getUint16(50, true);
  if (phnum === 0 || phentsize < 32 || phoff + phnum * phentsize > bytes.length) throw new Error('bad or missing program headers');

  const programHeaders: ElfProgramHeader[] = [];
  const notes = new Map<number, Uint8Array>();
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ph: ElfProgramHeader = {
      type: dv.getUint32(o, true),
      offset: dv.getUint32(o + 4, true),
      vaddr: dv.getUint32(o + 8, true),
      paddr: dv.getUint32(o + 12, true),
      filesz: dv.getUint32(o + 16, true),
      memsz: dv.getUint32(o + 20, true),
    };
    if (ph.offset + ph.filesz > bytes.length) throw new Error(`program header ${i} points past the end of the file (truncated image?)`);
    programHeaders.push(ph);
    if (ph.type !== ELF_PT_NOTE) continue;
    const end = ph.offset + ph.filesz;
    for (let q = ph.offset; q + 12 <= end; ) {
      const namesz = dv.getUint32(q, true);
      const descsz = dv.getUint32(q + 4, true);
      const ntype = dv.getUint32(q + 8, true);
      const desc = q + 12 + ((namesz + 3) & ~3);
      const next = desc + ((descsz + 3) & ~3);
      if (namesz > 4096 || descsz > 65536 || next > end) throw new Error('malformed ELF note');
      if (cString(bytes, q + 12, namesz) === XEN_ELFNOTE_OWNER) notes.set(ntype, bytes.slice(desc, desc + descsz));
      q = next;
    }
  }

  let legacy: string | null = null;
  if (shoff !== 0 && shnum > 0 && shentsize >= 40 && shoff + shnum * shentsize <= bytes.length && shstrndx < shnum) {
    const strOff = dv.getUint32(shoff + shstrndx * shentsize + 16, true);
    for (let i = 0; i < shnum; i++) {
      const h = shoff + i * shentsize;
      if (cString(bytes, strOff + dv.getUint32(h, true), 64) !== '__xen_guest') continue;
      const off = dv.getUint32(h + 16, true);
      const size = dv.getUint32(h + 20, true);
      if (off + size <= bytes.length) legacy = cString(bytes, off, size);
    }
  }
  return { machine, type, entry, programHeaders, notes, legacy };
}

/** A note's descriptor as a NUL-terminated string. */
export function noteString(desc: Uint8Array): string {
  return cString(desc, 0, desc.length);
}

/** A note's descriptor as a 4- or 8-byte little-endian number, or undefined for other sizes. */
export function noteNumber(desc: Uint8Array): bigint | undefined {
  const v = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  if (desc.length === 4) return BigInt(v.getUint32(0, true));
  if (desc.length === 8) return v.getBigUint64(0, true);
  return undefined;
}
