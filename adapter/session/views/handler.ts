// Serves the exo/* custom requests: validates arguments, asks the kernel views (adapter/kernel)
// through the Runtime's ViewTarget, and answers JSON bodies. One PageTableService per Runtime
// keeps its table cache for the current stop.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExoError } from '../../common/errors';
import { cowFaultsView } from '../../kernel/cowFaults';
import { cpusView } from '../../kernel/cpus';
import { elfMappings } from '../../kernel/elfMappings';
import { PageTableService, type PagingOptions } from '../../kernel/pageTables';
import { ElfFile, FileSource } from '../../symbols';
import type { Runtime } from '../runtime';
import { finishFaultTrace } from './faultTrace';
import { cowFaultBody, cpuBody, traceBody, entryBody, hex, processBody, rangeBody, regionBody, stepsBody, summaryBody, tableRefBody } from './convert';
import type {
  CowFaultsResponseBody, CpusResponseBody, ElfMappingsArguments, ElfMappingsResponseBody, PageTableArguments, PageTableFormat,
  PageTableResponseBody, PagingArguments, TranslateArguments, TranslateResponseBody,
} from './protocol';
import { VIEW_REQUESTS } from './protocol';
import { requestCowBit, sessionCowBit } from './settings';
import { runtimeTarget } from './target';

const services = new WeakMap<Runtime, PageTableService>();

function pageTables(rt: Runtime): PageTableService {
  let s = services.get(rt);
  if (!s) {
    // The service keeps the target object; refresh running/stopToken on every request.
    const live = runtimeTarget(rt);
    const target = Object.defineProperties(live, {
      running: { get: () => rt.isRunning },
      stopToken: { get: () => rt.rsp.lastStop ?? live },
    });
    s = new PageTableService(target);
    services.set(rt, s);
  }
  return s;
}

export function parseAddress(text: unknown, what: string): bigint {
  if (typeof text !== 'string' && typeof text !== 'number') throw new ExoError('user', `${what} is missing: give an address like 0xffffffff80100000.`);
  const t = String(text).trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new ExoError('user', `"${text}" is not an address: use hex (0x…) or decimal.`);
  const v = BigInt(t);
  if (v >= 1n << 64n) throw new ExoError('user', `${t} does not fit 64 bits.`);
  return v;
}

function cpuOf(rt: Runtime, a: PagingArguments): number {
  const cpu = a.cpu ?? rt.lastThread - 1;
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= rt.cpus) throw new ExoError('user', `There is no CPU ${cpu}: this VM has CPUs 0-${rt.cpus - 1}.`);
  return cpu;
}

function pagingOptions(rt: Runtime, a: PagingArguments): PagingOptions {
  return { cowBit: requestCowBit(rt, a.cowBit), physAddrBits: a.physAddrBits, fresh: a.fresh };
}

const FORMATS: readonly PageTableFormat[] = ['table', 'ranges', 'summary', 'infoTlb', 'infoMem'];

async function pageTable(rt: Runtime, a: PageTableArguments): Promise<PageTableResponseBody> {
  const cpu = cpuOf(rt, a);
  const format = a.format ?? 'table';
  if (!FORMATS.includes(format)) throw new ExoError('user', `format "${format}" is not one of ${FORMATS.join(', ')}.`);
  const svc = pageTables(rt);
  const opts = pagingOptions(rt, a);
  if (format === 'summary') {
    const s = await svc.summary(cpu, opts);
    return { cpu, format, mode: s.mode, cr3: hex(s.cr3), summary: summaryBody(s), truncated: s.truncated };
  }
  const ctx = await svc.context(cpu);
  const cr3 = hex(ctx.cr3);
  if (format === 'table') {
    const ref = a.table ? { phys: parseAddress(a.table.phys, 'table.phys'), depth: a.table.depth, base: parseAddress(a.table.base, 'table.base') } : undefined;
    const t = await svc.table(cpu, ref, { ...opts, includeEmpty: a.includeEmpty });
    return { cpu, format, mode: t.mode, cr3, table: { ref: tableRefBody(t.table), levelName: t.levelName, entries: t.entries.map(entryBody) } };
  }
  const snap = await svc.snapshot(cpu, opts);
  const mode = snap.geometry.mode;
  if (format === 'ranges') {
    const r = await svc.ranges(cpu, opts);
    return { cpu, format, mode, cr3, ranges: r.ranges.map(rangeBody), truncated: r.truncated };
  }
  return { cpu, format, mode, cr3, text: format === 'infoTlb' ? await svc.infoTlb(cpu, opts) : await svc.infoMem(cpu, opts) };
}

async function translateRequest(rt: Runtime, a: TranslateArguments): Promise<TranslateResponseBody> {
  const cpu = cpuOf(rt, a);
  const addr = parseAddress(a.address, 'address');
  const direction = a.direction ?? 'virtToPhys';
  const svc = pageTables(rt);
  if (direction === 'physToVirt') {
    const r = await svc.physToVirt(cpu, addr, pagingOptions(rt, a));
    return { cpu, direction, phys: hex(addr), virts: r.virts.map(hex), truncated: r.truncated };
  }
  if (direction !== 'virtToPhys') throw new ExoError('user', `direction "${String(direction)}" is not virtToPhys or physToVirt.`);
  const t = await svc.translate(cpu, addr, pagingOptions(rt, a));
  return {
    cpu, direction, virt: hex(t.virt), phys: t.phys !== undefined ? hex(t.phys) : undefined,
    pageSize: t.pageSize !== undefined ? hex(t.pageSize) : undefined, fault: t.fault, steps: stepsBody(t),
  };
}

/** Each vCPU's kernel GS base (Linux: its per-CPU area): GS base, or the swapped one in user mode. */
async function kernelGsBases(rt: Runtime): Promise<bigint[]> {
  const t = runtimeTarget(rt);
  const out: bigint[] = [];
  for (let cpu = 0; cpu < rt.cpus; cpu++) {
    const r = await t.readRegisters(cpu);
    const kernel = [r.get('gs_base'), r.get('k_gs_base')].find(v => v !== undefined && v >= 0xffff_8000_0000_0000n);
    if (kernel === undefined) return [];
    out.push(kernel);
  }
  return out;
}

async function elfMappingsRequest(rt: Runtime, a: ElfMappingsArguments): Promise<ElfMappingsResponseBody> {
  const cpu = cpuOf(rt, a);
  const svc = pageTables(rt);
  const opts = pagingOptions(rt, a);
  let cr3 = a.cr3 !== undefined ? parseAddress(a.cr3, 'cr3') : undefined;
  let userFile = a.file;
  if (a.pid !== undefined) {
    const procs = (await cowFaultsView(runtimeTarget(rt))).processes;
    const p = procs.find(x => x.pid === a.pid);
    if (!p?.cr3) throw new ExoError('user', `pid ${a.pid} is not in the kernel's process table (or has no CR3).`);
    cr3 ??= p.cr3;
    // The process's program, from the user/ folder beside the kernel (Exo-OS: build/kernel/user/)
    if (!userFile && p.name && rt.symbols.path) {
      const guess = path.join(path.dirname(rt.symbols.path), 'user', p.name);
      if (fs.existsSync(guess)) userFile = guess;
      else throw new ExoError('user', `pid ${a.pid} runs "${p.name}" but ${guess} does not exist: pass its ELF as "file".`);
    }
  }
  let elf: ElfFile;
  let file: string;
  if (userFile) {
    try { elf = new ElfFile(new FileSource(userFile)); } catch (e) {
      throw new ExoError('user', `${userFile} is not a readable ELF file: ${e instanceof Error ? e.message : String(e)}`);
    }
    file = userFile;
  } else {
    const sf = rt.parts.loaded.file;
    if (!sf) throw new ExoError('user', 'No kernel symbol file is loaded: set "symbols" (or pass "file") to check ELF mappings.');
    elf = sf.elf;
    file = rt.symbols.path ?? '';
  }
  const space = cr3 ?? (await svc.context(cpu)).cr3;
  // Only a kernel QEMU loaded itself sits at its ELF load addresses.
  const r = await elfMappings(elf, file, space, v => svc.translate(cpu, v, { ...opts, cr3 }), {
    checkLoadAddress: !userFile && cr3 === undefined,
    perCpuBases: userFile ? undefined : await kernelGsBases(rt),
  });
  return { cpu, file: r.file, cr3: hex(r.cr3), segments: r.segments.map(regionBody), sections: r.sections.map(regionBody), problems: [...r.problems], notes: [...r.notes] };
}

async function cowFaultsRequest(rt: Runtime): Promise<CowFaultsResponseBody> {
  const r = await cowFaultsView(runtimeTarget(rt));
  const log = await finishFaultTrace(rt);
  const target = runtimeTarget(rt);
  return {
    trace: log ? traceBody(log, pc => { const d = target.describePc(pc); return d.function ?? d.symbol; }, sessionCowBit(rt)) : undefined,
    source: r.source, detail: r.detail, total: r.total?.toString(), capacity: r.capacity, overwritten: r.overwritten,
    faults: r.faults.map(cowFaultBody), processes: r.processes.map(processBody),
  };
}

async function cpusRequest(rt: Runtime): Promise<CpusResponseBody> {
  const r = await cpusView(runtimeTarget(rt));
  return { cpus: r.cpus.map(c => cpuBody(c, c.index + 1)), kernelTable: r.kernelTable, notes: [...r.notes] };
}

export function isViewCommand(command: string): boolean { return command.startsWith('exo/'); }

/** Answers one exo/* request; unknown commands are a user error naming the known ones. */
export async function handleViewRequest(rt: Runtime, command: string, args: unknown): Promise<unknown> {
  const a = (args && typeof args === 'object' ? args : {}) as Record<string, unknown>;
  switch (command) {
    case VIEW_REQUESTS.cpus: return cpusRequest(rt);
    case VIEW_REQUESTS.pageTable: return pageTable(rt, a as PageTableArguments);
    case VIEW_REQUESTS.translate: return translateRequest(rt, a as unknown as TranslateArguments);
    case VIEW_REQUESTS.elfMappings: return elfMappingsRequest(rt, a as ElfMappingsArguments);
    case VIEW_REQUESTS.cowFaults: return cowFaultsRequest(rt);
    default: throw new ExoError('user', `Unknown request ${command}: the adapter serves ${Object.values(VIEW_REQUESTS).join(', ')}.`);
  }
}
