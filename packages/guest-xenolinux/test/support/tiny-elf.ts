// A minimal static i386 ELF executable around raw machine code: one read+execute PT_LOAD at
// 0x08048000 holding the headers and the code, entry right after the headers. For programs that
// misbehave on purpose (bad pointers, faults, unknown system calls).
export const TINY_BASE = 0x08048000;

export function tinyElf(code: readonly number[]): Uint8Array {
  const hdr = 52 + 32;
  const size = hdr + code.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // ELFCLASS32, ELFDATA2LSB, EV_CURRENT, SYSV
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, TINY_BASE + hdr, true); // e_entry
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  v.setUint32(52, 1, true); // PT_LOAD
  v.setUint32(56, 0, true);
  v.setUint32(60, TINY_BASE, true);
  v.setUint32(64, TINY_BASE, true);
  v.setUint32(68, size, true);
  v.setUint32(72, size, true);
  v.setUint32(76, 5, true); // PF_R | PF_X
  v.setUint32(80, 0x1000, true);
  b.set(code, hdr);
  return b;
}

const le32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
/** mov $imm, %eax/%ebx/%ecx/%edx */
export const movEax = (x: number): number[] => [0xb8, ...le32(x)];
export const movEbx = (x: number): number[] => [0xbb, ...le32(x)];
export const movEcx = (x: number): number[] => [0xb9, ...le32(x)];
export const movEdx = (x: number): number[] => [0xba, ...le32(x)];
export const int80 = [0xcd, 0x80];
/** exit(%eax): mov %eax,%ebx; mov $1,%eax; int $0x80 */
export const exitWithEax = [0x89, 0xc3, ...movEax(1), ...int80];
/** mov addr, %eax (a load from an absolute address) */
export const loadFrom = (addr: number): number[] => [0xa1, ...le32(addr)];

export const movEsi = (x: number): number[] => [0xbe, ...le32(x)];
export const movEdi = (x: number): number[] => [0xbf, ...le32(x)];
export const HEADERS = 52 + 32;

/** Code followed by data. `build(dataAddress)` must give code of the same length for every
 *  address (use the imm32 forms above). */
export function tinyElfWithData(build: (data: number) => { code: number[]; data: number[] }): Uint8Array {
  const len = build(0).code.length;
  const { code, data } = build(TINY_BASE + HEADERS + len);
  return tinyElf([...code, ...data]);
}

/** NUL-terminated strings and a NULL-terminated pointer vector to them, laid out from `at`:
 *  returns the bytes and the vector's address. */
export function stringVector(at: number, strings: readonly string[]): { bytes: number[]; vector: number } {
  const bytes: number[] = [];
  const addrs: number[] = [];
  for (const s of strings) {
    addrs.push(at + bytes.length);
    for (const c of new TextEncoder().encode(s)) bytes.push(c);
    bytes.push(0);
  }
  while (bytes.length % 4) bytes.push(0);
  const vector = at + bytes.length;
  for (const a of [...addrs, 0]) bytes.push(...le32(a));
  return { bytes, vector };
}
