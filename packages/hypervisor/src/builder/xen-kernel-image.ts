// Reads a PV kernel: an i386 ELF executable with Xen ELF notes or the legacy `__xen_guest`
// section (xen-abi.md §2.21; libelf-dominfo.c: elf_xen_parse_note, elf_xen_note_check,
// elf_xen_addr_calc_check). Every refusal says what is wrong and what to do.
import { ElfNote, XEN_ELFNOTE_OWNER } from '@xen-ts/abi';

export type PaeMode = 'yes' | 'no' | 'bimodal';

export interface LoadSegment {
  offset: number;
  /** Virtual load address (paddr + virt_offset). */
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface XenKernelImage {
  readonly bytes: Uint8Array;
  readonly segments: LoadSegment[];
  readonly entry: number;
  readonly virtBase: number;
  /** Virtual extent of the image. */
  readonly kstart: number;
  readonly kend: number;
  /** Virtual address of the hypercall page, or -1. */
  readonly hypercallPage: number;
  readonly paeMode: PaeMode;
  readonly guestOs: string;
  readonly guestVersion: string;
  readonly xenVersion: string;
  readonly loader: string;
  readonly features: string;
  /** Where the notes came from. */
  readonly source: 'notes' | '__xen_guest';
}

const PT_LOAD = 1;
const PT_NOTE = 4;

export class KernelImageError extends Error {
  constructor(what: string, message: string) {
    super(`${what}: ${message}`);
    this.name = 'KernelImageError';
  }
}

interface RawInfo {
  entry?: number;
  hypercallPage?: number;
  virtBase?: number;
  paddrOffset?: number;
  xenVersion?: string;
  guestOs?: string;
  guestVersion?: string;
  loader?: string;
  paeMode?: string;
  features?: string;
}

export function parseXenKernel(bytes: Uint8Array, what = 'kernel'): XenKernelImage {
  const fail = (m: string): never => {
    throw new KernelImageError(what, m);
  };
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail('not an ELF file (no \\x7fELF magic); give the path of a PV kernel built for Xen');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 1) fail('a 64-bit ELF; this hypervisor runs 32-bit (i386) PV kernels');
  if (bytes[5] !== 1) fail('big-endian ELF; an i386 kernel is little-endian');
  if (dv.getUint16(18, true) !== 3) fail(`e_machine ${dv.getUint16(18, true)} is not EM_386 (3)`);
  if (dv.getUint16(16, true) !== 2) fail('not an executable (e_type is not ET_EXEC); link the kernel as a static executable');
  const eEntry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const shoff = dv.getUint32(32, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  const shstrndx = dv.getUint16(50, true);
  if (phnum === 0 || phentsize < 32 || phoff + phnum * phentsize > bytes.length) fail('bad or missing program headers');

  const raw: RawInfo = {};
  let haveNotes = false;
  const loads: { offset: number; paddr: number; filesz: number; memsz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const type = dv.getUint32(o, true);
    const offset = dv.getUint32(o + 4, true);
    const paddr = dv.getUint32(o + 12, true);
    const filesz = dv.getUint32(o + 16, true);
    const memsz = dv.getUint32(o + 20, true);
    if (offset + filesz > bytes.length) fail(`program header ${i} points past the end of the file (truncated image?)`);
    if (type === PT_LOAD && memsz > 0) {
      if (filesz > memsz) fail(`segment ${i} has p_filesz > p_memsz`);
      loads.push({ offset, paddr, filesz, memsz });
    } else if (type === PT_NOTE) {
      haveNotes = parseNotes(dv, offset, filesz, raw, fail) || haveNotes;
    }
  }
  let source: 'notes' | '__xen_guest' = 'notes';
  if (!haveNotes) {
    const legacy = findSection(dv, bytes, shoff, shentsize, shnum, shstrndx, '__xen_guest');
    if (legacy === null) {
      fail('not a Xen PV kernel: no Xen ELF notes (PT_NOTE, owner "Xen") and no __xen_guest section');
    }
    parseLegacy(legacy!, raw, fail);
    source = '__xen_guest';
  }
  if (loads.length === 0) fail('no PT_LOAD segments');

  const loader = raw.loader ?? '';
  const guestOs = raw.guestOs ?? '';
  if (!loader.startsWith('generic') && !guestOs.startsWith('linux')) {
    fail(`LOADER is "${loader}" and GUEST_OS is "${guestOs}": Xen needs LOADER=generic or GUEST_OS=linux`);
  }
  const xenVersion = raw.xenVersion ?? '';
  if (!xenVersion.startsWith('xen-3.0')) fail(`XEN_VERSION is "${xenVersion}"; it must start with "xen-3.0"`);

  const virtBase = raw.virtBase ?? 0;
  // With notes PADDR_OFFSET defaults to 0; with the legacy section to VIRT_BASE (§2.21).
  const paddrOffset = raw.paddrOffset ?? (source === 'notes' ? 0 : virtBase);
  const virtOffset = (virtBase - paddrOffset) >>> 0;
  const segments: LoadSegment[] = loads.map((s) => ({
    offset: s.offset,
    vaddr: (s.paddr + virtOffset) >>> 0,
    filesz: s.filesz,
    memsz: s.memsz,
  }));
  const kstart = Math.min(...segments.map((s) => s.vaddr));
  const kend = Math.max(...segments.map((s) => s.vaddr + s.memsz));
  if (kend > 0x100000000) fail('the image extends past 4 GiB after adding VIRT_BASE − PADDR_OFFSET');
  const entry = raw.entry ?? eEntry;
  if (entry < kstart || entry > kend) {
    fail(`entry point 0x${entry.toString(16)} lies outside the image [0x${kstart.toString(16)}, 0x${kend.toString(16)}]`);
  }
  if (virtBase > kstart) fail(`VIRT_BASE 0x${virtBase.toString(16)} lies above the image start 0x${kstart.toString(16)}`);
  let hypercallPage = -1;
  if (raw.hypercallPage !== undefined) {
    hypercallPage = source === 'notes' ? raw.hypercallPage : (raw.hypercallPage * 4096 + virtBase) >>> 0;
    if ((hypercallPage & 0xfff) !== 0 || hypercallPage < kstart || hypercallPage + 4096 > kend) {
      fail(`HYPERCALL_PAGE 0x${hypercallPage.toString(16)} is not a page inside the image`);
    }
  }
  const pae = (raw.paeMode ?? 'no').toLowerCase();
  let paeMode: PaeMode = 'no';
  if (pae.includes('bimodal')) paeMode = 'bimodal';
  else if (pae.startsWith('yes')) paeMode = 'yes';
  else if (pae !== 'no') fail(`PAE_MODE "${raw.paeMode}" is not one of yes, no, bimodal`);
  return {
    bytes,
    segments,
    entry,
    virtBase,
    kstart,
    kend,
    hypercallPage,
    paeMode,
    guestOs,
    guestVersion: raw.guestVersion ?? '',
    xenVersion,
    loader,
    features: raw.features ?? '',
    source,
  };
}

function parseNotes(dv: DataView, offset: number, size: number, raw: RawInfo, fail: (m: string) => never): boolean {
  let o = offset;
  const end = offset + size;
  let found = false;
  while (o + 12 <= end) {
    const namesz = dv.getUint32(o, true);
    const descsz = dv.getUint32(o + 4, true);
    const type = dv.getUint32(o + 8, true);
    const nameStart = o + 12;
    const descStart = nameStart + ((namesz + 3) & ~3);
    const next = descStart + ((descsz + 3) & ~3);
    if (next > end || namesz > 4096 || descsz > 65536) fail('malformed ELF note');
    const name = readString(dv, nameStart, namesz);
    if (name === XEN_ELFNOTE_OWNER) {
      found = true;
      const num = (): number => {
        if (descsz === 4) return dv.getUint32(descStart, true);
        if (descsz === 8) {
          if (dv.getUint32(descStart + 4, true) !== 0) fail(`note ${type}: a 64-bit value above 4 GiB`);
          return dv.getUint32(descStart, true);
        }
        return fail(`note ${type}: numeric value of ${descsz} bytes (expected 4 or 8)`);
      };
      const str = (): string => readString(dv, descStart, descsz);
      switch (type) {
        case ElfNote.XEN_ELFNOTE_ENTRY: raw.entry = num(); break;
        case ElfNote.XEN_ELFNOTE_HYPERCALL_PAGE: raw.hypercallPage = num(); break;
        case ElfNote.XEN_ELFNOTE_VIRT_BASE: raw.virtBase = num(); break;
        case ElfNote.XEN_ELFNOTE_PADDR_OFFSET: raw.paddrOffset = num(); break;
        case ElfNote.XEN_ELFNOTE_XEN_VERSION: raw.xenVersion = str(); break;
        case ElfNote.XEN_ELFNOTE_GUEST_OS: raw.guestOs = str(); break;
        case ElfNote.XEN_ELFNOTE_GUEST_VERSION: raw.guestVersion = str(); break;
        case ElfNote.XEN_ELFNOTE_LOADER: raw.loader = str(); break;
        case ElfNote.XEN_ELFNOTE_PAE_MODE: raw.paeMode = str(); break;
        case ElfNote.XEN_ELFNOTE_FEATURES: raw.features = str(); break;
        default: break; // other notes do not change how we build the domain
      }
    }
    o = next;
  }
  return found;
}

function readString(dv: DataView, start: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = dv.getUint8(start + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function findSection(dv: DataView, bytes: Uint8Array, shoff: number, shentsize: number, shnum: number, shstrndx: number, want: string): string | null {
  if (shoff === 0 || shnum === 0 || shentsize < 40 || shoff + shnum * shentsize > bytes.length || shstrndx >= shnum) return null;
  const strOff = dv.getUint32(shoff + shstrndx * shentsize + 16, true);
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    const nameOff = strOff + dv.getUint32(h, true);
    if (nameOff >= bytes.length) continue;
    if (readString(dv, nameOff, Math.min(64, bytes.length - nameOff)) !== want) continue;
    const off = dv.getUint32(h + 16, true);
    const size = dv.getUint32(h + 20, true);
    if (off + size > bytes.length) return null;
    return readString(dv, off, size);
  }
  return null;
}

/** `KEY=VALUE,KEY=VALUE` (keys ≤ 31 chars, values ≤ 127). */
function parseLegacy(text: string, raw: RawInfo, fail: (m: string) => never): void {
  const num = (k: string, v: string): number => {
    const n = v.startsWith('0x') || v.startsWith('0X') ? parseInt(v.slice(2), 16) : parseInt(v, 10);
    if (!Number.isFinite(n) || n < 0 || n > 0xffffffff) fail(`__xen_guest: ${k}=${v} is not a number`);
    return n;
  };
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (key.length > 31 || value.length > 127) fail(`__xen_guest: item "${item.slice(0, 40)}" is too long`);
    switch (key) {
      case 'LOADER': raw.loader = value; break;
      case 'GUEST_OS': raw.guestOs = value; break;
      case 'GUEST_VER': raw.guestVersion = value; break;
      case 'XEN_VER': raw.xenVersion = value; break;
      case 'PAE': raw.paeMode = value; break;
      case 'VIRT_BASE': raw.virtBase = num(key, value); break;
      case 'VIRT_ENTRY': raw.entry = num(key, value); break;
      case 'ELF_PADDR_OFFSET': raw.paddrOffset = num(key, value); break;
      case 'HYPERCALL_PAGE': raw.hypercallPage = num(key, value); break;
      case 'FEATURES': raw.features = value; break;
      default: break;
    }
  }
}
