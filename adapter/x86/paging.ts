// Paging geometry per mode (32-bit, PAE, 4-level, 5-level) and the table cache: tables are
// read from physical memory once per stop, keyed by physical address (Linux maps one frame
// 65,536 times), with a bound on how many distinct tables one walk may read.
import { ExoError } from '../common/errors';
import { readLE } from '../common/hex';
import { bitSet } from './bits';
import { CR4 } from './regdefs';
import { pagingMode, type PagingMode } from './cpumode';
import type { TableLevel } from './pte';

/** Reads guest physical memory (e.g. RSP `m` with PhyMemMode on). */
export type PhysReader = (addr: bigint, len: number) => Promise<Uint8Array>;

export interface PagingContext {
  readonly cr0: bigint;
  readonly cr3: bigint;
  readonly cr4: bigint;
  readonly efer: bigint;
}

export interface LevelGeometry {
  readonly level: TableLevel;
  readonly entries: number;
  readonly entrySize: 4 | 8;
  /** Virtual address bits translated below this level's index. */
  readonly shift: bigint;
  /** Whether PS=1 here means a large page. */
  readonly largePages: boolean;
}

export interface Geometry {
  readonly mode: Exclude<PagingMode, 'none'>;
  /** Physical address of the top table. */
  readonly root: bigint;
  /** Top level first. */
  readonly levels: readonly LevelGeometry[];
  /** Bits of a linear address (32, 48 or 57) — canonical sign extension above them. */
  readonly vaBits: number;
}

const L = (level: TableLevel, entries: number, entrySize: 4 | 8, shift: number, largePages: boolean): LevelGeometry =>
  ({ level, entries, entrySize, shift: BigInt(shift), largePages });

/** Table address mask QEMU uses for CR3 and entries in PAE/long mode (bits 12-49). */
export const QEMU_TABLE_MASK = 0x3_ffff_ffff_f000n;

export function geometry(ctx: PagingContext): Geometry | undefined {
  const mode = pagingMode(ctx.cr0, ctx.cr4, ctx.efer);
  switch (mode) {
    case 'none': return undefined;
    case '32-bit':
      return { mode, root: ctx.cr3 & 0xffff_f000n, vaBits: 32,
        levels: [L(2, 1024, 4, 22, bitSet(ctx.cr4, CR4.PSE)), L(1, 1024, 4, 12, false)] };
    case 'PAE':
      return { mode, root: ctx.cr3 & 0xffff_ffe0n, vaBits: 32,
        levels: [L(3, 4, 8, 30, false), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
    case '4-level':
      return { mode, root: ctx.cr3 & QEMU_TABLE_MASK, vaBits: 48,
        levels: [L(4, 512, 8, 39, false), L(3, 512, 8, 30, true), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
    case '5-level':
      return { mode, root: ctx.cr3 & QEMU_TABLE_MASK, vaBits: 57,
        levels: [L(5, 512, 8, 48, false), L(4, 512, 8, 39, false), L(3, 512, 8, 30, true), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
  }
}

/** Sign-extends a linear address above `vaBits` (QEMU's addr_canonical). */
export function canonical(addr: bigint, vaBits: number): bigint {
  if (vaBits >= 64 || vaBits <= 32) return addr;
  const top = 1n << BigInt(vaBits - 1);
  return (addr & top) !== 0n ? BigInt.asUintN(64, addr | ~((1n << BigInt(vaBits)) - 1n)) : addr;
}

export interface TableCacheOptions {
  /** Distinct tables one cache may hold before reads fail (guards garbage walks). Default 20,000. */
  readonly maxTables?: number;
}

/** Reads and caches tables; `clear()` at every stop. Shares in-flight reads. */
export class TableCache {
  private readonly tables = new Map<string, Promise<readonly bigint[]>>();
  private readonly maxTables: number;
  bytesRead = 0;
  reads = 0;

  constructor(private readonly read: PhysReader, opts: TableCacheOptions = {}) {
    this.maxTables = opts.maxTables ?? 20_000;
  }

  get size(): number { return this.tables.size; }

  clear(): void { this.tables.clear(); this.loaded.clear(); this.loadedWords.clear(); this.bytesRead = 0; this.reads = 0; }

  /** The entries of the table at `phys`. */
  table(phys: bigint, entries: number, entrySize: 4 | 8): Promise<readonly bigint[]> {
    const key = `${phys.toString(16)}/${entries}/${entrySize}`;
    let p = this.tables.get(key);
    if (!p) {
      if (this.tables.size >= this.maxTables) {
        return Promise.reject(new ExoError('target', `page-table walk stopped after ${this.maxTables} distinct tables: the tables look corrupt (looping or garbage entries)`));
      }
      p = this.load(phys, entries, entrySize);
      this.tables.set(key, p);
      p.catch(() => this.tables.delete(key));
    }
    return p;
  }

  /** Synchronous access for tables already loaded (undefined otherwise). */
  private readonly loaded = new Map<string, readonly bigint[]>();
  private readonly loadedWords = new Map<string, Uint32Array>();
  loadedTable(phys: bigint, entries: number, entrySize: 4 | 8): readonly bigint[] | undefined {
    return this.loaded.get(`${phys.toString(16)}/${entries}/${entrySize}`);
  }
  /**
   * The same table as 32-bit little-endian words (two per 8-byte entry: low, high), for hot
   * loops that would otherwise do bigint arithmetic per entry.
   */
  loadedTableWords(phys: bigint, entries: number, entrySize: 4 | 8): Uint32Array | undefined {
    return this.loadedWords.get(`${phys.toString(16)}/${entries}/${entrySize}`);
  }

  private async load(phys: bigint, entries: number, entrySize: 4 | 8): Promise<readonly bigint[]> {
    const len = entries * entrySize;
    const bytes = await this.read(phys, len);
    if (bytes.length < len) {
      throw new ExoError('target', `physical read at 0x${phys.toString(16)} returned ${bytes.length} of ${len} bytes`);
    }
    this.bytesRead += len;
    this.reads++;
    const out: bigint[] = new Array(entries);
    for (let i = 0; i < entries; i++) out[i] = readLE(bytes, i * entrySize, entrySize);
    const words = new Uint32Array(len / 4);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
    for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(i * 4, true);
    const key = `${phys.toString(16)}/${entries}/${entrySize}`;
    this.loaded.set(key, out);
    this.loadedWords.set(key, words);
    return out;
  }
}
