// Type descriptors of the expression language: what the evaluator needs to know about a
// value (size, signedness, pointee, fields), independent of DWARF. The environment maps its
// own types (DWARF DIEs) onto these; the C and Rust base types are built in.

export type EvalType =
  | IntType
  | { readonly kind: 'bool'; readonly name: string; readonly size: number }
  | { readonly kind: 'float'; readonly name: string; readonly size: 4 | 8 }
  | { readonly kind: 'void'; readonly name: 'void' }
  | PointerType
  | ArrayType
  | StructType
  | EnumType
  | { readonly kind: 'function'; readonly name: string };

export interface IntType {
  readonly kind: 'int';
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  /** `char`/`u8` shown as characters too. */
  readonly char?: boolean;
}

export interface PointerType {
  readonly kind: 'pointer';
  readonly name?: string;
  readonly size: number;
  readonly target: EvalType;
}

export interface ArrayType {
  readonly kind: 'array';
  readonly name?: string;
  readonly element: EvalType;
  /** Undefined for flexible/unknown-length arrays. */
  readonly count?: number;
}

export interface EvalField {
  readonly name: string;
  /** Byte offset from the start of the struct. */
  readonly offset: number;
  readonly type: EvalType;
  /** Bitfields: bit offset inside the storage unit at `offset`, and width. */
  readonly bitOffset?: number;
  readonly bitSize?: number;
}

export interface StructType {
  readonly kind: 'struct';
  /** `struct Foo`, `union Bar`, a Rust path like `exo::cpu::PerCpu`. */
  readonly name: string;
  readonly size: number;
  readonly union?: boolean;
  /** Fields on demand: kernels have thousands of types; only the ones used are expanded. */
  fields(): readonly EvalField[];
}

export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly enumerators: readonly { readonly name: string; readonly value: bigint }[];
}

const int = (name: string, size: number, signed: boolean, char = false): IntType => ({ kind: 'int', name, size, signed, char });

export const T = {
  i8: int('i8', 1, true), u8: int('u8', 1, false), i16: int('i16', 2, true), u16: int('u16', 2, false),
  i32: int('i32', 4, true), u32: int('u32', 4, false), i64: int('i64', 8, true), u64: int('u64', 8, false),
  i128: int('i128', 16, true), u128: int('u128', 16, false),
  int: int('int', 4, true), uint: int('unsigned int', 4, false), long: int('long', 8, true), ulong: int('unsigned long', 8, false),
  char: int('char', 1, true, true),
  bool: { kind: 'bool', name: 'bool', size: 1 } as const,
  f32: { kind: 'float', name: 'f32', size: 4 } as const,
  f64: { kind: 'float', name: 'f64', size: 8 } as const,
  void: { kind: 'void', name: 'void' } as const,
} satisfies Record<string, EvalType>;

/** Base types every program has, by every spelling C and Rust use for them. */
export const BUILTIN_TYPES: ReadonlyMap<string, EvalType> = new Map<string, EvalType>([
  ['i8', T.i8], ['u8', T.u8], ['i16', T.i16], ['u16', T.u16], ['i32', T.i32], ['u32', T.u32],
  ['i64', T.i64], ['u64', T.u64], ['i128', T.i128], ['u128', T.u128], ['isize', int('isize', 8, true)], ['usize', int('usize', 8, false)],
  ['int8_t', T.i8], ['uint8_t', T.u8], ['int16_t', T.i16], ['uint16_t', T.u16], ['int32_t', T.i32], ['uint32_t', T.u32],
  ['int64_t', T.i64], ['uint64_t', T.u64], ['size_t', int('size_t', 8, false)], ['ssize_t', int('ssize_t', 8, true)],
  ['uintptr_t', int('uintptr_t', 8, false)], ['intptr_t', int('intptr_t', 8, true)],
  ['char', T.char], ['signed char', int('signed char', 1, true, true)], ['unsigned char', int('unsigned char', 1, false, true)],
  ['short', int('short', 2, true)], ['unsigned short', int('unsigned short', 2, false)],
  ['int', T.int], ['signed', T.int], ['unsigned', T.uint], ['unsigned int', T.uint],
  ['long', T.long], ['unsigned long', T.ulong], ['long long', int('long long', 8, true)], ['unsigned long long', int('unsigned long long', 8, false)],
  ['bool', T.bool], ['_Bool', T.bool], ['f32', T.f32], ['f64', T.f64], ['float', { kind: 'float', name: 'float', size: 4 }],
  ['double', { kind: 'float', name: 'double', size: 8 }], ['void', T.void],
]);

export function sizeOf(t: EvalType): number | undefined {
  switch (t.kind) {
    case 'int': case 'bool': case 'float': case 'pointer': case 'struct': case 'enum': return t.size;
    case 'array': {
      const e = sizeOf(t.element);
      return e === undefined || t.count === undefined ? undefined : e * t.count;
    }
    default: return undefined;
  }
}

export function typeName(t: EvalType): string {
  switch (t.kind) {
    case 'pointer': return t.name ?? `${typeName(t.target)} *`;
    case 'array': return t.name ?? `${typeName(t.element)} [${t.count ?? ''}]`;
    default: return t.name;
  }
}

export const pointerTo = (target: EvalType, size = 8): PointerType => ({ kind: 'pointer', size, target });

export const isScalar = (t: EvalType) => t.kind === 'int' || t.kind === 'bool' || t.kind === 'float' || t.kind === 'pointer' || t.kind === 'enum';
export const isIntegral = (t: EvalType) => t.kind === 'int' || t.kind === 'bool' || t.kind === 'enum';
