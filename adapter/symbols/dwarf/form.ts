// Attribute values by form (DWARF 5 §7.5.6): decoding one value, and skipping values fast while
// walking the DIE tree. Index forms (strx, addrx, ...) stay unresolved here; the unit resolves them.
import type { ByteCursor } from '../../common/cursor';
import { DW_FORM as F, formName } from './constants';
import { infoOffset, type DebugInfoOffset } from './offsets';

export interface FormContext {
  readonly version: number;
  readonly addressSize: number;
  readonly offsetSize: 4 | 8;
  /** Section offset of the unit header (base of ref1..ref_udata). */
  readonly offset: number;
}

/** A decoded attribute value. `form` is kept so users can tell DWARF 3 data4 "loclistptr" apart. */
export type RawValue =
  | { kind: 'address'; value: bigint }
  | { kind: 'addrx'; index: number }
  | { kind: 'constant'; value: bigint; signed: boolean; size: number }
  | { kind: 'data16'; bytes: Uint8Array }
  | { kind: 'block'; bytes: Uint8Array; offset: number }
  | { kind: 'exprloc'; bytes: Uint8Array; offset: number }
  | { kind: 'flag'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'strp'; offset: number }
  | { kind: 'lineStrp'; offset: number }
  | { kind: 'strx'; index: number }
  | { kind: 'ref'; offset: DebugInfoOffset }
  | { kind: 'refSig8'; signature: bigint }
  | { kind: 'refSup'; offset: bigint }
  | { kind: 'strSup'; offset: bigint }
  | { kind: 'secOffset'; value: number }
  | { kind: 'loclistx'; index: number }
  | { kind: 'rnglistx'; index: number };

function offsetValue(c: ByteCursor, size: 4 | 8, what: string): number {
  const at = c.pos;
  const v = size === 4 ? c.u32() : c.u64();
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw c.error(`${what} 0x${v.toString(16)} is too large`, at);
    return Number(v);
  }
  return v;
}

/** Reads one value of `form`; `implicitConst` comes from the abbreviation. */
export function readValue(c: ByteCursor, form: number, u: FormContext, implicitConst?: bigint, depth = 0): RawValue {
  switch (form) {
    case F.addr: return { kind: 'address', value: c.uN(u.addressSize) };
    case F.block1: { const n = c.u8(); const o = c.offset; return { kind: 'block', bytes: c.bytesN(n), offset: o }; }
    case F.block2: { const n = c.u16(); const o = c.offset; return { kind: 'block', bytes: c.bytesN(n), offset: o }; }
    case F.block4: { const n = c.u32(); const o = c.offset; return { kind: 'block', bytes: c.bytesN(n), offset: o }; }
    case F.block: { const n = c.ulebNum(0x7fffffff, 'block length'); const o = c.offset; return { kind: 'block', bytes: c.bytesN(n), offset: o }; }
    case F.exprloc: { const n = c.ulebNum(0x7fffffff, 'exprloc length'); const o = c.offset; return { kind: 'exprloc', bytes: c.bytesN(n), offset: o }; }
    case F.data1: return { kind: 'constant', value: BigInt(c.u8()), signed: false, size: 1 };
    case F.data2: return { kind: 'constant', value: BigInt(c.u16()), signed: false, size: 2 };
    case F.data4: return { kind: 'constant', value: BigInt(c.u32()), signed: false, size: 4 };
    case F.data8: return { kind: 'constant', value: c.u64(), signed: false, size: 8 };
    case F.data16: return { kind: 'data16', bytes: c.bytesN(16) };
    case F.sdata: return { kind: 'constant', value: c.sleb(), signed: true, size: 0 };
    case F.udata: return { kind: 'constant', value: c.uleb(), signed: false, size: 0 };
    case F.implicit_const: return { kind: 'constant', value: implicitConst ?? 0n, signed: true, size: 0 };
    case F.flag: return { kind: 'flag', value: c.u8() !== 0 };
    case F.flag_present: return { kind: 'flag', value: true };
    case F.string: return { kind: 'string', value: c.cstr() };
    case F.strp: return { kind: 'strp', offset: offsetValue(c, u.offsetSize, 'DW_FORM_strp offset') };
    case F.line_strp: return { kind: 'lineStrp', offset: offsetValue(c, u.offsetSize, 'DW_FORM_line_strp offset') };
    case F.strp_sup: case F.GNU_strp_alt: return { kind: 'strSup', offset: BigInt(offsetValue(c, u.offsetSize, 'supplementary string offset')) };
    case F.strx: case F.GNU_str_index: return { kind: 'strx', index: c.ulebNum(0x7fffffff, 'string index') };
    case F.strx1: return { kind: 'strx', index: c.u8() };
    case F.strx2: return { kind: 'strx', index: c.u16() };
    case F.strx3: { const lo = c.u16(); return { kind: 'strx', index: lo + c.u8() * 0x10000 }; }
    case F.strx4: return { kind: 'strx', index: c.u32() };
    case F.addrx: case F.GNU_addr_index: return { kind: 'addrx', index: c.ulebNum(0x7fffffff, 'address index') };
    case F.addrx1: return { kind: 'addrx', index: c.u8() };
    case F.addrx2: return { kind: 'addrx', index: c.u16() };
    case F.addrx3: { const lo = c.u16(); return { kind: 'addrx', index: lo + c.u8() * 0x10000 }; }
    case F.addrx4: return { kind: 'addrx', index: c.u32() };
    case F.ref1: return { kind: 'ref', offset: infoOffset(u.offset + c.u8()) };
    case F.ref2: return { kind: 'ref', offset: infoOffset(u.offset + c.u16()) };
    case F.ref4: return { kind: 'ref', offset: infoOffset(u.offset + c.u32()) };
    case F.ref8: return { kind: 'ref', offset: infoOffset(u.offset + offsetValue(c, 8, 'DW_FORM_ref8')) };
    case F.ref_udata: return { kind: 'ref', offset: infoOffset(u.offset + c.ulebNum(Number.MAX_SAFE_INTEGER, 'DW_FORM_ref_udata')) };
    case F.ref_addr: {
      // DWARF 2 encodes ref_addr with the address size, later versions with the offset size.
      const size = u.version <= 2 ? u.addressSize : u.offsetSize;
      if (size !== 4 && size !== 8) throw c.error(`DW_FORM_ref_addr of size ${size}`);
      return { kind: 'ref', offset: infoOffset(offsetValue(c, size, 'DW_FORM_ref_addr')) };
    }
    case F.ref_sig8: return { kind: 'refSig8', signature: c.u64() };
    case F.ref_sup4: return { kind: 'refSup', offset: BigInt(c.u32()) };
    case F.ref_sup8: return { kind: 'refSup', offset: c.u64() };
    case F.GNU_ref_alt: return { kind: 'refSup', offset: BigInt(offsetValue(c, u.offsetSize, 'DW_FORM_GNU_ref_alt')) };
    case F.sec_offset: return { kind: 'secOffset', value: offsetValue(c, u.offsetSize, 'DW_FORM_sec_offset') };
    case F.loclistx: return { kind: 'loclistx', index: c.ulebNum(0x7fffffff, 'location list index') };
    case F.rnglistx: return { kind: 'rnglistx', index: c.ulebNum(0x7fffffff, 'range list index') };
    case F.indirect: {
      if (depth > 4) throw c.error('DW_FORM_indirect nested too deeply');
      const f = c.ulebNum(0xffff, 'form');
      if (f === F.implicit_const) throw c.error('DW_FORM_indirect cannot name DW_FORM_implicit_const');
      return readValue(c, f, u, implicitConst, depth + 1);
    }
    default: throw c.error(`unknown attribute form ${formName(form)}`);
  }
}

/** Size in bytes of a value of `form` when it does not depend on the data, else -1. */
export function fixedFormSize(form: number, u: FormContext): number {
  switch (form) {
    case F.addr: return u.addressSize;
    case F.data1: case F.ref1: case F.flag: case F.strx1: case F.addrx1: return 1;
    case F.data2: case F.ref2: case F.strx2: case F.addrx2: return 2;
    case F.strx3: case F.addrx3: return 3;
    case F.data4: case F.ref4: case F.strx4: case F.addrx4: case F.ref_sup4: return 4;
    case F.data8: case F.ref8: case F.ref_sig8: case F.ref_sup8: return 8;
    case F.data16: return 16;
    case F.flag_present: case F.implicit_const: return 0;
    case F.strp: case F.line_strp: case F.sec_offset: case F.strp_sup: case F.GNU_strp_alt: case F.GNU_ref_alt: return u.offsetSize;
    case F.ref_addr: return u.version <= 2 ? u.addressSize : u.offsetSize;
    default: return -1;
  }
}

/** Advances past one value of `form` without building it. */
export function skipValue(c: ByteCursor, form: number, u: FormContext, depth = 0): void {
  const n = fixedFormSize(form, u);
  if (n >= 0) { c.skip(n); return; }
  switch (form) {
    case F.block1: c.skip(c.u8()); return;
    case F.block2: c.skip(c.u16()); return;
    case F.block4: c.skip(c.u32()); return;
    case F.block: case F.exprloc: c.skip(c.ulebNum(0x7fffffff, 'block length')); return;
    case F.string: { const b = c.bytes; let i = c.pos; while (i < c.end && b[i] !== 0) i++; if (i >= c.end) throw c.error('unterminated string'); c.pos = i + 1; return; }
    case F.sdata: c.sleb(); return;
    case F.udata: case F.ref_udata: case F.strx: case F.addrx: case F.loclistx: case F.rnglistx:
    case F.GNU_addr_index: case F.GNU_str_index: c.uleb(); return;
    case F.indirect: {
      if (depth > 4) throw c.error('DW_FORM_indirect nested too deeply');
      skipValue(c, c.ulebNum(0xffff, 'form'), u, depth + 1); return;
    }
    default: throw c.error(`unknown attribute form ${formName(form)}`);
  }
}
