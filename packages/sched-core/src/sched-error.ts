// Errors of the scheduling framework. Bad requests carry Xen's negative errno so the hypervisor
// can return it to the guest or toolstack unchanged; a misbehaving scheduler is a host bug.
import { XenErrno } from '@xen-ts/abi';

/** A refused request (unknown domain, bad parameter, ...). `errno` is negative, e.g. -EINVAL. */
export class SchedError extends Error {
  override readonly name = 'SchedError';
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }

  static invalid(message: string): SchedError {
    return new SchedError(-XenErrno.EINVAL, message);
  }
  static noSuchDomain(domid: number): SchedError {
    return new SchedError(-XenErrno.ESRCH, `no scheduler domain ${domid}`);
  }
  static exists(message: string): SchedError {
    return new SchedError(-XenErrno.EEXIST, message);
  }
}

/** A scheduler broke the contract of `@xen-ts/plugin-api` (e.g. picked a blocked unit). Never caught. */
export class SchedulerContractError extends Error {
  override readonly name = 'SchedulerContractError';
  constructor(
    readonly schedulerName: string,
    message: string,
  ) {
    super(`scheduler '${schedulerName}': ${message}`);
  }
}
