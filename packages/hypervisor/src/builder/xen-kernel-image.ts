// Reads a PV kernel: an i386 ELF executable with Xen ELF notes or the legacy `__xen_guest`
// section (xen-abi.md §2.21; libelf-dominfo.c: elf_xen_parse_note, elf_xen_note_check,
// elf_xen_addr_calc_check). Every refusal says what is wrong and what to do.
import { ELF_EM_386, ELF_ET_EXEC, ELF_PT_LOAD, ElfNote, noteNumber, noteString, readXenElf, type XenElfImage } from '@xen-ts/abi';

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
  let elf: XenElfImage;
  try {
    elf = readXenElf(bytes);
  } catch (e) {
    return fail(`${(e as Error).message}; give the path of a 32-bit PV kernel built for Xen`);
  }
  if (elf.machine !== ELF_EM_386) fail(`e_machine ${elf.machine} is not EM_386 (3)`);
  if (elf.type !== ELF_ET_EXEC) fail('not an executable (e_type is not ET_EXEC); link the kernel as a static executable');

  const raw: RawInfo = {};
  let source: 'notes' | '__xen_guest' = 'notes';
  if (elf.notes.size > 0) {
    readNotes(elf.notes, raw, fail);
  } else if (elf.legacy !== null) {
    parseLegacy(elf.legacy, raw, fail);
    source = '__xen_guest';
  } else {
    fail('not a Xen PV kernel: no Xen ELF notes (PT_NOTE, owner "Xen") and no __xen_guest section');
  }
  const loads = elf.programHeaders.filter((ph) => ph.type === ELF_PT_LOAD && ph.memsz > 0);
  if (loads.length === 0) fail('no PT_LOAD segments');
  for (const ph of loads) if (ph.filesz > ph.memsz) fail('a segment has p_filesz > p_memsz');
  const eEntry = elf.entry;

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

/** The notes builders read (libelf-dominfo.c: elf_xen_parse_note). */
function readNotes(notes: ReadonlyMap<number, Uint8Array>, raw: RawInfo, fail: (m: string) => never): void {
  for (const [type, desc] of notes) {
    const num = (): number => {
      const n = noteNumber(desc);
      if (n === undefined) return fail(`note ${type}: numeric value of ${desc.length} bytes (expected 4 or 8)`);
      if (n > 0xffffffffn) return fail(`note ${type}: a 64-bit value above 4 GiB`);
      return Number(n);
    };
    const str = (): string => noteString(desc);
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
