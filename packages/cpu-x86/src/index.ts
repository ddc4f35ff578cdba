export { Cpu, CPU_FAULT, StopReason } from './cpu.js';
export type { CpuOptions, HostEntryHandler, InterruptLine } from './cpu.js';
export { PhysicalMemory } from './memory/physical-memory.js';
export type { MmioDevice } from './memory/physical-memory.js';
export { IoBus } from './memory/io-bus.js';
export type { IoDevice } from './memory/io-bus.js';
export * from './constants.js';
export { descAttr, descBase, descLimit } from './protected/descriptor.js';
