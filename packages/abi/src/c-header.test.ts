// The real proof of the layouts: the generated header compiled by an i386 compiler, whose
// _Static_asserts check every offset and size in the TypeScript tables.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_STRUCTS, cLiteral, generateCHeader } from './c-header.js';
import { XenErrno } from './errno.js';

const dir = mkdtempSync(join(tmpdir(), 'xen-ts-abi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gcc(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('gcc', ['-m32', ...args], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

writeFileSync(join(dir, 'probe.c'), 'int probe;\n');
const probe = gcc(['-c', 'probe.c', '-o', 'probe.o']);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!probe.ok && !inCi) {
  console.warn(`SKIPPING the gcc -m32 layout check: gcc -m32 is unavailable (install gcc-multilib).\n${probe.out}`);
}
const haveGcc = probe.ok || inCi; // in CI a missing compiler fails the test instead of skipping it

describe('generateCHeader', () => {
  const header = generateCHeader();

  it('has an include guard, defines and asserts for every struct', () => {
    expect(header).toMatch(/#ifndef XEN_TS_ABI_H/);
    expect(header).toContain('#define __HYPERVISOR_mmu_update 1\n');
    expect(header).toContain('#define FLAT_RING1_CS 0x0000E019\n');
    expect(header).toContain('#define HYPERVISOR_VIRT_START_PAE 0xF5800000U\n');
    expect(header).toContain('#define XEN_EINVAL 22\n');
    expect(header).toContain('#define GNTST_no_space (-13)\n');
    expect(header).toContain('#define XENMEM_populate_physmap 6\n');
    expect(header).toContain('#define VCPUOP_set_singleshot_timer 8\n');
    expect(header).toContain('#define CALLBACKF_mask_events 1\n');
    expect(header).toContain('#define XENFEAT_dom0 11\n');
    expect(header).toContain('#define PHYSDEVOP_set_iopl 6\n');
    expect(header).toContain('    struct xen_callback address; /* +4, 8 bytes */');
    for (const s of ALL_STRUCTS) {
      expect(header).toContain(`struct ${s.cName} {`);
      expect(header).toContain(`_Static_assert(sizeof(struct ${s.cName}) == ${s.size},`);
    }
  });

  it('formats literals', () => {
    expect(cLiteral(5)).toBe('5');
    expect(cLiteral(-1)).toBe('(-1)');
    expect(cLiteral(0xffff)).toBe('0x0000FFFF');
    expect(cLiteral(0xfc000000)).toBe('0xFC000000U');
    expect(() => cLiteral(2 ** 32)).toThrow(RangeError);
  });

  it.skipIf(!haveGcc)('compiles with gcc -m32: every _Static_assert holds on i386', () => {
    writeFileSync(join(dir, 'xen-ts-abi.h'), header);
    const errnoChecks = Object.keys(XenErrno)
      .map((n) => `_Static_assert(XEN_${n} == ${n}, "XEN_${n} matches Linux");`)
      .join('\n');
    writeFileSync(
      join(dir, 'check.c'),
      [
        '#include <errno.h>',
        '#include "xen-ts-abi.h"',
        '_Static_assert(sizeof(void *) == 4, "i386");',
        '_Static_assert(FLAT_RING1_CS == 0xE019, "selector");',
        '_Static_assert(__HYPERVISOR_event_channel_op == 32, "hypercall");',
        errnoChecks,
        'struct shared_info shared;',
        // Nested layouts as a guest writes them (designated initialisers of the inner struct).
        'struct callback_register cb = { .type = CALLBACKTYPE_event, .address = { .cs = FLAT_RING1_CS, .eip = 1 } };',
        'struct gnttab_copy cp = { .source = { .u = 1, .domid = DOMID_SELF }, .flags = GNTCOPY_source_gref };',
        '_Static_assert(sizeof(((struct vcpu_runstate_info *)0)->time) / sizeof(uint64_t) == RUNSTATE_offline + 1, "time[] per runstate");',
        'int main(void) { return (int)sizeof(struct start_info) - 1112; }',
        '',
      ].join('\n'),
    );
    const r = gcc(['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-c', 'check.c', '-o', 'check.o']);
    expect(r.out).toBe('');
    expect(r.ok).toBe(true);
  });

  it.skipIf(!haveGcc)('is usable from assembly (defines only under __ASSEMBLER__)', () => {
    writeFileSync(join(dir, 'xen-ts-abi.h'), header);
    writeFileSync(
      join(dir, 'stub.S'),
      '#include "xen-ts-abi.h"\n.text\n.globl hc\nhc:\n  movl $__HYPERVISOR_sched_op, %eax\n  int $HYPERCALL_VECTOR\n  ret\n',
    );
    const r = gcc(['-c', 'stub.S', '-o', 'stub.o']);
    expect(r.out).toBe('');
    expect(r.ok).toBe(true);
  });

  it.skipIf(!haveGcc)('the asserts really bite: a wrong offset fails to compile', () => {
    const bad = header.replace(
      'offsetof(struct trap_info, address) == 4',
      'offsetof(struct trap_info, address) == 8',
    );
    expect(bad).not.toBe(header);
    writeFileSync(join(dir, 'bad.h'), bad);
    writeFileSync(join(dir, 'bad.c'), '#include "bad.h"\n');
    const r = gcc(['-std=c11', '-c', 'bad.c', '-o', 'bad.o']);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/offsetof\(struct trap_info, address\)/);
  });
});
