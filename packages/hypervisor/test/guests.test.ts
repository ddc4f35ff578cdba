// Every test guest of @xen-ts/test-guests, in both paging layouts: each reports its checks over
// the console and must end as its table entry says, with no host exception on the way.
import { ShutdownReason } from '@xen-ts/abi';
import { LAYOUTS, TEST_GUESTS, buildGuests, findGuest } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootGuest } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

describe.each(LAYOUTS)('hypercall continuations, %s paging', (layout) => {
  it('an 8,192-entry mmu_update is preempted at quantum ends and continued, and the guest cannot tell', () => {
    const r = bootGuest(findGuest('mmu'), layout);
    expect(r.fails, r.output).toEqual([]);
    expect(r.output).toContain('XTF-PASS long-batch-done');
    expect(r.output).toContain('XTF-PASS long-batch-stops-at-bad-entry');
    expect(r.xen.stats.continuations).toBeGreaterThanOrEqual(4); // two batches of about 3.3 quanta each
  });
});

describe.each(LAYOUTS)('test guests, %s paging', (layout) => {
  for (const guest of TEST_GUESTS.filter((g) => g.layouts.includes(layout))) {
    it(`${guest.name}: ${guest.description.slice(0, 70)}`, () => {
      const r = bootGuest(guest, layout);
      expect(r.xen.stats.hostErrors, r.xen.log.join('\n')).toBe(0);
      if (guest.expect === 'poweroff') {
        expect(r.fails, r.output).toEqual([]);
        expect(r.done, r.output).toBe(true);
        expect(r.passes).toBeGreaterThan(0);
        expect(r.reason).toBe(ShutdownReason.SHUTDOWN_poweroff);
      } else {
        expect(r.reason, r.output).toBe(ShutdownReason.SHUTDOWN_crash);
        if (guest.crashMessage) expect(r.crashMessage).toMatch(guest.crashMessage);
      }
    });
  }
});
