export * from './credit-params.js';
export * from './credit-scheduler.js';
export * from './plugin.js';
