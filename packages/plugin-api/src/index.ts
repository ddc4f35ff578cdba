export * from './plugin.js';
export * from './scheduler.js';
export * from './guest-port.js';
export * from './device-backend.js';
