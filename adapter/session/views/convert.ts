// Kernel-view values → JSON bodies of the exo/* custom requests (bigint → "0x…").
import type { CpuView } from '../../kernel/cpus';
import type { CowFault, ProcessInfo } from '../../kernel/cowFaults';
import { permText, type Perms, type RegionMapping } from '../../kernel/elfMappings';
import type { EntryView, PageTableSummary } from '../../kernel/pageTables';
import { decodePte, describePte, type DecodedPte } from '../../x86/pte';
import type { FaultTraceLog } from '../../kernel/faultTrace';
import type { TableRef } from '../../x86/tableView';
import type { MappedRange } from '../../x86/leafScan';
import type { Translation } from '../../x86/walk';
import type { CowFaultBody, CpuBody, FaultTraceBody, EntryBody, PermsBody, ProcessBody, PteBody, RangeBody, RegionBody, SummaryBody, TableRefBody, TranslateStepBody } from './protocol';

export const hex = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16);
const opt = (v: bigint | undefined) => (v === undefined ? undefined : hex(v));

export function cpuBody(c: CpuView, threadId: number): CpuBody {
  const s = c.summary;
  const base: CpuBody = { cpu: c.index, threadId, name: `CPU ${c.index}`, state: c.state, kernel: c.kernel ? { ...c.kernel } : undefined };
  if (!s) return base;
  return {
    ...base,
    mode: s.mode, modeCertain: s.modeCertain, cpl: s.cpl, interruptsEnabled: s.interruptsEnabled, paging: s.paging, bits: s.bits,
    rip: hex(s.rip), linearPc: hex(s.linearPc),
    symbol: c.location?.symbol, function: c.location?.function, file: c.location?.file, line: c.location?.line,
    cr0: { value: hex(s.cr0.value), flags: s.cr0.flags },
    cr3: { value: hex(s.cr3.value), flags: s.cr3.flags, base: hex(s.cr3.base), pcid: s.cr3.pcid },
    cr4: { value: hex(s.cr4.value), flags: s.cr4.flags },
    efer: { value: hex(s.efer.value), flags: s.efer.flags },
    fsBase: hex(s.fsBase), gsBase: hex(s.gsBase), kernelGsBase: hex(s.kernelGsBase),
  };
}

export function pteBody(e: DecodedPte): PteBody {
  return {
    raw: hex(e.raw), present: e.present, leaf: e.leaf, address: hex(e.address), size: hex(e.size), flags: describePte(e),
    writable: e.writable, user: e.user, noExecute: e.noExecute, cow: e.cow, protectionKey: e.protectionKey,
    softwareBits: [...e.softwareBits], garbage: e.reserved !== 0n, reserved: hex(e.reserved),
  };
}

export const tableRefBody = (r: TableRef): TableRefBody => ({ phys: hex(r.phys), depth: r.depth, base: hex(r.base) });

export function entryBody(e: EntryView): EntryBody {
  return { ...pteBody(e.entry), index: e.index, virt: hex(e.virt), span: hex(e.span), levelName: e.levelName, child: e.child ? tableRefBody(e.child) : undefined };
}

export const rangeBody = (r: MappedRange): RangeBody => ({
  start: hex(r.start), end: hex(r.end), phys: hex(r.phys), physContiguous: r.physContiguous,
  writable: r.writable, user: r.user, executable: r.executable, pages: r.pages,
});

export const summaryBody = (s: PageTableSummary): SummaryBody => ({
  tablesRead: s.tablesRead, bytesRead: s.bytesRead, leaves: s.leaves.total, leavesBySize: { ...s.leaves.bySize },
  mappedBytes: hex(s.mappedBytes), userPages: s.userPages, writableExecutable: s.writableExecutable, cowPages: s.cowPages, cowBit: s.cowBit,
  garbageEntries: s.garbageEntries, ranges: s.ranges, truncated: s.truncated,
});

const LEVEL = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];
export function stepsBody(t: Translation): TranslateStepBody[] {
  return t.steps.map(s => ({ level: s.level, levelName: LEVEL[s.level], table: hex(s.table), index: s.index, entryAddress: hex(s.entryAddress), entry: pteBody(s.entry) }));
}

const permsBody = (p: Perms): PermsBody => ({ ...p, text: permText(p) });

export const regionBody = (r: RegionMapping): RegionBody => ({
  name: r.name, start: hex(r.start), end: hex(r.end), loadAddress: opt(r.loadAddress), expected: permsBody(r.expected),
  pages: r.pages, mappedPages: r.mappedPages, writableExecutablePages: r.writableExecutablePages, problems: [...r.problems],
  runs: r.runs.map(x => ({ start: hex(x.start), end: hex(x.end), mapped: x.mapped, phys: opt(x.phys), perms: x.perms ? permsBody(x.perms) : undefined, permsMatch: x.permsMatch, physMatch: x.physMatch, cow: x.cow })),
});

export const cowFaultBody = (f: CowFault): CowFaultBody => ({
  seq: f.seq.toString(), cpu: f.cpu, pid: f.pid, address: opt(f.address), rip: opt(f.rip),
  symbol: f.ripAt?.symbol, function: f.ripAt?.function, file: f.ripAt?.file, line: f.ripAt?.line,
  oldFrame: opt(f.oldFrame), newFrame: opt(f.newFrame), refcount: f.refcount?.toString(), kind: f.kind, raw: { ...f.raw },
});

export const processBody = (p: ProcessInfo): ProcessBody => ({ pid: p.pid, name: p.name, cr3: opt(p.cr3), raw: { ...p.raw } });

/** Leaf flags with the session's COW bit (null: none), as exo/pageTable shows them. */
const pteText = (raw: bigint | undefined, cowBit: number | null) => (raw === undefined ? undefined : describePte(decodePte(raw, 1, { cowBit: cowBit ?? undefined })));

export const traceBody = (log: FaultTraceLog, symbolOf: (pc: bigint) => string | undefined, cowBit: number | null): FaultTraceBody => ({
  function: log.spec.function, addresses: log.addresses.map(hex), total: log.total, meanCostMs: log.meanCostMs, notes: [...log.notes],
  hits: log.records.map(r => ({
    seq: r.seq, cpu: r.cpu, rip: hex(r.rip), symbol: symbolOf(r.rip), cr2: hex(r.cr2), cr3: hex(r.cr3), address: opt(r.address), addressError: r.addressError,
    pteBefore: opt(r.pteBefore), pteBeforeFlags: pteText(r.pteBefore, cowBit), pteAfter: opt(r.pteAfter), pteAfterFlags: pteText(r.pteAfter, cowBit), afterAt: r.afterAt, costMs: r.costMs,
  })),
});
