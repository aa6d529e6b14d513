// Fault trace for kernels without their own COW log (e.g. Linux: `wp_page_copy`): a hidden
// breakpoint on a fault handler records CPU, CR2, RIP, the faulting address and its PTE, then
// the VM resumes without a visible stop. The PTE "after" is read when the handler returns (the
// session puts a hidden breakpoint on its return address); where the return cannot be found
// (no unwind info) it is read at the next stop instead, and the record says which.

/** Launch/attach setting: `{ "function": "wp_page_copy", "address": "vmf->address" }`. */
export interface FaultTraceSpec {
  /** Function (or FILE:LINE-free symbol) whose entry marks a fault being resolved. */
  readonly function: string;
  /** Expression for the faulting address in the handler's frame; default `$cr2`. */
  readonly address?: string;
}

export interface TraceRecord {
  readonly seq: number;
  readonly cpu: number;
  readonly rip: bigint;
  readonly cr2: bigint;
  readonly cr3: bigint;
  /** The address expression's value, or why it could not be evaluated. */
  readonly address?: bigint;
  readonly addressError?: string;
  readonly pteBefore?: bigint;
  pteAfter?: bigint;
  /** When pteAfter was read: at the handler's return, or at a later stop; absent while the
   *  handler has not returned yet. */
  afterAt?: 'return' | 'stop';
  /** Time spent stopped for this hit (reading registers and tables; the return stop too), ms. */
  costMs: number;
}

export interface TraceContext {
  readonly cpu: number;
  readRegisters(): Promise<ReadonlyMap<string, bigint>>;
  evaluate(expr: string): Promise<bigint>;
  /** The leaf PTE mapping `va` under `cr3`, undefined when not mapped. */
  leafPte(cr3: bigint, va: bigint): Promise<bigint | undefined>;
}

const MAX_RECORDS = 10_000;

export class FaultTraceLog {
  readonly records: TraceRecord[] = [];
  /** Hits ever recorded (records keep the last MAX_RECORDS). */
  total = 0;
  /** Things the user should know about the trace (e.g. returns that could not be traced). */
  readonly notes = new Set<string>();
  private unfinished: TraceRecord[] = [];

  constructor(readonly spec: FaultTraceSpec, readonly addresses: readonly bigint[]) {}

  /**
   * One hit of the hidden breakpoint, while the VM is stopped. `atReturn`: the caller will
   * call complete() when the handler returns; otherwise "after" is read at a later stop.
   */
  async hit(ctx: TraceContext, atReturn = false): Promise<TraceRecord> {
    const t0 = performance.now();
    const regs = await ctx.readRegisters();
    const cr2 = regs.get('cr2') ?? 0n, cr3 = regs.get('cr3') ?? 0n;
    let address: bigint | undefined, addressError: string | undefined;
    try { address = await ctx.evaluate(this.spec.address ?? '$cr2'); } catch (e) { addressError = e instanceof Error ? e.message : String(e); }
    const va = address ?? cr2;
    let pteBefore: bigint | undefined;
    try { pteBefore = await ctx.leafPte(cr3, va); } catch { pteBefore = undefined; }
    await this.finish(ctx.leafPte);
    const rec: TraceRecord = { seq: ++this.total, cpu: ctx.cpu, rip: regs.get('rip') ?? 0n, cr2, cr3, address, addressError, pteBefore, costMs: performance.now() - t0 };
    this.records.push(rec);
    if (this.records.length > MAX_RECORDS) this.records.shift();
    if (!atReturn) this.unfinished.push(rec);
    return rec;
  }

  /** The handler of `rec` returned: its PTE now, read by `leafPte`; `costMs` of that stop. */
  async complete(rec: TraceRecord, leafPte: TraceContext['leafPte'], costMs: number): Promise<void> {
    const t0 = performance.now();
    try { rec.pteAfter = await leafPte(rec.cr3, rec.address ?? rec.cr2); } catch { rec.pteAfter = undefined; }
    rec.afterAt = 'return';
    rec.costMs += costMs + (performance.now() - t0);
  }

  /** Fills `pteAfter` of earlier hits whose return is not traced (at a later stop). */
  async finish(leafPte: TraceContext['leafPte']): Promise<void> {
    const todo = this.unfinished;
    this.unfinished = [];
    for (const r of todo) {
      try { r.pteAfter = await leafPte(r.cr3, r.address ?? r.cr2); } catch { r.pteAfter = undefined; }
      r.afterAt = 'stop';
    }
  }

  get meanCostMs(): number {
    return this.records.length ? this.records.reduce((a, r) => a + r.costMs, 0) / this.records.length : 0;
  }
}
