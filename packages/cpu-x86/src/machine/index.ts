/** Bare-metal machines for `x86-run --rom` and `x86-run --multiboot`, and their devices. */
export { BareMachine, DEFAULT_RAM_BYTES } from './bare-machine.js';
export type { BareMachineOptions, MachineEnd } from './bare-machine.js';
export { CapturedOutput, ConsoleOutput } from './console-output.js';
export type { ByteSink } from './console-output.js';
export { DEBUG_CONSOLE_PORT, DebugConsole } from './debug-console.js';
export { isElf, parseElf32, PT_LOAD } from './elf32.js';
export type { Elf32Image, Elf32Segment } from './elf32.js';
export {
  debugExitProcessStatus, debugExitStatus, ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, IsaDebugExit,
} from './isa-debug-exit.js';
export {
  DEFAULT_BOOT_LOADER_NAME, enterMultiboot, loadMultibootKernel, MULTIBOOT_CS, MULTIBOOT_DS, MULTIBOOT_ESP,
  MultibootMachine, prepareMultiboot,
} from './multiboot.js';
export type { LoadedKernel, ModuleImage, MultibootBoot, MultibootOptions } from './multiboot.js';
export { findMultibootHeader, MULTIBOOT_HEADER_MAGIC } from './multiboot-header.js';
export type { MultibootHeader } from './multiboot-header.js';
export * from './multiboot-info.js';
export { formatPortLogByte, parsePortLog, PortLogTap } from './port-log.js';
export { formatRegisterDump, registerValues } from './register-dump.js';
export { LOW_ROM_WINDOW, MAX_ROM_BYTES, RomMachine } from './rom-machine.js';
export type { RomMachineOptions } from './rom-machine.js';
export { RomWindow } from './rom-window.js';
export { COM1_PORT, COM2_PORT, Uart16550 } from './uart-16550.js';
