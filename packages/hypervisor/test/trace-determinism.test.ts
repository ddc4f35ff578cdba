// The same configuration and inputs give the same run (DESIGN.md §3), and the trace is a
// Trace Event file Perfetto can open.
import { buildGuests, findGuest } from '@xen-ts/test-guests';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootGuest } from './support/boot.js';

beforeAll(() => buildGuests({ quiet: true }), 300_000);

describe('determinism and tracing', () => {
  it('two runs of the same guest print the same and trace the same', () => {
    const a = bootGuest(findGuest('events'), '2level', { trace: true });
    const b = bootGuest(findGuest('events'), '2level', { trace: true });
    expect(a.output).toBe(b.output);
    expect(a.xen.trace.toTraceEventJson()).toBe(b.xen.trace.toTraceEventJson());
    expect(a.xen.now()).toBe(b.xen.now());
    expect(a.xen.stats.entries).toBe(b.xen.stats.entries);
  });

  it('exports hypercalls, bounces, upcalls and context switches as Trace Event JSON', () => {
    const r = bootGuest(findGuest('events'), 'pae', { trace: true });
    const json = JSON.parse(r.xen.trace.toTraceEventJson()) as {
      traceEvents: { name: string; ph: string; ts: number; tid: number; cat?: string }[];
    };
    const cats = new Set(json.traceEvents.map((e) => e.cat));
    expect(cats).toContain('hypercall');
    expect(cats).toContain('event');
    expect(cats).toContain('vcpu'); // slices from context switches
    expect(json.traceEvents.filter((e) => e.name === 'upcall').length).toBeGreaterThan(0);
    // Simulated time only moves forward on each track (one per physical CPU).
    for (const tid of new Set(json.traceEvents.map((e) => e.tid))) {
      const ts = json.traceEvents.filter((e) => e.ph === 'i' && e.tid === tid).map((e) => e.ts);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
    }
  });
});
