/**
 * Reading i386 ELF executables (System V gABI, i386 psABI): the header checks
 * a kernel makes in binfmt_elf, and the plan of what to map where. ET_EXEC
 * images load at their link addresses; ET_DYN images (static PIE, or the
 * dynamic loader named by PT_INTERP) load at a bias.
 */

export const ET_EXEC = 2, ET_DYN = 3;
export const EM_386 = 3;
export const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;

/** A malformed or unsupported image; `exitCode` is what a shell would report (126 or 127). */
export class ElfError extends Error {
  constructor(message: string, readonly exitCode = 126, readonly errno = 8 /* ENOEXEC */) {
    super(message);
  }
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

export interface ElfImage {
  /** The whole file. */
  bytes: Uint8Array;
  type: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  phdrs: ProgramHeader[];
  /** PT_INTERP path, when the image asks for a dynamic loader. */
  interp: string | null;
  /** PT_GNU_STACK with PF_X (or no PT_GNU_STACK: the i386 default is an executable stack). */
  execStack: boolean;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Parses and validates an ELF image; throws ElfError with a message fit for the user. */
export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError(`${name}: not an ELF executable (no \\x7fELF magic)`);
  }
  if (bytes[4] !== 1) throw new ElfError(`${name}: not a 32-bit ELF (EI_CLASS ${bytes[4]}; x86-run runs i386 programs)`);
  if (bytes[5] !== 1) throw new ElfError(`${name}: not a little-endian ELF`);
  if (bytes[6] !== 1) throw new ElfError(`${name}: unknown ELF version ${bytes[6]}`);
  const type = u16(bytes, 16);
  const machine = u16(bytes, 18);
  if (machine !== EM_386) throw new ElfError(`${name}: ELF machine ${machine} is not i386 (EM_386 = 3)`);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfError(`${name}: ELF type ${type} is neither ET_EXEC nor ET_DYN`);
  const entry = u32(bytes, 24);
  const phoff = u32(bytes, 28);
  const phentsize = u16(bytes, 42);
  const phnum = u16(bytes, 44);
  if (phentsize !== 32) throw new ElfError(`${name}: program header size ${phentsize}, expected 32`);
  if (phnum === 0 || phnum > 64 || phoff + phnum * 32 > bytes.length) {
    throw new ElfError(`${name}: program headers out of range (phoff ${phoff}, phnum ${phnum})`);
  }
  const phdrs: ProgramHeader[] = [];
  let interp: string | null = null;
  let execStack = true;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 32;
    const ph: ProgramHeader = {
      type: u32(bytes, o),
      offset: u32(bytes, o + 4),
      vaddr: u32(bytes, o + 8),
      filesz: u32(bytes, o + 16),
      memsz: u32(bytes, o + 20),
      flags: u32(bytes, o + 24),
      align: u32(bytes, o + 28),
    };
    phdrs.push(ph);
    if (ph.type === PT_LOAD) {
      if (ph.filesz > ph.memsz) throw new ElfError(`${name}: PT_LOAD ${i} has filesz > memsz`);
      if (ph.offset + ph.filesz > bytes.length) throw new ElfError(`${name}: PT_LOAD ${i} extends past the end of the file`);
      if ((ph.vaddr % 4096) !== (ph.offset % 4096)) throw new ElfError(`${name}: PT_LOAD ${i} is not page-congruent`);
      if (ph.vaddr + ph.memsz > 0xc0000000) throw new ElfError(`${name}: PT_LOAD ${i} reaches above 0xC0000000`);
    } else if (ph.type === PT_INTERP) {
      if (ph.offset + ph.filesz > bytes.length) throw new ElfError(`${name}: PT_INTERP out of range`);
      let end = ph.offset + ph.filesz;
      while (end > ph.offset && bytes[end - 1] === 0) end--;
      interp = Buffer.from(bytes.subarray(ph.offset, end)).toString('latin1');
    } else if (ph.type === PT_GNU_STACK) {
      execStack = (ph.flags & PF_X) !== 0;
    }
  }
  if (!phdrs.some((p) => p.type === PT_LOAD)) throw new ElfError(`${name}: no PT_LOAD segment`);
  return { bytes, type, entry, phoff, phentsize, phnum, phdrs, interp, execStack };
}

/** Lowest and highest (exclusive) page-aligned addresses the image's PT_LOADs span, before bias. */
export function loadExtent(img: ElfImage): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = 0;
  for (const p of img.phdrs) {
    if (p.type !== PT_LOAD) continue;
    lo = Math.min(lo, p.vaddr - (p.vaddr % 4096));
    hi = Math.max(hi, Math.ceil((p.vaddr + p.memsz) / 4096) * 4096);
  }
  return { lo, hi };
}

/** Address of the program headers once loaded (AT_PHDR), before bias. */
export function phdrAddress(img: ElfImage): number {
  const pt = img.phdrs.find((p) => p.type === PT_PHDR);
  if (pt) return pt.vaddr;
  for (const p of img.phdrs) {
    if (p.type === PT_LOAD && img.phoff >= p.offset && img.phoff + img.phnum * 32 <= p.offset + p.filesz) {
      return p.vaddr + (img.phoff - p.offset);
    }
  }
  return 0;
}
