// Kernel statics read through DWARF (never hard-coded offsets): the variable's address from
// the ELF symbol table, its type from .debug_info, and the bytes decoded into plain values.
import { ExoError } from '../common/errors';
import type { SymbolFile } from '../symbols';
import { PT_LOAD } from '../symbols/elf/types';
import { DW_AT } from '../symbols/dwarf';
import { GlobalIndex } from '../symbols/values/globals';
import { strip, typeOf, type TypeInfo } from '../symbols/values/types';
import type { ViewTarget } from './target';

/** A decoded value: integers as bigint, enums as their variant name, aggregates as objects. */
export type StaticValue = bigint | boolean | string | StaticValue[] | { [field: string]: StaticValue };

export interface StaticVar {
  readonly name: string;
  readonly address: bigint;
  readonly type: TypeInfo;
  readonly size: number;
}

const indexes = new WeakMap<SymbolFile, GlobalIndex>();

/** Finds a static by ELF symbol name (e.g. `EXO_CPUS`) with its DWARF type; undefined if absent. */
export function findStatic(sf: SymbolFile, name: string): StaticVar | undefined {
  const sym = sf.symbolByName(name);
  if (!sym || sym.type !== 'object') return undefined;
  let index = indexes.get(sf);
  if (!index) { index = new GlobalIndex(sf.dwarf); indexes.set(sf, index); }
  const dies = index.find(name);
  const die = dies.find(d => d.ref(DW_AT.type) !== undefined);
  if (!die) return undefined;
  const type = typeOf(die);
  const size = Number(sym.size) || sizeOfType(type);
  return { name, address: sym.value, type, size };
}

function sizeOfType(t: TypeInfo): number {
  const s = strip(t);
  return 'size' in s ? s.size : 0;
}

/**
 * Reads `len` bytes of a kernel static: through a vCPU's page tables when one maps it, else
 * through the ELF load address (PT_LOAD paddr), which holds for kernels QEMU loaded itself.
 */
export async function readKernelBytes(t: ViewTarget, sf: SymbolFile, addr: bigint, len: number, cpu = 0): Promise<Uint8Array> {
  const v = await t.readVirtual(cpu, addr, len);
  if (v) return v;
  for (const ph of sf.elf.programHeaders) {
    if (ph.type === PT_LOAD && addr >= ph.vaddr && addr + BigInt(len) <= ph.vaddr + ph.memsz) {
      return t.readPhysical(addr - ph.vaddr + ph.paddr, len);
    }
  }
  throw new ExoError('target', `cannot read 0x${addr.toString(16)}: not mapped on CPU ${cpu} and outside the kernel's PT_LOAD segments`);
}

export function readUint(bytes: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i] ?? 0);
  return v;
}

/** Decodes a value of type `t` at `off` in `bytes`; single-member wrappers (AtomicU64, UnsafeCell) unwrap. */
export function decodeValue(t: TypeInfo, bytes: Uint8Array, off = 0, depth = 0): StaticValue {
  const s = strip(t);
  if (depth > 16) return '<too deep>';
  switch (s.kind) {
    case 'base': {
      const raw = readUint(bytes, off, s.size);
      if (s.encoding === 'bool') return raw !== 0n;
      if (s.encoding === 'signed' || s.encoding === 'signedChar') return BigInt.asIntN(s.size * 8, raw);
      return raw;
    }
    case 'pointer': return readUint(bytes, off, s.size);
    case 'enum': {
      const raw = readUint(bytes, off, s.size);
      const v = s.signed ? BigInt.asIntN(s.size * 8, raw) : raw;
      return s.enumerators.find(e => e.value === v)?.name ?? `<invalid ${v}>`;
    }
    case 'array': {
      const count = s.counts[0] ?? 0;
      const el = s.counts.length > 1 ? { ...s, counts: s.counts.slice(1), size: s.size / Math.max(count, 1) } : s.element;
      const elSize = sizeOfType(el);
      const out: StaticValue[] = [];
      for (let i = 0; i < count && off + (i + 1) * elSize <= bytes.length; i++) out.push(decodeValue(el, bytes, off + i * elSize, depth + 1));
      return out;
    }
    case 'struct': {
      const members = s.members().filter(m => m.name !== undefined);
      if (s.variantPart()) return `<${s.name}>`;
      if (members.length === 1) return decodeValue(members[0].type, bytes, off + members[0].byteOffset, depth + 1);
      const out: { [k: string]: StaticValue } = {};
      for (const m of members) {
        if (m.bitSize !== undefined && m.bitOffset !== undefined) {
          out[m.name!] = (readUint(bytes, off + (m.bitOffset >> 3), 8) >> BigInt(m.bitOffset & 7)) & ((1n << BigInt(m.bitSize)) - 1n);
        } else {
          out[m.name!] = decodeValue(m.type, bytes, off + m.byteOffset, depth + 1);
        }
      }
      return out;
    }
    default: return `<${s.name}>`;
  }
}

/** Reads and decodes a whole static; undefined when the kernel does not export it. */
export async function readStatic(t: ViewTarget, sf: SymbolFile, name: string): Promise<StaticValue | undefined> {
  const v = findStatic(sf, name);
  if (!v) return undefined;
  return decodeValue(v.type, await readKernelBytes(t, sf, v.address, v.size));
}

/** Field access helpers for decoded structs (tolerant of absent fields). */
export function field(v: StaticValue | undefined, ...names: string[]): StaticValue | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  for (const n of names) if (n in v) return v[n];
  return undefined;
}

export function asBigint(v: StaticValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return undefined;
}

/** A value as short text: `42`, `true`, `Online`, `[3 items]`. */
export function valueText(v: StaticValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean' || typeof v === 'string') return String(v);
  if (Array.isArray(v)) return `[${v.length} items]`;
  return `{${Object.keys(v).join(', ')}}`;
}
