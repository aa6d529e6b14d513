// Values rendered like gdb's `print` (C and Rust syntax), and lazy child nodes for variable views:
// a large aggregate in memory is read only as far as it is shown.
import { formatByteString, rustByteArrayLength } from './bytestr';
import { formatChar, formatCharRun, formatFloat, formatRustChar, intFromBytes, radixText, REPEAT_THRESHOLD, type IntegerFormat } from './format';
import { MemoryError, readExact, type MemoryReader, type ValueBytes } from './read';
import { sizeOf, strip, type Member, type TypeInfo, type VariantPart } from './types';

export interface RenderContext {
  readMemory: MemoryReader;
  /** The ELF symbol containing an address, for `0x4a5140 <nodes+24>`. */
  symbolAt?(address: bigint): { name: string; offset: bigint } | undefined;
  /** gdb's `print elements` limit (200). */
  maxElements?: number;
  /** `print/x` and friends: every scalar inside the value in this format (no labels or strings
   *  behind pointers; Rust `&str` keeps its text, as gdb). */
  format?: IntegerFormat;
}

/** Where a value's bytes come from: already in hand, or target memory read on demand. */
export interface ValueSource {
  address?: bigint;
  read(offset: number, length: number): Promise<{ bytes: Uint8Array; known: Uint8Array }>;
}

export function bytesSource(v: ValueBytes): ValueSource {
  return {
    address: v.address,
    read: async (off, len) => {
      if (off + len > v.bytes.length) {
        if (v.address !== undefined) throw new MemoryError(v.address + BigInt(off));
        return { bytes: new Uint8Array(len), known: new Uint8Array(len) };
      }
      return { bytes: v.bytes.subarray(off, off + len), known: v.known.subarray(off, off + len) };
    },
  };
}

/** Target memory as a value source; small reads are served from 4 KiB blocks read once. */
export function memorySource(address: bigint, read: MemoryReader): ValueSource {
  const BLOCK = 4096;
  const blocks = new Map<number, Uint8Array | null>();
  const block = async (k: number): Promise<Uint8Array | null> => {
    if (!blocks.has(k)) {
      if (blocks.size > 256) blocks.clear();
      let b: Uint8Array | null = null;
      try { b = await read(address + BigInt(k * BLOCK), BLOCK); } catch { b = null; }
      blocks.set(k, b);
    }
    return blocks.get(k) ?? null;
  };
  return {
    address,
    read: async (off, len) => {
      const k = Math.floor(off / BLOCK);
      if (len <= BLOCK && Math.floor((off + len - 1) / BLOCK) === k) {
        const b = await block(k);
        const o = off - k * BLOCK;
        if (b && b.length >= o + len) return { bytes: b.subarray(o, o + len), known: new Uint8Array(len).fill(1) };
      }
      return { bytes: await readExact(read, address + BigInt(off), len), known: new Uint8Array(len).fill(1) };
    },
  };
}

/** A typed value at `offset` of a source; members and elements are further refs (no copying). */
export class ValueRef {
  constructor(readonly type: TypeInfo, readonly src: ValueSource, readonly offset = 0, readonly bitfield?: { bitOffset: number; bitSize: number }) {}
  get address(): bigint | undefined { return this.src.address === undefined ? undefined : this.src.address + BigInt(this.offset); }
  member(m: Member): ValueRef {
    if (m.bitSize !== undefined && m.bitOffset !== undefined) return new ValueRef(m.type, this.src, this.offset, { bitOffset: m.bitOffset, bitSize: m.bitSize });
    return new ValueRef(m.type, this.src, this.offset + m.byteOffset);
  }
  bytes(len = sizeOf(this.type)): Promise<{ bytes: Uint8Array; known: Uint8Array }> { return this.src.read(this.offset, len); }
}

const OPT = '<optimized out>';
const allKnown = (k: Uint8Array) => k.every(x => x === 1);

function isCharType(t: TypeInfo): boolean {
  const s = strip(t);
  return s.kind === 'base' && s.size === 1 && (s.encoding === 'signedChar' || s.encoding === 'unsignedChar');
}

async function scalarInt(v: ValueRef, signed: boolean): Promise<bigint | undefined> {
  if (v.bitfield) {
    const { bitOffset, bitSize } = v.bitfield;
    const first = bitOffset >> 3, last = (bitOffset + bitSize - 1) >> 3;
    const { bytes, known } = await v.src.read(v.offset + first, last - first + 1);
    if (!allKnown(known)) return undefined;
    const raw = intFromBytes(bytes, false) >> BigInt(bitOffset & 7);
    const u = BigInt.asUintN(bitSize, raw);
    return signed ? BigInt.asIntN(bitSize, u) : u;
  }
  const { bytes, known } = await v.bytes();
  return allKnown(known) ? intFromBytes(bytes, signed) : undefined;
}

/** gdb's rendering of the value (`{x = 3, y = -4}`, `0x4a5140 <nodes>`, `BLUE`, `120 'x'` …). */
export async function formatValue(v: ValueRef, ctx: RenderContext, depth = 0): Promise<string> {
  try {
    return await format(v, ctx, depth);
  } catch (e) {
    if (e instanceof MemoryError) return `<error: ${e.message}>`;
    throw e;
  }
}

/** gdb's `print`: like formatValue, but a pointer (other than to char) shows its type first,
 *  `(node_t *) 0x4a4178 <nodes+24>`. */
export async function formatTopLevel(v: ValueRef, ctx: RenderContext): Promise<string> {
  const t = strip(v.type);
  const text = await formatValue(v, ctx);
  if (t.kind !== 'pointer' || t.reference || ctx.format || text.startsWith('(') || text === OPT) return text;
  if (isCharType(t.target())) return text;
  return `(${v.type.name}) ${text}`;
}

async function format(v: ValueRef, ctx: RenderContext, depth: number, rustVariant = false): Promise<string> {
  const t = strip(v.type);
  if (depth > 16) return '{...}';
  switch (t.kind) {
    case 'void': return 'void';
    case 'function': return `{${t.name}} ${v.address !== undefined ? '0x' + v.address.toString(16) : ''}`;
    case 'unknown': return `<unknown type ${t.name}>`;
    case 'base': {
      if (t.encoding === 'float') {
        const { bytes, known } = await v.bytes();
        if (!allKnown(known)) return OPT;
        return ctx.format ? radixText(intFromBytes(bytes, false), bytes.length, ctx.format) : formatFloat(bytes);
      }
      const signed = t.encoding === 'signed' || t.encoding === 'signedChar';
      const n = await scalarInt(v, signed);
      if (n === undefined) return OPT;
      if (ctx.format) return radixText(n, v.bitfield ? Math.ceil(v.bitfield.bitSize / 8) : t.size, ctx.format);
      if (t.encoding === 'bool') return n === 0n ? 'false' : n === 1n ? 'true' : String(n);
      if (t.encoding === 'utf' && t.size === 4) return formatRustChar(n);
      if (t.encoding === 'signedChar' || t.encoding === 'unsignedChar' || (t.encoding === 'utf' && t.size <= 2)) return formatChar(n, t.size);
      return String(n);
    }
    case 'enum': {
      const n = await scalarInt(v, t.signed);
      if (n === undefined) return OPT;
      if (ctx.format) return radixText(n, v.bitfield ? Math.ceil(v.bitfield.bitSize / 8) : t.size, ctx.format);
      const e = t.enumerators.find(x => x.value === n);
      const rust = !t.name.startsWith('enum ');
      if (e) return rust ? `${t.name}::${e.name}` : e.name;
      return String(n);
    }
    case 'pointer': return formatPointer(v, t, ctx);
    case 'array': return formatArray(v, t, ctx, depth);
    case 'struct': return t.rust ? formatRustStruct(v, t, ctx, depth, rustVariant) : formatStruct(v, t, ctx, depth);
    default: return '?';
  }
}

async function formatPointer(v: ValueRef, t: Extract<TypeInfo, { kind: 'pointer' }>, ctx: RenderContext): Promise<string> {
  const n = await scalarInt(v, false);
  if (n === undefined) return OPT;
  if (ctx.format) return radixText(n, t.size, ctx.format);
  const hex = '0x' + n.toString(16);
  const target = strip(t.target());
  if (target.kind === 'function') return hex + (n !== 0n ? symbolText(n, ctx) : '');
  // Rust prints the bytes behind a pointer to [u8; N], even at 0 (as an <error: …>)
  const bytes = rustByteArrayLength(target);
  if (bytes !== undefined) return `${hex} ${await formatByteString(n, bytes, ctx.readMemory, ctx.maxElements ?? 200)}`;
  // A null pointer is labelled only when a symbol sits at 0 (Linux: <fixed_percpu_data>), as gdb.
  if (n === 0n) return hex + symbolText(n, ctx);
  // gdb labels a char pointer too, before its string: `0x14790 <exception_stacks+34704> "…"`
  if (isCharType(target)) return `${hex}${symbolText(n, ctx)} ${await readCString(n, ctx)}`;
  return hex + symbolText(n, ctx);
}

function symbolText(addr: bigint, ctx: RenderContext): string {
  const s = ctx.symbolAt?.(addr);
  if (!s) return '';
  return s.offset === 0n ? ` <${s.name}>` : ` <${s.name}+${s.offset}>`;
}

async function readCString(addr: bigint, ctx: RenderContext): Promise<string> {
  const limit = ctx.maxElements ?? 200;
  const codes: number[] = [];
  try {
    // Read in small chunks so a string near the end of a mapping still prints.
    for (let off = 0; codes.length < limit;) {
      const chunk = Math.min(64, limit - codes.length);
      let b: Uint8Array;
      try { b = await readExact(ctx.readMemory, addr + BigInt(off), chunk); } catch (e) {
        if (chunk > 1) { b = await readExact(ctx.readMemory, addr + BigInt(off), 1); } else throw e;
      }
      const z = b.indexOf(0);
      if (z >= 0) { codes.push(...b.subarray(0, z)); return formatCharRun(codes, false); }
      codes.push(...b);
      off += b.length;
    }
  } catch (e) {
    if (!(e instanceof MemoryError)) throw e;
    if (codes.length === 0) return `<error: ${e.message}>`;
    return formatCharRun(codes, false) + `<error: ${e.message}>`;
  }
  return formatCharRun(codes, true);
}

async function formatArray(v: ValueRef, t: Extract<TypeInfo, { kind: 'array' }>, ctx: RenderContext, depth: number): Promise<string> {
  return formatDims(v, t.element, t.counts, ctx, depth, t.rust);
}

async function formatDims(v: ValueRef, element: TypeInfo, counts: (number | undefined)[], ctx: RenderContext, depth: number, rust: boolean): Promise<string> {
  const limit = ctx.maxElements ?? 200;
  const n = counts[0] ?? 0;
  const rest = counts.slice(1);
  const inner = rest.reduce<number>((a, c) => a * (c ?? 0), 1) * sizeOf(element);
  if (counts[0] === undefined && rest.length === 0 && isCharType(element) && v.address !== undefined) {
    // an array of unknown bound (`extern const char linux_banner[]`, a flexible `char name[]`):
    // gdb prints it as a pointer to its first element, `0x… <linux_banner> "Linux version …"`
    return `0x${v.address.toString(16)}${symbolText(v.address, ctx)} ${await readCString(v.address, ctx)}`;
  }
  if (rest.length === 0 && isCharType(element) && !ctx.format) {
    // gdb reads the whole array; we read up to what can be shown (runs may be long)
    const avail = Math.min(n, limit * 64);
    const { bytes, known } = await v.src.read(v.offset, avail);
    if (!allKnown(known)) return formatElements(v, element, n, 1, ctx, depth, rust, limit);
    let codes = [...bytes];
    // print null-stop is off: one trailing NUL (the terminator) is not shown
    if (avail === n && codes.length > 0 && codes[codes.length - 1] === 0) codes = codes.slice(0, -1);
    if (codes.length === 0) return '""';
    return formatCharRun(codes, avail < n && codes.length >= avail, limit);
  }
  return formatElements(v, element, n, inner, ctx, depth, rust, limit, rest);
}

/** gdb's array printing: byte-equal runs longer than 10 collapse to `x <repeats N times>` (a run
 *  counts as 10 toward the 200-element limit); `...` when elements were left out. */
async function formatElements(v: ValueRef, element: TypeInfo, n: number, stride: number, ctx: RenderContext, depth: number,
  rust: boolean, limit: number, rest: (number | undefined)[] = []): Promise<string> {
  const out: string[] = [];
  const elementBytes = async (i: number) => v.src.read(v.offset + i * stride, stride);
  // equal contents: the same bytes where known, unknown (optimized out) at the same places
  const same = (a: { bytes: Uint8Array; known: Uint8Array }, b: { bytes: Uint8Array; known: Uint8Array }) =>
    a.known.every((x, k) => x === b.known[k] && (x === 0 || a.bytes[k] === b.bytes[k]));
  let printed = 0, i = 0;
  for (; i < n && printed < limit; printed++) {
    const here = stride > 0 ? await elementBytes(i) : undefined;
    let j = i + 1;
    if (here) while (j < n && same(here, await elementBytes(j))) j++;
    const sub = new ValueRef(element, v.src, v.offset + i * stride);
    const text = rest.length ? await formatDims(sub, element, rest, ctx, depth + 1, rust) : await format(sub, ctx, depth + 1);
    if (j - i > REPEAT_THRESHOLD) {
      out.push(`${text} <repeats ${j - i} times>`);
      printed += REPEAT_THRESHOLD - 1;
      i = j;
    } else {
      out.push(text);
      i++;
    }
  }
  const body = out.join(', ') + (i < n ? '...' : '');
  return rust ? `[${body}]` : `{${body}}`;
}

async function formatStruct(v: ValueRef, t: Extract<TypeInfo, { kind: 'struct' }>, ctx: RenderContext, depth: number): Promise<string> {
  const parts: string[] = [];
  for (const m of t.members()) {
    const s = await format(v.member(m), ctx, depth + 1);
    parts.push(m.name === undefined ? s : `${m.name} = ${s}`);
  }
  return `{${parts.join(', ')}}`;
}

/** Members of the variant in force (by the discriminant; the default variant otherwise);
 *  null when the discriminant is optimized out. */
async function activeVariant(v: ValueRef, vp: VariantPart): Promise<Member[] | undefined | null> {
  if (!vp.discr) return vp.variants[0]?.members;
  const dt = strip(vp.discr.type);
  const n = await scalarInt(v.member(vp.discr), dt.kind === 'base' && dt.encoding === 'signed');
  if (n === undefined) return null;
  const size = sizeOf(vp.discr.type) * 8;
  return (vp.variants.find(x => x.discrValue !== undefined && BigInt.asUintN(size, x.discrValue) === BigInt.asUintN(size, n))
    ?? vp.variants.find(x => x.discrValue === undefined))?.members;
}

/** gdb's Rust syntax: `a::P {x: 1}`, `a::M (2.5)`, `(1, 2)`, enum variants `a::E::V{w: 3}` / `a::E::C(7)`. */
async function formatRustStruct(v: ValueRef, t: Extract<TypeInfo, { kind: 'struct' }>, ctx: RenderContext, depth: number, variant: boolean): Promise<string> {
  const vp = t.variantPart();
  if (vp) {
    const members = await activeVariant(v, vp);
    if (members === null) return OPT;
    if (!members || members.length === 0) return `${t.name}::<invalid variant>`;
    // The variant's member has the variant's struct type (`…::Some`), at offset 0 usually
    const m = members[0];
    return format(v.member(m), ctx, depth + 1, true);
  }
  const ms = t.members();
  if (t.name === '&str' || (ms.length === 2 && ms[0].name === 'data_ptr' && ms[1].name === 'length')) {
    const ptr = await scalarInt(v.member(ms[0]), false);
    const len = await scalarInt(v.member(ms[1]), false);
    if (ptr === undefined || len === undefined) return OPT;
    const el = strip(strip(ms[0].type).kind === 'pointer' ? (strip(ms[0].type) as Extract<TypeInfo, { kind: 'pointer' }>).target() : ms[0].type);
    if (t.name.endsWith('str')) {
      const shown = Number(len > BigInt(ctx.maxElements ?? 200) ? BigInt(ctx.maxElements ?? 200) : len);
      const b = await readExact(ctx.readMemory, ptr, shown);
      return formatCharRun([...Buffer.from(b).toString('utf8')].map(c => c.codePointAt(0) ?? 0), BigInt(shown) < len);
    }
    const esz = sizeOf(el);
    const shown = Number(len > 200n ? 200n : len);
    const arr = new ValueRef(el, memorySource(ptr, ctx.readMemory), 0);
    const items: string[] = [];
    for (let i = 0; i < shown; i++) items.push(await format(new ValueRef(el, arr.src, i * esz), ctx, depth + 1));
    return `${t.name} [${items.join(', ')}${BigInt(shown) < len ? '...' : ''}]`;
  }
  const tuple = ms.length > 0 && ms.every((m, i) => m.name === `__${i}`);
  const parts: string[] = [];
  for (const m of ms) {
    const s = await format(v.member(m), ctx, depth + 1);
    parts.push(tuple ? s : `${m.name ?? '?'}: ${s}`);
  }
  const sep = variant ? '' : ' ';
  if (tuple && t.name.startsWith('(')) return `(${parts.join(', ')})`;
  if (tuple) return `${t.name}${sep}(${parts.join(', ')})`;
  if (ms.length === 0) return t.name;
  return `${t.name}${sep}{${parts.join(', ')}}`;
}

/** One node of a variables tree: children are produced on demand (arrays in pages). */
export interface ValueNode {
  name: string;
  type: string;
  value: string;
  address?: bigint;
  /** Number of children; 0 for scalars. */
  childCount: number;
  /** Whether children are array elements (DAP indexedVariables) rather than members. */
  indexed: boolean;
  children(start?: number, count?: number): Promise<ValueNode[]>;
  /** The value in a gdb output format (DAP `format.hex`), when it can be re-rendered. */
  valueIn?(format: IntegerFormat): Promise<string>;
}

/** A tree node for `v` named `name`; rendering and children are computed when asked. */
export async function valueNode(name: string, v: ValueRef, ctx: RenderContext): Promise<ValueNode> {
  const t = strip(v.type);
  const value = await formatValue(v, ctx);
  const base = { name, type: v.type.name, value, address: v.address, valueIn: (f: IntegerFormat) => formatValue(v, { ...ctx, format: f }) };
  if (t.kind === 'struct') {
    const vp = t.variantPart();
    if (vp) {
      // A Rust enum shows the fields of its active variant (`Some(5)` → `__0 = 5`)
      const members = await activeVariant(v, vp);
      const variant = members?.[0];
      if (!variant) return { ...base, childCount: 0, indexed: false, children: async () => [] };
      const inner = await valueNode(name, v.member(variant), ctx);
      return { ...base, childCount: inner.childCount, indexed: inner.indexed, children: inner.children };
    }
    const ms = t.members();
    if (t.rust && !t.name.endsWith('str') && ms.length === 2 && ms[0].name === 'data_ptr' && ms[1].name === 'length') {
      // A Rust slice shows its elements (read from where data_ptr points)
      const ptr = await scalarInt(v.member(ms[0]), false);
      const len = await scalarInt(v.member(ms[1]), false);
      const pt = strip(ms[0].type);
      if (ptr !== undefined && len !== undefined && pt.kind === 'pointer' && len <= 0x7fffffffn) {
        const el = pt.target();
        const esz = sizeOf(el);
        const src = memorySource(ptr, ctx.readMemory);
        const n = Number(len);
        return {
          ...base, childCount: n, indexed: true,
          children: async (start = 0, count = n) => {
            const out: ValueNode[] = [];
            for (let i = start; i < Math.min(n, start + count); i++) out.push(await valueNode(`[${i}]`, new ValueRef(el, src, i * esz), ctx));
            return out;
          },
        };
      }
    }
    return { ...base, childCount: ms.length, indexed: false, children: async () => Promise.all(ms.map((m, i) => valueNode(m.name ?? `<anon ${i}>`, v.member(m), ctx))) };
  }
  if (t.kind === 'array') {
    const n = t.counts[0] ?? 0;
    const rest = t.counts.slice(1);
    const elemType: TypeInfo = rest.length ? { ...t, counts: rest, size: rest.reduce<number>((a, c) => a * (c ?? 0), 1) * sizeOf(t.element) } : t.element;
    const esz = sizeOf(elemType);
    return {
      ...base, childCount: n, indexed: true,
      children: async (start = 0, count = n) => {
        const out: ValueNode[] = [];
        for (let i = start; i < Math.min(n, start + count); i++) out.push(await valueNode(`[${i}]`, new ValueRef(elemType, v.src, v.offset + i * esz), ctx));
        return out;
      },
    };
  }
  if (t.kind === 'pointer') {
    const target = strip(t.target());
    const pointee = target.kind !== 'void' && target.kind !== 'function' && sizeOf(target) > 0;
    return {
      ...base, childCount: pointee ? 1 : 0, indexed: false,
      children: async () => {
        const p = await scalarInt(v, false);
        if (p === undefined || p === 0n || !pointee) return [];
        return [await valueNode(`*${name}`, new ValueRef(t.target(), memorySource(p, ctx.readMemory)), ctx)];
      },
    };
  }
  return { ...base, childCount: 0, indexed: false, children: async () => [] };
}
