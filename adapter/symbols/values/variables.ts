// Variables of a stopped frame: locations from DW_AT_location (expression or location list) or
// DW_AT_const_value, evaluated against the frame's registers, CFA and memory; rendered values.
import { DW_AT, infoOffset, type Die } from '../dwarf';
import { evaluateLocation, evaluateValue, type ExprContext } from '../expr/eval';
import { callSiteAt, callValueFor, entryRegister } from './entry';
import { optimizedOut, type Location } from '../expr/location';
import { locationAt, parseLocList } from '../loc/loclists';
import { locationBytes, MemoryError, type MemoryReader } from './read';
import { bytesSource, formatTopLevel, formatValue, memorySource, ValueRef, valueNode, type RenderContext, type ValueNode } from './render';
import { scopesAt, type ScopeFrame } from './scope';
import { sizeOf, strip, typeFromDie, typeOf, type TypeInfo } from './types';

export interface FrameState {
  /** The frame's pc (for frames above 0, the return address: lists are looked up at pc - 1). */
  pc: bigint;
  /** True for frame 0 and interrupted frames: the pc is where execution stopped. */
  innermost: boolean;
  /** Register values by DWARF number (16 = rip, 17-32 = xmm0-15 as 128-bit values). */
  registers: Map<number, bigint>;
  /** The frame's CFA, if known (DW_OP_call_frame_cfa). */
  cfa?: bigint;
  readMemory: MemoryReader;
  symbolAt?: RenderContext['symbolAt'];
  /** The calling frame, for DW_OP_entry_value through the caller's call-site parameters. */
  caller?: FrameState;
}

const MAX_ENTRY_DEPTH = 8;

function exprContext(die: Die, frame: ScopeFrame | undefined, st: FrameState, depth = 0): ExprContext {
  const unit = die.unit;
  const ctx: ExprContext = {
    addressSize: unit.addressSize,
    offsetSize: unit.header.offsetSize,
    readMemory: st.readMemory,
    readRegister: async r => st.registers.get(r),
    callFrameCfa: async () => st.cfa,
    debugAddr: i => unit.addrx(Number(i)),
    baseType: off => {
      const t = strip(typeFromDie(unit.dwarf.die(infoOffset(unit.offset + Number(off)))));
      if (t.kind === 'base') return { byteSize: t.size, signed: t.encoding === 'signed' || t.encoding === 'signedChar' };
      return undefined;
    },
  };
  ctx.entryValue = async sub => {
    const reg = entryRegister(sub);
    const caller = st.caller;
    if (reg === undefined || !caller || depth >= MAX_ENTRY_DEPTH) return undefined;
    const site = callSiteAt(unit.dwarf, caller.pc);
    const cv = site && callValueFor(site, reg);
    if (!cv) return undefined;
    const callerScope = scopesAt(unit.dwarf, caller.innermost ? caller.pc : caller.pc - 1n).at(-1);
    return evaluateValue(cv.expr, exprContext(cv.die, callerScope, caller, depth + 1), { section: 'DW_AT_call_value' });
  };
  if (frame) {
    ctx.frameBase = async () => {
      const fb = await attributeLocation(frame.concrete, DW_AT.frame_base, undefined, st);
      if (fb.kind === 'memory') return fb.address;
      if (fb.kind === 'register') return st.registers.get(fb.regno);
      if (fb.kind === 'value') return fb.value;
      return undefined;
    };
  }
  return ctx;
}

/** Evaluates a location-class attribute (exprloc, or a location list looked up at the pc). */
async function attributeLocation(die: Die, at: number, frame: ScopeFrame | undefined, st: FrameState): Promise<Location> {
  const v = die.attr(at);
  if (!v) return optimizedOut('no location');
  const ctx = exprContext(die, frame, st);
  if (v.kind === 'exprloc' || v.kind === 'block') {
    return evaluateLocation(v.bytes, ctx, { section: '.debug_info', sectionOffset: v.offset });
  }
  let offset: number | undefined;
  if (v.kind === 'secOffset') offset = v.value;
  else if (v.kind === 'loclistx') offset = v.offset;
  else if (v.kind === 'constant' && die.unit.version < 4) offset = Number(v.value);
  if (offset === undefined) return optimizedOut(`unsupported location form ${v.kind}`);
  const s = die.unit.dwarf.sections;
  const entries = parseLocList(die.unit.version, { loc: s.loc?.data(), loclists: s.loclists?.data() }, offset, {
    addressSize: die.unit.addressSize,
    baseAddress: die.unit.bases().baseAddress,
    debugAddr: i => die.unit.addrx(Number(i)),
  });
  const lookupPc = st.innermost ? st.pc : st.pc - 1n;
  const e = locationAt(entries, lookupPc);
  if (!e) return optimizedOut('not available at this pc');
  const secName = die.unit.version >= 5 ? '.debug_loclists' : '.debug_loc';
  return evaluateLocation(e.expr, ctx, { section: secName, sectionOffset: e.exprOffset });
}

/** Where a variable or parameter lives at this stop. */
export async function variableLocation(die: Die, frame: ScopeFrame | undefined, st: FrameState): Promise<Location> {
  const cv = die.attr(DW_AT.const_value) ?? die.origin()?.attr(DW_AT.const_value);
  if (cv) {
    const size = sizeOf(typeOf(die.origin() ?? die)) || 8;
    if (cv.kind === 'constant') {
      const b = new Uint8Array(size);
      let x = BigInt.asUintN(64, cv.value);
      for (let i = 0; i < size && i < 8; i++) { b[i] = Number(x & 0xffn); x >>= 8n; }
      return { kind: 'implicit', bytes: b };
    }
    if (cv.kind === 'block' || cv.kind === 'exprloc') return { kind: 'implicit', bytes: cv.bytes };
    if (cv.kind === 'string') return { kind: 'implicit', bytes: new Uint8Array(Buffer.from(cv.value + '\0', 'utf8')) };
  }
  return attributeLocation(die, DW_AT.location, frame, st);
}

function variableType(die: Die): TypeInfo {
  if (die.has(DW_AT.type)) return typeOf(die);
  const o = die.origin();
  return o ? typeOf(o) : typeOf(die);
}

export interface VariableValue {
  name: string;
  type: TypeInfo;
  location: Location;
  ref?: ValueRef;
  /** Why the value cannot be shown (gdb's "Cannot access memory at address 0x…"). */
  error?: string;
}

/** Reads a variable; `at` overrides its DWARF location (an ELF symbol's address for an extern). */
export async function readVariable(die: Die, frame: ScopeFrame | undefined, st: FrameState, at?: Location): Promise<VariableValue> {
  const name = die.name() ?? '?';
  const type = variableType(die);
  const location = at ?? await variableLocation(die, frame, st);
  if (location.kind === 'optimizedOut' || location.kind === 'implicitPointer') return { name, type, location };
  const size = sizeOf(type);
  if (location.kind === 'memory' && size > 4096) {
    // Large aggregates stay in target memory and are read as far as they are shown.
    return { name, type, location, ref: new ValueRef(type, memorySource(location.address, st.readMemory)) };
  }
  try {
    const bytes = await locationBytes(location, size, st.readMemory, r => st.registers.get(r));
    return { name, type, location, ref: new ValueRef(type, bytesSource(bytes)) };
  } catch (e) {
    if (e instanceof MemoryError) return { name, type, location, error: e.message };
    throw e;
  }
}

function renderCtx(st: FrameState): RenderContext {
  return { readMemory: st.readMemory, symbolAt: st.symbolAt };
}

/** `name = value` as gdb's `info locals` prints it. */
export async function formatVariable(v: VariableValue, st: FrameState): Promise<string> {
  if (v.error) return `${v.name} = <error: ${v.error}>`;
  if (!v.ref) return `${v.name} = <optimized out>`;
  return `${v.name} = ${await formatValue(v.ref, renderCtx(st))}`;
}

/** The value as gdb's `print` shows it (pointers with their type). */
export async function printVariable(v: VariableValue, st: FrameState): Promise<string> {
  if (v.error) return `<error: ${v.error}>`;
  if (!v.ref) return '<optimized out>';
  return formatTopLevel(v.ref, renderCtx(st));
}

/** A lazily expandable node for a variables view. */
export async function variableNode(v: VariableValue, st: FrameState): Promise<ValueNode> {
  if (!v.ref) return { name: v.name, type: v.type.name, value: v.error ? `<error: ${v.error}>` : '<optimized out>', childCount: 0, indexed: false, children: async () => [] };
  return valueNode(v.name, v.ref, renderCtx(st));
}

/** gdb's `info args` and `info locals` text for one virtual frame. */
export async function describeFrame(frame: ScopeFrame, st: FrameState): Promise<{ args: string; locals: string }> {
  const lines = async (dies: Die[]) => {
    const out: string[] = [];
    for (const d of dies) out.push(await formatVariable(await readVariable(d, frame, st), st));
    return out;
  };
  const args = await lines(frame.params);
  const locals = await lines(frame.locals);
  return { args: args.length ? args.join('\n') + '\n' : 'No arguments.\n', locals: locals.length ? locals.join('\n') + '\n' : 'No locals.\n' };
}
