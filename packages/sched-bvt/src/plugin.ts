import { PLUGIN_API_VERSION, SchedulerRegistration, definePlugin } from '@xen-ts/plugin-api';
import { BvtScheduler } from './bvt-scheduler.js';

/** The registration the config selects with `scheduler: bvt` (the paper's scheduler). */
export const bvtRegistration: SchedulerRegistration = {
  name: 'bvt',
  description: 'Borrowed Virtual Time (Duda & Cheriton), Xen 1.x/2.0: mcuadv, warp, warpl, warpu per domain',
  scheduler: BvtScheduler,
};

export const schedBvtPlugin = definePlugin({
  name: 'sched-bvt',
  apiVersion: PLUGIN_API_VERSION,
  register(container) {
    container.register(SchedulerRegistration, { useValue: bvtRegistration });
  },
});
