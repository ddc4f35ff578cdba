// A guest port: an operating system ported to the PV interface (xenolinux, later a BSD).
import type { InjectionToken } from 'tsyringe';

export interface GuestPort {
  /** e.g. `xenolinux`; a domain config's `type=` or the default kernel selects it. */
  readonly name: string;
  readonly description: string;
  /** Absolute path of the kernel ELF (built by the port's package). */
  kernelPath(): string;
  /** Absolute path of the default ramdisk, if the port ships one. */
  ramdiskPath?(): string | undefined;
  /** Default kernel command line. */
  readonly defaultCmdline: string;
  /** Frontend device kinds the kernel drives (`vbd`, `vif`, `console`). */
  readonly devices: readonly string[];
}
export const GuestPort: InjectionToken<GuestPort> = Symbol('GuestPort');
