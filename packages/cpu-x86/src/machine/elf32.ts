/**
 * Just enough ELF32 (System V gABI, i386 psABI) to load a kernel: the file
 * header and the program headers. Throws a descriptive error for anything
 * that is not a little-endian 32-bit i386 executable.
 */

export const PT_LOAD = 1;
const EM_386 = 3;
const ET_EXEC = 2;

export interface Elf32Segment {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
}

export interface Elf32Image {
  entry: number;
  segments: Elf32Segment[];
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf32(bytes: Uint8Array, what = 'kernel'): Elf32Image {
  if (!isElf(bytes)) throw new Error(`${what}: not an ELF file (no \\x7fELF magic)`);
  if (bytes.length < 52) throw new Error(`${what}: truncated ELF header`);
  if (bytes[4] !== 1) throw new Error(`${what}: ELF class ${bytes[4]} is not ELFCLASS32 (a 64-bit kernel cannot be loaded here)`);
  if (bytes[5] !== 1) throw new Error(`${what}: not little-endian (EI_DATA=${bytes[5]})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_386) throw new Error(`${what}: e_machine ${machine} is not EM_386 (3)`);
  if (type !== ET_EXEC) throw new Error(`${what}: e_type ${type} is not ET_EXEC (2)`);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum > 0 && phentsize < 32) throw new Error(`${what}: e_phentsize ${phentsize} is too small`);
  if (phoff + phnum * phentsize > bytes.length) throw new Error(`${what}: program headers lie past the end of the file`);
  const segments: Elf32Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const seg: Elf32Segment = {
      type: view.getUint32(o, true),
      offset: view.getUint32(o + 4, true),
      vaddr: view.getUint32(o + 8, true),
      paddr: view.getUint32(o + 12, true),
      filesz: view.getUint32(o + 16, true),
      memsz: view.getUint32(o + 20, true),
      flags: view.getUint32(o + 24, true),
    };
    if (seg.type === PT_LOAD) {
      if (seg.offset + seg.filesz > bytes.length) throw new Error(`${what}: segment ${i} lies past the end of the file`);
      if (seg.filesz > seg.memsz) throw new Error(`${what}: segment ${i} has p_filesz > p_memsz`);
    }
    segments.push(seg);
  }
  return { entry, segments };
}
