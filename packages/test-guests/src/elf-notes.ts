// What the domain builder will see in a test guest's image: the Xen notes and the legacy
// `__xen_guest` section, read with @xen-ts/abi's ELF reader, with typed accessors for the tests.
import { ElfNote, ELF_PT_LOAD, noteNumber, noteString, readXenElf } from '@xen-ts/abi';

/** XEN_ELFNOTE_* numbers (elfnote.h), under short names. */
export const XenNoteType = {
  INFO: ElfNote.XEN_ELFNOTE_INFO,
  ENTRY: ElfNote.XEN_ELFNOTE_ENTRY,
  HYPERCALL_PAGE: ElfNote.XEN_ELFNOTE_HYPERCALL_PAGE,
  VIRT_BASE: ElfNote.XEN_ELFNOTE_VIRT_BASE,
  PADDR_OFFSET: ElfNote.XEN_ELFNOTE_PADDR_OFFSET,
  XEN_VERSION: ElfNote.XEN_ELFNOTE_XEN_VERSION,
  GUEST_OS: ElfNote.XEN_ELFNOTE_GUEST_OS,
  GUEST_VERSION: ElfNote.XEN_ELFNOTE_GUEST_VERSION,
  LOADER: ElfNote.XEN_ELFNOTE_LOADER,
  PAE_MODE: ElfNote.XEN_ELFNOTE_PAE_MODE,
  FEATURES: ElfNote.XEN_ELFNOTE_FEATURES,
  BSD_SYMTAB: ElfNote.XEN_ELFNOTE_BSD_SYMTAB,
  HV_START_LOW: ElfNote.XEN_ELFNOTE_HV_START_LOW,
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

export function parseXenNotes(image: Uint8Array): XenNotes {
  const elf = readXenElf(image);
  let legacy: Map<string, string> | undefined;
  if (elf.legacy !== null) {
    legacy = new Map();
    for (const item of elf.legacy.split(',')) {
      const eq = item.indexOf('=');
      if (eq > 0) legacy.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }
  return {
    notes: elf.notes,
    ...(legacy === undefined ? {} : { legacy }),
    entry: elf.entry,
    machine: elf.machine,
    loadSegments: elf.programHeaders.filter((p) => p.type === ELF_PT_LOAD),
    string: (type) => {
      const d = elf.notes.get(type);
      return d === undefined ? undefined : noteString(d);
    },
    number: (type) => {
      const d = elf.notes.get(type);
      return d === undefined ? undefined : noteNumber(d);
    },
  };
}
