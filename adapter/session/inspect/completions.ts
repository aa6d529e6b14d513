// Debug Console completions over the live session: globals and functions from the symbol file
// (Rust names demangled to paths), locals of the selected frame, fields through the evaluator's
// types, the stub's registers, and `monitor` commands from QEMU's own `help` (cached).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RspThreadId } from '../../common/types';
import { demangle } from '../../symbols/demangle';
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

/** Per-session name lists: built once on first use (a vmlinux has ~10^5 symbols). */
export class CompletionIndex {
  private names: { globals: string[]; functions: string[] } | undefined;
  private readonly monitorHelp = new Map<string, Promise<MonitorCommand[]>>();

  constructor(private readonly rt: Runtime) {}

  symbolNames(): { globals: string[]; functions: string[] } {
    if (this.names) return this.names;
    const globals = new Set<string>();
    const functions = new Set<string>();
    const file = this.rt.parts.loaded.file;
    for (const s of file ? file.elf.symbols().all : []) {
      if (s.shndx === 0 || !s.name || (s.type !== 'object' && s.type !== 'func')) continue;
      const name = demangle(s.name);
      if (PATH_NAME.test(name)) (s.type === 'object' ? globals : functions).add(name);
    }
    this.names = { globals: [...globals], functions: [...functions] };
    return this.names;
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

/** DAP completions for `args` (column 1-based, start/length in the targets 0-based, as VS Code uses them). */
export async function consoleCompletions(rt: Runtime, index: CompletionIndex, args: DebugProtocol.CompletionsArguments,
  frame: CompletionFrame | undefined): Promise<DebugProtocol.CompletionItem[]> {
  const cursor = Math.max(0, Math.min(args.text.length, args.column - 1));
  const { globals, functions } = index.symbolNames();
  const stub = rt.rsp.registers.registers.map(r => r.name);
  const registers = [...new Set([...stub, ...COMPLETION_REGISTERS])];
  // Field types need memory and registers: only while the VM is stopped.
  const live = frame && !rt.isRunning ? frame : undefined;
  const items = await complete(args.text, cursor, {
    names: globals, functions, locals: frame?.localNames ?? [], registers,
    typeOf: live ? expr => new Evaluator(vmEnvironment(rt, live.thread, live.frameRegs, live.locals)).typeOf(expr) : undefined,
    monitor: path => index.monitor(path),
  });
  return items.map(i => ({
    label: i.label, text: i.text, type: i.type === 'register' ? 'variable' : i.type, start: i.start, length: i.length,
    ...(i.sortText ? { sortText: i.sortText } : {}), ...(i.detail ? { detail: i.detail } : {}),
  }));
}
