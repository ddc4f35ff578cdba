import { PLUGIN_API_VERSION, SchedulerRegistration, definePlugin } from '@xen-ts/plugin-api';
import { CreditScheduler } from './credit-scheduler.js';

/** The registration the config selects with `scheduler: credit`. */
export const creditRegistration: SchedulerRegistration = {
  name: 'credit',
  description: "Xen's credit1: weight (default 256) and cap per domain, 30 ms tslice, BOOST on wake, work stealing",
  scheduler: CreditScheduler,
};

export const schedCreditPlugin = definePlugin({
  name: 'sched-credit',
  apiVersion: PLUGIN_API_VERSION,
  register(container) {
    container.register(SchedulerRegistration, { useValue: creditRegistration });
  },
});
