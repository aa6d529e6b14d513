// Command-line options shared by the view subcommands: target selection (fresh launch or
// --attach host:port, same attribute names as the launch configuration) and output shape.
import { userError } from '../common/errors';

export interface CliOptions {
  json: boolean;
  verbose: boolean;
  attach?: { host: string; port: number };
  kernel?: string;
  symbols?: string;
  initrd?: string;
  cmdline?: string;
  cpus?: number;
  memory?: string;
  /** vCPU whose CR3 the page-table views use. */
  cpu?: number;
  /** Fresh launch: run until serial output matches this, then pause. */
  until?: RegExp;
  /** Fresh launch: or until this many ms passed (default 60 s timeout with --until). */
  timeoutMs: number;
  /** translate: physical → virtual. */
  phys: boolean;
  /** elf: the address space of this pid (kernel process table). */
  pid?: number;
  /** Fresh launch or attach: the fault trace setting (`FUNCTION[@ADDRESS-EXPR]`). */
  faultTrace?: { function: string; address?: string };
  /** The software PTE bit meaning COW (`--cow-bit N|none`, launch/attach setting `cowBit`). */
  cowBit?: number | 'none';
  /** Positional arguments left after the options. */
  rest: string[];
}

const VALUE_OPTS = new Set(['--attach', '--kernel', '--symbols', '--initrd', '--cmdline', '--cpus', '--memory', '--cpu', '--until', '--timeout', '--pid', '--fault-trace', '--cow-bit']);

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw userError(`${name} needs a whole number from ${min} to ${max}, not "${v}".`);
  return n;
}

export function parseOptions(argv: string[]): CliOptions {
  const o: CliOptions = { json: false, verbose: false, timeoutMs: 120_000, phys: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') { o.json = true; continue; }
    if (a === '--verbose' || a === '-v') { o.verbose = true; continue; }
    if (a === '--phys') { o.phys = true; continue; }
    if (!VALUE_OPTS.has(a)) {
      if (a.startsWith('--')) throw userError(`unknown option ${a}: see exo-debug --help.`);
      o.rest.push(a);
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw userError(`${a} needs a value.`);
    switch (a) {
      case '--attach': {
        const m = /^(?:(.+):)?(\d+)$/.exec(v);
        if (!m) throw userError(`--attach needs host:port (e.g. 127.0.0.1:1234), not "${v}".`);
        o.attach = { host: m[1] ?? '127.0.0.1', port: int('--attach port', m[2], 1, 65535) };
        break;
      }
      case '--kernel': o.kernel = v; break;
      case '--symbols': o.symbols = v; break;
      case '--initrd': o.initrd = v; break;
      case '--cmdline': o.cmdline = v; break;
      case '--memory': o.memory = v; break;
      case '--cpus': o.cpus = int('--cpus', v, 1, 255); break;
      case '--fault-trace': {
        const at = v.indexOf('@');
        o.faultTrace = at < 0 ? { function: v } : { function: v.slice(0, at), address: v.slice(at + 1) };
        break;
      }
      case '--cow-bit': o.cowBit = v === 'none' ? 'none' : int('--cow-bit (or "none")', v, 0, 63); break;
      case '--pid': o.pid = int('--pid', v, 1, 2 ** 31); break;
      case '--cpu': o.cpu = int('--cpu', v, 0, 254); break;
      case '--timeout': o.timeoutMs = int('--timeout', v, 1, 3_600) * 1000; break;
      case '--until':
        try { o.until = new RegExp(v); } catch { throw userError(`--until needs a regular expression, not "${v}".`); }
        break;
    }
  }
  return o;
}

export const TARGET_HELP = `target: --attach host:port --symbols ELF | (fresh launch) --kernel ELF [--initrd F] [--cpus N] [--memory M] [--cmdline S] [--until REGEX] [--timeout S]
trace:  --fault-trace FUNCTION[@ADDRESS-EXPR] (hidden breakpoint on a fault handler, shown by cow)
        --cow-bit N|none (software PTE bit meaning COW in pagetables/translate/elf/cow; default 9 = Exo-OS, Linux: none)
output: --json (the DAP response bodies), --cpu N (vCPU for page tables), --verbose (serial output to stderr)`;
