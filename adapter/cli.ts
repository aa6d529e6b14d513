#!/usr/bin/env node
// `exo-debug` command line: dispatches to the subcommand that owns each job.
import { describeError } from './common/errors';

type Subcommand = { summary: string; run: (args: string[]) => Promise<number> };

const subcommands: Record<string, Subcommand> = {
  symbols: {
    summary: 'resolve ELF FUNC|FILE:LINE… | addr2line ELF ADDR…  (symbol reader; --json)',
    run: async args => (await import('./symbols/cli')).runSymbolsCli(args),
  },
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
