// A tiny, explicit description of C struct layouts for i386. Offsets are written down from
// xen-abi.md's "[offsets computed]" tables (they are the contract); the same tables drive the
// accessor classes, the tests and the generated C header's _Static_asserts.

/** Primitive field types, as in the C header (`char` is a byte string). */
export type PrimType = 'u8' | 's8' | 'char' | 'u16' | 's16' | 'u32' | 's32' | 'u64';

const PRIM_SIZE: Readonly<Record<PrimType, number>> = {
  u8: 1,
  s8: 1,
  char: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
};

export interface FieldLayout {
  /** Byte offset from the start of the struct. */
  readonly offset: number;
  /** Total size in bytes (element size × count). */
  readonly size: number;
  readonly type: PrimType | StructLayout;
  /** Array length; absent for a scalar. */
  readonly count?: number;
}

export interface StructLayout<F extends string = string> {
  /** The C struct tag used in the generated header. */
  readonly cName: string;
  /** sizeof(struct) on i386. */
  readonly size: number;
  /** Fields in C declaration order. */
  readonly fields: { readonly [K in F]: FieldLayout };
}

export function sizeOfType(type: PrimType | StructLayout): number {
  return typeof type === 'string' ? PRIM_SIZE[type] : type.size;
}

/** One field: `f(offset, type)` or `f(offset, type, count)` for an array. */
export function f(offset: number, type: PrimType | StructLayout, count?: number): FieldLayout {
  const size = sizeOfType(type) * (count ?? 1);
  return count === undefined ? { offset, size, type } : { offset, size, type, count };
}

export function defineStruct<F extends string>(
  cName: string,
  size: number,
  fields: { readonly [K in F]: FieldLayout },
): StructLayout<F> {
  return Object.freeze({ cName, size, fields: Object.freeze(fields) });
}

/** Base of the typed accessors: a struct at `offset` in a little-endian DataView. */
export abstract class StructView {
  readonly view: DataView;
  readonly offset: number;

  protected constructor(view: DataView, offset: number, layout: StructLayout) {
    if (!Number.isInteger(offset) || offset < 0 || offset + layout.size > view.byteLength) {
      throw new RangeError(
        `${layout.cName}: ${layout.size} bytes at offset ${offset} do not fit in a view of ${view.byteLength} bytes`,
      );
    }
    this.view = view;
    this.offset = offset;
  }

  protected u8(o: number): number {
    return this.view.getUint8(this.offset + o);
  }
  protected setU8(o: number, v: number): void {
    this.view.setUint8(this.offset + o, v);
  }
  protected s8(o: number): number {
    return this.view.getInt8(this.offset + o);
  }
  protected setS8(o: number, v: number): void {
    this.view.setInt8(this.offset + o, v);
  }
  protected u16(o: number): number {
    return this.view.getUint16(this.offset + o, true);
  }
  protected setU16(o: number, v: number): void {
    this.view.setUint16(this.offset + o, v, true);
  }
  protected u32(o: number): number {
    return this.view.getUint32(this.offset + o, true);
  }
  protected setU32(o: number, v: number): void {
    this.view.setUint32(this.offset + o, v >>> 0, true);
  }
  protected u64(o: number): bigint {
    return this.view.getBigUint64(this.offset + o, true);
  }
  protected setU64(o: number, v: bigint): void {
    this.view.setBigUint64(this.offset + o, BigInt.asUintN(64, v), true);
  }
  /** A NUL-terminated Latin-1 string in a `char[len]` field. */
  protected str(o: number, len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = this.u8(o + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  /** Writes `s` NUL-padded into `char[len]`; throws if it does not fit with its NUL. */
  protected setStr(o: number, len: number, s: string): void {
    if (s.length >= len) throw new RangeError(`string of ${s.length} chars does not fit in char[${len}]`);
    for (let i = 0; i < len; i++) {
      const c = i < s.length ? s.charCodeAt(i) : 0;
      if (c > 0xff) throw new RangeError('only Latin-1 characters fit in a char field');
      this.setU8(o + i, c);
    }
  }
}
