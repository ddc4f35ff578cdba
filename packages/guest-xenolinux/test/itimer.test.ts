// Interval timers and CPU time: test/itimer-probe.c (a static i386 program without libc) runs
// natively on this host and as init on XenoLinux; it prints only what does not depend on the
// machine's speed (return values, which signals came, whether time was counted), so the two
// outputs must be identical.
import { describe, expect, it } from 'vitest';
import { INIT_EXIT_0, runProbe, useProbe } from './support/probe.js';

const probe = useProbe('itimer-probe.c');

describe('alarm, setitimer, times and rusage match Linux', () => {
  it('timers fire with their signals, CPU time is counted, and the values returned are native ones', () => {
    const r = runProbe(probe());
    expect(r.hostErrors).toBe(0);
    // Fixed facts, on any host.
    expect(r.guest).toContain('pause until SIGALRM: -4\n  SIGALRM handled: 1\n');
    expect(r.guest).toContain('SIGVTALRM handled: 3\n');
    expect(r.guest).toContain('times: user time counted: 1\n');
    expect(r.guest).toContain('  child exit status (0: no alarm inherited): 0\n');
    expect(r.guest).toContain('child killed by signal: 14\n');
    expect(r.guest.endsWith(INIT_EXIT_0)).toBe(true);
    if (r.native !== null) expect(r.guest).toBe(r.native + INIT_EXIT_0); // needs a host that runs i386 code
  });
});
