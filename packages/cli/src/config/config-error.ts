// A configuration error that names where it is and what was expected (DESIGN.md §6: "what is
// wrong, where, and what to do"). The text reads `file:line: message`, like a compiler's.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The file as the user named it (or `<command line>`, `<default>`). */
    readonly file: string,
    /** 1-based line, or 0 when the error is about the whole file. */
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}
