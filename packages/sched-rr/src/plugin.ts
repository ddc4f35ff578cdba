import { PLUGIN_API_VERSION, SchedulerRegistration, definePlugin } from '@xen-ts/plugin-api';
import { RoundRobinScheduler } from './rr-scheduler.js';

/** The registration the config selects with `scheduler: rr`. */
export const roundRobinRegistration: SchedulerRegistration = {
  name: 'rr',
  description: 'Round-robin: fixed slice (sliceMs, default 10), one global FIFO run queue',
  scheduler: RoundRobinScheduler,
};

export const schedRrPlugin = definePlugin({
  name: 'sched-rr',
  apiVersion: PLUGIN_API_VERSION,
  register(container) {
    container.register(SchedulerRegistration, { useValue: roundRobinRegistration });
  },
});
