// Page tables of any vCPU as data: lazy per-table entries, coalesced ranges, QEMU-format
// `info tlb`/`info mem` text, a summary, and translation both ways. Tables are read from
// physical memory once per stop (cache keyed by physical address, dropped at the next stop).
import { ExoError } from '../common/errors';
import { reg } from '../x86/cpumode';
import { geometry, TableCache, type Geometry, type PagingContext } from '../x86/paging';
import { describePte, type DecodedPte, type PteOptions } from '../x86/pte';
import { formatInfoMem, formatInfoTlb } from '../x86/qemuFormat';
import { tableEntries, tableRoot, type TableRef } from '../x86/tableView';
import { countRanges, mappedRanges, physToVirt, scanLeaves, type MappedRange } from '../x86/leafScan';
import { loadSnapshot, translate, type PageTableSnapshot, type Translation } from '../x86/walk';
import type { ViewTarget } from './target';

/** Exo-OS marks copy-on-write pages with software bit 9 (kernel/README.md). */
export const EXO_COW_BIT = 9;

export interface PagingOptions {
  /** Software bit meaning COW (a setting); default Exo-OS's bit 9. Null: none. */
  readonly cowBit?: number | null;
  /** MAXPHYADDR for reserved-bit checks; default 52 (no check beyond architectural ones). */
  readonly physAddrBits?: number;
  /** Drop cached tables first (after the debugger itself wrote guest memory). */
  readonly fresh?: boolean;
}

export interface EntryView {
  readonly index: number;
  readonly virt: bigint;
  readonly span: bigint;
  readonly levelName: string;
  readonly entry: DecodedPte;
  readonly flags: string;
  /** Reserved bits set: the MMU would fault; the walk does not follow it as a mapping. */
  readonly garbage: boolean;
  readonly child?: TableRef;
}

export interface TableResult {
  readonly mode: Geometry['mode'];
  readonly cr3: bigint;
  readonly table: TableRef;
  readonly levelName: string;
  readonly entries: readonly EntryView[];
}

export interface PageTableSummary {
  readonly mode: Geometry['mode'] | 'none';
  readonly cr3: bigint;
  readonly tablesRead: number;
  readonly bytesRead: number;
  readonly leaves: { readonly total: number; readonly bySize: Readonly<Record<string, number>> };
  readonly mappedBytes: bigint;
  readonly userPages: number;
  readonly writableExecutable: number;
  readonly cowPages: number;
  /** The software bit counted as COW (null: none). */
  readonly cowBit: number | null;
  readonly garbageEntries: number;
  readonly ranges: number;
  readonly truncated: boolean;
}

const SIZE_NAMES: Record<number, string> = { [2 ** 12]: '4K', [2 ** 21]: '2M', [2 ** 22]: '4M', [2 ** 30]: '1G' };

export class PageTableService {
  private token: object | undefined;
  private cache: TableCache;

  constructor(private readonly t: ViewTarget) {
    this.cache = new TableCache((a, n) => t.readPhysical(a, n));
  }

  /** The table cache, renewed at every stop. */
  private tables(opts: PagingOptions): TableCache {
    if (this.token !== this.t.stopToken || opts.fresh) {
      this.cache = new TableCache((a, n) => this.t.readPhysical(a, n));
      this.token = this.t.stopToken;
    }
    return this.cache;
  }

  private pteOptions(opts: PagingOptions): PteOptions {
    const cowBit = opts.cowBit === null ? undefined : opts.cowBit ?? EXO_COW_BIT;
    return { cowBit, physAddrBits: opts.physAddrBits };
  }

  async context(cpu: number): Promise<PagingContext> {
    if (this.t.running) throw new ExoError('user', 'The VM is running: pause it to read page tables.');
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.t.cpuCount) throw new ExoError('user', `There is no CPU ${cpu}: this VM has CPUs 0-${this.t.cpuCount - 1}.`);
    const r = await this.t.readRegisters(cpu);
    return { cr0: reg(r, 'cr0'), cr3: reg(r, 'cr3'), cr4: reg(r, 'cr4'), efer: reg(r, 'efer') };
  }

  private async pagingOn(cpu: number): Promise<{ ctx: PagingContext; g: Geometry }> {
    const ctx = await this.context(cpu);
    const g = geometry(ctx);
    if (!g) throw new ExoError('user', `CPU ${cpu} has paging off (CR0.PG=0): it uses physical addresses directly.`);
    return { ctx, g };
  }

  async snapshot(cpu: number, opts: PagingOptions = {}): Promise<PageTableSnapshot> {
    const { ctx } = await this.pagingOn(cpu);
    return (await loadSnapshot(ctx, this.tables(opts)))!;
  }

  /** One table's entries: the root when `ref` is absent. */
  async table(cpu: number, ref: TableRef | undefined, opts: PagingOptions & { includeEmpty?: boolean } = {}): Promise<TableResult> {
    const { ctx, g } = await this.pagingOn(cpu);
    const root = tableRoot(ctx)!;
    const table = ref ?? root.root;
    if (table.depth < 0 || table.depth >= g.levels.length) throw new ExoError('user', `table depth ${table.depth} is outside 0-${g.levels.length - 1} for ${g.mode} paging`);
    const entries = await tableEntries(g, this.tables(opts), table, { ...this.pteOptions(opts), includeEmpty: opts.includeEmpty });
    const lv = g.levels[table.depth];
    return {
      mode: g.mode, cr3: ctx.cr3, table,
      levelName: entries[0]?.levelName ?? (g.mode === '32-bit' ? (lv.level === 2 ? 'PD' : 'PT') : ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'][lv.level]),
      entries: entries.map(e => ({ index: e.index, virt: e.virt, span: e.span, levelName: e.levelName, entry: e.entry, flags: describePte(e.entry), garbage: e.entry.reserved !== 0n, child: e.entry.reserved !== 0n ? undefined : e.child })),
    };
  }

  async ranges(cpu: number, opts: PagingOptions = {}): Promise<{ ranges: MappedRange[]; truncated: boolean }> {
    return mappedRanges(await this.snapshot(cpu, opts), this.pteOptions(opts));
  }

  async infoTlb(cpu: number, opts: PagingOptions = {}): Promise<string> { return formatInfoTlb(await this.snapshot(cpu, opts)).text; }
  async infoMem(cpu: number, opts: PagingOptions = {}): Promise<string> { return formatInfoMem(await this.snapshot(cpu, opts)).text; }

  async summary(cpu: number, opts: PagingOptions = {}): Promise<PageTableSummary> {
    const ctx = await this.context(cpu);
    const g = geometry(ctx);
    const pte = this.pteOptions(opts);
    const cowBit = pte.cowBit ?? null;
    const empty = { cowBit, tablesRead: 0, bytesRead: 0, leaves: { total: 0, bySize: {} }, mappedBytes: 0n, userPages: 0, writableExecutable: 0, cowPages: 0, garbageEntries: 0, ranges: 0, truncated: false };
    if (!g) return { mode: 'none', cr3: ctx.cr3, ...empty };
    const cache = this.tables(opts);
    const snap = (await loadSnapshot(ctx, cache))!;
    const bySize: Record<string, number> = {};
    let mapped = 0, user = 0, wx = 0, cow = 0, garbage = 0;
    const walk = scanLeaves(snap, leaf => {
      const k = SIZE_NAMES[leaf.size] ?? String(leaf.size);
      bySize[k] = (bySize[k] ?? 0) + 1;
      mapped += leaf.size;
      if (leaf.user) user++;
      if (leaf.writable && leaf.executable) wx++;
      if (leaf.cow) cow++;
      if (leaf.garbage) garbage++;
    }, pte);
    return {
      mode: g.mode, cr3: ctx.cr3, tablesRead: cache.reads, bytesRead: cache.bytesRead,
      leaves: { total: walk.leaves, bySize }, mappedBytes: BigInt(mapped), userPages: user, writableExecutable: wx, cowPages: cow, cowBit,
      garbageEntries: garbage, ranges: countRanges(snap, pte), truncated: walk.truncated,
    };
  }

  /** `cr3` walks another address space (e.g. a process's) in `cpu`'s paging mode. */
  async translate(cpu: number, virt: bigint, opts: PagingOptions & { cr3?: bigint } = {}): Promise<Translation> {
    const ctx = await this.context(cpu);
    return translate(opts.cr3 !== undefined ? { ...ctx, cr3: opts.cr3 } : ctx, this.tables(opts), virt, this.pteOptions(opts));
  }

  async physToVirt(cpu: number, phys: bigint, opts: PagingOptions = {}): Promise<{ virts: bigint[]; truncated: boolean }> {
    return physToVirt(await this.snapshot(cpu, opts), phys, this.pteOptions(opts));
  }
}
