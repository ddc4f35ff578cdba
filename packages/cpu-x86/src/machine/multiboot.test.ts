import { describe, expect, it } from 'vitest';
import { CS, DS, EAX, EBX, ES, ESP, FS, GS, SS } from '../constants.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { CapturedOutput } from './console-output.js';
import { loadMultibootKernel, MultibootMachine, prepareMultiboot } from './multiboot.js';
import { findMultibootHeader } from './multiboot-header.js';
import { MBI_FLAGS_SET, MBI_SIZE, MMAP_ENTRY_SIZE, MULTIBOOT_BOOTLOADER_MAGIC } from './multiboot-info.js';

const MAGIC = 0x1badb002;

function header(flags: number, addresses: number[] = []): number[] {
  return [MAGIC, flags, (-(MAGIC + flags)) >>> 0, ...addresses];
}

function le32(words: number[]): number[] {
  return words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
}

/**
 * A tiny kernel: if EAX holds the bootloader magic it prints "o" on 0xE9 and
 * writes the low byte of the info flags to isa-debug-exit, else writes 0x7f.
 */
const KERNEL_CODE = [
  0x3d, 0x02, 0xb0, 0xad, 0x2b, // cmp eax, 0x2badb002
  0x75, 0x09, //                   jne bad
  0xb0, 0x6f, //                   mov al, 'o'
  0xe6, 0xe9, //                   out 0xe9, al
  0x8a, 0x03, //                   mov al, [ebx]
  0xe6, 0xf4, //                   out 0xf4, al
  0xf4, //                         hlt
  0xb0, 0x7f, //                   bad: mov al, 0x7f
  0xe6, 0xf4, //                   out 0xf4, al
  0xf4,
];

interface Segment {
  vaddr: number;
  paddr: number;
  data: number[];
  memsz?: number;
}

/** Builds an ELF32 i386 executable with one PT_LOAD per segment (data at 4-byte aligned offsets). */
function elf(entry: number, segments: Segment[], elfClass = 1): Uint8Array {
  const phoff = 52;
  let offset = phoff + 32 * segments.length;
  const placed = segments.map((s) => {
    const at = offset;
    offset = (offset + s.data.length + 3) & ~3;
    return at;
  });
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, segments.length, true);
  segments.forEach((s, i) => {
    const p = phoff + i * 32;
    v.setUint32(p, 1, true);
    v.setUint32(p + 4, placed[i], true);
    v.setUint32(p + 8, s.vaddr, true);
    v.setUint32(p + 12, s.paddr, true);
    v.setUint32(p + 16, s.data.length, true);
    v.setUint32(p + 20, s.memsz ?? s.data.length, true);
    v.setUint32(p + 24, 5, true);
    out.set(s.data, placed[i]);
  });
  return out;
}

const simpleKernel = (): Uint8Array =>
  elf(0x10000c, [{ vaddr: 0x100000, paddr: 0x100000, data: [...le32(header(0x3)), ...KERNEL_CODE] }]);

describe('Multiboot header', () => {
  it('is found 4-byte aligned in the first 8 KiB, with a valid checksum', () => {
    const img = new Uint8Array(8192);
    img.set(le32(header(0)), 0x100);
    expect(findMultibootHeader(img).offset).toBe(0x100);
    const bad = new Uint8Array(8192);
    bad.set(le32([MAGIC, 0, 0]), 0x100);
    expect(() => findMultibootHeader(bad)).toThrow(/no Multiboot header/);
    const late = new Uint8Array(9000);
    late.set(le32(header(0)), 8192);
    expect(() => findMultibootHeader(late)).toThrow(/no Multiboot header/);
  });

  it('refuses required features it does not know and warns about a video mode', () => {
    const img = new Uint8Array(64);
    img.set(le32(header(1 << 3)));
    expect(() => findMultibootHeader(img)).toThrow(/requires features .*0x8/);
    img.set(le32(header(1 << 2)));
    expect(findMultibootHeader(img).warnings[0]).toMatch(/video mode/);
  });
});

describe('Multiboot loading', () => {
  it('loads ELF PT_LOAD segments at p_paddr and zeroes their bss', () => {
    const mem = new PhysicalMemory(4 << 20);
    mem.u8.fill(0xcc, 0x200000, 0x201000);
    const k = elf(0x10000c, [
      { vaddr: 0x100000, paddr: 0x100000, data: [...le32(header(0)), 0x90] },
      { vaddr: 0x200000, paddr: 0x200000, data: [1, 2, 3, 4], memsz: 0x1000 },
    ]);
    const loaded = loadMultibootKernel(mem, k);
    expect(loaded).toMatchObject({ format: 'elf', entry: 0x10000c, low: 0x100000, high: 0x201000 });
    expect(mem.read32(0x100000) >>> 0).toBe(MAGIC);
    expect(mem.read32(0x200000)).toBe(0x04030201);
    expect(mem.read8(0x200004)).toBe(0);
    expect(mem.read8(0x200fff)).toBe(0);
  });

  it('translates a virtual entry point to its physical address (higher-half kernels)', () => {
    const mem = new PhysicalMemory(4 << 20);
    const k = elf(0xc010000c, [{ vaddr: 0xc0100000, paddr: 0x100000, data: [...le32(header(0)), 0x90] }]);
    expect(loadMultibootKernel(mem, k).entry).toBe(0x10000c);
  });

  it('uses the a.out-kludge addresses when flags bit 16 is set', () => {
    const mem = new PhysicalMemory(4 << 20);
    mem.u8.fill(0xcc, 0x100000, 0x103000);
    // 16 bytes of padding, then the header at file offset 16 = address 0x100010.
    const hdr = header(0x10000, [0x100010, 0x100000, 0x100040, 0x102000, 0x100030]);
    const img = new Uint8Array(0x50);
    img.set(le32(hdr), 16);
    img[0x3f] = 0xab;
    img[0x40] = 0xcd; // past load_end_addr: not loaded, zeroed as bss
    const loaded = loadMultibootKernel(mem, img);
    expect(loaded).toMatchObject({ format: 'aout-kludge', entry: 0x100030, low: 0x100000, high: 0x102000 });
    expect(mem.read8(0x10003f)).toBe(0xab);
    expect(mem.read8(0x100040)).toBe(0);
    expect(mem.read8(0x101fff)).toBe(0);
    expect(mem.read8(0x102000)).toBe(0xcc);
  });

  it('explains what is wrong with a kernel it cannot load', () => {
    const mem = new PhysicalMemory(1 << 20);
    expect(() => loadMultibootKernel(mem, new Uint8Array(le32(header(0))))).toThrow(/not ELF/);
    const k64 = elf(0x10000c, [{ vaddr: 0x100000, paddr: 0x100000, data: le32(header(0)) }], 2);
    expect(() => loadMultibootKernel(mem, k64)).toThrow(/ELFCLASS32/);
    expect(() => loadMultibootKernel(mem, simpleKernel())).toThrow(/outside RAM/);
  });
});

describe('Multiboot information structure', () => {
  it('has the flags, memory fields, command line, module list, memory map and name in the documented layout', () => {
    const mem = new PhysicalMemory(16 << 20);
    const boot = prepareMultiboot(mem, {
      kernel: simpleKernel(),
      kernelPath: '/boot/kernel.elf',
      append: 'console=ttyS0 debug',
      modules: [{ data: new Uint8Array(5000).fill(7), cmdline: '/boot/initrd root=/dev/ram0' }],
    });
    // Module after the kernel, page-aligned; then the GDT and the structure.
    expect(boot.modules).toEqual([{ start: 0x101000, end: 0x101000 + 5000, cmdline: '/boot/initrd root=/dev/ram0' }]);
    expect(boot.gdtAddr).toBe(0x103000);
    const mbi = boot.infoAddr;
    expect(mbi).toBe(0x103018);
    const u32 = (a: number): number => mem.read32(a) >>> 0;
    const str = (a: number): string => {
      let s = '';
      for (let c = mem.read8(a); c !== 0; c = mem.read8(++a)) s += String.fromCharCode(c);
      return s;
    };
    expect(u32(mbi)).toBe(MBI_FLAGS_SET);
    expect(MBI_FLAGS_SET).toBe(0x24f);
    expect(u32(mbi + 4)).toBe(640);
    expect(u32(mbi + 8)).toBe(15 * 1024);
    expect(u32(mbi + 12)).toBe(0x8000ffff);
    expect(str(u32(mbi + 16))).toBe('/boot/kernel.elf console=ttyS0 debug');
    expect(u32(mbi + 20)).toBe(1);
    const mod = u32(mbi + 24);
    expect([u32(mod), u32(mod + 4), str(u32(mod + 8)), u32(mod + 12)]).toEqual([
      0x101000, 0x101000 + 5000, '/boot/initrd root=/dev/ram0', 0,
    ]);
    expect(u32(mbi + 44)).toBe(3 * MMAP_ENTRY_SIZE);
    const mmap = u32(mbi + 48);
    expect(mmap).toBe(mbi + MBI_SIZE);
    const entries = [0, 1, 2].map((i) => {
      const e = mmap + i * MMAP_ENTRY_SIZE;
      return [u32(e), u32(e + 4), u32(e + 8), u32(e + 12), u32(e + 16), u32(e + 20)];
    });
    expect(entries).toEqual([
      [20, 0, 0, 0xa0000, 0, 1],
      [20, 0xf0000, 0, 0x10000, 0, 2],
      [20, 0x100000, 0, 0xf00000, 0, 1],
    ]);
    expect(str(u32(mbi + 64))).toBe('xen-ts x86-run');
    // The GDT: null, flat code at 0x08, flat data at 0x10.
    expect([u32(0x103008), u32(0x10300c), u32(0x103010), u32(0x103014)]).toEqual([
      0xffff, 0x00cf9b00, 0xffff, 0x00cf9300,
    ]);
  });

  it('puts "path " first with an empty -append, as QEMU does', () => {
    const boot = prepareMultiboot(new PhysicalMemory(4 << 20), { kernel: simpleKernel(), kernelPath: 'k' });
    expect(boot.cmdline).toBe('k ');
  });
});

describe('Multiboot machine', () => {
  it('enters the kernel in the state of the Multiboot spec, section 3.2', () => {
    const m = new MultibootMachine({ kernel: simpleKernel() });
    const c = m.cpu;
    expect(c.reg32[EAX] >>> 0).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    expect(c.reg32[EBX]).toBe(m.boot.infoAddr);
    expect(c.reg32[ESP]).toBe(0x7000);
    expect(c.eip).toBe(0x10000c);
    expect(c.segSel[CS]).toBe(0x08);
    for (const s of [DS, ES, FS, GS, SS]) expect(c.segSel[s]).toBe(0x10);
    expect(c.segLimit[CS]).toBe(0xffffffff);
    expect(c.code32).toBe(true);
    expect(c.cr0).toBe(0x11);
    expect(c.getEflags()).toBe(0x2);
    expect(c.gdtrBase).toBe(m.boot.gdtAddr);
    expect(c.gdtrLimit).toBe(23);
    expect(c.cpl).toBe(0);
  });

  it('runs the kernel: it sees the magic and the info flags', () => {
    const out = new CapturedOutput();
    const m = new MultibootMachine({ kernel: simpleKernel(), console: out.sink });
    expect(m.run(100)).toEqual({ kind: 'debug-exit', value: 0x4f, status: 0x9f });
    expect(out.text()).toBe('o');
  });
});
