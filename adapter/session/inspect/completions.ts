// Debug Console completions over the live session: globals and functions from the symbol file
// (Rust names demangled to paths), locals of the selected frame, fields through the evaluator's
// types, the stub's registers, and `monitor` commands from QEMU's own `help` (cached). The name
// lists of a big image (a vmlinux: ~130,000 symbols) are built in slices, one per event-loop turn,
// so other requests are answered meanwhile.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RspThreadId } from '../../common/types';
import { demangle } from '../../symbols/demangle';
import { symbolNameSteps } from '../../symbols/elf/symbolNames';
import { complete, COMPLETION_REGISTERS, Evaluator, MonitorCommand, parseMonitorHelp } from '../eval';
import type { Runtime } from '../runtime';
import { FrameSymbols, vmEnvironment } from './evalEnv';

/** A name the expression language can spell: a C identifier or a Rust path. */
const PATH_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The selected frame's context: whose registers/locals the evaluator uses for field types. */
export interface CompletionFrame {
  thread: RspThreadId;
  frameRegs?: ReadonlyMap<string, bigint>;
  locals?: FrameSymbols;
  localNames: readonly string[];
}

/** Globals and functions as completion offers them: demangled, deduplicated, sorted. */
export interface SymbolNameLists { globals: string[]; functions: string[] }

/** Names demangled (or sorted) per slice; ELF records decoded per slice: ~5 ms each on a vmlinux. */
const NAMES_PER_SLICE = 2048;
const RECORDS_PER_SLICE = 4096;

const turn = () => new Promise<void>(r => setImmediate(r));

/** `names` sorted (code unit order) without one long sort: bucketed by their first two code
 *  units, buckets sorted a few per slice and concatenated in key order. */
async function sortInSlices(names: Iterable<string>): Promise<string[]> {
  const buckets = new Map<string, string[]>();
  for (const n of names) {
    const k = n.slice(0, 2);
    const b = buckets.get(k);
    if (b) b.push(n); else buckets.set(k, [n]);
  }
  const out: string[] = [];
  let done = 0;
  for (const k of [...buckets.keys()].sort()) {
    const b = buckets.get(k)!.sort();
    for (const n of b) out.push(n);
    done += b.length;
    if (done >= NAMES_PER_SLICE) { done = 0; await turn(); }
  }
  return out;
}

/** The name lists of `file`, computed in slices with an event-loop turn between them. */
export async function buildNameLists(elf: Parameters<typeof symbolNameSteps>[0]): Promise<SymbolNameLists> {
  const steps = symbolNameSteps(elf, RECORDS_PER_SLICE);
  let r = steps.next();
  while (!r.done) { await turn(); r = steps.next(); }
  const pathNames = async (raw: string[]) => {
    const out = new Set<string>();
    for (let i = 0; i < raw.length; i += NAMES_PER_SLICE) {
      for (const m of raw.slice(i, i + NAMES_PER_SLICE)) {
        const name = demangle(m);
        if (PATH_NAME.test(name)) out.add(name);
      }
      await turn();
    }
    return out;
  };
  const globals = await sortInSlices(await pathNames(r.value.objects));
  const functions = await sortInSlices(await pathNames(r.value.functions));
  return { globals, functions };
}

/** Per-session name lists: built once, in slices, from the first completion request on. */
export class CompletionIndex {
  private names: SymbolNameLists | undefined;
  private building: Promise<SymbolNameLists> | undefined;
  private readonly monitorHelp = new Map<string, Promise<MonitorCommand[]>>();

  constructor(private readonly rt: Runtime) {}

  /** The lists once built; starts building them (in the background) on first call. */
  symbolNames(): Promise<SymbolNameLists> {
    if (this.names) return Promise.resolve(this.names);
    if (!this.building) {
      const file = this.rt.parts.loaded.file;
      this.building = file ? buildNameLists(file.elf) : Promise.resolve({ globals: [], functions: [] });
      this.building.then(n => { this.names = n; }, () => { this.building = undefined; });
    }
    return this.building;
  }

  /** What is ready within `waitMs`: the lists, or empty ones while they are still being built
   *  (locals, registers and fields complete meanwhile). */
  async namesWithin(waitMs: number): Promise<SymbolNameLists> {
    if (this.names) return this.names;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<SymbolNameLists>(r => { timer = setTimeout(() => r({ globals: [], functions: [] }), waitMs); });
    try {
      return await Promise.race([this.symbolNames().catch(() => ({ globals: [], functions: [] })), late]);
    } finally { clearTimeout(timer); }
  }

  /** QEMU's monitor commands (or a command's subcommands) from its `help`. Never asked while the
   *  VM runs: any packet sent then would stop it. */
  monitor(path: readonly string[]): Promise<MonitorCommand[]> {
    const key = path.join(' ');
    let p = this.monitorHelp.get(key);
    if (!p) {
      if (this.rt.isRunning) return Promise.resolve([]);
      p = this.rt.rsp.monitor(key ? `help ${key}` : 'help').then(text => parseMonitorHelp(text, path));
      this.monitorHelp.set(key, p);
      p.catch(() => this.monitorHelp.delete(key));
    }
    return p;
  }
}

/** How the client counts columns: `columnsStartAt1` of its initialize request, and whether it
 *  reads a completion's `start` as a 0-based offset into the text whatever that says. */
export interface ClientColumns { columnsStartAt1: boolean; zeroBasedStart?: boolean }

/** The client of an initialize request. VS Code (and code-server) send columnsStartAt1 but use
 *  `start` only as `text.substring(start, start + length)` for the filter text (a 0-based offset;
 *  the replaced range comes from `length` alone): a 1-based `start` would shift that text. */
export function clientColumns(args: { columnsStartAt1?: boolean; clientID?: string }): ClientColumns {
  return { columnsStartAt1: args.columnsStartAt1 ?? true, zeroBasedStart: args.clientID === 'vscode' };
}

/** The 0-based cursor offset into `text` for the request's `column` (in the client's columns). */
export function cursorOffset(text: string, column: number, cols: ClientColumns): number {
  return Math.max(0, Math.min(text.length, column - (cols.columnsStartAt1 ? 1 : 0)));
}

/** A 0-based offset into the text as the client's `start` (DAP: in the client's columns). */
export function startColumn(offset: number, cols: ClientColumns): number {
  return offset + (cols.columnsStartAt1 && !cols.zeroBasedStart ? 1 : 0);
}

/** How long a completion waits for the name lists being built (~0.1-0.3 s for a vmlinux). */
const NAMES_WAIT_MS = 1500;

/** DAP completions for `args`: `column` and the targets' `start` in the client's columns. */
export async function consoleCompletions(rt: Runtime, index: CompletionIndex, args: DebugProtocol.CompletionsArguments,
  frame: CompletionFrame | undefined, cols: ClientColumns = { columnsStartAt1: true }): Promise<DebugProtocol.CompletionItem[]> {
  const cursor = cursorOffset(args.text, args.column, cols);
  const { globals, functions } = await index.namesWithin(NAMES_WAIT_MS);
  const stub = rt.rsp.registers.registers.map(r => r.name);
  const registers = [...new Set([...stub, ...COMPLETION_REGISTERS])];
  // Field types need memory and registers: only while the VM is stopped.
  const live = frame && !rt.isRunning ? frame : undefined;
  const items = await complete(args.text, cursor, {
    names: globals, functions, sorted: true, locals: frame?.localNames ?? [], registers,
    typeOf: live ? expr => new Evaluator(vmEnvironment(rt, live.thread, live.frameRegs, live.locals)).typeOf(expr) : undefined,
    monitor: path => index.monitor(path),
  });
  return items.map(i => ({
    label: i.label, text: i.text, type: i.type === 'register' ? 'variable' : i.type, start: startColumn(i.start, cols), length: i.length,
    ...(i.sortText ? { sortText: i.sortText } : {}), ...(i.detail ? { detail: i.detail } : {}),
  }));
}
