import { describeSchedulerContract } from '@xen-ts/sched-core/testing';
import { creditRegistration } from '../src/index.js';

const MS = 1_000_000;

// Credit1 is coarse by design: credit is handed out once per 30 ms tslice and a waking unit is
// boosted only while it has credit, so an I/O unit that went OVER waits like any other OVER
// unit (up to two tslices behind two hogs). Measured: shares within 8% (1 pCPU), waits ≤ 180 ms,
// wake latency ≤ 57 ms, no idle pCPU while work waits.
describeSchedulerContract(creditRegistration, {
  tolerance: 0.1,
  smpTolerance: 0.1,
  weightParams: (weight) => ({ weight: 256 * weight }),
  maxRunnableWaitNs: 300 * MS,
  maxWakeLatencyNs: 2 * 30 * MS + 10 * MS,
  maxIdleWithWorkNs: 0,
});
