// A refused control request. `code` is a Xen/POSIX errno name (ESRCH, EINVAL, EEXIST, ENOMEM,
// ENOENT, ...) or EBADCONFIG; it travels over the socket and decides the client's exit code.

export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
