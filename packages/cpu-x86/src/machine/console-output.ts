/**
 * A byte stream out of the machine (guest console, port logs): bytes are
 * buffered and handed to a sink in chunks, so that a guest printing one byte
 * per OUT instruction does not cost one host write per byte.
 */

/** Receives chunks of output bytes (e.g. `(b) => fs.writeSync(1, b)`). */
export type ByteSink = (bytes: Uint8Array) => void;

/**
 * Buffered output: flushed when the buffer fills, on `flush()`, and (unless
 * `flushOnNewline` is false) at every newline, so that an interactive console
 * shows whole lines as they come.
 */
export class ConsoleOutput {
  private readonly buffer: Uint8Array;
  private length = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly flushOnNewline = true,
    capacity = 4096,
  ) {
    this.buffer = new Uint8Array(capacity);
  }

  put(byte: number): void {
    this.buffer[this.length++] = byte;
    if (this.length === this.buffer.length || (byte === 0x0a && this.flushOnNewline)) this.flush();
  }

  putString(text: string): void {
    for (const b of Buffer.from(text, 'utf8')) this.put(b);
  }

  flush(): void {
    if (this.length === 0) return;
    const chunk = this.buffer.slice(0, this.length);
    this.length = 0;
    this.sink(chunk);
  }
}

/** A sink that keeps everything (tests, and embedders that want the text). */
export class CapturedOutput {
  private readonly chunks: Uint8Array[] = [];
  readonly sink: ByteSink = (bytes) => {
    this.chunks.push(bytes.slice());
  };

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}
