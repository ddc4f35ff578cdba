// @xen-ts/sched-core/testing: the workload simulator and the contract every scheduler runs.
export * from './simulator.js';
export * from './contract.js';
export * from './describe-contract.js';
export * from './test-core.js';
