export * from './rr-scheduler.js';
export * from './plugin.js';
