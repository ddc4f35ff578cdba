export * from './timer-queue.js';
export * from './runstate.js';
export * from './sched-error.js';
export * from './sched-core.js';
export * from './instantiate.js';
