#!/usr/bin/env node
// `exo-debug` command line: dispatches to the subcommand that owns each job.
import { VIEW_HELP } from './cli/help';
import { loadBundle } from './cliCache';
import { describeError } from './common/errors';

type Subcommand = { summary: string; run: (args: string[]) => Promise<number> };

const subcommands: Record<string, Subcommand> = {
  symbols: {
    summary: 'resolve ELF FUNC|FILE:LINE… | addr2line ELF ADDR…  (symbol reader; --json)',
    run: async args => {
      // From dist/ through the V8 code cache (a one-shot command over a big binary); from sources, imported.
      const b = loadBundle<typeof import('./symbols/cli')>('cli-symbols.js');
      if (!b) return (await import('./symbols/cli')).runSymbolsCli(args);
      try { return await b.exports.runSymbolsCli(args); } finally { b.saveCache(); }
    },
  },
  demo: {
    summary: '[--json] [--no-build] [--verbose]  build Exo-OS, boot 4 CPUs, print CPUs, page tables, ELF mappings, COW faults',
    run: async args => (await import('./cli/demo')).runDemo(args),
  },
  ...Object.fromEntries(['cpus', 'pagetables', 'translate', 'elf', 'cow'].map(cmd => [cmd, {
    summary: `${VIEW_HELP[cmd]}  (--attach host:port --symbols ELF | fresh launch; --json)`,
    run: async (args: string[]) => (await import('./cli/views')).runViewCli(cmd, args),
  }])),
};

function usage(): string {
  const lines = Object.entries(subcommands).map(([n, s]) => `  exo-debug ${n} ${s.summary}`);
  return `usage:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') { process.stdout.write(usage()); return cmd ? 0 : 2; }
  const sub = subcommands[cmd];
  if (!sub) { process.stderr.write(`exo-debug: unknown command '${cmd}'\n${usage()}`); return 2; }
  return sub.run(rest);
}

main(process.argv.slice(2)).then(
  code => { process.exitCode = code; },
  e => { process.stderr.write(`exo-debug: ${describeError(e)}\n`); process.exitCode = 1; },
);
