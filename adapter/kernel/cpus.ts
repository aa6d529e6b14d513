// The CPUs view as data: per vCPU its run state, mode, CPL, IF, paging, RIP with symbol and
// line, decoded control registers and bases (x86/cpuSummary), plus the per-CPU fields the
// kernel exports (Exo-OS: EXO_CPUS through DWARF, matched to vCPUs by APIC id).
import { describeError } from '../common/errors';
import { summarizeCpu, type CpuSummary } from '../x86/cpuSummary';
import { parseInfoRegisters, type MonitorCpuRegisters } from '../x86/monitorRegs';
import { asBigint, field, readStatic, valueText, type StaticValue } from './statics';
import type { PcDescription, ViewTarget } from './target';

export type CpuRunState = 'running' | 'stopped' | 'halted';

export interface CpuView {
  readonly index: number;
  readonly state: CpuRunState;
  /** Absent while running (registers cannot be read then). */
  readonly summary?: CpuSummary;
  readonly location?: PcDescription;
  /** The kernel's own per-CPU record, field name → value text. */
  readonly kernel?: Readonly<Record<string, string>>;
}

export interface CpusResult {
  readonly cpus: readonly CpuView[];
  /** Where `kernel` fields came from (e.g. `EXO_CPUS`), or why they are missing. */
  readonly kernelTable?: string;
  readonly notes: readonly string[];
}

export interface CpuTableNames {
  /** Array static of per-CPU records and the static counting valid entries. */
  readonly table: string;
  readonly count?: string;
}

export const EXO_CPU_TABLE: CpuTableNames = { table: 'EXO_CPUS', count: 'EXO_CPU_COUNT' };

export async function cpusView(t: ViewTarget, names: CpuTableNames = EXO_CPU_TABLE): Promise<CpusResult> {
  const notes: string[] = [];
  if (t.running) {
    return { cpus: Array.from({ length: t.cpuCount }, (_, index) => ({ index, state: 'running' as const })), notes: ['The VM is running: pause it to see registers.'] };
  }
  let monitor: MonitorCpuRegisters[] = [];
  if (t.monitor) {
    try { monitor = parseInfoRegisters(await t.monitor('info registers -a')); } catch (e) {
      notes.push(`monitor register dump unavailable (${describeError(e)}): modes are guessed from the stub's registers`);
    }
  }
  const kernel = await kernelCpuTable(t, names, notes);
  const cpus: CpuView[] = [];
  for (let index = 0; index < t.cpuCount; index++) {
    const regs = await t.readRegisters(index);
    const mon = monitor.find(m => m.cpu === index);
    const summary = summarizeCpu(regs, mon);
    const paged = summary.mode === 'long' || summary.mode === 'compatibility' || summary.paging !== 'none';
    const location = !paged ? undefined : summary.cpl === 3 ? t.describeUserPc?.(summary.linearPc) : t.describePc(summary.linearPc);
    cpus.push({ index, state: summary.halted ? 'halted' : 'stopped', summary, location, kernel: kernel?.get(index) });
  }
  return { cpus, kernelTable: kernel ? names.table : undefined, notes };
}

/** vCPU index → rendered fields of the kernel's record for it. */
async function kernelCpuTable(t: ViewTarget, names: CpuTableNames, notes: string[]): Promise<Map<number, Record<string, string>> | undefined> {
  if (!t.symbols) return undefined;
  let table: StaticValue | undefined, count: bigint | undefined;
  try {
    table = await readStatic(t, t.symbols, names.table);
    if (names.count) count = asBigint(await readStatic(t, t.symbols, names.count));
  } catch (e) {
    notes.push(`${names.table} unreadable: ${describeError(e)}`);
    return undefined;
  }
  if (!Array.isArray(table)) return undefined;
  const valid = table.slice(0, count !== undefined ? Number(count) : table.length);
  const out = new Map<number, Record<string, string>>();
  valid.forEach((rec, i) => {
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return;
    const apic = asBigint(field(rec, 'apic_id', 'apicid', 'lapic_id'));
    const vcpu = apic !== undefined && Number(apic) < t.cpuCount ? Number(apic) : i;
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) fields[k] = valueText(v);
    out.set(vcpu, fields);
  });
  return out;
}
