// `exo-debug demo` (npm run demo): builds Exo-OS, boots it on 4 vCPUs (+ initrd when built),
// runs until init reports done (or SMP is online without an initrd), then prints the CPU table,
// a page-table summary, the ELF mappings and the COW timeline over DAP, and ends with QEMU gone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExoError } from '../common/errors';
import { runBuild } from '../session/build';
import type { CowFaultsResponseBody, CpusResponseBody, ElfMappingsResponseBody, PageTableResponseBody } from '../session/views/protocol';
import { VIEW_REQUESTS } from '../session/views/protocol';
import { launchSession, pidAlive } from './connect';
import { runAndExit } from './exit';
import { parseOptions } from './options';
import { renderCow, renderCpus, renderElf, renderPageTable } from './render';

const CPUS = 4;
const INIT_DONE = /exo: init: done cow_faults=(\d+)/;

export interface DemoReport {
  cpus: CpusResponseBody;
  pageTables: PageTableResponseBody;
  ranges: PageTableResponseBody;
  elf: ElfMappingsResponseBody;
  cow: CowFaultsResponseBody;
  /** What init printed (cow_faults=N), when the initrd ran. */
  initCowFaults?: number;
  qemuPid?: number;
  qemuGone: boolean;
}

export function runDemo(argv: string[]): Promise<number> {
  return runAndExit(() => demo(argv));
}

async function demo(argv: string[]): Promise<number> {
  const noBuild = argv.includes('--no-build');
  const o = parseOptions(argv.filter(a => a !== '--no-build'));
  const root = process.cwd();
  const say = (t: string) => process.stderr.write(t);
  if (!fs.existsSync(path.join(root, 'kernel/Cargo.toml'))) {
    throw new ExoError('user', `exo-debug demo runs from the repository root (kernel/Cargo.toml not found in ${root}).`);
  }
  if (!noBuild) {
    say('> npm run build:kernel\n');
    const r = await runBuild('npm run build:kernel', root, t => { if (o.verbose) say(t); });
    say(`kernel built in ${(r.durationMs / 1000).toFixed(1)} s\n`);
  }
  const kernel = path.join(root, 'build/kernel/exo.elf');
  const initrdPath = path.join(root, 'build/kernel/initrd.cpio');
  const initrd = fs.existsSync(initrdPath) ? initrdPath : undefined;
  say(`booting ${path.relative(root, kernel)} on ${CPUS} vCPUs${initrd ? ' with the initrd' : ''} …\n`);
  const s = await launchSession({
    args: { kernel, initrd, cpus: CPUS, memory: '256M' },
    until: initrd ? INIT_DONE : new RegExp(`exo: smp: ${CPUS} CPUs online`),
    timeoutMs: o.timeoutMs, log: say, verbose: o.verbose,
  });
  let report: Omit<DemoReport, 'qemuGone'>;
  try {
    const m = INIT_DONE.exec(s.serial());
    report = {
      cpus: await s.dap.request<CpusResponseBody>(VIEW_REQUESTS.cpus, {}),
      pageTables: await s.dap.request<PageTableResponseBody>(VIEW_REQUESTS.pageTable, { cpu: 0, format: 'summary' }, 120_000),
      ranges: await s.dap.request<PageTableResponseBody>(VIEW_REQUESTS.pageTable, { cpu: 0, format: 'ranges' }, 120_000),
      elf: await s.dap.request<ElfMappingsResponseBody>(VIEW_REQUESTS.elfMappings, { cpu: 0 }, 120_000),
      cow: await s.dap.request<CowFaultsResponseBody>(VIEW_REQUESTS.cowFaults, {}),
      initCowFaults: m ? Number(m[1]) : undefined,
      qemuPid: s.qemuPid,
    };
  } finally {
    await s.close();
  }
  const full: DemoReport = { ...report, qemuGone: report.qemuPid === undefined || !pidAlive(report.qemuPid) };
  if (o.json) {
    process.stdout.write(JSON.stringify(full, null, 2) + '\n');
  } else {
    const out = process.stdout;
    out.write(`\n== CPUs ==\n${renderCpus(full.cpus)}`);
    out.write(`\n== Page tables (CPU 0) ==\n${renderPageTable(full.pageTables)}${renderPageTable({ ...full.ranges, cr3: full.ranges.cr3 }).split('\n').slice(1).join('\n')}`);
    out.write(`\n== ELF mappings ==\n${renderElf(full.elf)}`);
    out.write(`\n== COW faults ==\n${renderCow(full.cow)}`);
    if (full.initCowFaults !== undefined) {
      out.write(`init printed cow_faults=${full.initCowFaults}; the kernel log holds ${full.cow.total ?? 'no'} (${String(full.cow.total) === String(full.initCowFaults) ? 'match' : 'MISMATCH'})\n`);
    }
    out.write(`\nQEMU ${full.qemuPid ?? '?'} ${full.qemuGone ? 'has exited' : 'IS STILL RUNNING'}; ${full.cpus.cpus.length} CPUs reported.\n`);
  }
  return full.qemuGone ? 0 : 1;
}
