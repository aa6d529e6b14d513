// `exo-debug cpus|pagetables|translate ADDR|elf|cow`: opens a session (attach or fresh launch),
// asks the adapter the matching exo/* request over DAP, prints text or --json, and ends.
import { userError } from '../common/errors';
import type {
  CowFaultsResponseBody, CpusResponseBody, ElfMappingsResponseBody, PageTableFormat, PageTableResponseBody, TranslateResponseBody,
} from '../session/views/protocol';
import { VIEW_REQUESTS } from '../session/views/protocol';
import { openSession, type CliSession } from './connect';
import { runAndExit } from './exit';
import { VIEW_HELP } from './help';
import { parseOptions, TARGET_HELP, type CliOptions } from './options';
import { renderCow, renderCpus, renderElf, renderPageTable, renderTranslate } from './render';


const PT_FORMATS: Record<string, PageTableFormat> = { summary: 'summary', ranges: 'ranges', table: 'table', tlb: 'infoTlb', mem: 'infoMem' };

async function query(cmd: string, s: CliSession, o: CliOptions): Promise<{ body: unknown; text: string }> {
  const cpu = o.cpu;
  switch (cmd) {
    case 'cpus': {
      const b = await s.dap.request<CpusResponseBody>(VIEW_REQUESTS.cpus, {});
      return { body: b, text: renderCpus(b) };
    }
    case 'pagetables': {
      const which = o.rest[0] ?? 'summary';
      const format = PT_FORMATS[which];
      if (!format) throw userError(`pagetables shows ${Object.keys(PT_FORMATS).join('|')}, not "${which}".`);
      const b = await s.dap.request<PageTableResponseBody>(VIEW_REQUESTS.pageTable, { cpu, format }, 300_000);
      return { body: b, text: renderPageTable(b) };
    }
    case 'translate': {
      const phys = o.phys;
      const address = o.rest.find(a => /^(0x)?[0-9a-f_]+$/i.test(a));
      if (!address) throw userError('translate needs an address, e.g. exo-debug translate 0xffffffff80106000.');
      const b = await s.dap.request<TranslateResponseBody>(VIEW_REQUESTS.translate, { cpu, address: /^[0-9]+$/.test(address) || address.startsWith('0x') ? address : `0x${address}`, direction: phys ? 'physToVirt' : 'virtToPhys' }, 300_000);
      return { body: b, text: renderTranslate(b) };
    }
    case 'elf': {
      const b = await s.dap.request<ElfMappingsResponseBody>(VIEW_REQUESTS.elfMappings, { cpu, file: o.rest[0], pid: o.pid }, 300_000);
      return { body: b, text: renderElf(b) };
    }
    case 'cow': {
      const b = await s.dap.request<CowFaultsResponseBody>(VIEW_REQUESTS.cowFaults, {});
      return { body: b, text: renderCow(b) };
    }
    default: throw userError(`unknown view ${cmd}`);
  }
}

export function runViewCli(cmd: string, argv: string[]): Promise<number> {
  return runAndExit(() => viewCli(cmd, argv));
}

async function viewCli(cmd: string, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`exo-debug ${cmd} ${VIEW_HELP[cmd]}\n${TARGET_HELP}\n`);
    return 0;
  }
  const o = parseOptions(argv);
  const session = await openSession(o, t => process.stderr.write(t));
  try {
    const r = await query(cmd, session, o);
    process.stdout.write(o.json ? JSON.stringify(r.body, null, 2) + '\n' : r.text);
  } finally {
    await session.close();
  }
  return 0;
}
