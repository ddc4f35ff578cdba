// Xen error codes (public/errno.h). The header defines positive XEN_E* values, equal to Linux's;
// hypercalls return the negated value in EAX (xen-abi.md §2.1: "negative errno on failure").

/** Positive error numbers, `XEN_<name>` in public/errno.h. */
export const XenErrno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  EROFS: 30,
  EMLINK: 31,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENODATA: 61,
  ETIME: 62,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EILSEQ: 84,
  ERESTART: 85,
  ENOTSOCK: 88,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const;
export type XenErrnoName = keyof typeof XenErrno;

/** The value a failing hypercall leaves in EAX: `-XEN_<name>`, as a signed number. */
export function xenError(name: XenErrnoName): number {
  return -XenErrno[name];
}

/** The errno name for a hypercall result (negative number or its 32-bit unsigned form), if any. */
export function xenErrnoName(result: number): XenErrnoName | undefined {
  const v = -(result | 0);
  for (const [name, n] of Object.entries(XenErrno)) if (n === v) return name as XenErrnoName;
  return undefined;
}
