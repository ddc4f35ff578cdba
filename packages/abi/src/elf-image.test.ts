import { describe, expect, it } from 'vitest';
import { ElfNote } from './elf-notes.js';
import { ELF_PT_LOAD, ELF_PT_NOTE, noteNumber, noteString, readXenElf } from './elf-image.js';

/** A minimal i386 ET_EXEC: one PT_LOAD, one PT_NOTE with the given notes, optional __xen_guest. */
function elf(notes: { owner: string; type: number; desc: Uint8Array }[], legacy?: string): Uint8Array {
  const noteBytes: number[] = [];
  const pad = (a: number[]): void => {
    while (a.length % 4) a.push(0);
  };
  for (const n of notes) {
    const name = [...new TextEncoder().encode(n.owner), 0];
    const hdr = new DataView(new ArrayBuffer(12));
    hdr.setUint32(0, name.length, true);
    hdr.setUint32(4, n.desc.length, true);
    hdr.setUint32(8, n.type, true);
    noteBytes.push(...new Uint8Array(hdr.buffer), ...name);
    pad(noteBytes);
    noteBytes.push(...n.desc);
    pad(noteBytes);
  }
  const strtab = [0, ...new TextEncoder().encode('.shstrtab'), 0, ...new TextEncoder().encode('__xen_guest'), 0];
  const legacyBytes = legacy === undefined ? [] : [...new TextEncoder().encode(legacy), 0];
  const phoff = 52, notesOff = phoff + 64, strOff = notesOff + noteBytes.length, legOff = strOff + strtab.length;
  const shoff = (legOff + legacyBytes.length + 3) & ~3;
  const out = new Uint8Array(shoff + 3 * 40);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(24, 0xc0001000, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, 2, true);
  v.setUint16(46, 40, true);
  v.setUint16(48, 3, true);
  v.setUint16(50, 1, true);
  const ph = (i: number, type: number, off: number, size: number): void => {
    const o = phoff + i * 32;
    v.setUint32(o, type, true);
    v.setUint32(o + 4, off, true);
    v.setUint32(o + 8, 0xc0000000, true);
    v.setUint32(o + 12, 0xc0000000, true);
    v.setUint32(o + 16, size, true);
    v.setUint32(o + 20, size, true);
  };
  ph(0, ELF_PT_LOAD, 0, out.length);
  ph(1, ELF_PT_NOTE, notesOff, noteBytes.length);
  out.set(noteBytes, notesOff);
  out.set(strtab, strOff);
  out.set(legacyBytes, legOff);
  const sh = (i: number, name: number, off: number, size: number): void => {
    const o = shoff + i * 40;
    v.setUint32(o, name, true);
    v.setUint32(o + 16, off, true);
    v.setUint32(o + 20, size, true);
  };
  sh(1, 1, strOff, strtab.length);
  if (legacy !== undefined) sh(2, 11, legOff, legacyBytes.length);
  return out;
}

const str = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);
const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

describe('readXenElf', () => {
  it('reads Xen notes by type and ignores other owners', () => {
    const img = readXenElf(
      elf([
        { owner: 'Xen', type: ElfNote.XEN_ELFNOTE_GUEST_OS, desc: str('linux') },
        { owner: 'GNU', type: ElfNote.XEN_ELFNOTE_GUEST_OS, desc: str('not-xen') },
        { owner: 'Xen', type: ElfNote.XEN_ELFNOTE_VIRT_BASE, desc: u32(0xc0000000) },
      ]),
    );
    expect(img.machine).toBe(3);
    expect(img.entry).toBe(0xc0001000);
    expect(noteString(img.notes.get(ElfNote.XEN_ELFNOTE_GUEST_OS)!)).toBe('linux');
    expect(noteNumber(img.notes.get(ElfNote.XEN_ELFNOTE_VIRT_BASE)!)).toBe(0xc0000000n);
    expect(img.legacy).toBeNull();
  });

  it('reads the legacy __xen_guest section', () => {
    expect(readXenElf(elf([], 'GUEST_OS=Mini-OS,XEN_VER=xen-3.0')).legacy).toBe('GUEST_OS=Mini-OS,XEN_VER=xen-3.0');
  });

  it('refuses what is not a 32-bit little-endian ELF, and truncated or malformed images', () => {
    expect(() => readXenElf(new Uint8Array(64))).toThrow(/not an ELF file/);
    const sixtyFour = elf([]);
    sixtyFour[4] = 2;
    expect(() => readXenElf(sixtyFour)).toThrow(/64-bit ELF/);
    expect(() => readXenElf(elf([]).subarray(0, 80))).toThrow(/program headers/);
    const bad = elf([{ owner: 'Xen', type: 1, desc: u32(1) }]);
    new DataView(bad.buffer).setUint32(52 + 64 + 4, 1 << 20, true); // descsz far past the segment
    expect(() => readXenElf(bad)).toThrow(/malformed ELF note/);
  });
});
