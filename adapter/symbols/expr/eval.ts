// DWARF expression evaluator: runs a DW_OP byte string against a target (registers, memory,
// frame base, CFA handed in) and returns a Location. Bounded: malformed bytes throw ParseError.
import { ByteCursor } from '../../common/cursor';
import { ExoError } from '../../common/errors';
import { Location, Piece, SimpleLocation, optimizedOut } from './location';
import { Op } from './ops';

/** What the evaluator may ask of its host. Every member is optional: a missing one makes the
 *  value "optimized out" (or an error for malformed use), never a crash. */
export interface ExprContext {
  /** Target address size in bytes (8 on x86_64). */
  addressSize: number;
  /** Offset size of the unit (4 for 32-bit DWARF, 8 for 64-bit): DW_OP_call_ref/implicit_pointer. */
  offsetSize?: number;
  readMemory?(address: bigint, length: number): Promise<Uint8Array>;
  /** Value of a DWARF register in this frame; undefined when not recoverable. */
  readRegister?(regno: number): Promise<bigint | undefined>;
  /** Value of DW_AT_frame_base for DW_OP_fbreg (already turned into an address). */
  frameBase?(): Promise<bigint | undefined>;
  /** The frame's CFA for DW_OP_call_frame_cfa. */
  callFrameCfa?(): Promise<bigint | undefined>;
  objectAddress?: bigint;
  /** .debug_addr entry `index` of this unit (DW_OP_addrx/constx). */
  debugAddr?(index: bigint): bigint;
  /** Value of the sub-expression at function entry (DW_OP_entry_value), if known. */
  entryValue?(expr: Uint8Array): Promise<bigint | undefined>;
  /** Address of thread-local variable at `offset` (DW_OP_form_tls_address). */
  tlsAddress?(offset: bigint): Promise<bigint | undefined>;
  /** Bytes of the location expression of the DIE at `offset` (DW_OP_call2/4/ref). */
  callExpression?(dieOffset: bigint): Uint8Array | undefined;
  /** Size and signedness of the base type DIE at `offset` (typed-stack operations). */
  baseType?(dieOffset: bigint): { byteSize: number; signed: boolean } | undefined;
}

export interface EvalOptions {
  /** Values pushed before running (e.g. the object address for DW_AT_data_member_location). */
  initialStack?: bigint[];
  /** Section and offset of the expression's first byte, for error messages. */
  section?: string;
  sectionOffset?: number;
  /** Upper bound on executed operations (branches can loop). */
  maxSteps?: number;
}

/** The expression needs something the target cannot give: the value is "optimized out". */
class Unavailable extends Error {}

const MASK = (1n << 64n) - 1n;
const u64 = (v: bigint) => v & MASK;
const s64 = (v: bigint) => BigInt.asIntN(64, v);

/** Evaluates a location expression. An empty expression means "optimized out". */
export async function evaluateLocation(expr: Uint8Array, ctx: ExprContext, opts: EvalOptions = {}): Promise<Location> {
  try {
    return await run(expr, ctx, opts, 0);
  } catch (e) {
    if (e instanceof Unavailable) return optimizedOut(e.message);
    throw e;
  }
}

/** Evaluates an expression that must yield a number (CFI rules, DW_AT_data_member_location):
 *  the top of the stack, or the address of a memory location. Undefined when unavailable. */
export async function evaluateValue(expr: Uint8Array, ctx: ExprContext, opts: EvalOptions = {}): Promise<bigint | undefined> {
  const loc = await evaluateLocation(expr, ctx, opts);
  if (loc.kind === 'memory') return loc.address;
  if (loc.kind === 'value') return loc.value;
  if (loc.kind === 'register' && ctx.readRegister) return ctx.readRegister(loc.regno);
  return undefined;
}

async function run(expr: Uint8Array, ctx: ExprContext, opts: EvalOptions, depth: number): Promise<Location> {
  if (depth > 8) throw new ExoError('protocol', 'DWARF expression: DW_OP_call nesting deeper than 8');
  const section = opts.section ?? 'DWARF expression';
  const c = new ByteCursor(expr, section, 0, expr.length, opts.sectionOffset ?? 0);
  const stack: bigint[] = (opts.initialStack ?? []).map(u64);
  const pieces: Piece[] = [];
  const addrSize = ctx.addressSize;
  const addrMask = addrSize >= 8 ? MASK : (1n << BigInt(addrSize * 8)) - 1n;
  const offSize = ctx.offsetSize ?? 4;
  let pending: SimpleLocation | undefined; // set by reg/stack_value/implicit_value; consumed by piece
  let steps = 0;
  const maxSteps = opts.maxSteps ?? 100_000;

  const pop = (at: number): bigint => {
    const v = stack.pop();
    if (v === undefined) throw c.error('DWARF expression stack underflow', at);
    return v;
  };
  const push = (v: bigint) => {
    if (stack.length >= 10_000) throw c.error('DWARF expression stack overflow');
    stack.push(u64(v));
  };
  const needEnd = (what: string, at: number) => {
    // reg/implicit/stack_value must be last or followed by a piece
    if (!c.eof && c.bytes[c.pos] !== Op.piece && c.bytes[c.pos] !== Op.bit_piece) {
      throw c.error(`${what} must end the expression or precede DW_OP_piece`, at);
    }
  };
  const reg = async (regno: number): Promise<bigint> => {
    const v = ctx.readRegister ? await ctx.readRegister(regno) : undefined;
    if (v === undefined) throw new Unavailable(`register ${regno} is not available in this frame`);
    return v;
  };
  const mem = async (addr: bigint, size: number, at: number): Promise<bigint> => {
    if (size < 1 || size > 8) throw c.error(`dereference size ${size} not in 1..8`, at);
    if (!ctx.readMemory) throw new Unavailable('memory is not readable here');
    const b = await ctx.readMemory(u64(addr), size);
    if (b.length < size) throw new Unavailable(`memory at 0x${u64(addr).toString(16)} is not readable`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
  const typed = (dieOffset: bigint, v: bigint, at: number): bigint => {
    if (dieOffset === 0n) return v;
    const t = ctx.baseType?.(dieOffset);
    if (!t) throw new Unavailable(`base type at DIE 0x${dieOffset.toString(16)} is unknown`);
    if (t.byteSize > 8) throw new Unavailable(`typed value of ${t.byteSize} bytes is not supported`);
    if (t.byteSize < 1) throw c.error(`base type of size ${t.byteSize}`, at);
    const bits = BigInt(t.byteSize * 8);
    return t.signed ? BigInt.asIntN(Number(bits), v) : BigInt.asUintN(Number(bits), v);
  };
  const finishPiece = (): SimpleLocation => {
    if (pending) { const p = pending; pending = undefined; return p; }
    if (stack.length === 0) return optimizedOut('piece has no location');
    return { kind: 'memory', address: u64(stack.pop() as bigint) & addrMask };
  };

  while (!c.eof) {
    if (++steps > maxSteps) throw c.error(`DWARF expression runs more than ${maxSteps} operations (loop?)`);
    const at = c.pos;
    const op = c.u8();
    if (pending && op !== Op.piece && op !== Op.bit_piece) throw c.error('operation after a register/value location without DW_OP_piece', at);
    if (op >= Op.lit0 && op <= Op.lit31) { push(BigInt(op - Op.lit0)); continue; }
    if (op >= Op.reg0 && op <= Op.reg31) { needEnd('DW_OP_reg', at); pending = { kind: 'register', regno: op - Op.reg0 }; continue; }
    if (op >= Op.breg0 && op <= Op.breg31) { const off = c.sleb(); push((await reg(op - Op.breg0)) + off); continue; }
    switch (op) {
      case Op.addr: push(c.uN(addrSize)); break;
      case Op.const1u: push(BigInt(c.u8())); break;
      case Op.const1s: push(BigInt(c.i8())); break;
      case Op.const2u: push(BigInt(c.u16())); break;
      case Op.const2s: push(BigInt(c.i16())); break;
      case Op.const4u: push(BigInt(c.u32())); break;
      case Op.const4s: push(BigInt(c.i32())); break;
      case Op.const8u: push(c.u64()); break;
      case Op.const8s: push(c.i64()); break;
      case Op.constu: push(c.uleb()); break;
      case Op.consts: push(c.sleb()); break;
      case Op.addrx: case Op.GNU_addr_index: case Op.constx: case Op.GNU_const_index: {
        const idx = c.uleb();
        if (!ctx.debugAddr) throw new Unavailable('no .debug_addr for DW_OP_addrx');
        push(ctx.debugAddr(idx));
        break;
      }
      case Op.dup: { const v = pop(at); push(v); push(v); break; }
      case Op.drop: pop(at); break;
      case Op.over: {
        if (stack.length < 2) throw c.error('DW_OP_over needs two stack entries', at);
        push(stack[stack.length - 2]);
        break;
      }
      case Op.pick: {
        const i = c.u8();
        if (i >= stack.length) throw c.error(`DW_OP_pick ${i} beyond stack depth ${stack.length}`, at);
        push(stack[stack.length - 1 - i]);
        break;
      }
      case Op.swap: { const a = pop(at), b = pop(at); push(a); push(b); break; }
      case Op.rot: { const a = pop(at), b = pop(at), d = pop(at); push(a); push(d); push(b); break; }
      case Op.deref: push(await mem(pop(at), addrSize, at)); break;
      case Op.deref_size: { const n = c.u8(); push(await mem(pop(at), n, at)); break; }
      case Op.deref_type: case Op.GNU_deref_type: {
        const n = c.u8(); const t = c.uleb();
        push(typed(t, await mem(pop(at), n, at), at));
        break;
      }
      case Op.xderef: case Op.xderef_size: case Op.xderef_type:
        throw new Unavailable('address spaces (DW_OP_xderef) are not supported');
      case Op.abs: { const v = s64(pop(at)); push(v < 0n ? -v : v); break; }
      case Op.and: { const b = pop(at), a = pop(at); push(a & b); break; }
      case Op.div: {
        const b = s64(pop(at)), a = s64(pop(at));
        if (b === 0n) throw new Unavailable('division by zero in DWARF expression');
        push(a / b);
        break;
      }
      case Op.minus: { const b = pop(at), a = pop(at); push(a - b); break; }
      case Op.mod: {
        const b = pop(at), a = pop(at);
        if (b === 0n) throw new Unavailable('modulo by zero in DWARF expression');
        push(a % b);
        break;
      }
      case Op.mul: { const b = pop(at), a = pop(at); push(a * b); break; }
      case Op.neg: push(-s64(pop(at))); break;
      case Op.not: push(~pop(at)); break;
      case Op.or: { const b = pop(at), a = pop(at); push(a | b); break; }
      case Op.plus: { const b = pop(at), a = pop(at); push(a + b); break; }
      case Op.plus_uconst: push(pop(at) + c.uleb()); break;
      case Op.shl: { const b = pop(at), a = pop(at); push(b >= 64n ? 0n : a << b); break; }
      case Op.shr: { const b = pop(at), a = pop(at); push(b >= 64n ? 0n : a >> b); break; }
      case Op.shra: { const b = pop(at), a = s64(pop(at)); push(a >> (b >= 64n ? 63n : b)); break; }
      case Op.xor: { const b = pop(at), a = pop(at); push(a ^ b); break; }
      case Op.eq: case Op.ge: case Op.gt: case Op.le: case Op.lt: case Op.ne: {
        const b = s64(pop(at)), a = s64(pop(at));
        const r = op === Op.eq ? a === b : op === Op.ge ? a >= b : op === Op.gt ? a > b
          : op === Op.le ? a <= b : op === Op.lt ? a < b : a !== b;
        push(r ? 1n : 0n);
        break;
      }
      case Op.skip: case Op.bra: {
        const off = c.i16();
        if (op === Op.bra && pop(at) === 0n) break;
        const target = c.pos + off;
        if (target < 0 || target > c.end) throw c.error(`branch target ${target} outside the expression`, at);
        c.pos = target;
        break;
      }
      case Op.regx: { const r = c.ulebNum(0xffff, 'register'); needEnd('DW_OP_regx', at); pending = { kind: 'register', regno: r }; break; }
      case Op.bregx: { const r = c.ulebNum(0xffff, 'register'); const off = c.sleb(); push((await reg(r)) + off); break; }
      case Op.fbreg: {
        const off = c.sleb();
        const fb = ctx.frameBase ? await ctx.frameBase() : undefined;
        if (fb === undefined) throw new Unavailable('frame base is not available');
        push(fb + off);
        break;
      }
      case Op.call_frame_cfa: {
        const cfa = ctx.callFrameCfa ? await ctx.callFrameCfa() : undefined;
        if (cfa === undefined) throw new Unavailable('CFA is not available');
        push(cfa);
        break;
      }
      case Op.push_object_address:
        if (ctx.objectAddress === undefined) throw new Unavailable('no object address');
        push(ctx.objectAddress);
        break;
      case Op.form_tls_address: case Op.GNU_push_tls_address: {
        const off = pop(at);
        const a = ctx.tlsAddress ? await ctx.tlsAddress(off) : undefined;
        if (a === undefined) throw new Unavailable('thread-local storage is not supported');
        push(a);
        break;
      }
      case Op.nop: break;
      case Op.piece: {
        const bytes = c.ulebNum(1 << 24, 'piece size');
        pieces.push({ location: finishPiece(), sizeBits: bytes * 8, offsetBits: 0 });
        break;
      }
      case Op.bit_piece: {
        const size = c.ulebNum(1 << 27, 'bit piece size');
        const off = c.ulebNum(1 << 27, 'bit piece offset');
        pieces.push({ location: finishPiece(), sizeBits: size, offsetBits: off });
        break;
      }
      case Op.implicit_value: {
        const n = c.ulebNum(1 << 24, 'implicit value length');
        const bytes = c.bytesN(n);
        needEnd('DW_OP_implicit_value', at);
        pending = { kind: 'implicit', bytes };
        break;
      }
      case Op.stack_value:
        needEnd('DW_OP_stack_value', at);
        pending = { kind: 'value', value: pop(at) };
        break;
      case Op.implicit_pointer: case Op.GNU_implicit_pointer: {
        const die = c.uN(offSize); const off = c.sleb();
        needEnd('DW_OP_implicit_pointer', at);
        pending = { kind: 'implicitPointer', die, offset: off };
        break;
      }
      case Op.entry_value: case Op.GNU_entry_value: {
        const n = c.ulebNum(1 << 20, 'entry value length');
        const sub = c.bytesN(n);
        const v = ctx.entryValue ? await ctx.entryValue(sub) : undefined;
        if (v === undefined) throw new Unavailable('value at function entry is not known');
        push(v);
        break;
      }
      case Op.const_type: case Op.GNU_const_type: {
        const t = c.uleb(); const n = c.u8();
        const b = c.bytesN(n);
        if (n > 8) throw new Unavailable(`typed constant of ${n} bytes is not supported`);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        push(typed(t, v, at));
        break;
      }
      case Op.regval_type: case Op.GNU_regval_type: {
        const r = c.ulebNum(0xffff, 'register'); const t = c.uleb();
        push(typed(t, await reg(r), at));
        break;
      }
      case Op.convert: case Op.GNU_convert: case Op.reinterpret: case Op.GNU_reinterpret: {
        const t = c.uleb();
        push(typed(t, pop(at), at));
        break;
      }
      case Op.call2: case Op.call4: case Op.call_ref: {
        const die = op === Op.call2 ? BigInt(c.u16()) : op === Op.call4 ? BigInt(c.u32()) : c.uN(offSize);
        const sub = ctx.callExpression?.(die);
        if (!sub) break; // DWARF 5 §2.5.1.5: no location attribute means no effect
        const r = await run(sub, ctx, { ...opts, initialStack: [...stack], section: `DW_OP_call to 0x${die.toString(16)}`, sectionOffset: 0 }, depth + 1);
        stack.length = 0;
        if (r.kind === 'memory') stack.push(r.address);
        else if (r.kind !== 'optimizedOut') throw new Unavailable('DW_OP_call to a non-memory location');
        break;
      }
      case Op.GNU_uninit: break;
      case Op.GNU_parameter_ref: case Op.GNU_variable_value:
        c.uN(op === Op.GNU_parameter_ref ? 4 : offSize);
        throw new Unavailable('DW_OP_GNU_parameter_ref/variable_value is not supported');
      case Op.GNU_encoded_addr:
        throw new Unavailable('DW_OP_GNU_encoded_addr is not supported');
      default:
        throw c.error(`unknown DWARF operation 0x${op.toString(16)}`, at);
    }
  }

  if (pieces.length > 0) {
    // A location after the last piece would describe no bytes; leftover stack entries are ignored.
    if (pending) throw c.error('location operations after the last DW_OP_piece');
    return { kind: 'pieces', pieces };
  }
  if (pending) return pending;
  if (stack.length === 0) return optimizedOut('empty location expression');
  return { kind: 'memory', address: (stack[stack.length - 1]) & addrMask };
}
