// A dom0 device backend (blkback, netback): attaches to a frontend through xenstore, grants and
// an event channel, and serves its ring.
import type { InjectionToken } from 'tsyringe';

export interface DeviceBackend {
  /** The xenstore device type it serves: `vbd`, `vif`. */
  readonly type: string;
  /** Parses one `disk=`/`vif=` entry of a domain config; throws with a message that says what to fix. */
  parseSpec(spec: string): unknown;
  /** Creates the backend instance for device `devid` of domain `domid`. */
  attach(domid: number, devid: number, spec: unknown): void;
  detach(domid: number, devid: number): void;
}
export const DeviceBackend: InjectionToken<DeviceBackend> = Symbol('DeviceBackend');
