import { describe, expect, it } from 'vitest';
import { readCpio, writeCpio, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG } from '../src/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('cpio newc writer', () => {
  it('round-trips directories, files of every length modulo 4, symlinks and devices', () => {
    const files = ['', 'a', 'ab', 'abc', 'abcd', 'abcde'];
    const bytes = writeCpio([
      { type: 'dir', path: '/bin' },
      ...files.map((f, i) => ({ type: 'file' as const, path: `bin/f${i}`, data: text(f), mode: 0o640 })),
      { type: 'symlink', path: 'bin/sh', target: 'busybox' },
      { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    ]);
    expect(bytes.length % 4).toBe(0);
    const back = readCpio(bytes);
    expect(back.map((e) => e.path)).toEqual(['bin', ...files.map((_, i) => `bin/f${i}`), 'bin/sh', 'dev/console']);
    expect(back[0]!.mode).toBe(S_IFDIR | 0o755);
    files.forEach((f, i) => {
      expect(back[i + 1]!.mode).toBe(S_IFREG | 0o640);
      expect(new TextDecoder().decode(back[i + 1]!.data)).toBe(f);
    });
    expect(back[7]!.mode).toBe(S_IFLNK | 0o777);
    expect(new TextDecoder().decode(back[7]!.data)).toBe('busybox');
    expect(back[8]!.mode).toBe(S_IFCHR | 0o600);
    expect(back[8]!.rdev).toEqual([5, 1]);
  });

  it('writes the exact newc header layout (magic, 13 hex fields, name padded to 4)', () => {
    const bytes = writeCpio([{ type: 'file', path: 'x', data: text('hi') }], { mtime: 0x1234 });
    const head = new TextDecoder().decode(bytes.subarray(0, 110));
    expect(head).toBe(
      '070701' + // magic
        '00000001' + '000081a4' + '00000000' + '00000000' + '00000001' + '00001234' + '00000002' +
        '00000000' + '00000000' + '00000000' + '00000000' + '00000002' + '00000000',
    );
    // 110 + "x\0" = 112 (aligned), then "hi" + 2 bytes of padding, then the trailer.
    expect(new TextDecoder().decode(bytes.subarray(110, 116))).toBe('x\0hi\0\0');
    expect(new TextDecoder().decode(bytes.subarray(116 + 110, 116 + 121))).toBe('TRAILER!!!\0');
  });

  it('refuses names it cannot encode and reports truncated archives', () => {
    expect(() => writeCpio([{ type: 'dir', path: '' }])).toThrow(/bad path/);
    expect(() => writeCpio([{ type: 'file', path: 'a\0b', data: text('') }])).toThrow(/bad path/);
    const ok = writeCpio([{ type: 'file', path: 'f', data: text('data') }]);
    expect(() => readCpio(ok.subarray(0, 50))).toThrow(/truncated/);
    const bad = ok.slice();
    bad[0] = 0x41;
    expect(() => readCpio(bad)).toThrow(/bad magic/);
  });
});
