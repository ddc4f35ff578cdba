import { describe, expect, it } from 'vitest';
import { ringNeedsNotify, ringSize, ringSlot, roundDownPow2 } from './ring.js';
import { maskXenconsIdx } from './console.js';
import { maskXenstoreIdx } from './xenstore.js';

describe('io/ring.h (xen-abi.md §2.15)', () => {
  it('sizes rings by the power-of-two rule', () => {
    expect(ringSize(108)).toBe(32); // blkif, i386
    expect(ringSize(112)).toBe(32); // blkif, x86_64
    expect(ringSize(12)).toBe(256); // netif TX
    expect(ringSize(8)).toBe(256); // netif RX
    expect(roundDownPow2(1)).toBe(1);
    expect(roundDownPow2(0)).toBe(0);
    expect(roundDownPow2(63)).toBe(32);
  });
  it('uses free-running indices', () => {
    expect(ringSlot(0xffffffff, 32)).toBe(31);
    expect(ringSlot(33, 32)).toBe(1);
    expect(maskXenconsIdx(2050, 2048)).toBe(2);
    expect(maskXenstoreIdx(1025)).toBe(1);
  });
  it('notifies only when the event index is in (old, new]', () => {
    expect(ringNeedsNotify(0, 1, 1)).toBe(true);
    expect(ringNeedsNotify(1, 3, 1)).toBe(false);
    expect(ringNeedsNotify(1, 3, 3)).toBe(true);
    expect(ringNeedsNotify(1, 3, 4)).toBe(false);
    expect(ringNeedsNotify(0xffffffff, 1, 0)).toBe(true); // wraps
  });
});
