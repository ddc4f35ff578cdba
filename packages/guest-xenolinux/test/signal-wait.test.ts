// The alternate signal stack and waitid: test/signal-wait-probe.c (a static i386 program without
// libc) runs natively on this host and as init on XenoLinux, and the two outputs must be
// identical: sigaltstack's errors and flags, where SA_ONSTACK handlers run, uc_stack,
// SS_AUTODISARM, and waitid's siginfo for exited, killed, stopped and continued children.
import { describe, expect, it } from 'vitest';
import { INIT_EXIT_0, runProbe, useProbe } from './support/probe.js';

const probe = useProbe('signal-wait-probe.c');

describe('sigaltstack and waitid match Linux', () => {
  it('handlers run where Linux runs them, and waitid reports children as Linux does', () => {
    const r = runProbe(probe());
    expect(r.hostErrors).toBe(0);
    // Fixed facts, on any host.
    expect(r.guest).toContain('SA_ONSTACK handler: on the alternate stack 1, flags seen inside 1, sigaltstack inside -1');
    expect(r.guest).toContain('SIGSTOP, WSTOPPED: rc 0, signo 17, code 5, status 19\n');
    expect(r.guest).toContain('exit(7), WNOWAIT: rc 0, signo 17, code 1, status 7\n');
    expect(r.guest.endsWith(INIT_EXIT_0)).toBe(true);
    if (r.native !== null) expect(r.guest).toBe(r.native + INIT_EXIT_0); // needs a host that runs i386 code
  });
});
