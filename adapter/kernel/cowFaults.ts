// The copy-on-write fault timeline from the kernel's own log (Exo-OS: a static ring of
// records, a head index and a running total, plus a process table), read through DWARF.
// Field names are matched by meaning (seq/sequence, vaddr/addr…) so small renames still work.
import { describeError } from '../common/errors';
import { asBigint, field, findStatic, readStatic, valueText, type StaticValue } from './statics';
import type { PcDescription, ViewTarget } from './target';

export interface CowLogNames {
  readonly log: readonly string[];
  readonly head: readonly string[];
  readonly total: readonly string[];
  readonly processes: readonly string[];
}

/** Candidate ELF symbol names, first match wins. */
export const EXO_COW_NAMES: CowLogNames = {
  log: ['EXO_COW_LOG', 'EXO_COW_FAULTS', 'COW_LOG'],
  head: ['EXO_COW_LOG_HEAD', 'EXO_COW_HEAD', 'COW_LOG_HEAD'],
  total: ['EXO_COW_TOTAL', 'EXO_COW_FAULT_COUNT', 'EXO_COW_LOG_TOTAL', 'EXO_COW_COUNT', 'COW_TOTAL'],
  processes: ['EXO_PROCS', 'EXO_PROCESSES', 'EXO_PROCESS_TABLE', 'PROCESS_TABLE'],
};

export interface CowFault {
  readonly seq: bigint;
  readonly cpu?: number;
  readonly pid?: number;
  readonly address?: bigint;
  readonly rip?: bigint;
  readonly ripAt?: PcDescription;
  readonly oldFrame?: bigint;
  readonly newFrame?: bigint;
  readonly refcount?: bigint;
  /** 'copy' (new frame) or 'reuse' (refcount was 1: made writable in place). */
  readonly kind?: string;
  /** Every field of the record as the kernel declares it. */
  readonly raw: Readonly<Record<string, string>>;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly raw: Readonly<Record<string, string>>;
  readonly cr3?: bigint;
  readonly name?: string;
}

export interface CowFaultsResult {
  readonly source: 'kernel-log' | 'none';
  /** Which statics were read, or why none. */
  readonly detail: string;
  /** The kernel's running total (faults ever logged). */
  readonly total?: bigint;
  readonly capacity?: number;
  /** Oldest first. */
  readonly faults: readonly CowFault[];
  /** Records lost to the ring wrapping (total - kept). */
  readonly overwritten: number;
  readonly processes: readonly ProcessInfo[];
}

const first = (sf: Parameters<typeof findStatic>[0], names: readonly string[]) => names.find(n => findStatic(sf, n) !== undefined);

function num(v: StaticValue | undefined): number | undefined {
  const b = asBigint(v);
  return b === undefined ? undefined : Number(b);
}

function record(v: StaticValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = valueText(x);
  return out;
}

function isEmpty(v: StaticValue): boolean {
  if (typeof v === 'bigint') return v === 0n;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return true;
  if (Array.isArray(v)) return v.every(isEmpty);
  return Object.values(v).every(isEmpty);
}

/** Text of a byte array holding a NUL-terminated name. */
function nameOf(v: StaticValue | undefined): string | undefined {
  if (!Array.isArray(v) || !v.every(b => typeof b === 'bigint')) return typeof v === 'string' ? v : undefined;
  const bytes = (v as bigint[]).map(Number);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.slice(0, end < 0 ? bytes.length : end)).toString('utf8');
}

function kindOf(rec: StaticValue): string | undefined {
  const k = field(rec, 'kind', 'reuse', 'copied', 'action', 'resolution');
  if (k === undefined) return undefined;
  if (typeof k === 'string') return k.toLowerCase().includes('reuse') ? 'reuse' : k.toLowerCase().includes('copy') ? 'copy' : k;
  if (typeof k === 'boolean') return ('reuse' in (rec as object)) === k ? 'reuse' : 'copy';
  const n = asBigint(k);
  if ('reuse' in (rec as object)) return n ? 'reuse' : 'copy';
  if ('copied' in (rec as object)) return n ? 'copy' : 'reuse';
  return n === undefined ? undefined : String(n);
}

export async function cowFaultsView(t: ViewTarget, names: CowLogNames = EXO_COW_NAMES): Promise<CowFaultsResult> {
  const none = (detail: string): CowFaultsResult => ({ source: 'none', detail, faults: [], overwritten: 0, processes: [] });
  const sf = t.symbols;
  if (!sf) return none('no symbol file: the kernel COW log is read through DWARF');
  const logName = first(sf, names.log);
  if (!logName) return none(`the kernel exports no COW fault log (looked for ${names.log.join(', ')})`);
  if (t.running) return none('the VM is running: pause it to read the COW log');
  let log: StaticValue | undefined, total: bigint | undefined;
  try {
    log = await readStatic(t, sf, logName);
    const totalName = first(sf, names.total);
    if (totalName) total = asBigint(await readStatic(t, sf, totalName));
  } catch (e) {
    return none(`${logName} unreadable: ${describeError(e)}`);
  }
  // The log may be the ring itself or a struct holding it (records + head + total).
  let ring: StaticValue[] | undefined = Array.isArray(log) ? log : undefined;
  if (!ring && log && typeof log === 'object') {
    for (const v of Object.values(log)) if (Array.isArray(v) && v.length > 1 && typeof v[0] === 'object') { ring = v; break; }
    total ??= asBigint(field(log, 'total', 'count', 'faults'));
  }
  if (!ring) return none(`${logName} is not an array of records`);
  const processes = await readProcesses(t, names).catch(() => []);
  const programOf = new Map(processes.map(p => [p.pid, p.name]));
  const faults: CowFault[] = [];
  for (const rec of ring) {
    if (isEmpty(rec)) continue;
    const rip = asBigint(field(rec, 'rip', 'pc', 'ip'));
    const pid = num(field(rec, 'pid', 'process'));
    faults.push({
      seq: asBigint(field(rec, 'seq', 'sequence', 'id', 'serial')) ?? 0n,
      cpu: num(field(rec, 'cpu', 'cpu_id')),
      pid,
      address: asBigint(field(rec, 'vaddr', 'addr', 'address', 'virt', 'fault_addr', 'va')),
      rip, ripAt: rip === undefined ? undefined : describeRip(t, rip, pid !== undefined ? programOf.get(pid) : undefined),
      oldFrame: asBigint(field(rec, 'old_frame', 'old', 'frame_before', 'old_phys')),
      newFrame: asBigint(field(rec, 'new_frame', 'new', 'frame_after', 'new_phys')),
      refcount: asBigint(field(rec, 'refcount', 'refcount_before', 'refs', 'old_refcount')),
      kind: kindOf(rec),
      raw: record(rec),
    });
  }
  faults.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  const overwritten = total !== undefined && total > BigInt(faults.length) ? Number(total - BigInt(faults.length)) : 0;
  return { source: 'kernel-log', detail: logName, total, capacity: ring.length, faults, overwritten, processes };
}

/** Kernel addresses through the kernel's symbols, user ones through the process's program. */
function describeRip(t: ViewTarget, rip: bigint, program: string | undefined): PcDescription | undefined {
  if (rip >= 0xffff_8000_0000_0000n) return t.describePc(rip);
  return t.describeUserPc?.(rip, program) ?? (program ? t.describeUserPc?.(rip) : undefined);
}

async function readProcesses(t: ViewTarget, names: CowLogNames): Promise<ProcessInfo[]> {
  const sf = t.symbols!;
  const name = first(sf, names.processes);
  if (!name) return [];
  let table = await readStatic(t, sf, name);
  if (table && typeof table === 'object' && !Array.isArray(table)) {
    table = Object.values(table).find(v => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object');
  }
  if (!Array.isArray(table)) return [];
  const out: ProcessInfo[] = [];
  for (const p of table) {
    const pid = num(field(p, 'pid', 'id'));
    if (!pid || isEmpty(p)) continue;
    const state = field(p, 'state');
    if (typeof state === 'string' && /^(free|unused|empty)$/i.test(state)) continue;
    out.push({ pid, raw: record(p), cr3: asBigint(field(p, 'cr3', 'page_table', 'pml4')), name: nameOf(field(p, 'name', 'program', 'comm')) });
  }
  return out;
}
