import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { parseXlConfig } from '../src/config/xl-cfg.js';

function errorOf(text: string, file = 'dom.cfg'): ConfigError {
  try {
    parseXlConfig(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('xl.cfg parser: values', () => {
  it('reads strings in both quotes, numbers, comments and ; separators', () => {
    const cfg = parseXlConfig(
      [
        '# a domain',
        'name = "guest-1"   # trailing comment',
        "kernel='/boot/vmlinuz'",
        'memory = 64; vcpus = 2',
        'hex = 0x40',
        'ratio = 1.5',
        'neg = -3',
        'extra = "console=hvc0 # not a comment"',
      ].join('\n'),
      'g.cfg',
    );
    expect(cfg.string('name')).toBe('guest-1');
    expect(cfg.string('kernel')).toBe('/boot/vmlinuz');
    expect(cfg.integer('memory', 1, 100)).toBe(64);
    expect(cfg.integer('vcpus', 1, 4)).toBe(2);
    expect(cfg.integer('hex', 0, 100)).toBe(64);
    expect(cfg.number('ratio', 0)).toBe(1.5);
    expect(cfg.get('neg')?.value).toBe(-3);
    expect(cfg.string('extra')).toBe('console=hvc0 # not a comment');
    expect(cfg.get('vcpus')?.line).toBe(4);
  });

  it('decodes escapes and keeps the other quote literally', () => {
    const cfg = parseXlConfig(`a = "say \\"hi\\"\\n\\tx\\\\"\nc = "it's"\nd = 'a "b"'\ne = "\\x41"`, 'e.cfg');
    expect(cfg.string('a')).toBe('say "hi"\n\tx\\');
    expect(cfg.string('c')).toBe("it's");
    expect(cfg.string('d')).toBe('a "b"');
    expect(cfg.string('e')).toBe('A');
  });

  it('reads lists over several lines with comments and a trailing comma', () => {
    const cfg = parseXlConfig(
      ["disk = [ 'file:/a.img,xvda,w',   # root", '         "/b.img,,xvdb,ro",', '', ']', 'nums = [1, 0x2, 3]', 'empty = []'].join('\n'),
      'l.cfg',
    );
    expect(cfg.stringList('disk')).toEqual(['file:/a.img,xvda,w', '/b.img,,xvdb,ro']);
    expect(cfg.get('disk')?.line).toBe(1);
    expect(cfg.get('nums')?.value).toEqual([1, 2, 3]);
    expect(cfg.get('empty')?.value).toEqual([]);
    expect(cfg.get('nums')?.line).toBe(5);
  });

  it('lets the last assignment win and += append', () => {
    const cfg = parseXlConfig('memory = 32\nmemory = 64\nvif = [ "a" ]\nvif += [ "b" ]\nextra = "x"\nextra += " y"\nnew += [ "z" ]', 'p.cfg');
    expect(cfg.integer('memory', 1, 100)).toBe(64);
    expect(cfg.stringList('vif')).toEqual(['a', 'b']);
    expect(cfg.string('extra')).toBe('x y');
    expect(cfg.stringList('new')).toEqual(['z']);
  });

  it('accepts quoted digits where an integer is expected, as xl does', () => {
    expect(parseXlConfig('memory = "128"', 'q.cfg').integer('memory', 1, 200)).toBe(128);
  });
});

describe('xl.cfg parser: every error names file:line and what is expected', () => {
  const cases: [string, string, number, RegExp][] = [
    ['unterminated string', 'name = "abc\nmemory = 4', 1, /unterminated string: expected a closing "/],
    ['unterminated single-quoted string', "a = 1\nkernel = 'x", 2, /expected a closing '/],
    ['unknown escape', 'a = "\\q"', 1, /unknown escape '\\q'/],
    ['bare word value', 'name = guest', 1, /expected a value for 'name': a quoted string, a number or a list .*found 'guest'/],
    ['missing =', '\n\nmemory 64', 3, /expected '=' after 'memory', found the number 64/],
    ['missing value', 'memory =\nvcpus = 1', 1, /expected a value for 'memory'.*found the end of the line/],
    ['value at end of file', 'memory =', 1, /found the end of the file/],
    ['two values', 'memory = 64 128', 1, /expected the end of the setting 'memory' \(a new line or ';'\), found the number 128/],
    ['setting without a name', '= 5', 1, /expected a setting name \(KEY = VALUE\), found '='/],
    ['bad number', 'memory = 64M', 1, /'64M' is not a number/],
    ['stray character', 'a = 1\n@', 2, /unexpected character '@'/],
    ['unterminated list', "a = 1\ndisk = [ 'x',\n 'y'\n", 2, /unterminated list: expected '\]' to close the '\[' opened on this line/],
    ['missing comma', "disk = [ 'x'\n 'y' ]", 2, /expected ',' or '\]' in the list opened on line 1, found the string "y"/],
    ['nested list', 'a = [ [ 1 ] ]', 1, /lists do not nest/],
    ['bad list item', 'a = [ 1, = ]', 1, /expected a quoted string, a number or '\]' in the list opened on line 1, found '='/],
    ['+= of different kinds', 'a = "x"\na += [ "y" ]', 2, /'a \+=' needs a list added to a list or a string to a string/],
  ];
  for (const [what, text, line, message] of cases) {
    it(what, () => {
      const e = errorOf(text, 'etc/dom.cfg');
      expect(e.file).toBe('etc/dom.cfg');
      expect(e.line).toBe(line);
      expect(e.message.startsWith(`etc/dom.cfg:${line}: `)).toBe(true);
      expect(e.detail).toMatch(message);
    });
  }

  it('typed accessors name the key, its line and the expected type or range', () => {
    const cfg = parseXlConfig('name = 5\nmemory = "lots"\nvcpus = 99\ndisk = [ 1 ]\npaging = "3level"\nratio = "x"', 'k.cfg');
    expect(() => cfg.string('name')).toThrow(/^k\.cfg:1: 'name' expects a quoted string, e\.g\. name = "…", got the number 5$/);
    expect(() => cfg.integer('memory', 1, 10, 'MiB')).toThrow(/^k\.cfg:2: 'memory' expects an integer 1\.\.10 MiB, got the string "lots"$/);
    expect(() => cfg.integer('vcpus', 1, 32)).toThrow(/^k\.cfg:3: 'vcpus' must be 1\.\.32, got 99$/);
    expect(() => cfg.stringList('disk')).toThrow(/^k\.cfg:4: 'disk' expects a list of quoted strings, item 1 is the number 1$/);
    expect(() => cfg.choice('paging', ['2level', 'pae'])).toThrow(/^k\.cfg:5: 'paging' must be one of "2level", "pae", got "3level"$/);
    expect(() => cfg.number('ratio', 0)).toThrow(/^k\.cfg:6: 'ratio' expects a number/);
  });
});
