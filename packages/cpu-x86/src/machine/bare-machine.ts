/**
 * A bare PC-like machine around the CPU: RAM, the I/O bus, and the few
 * devices test kernels and firmware talk to (the 0xE9 debug console, a 16550
 * UART at COM1, QEMU's isa-debug-exit), with a run loop that says how the
 * run ended. There is no interrupt controller, timer or BIOS: a guest that
 * halts with interrupts enabled can never be woken, so that ends the run too.
 *
 * The ROM machine (rom-machine.ts) and the Multiboot loader (multiboot.ts)
 * build on this class.
 */
import { Cpu, StopReason } from '../cpu.js';
import { FLAG_IF } from '../constants.js';
import { IoBus, type IoDevice } from '../memory/io-bus.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { ConsoleOutput, type ByteSink } from './console-output.js';
import { DEBUG_CONSOLE_PORT, DebugConsole } from './debug-console.js';
import { ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, IsaDebugExit } from './isa-debug-exit.js';
import { PortLogTap } from './port-log.js';
import { COM1_PORT, Uart16550 } from './uart-16550.js';

export const DEFAULT_RAM_BYTES = 16 * 1024 * 1024;

export interface BareMachineOptions {
  /** RAM size in bytes (multiple of 4 KiB); default 16 MiB. */
  ramBytes?: number;
  /** Guest console output (port 0xE9 and COM1); default: discarded. */
  console?: ByteSink;
  /** Ports whose writes are logged (see port-log.ts). */
  portLog?: readonly number[];
  /** Receives port-log lines ("41\n"); default: discarded. */
  portLogSink?: (line: string) => void;
  /** isa-debug-exit ports: `{ port, size }`, or false for none. Default 0xF4, 4 ports. */
  debugExit?: { port: number; size: number } | false;
}

/** How a run ended. */
export type MachineEnd =
  /** HLT with IF=0: the conventional end of a bare-metal program. */
  | { kind: 'halt' }
  /** HLT with IF=1: nothing in this machine can raise an interrupt, so it would sleep forever. */
  | { kind: 'idle-halt' }
  /** Triple fault (shutdown): a PC would reset; QEMU -no-reboot exits. */
  | { kind: 'shutdown' }
  /** The guest wrote V to isa-debug-exit; `status` = (V << 1) | 1 as QEMU passes to exit(). */
  | { kind: 'debug-exit'; value: number; status: number }
  /** The instruction limit ran out. */
  | { kind: 'limit' };

/** Instructions per run slice (console output is flushed between slices). */
const SLICE = 1_000_000;

export class BareMachine {
  readonly memory: PhysicalMemory;
  readonly io = new IoBus();
  readonly cpu: Cpu;
  readonly console: ConsoleOutput;
  readonly debugConsole: DebugConsole;
  readonly uart: Uart16550;
  readonly debugExit: IsaDebugExit | undefined;
  readonly portTaps: PortLogTap[] = [];
  /** Devices by port, as registered here (the IoBus does not expose its map). */
  private readonly devices = new Map<number, IoDevice>();
  private end: MachineEnd | undefined;

  constructor(options: BareMachineOptions = {}) {
    this.memory = new PhysicalMemory(options.ramBytes ?? DEFAULT_RAM_BYTES);
    this.cpu = new Cpu({ memory: this.memory, io: this.io });
    this.console = new ConsoleOutput(options.console ?? (() => {}));
    this.debugConsole = new DebugConsole(this.console);
    this.attach(DEBUG_CONSOLE_PORT, 1, this.debugConsole);
    this.uart = new Uart16550(this.console, COM1_PORT);
    this.attach(COM1_PORT, 8, this.uart);
    const exit = options.debugExit ?? { port: ISA_DEBUG_EXIT_PORT, size: ISA_DEBUG_EXIT_SIZE };
    if (exit !== false) {
      this.debugExit = new IsaDebugExit((status) => {
        this.end = { kind: 'debug-exit', value: this.debugExit?.value ?? 0, status };
        this.cpu.requestStop();
      });
      this.attach(exit.port, exit.size, this.debugExit);
    }
    const sink = options.portLogSink ?? (() => {});
    for (const port of options.portLog ?? []) this.tapPort(port, sink);
  }

  /** Registers `device` for ports [port, port+count). */
  attach(port: number, count: number, device: IoDevice): void {
    for (let p = port; p < port + count; p++) this.devices.set(p & 0xffff, device);
    this.io.register(port, count, device);
  }

  /** Logs every write to `port` through `emit`, keeping the device already there. */
  tapPort(port: number, emit: (line: string) => void): PortLogTap {
    const tap = new PortLogTap(port & 0xffff, this.devices.get(port & 0xffff), emit);
    this.devices.set(port & 0xffff, tap);
    this.io.register(port, 1, tap);
    this.portTaps.push(tap);
    return tap;
  }

  /**
   * Runs until the program ends (see MachineEnd) or `maxInstructions` have
   * executed. Can be called again after 'limit' to continue.
   */
  run(maxInstructions = Number.POSITIVE_INFINITY): MachineEnd {
    const cpu = this.cpu;
    const stopAt = cpu.instructions + maxInstructions;
    this.end = undefined;
    try {
      for (;;) {
        const left = stopAt - cpu.instructions;
        if (left <= 0) return { kind: 'limit' };
        const reason = cpu.run(Math.min(SLICE, left));
        if (this.end !== undefined) return this.end;
        if (reason === StopReason.Shutdown) return { kind: 'shutdown' };
        if (reason === StopReason.Halt) {
          return (cpu.getEflags() & FLAG_IF) !== 0 ? { kind: 'idle-halt' } : { kind: 'halt' };
        }
        this.console.flush();
      }
    } finally {
      this.console.flush();
    }
  }
}
