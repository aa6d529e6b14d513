// Page tables served lazily, one table at a time, for tree views: the root of a CR3 and the
// present entries of any table with the virtual range each covers and its decoded flags.
import { canonical, geometry, Geometry, PagingContext, TableCache } from './paging';
import { decodePte, DecodedPte, LEVEL_NAMES, PteOptions } from './pte';
import { nextTable } from './walk';

/** A handle on one table: enough to list its entries later (e.g. as a DAP variablesReference). */
export interface TableRef {
  readonly phys: bigint;
  /** Index into the geometry's levels (0 = top). */
  readonly depth: number;
  /** Virtual address covered by entry 0 of this table (not canonicalized). */
  readonly base: bigint;
}

export interface TableEntryView {
  readonly index: number;
  /** Canonical first virtual address the entry covers, and how many bytes. */
  readonly virt: bigint;
  readonly span: bigint;
  readonly entry: DecodedPte;
  /** Level name of the table holding the entry (PML4, PDPT, PD, PT; PD/PT in 32-bit paging). */
  readonly levelName: string;
  /** The next table, when the entry points at one. */
  readonly child?: TableRef;
}

export interface TableRoot { readonly geometry: Geometry; readonly root: TableRef }

export function tableRoot(ctx: PagingContext): TableRoot | undefined {
  const g = geometry(ctx);
  return g ? { geometry: g, root: { phys: g.root, depth: 0, base: 0n } } : undefined;
}

/**
 * The entries of one table. Non-present entries are left out unless `includeEmpty` (a
 * non-zero non-present entry is kept either way: it may be a swapped-out or garbage entry).
 */
export async function tableEntries(g: Geometry, cache: TableCache, ref: TableRef, opts: PteOptions & { includeEmpty?: boolean } = {}): Promise<TableEntryView[]> {
  const lv = g.levels[ref.depth];
  const raw = await cache.table(ref.phys, lv.entries, lv.entrySize);
  const levelName = g.mode === '32-bit' ? (lv.level === 2 ? 'PD' : 'PT') : LEVEL_NAMES[lv.level];
  const out: TableEntryView[] = [];
  raw.forEach((value, index) => {
    if (value === 0n && !opts.includeEmpty) return;
    const entry = decodePte(value, lv.level, { ...opts, entrySize: lv.entrySize }, lv.largePages);
    const start = ref.base + (BigInt(index) << lv.shift);
    const span = g.mode === '32-bit' && ref.depth === 0 ? 1n << 22n : 1n << lv.shift;
    const child = entry.present && !entry.leaf && ref.depth + 1 < g.levels.length
      ? { phys: nextTable(g, value), depth: ref.depth + 1, base: start } : undefined;
    out.push({ index, virt: canonical(start, g.vaBits), span, entry, levelName, child });
  });
  return out;
}
