// Builds every guest and checks each image carries what the domain builder needs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_DIR,
  PACKAGE_DIR,
  TEST_GUESTS,
  TOOL_GUESTS,
  XenNoteType,
  buildGuests,
  findGuest,
  guestCmdline,
  guestPath,
  parseXenNotes,
} from '../src/index.js';

const VIRT_BASE = 0xc0000000n;
const EM_386 = 3;

beforeAll(() => {
  buildGuests({ quiet: true });
}, 600_000);

describe('build', () => {
  it('writes the generated ABI header', () => {
    const h = readFileSync(join(BUILD_DIR, 'include', 'xen-ts-abi.h'), 'utf8');
    expect(h).toContain('#define __HYPERVISOR_iret 23');
  });

  it('builds every guest listed in the Makefile, and the table lists exactly those', () => {
    const mk = readFileSync(join(PACKAGE_DIR, 'Makefile'), 'utf8');
    const m = /^GUESTS := ((?:.*\\\n)*.*)$/m.exec(mk);
    expect(m).not.toBeNull();
    const names = m![1]!.replace(/\\\n/g, ' ').split(/\s+/).filter(Boolean);
    expect([...names, 'hello-legacy'].sort()).toEqual([...TEST_GUESTS, ...TOOL_GUESTS].map((g) => g.name).sort());
  });
});

describe.each([...TEST_GUESTS, ...TOOL_GUESTS].flatMap((g) => g.layouts.map((layout) => ({ g, layout }))))(
  '$g.name ($layout)',
  ({ g, layout }) => {
    const path = guestPath(g.name, layout);

    it('exists and is an i386 ELF loaded at VIRT_BASE with VMA = LMA', () => {
      expect(existsSync(path)).toBe(true);
      const elf = parseXenNotes(readFileSync(path));
      expect(elf.machine).toBe(EM_386);
      expect(elf.loadSegments.length).toBeGreaterThan(0);
      for (const s of elf.loadSegments) {
        expect(s.vaddr).toBe(s.paddr);
        expect(BigInt(s.vaddr)).toBeGreaterThanOrEqual(VIRT_BASE);
      }
      expect(elf.loadSegments[0]!.vaddr).toBe(Number(VIRT_BASE));
    });

    if (g.name === 'hello-legacy') {
      it('carries only the legacy __xen_guest section', () => {
        const elf = parseXenNotes(readFileSync(path));
        expect(elf.notes.size).toBe(0);
        const l = elf.legacy!;
        expect(l).toBeDefined();
        expect(l.get('LOADER')).toBe('generic');
        expect(l.get('XEN_VER')).toBe('xen-3.0');
        expect(l.get('GUEST_OS')).toBe('xen-ts-test');
        expect(BigInt(l.get('VIRT_BASE')!)).toBe(VIRT_BASE);
        expect(BigInt(l.get('ELF_PADDR_OFFSET')!)).toBe(VIRT_BASE);
        expect(BigInt(l.get('VIRT_ENTRY')!)).toBe(BigInt(elf.entry));
        // HYPERCALL_PAGE is a page number relative to VIRT_BASE.
        const hcp = VIRT_BASE + (BigInt(l.get('HYPERCALL_PAGE')!) << 12n);
        expect(hcp).toBe(0xc0001000n);
        expect(l.get('PAE')).toBe(layout === 'pae' ? 'yes' : 'no');
        expect(l.get('FEATURES')).toBe('!writable_page_tables');
      });
      return;
    }

    it('carries the Xen notes', () => {
      const elf = parseXenNotes(readFileSync(path));
      expect(elf.legacy).toBeUndefined();
      expect(elf.string(XenNoteType.GUEST_OS)).toBe('xen-ts-test');
      expect(elf.string(XenNoteType.XEN_VERSION)).toBe('xen-3.0');
      expect(elf.string(XenNoteType.LOADER)).toBe('generic');
      expect(elf.number(XenNoteType.VIRT_BASE)).toBe(VIRT_BASE);
      expect(elf.number(XenNoteType.PADDR_OFFSET)).toBe(VIRT_BASE);
      expect(elf.string(XenNoteType.PAE_MODE)).toBe(layout === 'pae' ? 'yes' : 'no');
      expect(elf.string(XenNoteType.FEATURES)).toBe('!writable_page_tables');
    });

    it('has ENTRY = e_entry inside the image and a page-aligned hypercall page in the image', () => {
      const elf = parseXenNotes(readFileSync(path));
      const entry = elf.number(XenNoteType.ENTRY)!;
      expect(entry).toBe(BigInt(elf.entry));
      const seg = elf.loadSegments[0]!;
      const end = BigInt(seg.vaddr + seg.filesz);
      expect(entry >= BigInt(seg.vaddr) && entry < end).toBe(true);
      const hcp = elf.number(XenNoteType.HYPERCALL_PAGE)!;
      expect(hcp).toBe(0xc0001000n);
      expect(hcp % 4096n).toBe(0n);
      expect(hcp + 4096n <= end).toBe(true);
    });
  },
);

describe('table', () => {
  it('has two crash guests (trap-unhandled, failsafe-unusable), the rest power off', () => {
    expect(TEST_GUESTS.filter((g) => g.expect === 'crash').map((g) => g.name)).toEqual(['trap-unhandled', 'failsafe-unusable']);
  });

  it('fills the peer placeholders and refuses to run a peer guest without one', () => {
    expect(guestCmdline(findGuest('mmu'), { mfn: 0x1234, domid: 7 })).toBe('peer_mfn=0x1234');
    expect(guestCmdline(findGuest('grants'), { mfn: 1, domid: 7 })).toBe('peer_domid=7');
    expect(() => guestCmdline(findGuest('mmu'))).toThrow(/needs a peer/);
    expect(guestCmdline(findGuest('hello'))).toBe('');
    expect(() => findGuest('nope')).toThrow(/no guest named/);
  });

  it('marks exactly the guests that use placeholders as needsPeer', () => {
    for (const g of TEST_GUESTS) expect(Boolean(g.needsPeer)).toBe(/\{peer_/.test(g.cmdline ?? ''));
  });
});

describe('framework pieces on the host', () => {
  it('lib/printf.c formats like the C library (built -m32, run natively)', () => {
    const out = join(BUILD_DIR, 'host', 'printf-check');
    mkdirSync(dirname(out), { recursive: true });
    execFileSync('gcc', [
      '-m32', '-O2', '-Wall', '-Werror', '-Wno-format',
      '-Dvsnprintf=xtf_vsnprintf', '-Dsnprintf=xtf_snprintf', '-Dprintk=xtf_printk',
      '-DCONFIG_PAE=0', `-I${join(BUILD_DIR, 'include')}`, `-I${join(PACKAGE_DIR, 'lib')}`,
      '-fno-builtin', '-c', join(PACKAGE_DIR, 'lib', 'printf.c'), '-o', `${out}-printf.o`,
    ]);
    execFileSync('gcc', ['-m32', '-O2', '-o', out, join(PACKAGE_DIR, 'test', 'host', 'printf-check.c'), `${out}-printf.o`]);
    const result = execFileSync(out, { encoding: 'utf8' });
    expect(result).toContain('printf-check: ok');
  });
});
