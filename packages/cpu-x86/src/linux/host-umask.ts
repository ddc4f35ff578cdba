/**
 * The guest's umask is the host process's: files the guest creates are made
 * by the host kernel, which applies the process umask.
 */

/** The host process's umask, which the guest starts with. */
export function hostUmask(): number {
  return process.umask();
}

/** Sets the host umask; worker threads cannot, and there it stays the host's. */
export function setHostUmask(mask: number): void {
  try {
    process.umask(mask);
  } catch {
    // ERR_WORKER_UNSUPPORTED_OPERATION
  }
}
