// The xl.cfg syntax (xl.cfg(5), tools/libs/util/libxlu_cfg_l.l and libxlu_cfg_y.y): settings
// `KEY = VALUE` separated by newlines or `;`; a value is a string in single or double quotes, a
// number, or a list `[ v, v, ... ]` of strings and numbers that may span lines and may end with
// a comma; `#` starts a comment; `KEY += VALUE` appends to a list or string set before.
import { ConfigError } from './config-error.js';

export type XlScalar = string | number;
export type XlValue = XlScalar | XlScalar[];

export interface XlSetting {
  readonly key: string;
  readonly value: XlValue;
  /** Line the setting starts on (1-based). */
  readonly line: number;
}

/** A parsed file: its settings by key (the last assignment wins, as in xl). */
export class XlConfig {
  readonly settings = new Map<string, XlSetting>();
  constructor(readonly file: string) {}

  has(key: string): boolean {
    return this.settings.has(key);
  }

  get(key: string): XlSetting | undefined {
    return this.settings.get(key);
  }

  error(key: string, detail: string): ConfigError {
    return new ConfigError(this.file, this.settings.get(key)?.line ?? 0, detail);
  }

  /** A string setting, or undefined when absent. */
  string(key: string): string | undefined {
    const s = this.settings.get(key);
    if (s === undefined) return undefined;
    if (typeof s.value !== 'string') throw this.error(key, `'${key}' expects a quoted string, e.g. ${key} = "…", got ${describe(s.value)}`);
    return s.value;
  }

  /** An integer setting in [min, max], or undefined when absent. Quoted digits are accepted, as xl does. */
  integer(key: string, min: number, max: number, unit = ''): number | undefined {
    const s = this.settings.get(key);
    if (s === undefined) return undefined;
    let v = s.value;
    if (typeof v === 'string' && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(v)) v = Number(v.trim());
    const range = `${min}..${max}${unit === '' ? '' : ` ${unit}`}`;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.error(key, `'${key}' expects an integer ${range}, got ${describe(s.value)}`);
    if (v < min || v > max) throw this.error(key, `'${key}' must be ${range}, got ${v}`);
    return v;
  }

  /** A number (integer or decimal) ≥ min, or undefined when absent. */
  number(key: string, min: number, max = Infinity): number | undefined {
    const s = this.settings.get(key);
    if (s === undefined) return undefined;
    const v = s.value;
    if (typeof v !== 'number') throw this.error(key, `'${key}' expects a number, got ${describe(v)}`);
    if (!(v >= min && v <= max)) throw this.error(key, `'${key}' must be ${min}..${max}, got ${v}`);
    return v;
  }

  /** A list of strings; a single string is taken as a one-element list (xl does the same for e.g. `cpus`). */
  stringList(key: string): string[] | undefined {
    const s = this.settings.get(key);
    if (s === undefined) return undefined;
    const items = Array.isArray(s.value) ? s.value : [s.value];
    return items.map((item, i) => {
      if (typeof item !== 'string') throw this.error(key, `'${key}' expects a list of quoted strings, item ${i + 1} is ${describe(item)}`);
      return item;
    });
  }

  /** One of the given words. */
  choice<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw this.error(key, `'${key}' must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got "${v}"`);
    return v as T;
  }
}

function describe(v: XlValue): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  return `the string "${v}"`;
}

type Token =
  | { kind: 'id'; text: string; line: number }
  | { kind: 'string'; text: string; line: number }
  | { kind: 'number'; value: number; text: string; line: number }
  | { kind: 'punct'; text: '=' | '+=' | '[' | ']' | ',' | ';'; line: number }
  | { kind: 'newline'; line: number }
  | { kind: 'eof'; line: number };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const fail = (detail: string, at = line): never => {
    throw new ConfigError(file, at, detail);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      tokens.push({ kind: 'newline', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') fail(`unterminated string: expected a closing ${c} before the end of the line`, start);
        const ch = text[i]!;
        if (ch === c) {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = text[i + 1];
          if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
            s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          const esc = next === undefined ? undefined : ESCAPES[next];
          if (esc === undefined) fail(`unknown escape '\\${next ?? ''}' in a string (known: \\n \\t \\r \\\\ \\' \\" \\0 \\xHH)`);
          s += esc;
          i += 2;
          continue;
        }
        s += ch;
        i++;
      }
      tokens.push({ kind: 'string', text: s, line: start });
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '.') && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(-?0x[0-9a-fA-F]+|-?\d*\.?\d+(?:[eE][+-]?\d+)?)/.exec(text.slice(i))!;
      const word = /^[^\s,;\]#]*/.exec(text.slice(i))![0];
      if (word !== m[0]) fail(`'${word}' is not a number (expected digits, e.g. 64, 0x40 or 1.5; strings need quotes)`);
      tokens.push({ kind: 'number', value: Number(m[0]), text: m[0], line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'id', text: m[0], line });
      i += m[0].length;
    } else if (c === '+' && text[i + 1] === '=') {
      tokens.push({ kind: 'punct', text: '+=', line });
      i += 2;
    } else if (c === '=' || c === '[' || c === ']' || c === ',' || c === ';') {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else {
      fail(`unexpected character '${c}' (expected KEY = VALUE; strings need quotes)`);
    }
  }
  tokens.push({ kind: 'eof', line });
  return tokens;
}

function show(t: Token): string {
  switch (t.kind) {
    case 'id':
      return `'${t.text}'`;
    case 'string':
      return `the string "${t.text}"`;
    case 'number':
      return `the number ${t.text}`;
    case 'punct':
      return `'${t.text}'`;
    case 'newline':
      return 'the end of the line';
    case 'eof':
      return 'the end of the file';
  }
}

/** Parses xl.cfg text. `file` names it in errors. */
export function parseXlConfig(text: string, file: string): XlConfig {
  const tokens = tokenize(text, file);
  const cfg = new XlConfig(file);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const fail = (t: Token, expected: string): never => {
    throw new ConfigError(file, t.line, `expected ${expected}, found ${show(t)}`);
  };
  const skipNewlines = (): void => {
    while (peek().kind === 'newline') pos++;
  };

  const parseScalar = (t: Token, what: string): XlScalar => {
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return t.value;
    return fail(t, what);
  };

  const parseList = (open: Token): XlScalar[] => {
    const items: XlScalar[] = [];
    for (;;) {
      skipNewlines();
      const t = tokens[pos++]!;
      if (t.kind === 'punct' && t.text === ']') return items;
      if (t.kind === 'eof') throw new ConfigError(file, open.line, `unterminated list: expected ']' to close the '[' opened on this line`);
      if (t.kind === 'punct' && t.text === '[') fail(t, 'a string or number (lists do not nest)');
      items.push(parseScalar(t, `a quoted string, a number or ']' in the list opened on line ${open.line}`));
      skipNewlines();
      const sep = tokens[pos++]!;
      if (sep.kind === 'punct' && sep.text === ']') return items;
      if (sep.kind === 'eof') throw new ConfigError(file, open.line, `unterminated list: expected ']' to close the '[' opened on this line`);
      if (!(sep.kind === 'punct' && sep.text === ',')) fail(sep, `',' or ']' in the list opened on line ${open.line}`);
    }
  };

  for (;;) {
    const t = tokens[pos++]!;
    if (t.kind === 'eof') break;
    if (t.kind === 'newline' || (t.kind === 'punct' && t.text === ';')) continue;
    if (t.kind !== 'id') fail(t, 'a setting name (KEY = VALUE)');
    const key = (t as { text: string }).text;
    const op = tokens[pos++]!;
    if (!(op.kind === 'punct' && (op.text === '=' || op.text === '+='))) fail(op, `'=' after '${key}'`);
    const v = tokens[pos++]!;
    let value: XlValue;
    if (v.kind === 'punct' && v.text === '[') value = parseList(v);
    else value = parseScalar(v, `a value for '${key}': a quoted string, a number or a list [ … ]`);
    const end = peek();
    if (!(end.kind === 'newline' || end.kind === 'eof' || (end.kind === 'punct' && end.text === ';'))) {
      fail(end, `the end of the setting '${key}' (a new line or ';')`);
    }
    if ((op as { text: string }).text === '+=') {
      const before = cfg.settings.get(key);
      if (before === undefined) {
        // nothing to append to: the same as '='
      } else if (Array.isArray(before.value) && Array.isArray(value)) value = [...before.value, ...value];
      else if (typeof before.value === 'string' && typeof value === 'string') value = before.value + value;
      else throw new ConfigError(file, t.line, `'${key} +=' needs a list added to a list or a string to a string`);
    }
    cfg.settings.set(key, { key, value, line: t.line });
  }
  return cfg;
}
