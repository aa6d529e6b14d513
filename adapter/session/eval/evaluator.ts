// Evaluates expression trees over an EvalEnvironment: names and registers become values with
// locations (memory stays unread until a scalar is needed), C arithmetic on bigint, pointer
// arithmetic scaled by the pointee, member access (auto-deref through pointers, for Rust
// references), indexing, casts, sizeof and assignment to memory and registers.
import { readLE, writeLE } from '../../common/hex';
import type { BinaryOp, Expr, TypeRef } from './ast';
import { commonIntType, floatFromBits, floatToBits, literalType, promote, signedValue, truncToBig, userErr, wrap } from './arith';
import type { EvalEnvironment, Value } from './env';
import { parseExpression } from './parser';
import { resolveRegister } from './registers';
import { BUILTIN_TYPES, EvalType, isIntegral, pointerTo, sizeOf, T, typeName } from './types';

const hex = (v: bigint) => '0x' + v.toString(16);
const rvalue = (type: EvalType, bits: bigint): Value => ({ type, location: { kind: 'value' }, bits: wrap(bits, { size: sizeOf(type) ?? 8 }) });
const floatValue = (type: EvalType & { kind: 'float' }, v: number): Value => ({ type, location: { kind: 'value' }, float: v, bits: floatToBits(v, type.size) });
const truth = (b: boolean): Value => rvalue(T.int, b ? 1n : 0n);
const mergeBits = (old: bigint, v: bigint, offset: number, size: number) => {
  const mask = ((1n << BigInt(size)) - 1n) << BigInt(offset);
  return (old & ~mask) | ((v << BigInt(offset)) & mask);
};

export class Evaluator {
  constructor(private readonly env: EvalEnvironment) {}

  /** Parses and evaluates `text`; scalars come back loaded (`bits`/`float` set). */
  async evaluate(text: string): Promise<Value> {
    const v = await this.eval(parseExpression(text));
    return this.isScalarType(v.type) ? this.load(v) : v;
  }

  /** Evaluates and returns only the type (for sizeof and completions); may still read memory. */
  async typeOf(text: string): Promise<EvalType> {
    return (await this.eval(parseExpression(text))).type;
  }

  async resolveType(ref: TypeRef): Promise<EvalType> {
    let t = BUILTIN_TYPES.get(ref.base) ?? await this.env.typeByName(ref.base);
    if (!t && /^(struct|union|enum) /.test(ref.base)) t = await this.env.typeByName(ref.base.replace(/^(struct|union|enum) /, ''));
    if (!t) throw userErr(`no type named '${ref.base}'`);
    for (let i = 0; i < ref.pointers; i++) t = pointerTo(t);
    return t;
  }

  private isScalarType(t: EvalType): boolean {
    return t.kind === 'int' || t.kind === 'bool' || t.kind === 'float' || t.kind === 'pointer' || t.kind === 'enum';
  }

  /** Loads a scalar's bits from wherever it lives. */
  async load(v: Value): Promise<Value> {
    if (v.bits !== undefined || v.float !== undefined) return v;
    const size = sizeOf(v.type);
    if (size === undefined) throw userErr(`a value of type ${typeName(v.type)} has no size`);
    let bits: bigint;
    if (v.location.kind === 'memory') {
      const storage = v.bitField ? Math.ceil((v.bitField.offset + v.bitField.size) / 8) : size;
      bits = readLE(await this.env.readMemory(v.location.address, storage), 0, storage);
    } else if (v.location.kind === 'register') {
      const r = await this.env.register(v.location.name);
      if (r === undefined) throw userErr(`register $${v.location.name} is not available`);
      bits = r;
    } else if (v.bytes) {
      bits = readLE(v.bytes, 0, Math.min(v.bytes.length, size));
    } else {
      throw userErr(`value of type ${typeName(v.type)} has no contents`);
    }
    if (v.bitField) {
      bits = (bits >> BigInt(v.bitField.offset)) & ((1n << BigInt(v.bitField.size)) - 1n);
      if ((v.type.kind === 'int' || v.type.kind === 'enum') && v.type.signed) bits = BigInt.asIntN(v.bitField.size, bits);
    }
    bits = wrap(bits, { size });
    if (v.type.kind === 'float') return { ...v, bits, float: floatFromBits(bits, v.type.size) };
    return { ...v, bits };
  }

  private async eval(e: Expr): Promise<Value> {
    switch (e.kind) {
      case 'int': return rvalue(literalType(e.value, e.suffix, e.radix), e.value);
      case 'char': return rvalue(T.char, e.value);
      case 'float': return floatValue(T.f64, e.value);
      case 'register': return this.register(e.name);
      case 'name': {
        const s = await this.env.symbol(e.name);
        if (!s) throw userErr(`no symbol '${e.name}' in the current context`);
        return { type: s.type, location: s.location, bits: s.bits, bytes: s.bytes };
      }
      case 'unary': return this.unary(e.op, e.operand);
      case 'binary': return this.binary(e.op, e.left, e.right);
      case 'ternary': return (await this.truthy(await this.eval(e.cond))) ? this.eval(e.then) : this.eval(e.else);
      case 'cast': return this.cast(await this.eval(e.operand), await this.resolveType(e.type));
      case 'sizeof': {
        const t = e.type ? await this.resolveType(e.type) : await this.sizeofOperandType(e.operand!);
        const size = sizeOf(t);
        if (size === undefined) throw userErr(`sizeof: ${typeName(t)} has no size`);
        return rvalue(T.ulong, BigInt(size));
      }
      case 'member': return this.member(await this.eval(e.object), e.field, e.arrow);
      case 'index': return this.index(await this.eval(e.object), await this.eval(e.index));
      case 'assign': return this.assign(await this.eval(e.target), await this.eval(e.value));
    }
  }

  /** Writes `value`, converted to the target's type, to memory or a register; returns the new value. */
  private async assign(target: Value, value: Value): Promise<Value> {
    if (!this.isScalarType(target.type)) throw userErr(`cannot assign to a ${typeName(target.type)}: assign its fields one by one`);
    const size = sizeOf(target.type)!;
    const converted = await this.cast(value, target.type);
    let bits = converted.bits!;
    if (target.location.kind === 'memory') {
      if (!this.env.writeMemory) throw userErr('this session cannot write memory');
      const address = target.location.address;
      let storage = size;
      if (target.bitField) {
        // Read-modify-write of the bytes that hold the bit field.
        storage = Math.ceil((target.bitField.offset + target.bitField.size) / 8);
        const old = readLE(await this.env.readMemory(address, storage), 0, storage);
        bits = mergeBits(old, bits, target.bitField.offset, target.bitField.size);
      }
      await this.env.writeMemory(address, writeLE(bits, storage));
      return this.load({ type: target.type, location: { kind: 'memory', address }, bitField: target.bitField });
    }
    if (target.location.kind === 'register') {
      if (!this.env.writeRegister) throw userErr('this session cannot write registers');
      const name = target.location.name;
      if (target.bitField) {
        const old = await this.env.register(name);
        if (old === undefined) throw userErr(`register $${name} is not available`);
        bits = mergeBits(old, bits, target.bitField.offset, target.bitField.size);
      }
      await this.env.writeRegister(name, bits);
      return this.load({ type: target.type, location: target.location, bitField: target.bitField });
    }
    throw userErr('cannot assign to a computed value');
  }

  /** `sizeof(Name)` is ambiguous between a variable and a type: a variable wins, as in C. */
  private async sizeofOperandType(operand: Expr): Promise<EvalType> {
    if (operand.kind === 'name' && !(await this.env.symbol(operand.name))) {
      return this.resolveType({ base: operand.name, pointers: 0 });
    }
    return (await this.eval(operand)).type;
  }

  private async register(name: string): Promise<Value> {
    const r = resolveRegister(name);
    const raw = await this.env.register(r.stubName);
    if (raw === undefined) throw userErr(`no register $${name}`);
    const bits = (raw >> BigInt(r.shift)) & ((1n << BigInt(r.size * 8)) - 1n);
    // A sub-register ($eax, $ah) is a bit field of its 64-bit parent: readable and assignable.
    const bitField = r.derived ? { offset: r.shift, size: r.size * 8 } : undefined;
    return { type: r.type, location: { kind: 'register', name: r.stubName }, bits, bitField };
  }

  private async scalar(v: Value, what: string): Promise<Value> {
    if (v.type.kind === 'array' && v.location.kind === 'memory') return rvalue(pointerTo(v.type.element), v.location.address);
    if (v.type.kind === 'function' && v.location.kind === 'memory') return rvalue(pointerTo(v.type), v.location.address);
    if (!this.isScalarType(v.type)) throw userErr(`${what}: ${typeName(v.type)} is not a number or pointer`);
    return this.load(v);
  }

  private async truthy(v: Value): Promise<boolean> {
    const s = await this.scalar(v, 'condition');
    return s.type.kind === 'float' ? s.float !== 0 : s.bits !== 0n;
  }

  private async unary(op: string, operand: Expr): Promise<Value> {
    if (op === '&') return this.addressOf(await this.eval(operand));
    if (op === '*') return this.deref(await this.scalar(await this.eval(operand), 'dereference'));
    const v = await this.scalar(await this.eval(operand), `unary ${op}`);
    if (op === '!') return truth(v.type.kind === 'float' ? v.float === 0 : v.bits === 0n);
    if (v.type.kind === 'float') {
      if (op === '~') throw userErr('~ needs an integer, not a float');
      return floatValue(v.type, op === '-' ? -v.float! : v.float!);
    }
    if (v.type.kind === 'pointer') throw userErr(`unary ${op} is not defined on pointers`);
    const t = promote(v.type);
    const x = signedValue(v.bits!, v.type);
    return rvalue(t, op === '-' ? -x : op === '~' ? ~x : x);
  }

  private addressOf(v: Value): Value {
    if (v.bitField) throw userErr('cannot take the address of a bitfield');
    if (v.location.kind === 'register') throw userErr(`cannot take the address of register $${v.location.name}`);
    if (v.location.kind !== 'memory') throw userErr('cannot take the address of a computed value');
    return rvalue(pointerTo(v.type), v.location.address);
  }

  private deref(p: Value): Value {
    if (p.type.kind !== 'pointer') throw userErr(`cannot dereference a ${typeName(p.type)}: cast it to a pointer first, e.g. *(u64 *)${hex(p.bits ?? 0n)}`);
    if (p.type.target.kind === 'void') throw userErr('cannot dereference a void pointer: cast it to a typed pointer first');
    return { type: p.type.target, location: { kind: 'memory', address: p.bits! } };
  }

  private async binary(op: BinaryOp, le: Expr, re: Expr): Promise<Value> {
    if (op === '&&') return truth(await this.truthy(await this.eval(le)) && await this.truthy(await this.eval(re)));
    if (op === '||') return truth(await this.truthy(await this.eval(le)) || await this.truthy(await this.eval(re)));
    const l = await this.scalar(await this.eval(le), `operator ${op}`);
    const r = await this.scalar(await this.eval(re), `operator ${op}`);
    if (l.type.kind === 'pointer' || r.type.kind === 'pointer') return this.pointerBinary(op, l, r);
    if (l.type.kind === 'float' || r.type.kind === 'float') return this.floatBinary(op, l, r);
    const t = commonIntType(l.type, r.type);
    const a = signedValue(wrap(signedValue(l.bits!, l.type), t), t);
    const b = signedValue(wrap(signedValue(r.bits!, r.type), t), t);
    switch (op) {
      case '+': return rvalue(t, a + b);
      case '-': return rvalue(t, a - b);
      case '*': return rvalue(t, a * b);
      case '/': case '%':
        if (b === 0n) throw userErr('division by zero');
        return rvalue(t, op === '/' ? a / b : a % b);
      case '<<': return rvalue(promote(l.type), signedValue(l.bits!, l.type) << (b & 127n));
      case '>>': return rvalue(promote(l.type), signedValue(l.bits!, l.type) >> (b & 127n));
      case '&': return rvalue(t, a & b);
      case '|': return rvalue(t, a | b);
      case '^': return rvalue(t, a ^ b);
      case '<': return truth(a < b);
      case '>': return truth(a > b);
      case '<=': return truth(a <= b);
      case '>=': return truth(a >= b);
      case '==': return truth(a === b);
      case '!=': return truth(a !== b);
    }
  }

  private floatBinary(op: BinaryOp, l: Value, r: Value): Value {
    const num = (v: Value) => v.type.kind === 'float' ? v.float! : Number(signedValue(v.bits!, v.type));
    const a = num(l), b = num(r);
    const t = (l.type.kind === 'float' && l.type.size === 8) || (r.type.kind === 'float' && r.type.size === 8) ? T.f64
      : (l.type.kind === 'float' ? l.type : r.type) as EvalType & { kind: 'float' };
    switch (op) {
      case '+': return floatValue(t, a + b);
      case '-': return floatValue(t, a - b);
      case '*': return floatValue(t, a * b);
      case '/': return floatValue(t, a / b);
      case '<': return truth(a < b);
      case '>': return truth(a > b);
      case '<=': return truth(a <= b);
      case '>=': return truth(a >= b);
      case '==': return truth(a === b);
      case '!=': return truth(a !== b);
      default: throw userErr(`operator ${op} needs integers, not floats`);
    }
  }

  private pointerBinary(op: BinaryOp, l: Value, r: Value): Value {
    const elem = (p: Value) => {
      const t = (p.type as EvalType & { kind: 'pointer' }).target;
      return BigInt(t.kind === 'void' || t.kind === 'function' ? 1 : sizeOf(t) ?? 1);
    };
    const lp = l.type.kind === 'pointer', rp = r.type.kind === 'pointer';
    if (lp && rp) {
      if (op === '-') return rvalue(T.long, (BigInt.asIntN(64, l.bits! - r.bits!)) / elem(l));
      const a = l.bits!, b = r.bits!;
      switch (op) {
        case '==': return truth(a === b);
        case '!=': return truth(a !== b);
        case '<': return truth(a < b);
        case '>': return truth(a > b);
        case '<=': return truth(a <= b);
        case '>=': return truth(a >= b);
        default: throw userErr(`operator ${op} is not defined on two pointers`);
      }
    }
    const p = lp ? l : r, n = lp ? r : l;
    if (n.type.kind === 'float') throw userErr('cannot add a float to a pointer');
    const k = signedValue(n.bits!, n.type);
    if (op === '+') return rvalue(p.type, p.bits! + k * elem(p));
    if (op === '-' && lp) return rvalue(p.type, p.bits! - k * elem(p));
    if (['==', '!=', '<', '>', '<=', '>='].includes(op)) {
      // Comparing a pointer with an integer (p == 0): compare addresses.
      const a = l.bits!, b = r.bits!;
      return truth(op === '==' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
    }
    if (['&', '|', '^', '%', '>>', '<<'].includes(op)) {
      // Address masking (`p & ~0xfff`) is common in kernels: treat the pointer as an unsigned long.
      const a = wrap(signedValue(l.bits!, l.type), T.ulong), b = wrap(signedValue(r.bits!, r.type), T.ulong);
      switch (op) {
        case '&': return rvalue(T.ulong, a & b);
        case '|': return rvalue(T.ulong, a | b);
        case '^': return rvalue(T.ulong, a ^ b);
        case '>>': return rvalue(T.ulong, a >> (b & 127n));
        case '<<': return rvalue(T.ulong, a << (b & 127n));
        default:
          if (b === 0n) throw userErr('division by zero');
          return rvalue(T.ulong, a % b);
      }
    }
    throw userErr(`operator ${op} is not defined on a pointer`);
  }

  private async cast(v: Value, t: EvalType): Promise<Value> {
    if (t.kind === 'struct' || t.kind === 'array') {
      // Reinterpreting memory in place: `(struct Foo)x` only makes sense for lvalues in memory.
      if (v.location.kind === 'memory') return { type: t, location: v.location };
      throw userErr(`cannot cast a value to ${typeName(t)}: cast a pointer and dereference it instead`);
    }
    const s = await this.scalar(v, `cast to ${typeName(t)}`);
    if (t.kind === 'void') return { type: t, location: { kind: 'value' } };
    if (t.kind === 'float') return floatValue(t, s.type.kind === 'float' ? s.float! : Number(signedValue(s.bits!, s.type)));
    const bits = s.type.kind === 'float' ? truncToBig(s.float!) : signedValue(s.bits!, s.type);
    if (t.kind === 'bool') return rvalue(t, bits !== 0n ? 1n : 0n);
    if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'pointer') return rvalue(t, bits);
    throw userErr(`cannot cast to ${typeName(t)}`);
  }

  private async member(obj: Value, field: string, arrow: boolean): Promise<Value> {
    let o = obj;
    // `->` on a pointer, and `.` through pointers too: Rust references are pointers in DWARF.
    for (let depth = 0; o.type.kind === 'pointer'; depth++) {
      if (depth >= 8) throw userErr(`'${field}': more than 8 levels of pointers to follow`);
      o = this.deref(await this.load(o));
    }
    if (arrow && obj.type.kind !== 'pointer') throw userErr(`'->' needs a pointer, but the left side is a ${typeName(obj.type)}: use '.'`);
    if (o.type.kind !== 'struct') throw userErr(`${typeName(o.type)} has no fields (looking for '${field}')`);
    const f = o.type.fields().find(x => x.name === field);
    if (!f) {
      const names = o.type.fields().map(x => x.name);
      throw userErr(`${typeName(o.type)} has no field '${field}'${names.length ? `; fields: ${names.slice(0, 12).join(', ')}` : ''}`);
    }
    const bitField = f.bitSize !== undefined ? { offset: f.bitOffset ?? 0, size: f.bitSize } : undefined;
    if (o.location.kind === 'memory') return { type: f.type, location: { kind: 'memory', address: o.location.address + BigInt(f.offset) }, bitField };
    if (o.bytes) {
      const size = sizeOf(f.type) ?? 0;
      return { type: f.type, location: { kind: 'value' }, bytes: o.bytes.slice(f.offset, f.offset + size), bitField };
    }
    throw userErr(`field '${field}' of a value that is not in memory is not available`);
  }

  private async index(obj: Value, idx: Value): Promise<Value> {
    const i = await this.scalar(idx, 'index');
    if (!isIntegral(i.type)) throw userErr(`an index must be an integer, not ${typeName(i.type)}`);
    const k = signedValue(i.bits!, i.type);
    let elemType: EvalType;
    let base: bigint;
    if (obj.type.kind === 'array') {
      if (obj.location.kind !== 'memory') throw userErr('indexing an array that is not in memory');
      elemType = obj.type.element;
      base = obj.location.address;
      if (obj.type.count !== undefined && (k < 0n || k >= BigInt(obj.type.count))) {
        throw userErr(`index ${k} is out of bounds for ${typeName(obj.type)}`);
      }
    } else if (obj.type.kind === 'pointer') {
      const p = await this.load(obj);
      elemType = obj.type.target;
      if (elemType.kind === 'void') throw userErr('cannot index a void pointer: cast it first');
      base = p.bits!;
    } else {
      throw userErr(`cannot index a ${typeName(obj.type)}`);
    }
    const size = sizeOf(elemType);
    if (size === undefined) throw userErr(`elements of type ${typeName(elemType)} have no size`);
    return { type: elemType, location: { kind: 'memory', address: BigInt.asUintN(64, base + k * BigInt(size)) } };
  }
}
