export * from './bvt-params.js';
export * from './bvt-scheduler.js';
export * from './plugin.js';
