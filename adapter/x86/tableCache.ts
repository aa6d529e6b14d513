// The page-table cache: tables are read from physical memory once per stop, keyed by physical
// address (Linux maps one frame 65,536 times), physically adjacent tables in one read, with a
// bound on how many distinct tables one walk may read. Entries are kept as 32-bit words; the
// bigint view of a table is built only when someone asks for it.
import { ExoError } from '../common/errors';
import type { PhysReader } from './paging';

export interface TableCacheOptions {
  /** Distinct tables one cache may hold before reads fail (guards garbage walks). Default 20,000. */
  readonly maxTables?: number;
}

/** Adjacent tables read together at most (64 × 4 KiB): one request, chunks pipelined. */
const MAX_RUN = 64;

interface Loaded {
  /** Little-endian 32-bit words: two per 8-byte entry (low, high). */
  readonly words: Uint32Array;
  entries?: readonly bigint[];
}

const key = (phys: bigint, entries: number, entrySize: number) => `${phys.toString(16)}/${entries}/${entrySize}`;

function bigints(l: Loaded, entrySize: 4 | 8): readonly bigint[] {
  if (!l.entries) {
    const w = l.words;
    l.entries = entrySize === 4 ? Array.from(w, x => BigInt(x))
      : Array.from({ length: w.length / 2 }, (_, i) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i]));
  }
  return l.entries;
}

/** Reads and caches tables; make a new one (or `clear()`) at every stop. Shares in-flight reads. */
export class TableCache {
  private readonly tables = new Map<string, Promise<Loaded>>();
  private readonly loaded = new Map<string, Loaded>();
  private readonly maxTables: number;
  bytesRead = 0;
  /** Distinct tables read. */
  reads = 0;
  /** Physical read requests made (adjacent tables share one). */
  requests = 0;

  constructor(private readonly read: PhysReader, opts: TableCacheOptions = {}) {
    this.maxTables = opts.maxTables ?? 20_000;
  }

  get size(): number { return this.tables.size; }

  clear(): void { this.tables.clear(); this.loaded.clear(); this.bytesRead = 0; this.reads = 0; this.requests = 0; }

  /** The entries of the table at `phys`. */
  async table(phys: bigint, entries: number, entrySize: 4 | 8): Promise<readonly bigint[]> {
    return bigints(await this.entry(phys, entries, entrySize), entrySize);
  }

  /** The table at `phys` as 32-bit words (see loadedTableWords). */
  async tableWords(phys: bigint, entries: number, entrySize: 4 | 8): Promise<Uint32Array> {
    return (await this.entry(phys, entries, entrySize)).words;
  }

  /**
   * Loads all of `addrs` (tables of one level), reading runs of physically adjacent tables
   * in one request each: a walk's tables are mostly allocated together.
   */
  async prefetch(addrs: Iterable<bigint>, entries: number, entrySize: 4 | 8): Promise<void> {
    const len = entries * entrySize;
    const todo = [...new Set(addrs)].filter(a => !this.tables.has(key(a, entries, entrySize))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const runs: bigint[][] = [];
    for (const a of todo) {
      const run = runs[runs.length - 1];
      if (run && run.length < MAX_RUN && a === run[run.length - 1] + BigInt(len)) run.push(a); else runs.push([a]);
    }
    const pending: Promise<Loaded>[] = [];
    for (const run of runs) {
      this.checkBound(run.length);
      const bytes = this.readRun(run[0], run.length * len);
      run.forEach((a, i) => pending.push(this.remember(a, entries, entrySize, bytes.then(b => this.decode(a, entries, entrySize, b.subarray(i * len, (i + 1) * len))))));
    }
    await Promise.all(pending);
  }

  /** Synchronous access for tables already loaded (undefined otherwise). */
  loadedTable(phys: bigint, entries: number, entrySize: 4 | 8): readonly bigint[] | undefined {
    const l = this.loaded.get(key(phys, entries, entrySize));
    return l && bigints(l, entrySize);
  }

  /**
   * The same table as 32-bit little-endian words (two per 8-byte entry: low, high), for hot
   * loops that would otherwise do bigint arithmetic per entry.
   */
  loadedTableWords(phys: bigint, entries: number, entrySize: 4 | 8): Uint32Array | undefined {
    return this.loaded.get(key(phys, entries, entrySize))?.words;
  }

  private entry(phys: bigint, entries: number, entrySize: 4 | 8): Promise<Loaded> {
    const p = this.tables.get(key(phys, entries, entrySize));
    if (p) return p;
    this.checkBound(1);
    const len = entries * entrySize;
    return this.remember(phys, entries, entrySize, this.readRun(phys, len).then(b => this.decode(phys, entries, entrySize, b)));
  }

  private checkBound(n: number): void {
    if (this.tables.size + n > this.maxTables) {
      throw new ExoError('target', `page-table walk stopped after ${this.maxTables} distinct tables: the tables look corrupt (looping or garbage entries)`);
    }
  }

  private async readRun(phys: bigint, len: number): Promise<Uint8Array> {
    this.requests++;
    const bytes = await this.read(phys, len);
    if (bytes.length < len) {
      throw new ExoError('target', `physical read at 0x${phys.toString(16)} returned ${bytes.length} of ${len} bytes`);
    }
    return bytes;
  }

  private remember(phys: bigint, entries: number, entrySize: 4 | 8, p: Promise<Loaded>): Promise<Loaded> {
    const k = key(phys, entries, entrySize);
    this.tables.set(k, p);
    p.catch(() => this.tables.delete(k));
    return p;
  }

  private decode(phys: bigint, entries: number, entrySize: 4 | 8, bytes: Uint8Array): Loaded {
    const len = entries * entrySize;
    const words = new Uint32Array(len / 4);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
    for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(i * 4, true);
    this.bytesRead += len;
    this.reads++;
    const l: Loaded = { words };
    this.loaded.set(key(phys, entries, entrySize), l);
    return l;
  }
}
