// What `xen` exits with. Scripts can tell "no such domain" from "bad config" from "not running".

export const ExitCode = {
  /** Done. */
  OK: 0,
  /** The hypervisor refused or the operation failed (no such domain, bad parameter, out of memory, ...). */
  FAILED: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** A configuration file is wrong (the message names file:line and what is expected) or a plugin is missing. */
  CONFIG: 3,
  /** No hypervisor is running on the control socket. */
  NOT_RUNNING: 4,
  /** `xen start`: a hypervisor is already running on the control socket. */
  ALREADY_RUNNING: 5,
  /** A bug or a fault of the host program (EX_SOFTWARE). */
  INTERNAL: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure that decides the exit code; its message is printed as `xen: message`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The exit code for a server error code (protocol.ts ErrorBody.code). */
export function exitCodeForServerError(code: string): number {
  if (code === 'EBADCONFIG') return ExitCode.CONFIG;
  if (code === 'EADDRINUSE') return ExitCode.ALREADY_RUNNING;
  if (code === 'EPROTO') return ExitCode.INTERNAL;
  return ExitCode.FAILED;
}
