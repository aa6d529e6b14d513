// Locals and Arguments of a stack frame: the DWARF scope at the frame's pc (inlined calls are
// their own frames), variables read against the frame's registers/CFA, rendered as gdb does, with
// lazily expanded children. Also feeds the evaluator with typed locals.
import { readLE } from '../../common/hex';
import { RspThreadId, virt } from '../../common/types';
import { ExoError } from '../../common/errors';
import type { SymbolFile } from '../../symbols';
import { GlobalIndex, readGlobal } from '../../symbols/values/globals';
import { scopesAt, type ScopeFrame } from '../../symbols/values/scope';
import { FrameState, readVariable, variableNode, type VariableValue } from '../../symbols/values/variables';
import type { ValueNode } from '../../symbols/values/render';
import { X86_64_REG_NAMES } from '../../symbols/unwind/unwinder';
import type { SymbolValue } from '../eval';
import type { Runtime } from '../runtime';
import type { Frame } from './stack';
import { evalTypeFromSymbols } from '../eval';

export interface FrameScope { scope: ScopeFrame | undefined; state: FrameState }

export class FrameVariables {
  private globals: GlobalIndex;

  constructor(private readonly rt: Runtime, private readonly sf: SymbolFile) {
    // ELF symbols resolve externs whose definition has no DWARF (e.g. defined in assembly).
    this.globals = new GlobalIndex(sf.dwarf, sf.elf.symbols());
  }

  /** The DWARF scope and register state of frame `index` of `frames`: as the symbols' stack
   *  builder made them (exact pc for interrupted frames, caller-linked for entry values), or, for
   *  frame-pointer frames, looked up here. */
  async frameScope(thread: RspThreadId, frames: Frame[], index: number): Promise<FrameScope> {
    const f = frames[index];
    if (f.state) return { scope: f.scope, state: f.state };
    const registers = new Map<number, bigint>();
    X86_64_REG_NAMES.forEach((n, i) => { const v = f.regs.get(n); if (v !== undefined) registers.set(i, v); });
    const state: FrameState = {
      pc: f.pc, innermost: index === 0, registers, cfa: f.cfa,
      readMemory: async (a, n) => {
        const r = await this.rt.rsp.readVirtual(thread, virt(a), n);
        if (r.unreadable.length) throw new ExoError('user', `Cannot read ${n} bytes at 0x${a.toString(16)}: not mapped.`);
        return r.data;
      },
      symbolAt: a => this.rt.symbols.dataSymbolAt(a),
    };
    let scopes: ScopeFrame[] = [];
    try { scopes = scopesAt(this.sf.dwarf, f.lookupPc); } catch { scopes = []; }
    return { scope: scopes[0], state };
  }

  async nodes(fs: FrameScope, which: 'params' | 'locals'): Promise<ValueNode[]> {
    if (!fs.scope) return [];
    const out: ValueNode[] = [];
    for (const die of fs.scope[which]) {
      try {
        out.push(await variableNode(await readVariable(die, fs.scope, fs.state), fs.state));
      } catch (e) {
        out.push({ name: die.name() ?? '?', type: '', value: `<error: ${e instanceof Error ? e.message : String(e)}>`, childCount: 0, indexed: false, children: async () => [] });
      }
    }
    return out;
  }

  /** A variable in scope (innermost first: locals, then parameters), then a global, as a typed
   *  evaluator value. */
  async symbol(fs: FrameScope | undefined, name: string): Promise<SymbolValue | undefined> {
    let v: VariableValue | undefined;
    const die = fs?.scope ? [...fs.scope.locals, ...fs.scope.params].find(d => d.name() === name) : undefined;
    try {
      if (die && fs) v = await readVariable(die, fs.scope, fs.state);
      else if (fs) v = await readGlobal(this.globals, name, fs.state);
    } catch { v = undefined; }
    if (!v) return undefined;
    const type = evalTypeFromSymbols(v.type);
    const loc = v.location;
    if (loc.kind === 'memory') return { type, location: { kind: 'memory', address: loc.address } };
    if (loc.kind === 'register') {
      const regName = X86_64_REG_NAMES[loc.regno];
      if (regName && fs?.state.innermost) return { type, location: { kind: 'register', name: regName } };
    }
    if (loc.kind === 'optimizedOut') throw new ExoError('user', `${name} is optimized out here.`);
    if (v.ref) {
      const { bytes } = await v.ref.bytes();
      return { type, location: { kind: 'value' }, bytes, bits: bytes.length <= 8 ? readLE(bytes, 0, bytes.length) : undefined };
    }
    return undefined;
  }
}
