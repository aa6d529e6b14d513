// `exo-debug symbols`: placeholder until the symbol reader lands (issue "Symbols").
export async function runSymbolsCli(_args: string[]): Promise<number> {
  process.stderr.write('exo-debug symbols: the symbol reader is not built yet\n');
  return 1;
}
