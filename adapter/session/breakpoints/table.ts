// Breakpoint bookkeeping, pure: which DAP breakpoints exist, where they resolved, which target
// sites (Z packets) they need, and the decision at a hit (per-CPU filter, condition, hit count,
// log point). The service turns the site set into Z/z packets; nothing here does I/O.
import { HitCondition, hitConditionMet } from './hitCondition';
import { LogPart } from './logMessage';

export type SiteKind = 'sw' | 'write' | 'read' | 'access';
export type BpKind = 'source' | 'function' | 'instruction' | 'data';

export interface BreakpointEntry {
  readonly id: number;
  readonly kind: BpKind;
  /** Source path (source bps) or function name / address text / data id. */
  readonly key: string;
  readonly addresses: readonly bigint[];
  readonly siteKind: SiteKind;
  /** Watched length for data breakpoints (bytes). */
  readonly length: number;
  /** Only this vCPU (0-based) stops; undefined = all CPUs. */
  readonly cpu?: number;
  readonly condition?: string;
  readonly hitCondition?: HitCondition;
  readonly log?: LogPart[];
  /** Hits that passed the CPU filter and condition (what the hit condition counts). */
  hits: number;
  /** Every hit, per vCPU, including the ones resumed silently. */
  readonly hitsByCpu: Map<number, number>;
}

export interface Site { kind: SiteKind; addr: bigint; length: number }
export const siteKey = (s: Site) => `${s.kind}:${s.addr.toString(16)}:${s.length}`;

export interface HitEvaluator {
  /** Evaluates a breakpoint condition in the stopped CPU's context. */
  condition(expr: string): Promise<boolean>;
  /** Emits a log point's message. */
  log(parts: LogPart[], entry: BreakpointEntry): Promise<void>;
}

export interface HitDecision {
  stop: boolean;
  /** DAP ids of the breakpoints that stop (for StoppedEvent.hitBreakpointIds). */
  hitIds: number[];
  /** Breakpoints whose condition could not be evaluated: they stop, with this message. */
  conditionErrors: string[];
}

export type NewEntry = Omit<BreakpointEntry, 'id' | 'hits' | 'hitsByCpu'>;

export class BreakpointTable {
  private nextId = 1;
  private readonly entries = new Map<number, BreakpointEntry>();
  /** Hidden single-use sites (step over/out, run to entry): key → reference count. */
  private readonly temps = new Map<string, { site: Site; refs: number }>();

  /** Replaces every entry of `kind` with `key` (a source file: all its breakpoints at once). */
  replace(kind: BpKind, key: string | undefined, fresh: NewEntry[]): BreakpointEntry[] {
    for (const [id, e] of this.entries) {
      if (e.kind === kind && (key === undefined || e.key === key)) this.entries.delete(id);
    }
    return fresh.map(n => this.add(n));
  }

  add(n: NewEntry): BreakpointEntry {
    const e: BreakpointEntry = { ...n, id: this.nextId++, hits: 0, hitsByCpu: new Map() };
    this.entries.set(e.id, e);
    return e;
  }

  /** Reserves an id for a breakpoint that could not be resolved (reported unverified). */
  reserveId(): number { return this.nextId++; }

  all(): BreakpointEntry[] { return [...this.entries.values()]; }
  get(id: number): BreakpointEntry | undefined { return this.entries.get(id); }

  addTemp(addr: bigint): Site {
    const site: Site = { kind: 'sw', addr, length: 1 };
    const k = siteKey(site);
    const t = this.temps.get(k);
    if (t) t.refs++; else this.temps.set(k, { site, refs: 1 });
    return site;
  }

  removeTemp(site: Site): void {
    const k = siteKey(site);
    const t = this.temps.get(k);
    if (!t) return;
    if (--t.refs <= 0) this.temps.delete(k);
  }

  isTemp(addr: bigint): boolean { return this.temps.has(siteKey({ kind: 'sw', addr, length: 1 })); }

  /** Every target site the current breakpoints need, deduplicated. */
  desiredSites(): Map<string, Site> {
    const out = new Map<string, Site>();
    for (const e of this.entries.values()) {
      for (const addr of e.addresses) {
        const s: Site = { kind: e.siteKind, addr, length: e.siteKind === 'sw' ? 1 : e.length };
        out.set(siteKey(s), s);
      }
    }
    for (const [k, t] of this.temps) out.set(k, t.site);
    return out;
  }

  /** Code breakpoints located at `addr`. */
  codeEntriesAt(addr: bigint): BreakpointEntry[] {
    return this.all().filter(e => e.siteKind === 'sw' && e.addresses.includes(addr));
  }

  /** Is there any code site (user or temp) at `addr`? */
  hasCodeSiteAt(addr: bigint): boolean {
    return this.isTemp(addr) || this.codeEntriesAt(addr).length > 0;
  }

  /** Data breakpoints whose watched range contains `addr`. */
  dataEntriesAt(addr: bigint): BreakpointEntry[] {
    return this.all().filter(e => e.siteKind !== 'sw' && e.addresses.some(a => addr >= a && addr < a + BigInt(e.length)));
  }
}

/** Which sites to insert and remove to go from `installed` to `desired`. */
export function diffSites(installed: ReadonlyMap<string, Site>, desired: ReadonlyMap<string, Site>): { insert: Site[]; remove: Site[] } {
  const insert = [...desired].filter(([k]) => !installed.has(k)).map(([, s]) => s);
  const remove = [...installed].filter(([k]) => !desired.has(k)).map(([, s]) => s);
  return { insert, remove };
}

/**
 * Decides what a hit of `entries` on vCPU `cpu` means. Order as gdb: CPU filter, then
 * condition, then hit count; a log point logs and never stops. A condition that fails to
 * evaluate stops (the user should see why) and is reported.
 */
export async function decideHit(entries: BreakpointEntry[], cpu: number, ev: HitEvaluator): Promise<HitDecision> {
  const d: HitDecision = { stop: false, hitIds: [], conditionErrors: [] };
  for (const e of entries) {
    e.hitsByCpu.set(cpu, (e.hitsByCpu.get(cpu) ?? 0) + 1);
    if (e.cpu !== undefined && e.cpu !== cpu) continue;
    if (e.condition) {
      let ok: boolean;
      try { ok = await ev.condition(e.condition); } catch (err) {
        d.conditionErrors.push(`Breakpoint condition "${e.condition}" failed: ${err instanceof Error ? err.message : String(err)}`);
        d.stop = true; d.hitIds.push(e.id);
        continue;
      }
      if (!ok) continue;
    }
    e.hits++;
    if (e.hitCondition && !hitConditionMet(e.hitCondition, e.hits)) continue;
    if (e.log) { await ev.log(e.log, e); continue; }
    d.stop = true;
    d.hitIds.push(e.id);
  }
  return d;
}
