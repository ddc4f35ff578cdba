export * from './frame-table.js';
export * from './validate.js';
export * from './mmu.js';
export * from './mmu-update.js';
export * from './mmuext.js';
export * from './invariants.js';
