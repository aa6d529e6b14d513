// DAP breakpoint requests → table entries → target sites. Resolves source lines and functions
// through the symbols, parses conditions/hit counts/log messages once, and answers with
// verified breakpoints (actual line) or unverified ones with the reason.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describeError } from '../../common/errors';
import { parseBig } from '../../common/hex';
import { parseCpuMode } from '../protocol';
import type { Runtime } from '../runtime';
import { parseHitCondition } from './hitCondition';
import { parseLogMessage } from './logMessage';
import { NewEntry, SiteKind } from './table';
import { sourcePaths } from '../inspect/sources';

type Common = { condition?: string; hitCondition?: string; logMessage?: string; mode?: string };

export class BreakpointService {
  constructor(private readonly rt: Runtime) {}

  private options(bp: Common, cpus: number): Pick<NewEntry, 'cpu' | 'condition' | 'hitCondition' | 'log'> {
    const cpu = parseCpuMode(bp.mode);
    if (cpu !== undefined && cpu >= cpus) throw new Error(`CPU ${cpu} does not exist (the VM has ${cpus} vCPUs).`);
    return {
      cpu,
      condition: bp.condition?.trim() || undefined,
      hitCondition: bp.hitCondition?.trim() ? parseHitCondition(bp.hitCondition) : undefined,
      log: bp.logMessage ? parseLogMessage(bp.logMessage) : undefined,
    };
  }

  private unverified(message: string, line?: number): DebugProtocol.Breakpoint {
    return { id: this.rt.table.reserveId(), verified: false, message, line };
  }

  async setSource(args: DebugProtocol.SetBreakpointsArguments): Promise<DebugProtocol.Breakpoint[]> {
    // A file opened from rust-src stands for its /rustc/<commit>/… path in the debug info.
    const file = await sourcePaths.toDebugPath(args.source.path ?? args.source.name ?? '');
    const fresh: (NewEntry | DebugProtocol.Breakpoint)[] = (args.breakpoints ?? []).map(bp => {
      try {
        const opts = this.options(bp, this.rt.cpus);
        const r = this.rt.symbols.resolveLine(file, bp.line);
        if ('error' in r) return this.unverified(r.error, bp.line);
        return { kind: 'source', key: file, addresses: r.addresses, siteKind: 'sw', length: 1, line: r.line, ...opts } as NewEntry & { line: number };
      } catch (e) { return this.unverified(describeError(e), bp.line); }
    });
    const entries = this.rt.table.replace('source', file, fresh.filter(isEntry));
    this.rt.parts.loaded.warmAt?.(entries.flatMap(e => e.addresses));
    await this.rt.sites.sync();
    let i = 0;
    return fresh.map(f => {
      if (!isEntry(f)) return f;
      const e = entries[i++];
      return { id: e.id, verified: true, line: (f as NewEntry & { line: number }).line, source: args.source, instructionReference: hex(e.addresses[0]) };
    });
  }

  async setFunction(args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<DebugProtocol.Breakpoint[]> {
    const fresh = args.breakpoints.map(bp => {
      try {
        const opts = this.options(bp, this.rt.cpus);
        const name = bp.name.trim();
        const r = /^(0x)?[0-9a-f]+$/i.test(name) && name.startsWith('0x') ? [parseBig(name)] : this.rt.symbols.resolveFunction(name);
        if (!Array.isArray(r)) return this.unverified(r.error);
        if (r.length === 0) return this.unverified(`No function named "${name}" in the symbols.`);
        return { kind: 'function', key: name, addresses: r, siteKind: 'sw', length: 1, ...opts } as NewEntry;
      } catch (e) { return this.unverified(describeError(e)); }
    });
    return this.commit('function', fresh);
  }

  async setInstruction(args: DebugProtocol.SetInstructionBreakpointsArguments): Promise<DebugProtocol.Breakpoint[]> {
    const fresh = args.breakpoints.map(bp => {
      try {
        const addr = parseBig(bp.instructionReference) + BigInt(bp.offset ?? 0);
        return { kind: 'instruction', key: hex(addr), addresses: [BigInt.asUintN(64, addr)], siteKind: 'sw', length: 1, ...this.options(bp, this.rt.cpus) } as NewEntry;
      } catch (e) { return this.unverified(describeError(e)); }
    });
    return this.commit('instruction', fresh);
  }

  /** dataBreakpointInfo: a global/static by name, or an address expression `0x…[,len]`. */
  dataInfo(args: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    const name = args.name.trim();
    const kinds: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];
    if (args.asAddress || /^0x[0-9a-f]+$/i.test(name)) {
      const len = args.bytes ?? 8;
      return { dataId: `${hex(parseBig(name))}/${len}`, description: `${len} bytes at ${name}`, accessTypes: kinds, canPersist: true };
    }
    const v = this.rt.symbols.variableAddress(name);
    if (!v) return { dataId: null, description: `"${name}" is not a global or static with a fixed address: watch an address (0x…) instead.` };
    const size = Math.max(1, Math.min(v.size, 8));
    return { dataId: `${hex(v.addr)}/${size}`, description: `${name} (${size} bytes at ${hex(v.addr)})`, accessTypes: kinds, canPersist: true };
  }

  async setData(args: DebugProtocol.SetDataBreakpointsArguments): Promise<DebugProtocol.Breakpoint[]> {
    const fresh = args.breakpoints.map(bp => {
      const m = /^(0x[0-9a-f]+)\/(\d+)$/i.exec(bp.dataId);
      if (!m) return this.unverified(`Data breakpoint id "${bp.dataId}" is not one this adapter made.`);
      const siteKind: SiteKind = bp.accessType === 'read' ? 'read' : bp.accessType === 'readWrite' ? 'access' : 'write';
      try {
        return { kind: 'data', key: bp.dataId, addresses: [parseBig(m[1])], siteKind, length: Number(m[2]), ...this.options(bp, this.rt.cpus) } as NewEntry;
      } catch (e) { return this.unverified(describeError(e)); }
    });
    return this.commit('data', fresh);
  }

  private async commit(kind: NewEntry['kind'], fresh: (NewEntry | DebugProtocol.Breakpoint)[]): Promise<DebugProtocol.Breakpoint[]> {
    const entries = this.rt.table.replace(kind, undefined, fresh.filter(isEntry));
    if (kind !== 'data') this.rt.parts.loaded.warmAt?.(entries.flatMap(e => e.addresses));
    await this.rt.sites.sync();
    let i = 0;
    return Promise.all(fresh.map(async f => {
      if (!isEntry(f)) return f;
      const e = entries[i++];
      const failed = e.addresses.map(a => this.rt.sites.failures.get(`${e.siteKind}:${a.toString(16)}:${e.siteKind === 'sw' ? 1 : e.length}`)).find(Boolean);
      if (failed) return { id: e.id, verified: false, message: failed };
      const loc = kind === 'data' ? undefined : this.rt.symbols.lineAt(e.addresses[0]);
      // As stack frames: /rustc/… (core, alloc) maps into rust-src of the same rustc, or comes
      // without a path (deemphasized, the reason as origin) rather than a file that is not there.
      return {
        id: e.id, verified: true, instructionReference: hex(e.addresses[0]),
        ...(loc ? { line: loc.line, source: await sourcePaths.source(loc.file) } : {}),
      };
    }));
  }
}

const hex = (v: bigint) => '0x' + v.toString(16);
function isEntry(x: NewEntry | DebugProtocol.Breakpoint): x is NewEntry {
  return (x as NewEntry).siteKind !== undefined;
}
