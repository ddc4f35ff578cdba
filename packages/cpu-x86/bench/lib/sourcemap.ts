/** A minimal source-map (v3) reader: generated (line, column) -> original file:line. */
import { readFileSync } from 'node:fs';

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((ch, i) => [ch, i]));

/** Segments of one generated line: [generatedColumn, sourceIndex, sourceLine, sourceColumn]. */
type Segment = [number, number, number, number];

export class SourceMap {
  readonly sources: string[];
  private readonly lines: Segment[][] = [];

  constructor(path: string) {
    const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[]; mappings: string };
    this.sources = map.sources;
    let src = 0;
    let srcLine = 0;
    let srcCol = 0;
    for (const line of map.mappings.split(';')) {
      const segs: Segment[] = [];
      let col = 0;
      for (const seg of line.split(',')) {
        if (seg === '') continue;
        const f = decodeVlq(seg);
        col += f[0];
        if (f.length >= 4) {
          src += f[1];
          srcLine += f[2];
          srcCol += f[3];
          segs.push([col, src, srcLine, srcCol]);
        }
      }
      this.lines.push(segs);
    }
  }

  /** Original position of a 0-based generated line/column, or null. */
  lookup(line: number, column: number): { source: string; line: number } | null {
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return null;
    let best: Segment | null = null;
    for (const s of segs) {
      if (s[0] <= column) best = s;
      else break;
    }
    best ??= segs[0];
    return { source: this.sources[best[1]], line: best[2] + 1 };
  }
}

function decodeVlq(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of s) {
    const digit = B64.get(ch);
    if (digit === undefined) throw new Error(`bad VLQ digit ${ch}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
