// Inspection requests of a stopped VM: stack traces, scopes, variables (registers and, with
// symbols, locals/arguments), evaluate, memory and disassembly. Handles live until the next stop.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExoError } from '../../common/errors';
import { RspThreadId, rspThread, virt } from '../../common/types';
import { buildRegisterGroups, RegisterNode } from '../../x86/registers';
import type { Runtime } from '../runtime';
import { Frame, framePointerFrames } from './stack';
import { readMemory, writeMemory } from './memory';
import { EvalResult, evaluateExpression } from './evaluate';
import { ClientColumns, CompletionFrame, CompletionIndex, consoleCompletions } from './completions';
import { sourcePaths } from './sources';
import { disassemble } from './disassemble';
import { FrameScope, FrameVariables } from './locals';
import { describeFrame, type FrameView } from './stackView';
import { InspectionBurst } from './burst';
import { traceSettled } from '../trace';
import type { ValueNode } from '../../symbols/values/render';
import type { IntegerFormat } from '../../symbols/values/format';

/** The nodes with their values re-rendered in `format` (each scalar inside, as gdb's p/x). */
async function inFormat(nodes: ValueNode[], format: IntegerFormat | undefined): Promise<ValueNode[]> {
  if (!format) return nodes;
  return Promise.all(nodes.map(async n => (n.valueIn ? { ...n, value: await n.valueIn(format) } : n)));
}

/** `format`: DAP's value format of the variables request (hex), for source values. */
type Children = (start?: number, count?: number, format?: IntegerFormat) => Promise<DebugProtocol.Variable[]>;
const hex = (v: bigint) => '0x' + v.toString(16);

export class Inspector {
  private frames = new Map<number, Promise<Frame[]>>();
  /** The frames as the Call Stack shows them (names, sources: a stat per new file), made with
   *  the frames at a stop, before the client asks. */
  private views = new Map<number, Promise<FrameView[]>>();
  private frameHandles = new Map<number, { thread: RspThreadId; index: number; frame: Frame }>();
  private varHandles = new Map<number, Children>();
  private nextHandle = 1;
  private readonly vars: FrameVariables | undefined;
  private scopeCache = new Map<string, Promise<FrameScope>>();
  /** Rendered Locals/Arguments per frame and stop (the top frame's are prefetched at the stop). */
  private nodeCache = new Map<string, Promise<ValueNode[]>>();
  /** Handles whose children are source variables: where they live and how to name a child. */
  private valueContainers = new Map<number, { thread: RspThreadId; index: number; exprOf: (name: string) => string }>();
  private readonly completionIndex: CompletionIndex;
  private readonly sources = sourcePaths;
  /** What the client fetched of the last stop's prefetched answers (burst.ts). */
  private readonly burst = new InspectionBurst();

  constructor(private readonly rt: Runtime) {
    const file = rt.parts.loaded.file;
    this.vars = file ? new FrameVariables(rt, file) : undefined;
    this.completionIndex = new CompletionIndex(rt);
    // Every stop, also the ones never surfaced (conditions, log points and hidden hits evaluate
    // at them), makes frames and values of the previous stop stale: a vCPU that hits the same
    // breakpoint again on another task's stack must not be unwound with the old registers.
    rt.rsp.onStop(() => this.invalidate());
    rt.evaluate = (thread, expr) => this.evaluateIn(thread, 0, expr);
    rt.callerOf = async thread => {
      const frames = await this.framesOf(rspThread(thread));
      // Inlined frames share their physical frame's registers: the caller is the next one.
      const caller = frames.find(f => f.regs !== frames[0].regs);
      if (!caller) return undefined;
      return { returnAddress: caller.pc, cfa: caller.regs.get('rsp') ?? caller.cfa ?? 0n };
    };
    rt.inspected = thread => this.burst.done(thread);
  }

  /** Called on every stop: frames and variable handles refer to the previous state. */
  invalidate(): void {
    this.frames.clear();
    this.views.clear();
    this.frameHandles.clear();
    this.varHandles.clear();
    this.scopeCache.clear();
    this.nodeCache.clear();
    this.valueContainers.clear();
    this.nextHandle = 1;
  }

  /** `paged` handlers apply start/count themselves (large arrays are read only as shown). */
  /** Starts unwinding and the top frame's scope right at a stop, while the client is still
   *  asking for threads: the stackTrace/scopes that follow find them ready. */
  prefetch(thread: RspThreadId): void {
    this.burst.start(thread, this.vars ? ['stack', 'params', 'locals'] : ['stack']);
    // The stack page near rsp first: its round trip overlaps the unwinder's first CFI lookups.
    this.rt.rsp.readRegisters(thread).then(regs => {
      const sp = regs.get('rsp');
      if (sp !== undefined) this.rt.rsp.readVirtual(thread, virt(sp), 8).catch(() => { /* the unwinder reads again */ });
    }, () => { /* idem */ });
    traceSettled('prefetch frames', this.framesOf(thread)).catch(() => { /* reported when really asked */ });
    this.viewsOf(thread).catch(() => { /* idem */ });
    const fs = this.frameScope(thread, 0);
    if (fs) {
      // The Variables view asks for both right after the stop: render them in the meantime,
      // unless the VM is asked to run first (a quick next): then the reads stop, and the CPU
      // goes to the step (the next stop drops what was rendered). One event-loop turn first:
      // a stackTrace that came in meanwhile is answered before the rendering starts.
      const runs = this.rt.runs;
      fs.then(f => new Promise<FrameScope>(resolve => setImmediate(() => resolve(f)))).then(f => {
        const read = f.state.readMemory;
        const g: FrameScope = { ...f, state: { ...f.state, readMemory: (a, n) => (this.rt.runs === runs ? read(a, n) : Promise.reject(new ExoError('user', 'The VM ran since this stop.'))) } };
        traceSettled('prefetch params', this.frameNodes(thread, 0, g, 'params')).catch(() => { /* idem */ });
        traceSettled('prefetch locals', this.frameNodes(thread, 0, g, 'locals')).catch(() => { /* idem */ });
      }).catch(() => { /* idem */ });
    }
  }

  private frameNodes(thread: RspThreadId, index: number, fs: FrameScope, which: 'params' | 'locals'): Promise<ValueNode[]> {
    const vars = this.vars;
    if (!vars) return Promise.resolve([]);
    const key = `${thread}/${index}/${which}`;
    let p = this.nodeCache.get(key);
    if (!p) {
      p = vars.nodes(fs, which);
      this.nodeCache.set(key, p);
      p.catch(() => { if (this.nodeCache.get(key) === p) this.nodeCache.delete(key); });
    }
    return p;
  }

  /** After a write: values are re-read on the next request; frame ids stay valid. */
  refreshValues(): void {
    this.varHandles.clear();
    this.valueContainers.clear();
    this.scopeCache.clear();
    this.nodeCache.clear();
  }

  private handle(children: Children, paged = false): number {
    const id = this.nextHandle++;
    this.varHandles.set(id, paged ? children : async (start, count, format) => {
      const all = await children(undefined, undefined, format);
      return start === undefined && count === undefined ? all : all.slice(start ?? 0, count ? (start ?? 0) + count : undefined);
    });
    return id;
  }

  framesOf(thread: RspThreadId): Promise<Frame[]> {
    let p = this.frames.get(thread);
    if (!p) {
      p = (async () => {
        const regs = await this.rt.rsp.readRegisters(thread);
        const read = async (addr: bigint, len: number) => {
          const r = await this.rt.rsp.readVirtual(thread, virt(addr), len);
          if (r.unreadable.length) throw new ExoError('user', `Cannot read ${len} bytes at ${hex(addr)}: not mapped.`);
          return r.data;
        };
        const lenient = (addr: bigint, len: number) => read(addr, len).catch(() => undefined);
        const build = this.rt.parts.loaded.frames;
        if (!build) return framePointerFrames(regs, lenient);
        try { return await build(regs, read); } catch { return framePointerFrames(regs, lenient); }
      })();
      p.catch(() => this.frames.delete(thread));
      this.frames.set(thread, p);
    }
    return p;
  }

  private viewsOf(thread: RspThreadId): Promise<FrameView[]> {
    let p = this.views.get(thread);
    if (!p) {
      p = this.framesOf(thread).then(fs => Promise.all(fs.map(f => describeFrame(f, this.rt.symbols, this.sources))));
      p.catch(() => this.views.delete(thread));
      this.views.set(thread, p);
    }
    return p;
  }

  async stackTrace(args: DebugProtocol.StackTraceArguments, _linesStartAt1: boolean): Promise<DebugProtocol.StackTraceResponse['body']> {
    const thread = rspThread(args.threadId);
    const frames = await this.framesOf(thread);
    const views = await this.viewsOf(thread);
    const start = args.startFrame ?? 0;
    const count = args.levels ? Math.min(args.levels, frames.length - start) : frames.length - start;
    const out: DebugProtocol.StackFrame[] = [];
    for (let i = start; i < start + count; i++) {
      const f = frames[i];
      const id = this.nextHandle++;
      this.frameHandles.set(id, { thread, index: i, frame: f });
      out.push({ id, ...views[i] });
    }
    this.burst.served(thread, 'stack');
    return { stackFrames: out, totalFrames: frames.length };
  }

  frame(frameId: number | undefined): { thread: RspThreadId; index: number; frame?: Frame } {
    if (frameId === undefined) return { thread: this.rt.lastThread, index: 0 };
    const f = this.frameHandles.get(frameId);
    if (!f) throw new ExoError('user', 'That stack frame is gone (the VM ran since): refresh the call stack.');
    return f;
  }

  /** The DWARF scope of a frame (cached until the next stop). */
  private frameScope(thread: RspThreadId, index: number): Promise<FrameScope> | undefined {
    const vars = this.vars;
    if (!vars) return undefined;
    const key = `${thread}/${index}`;
    let p = this.scopeCache.get(key);
    if (!p) {
      p = this.framesOf(thread).then(frames => vars.frameScope(thread, frames, Math.min(index, frames.length - 1)));
      this.scopeCache.set(key, p);
    }
    return p;
  }

  async scopes(args: DebugProtocol.ScopesArguments): Promise<DebugProtocol.ScopesResponse['body']> {
    const { thread, index, frame } = this.frame(args.frameId);
    const scopes: DebugProtocol.Scope[] = [];
    const fsp = this.frameScope(thread, index);
    const vars = this.vars;
    if (fsp && vars) {
      const fs = await fsp;
      if (fs.scope) {
        const scopeRef = (which: 'locals' | 'params') => {
          const ref = this.handle(async (_s, _c, format) => {
            const vars = (await inFormat(await this.frameNodes(thread, index, fs, which), format)).map(n => this.valueVariable(n, thread, index));
            if (index === 0) this.burst.served(thread, which);
            return vars;
          });
          this.valueContainers.set(ref, { thread, index, exprOf: name => name });
          return ref;
        };
        scopes.push({ name: 'Locals', presentationHint: 'locals', expensive: false, namedVariables: fs.scope.locals.length, variablesReference: scopeRef('locals') });
        scopes.push({ name: 'Arguments', presentationHint: 'arguments', expensive: false, namedVariables: fs.scope.params.length, variablesReference: scopeRef('params') });
      }
    }
    const regsRef = this.handle(async () => {
      const regs = index === 0 ? await this.rt.rsp.readRegisters(thread) : (frame?.regs ?? new Map<string, bigint>());
      const groups = buildRegisterGroups(regs as ReadonlyMap<string, bigint>);
      return groups.map(g => ({
        name: g.name, value: g.onDemand ? '' : `${g.nodes.length} registers`,
        variablesReference: this.handle(async () => g.nodes.map(n => this.registerVariable(n, thread, index === 0))),
        presentationHint: g.onDemand ? { lazy: true } : undefined,
      }));
    });
    scopes.push({ name: 'Registers', variablesReference: regsRef, expensive: false, presentationHint: 'registers' });
    return { scopes };
  }

  private valueVariable(n: ValueNode, thread: RspThreadId, index: number, parentExpr?: string): DebugProtocol.Variable {
    const childExpr = (name: string) => (name.startsWith('[') ? `${parentExpr}${name}` : `${parentExpr}.${name}`);
    const evaluateName = parentExpr === undefined ? n.name : childExpr(n.name);
    let ref = 0;
    if (n.childCount > 0) {
      ref = this.handle(async (start, count, format) => (await inFormat(await n.children(start, count), format)).map(c => this.valueVariable(c, thread, index, evaluateName)), true);
      this.valueContainers.set(ref, { thread, index, exprOf: name => (name.startsWith('[') ? `${evaluateName}${name}` : `${evaluateName}.${name}`) });
    }
    return {
      name: n.name, value: n.value, type: n.type || undefined, evaluateName,
      variablesReference: ref,
      indexedVariables: n.indexed ? n.childCount : undefined,
      namedVariables: !n.indexed && n.childCount > 0 ? n.childCount : undefined,
      memoryReference: n.address !== undefined ? hex(n.address) : undefined,
    };
  }

  private registerVariable(n: RegisterNode, thread: RspThreadId, writable: boolean): DebugProtocol.Variable {
    const kids = n.children;
    return {
      name: n.name, value: n.value,
      variablesReference: kids?.length ? this.handle(async () => kids.map(k => this.registerVariable(k, thread, writable))) : 0,
      memoryReference: n.isAddress && n.raw !== undefined ? hex(n.raw) : undefined,
      evaluateName: n.register && !n.field ? `$${n.register}` : undefined,
      presentationHint: writable && n.register && !n.field ? undefined : { attributes: ['readOnly'] },
    };
  }

  async variables(args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.VariablesResponse['body']> {
    const h = this.varHandles.get(args.variablesReference);
    if (!h) throw new ExoError('user', 'Those variables are gone (the VM ran since): refresh the view.');
    return { variables: await h(args.start, args.count || undefined, args.format?.hex ? 'x' : undefined) };
  }

  /** Source variables are assigned through the evaluator (memory or register, typed); registers
   *  of the Registers scope are written directly. */
  async setVariable(args: DebugProtocol.SetVariableArguments): Promise<DebugProtocol.SetVariableResponse['body']> {
    const container = this.valueContainers.get(args.variablesReference);
    if (container) {
      const target = container.exprOf(args.name);
      const r = await this.evaluateIn(container.thread, container.index, `${target} = (${args.value})`);
      // Values shown elsewhere may alias what changed: the session sends 'invalidated'.
      this.refreshValues();
      return { value: r.result };
    }
    const thread = this.rt.lastThread;
    const name = args.name.replace(/^\$/, '');
    if (!this.rt.rsp.registers.byName(name)) throw new ExoError('user', `Only registers can be set here: "${args.name}" is not one.`);
    const value = await this.evaluateIn(thread, 0, args.value);
    const v = value.raw;
    if (v === undefined) throw new ExoError('user', `"${args.value}" is not a number.`);
    await this.rt.rsp.writeRegister(thread, name, v);
    this.frames.delete(thread);
    this.views.delete(thread);
    this.refreshValues();
    return { value: hex(BigInt.asUintN(64, v)) };
  }

  /** `formatSpecs`: the user's text, where `p/x EXPR` and `EXPR,x` ask for a format. */
  async evaluateIn(thread: RspThreadId, frameIndex: number, expr: string, hexFormat = false, formatSpecs = false): Promise<EvalResult> {
    const frame = frameIndex > 0 ? (await this.framesOf(thread))[frameIndex] : undefined;
    const fsp = this.frameScope(thread, frameIndex);
    const vars = this.vars;
    const fs = fsp ? await fsp.catch(() => undefined) : undefined;
    const locals = vars ? (name: string) => vars.symbol(fs, name) : undefined;
    return evaluateExpression(this.rt, thread, expr, frame?.regs, locals, hexFormat, formatSpecs);
  }

  async evaluate(args: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']> {
    const { thread, index } = this.frame(args.frameId);
    const r = await this.evaluateIn(thread, index, args.expression, args.format?.hex ?? false, true);
    if (!r.node || r.node.childCount === 0) return { result: r.result, type: r.type, variablesReference: 0, memoryReference: r.memoryReference };
    // Expandable like a variable; children are named from the expression (parenthesized unless a path).
    const expr = (r.expression ?? args.expression).trim();
    const v = this.valueVariable({ ...r.node, name: /^[\w:$.[\]]+$/.test(expr) ? expr : `(${expr})` }, thread, index);
    return {
      result: r.result, type: r.type, variablesReference: v.variablesReference,
      namedVariables: v.namedVariables, indexedVariables: v.indexedVariables, memoryReference: r.memoryReference,
    };
  }

  async completions(args: DebugProtocol.CompletionsArguments, cols?: ClientColumns): Promise<DebugProtocol.CompletionItem[]> {
    let ctx: CompletionFrame | undefined;
    if (!this.rt.isRunning) {
      const { thread, index } = this.frameHandles.get(args.frameId ?? -1) ?? { thread: this.rt.lastThread, index: 0 };
      const fs = await this.frameScope(thread, index)?.catch(() => undefined);
      const frame = index > 0 ? (await this.framesOf(thread).catch(() => []))[index] : undefined;
      const vars = this.vars;
      const localNames = fs?.scope ? [...fs.scope.locals, ...fs.scope.params].map(d => d.name() ?? '').filter(n => n) : [];
      ctx = { thread, frameRegs: frame?.regs, locals: vars ? name => vars.symbol(fs, name) : undefined, localNames };
    }
    return consoleCompletions(this.rt, this.completionIndex, args, ctx, cols);
  }

  /** The symbol file's sources: on disk (or mapped into rust-src) first, then the unavailable. */
  loadedSources(): Promise<DebugProtocol.Source[]> {
    return this.sources.loadedSources(this.rt.symbols.sourceFiles());
  }

  async readMemory(args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse['body']> {
    return readMemory(this.rt, this.rt.lastThread, args);
  }

  async writeMemory(args: DebugProtocol.WriteMemoryArguments): Promise<DebugProtocol.WriteMemoryResponse['body']> {
    const r = await writeMemory(this.rt, this.rt.lastThread, args);
    this.frames.clear(); // stacks may have changed; variable handles re-read when asked
    this.views.clear();
    this.scopeCache.clear();
    this.nodeCache.clear();
    return r;
  }

  async disassemble(args: DebugProtocol.DisassembleArguments, _linesStartAt1: boolean): Promise<DebugProtocol.DisassembleResponse['body']> {
    return disassemble(this.rt, this.rt.lastThread, args);
  }

  /** dataBreakpointInfo for a variable shown in Locals/Arguments (or a field of one): its
   *  address and size through the evaluator (`&x`, `sizeof(x)`); watchpoints cover ≤ 8 bytes. */
  async dataInfoForVariable(ref: number, name: string): Promise<DebugProtocol.DataBreakpointInfoResponse['body'] | undefined> {
    const c = this.valueContainers.get(ref);
    if (!c) return undefined;
    const expr = c.exprOf(name);
    try {
      const addr = (await this.evaluateIn(c.thread, c.index, `&(${expr})`)).raw;
      const size = (await this.evaluateIn(c.thread, c.index, `sizeof(${expr})`)).raw;
      if (addr === undefined || size === undefined) return undefined;
      const len = Number(size > 8n ? 8n : size < 1n ? 1n : size);
      return { dataId: `${hex(addr)}/${len}`, description: `${expr} (${len} bytes at ${hex(addr)})`, accessTypes: ['write', 'read', 'readWrite'], canPersist: false };
    } catch (e) {
      return { dataId: null, description: `${expr} has no address to watch: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
