// Xenstore errors travel as errno *names* (xenstore.txt: "ERROR E<something>|", the names of
// io/xs_wire.h's xsd_errors table), so the store speaks in names, not numbers.
import { XenErrno } from '@xen-ts/abi';

/**
 * The error names this store replies with. All but EQUOTA are in io/xs_wire.h's xsd_errors
 * (EPERM and E2BIG are in later versions of it); EQUOTA is what oxenstored sends for quota
 * violations and is available through `StoreOptions.quotaError`.
 */
export type XsErrorName =
  | 'EINVAL'
  | 'EACCES'
  | 'EEXIST'
  | 'EISDIR'
  | 'ENOENT'
  | 'ENOMEM'
  | 'ENOSPC'
  | 'EIO'
  | 'ENOTEMPTY'
  | 'ENOSYS'
  | 'EROFS'
  | 'EBUSY'
  | 'EAGAIN'
  | 'EISCONN'
  | 'E2BIG'
  | 'EPERM'
  | 'EQUOTA';

/** A refused store operation; `name` is what goes into the ERROR reply's payload. */
export class XsError extends Error {
  override readonly name: XsErrorName;
  constructor(name: XsErrorName, detail?: string) {
    super(detail ? `${name}: ${detail}` : name);
    this.name = name;
  }

  /** The positive Xen errno for the name (public/errno.h), if `@xen-ts/abi` lists it. */
  get errno(): number | undefined {
    return (XenErrno as Readonly<Record<string, number>>)[this.name];
  }
}

export function isXsError(e: unknown): e is XsError {
  return e instanceof XsError;
}
