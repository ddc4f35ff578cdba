// Boots the guests that need nothing beyond the minimal PV host (mini-pv-host.ts) in both
// layouts, to check the framework itself: entry, hypercall page, printf, page-table walks, trap
// bounces, ring 3, expected faults, event upcalls and HYPERVISOR_iret. The guests' verdicts on
// Xen semantics are for @xen-ts/hypervisor to earn; here they only show the framework works.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGuests, guestPath, LAYOUTS } from '../../src/index.js';
import { runSmokeGuest } from './mini-pv-host.js';

beforeAll(() => buildGuests({ quiet: true }), 600_000);

const POWEROFF = 0;
const CRASH = 3;

describe.each(LAYOUTS)('framework smoke test on a minimal PV host (%s)', (layout) => {
  it.each(['hello', 'traps', 'hole', 'events'])('%s passes every check and powers off', (name) => {
    const r = runSmokeGuest(readFileSync(guestPath(name, layout)), { layout });
    expect(r.console, r.console).toMatch(new RegExp(`XTF-DONE ${name} [1-9]\\d* 0\\n`));
    expect(r.console).not.toContain('XTF-FAIL');
    expect(r.shutdownReason).toBe(POWEROFF);
  });

  it('trap-unhandled crashes', () => {
    const r = runSmokeGuest(readFileSync(guestPath('trap-unhandled', layout)), { layout });
    expect(r.shutdownReason, r.console).toBe(CRASH);
    expect(r.console).not.toContain('XTF-DONE');
  });

  it('hypercall-fuzz survives 3000 calls and prints its histogram', () => {
    const r = runSmokeGuest(readFileSync(guestPath('hypercall-fuzz', layout)), { layout, cmdline: 'seed=3 count=3000' });
    expect(r.console, r.console).toMatch(/XTF-DONE hypercall-fuzz \d+ 0\n/);
    expect(r.console).toMatch(/^ +\d+ -38$/m);
    expect(r.shutdownReason).toBe(POWEROFF);
  });
});
